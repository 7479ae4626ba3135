"""Display names of the codes people see (statuses, kinds, channels, stages...), in one place.

Codes stay short English words in the database and the URLs; pages and exports show them through
`label(lang, kind, code)`. Each name is a catalogue message whose context is its kind, so that the
status "open" and the survey state "open" can read differently in Chinese.
"""

from __future__ import annotations

import logging
from functools import cache

from core.i18n import translator

log = logging.getLogger(__name__)


def _names(pgettext) -> dict[str, dict[str, str]]:
    return {
        "status": {
            "received": pgettext("status", "received"),
            "accepted": pgettext("status", "accepted"),
            "in_progress": pgettext("status", "in progress"),
            "resolved": pgettext("status", "resolved"),
            "not_actionable": pgettext("status", "not actionable"),
        },
        "kind": {
            "need": pgettext("kind", "need"),
            "complaint": pgettext("kind", "complaint"),
            "suggestion": pgettext("kind", "suggestion"),
            "inquiry": pgettext("kind", "inquiry"),
            "praise": pgettext("kind", "praise"),
        },
        "channel": {
            "web": pgettext("channel", "web form"),
            "telegram": pgettext("channel", "Telegram"),
            "webchat": pgettext("channel", "web chat"),
            "survey": pgettext("channel", "survey"),
            "import": pgettext("channel", "import"),
            "staff": pgettext("channel", "entered by staff"),
            "open311": pgettext("channel", "Open311"),
            "phone": pgettext("channel", "phone call"),
        },
        "event": {
            "created": pgettext("event", "submitted"),
            "classified": pgettext("event", "classified"),
            "classification_failed": pgettext("event", "classification failed"),
            "status_changed": pgettext("event", "status changed"),
            "category_corrected": pgettext("event", "category corrected"),
            "category_imported": pgettext("event", "category from an imported record"),
            "kind_corrected": pgettext("event", "kind corrected"),
            "urgent_changed": pgettext("event", "urgent flag changed"),
            "assigned": pgettext("event", "assigned"),
            "reply": pgettext("event", "reply"),
            "note": pgettext("event", "note"),
            "cluster_linked": pgettext("event", "linked to a cluster"),
            "project_linked": pgettext("event", "linked to a project"),
            "rated": pgettext("event", "rated"),
            "duplicate_delivery": pgettext("event", "duplicate delivery"),
            "anonymised": pgettext("event", "anonymised"),
            "transferred": pgettext("event", "passed to another community"),
            "duplicate_marked": pgettext("event", "marked as a duplicate"),
            "response_extended": pgettext("event", "response deadline extended"),
            "resolution_extended": pgettext("event", "resolution deadline extended"),
            "escalated": pgettext("event", "escalated as overdue"),
            "call_task": pgettext("event", "call to make"),
            "call_made": pgettext("event", "call made"),
        },
        "urgent": {
            "True": pgettext("urgent", "urgent"),
            "False": pgettext("urgent", "not urgent"),
        },
        # the worker's day (core/deadlines.py, CallTask)
        "deadline": {
            "respond": pgettext("deadline", "response deadline"),
            "resolve": pgettext("deadline", "resolution deadline"),
        },
        "call": {
            "reply": pgettext("call", "read out a reply"),
            "followup": pgettext("call", "follow-up call"),
        },
        # the keys of an audit row's detail, as the audit log shows them (admin/audit_log.py)
        "audit_key": {
            "from": pgettext("audit detail", "from"),
            "to": pgettext("audit detail", "to"),
            "reason": pgettext("audit detail", "reason"),
            "deadline": pgettext("audit detail", "deadline"),
            "purpose": pgettext("audit detail", "call"),
            "outcome": pgettext("audit detail", "outcome"),
            "score": pgettext("audit detail", "rating"),
            "channels": pgettext("audit detail", "channels"),
            "calls": pgettext("audit detail", "calls to make"),
            "category": pgettext("audit detail", "category"),
            "ticket": pgettext("audit detail", "ticket"),
            "urgent": pgettext("audit detail", "urgent"),
            "deleted": pgettext("audit detail", "removed"),
            "respond_hours": pgettext("audit detail", "respond within (hours)"),
            "resolve_hours": pgettext("audit detail", "resolve within (hours)"),
            "name": pgettext("audit detail", "name"),
            "budget_yuan": pgettext("audit detail", "budget (yuan)"),
        },
        "call_outcome": {
            "reached": pgettext("call outcome", "reached"),
            "unreachable": pgettext("call outcome", "not reached"),
        },
        "role": {
            "admin": pgettext("role", "administrator"),
            "worker": pgettext("role", "community worker"),
            "org": pgettext("role", "service organization"),
        },
        "place": {
            "street": pgettext("place", "street"),
            "community": pgettext("place", "community"),
            "compound": pgettext("place", "compound"),
            "grid": pgettext("place", "grid"),
        },
        # The stages of a purchase round, which a service project follows too.
        "stage": {
            "application": pgettext("stage", "Project application"),
            "review": pgettext("stage", "Review"),
            "implementation": pgettext("stage", "Implementation"),
            "evaluation": pgettext("stage", "Supervision and evaluation"),
            "closed": pgettext("stage", "Closed"),
        },
        # What the planner weighs (admin/plan.py).
        "signal": {
            "residents": pgettext("signal", "residents asking"),
            "growth": pgettext("signal", "growth"),
            "unresolved": pgettext("signal", "share unresolved"),
            "vulnerable": pgettext("signal", "vulnerable groups"),
            "satisfaction": pgettext("signal", "dissatisfaction today"),
        },
        "survey_purpose": {
            "needs": pgettext("survey purpose", "needs"),
            "satisfaction": pgettext("survey purpose", "satisfaction"),
            "participation": pgettext("survey purpose", "participation"),
        },
        "survey_state": {
            "draft": pgettext("survey state", "draft"),
            "open": pgettext("survey state", "open"),
            "not_open": pgettext("survey state", "not open yet"),
            "closed": pgettext("survey state", "closed"),
        },
        "question_type": {
            "single": pgettext("question type", "single choice"),
            "multiple": pgettext("question type", "multiple choice"),
            "rating": pgettext("question type", "rating 1–5"),
            "nps": pgettext("question type", "recommendation 0–10"),
            "likert": pgettext("question type", "agreement scale"),
            "number": pgettext("question type", "number"),
            "date": pgettext("question type", "date"),
            "place": pgettext("question type", "place"),
            "text": pgettext("question type", "text"),
        },
        "statistic": {
            "mean": pgettext("statistic", "mean"),
            "median": pgettext("statistic", "median"),
            "nps": pgettext("statistic", "NPS"),
            "earliest": pgettext("statistic", "earliest"),
            "latest": pgettext("statistic", "latest"),
        },
        "audit": {
            "login": pgettext("audit", "logged in"),
            "request.status": pgettext("audit", "changed a request's status"),
            "request.assign": pgettext("audit", "assigned a request"),
            "request.reply": pgettext("audit", "replied to a resident"),
            "request.category": pgettext("audit", "corrected a category"),
            "request.reviewed": pgettext("audit", "confirmed a category"),
            "request.cluster": pgettext("audit", "linked a request to a cluster"),
            "request.project": pgettext("audit", "linked a request to a project"),
            "request.urgent": pgettext("audit", "changed the urgent flag"),
            "request.transfer": pgettext("audit", "passed a request to another community"),
            "request.duplicate": pgettext("audit", "marked a duplicate"),
            "request.deadline": pgettext("audit", "extended a deadline"),
            "request.call": pgettext("audit", "recorded a call"),
            "deadline.rule": pgettext("audit", "changed a deadline rule"),
            "cluster_merge": pgettext("audit", "merged clusters"),
            "cluster_split": pgettext("audit", "split a cluster"),
            "project.create": pgettext("audit", "created a project"),
            "project.assess": pgettext("audit", "assessed a project"),
            "round.create": pgettext("audit", "created a purchase round"),
            "round.propose": pgettext("audit", "proposed a plan"),
            "round.decide": pgettext("audit", "decided an amount"),
            "round.note": pgettext("audit", "recorded a decision note"),
            "round.stage": pgettext("audit", "set a round's stage"),
            "round.document": pgettext("audit", "added a round document"),
            "survey_created": pgettext("audit", "created a survey"),
            "survey_edited": pgettext("audit", "edited a survey"),
            "survey_status": pgettext("audit", "changed a survey's status"),
            "survey_imported": pgettext("audit", "imported a survey"),
            "survey_definition_export": pgettext("audit", "exported a survey definition"),
            "survey_links": pgettext("audit", "made personal survey links"),
            "survey_export": pgettext("audit", "exported survey responses"),
            "survey_question_added": pgettext("audit", "added a survey question"),
            "survey_question_removed": pgettext("audit", "removed a survey question"),
            # the street's own data (admin/places.py, staff.py, organizations.py, categories.py, imports.py)
            "place.create": pgettext("audit", "added a place"),
            "place.update": pgettext("audit", "changed a place"),
            "place.retire": pgettext("audit", "retired a place"),
            "place.restore": pgettext("audit", "restored a place"),
            "places.import": pgettext("audit", "imported places"),
            "requests.import": pgettext("audit", "imported records"),
            "staff.create": pgettext("audit", "created a staff account"),
            "staff.update": pgettext("audit", "changed a staff account's role or scope"),
            "staff.reset_password": pgettext("audit", "reset a password"),
            "user.password": pgettext("audit", "set a new password"),
            "user.activate": pgettext("audit", "activated an account"),
            "user.deactivate": pgettext("audit", "deactivated an account"),
            "organization.create": pgettext("audit", "created an organization"),
            "organization.update": pgettext("audit", "changed an organization"),
            "project.update": pgettext("audit", "changed a project"),
            "category.create": pgettext("audit", "added a category"),
            "category.update": pgettext("audit", "changed a category"),
            "model.retrain": pgettext("audit", "started a retraining"),
        },
        # what a row of an imported sheet did (admin/places_import.py)
        "import_outcome": {
            "created": pgettext("import", "created"),
            "updated": pgettext("import", "updated"),
            "unchanged": pgettext("import", "unchanged"),
            "refused": pgettext("import", "refused"),
        },
        # the fields of a records sheet (admin/records_import.py)
        "import_field": {
            "text": pgettext("import field", "request text"),
            "created_at": pgettext("import field", "date"),
            "place": pgettext("import field", "place"),
            "category": pgettext("import field", "category"),
            "status": pgettext("import field", "status"),
            "reply": pgettext("import field", "reply"),
            "contact": pgettext("import field", "contact"),
            "external_id": pgettext("import field", "work order number"),
        },
        "job_status": {
            "queued": pgettext("job", "waiting"),
            "running": pgettext("job", "running"),
            "done": pgettext("job", "done"),
            "failed": pgettext("job", "failed"),
        },
        "target": {
            "request": pgettext("target", "request"),
            "cluster": pgettext("target", "cluster"),
            "project": pgettext("target", "project"),
            "round": pgettext("target", "purchase round"),
            "round_item": pgettext("target", "plan item"),
            "survey": pgettext("target", "survey"),
            "staff": pgettext("target", "staff account"),
            "deadline_rule": pgettext("target", "deadline rule"),
            "staffuser": pgettext("target", "staff account"),
            "place": pgettext("target", "place"),
            "organization": pgettext("target", "organization"),
            "category": pgettext("target", "category"),
            "file": pgettext("target", "file"),
            "job": pgettext("target", "task"),
        },
    }


@cache
def names(lang: str) -> dict[str, dict[str, str]]:
    """Every display name in one language, by kind and code."""
    return _names(translator(lang).pgettext)


def label(lang: str, kind: str, code) -> str:
    """The display name of a code; an unknown code is logged and shown as it is."""
    if code is None or code == "":
        return "—"
    name = names(lang)[kind].get(str(code))
    if name is None:
        log.warning("no display name for %s %r", kind, code)
        return str(code)
    return name
