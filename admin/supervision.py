"""督办: supervision of overdue requests, and the table their deadlines come from.

`escalate` marks every open request whose deadline has passed and tells the on-duty staff of its
community once: the marker `Request.escalated_at` is set by a conditional UPDATE (in batches of
500), so two processes running it at the same time notify once, and a request is escalated again
only when it misses a later deadline (its resolution after its response, or an extended one). It runs from
`needs supervise` (cron, or `--every 300`) and, at most once a minute per process, when an inbox
is opened. `/admin/supervision` lists what is overdue for admins, with the deadline rules.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import ColumnElement, or_, update
from sqlmodel import Session, col, func, select

from admin.common import flash, place_names, pop_flash
from core import deadlines, notify
from core.audit import audit
from core.db import row_id
from core.deps import SessionDep, client_ip, require
from core.i18n import translator
from core.models import (
    DeadlineRule,
    EventType,
    RequestEvent,
    Role,
    ServiceRequest,
    StaffUser,
    utcnow,
)
from core.security import csrf_protect
from core.taxonomy import categories, category_names
from core.templating import language, render

router = APIRouter(tags=["admin"])
Admin = Annotated[StaffUser, require(Role.admin)]
ON_LOAD_EVERY = 60.0  # seconds between escalation runs triggered by page loads, per process
MAX_HOURS = 24 * 365
_last_run = 0.0


def _pending(now: dt.datetime) -> list[ColumnElement[bool]]:
    """Late requests not escalated since their missed deadline, one condition per partial index."""
    return [condition & (col(ServiceRequest.escalated_at).is_(None) | (col(ServiceRequest.escalated_at) < deadline))
            for condition, deadline in deadlines.waiting(None, now)]


def escalate(session: Session, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Escalate the overdue requests not yet escalated for their current deadline; commits; returns how many.

    One conditional UPDATE … RETURNING per batch: what another process marked meanwhile no longer
    matches (PostgreSQL re-checks a row it waited for; SQLite writes one at a time), so nobody is
    told twice."""
    now = now or utcnow()
    ids = sorted({i for part in _pending(now)
                  for i in session.exec(select(col(ServiceRequest.id)).where(part).order_by(col(ServiceRequest.id))
                                        .limit(limit)) if i is not None})[:limit]
    if not ids:
        return 0
    marked = session.execute(update(ServiceRequest).where(col(ServiceRequest.id).in_(ids), or_(*_pending(now))).values(escalated_at=now)
                             .returning(col(ServiceRequest.id)).execution_options(synchronize_session=False)).scalars().all()
    for request_id in sorted(marked):
        req = session.get(ServiceRequest, request_id)
        assert req is not None, "marked above, in this transaction"
        session.refresh(req)
        deadline = req.respond_by if req.responded_at is None and req.respond_by and req.respond_by < now \
            else req.resolve_by
        session.add(RequestEvent(request_id=row_id(req), type=EventType.escalated,
                                 to_value=deadline.isoformat() if deadline else None))
        notify.escalated(session, req, deadline)
    session.commit()
    return len(marked)


def escalate_due(session: Session) -> None:
    """Escalation on page load, at most once a minute per process (cheap to call on every view)."""
    global _last_run
    if time.monotonic() - _last_run < ON_LOAD_EVERY:
        return
    _last_run = time.monotonic()
    escalate(session)


def overdue(session: Session, now: dt.datetime | None = None, limit: int = 300) -> list[ServiceRequest]:
    """The most overdue requests first (each part read along its partial index)."""
    now = now or utcnow()
    rows = {r.id: r for condition, deadline in deadlines.waiting(None, now)
            for r in session.exec(select(ServiceRequest).where(condition).order_by(deadline, col(ServiceRequest.id)).limit(limit))}
    return sorted(rows.values(), key=lambda r: (deadlines.next_deadline(r) or now, r.id))[:limit]


