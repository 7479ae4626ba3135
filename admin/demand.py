"""Demand figures for the dashboard, the exports and the planner: always scoped to what the user may read.

Every figure is one GROUP BY that the indexes of migration 0002_admin answer (docs/admin.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import case, func, literal_column, text
from sqlmodel import Session, select

from admin.common import scoped
from core.models import OPEN_STATUSES, Cluster, Place, Rating, StaffUser
from core.models import Request as Req

OVERDUE_DAYS = 14  # an open request older than this is overdue
# Literal, not bound: only then can SQLite and PostgreSQL match the partial index ix_request_open_community_category.
OPEN_SQL = text("request.status IN (" + ", ".join(f"'{s.value}'" for s in OPEN_STATUSES) + ")")


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, n: int) -> dt.date:
    y, m = divmod(day.year * 12 + day.month - 1 + n, 12)
    return dt.date(y, m + 1, 1)


def month_key(session: Session):
    """The month of created_at as 'YYYY-MM' text (SQLite) or a timestamp (PostgreSQL)."""
    if session.get_bind().dialect.name == "sqlite":
        # ISO text; literal arguments so that SQLite matches the expression index ix_request_month_community_category
        return func.substr(Req.created_at, literal_column("1"), literal_column("7"))
    return func.date_trunc("month", func.timezone("UTC", Req.created_at))


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
    """Open clusters by heat (nlp.heat.rank when the nlp package provides it), else largest and latest first."""
    from admin.auth import community_scope

    scope = community_scope(session, user)
    if community is not None:
        scope = [community] if scope is None or community in scope else []
    try:
        from nlp.heat import rank
    except ImportError:
        rank = None
    if rank is not None:
        out = []
        for h in rank(session, limit=limit, scope=scope):
            c = session.get(Cluster, h.cluster_id)
            out.append(HotCluster(c.id, h.title or c.title, c.place_id, h.requests, h.last_at, round(h.heat, 1)))
        return out
    stmt = (select(Cluster).where(Cluster.is_open, Cluster.merged_into_id.is_(None), Cluster.size > 0)
            .order_by(Cluster.size.desc(), Cluster.updated_at.desc()).limit(limit))
    if scope is not None:
        children = select(Place.id).where(Place.parent_id.in_(scope or [-1]))
        stmt = stmt.where(Cluster.place_id.in_(scope or [-1]) | Cluster.place_id.in_(children))
    return [HotCluster(c.id, c.title, c.place_id, c.size, c.updated_at) for c in session.exec(stmt)]


def by_category_and_community(session: Session, user: StaffUser, months: int = 12,
                              today: dt.date | None = None) -> dict[tuple[str | None, int | None], int]:
    """Requests per (category, community) over the last months, through the month index."""
    return demand_counts(session, user, months, None, today)[1]


def demand_counts(session: Session, user: StaffUser, months: int, community: int | None,
                  today: dt.date | None = None):
    today = today or dt.datetime.now(dt.UTC).date()
    first = add_months(month_start(today), -(months - 1))
    labels = [add_months(first, i).strftime("%Y-%m") for i in range(months)]
    since = dt.datetime.combine(first, dt.time(), tzinfo=dt.UTC)
    month = month_key(session)
    window = month >= labels[0] if session.get_bind().dialect.name == "sqlite" else Req.created_at >= since
    stmt = scoped(select(month, Req.community_id, Req.category_code, func.count()).where(window), session, user)
    if community:
        stmt = stmt.where(Req.community_id == community)
    by_month: dict[tuple[str | None, str], int] = {}
    by_place: dict[tuple[str | None, int | None], int] = {}
    for m, place, code, n in session.exec(stmt.group_by(month, Req.community_id, Req.category_code)):
        key = (code, _month_label(m))
        by_month[key] = by_month.get(key, 0) + n
        by_place[(code, place)] = by_place.get((code, place), 0) + n
    return by_month, by_place, labels, since


def demand(session: Session, user: StaffUser, months: int = 12, community: int | None = None,
           today: dt.date | None = None, overdue_days: int = OVERDUE_DAYS) -> Demand:
    by_month, by_place, labels, since = demand_counts(session, user, months, community, today)
    out = Demand(months=labels, since=since, by_month=by_month, by_place=by_place)

    def narrow(stmt, column=Req.community_id):
        stmt = scoped(stmt, session, user, column)
        return stmt.where(column == community) if community else stmt

    overdue_before = dt.datetime.now(dt.UTC) - dt.timedelta(days=overdue_days)
    rows = session.exec(narrow(
        select(Req.community_id, Req.category_code, func.count(),
               func.sum(case((Req.created_at < overdue_before, 1), else_=0)))
        .where(OPEN_SQL)).group_by(Req.community_id, Req.category_code)).all()
    out.open = {(code, place): (n, int(late or 0)) for place, code, n, late in rows}

    rows = session.exec(narrow(
        select(Req.category_code, func.avg(Rating.score), func.count())
        .join(Req, Req.id == Rating.request_id).where(Rating.created_at >= since))
        .group_by(Req.category_code)).all()
    out.satisfaction = {code: (float(avg), n) for code, avg, n in rows}
    out.clusters = hot_clusters(session, user, community)
    return out
