"""Deadlines of a request: by when it must be responded to and by when resolved (接诉即办 time limits).

The durations come from the `deadlinerule` table, which admins edit (admin/supervision.py). A rule
covers urgent or ordinary requests (urgent None: both) of one category (None: every category); for
each of the two durations the most specific rule that sets it wins: urgency and category, then
urgency, then category, then the general rule. Defaults (migration 0008_workday): respond within
24 hours and resolve within 7 days; urgent requests respond within 2 hours; complex categories
(property management, mediation) resolve within 15 days.

Deadlines are set at intake and follow the request's urgency and category when a worker corrects
them; a deadline is moved later only with a recorded reason (an extension), and an extended
deadline is never pulled earlier again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnClause, ColumnElement, and_, literal_column, or_, text
from sqlmodel import Session, col, select

from core.i18n import translator
from core.models import (
    OPEN_STATUSES,
    OPEN_UNIQUE,
    UNANSWERED,
    DeadlineRule,
    EventType,
    RequestEvent,
    ServiceRequest,
)

FALLBACK = (dt.timedelta(hours=24), dt.timedelta(days=7))  # when the table holds no general rule


def rules(session: Session) -> list[DeadlineRule]:
    return list(session.exec(select(DeadlineRule).order_by(col(DeadlineRule.id))))


_RULE_VALUES = select(DeadlineRule.urgent, DeadlineRule.category_code, DeadlineRule.respond_hours,
                      DeadlineRule.resolve_hours).order_by(col(DeadlineRule.id))


def rule_values(session: Session) -> list[Any]:
    """The rules as plain rows, for `durations` (intake reads them for every batch: no ORM objects)."""
    return list(session.connection().execute(_RULE_VALUES))


def _best(rows: Sequence[Any], urgent: bool, category: str | None, field: str) -> int | None:
    best, best_rank = None, -1
    for r in rows:
        hours = getattr(r, field)
        if hours is None or (r.urgent is not None and r.urgent != urgent) \
                or (r.category_code is not None and r.category_code != category):
            continue
        rank = 2 * (r.urgent is not None) + (r.category_code is not None)
        if rank > best_rank:
            best, best_rank = hours, rank
    return best


def durations(rows: Sequence[Any], urgent: bool, category: str | None) -> tuple[dt.timedelta, dt.timedelta]:
    """(time to respond, time to resolve) for a request of this urgency and category."""
    respond_hours = _best(rows, urgent, category, "respond_hours")
    resolve_hours = _best(rows, urgent, category, "resolve_hours")
    respond = dt.timedelta(hours=respond_hours) if respond_hours is not None else FALLBACK[0]
    resolve = dt.timedelta(hours=resolve_hours) if resolve_hours is not None else FALLBACK[1]
    return respond, max(respond, resolve)


def extended(session: Session, req: ServiceRequest) -> bool:
    if req.id is None:
        return False
    return session.exec(select(RequestEvent.id).where(RequestEvent.request_id == req.id, col(RequestEvent.type).in_(
        [EventType.response_extended, EventType.resolution_extended]))).first() is not None


def apply(session: Session, req: ServiceRequest, *, fresh: bool = False) -> None:
    """Set the request's deadlines from the rules (no commit). `fresh`: a new request, nothing extended."""
    respond, resolve = durations(rules(session), bool(req.urgent), req.category_code)
    respond_by, resolve_by = req.created_at + respond, req.created_at + resolve
    if not fresh and extended(session, req):  # an extension stands: the rules may only move it later
        respond_by = max(respond_by, req.respond_by or respond_by)
        resolve_by = max(resolve_by, req.resolve_by or resolve_by)
    req.respond_by, req.resolve_by = respond_by, resolve_by


def next_deadline(req: ServiceRequest) -> dt.datetime | None:
    """The deadline the request is working towards: the response, then the resolution; None once closed."""
    if req.status not in OPEN_STATUSES or req.duplicate_of_id is not None:
        return None
    return req.respond_by if req.responded_at is None else req.resolve_by


def waiting(start: dt.datetime | None, end: dt.datetime) -> list[tuple[ColumnElement[bool], Any]]:
    """The open requests whose next deadline falls in [start, end) (start None: any time before end), as
    two (condition, deadline) parts that each read one partial index: those not yet responded to, by
    their response deadline (ix_request_unanswered), and those responded to, by their resolution
    deadline (ix_request_open_deadline). A resolution deadline never comes before the response's."""
    def span(deadline):
        return and_(col(deadline) < end, *([col(deadline) >= start] if start is not None else []))

    unanswered = and_(text(UNANSWERED), col(ServiceRequest.status).in_(OPEN_STATUSES), span(ServiceRequest.respond_by))
    responded = and_(text(OPEN_UNIQUE), col(ServiceRequest.responded_at).is_not(None), span(ServiceRequest.resolve_by))
    return [(unanswered, col(ServiceRequest.respond_by)), (responded, col(ServiceRequest.resolve_by))]


# The community as these queries filter and group by it: `+` keeps SQLite on the partial indexes above
# (without fresh statistics it would take ix_request_open_community_category and read the table).
COMMUNITY: ColumnClause[int] = literal_column("+request.community_id")
FAR = dt.datetime(9999, 1, 1, tzinfo=dt.UTC)  # "any deadline at all"


def overdue_sql(now: dt.datetime):
    """Open requests past the deadline they still have to meet (next_deadline < now)."""
    return or_(*[condition for condition, _deadline in waiting(None, now)])


def countdown(deadline: dt.datetime | None, now: dt.datetime, lang: str) -> str:
    """"3 h 20 min left" / "overdue by 2 days": what the inbox shows beside each deadline."""
    if deadline is None:
        return ""
    _ = translator(lang).gettext
    left = deadline - now
    span = abs(left)
    if span >= dt.timedelta(days=2):
        amount = _("{days} days").format(days=span.days)
    elif span >= dt.timedelta(hours=1):
        amount = _("{hours} h {minutes} min").format(hours=span.seconds // 3600 + 24 * span.days,
                                                     minutes=span.seconds % 3600 // 60)
    else:
        amount = _("{minutes} min").format(minutes=max(1, span.seconds // 60))
    return (_("{amount} left") if left >= dt.timedelta(0) else _("overdue by {amount}")).format(amount=amount)