def overdue_by_community(session: Session, now: dt.datetime) -> dict[int | None, int]:
    counts: dict[int | None, int] = {}
    for condition, _deadline in deadlines.waiting(None, now):
        for community_id, n in session.exec(select(deadlines.COMMUNITY, func.count()).where(condition)
                                            .group_by(deadlines.COMMUNITY)):
            counts[community_id] = counts.get(community_id, 0) + n
    return counts


@router.get("/admin/supervision")
def supervision_page(request: Request, session: SessionDep, user: Admin):
    """Overdue requests across the street, escalated once each, and the deadline rules."""
    lang = language(request)
    now = utcnow()
    rows = overdue(session, now)
    by_community = overdue_by_community(session, now)
    staff = {u.id: u.display_name or u.username for u in session.exec(select(StaffUser))}
    return render(request, "admin/supervision.html", user=user, rows=rows, now=now, by_community=by_community,
                  places=place_names(session), staff=staff, cat_names=category_names(session, lang),
                  countdown=lambda r: deadlines.countdown(deadlines.next_deadline(r), now, lang),
                  next_deadline=deadlines.next_deadline, rules=deadlines.rules(session),
                  categories=categories(session), flashes=pop_flash(request))


def _hours(value: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    if not value.isdigit() or not 1 <= int(value) <= MAX_HOURS:
        raise ValueError(value)
    return int(value)


@router.post("/admin/supervision/rules", dependencies=[Depends(csrf_protect)])
def save_rule(request: Request, session: SessionDep, user: Admin,
              rule_id: Annotated[str, Form(max_length=12)] = "", urgent: Annotated[str, Form(max_length=8)] = "",
              category: Annotated[str, Form(max_length=40)] = "",
              respond_hours: Annotated[str, Form(max_length=6)] = "",
              resolve_hours: Annotated[str, Form(max_length=6)] = "", delete: Annotated[str, Form(max_length=4)] = ""):
    """Add, change or remove a deadline rule (new requests follow it; open ones when corrected)."""
    _ = translator(language(request)).gettext
    back = RedirectResponse("/admin/supervision#rules", status_code=303)
    rule = session.get(DeadlineRule, int(rule_id)) if rule_id.isdigit() and len(rule_id) < 10 else None
    if rule_id and rule is None:
        flash(request, _("no such rule"), "error")
        return back
    if rule is not None and delete:
        audit(session, user, "deadline.rule", "deadline_rule", rule.id, ip=client_ip(request), deleted=True)
        session.delete(rule)
        session.commit()
        flash(request, _("rule removed"))
        return back
    try:
        respond, resolve = _hours(respond_hours), _hours(resolve_hours)
    except ValueError:
        flash(request, _("hours are whole numbers from 1 to 8760"), "error")
        return back
    if respond is None and resolve is None:
        flash(request, _("a rule sets the time to respond, to resolve, or both"), "error")
        return back
    if rule is None:
        code = category or None
        if code is not None and code not in {c.code for c in categories(session)}:
            flash(request, _("unknown category"), "error")
            return back
        flag = {"urgent": True, "ordinary": False}.get(urgent)
        clash = session.exec(select(DeadlineRule).where(
            col(DeadlineRule.urgent).is_(None) if flag is None else DeadlineRule.urgent == flag,
            col(DeadlineRule.category_code).is_(None) if code is None else DeadlineRule.category_code == code)).first()
        rule = clash or DeadlineRule(urgent=flag, category_code=code)
    rule.respond_hours, rule.resolve_hours = respond, resolve
    rule.updated_at, rule.updated_by_id = utcnow(), user.id
    session.add(rule)
    session.flush()
    audit(session, user, "deadline.rule", "deadline_rule", rule.id, ip=client_ip(request), urgent=rule.urgent,
          category=rule.category_code, respond_hours=respond, resolve_hours=resolve)
    session.commit()
    flash(request, _("rule saved"))
    return back
