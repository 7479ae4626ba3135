"""Demand figures for the dashboard, the exports and the planner: always scoped to what the user may read.

The figures come from the rollup `demandday` (requests and ratings per local day × community × category,
migration 0004_rollup; days and months are the street's, core/localtime.py). Database triggers on request
and rating mark the UTC days whose figures changed in `demanddirty`; `refresh` recomputes the local days
those touch from the rows before every read, so the rollup is exact.
`demand_live` is the same report straight from the rows (the reference the tests compare with).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import Date, Float, Numeric, bindparam, case, cast, func, literal_column, text
from sqlmodel import Session, col, delete, select

from core.db import commit_keeping_state, write_lock
from core.localtime import day_bounds, local_date, local_days, sql_month, start_of_day
from core.localtime import today as local_today
from core.models import (
    OPEN_STATUSES,
    DemandDay,
    DemandDirty,
    Rating,
    ServiceRequest,
    StaffUser,
    UTCDateTime,
)
from core.permissions import scoped

OVERDUE_DAYS = 14  # an open request older than this is overdue
# Literal, not bound: only then can SQLite and PostgreSQL match the partial index ix_request_open_community_category.
OPEN_SQL = text("request.status IN (" + ", ".join(f"'{s.value}'" for s in OPEN_STATUSES) + ")")
# A ticket marked as the duplicate of another counts once, as that other (migration 0008_workday).
NOT_DUPLICATE = col(ServiceRequest.duplicate_of_id).is_(None)


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, n: int) -> dt.date:
    y, m = divmod(day.year * 12 + day.month - 1 + n, 12)
    return dt.date(y, m + 1, 1)


def month_key(session: Session):
    """The local month of created_at as 'YYYY-MM' text."""
    return sql_month(col(ServiceRequest.created_at), session.get_bind().dialect.name)


def _month_label(value) -> str:
    return value if isinstance(value, str) else value.strftime("%Y-%m")


@dataclass
class Demand:
    months: list[str]
    since: dt.datetime
    by_month: dict[tuple[str | None, str], int] = field(default_factory=dict)  # (category, month) → n
    by_place: dict[tuple[str | None, int | None], int] = field(default_factory=dict)  # (category, community) → n
    open: dict[tuple[str | None, int | None], tuple[int, int]] = field(default_factory=dict)  # → (open, overdue)
    satisfaction: dict[str | None, tuple[float, int]] = field(default_factory=dict)  # category → (avg, n)
    clusters: list[HotCluster] = field(default_factory=list)

    def category_total(self, code) -> int:
        return sum(n for (c, _m), n in self.by_month.items() if c == code)

    def month_total(self, month: str) -> int:
        return sum(n for (_c, m), n in self.by_month.items() if m == month)

    @property
    def total(self) -> int:
        return sum(self.by_month.values())

    @property
    def open_total(self) -> int:
        return sum(o for o, _ in self.open.values())

    @property
    def overdue_total(self) -> int:
        return sum(d for _, d in self.open.values())

    def categories(self) -> list[str | None]:
        """Categories with demand, most requested first."""
        codes = {c for c, _ in self.by_month} | {c for c, _ in self.open}
        return sorted(codes, key=lambda c: (-self.category_total(c), c or "~"))

    def growth(self, code, window: int = 3) -> float | None:
        """Requests in the last `window` complete months over the `window` before (None: nothing before)."""
        full = self.months[:-1]  # the current month is not complete yet
        if len(full) < 2 * window:
            window = len(full) // 2
        if window == 0:
            return None
        recent = sum(self.by_month.get((code, m), 0) for m in full[-window:])
        before = sum(self.by_month.get((code, m), 0) for m in full[-2 * window:-window])
        return None if before == 0 else recent / before - 1

    def mean_satisfaction(self) -> float | None:
        n = sum(k for _, k in self.satisfaction.values())
        return sum(a * k for a, k in self.satisfaction.values()) / n if n else None


@dataclass
class HotCluster:
    id: int
    title: str
    place_id: int | None
    size: int
    last_at: dt.datetime
    heat: float | None = None  # nlp.heat's index when available


def hot_clusters(session: Session, user: StaffUser, community: int | None = None, limit: int = 10) -> list[HotCluster]:
    """Open clusters by heat (nlp.heat.rank)."""
    from core.permissions import community_scope
    from nlp.heat import rank

    scope = community_scope(session, user)
    if community is not None:
        scope = [community] if scope is None or community in scope else []
    return [HotCluster(h.cluster_id, h.title, h.place_id, h.requests, h.last_at, round(h.heat, 1))
            for h in rank(session, limit=limit, scope=scope)]


def demand_counts(session: Session, user: StaffUser, months: int, community: int | None,
                  today: dt.date | None = None):
    today = today or local_today()
    first = add_months(month_start(today), -(months - 1))
    labels = [add_months(first, i).strftime("%Y-%m") for i in range(months)]
    since = start_of_day(first)
    month = month_key(session)
    window = ServiceRequest.created_at >= since
    stmt = scoped(select(month, ServiceRequest.community_id, ServiceRequest.category_code, func.count()).where(window, NOT_DUPLICATE),
                  session, user)
    if community:
        stmt = stmt.where(ServiceRequest.community_id == community)
    by_month: dict[tuple[str | None, str], int] = {}
    by_place: dict[tuple[str | None, int | None], int] = {}
    for m, place, code, n in session.exec(stmt.group_by(month, col(ServiceRequest.community_id), col(ServiceRequest.category_code))):
        key = (code, _month_label(m))
        by_month[key] = by_month.get(key, 0) + n
        by_place[(code, place)] = by_place.get((code, place), 0) + n
    return by_month, by_place, labels, since


def demand_live(session: Session, user: StaffUser, months: int = 12, community: int | None = None,
                today: dt.date | None = None, overdue_days: int = OVERDUE_DAYS,
                now: dt.datetime | None = None) -> Demand:
    """The report from the request and rating rows themselves (seconds on a million requests)."""
    by_month, by_place, labels, since = demand_counts(session, user, months, community, today)
    out = Demand(months=labels, since=since, by_month=by_month, by_place=by_place)

    def narrow(stmt, column=ServiceRequest.community_id):
        stmt = scoped(stmt, session, user, column)
        return stmt.where(column == community) if community else stmt

    overdue_before = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(days=overdue_days)
    rows = session.exec(narrow(
        select(ServiceRequest.community_id, ServiceRequest.category_code, func.count(),
               func.sum(case((col(ServiceRequest.created_at) < overdue_before, 1), else_=0)))
        .where(OPEN_SQL, NOT_DUPLICATE)).group_by(col(ServiceRequest.community_id), col(ServiceRequest.category_code))).all()
    out.open = {(code, place): (n, int(late or 0)) for place, code, n, late in rows}

    rows = session.exec(narrow(
        select(ServiceRequest.category_code, func.avg(col(Rating.score)), func.count())
        .join(ServiceRequest, col(ServiceRequest.id) == col(Rating.request_id)).where(Rating.created_at >= since))
        .group_by(col(ServiceRequest.category_code))).all()
    out.satisfaction = {code: (float(avg), n) for code, avg, n in rows}
    out.clusters = hot_clusters(session, user, community)
    return out


# --- the rollup ----------------------------------------------------------------------------------

def _recompute_sql(session: Session) -> str:
    from admin.plan import VULNERABLE_WORDS

    find = "instr" if session.get_bind().dialect.name == "sqlite" else "strpos"
    mentions = " OR ".join(f"{find}(request.text, '{w}') > 0" for w in VULNERABLE_WORDS)
    open_ = ", ".join(f"'{s.value}'" for s in OPEN_STATUSES)
    # built from constants only
    return (
        "INSERT INTO demandday (day, community_id, category_code, requests, open, mentions, ratings, score_sum) "  # noqa: S608
        "SELECT :day, community_id, category_code, sum(requests), sum(open), sum(mentions), sum(ratings), "
        "sum(score_sum) FROM ("
        "SELECT coalesce(request.community_id, 0) AS community_id, "
        "coalesce(request.category_code, '') AS category_code, count(*) AS requests, "
        f"sum(CASE WHEN request.status IN ({open_}) THEN 1 ELSE 0 END) AS open, "
        f"sum(CASE WHEN {mentions} THEN 1 ELSE 0 END) AS mentions, 0 AS ratings, 0 AS score_sum "
        "FROM request WHERE request.created_at >= :lo AND request.created_at < :hi "
        "AND request.duplicate_of_id IS NULL GROUP BY 1, 2 "
        "UNION ALL SELECT coalesce(request.community_id, 0), "
        "coalesce(request.category_code, ''), 0, 0, 0, count(*), sum(rating.score) "
        "FROM rating JOIN request ON request.id = rating.request_id "
        "WHERE rating.created_at >= :lo AND rating.created_at < :hi GROUP BY 1, 2"
        ") s GROUP BY community_id, category_code")


def mark_all_stale(session: Session) -> None:
    """Rebuild the whole rollup on its next read (after the time zone changed, its days are other
    days): every UTC day from the first request or rating to the last is marked. No commit."""
    bounds = [session.exec(select(func.min(column), func.max(column))).one()
              for column in (col(ServiceRequest.created_at), col(Rating.created_at))]
    days = [moment.date() for pair in bounds for moment in pair if moment is not None]
    session.exec(delete(DemandDay))
    if days:
        first, last = min(days), max(days)
        session.add_all(DemandDirty(day=first + dt.timedelta(days=n)) for n in range((last - first).days + 1))


def _runs(days: list[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Sorted days as runs of consecutive days: (first, last)."""
    runs: list[tuple[dt.date, dt.date]] = []
    for d in days:
        if runs and d == runs[-1][1] + dt.timedelta(days=1):
            runs[-1] = (runs[-1][0], d)
        else:
            runs.append((d, d))
    return runs


