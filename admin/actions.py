"""What staff do to a request. Every action appends a RequestEvent and an AuditLog row; status
changes and replies reach the resident through the outbox (core.notify).

Each function validates, changes the request and records history in the caller's session;
the caller commits once, so an action is all-or-nothing.
"""

from __future__ import annotations

from sqlmodel import Session, select

from core.audit import audit
from core.permissions import can_read_cluster, can_read_project, community_scope
from core import notify
from core.i18n import N_, gettext
from core.labels import label
from core.text import IntakeError, clean_text
from core.models import (
    Category,
    Cluster,
    EventType,
    RequestEvent,
    Role,
    ServiceProject,
    StaffCommunity,
    StaffUser,
    Status,
    utcnow,
)
from core.models import Request as Req

# received → accepted → in progress → resolved / not actionable; a closed request may be reopened.
TRANSITIONS: dict[str, set[str]] = {
    Status.received: {Status.accepted, Status.in_progress, Status.resolved, Status.not_actionable},
    Status.accepted: {Status.in_progress, Status.resolved, Status.not_actionable},
    Status.in_progress: {Status.resolved, Status.not_actionable, Status.accepted},
    Status.resolved: {Status.in_progress},
    Status.not_actionable: {Status.accepted},
}
NEEDS_REASON = {Status.not_actionable}


# What each refusal says to the worker; {status}, {old} and {new} are status codes, shown by name.
MESSAGES = {
    "unknown_status": N_("unknown status {status}"),
    "same_status": N_("the request is already {status}"),
    "bad_transition": N_("cannot go from {old} to {new}"),
    "reason_needed": N_("a request closed as not actionable needs a reason"),
    "no_colleague": N_("no such colleague"),
    "colleague_elsewhere": N_("that colleague does not work in this request's community"),
    "unknown_category": N_("unknown category {code}"),
    "same_category": N_("the request has that category already"),
    "not_in_review": N_("the request is not waiting for review"),
    "no_cluster": N_("no such cluster"),
    "same_cluster": N_("the request is linked to that cluster already"),
    "no_project": N_("no such service project"),
    "nothing_to_change": N_("nothing to change"),
    "bad_text": N_("{what}: {error}"),
    "unknown_action": N_("unknown action {action}"),
}


class ActionError(ValueError):
    """An action refused, with a message for the worker in their language."""

    def __init__(self, code: str, **params):
        self.code = code
        self.params = params
        super().__init__(self.message("en"))

    def message(self, lang: str) -> str:
        _ = gettext(lang)

        def show(key, value):
            if isinstance(value, IntakeError):
                return value.message(lang)
            if key == "what":
                return _(value)
            return label(lang, "status", value) if key in ("status", "old", "new") else value

        return _(MESSAGES[self.code]).format(**{k: show(k, v) for k, v in self.params.items()})


def can_read(session: Session, user: StaffUser, req: Req) -> bool:
    scope = community_scope(session, user)
    if user.role == Role.org:
        return False
    return scope is None or req.community_id in scope


def _event(session: Session, req: Req, user: StaffUser, type_: EventType, from_value=None, to_value=None,
           message: str = "") -> RequestEvent:
    ev = RequestEvent(request_id=req.id, type=type_, actor_id=user.id,
                      from_value=None if from_value is None else str(from_value)[:80],
                      to_value=None if to_value is None else str(to_value)[:80], message=message)
    session.add(ev)
    req.updated_at = utcnow()
    session.add(req)
    return ev


def _text(value: str, limit: int, what: str) -> str:
    try:
        return clean_text(value, limit=limit)
    except IntakeError as exc:
        raise ActionError("bad_text", what=what, error=exc) from exc


def change_status(session: Session, user: StaffUser, req: Req, status: str, reason: str = "", ip: str = "") -> None:
    try:
        status = Status(status)
    except ValueError as exc:
        raise ActionError("unknown_status", status=status) from exc
    if status == req.status:
        raise ActionError("same_status", status=status)
    if status not in TRANSITIONS[Status(req.status)]:
        raise ActionError("bad_transition", old=req.status, new=status)
    reason = _text(reason, 500, N_("reason")) if reason and reason.strip() else ""
    if status in NEEDS_REASON and not reason:
        raise ActionError("reason_needed")
    old = req.status
    req.status = status
    req.resolved_at = utcnow() if status in (Status.resolved, Status.not_actionable) else None
    _event(session, req, user, EventType.status_changed, old, status, reason)
    audit(session, user, "request.status", "request", req.id, ip=ip, **{"from": old, "to": status})
    notify.status_changed(session, req)


