"""The three rates a hotline is judged by (响应率、解决率、满意率), by month and by community, worker,
category or service project; always scoped to what the user may read.

    response rate   = requests responded to by their response deadline
                      ÷ requests whose response was due (responded to, or the deadline passed)
    resolution rate = requests resolved by their resolution deadline
                      ÷ requests whose resolution was due (closed, or the deadline passed);
                      a request closed as not actionable counts as not resolved
    satisfaction    = ratings of 4 or 5 ÷ all ratings given to the month's requests

A request belongs to the month it was received in (as on the dashboard); a duplicate is not counted
(the ticket it follows is), while every resident's rating counts. A response is the first status
change, reply or call by staff. Each figure links to the requests behind it: the inbox filters
`rate=…` (the denominator) and `missed=1` (those that fell short), with the group and month.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Date, and_, bindparam, case, func, literal_column, or_, text
from sqlalchemy import select as sa_select  # SQLModel's select is typed for at most 4 columns
from sqlmodel import Session, col, delete, select

from admin.demand import _month_label, add_months, month_key, month_start, refresh
from core import deadlines
from core.i18n import N_, translator
from core.localtime import day_bounds, local_date, start_of_day
from core.models import (
    OPEN_STATUSES,
    OPEN_UNIQUE,
    UNANSWERED,
    Place,
    RateDay,
    Rating,
    ServiceProject,
    ServiceRequest,
    StaffUser,
    Status,
    UTCDateTime,
)
from core.permissions import scoped
from core.taxonomy import category_names

RATES = ("response", "resolution", "satisfaction")
SATISFIED = 4  # a rating of 4 or 5 of 5 is a satisfied resident
CLOSED = (Status.resolved, Status.not_actionable)
GROUPS = {"community": ServiceRequest.community_id, "worker": ServiceRequest.assignee_id, "category": ServiceRequest.category_code,
          "project": ServiceRequest.project_id}
# the groups as the clock-dependent part reads them: as expressions, so that SQLite stays on the partial
# indexes instead of grouping along another index and reading the table
LIVE_GROUPS: dict[str, Any] = {
   "community": deadlines.COMMUNITY, "worker": literal_column("+request.assignee_id"),
               "category": col(ServiceRequest.category_code).concat(""), "project": literal_column("+request.project_id")}
ROLLUP_GROUPS: dict[str, Any] = {  # columns of several types
   "community": RateDay.community_id, "worker": RateDay.assignee_id, "category": RateDay.category_code,
                 "project": RateDay.project_id}
# the inbox filter that selects a group's requests
GROUP_FILTER = {"community": "community", "worker": "assignee", "category": "category", "project": "project"}
TITLES = {"response": N_("Response rate"), "resolution": N_("Resolution rate"), "satisfaction": N_("Satisfaction rate")}
DEFINITIONS = {
    "response": N_("Requests responded to (a status change, a reply or a call) by their response deadline, "
                   "out of the requests whose response was due: responded to, or past the deadline."),
    "resolution": N_("Requests resolved by their resolution deadline, out of the requests whose resolution "
                     "was due: closed, or past the deadline. Closed as not actionable counts as not resolved."),
    "satisfaction": N_("Ratings of 4 or 5 out of all residents' ratings of the month's requests "
                       "(in their channel, on the ticket page or by a follow-up call)."),
}
GROUP_NAMES = {"community": N_("by community"), "worker": N_("by worker"), "category": N_("by category"),
               "project": N_("by service project")}


def _flag(condition):
    return case((condition, 1), else_=0)


def _due(rate: str, now: dt.datetime):
    if rate == "response":
        return or_(col(ServiceRequest.responded_at).is_not(None), col(ServiceRequest.respond_by) <= now)
    return or_(col(ServiceRequest.status).in_(CLOSED), col(ServiceRequest.resolve_by) <= now)


def _met(rate: str):
    if rate == "response":
        return and_(col(ServiceRequest.responded_at).is_not(None), col(ServiceRequest.responded_at) <= col(ServiceRequest.respond_by))
    return and_(col(ServiceRequest.status) == Status.resolved, col(ServiceRequest.resolved_at) <= col(ServiceRequest.resolve_by))


def drill_condition(rate: str, missed: bool, now: dt.datetime):
    """The requests behind a rate (its denominator), or those that fell short of it."""
    if rate == "satisfaction":
        rated = select(Rating.request_id).where(col(Rating.request_id).is_not(None))
        return col(ServiceRequest.id).in_(rated.where(Rating.score < SATISFIED) if missed else rated)
    base = and_(col(ServiceRequest.duplicate_of_id).is_(None), _due(rate, now))
    return and_(base, _flag(_met(rate)) == 0) if missed else base


@dataclass
class Rates:
    by: str
    months: list[str]
    since: dt.datetime
    groups: list = field(default_factory=list)  # group keys, in display order
    names: dict = field(default_factory=dict)  # key → display name
    cells: dict = field(default_factory=dict)  # (rate, key, month) → [met, due]

    def cell(self, rate: str, key, month: str | None = None) -> tuple[int, int]:
        """(met, due) of a group in a month, or over the window (month None)."""
        if month is not None:
            return tuple(self.cells.get((rate, key, month), (0, 0)))
        met = sum(v[0] for (r, k, _m), v in self.cells.items() if r == rate and k == key)
        due = sum(v[1] for (r, k, _m), v in self.cells.items() if r == rate and k == key)
        return met, due

    def overall(self, rate: str, month: str | None = None) -> tuple[int, int]:
        met = sum(v[0] for (r, _k, m), v in self.cells.items() if r == rate and month in (None, m))
        due = sum(v[1] for (r, _k, m), v in self.cells.items() if r == rate and month in (None, m))
        return met, due

    def link(self, rate: str, key, month: str | None = None, missed: bool = False, **extra) -> str:
        params = {"rate": rate, GROUP_FILTER[self.by]: "none" if key is None else key, "missed": 1 if missed else None}
        if month:
            params["month"] = month
        else:
            params["since"] = self.since.date().isoformat()
        for k, v in extra.items():  # a narrower view (the dashboard's community), never replacing the group
            params.setdefault(k, v)
        return "/admin?" + urlencode({k: v for k, v in params.items() if v not in (None, "")})


def percent(met: int, due: int) -> str:
    return f"{100 * met / due:.0f}%" if due else "—"


def compute(session: Session, user: StaffUser, by: str = "community", months: int = 12,
            community: int | None = None, lang: str = "zh", today: dt.date | None = None,
            now: dt.datetime | None = None) -> Rates:
    """The rates of the last `months` months, grouped `by` community, worker, category or project.

    From the rollup `rateday`: responses given (and in time), requests closed (and resolved in
    time), ratings; and the requests still waiting, with the earliest and latest of their deadlines
    per day and group, so that a whole row is either due or not yet. Only from the first day that has
    a row in between (normally the last days: deadlines are hours and days away) are the waiting
    requests counted from the rows, through the partial indexes ix_request_unanswered and
    ix_request_open_deadline."""
    refresh(session)
    now = now or dt.datetime.now(dt.UTC)
    today = today or local_date(now)  # the street's months (core/localtime.py)
    first = add_months(month_start(today), -(months - 1))
    out = Rates(by=by, months=[add_months(first, i).strftime("%Y-%m") for i in range(months)],
                since=start_of_day(first))
    group, day_month = ROLLUP_GROUPS[by], _month_of_day(session)

    def narrow(stmt):
        stmt = scoped(stmt.where(col(RateDay.day) >= first), session, user, RateDay.community_id)
        return stmt.where(RateDay.community_id == community) if community else stmt

    waiting = {"response": (RateDay.unanswered, RateDay.unanswered_first, RateDay.unanswered_last),
               "resolution": (RateDay.open, RateDay.open_first, RateDay.open_last)}
    cut = {}  # rate → the first local day counted from the rows
    for rate, (_n, earliest, latest) in waiting.items():
        cut[rate] = session.exec(narrow(select(func.min(RateDay.day)).where(
            col(earliest) <= now, col(latest) > now))).one()
    never = dt.date.max

    def due_before_cut(rate):
        n, _earliest, latest = waiting[rate]
        return func.sum(case(((col(RateDay.day) < (cut[rate] or never)) & (col(latest) <= now), n), else_=0))

    for m, key, resp_met, responded, resp_waiting, res_met, closed, res_waiting, satisfied, ratings in session.exec(
            narrow(sa_select(day_month, group, func.sum(RateDay.responded_in_time), func.sum(RateDay.responded),
                          due_before_cut("response"), func.sum(RateDay.resolved_in_time), func.sum(RateDay.closed),
                          due_before_cut("resolution"), func.sum(RateDay.satisfied), func.sum(RateDay.ratings)))
            .group_by(day_month, group)):
        key = _none(key)
        _add(out, "response", key, m, resp_met, (responded or 0) + (resp_waiting or 0))
        _add(out, "resolution", key, m, res_met, (closed or 0) + (res_waiting or 0))
        _add(out, "satisfaction", key, m, satisfied, ratings)
    for rate, condition, deadline in (("response", UNANSWERED, ServiceRequest.respond_by),
                                      ("resolution", OPEN_UNIQUE, ServiceRequest.resolve_by)):
        if cut[rate] is None:
            continue
        month, live_group = month_key(session), LIVE_GROUPS[by]
        stmt = scoped(select(month, live_group, func.count()).where(
            text(condition), col(deadline) <= now, col(ServiceRequest.created_at) >= start_of_day(cut[rate])), session, user,
            deadlines.COMMUNITY)
        if community:
            stmt = stmt.where(deadlines.COMMUNITY == community)
        for m, key, n in session.exec(stmt.group_by(month, live_group)):
            _add(out, rate, key, _month_label(m), 0, n)  # due, and not met (yet)
    keys = {k for (_r, k, _m), (_met_, due) in out.cells.items() if due}
    out.names = _names(session, by, keys, lang)
    out.groups = sorted(keys, key=lambda k: (k is None, out.names.get(k, "")))
    return out


def _add(out: Rates, rate: str, key, month: str, met, due) -> None:
    cell = out.cells.setdefault((rate, key, month), [0, 0])
    cell[0] += int(met or 0)
    cell[1] += int(due or 0)


def _none(key):
    return None if key in (0, "") else key


def _month_of_day(session: Session):
    if session.get_bind().dialect.name == "sqlite":
        return func.substr(col(RateDay.day), literal_column("1"), literal_column("7"))
    return func.to_char(col(RateDay.day), literal_column("'YYYY-MM'"))


# --- the rollup ----------------------------------------------------------------------------------

def _recompute_sql() -> str:
    """One local day of `rateday` from the rows (the day's bounds :lo, :hi; the day :day)."""
    closed = ", ".join(f"'{s.value}'" for s in CLOSED)
    open_ = ", ".join(f"'{s.value}'" for s in OPEN_STATUSES)
    keys = ("coalesce(request.community_id, 0) AS community_id, coalesce(request.category_code, '') AS category_code, "
            "coalesce(request.assignee_id, 0) AS assignee_id, coalesce(request.project_id, 0) AS project_id")
    waiting = "request.responded_at IS NULL"
    still_open = f"request.status IN ({open_})"
    # built from constants only
    return (
        "INSERT INTO rateday (day, community_id, category_code, assignee_id, project_id, responded, "  # noqa: S608
        "responded_in_time, closed, resolved_in_time, ratings, satisfied, unanswered, unanswered_first, "
        "unanswered_last, open, open_first, open_last) "
        "SELECT :day, community_id, category_code, assignee_id, project_id, sum(responded), sum(responded_in_time), "
        "sum(closed), sum(resolved_in_time), sum(ratings), sum(satisfied), sum(unanswered), min(unanswered_first), "
        "max(unanswered_last), sum(open), min(open_first), max(open_last) FROM ("
        f"SELECT {keys}, sum(CASE WHEN request.responded_at IS NOT NULL THEN 1 ELSE 0 END) AS responded, "
        "sum(CASE WHEN request.responded_at <= request.respond_by THEN 1 ELSE 0 END) AS responded_in_time, "
        f"sum(CASE WHEN request.status IN ({closed}) THEN 1 ELSE 0 END) AS closed, "
        "sum(CASE WHEN request.status = 'resolved' AND request.resolved_at <= request.resolve_by THEN 1 ELSE 0 END) "
        "AS resolved_in_time, 0 AS ratings, 0 AS satisfied, "
        f"sum(CASE WHEN {waiting} AND request.respond_by IS NOT NULL THEN 1 ELSE 0 END) AS unanswered, "
        f"min(CASE WHEN {waiting} THEN request.respond_by END) AS unanswered_first, "
        f"max(CASE WHEN {waiting} THEN request.respond_by END) AS unanswered_last, "
        f"sum(CASE WHEN {still_open} AND request.resolve_by IS NOT NULL THEN 1 ELSE 0 END) AS open, "
        f"min(CASE WHEN {still_open} THEN request.resolve_by END) AS open_first, "
        f"max(CASE WHEN {still_open} THEN request.resolve_by END) AS open_last FROM request "
        "WHERE request.created_at >= :lo AND request.created_at < :hi AND request.duplicate_of_id IS NULL "
        "GROUP BY 1, 2, 3, 4 "
        f"UNION ALL SELECT {keys}, 0, 0, 0, 0, count(*), sum(CASE WHEN rating.score >= {SATISFIED} THEN 1 ELSE 0 END), "
        "0, NULL, NULL, 0, NULL, NULL "
        "FROM rating JOIN request ON request.id = rating.request_id "
        "WHERE request.created_at >= :lo AND request.created_at < :hi GROUP BY 1, 2, 3, 4"
        ") s GROUP BY community_id, category_code, assignee_id, project_id")


def recompute(session: Session, first: dt.date, last: dt.date) -> None:
    """Rebuild the local days first..last of `rateday` (called by admin.demand.refresh, which owns the marks)."""
    session.exec(delete(RateDay).where(col(RateDay.day) >= first, col(RateDay.day) <= last))
    statement = text(_recompute_sql()).bindparams(bindparam("day", type_=Date), bindparam("lo", type_=UTCDateTime),
                                                  bindparam("hi", type_=UTCDateTime))
    for n in range((last - first).days + 1):
        day = first + dt.timedelta(days=n)
        lo, hi = day_bounds(day)
        session.execute(statement, {"day": day, "lo": lo, "hi": hi})


def compute_live(session: Session, user: StaffUser, by: str = "community", months: int = 12,
            community: int | None = None, lang: str = "zh", today: dt.date | None = None,
            now: dt.datetime | None = None) -> Rates:
    """`compute` straight from the rows: the reference the tests compare the rollup with (seconds on a
    million requests, where the rollup answers in milliseconds)."""
    now = now or dt.datetime.now(dt.UTC)
    today = today or local_date(now)  # the street's months (core/localtime.py)
    first = add_months(month_start(today), -(months - 1))
    out = Rates(by=by, months=[add_months(first, i).strftime("%Y-%m") for i in range(months)],
                since=start_of_day(first))
    group, month = GROUPS[by], month_key(session)

    def narrow(stmt):
        stmt = scoped(stmt.where(ServiceRequest.created_at >= out.since), session, user)
        return stmt.where(ServiceRequest.community_id == community) if community else stmt

    rows = session.exec(narrow(
        select(month, group, *[func.sum(_flag(c)) for rate in ("response", "resolution")
                               for c in (_met(rate) & _due(rate, now), _due(rate, now))])
        .where(col(ServiceRequest.duplicate_of_id).is_(None))).group_by(month, group)).all()
    for m, key, resp_met, resp_due, res_met, res_due in rows:
        m = _month_label(m)
        out.cells[("response", key, m)] = [int(resp_met or 0), int(resp_due or 0)]
        out.cells[("resolution", key, m)] = [int(res_met or 0), int(res_due or 0)]
    rows = session.exec(narrow(
        select(month, group, func.sum(_flag(Rating.score >= SATISFIED)), func.count(col(Rating.id)))
        .join(ServiceRequest, col(ServiceRequest.id) == col(Rating.request_id))).group_by(month, group)).all()
    for m, key, met, due in rows:
        out.cells[("satisfaction", key, _month_label(m))] = [int(met or 0), int(due)]
    keys = {k for (_r, k, _m), (_met_, due) in out.cells.items() if due}
    out.names = _names(session, by, keys, lang)
    out.groups = sorted(keys, key=lambda k: (k is None, out.names.get(k, "")))
    return out


def _names(session: Session, by: str, keys: set, lang: str) -> dict:
    _ = translator(lang).gettext
    ids = [k for k in keys if k is not None]
    if by == "community":
        names = {p.id: p.name for p in session.exec(select(Place).where(col(Place.id).in_(ids or [-1])))}
        names[None] = _("no place yet")
    elif by == "worker":
        names = {u.id: u.display_name or u.username
                 for u in session.exec(select(StaffUser).where(col(StaffUser.id).in_(ids or [-1])))}
        names[None] = _("unassigned")
    elif by == "category":
        cats = category_names(session, lang)
        names = {k: cats.get(k, k) for k in keys}
    else:
        names = {p.id: p.name for p in session.exec(select(ServiceProject).where(col(ServiceProject.id).in_(ids or [-1])))}
        names[None] = _("no service project")
    return names
