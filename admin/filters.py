"""The inbox's filters, read from the query string as people's forms send them: an empty field is no
filter, a value that cannot be read is reported by name (and ignored), never a raw 422. The same
filters select the requests behind every number of the dashboard and the rates (drill-down links).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

from sqlmodel import Session, col, or_, select

from admin import rates
from core import deadlines
from core.localtime import day_bounds, month_bounds, start_of_day
from core.models import OPEN_STATUSES, Kind, ServiceRequest, StaffUser, Status
from core.permissions import requests_visible, scoped, unplaced_condition

QUEUES = ("review", "unplaced")


def _id(value: str) -> int:
    if not value.isdigit() or len(value) > 9:
        raise ValueError(value)
    return int(value)


def _id_or_none(value: str):
    return "none" if value == "none" else _id(value)


def _day(value: str) -> str:
    day = dt.date.fromisoformat(value)
    if not 2000 <= day.year <= 2100:
        raise ValueError(value)
    return value


def _month(value: str) -> str:
    _day(value + "-01")
    return value


def _fraction(value: str) -> float:
    x = float(value)
    if not 0 <= x <= 1:  # NaN fails too
        raise ValueError(value)
    return x


def _days(value: str) -> int:
    n = _id(value)
    if not 1 <= n <= 3650:
        raise ValueError(value)
    return n


def _flag(value: str) -> bool:
    if value.lower() not in ("1", "true", "on", "yes"):
        raise ValueError(value)
    return True


def _choice(*allowed: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if value not in allowed:
            raise ValueError(value)
        return value

    return parse


def _text(limit: int) -> Callable[[str], str]:
    return lambda value: value[:limit]


PARSERS: dict[str, Callable[[str], object]] = {
    "q": _text(100), "category": _text(40), "kind": _choice(*[k.value for k in Kind]),
    "status": _choice("open", *[s.value for s in Status]), "community": _id_or_none, "place": _id,
    "since": _day, "until": _day, "month": _month, "max_confidence": _fraction, "urgent": _flag,
    "overdue_days": _days, "late": _flag, "cluster": _id, "project": _id_or_none,
    "assignee": lambda v: "me" if v == "me" else _id_or_none(v), "queue": _choice(*QUEUES),
    "rate": _choice(*rates.RATES), "missed": _flag,
}
FILTERS = tuple(PARSERS)


def parse(params: Mapping[str, str]) -> tuple[dict, list[str]]:
    """(filters, names of fields whose value could not be read)."""
    f, bad = {}, []
    for name, parser in PARSERS.items():
        value = (params.get(name) or "").strip()
        if not value:
            continue
        try:
            f[name] = parser(value)
        except ValueError:
            bad.append(name)
    return f, bad


def _start(day: str) -> dt.datetime:
    """Local midnight at the start of a typed day (the street's days, as the dashboard counts them)."""
    return start_of_day(dt.date.fromisoformat(day))


def _none_or(column, value):
    return column.is_(None) if value == "none" else column == value


def filtered(session: Session, user: StaffUser, f: dict, review_threshold: float = 0.0,
             now: dt.datetime | None = None):
    """The requests a dict of parsed filters selects, among those the user may read."""
    now = now or dt.datetime.now(dt.UTC)
    stmt = requests_visible(select(ServiceRequest), session, user)
    if f.get("category"):
        stmt = stmt.where(ServiceRequest.category_code == (None if f["category"] == "none" else f["category"]))
    if f.get("kind"):
        stmt = stmt.where(ServiceRequest.kind == f["kind"])
    if f.get("status") == "open":
        stmt = stmt.where(col(ServiceRequest.status).in_(OPEN_STATUSES))
    elif f.get("status"):
        stmt = stmt.where(ServiceRequest.status == f["status"])
    if f.get("community"):
        stmt = stmt.where(_none_or(ServiceRequest.community_id, f["community"]))
    if f.get("place"):
        stmt = stmt.where(ServiceRequest.place_id == f["place"])
    if f.get("since"):
        stmt = stmt.where(ServiceRequest.created_at >= _start(f["since"]))
    if f.get("until"):
        stmt = stmt.where(ServiceRequest.created_at < start_of_day(dt.date.fromisoformat(f["until"]) + dt.timedelta(days=1)))
    if f.get("month"):
        start, end = month_bounds(dt.date.fromisoformat(f["month"] + "-01"))
        stmt = stmt.where(ServiceRequest.created_at >= start, ServiceRequest.created_at < end)
    if "max_confidence" in f:
        stmt = stmt.where(or_(col(ServiceRequest.confidence).is_(None), ServiceRequest.confidence <= f["max_confidence"]))
    if f.get("urgent"):
        stmt = stmt.where(ServiceRequest.urgent)
    if f.get("overdue_days"):
        stmt = stmt.where(col(ServiceRequest.status).in_(OPEN_STATUSES),
                          ServiceRequest.created_at < now - dt.timedelta(days=f["overdue_days"]))
    if f.get("late"):
        stmt = stmt.where(deadlines.overdue_sql(now))
    if f.get("cluster"):
        stmt = stmt.where(ServiceRequest.cluster_id == f["cluster"])
    if f.get("project"):
        stmt = stmt.where(_none_or(ServiceRequest.project_id, f["project"]))
    if f.get("assignee") == "me":
        stmt = stmt.where(ServiceRequest.assignee_id == user.id)
    elif f.get("assignee"):
        stmt = stmt.where(_none_or(ServiceRequest.assignee_id, f["assignee"]))
    if f.get("queue") == "review":
        # low confidence or urgent, and still open: what a worker should look at first
        stmt = stmt.where(col(ServiceRequest.status).in_(OPEN_STATUSES),
                          or_(ServiceRequest.needs_review, ServiceRequest.urgent, col(ServiceRequest.confidence) < review_threshold))
    elif f.get("queue") == "unplaced":
        stmt = stmt.where(unplaced_condition(session, user))
    if f.get("rate"):  # the rates count the communities in scope (admin/rates.py): so does their list
        stmt = scoped(stmt, session, user)
        stmt = stmt.where(rates.drill_condition(f["rate"], bool(f.get("missed")), now))
    if f.get("q"):
        needle = f["q"].strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(or_(col(ServiceRequest.text).like(f"%{needle}%", escape="\\"), ServiceRequest.ticket == f["q"].strip().upper()))
    return stmt


def now_first(session: Session, stmt, now: dt.datetime | None = None, limit: int = 50) -> list[ServiceRequest]:
    """What needs doing now, in the order to do it: open urgent requests, then those past a deadline,
    then those due before local midnight; each group by its next deadline.

    Each group is read by its own query, ordered and limited in the database along a partial index
    (core.deadlines.waiting), so a backlog of thousands costs no more than a few: 30 ms, not 5 s, on a
    million requests."""
    now = now or dt.datetime.now(dt.UTC)
    end_of_today = day_bounds()[1]
    found: dict[int, tuple] = {}

    def take(rank: int, query, deadline) -> None:
        # ids and deadlines only: the six parts may offer six times `limit` rows, of which `limit` are
        # shown (loading whole rows for all of them was a fifth of the inbox's CPU in a py-spy profile)
        ranked = query.with_only_columns(col(ServiceRequest.id), deadline).order_by(deadline, col(ServiceRequest.id))
        for rid, due in session.execute(ranked.limit(limit)):
            key = (rank, due or now, rid)
            if rid not in found or key < found[rid]:
                found[rid] = key

    for condition, deadline in deadlines.waiting(None, deadlines.FAR):
        take(0, stmt.where(condition, col(ServiceRequest.urgent)), deadline)
    for condition, deadline in deadlines.waiting(None, now):
        take(1, stmt.where(condition), deadline)
    for condition, deadline in deadlines.waiting(now, end_of_today):
        take(2, stmt.where(condition), deadline)
    chosen = sorted(found.values())[:limit]
    if not chosen:
        return []
    rows = {r.id: r for r in session.exec(select(ServiceRequest).where(col(ServiceRequest.id).in_([k[2] for k in chosen])))}
    return [rows[k[2]] for k in chosen]