def refresh(session: Session) -> int:
    """Recompute the stale days of the rollup from the rows and commit; returns how many days were marked.

    On PostgreSQL the SHARE ROW EXCLUSIVE lock waits for the transactions that are marking days and
    holds back new ones until this commits, so no mark is deleted before its rows are counted, and
    two refreshes run one after the other. On SQLite the write lock does the same.
    """
    from admin.rates import recompute as recompute_rates  # (admin.rates reads this module)

    if session.exec(select(DemandDirty.id).limit(1)).first() is None:
        return 0
    with write_lock(session):
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("LOCK TABLE demanddirty IN SHARE ROW EXCLUSIVE MODE"))
        else:  # a write first: SQLite takes the file's write lock now, so what follows reads the latest state
            session.exec(delete(DemandDirty).where(col(DemandDirty.id) < 0))
        marked = set(session.exec(select(col(DemandDirty.day)).distinct()))
        if not marked:
            session.rollback()
            return 0
        days = sorted(local_days(marked))  # the triggers mark UTC days; the rollup counts local ones
        recompute = text(_recompute_sql(session)).bindparams(bindparam("day", type_=Date),
                                                              bindparam("lo", type_=UTCDateTime),
                                                              bindparam("hi", type_=UTCDateTime))
        for first, last in _runs(days):
            session.exec(delete(DemandDay).where(col(DemandDay.day) >= first, col(DemandDay.day) <= last))
            for n in range((last - first).days + 1):  # a day at a time: its bounds follow the time zone's rules
                day = first + dt.timedelta(days=n)
                lo, hi = day_bounds(day)
                session.execute(recompute, {"day": day, "lo": lo, "hi": hi})
            recompute_rates(session, first, last)  # the rates' rollup reads the same marks
        # on SQLite nothing else writes meanwhile; on PostgreSQL the lock keeps new marks out until commit
        session.exec(delete(DemandDirty))
        commit_keeping_state(session)  # the caller's rows, read before, stay loaded (a page renders them)
    return len(marked)