def assign(session: Session, user: StaffUser, req: Req, assignee_id: int | None, ip: str = "") -> None:
    assignee = session.get(StaffUser, assignee_id) if assignee_id else None
    if assignee_id and (assignee is None or not assignee.is_active or assignee.role == Role.org):
        raise ActionError("no_colleague")
    if assignee is not None and assignee.role == Role.worker:
        scoped = session.exec(select(StaffCommunity).where(StaffCommunity.user_id == assignee.id,
                                                           StaffCommunity.place_id == req.community_id)).first()
        if scoped is None:
            raise ActionError("colleague_elsewhere")
    old = req.assignee_id
    req.assignee_id = assignee.id if assignee else None
    _event(session, req, user, EventType.assigned, old, req.assignee_id,
           assignee.display_name or assignee.username if assignee else "")
    audit(session, user, "request.assign", "request", req.id, ip=ip, **{"from": old, "to": req.assignee_id})


def reply(session: Session, user: StaffUser, req: Req, message: str, ip: str = "") -> int:
    """Reply to the resident; returns how many channels the reply was queued on."""
    message = _text(message, 1000, N_("reply"))
    _event(session, req, user, EventType.reply, message=message)
    rows = notify.reply(session, req, message)
    audit(session, user, "request.reply", "request", req.id, ip=ip, channels=len(rows))
    return len(rows)


def correct_category(session: Session, user: StaffUser, req: Req, code: str, ip: str = "") -> None:
    """A worker's category: recorded from/to and fed back to training (nlp.dataset.corrections)."""
    category = session.get(Category, code)
    if category is None or not category.active:
        raise ActionError("unknown_category", code=code)
    if code == req.category_code:
        raise ActionError("same_category")
    old = req.category_code
    req.category_code = code
    req.needs_review = False
    _event(session, req, user, EventType.category_corrected, old, code)
    audit(session, user, "request.category", "request", req.id, ip=ip, **{"from": old, "to": code})


def mark_reviewed(session: Session, user: StaffUser, req: Req, ip: str = "") -> None:
    """Confirm the classifier's category: the request leaves the review queue."""
    if not req.needs_review:
        raise ActionError("not_in_review")
    req.needs_review = False
    _event(session, req, user, EventType.note, message="reviewed: category confirmed")
    audit(session, user, "request.reviewed", "request", req.id, ip=ip, category=req.category_code)


def link_cluster(session: Session, user: StaffUser, req: Req, cluster_id: int | None, ip: str = "") -> None:
    cluster = session.get(Cluster, cluster_id) if cluster_id else None
    # only a cluster the user may read, of the request's own community: another community's stays untouched
    if cluster_id and (cluster is None or not can_read_cluster(session, user, cluster)
                       or cluster.place_id != req.community_id):
        raise ActionError("no_cluster")
    old = req.cluster_id
    if old == (cluster.id if cluster else None):
        raise ActionError("same_cluster")
    if old is not None:
        previous = session.get(Cluster, old)
        if previous is not None:
            previous.size = max(0, previous.size - 1)
            previous.updated_at = utcnow()
            session.add(previous)
    if cluster is not None:
        cluster.size += 1
        cluster.updated_at = utcnow()
        session.add(cluster)
    req.cluster_id = cluster.id if cluster else None
    _event(session, req, user, EventType.cluster_linked, old, req.cluster_id, cluster.title if cluster else "")
    audit(session, user, "request.cluster", "request", req.id, ip=ip, **{"from": old, "to": req.cluster_id})


def link_project(session: Session, user: StaffUser, req: Req, project_id: int | None, ip: str = "") -> None:
    project = session.get(ServiceProject, project_id) if project_id else None
    if project_id and (project is None or not can_read_project(session, user, project.id)):
        raise ActionError("no_project")  # the same refusal whether it exists elsewhere or not at all
    old = req.project_id
    req.project_id = project.id if project else None
    _event(session, req, user, EventType.project_linked, old, req.project_id, project.name if project else "")
    audit(session, user, "request.project", "request", req.id, ip=ip, **{"from": old, "to": req.project_id})


def set_urgent(session: Session, user: StaffUser, req: Req, urgent: bool, ip: str = "") -> None:
    if bool(req.urgent) == urgent:
        raise ActionError("nothing_to_change")
    old = req.urgent
    req.urgent = urgent
    _event(session, req, user, EventType.urgent_changed, old, urgent)
    audit(session, user, "request.urgent", "request", req.id, ip=ip, to=urgent)