def _month_of_day(session: Session):
    if session.get_bind().dialect.name == "sqlite":
        return func.substr(col(DemandDay.day), literal_column("1"), literal_column("7"))
    return func.to_char(col(DemandDay.day), literal_column("'YYYY-MM'"))


def mean_sql(session: Session, total, n):
    """sum / n exactly as avg() would give it: numeric division on PostgreSQL, double on SQLite."""
    if session.get_bind().dialect.name == "sqlite":
        return cast(total, Float) / n
    return cast(total, Numeric) / n


def _none(value, empty):
    return None if value == empty else value


def _window(months: int, today: dt.date | None):
    today = today or local_today()
    first = add_months(month_start(today), -(months - 1))
    labels = [add_months(first, i).strftime("%Y-%m") for i in range(months)]
    return first, labels, start_of_day(first)


def rollup_counts(session: Session, user: StaffUser, months: int, community: int | None,
                  today: dt.date | None = None):
    """demand_counts from the rollup (call refresh first)."""
    first, labels, since = _window(months, today)
    month = _month_of_day(session)
    stmt = scoped(select(month, DemandDay.community_id, DemandDay.category_code, func.sum(col(DemandDay.requests)))
                  .where(DemandDay.day >= first), session, user, DemandDay.community_id)
    if community:
        stmt = stmt.where(DemandDay.community_id == community)
    stmt = stmt.group_by(month, col(DemandDay.community_id), col(DemandDay.category_code)).having(
        func.sum(col(DemandDay.requests)) > 0)
    by_month: dict[tuple[str | None, str], int] = {}
    by_place: dict[tuple[str | None, int | None], int] = {}
    for m, place, code, n in session.exec(stmt):
        code, place, n = _none(code, ""), _none(place, 0), int(n)
        by_month[(code, m)] = by_month.get((code, m), 0) + n
        by_place[(code, place)] = by_place.get((code, place), 0) + n
    return by_month, by_place, labels, since


def by_category_and_community(session: Session, user: StaffUser, months: int = 12,
                              today: dt.date | None = None) -> dict[tuple[str | None, int | None], int]:
    """Requests per (category, community) over the last months."""
    refresh(session)
    return rollup_counts(session, user, months, None, today)[1]


def demand(session: Session, user: StaffUser, months: int = 12, community: int | None = None,
           today: dt.date | None = None, overdue_days: int = OVERDUE_DAYS,
           now: dt.datetime | None = None) -> Demand:
    """The dashboard's report: the same numbers as demand_live, from the rollup."""
    refresh(session)
    by_month, by_place, labels, since = rollup_counts(session, user, months, community, today)
    out = Demand(months=labels, since=since, by_month=by_month, by_place=by_place)

    def narrow(stmt, column=DemandDay.community_id):
        stmt = scoped(stmt, session, user, column)
        return stmt.where(column == community) if community else stmt

    # overdue: open and created before overdue_before; whole days from the rollup, the part of the
    # cut-off day before the cut-off from the rows (a few thousand at most, by the created_at index)
    overdue_before = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(days=overdue_days)
    cut_day = local_date(overdue_before)
    rows = session.exec(narrow(
        select(DemandDay.community_id, DemandDay.category_code, func.sum(col(DemandDay.open)),
               func.sum(case((col(DemandDay.day) < cut_day, DemandDay.open), else_=0)))
        .group_by(col(DemandDay.community_id), col(DemandDay.category_code))
        .having(func.sum(col(DemandDay.open)) > 0))).all()
    opened = {(_none(code, ""), _none(place, 0)): [int(n), int(late)] for place, code, n, late in rows}
    day_start = start_of_day(cut_day)
    for place, code, n in session.exec(scoped(
            select(ServiceRequest.community_id, ServiceRequest.category_code, func.count())
            .where(ServiceRequest.created_at >= day_start, ServiceRequest.created_at < overdue_before, OPEN_SQL, NOT_DUPLICATE), session, user)
            .where(*([ServiceRequest.community_id == community] if community else []))
            .group_by(col(ServiceRequest.community_id), col(ServiceRequest.category_code))):
        opened.setdefault((code, place), [0, 0])[1] += n
    out.open = {key: (n, late) for key, (n, late) in opened.items()}

    rows = session.exec(narrow(
        select(DemandDay.category_code, mean_sql(session, func.sum(col(DemandDay.score_sum)), func.sum(col(DemandDay.ratings))),
               func.sum(col(DemandDay.ratings)))
        .where(DemandDay.day >= _window(months, today)[0]))
        .group_by(col(DemandDay.category_code)).having(func.sum(col(DemandDay.ratings)) > 0)).all()
    out.satisfaction = {_none(code, ""): (float(avg), int(n)) for code, avg, n in rows}
    out.clusters = hot_clusters(session, user, community)
    return out
