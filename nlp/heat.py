"""Hot issues: demand clusters ranked by a heat index.

    heat = supporters × 0.5 ** (days since the latest request / HALF_LIFE) × (1 + growth) × (1 + urgent)

- supporters: distinct residents who raised the issue within the window (a request without a
  known resident counts as one resident; where the source has likes, each like adds one);
- recency: halves every HALF_LIFE days without a new request;
- growth: requests in the last 7 days against the 7 days before, (recent − previous) / max(previous, 1),
  clipped to [0, 2]: a fast-growing issue counts up to three times;
- urgent: 1 when an open request of the cluster is urgent, else 0: a live hazard counts twice.

Only clusters backed by at least MIN_SUPPORTERS distinct residents are shown: one resident
writing three times is not a hot issue. `rank(session, limit, scope)` reads the database (the
admin dashboard's "hot clusters"); `rank_rows(...)` clusters and ranks any table of messages
(TipDM's hot_messages.csv).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

HALF_LIFE_DAYS = 14.0
WINDOW_DAYS = 90
GROWTH_DAYS = 7
GROWTH_CAP = 2.0
MIN_SUPPORTERS = 3
LETTER_WORDS = 16  # content words per message when ranking a table of letters (rank_rows)


def heat_index(supporters: float, days_since_last: float, recent: int, previous: int, urgent: bool,
               half_life: float | None = HALF_LIFE_DAYS) -> float:
    recency = 0.5 ** (max(days_since_last, 0.0) / half_life) if half_life else 1.0
    growth = min(GROWTH_CAP, max(0.0, (recent - previous) / max(previous, 1)))
    return supporters * recency * (1 + growth) * (2 if urgent else 1)


@dataclass
class Hot:
    cluster_id: int
    heat: float
    supporters: float
    requests: int
    recent: int
    previous: int
    urgent: bool
    last_at: dt.datetime
    title: str = ""
    keywords: list[str] = field(default_factory=list)
    place_id: int | None = None  # of the cluster
    members: list[int] = field(default_factory=list)


def rank(session, limit: int = 10, scope: list[int] | None = None, now: dt.datetime | None = None,
         window_days: int = WINDOW_DAYS, min_supporters: int = MIN_SUPPORTERS) -> list[Hot]:
    """The hottest open clusters of at least `min_supporters` residents; `scope` limits them to
    these communities (None: all)."""
    from sqlalchemy import case, func, select  # SQLModel's select is typed for at most 4 columns
    from sqlmodel import col

    from core.models import OPEN_STATUSES, Cluster, ServiceRequest, utcnow
    from core.permissions import scope_ids

    now = now or utcnow()
    since = now - dt.timedelta(days=window_days)
    week = now - dt.timedelta(days=GROWTH_DAYS)
    fortnight = now - dt.timedelta(days=2 * GROWTH_DAYS)
    created = col(ServiceRequest.created_at)
    resident = func.coalesce(col(ServiceRequest.resident_id), -col(ServiceRequest.id))
    stmt = (
        select(col(ServiceRequest.cluster_id), func.count(func.distinct(resident)), func.count(), func.max(created),
               func.sum(case((created >= week, 1), else_=0)),
               func.sum(case(((created >= fortnight) & (created < week), 1), else_=0)),
               func.sum(case((col(ServiceRequest.urgent) & col(ServiceRequest.status).in_(OPEN_STATUSES), 1), else_=0)))
        .join(Cluster, col(Cluster.id) == col(ServiceRequest.cluster_id))
        .where(created >= since, col(Cluster.is_open), col(Cluster.merged_into_id).is_(None))
        .group_by(col(ServiceRequest.cluster_id))
        .having(func.count(func.distinct(resident)) >= min_supporters)
    )
    if scope is not None:
        stmt = stmt.where(col(ServiceRequest.community_id).in_(scope_ids(scope)))
    hot = []
    for cid, supporters, n, last, recent, previous, urgent in session.exec(stmt):
        last = last if last.tzinfo else last.replace(tzinfo=dt.UTC)
        days = (now - last).total_seconds() / 86400
        hot.append(Hot(cid, heat_index(supporters, days, recent or 0, previous or 0, bool(urgent)),
                       supporters, n, recent or 0, previous or 0, bool(urgent), last))
    hot.sort(key=lambda h: (-h.heat, -h.requests, h.cluster_id))
    hot = hot[:limit]
    if hot:  # the titles of the few ranked, in one statement
        found = {cid: rest for cid, *rest in session.exec(
            select(col(Cluster.id), col(Cluster.title), col(Cluster.keywords), col(Cluster.place_id))
            .where(col(Cluster.id).in_([h.cluster_id for h in hot])))}
        for h in hot:
            title, keywords, h.place_id = found[h.cluster_id]
            h.title, h.keywords = title, list(keywords or [])
    return hot


def rank_rows(texts: Sequence[str], users: Sequence[str], times: Sequence[dt.datetime],
              likes: Sequence[int] | None = None, limit: int = 10, now: dt.datetime | None = None,
              half_life: float | None = HALF_LIFE_DAYS, threshold: float | None = None,
              batch_idf: bool = False, min_supporters: int = MIN_SUPPORTERS) -> list[Hot]:
    """Cluster a table of messages (oldest first) and rank the clusters by heat.

    The table has no places, so all its messages are taken as coming from one, and compared by
    their words alone. batch_idf weighs
    words by their rarity in this table rather than in jieba's general corpus, so words every
    message of the table uses (业主, 小区) stop carrying clusters.
    """
    from nlp.cluster import cluster_signatures, index_terms, keywords_from, signature, title_of
    from nlp.keywords import batch_idf as compute_idf

    order = sorted(range(len(texts)), key=lambda i: times[i])
    idf = compute_idf(list(texts)) if batch_idf else None
    # no places: words only (concepts would join topics, not issues), more of them for long letters
    sigs = [signature(texts[i], "", idf=idf, concepts=False, words=LETTER_WORDS) for i in order]
    labels = cluster_signatures(sigs, threshold=threshold)
    groups: dict[int, list[int]] = defaultdict(list)
    for pos, lab in enumerate(labels):
        groups[lab].append(order[pos])
    now = now or max(times)
    week, fortnight = now - dt.timedelta(days=GROWTH_DAYS), now - dt.timedelta(days=2 * GROWTH_DAYS)
    hot = []
    for lab, idx in groups.items():
        supporters = len({users[i] for i in idx}) + (sum(likes[i] for i in idx) if likes else 0)
        last = max(times[i] for i in idx)
        recent = sum(1 for i in idx if times[i] >= week)
        previous = sum(1 for i in idx if fortnight <= times[i] < week)
        if supporters < min_supporters:
            continue
        sums: dict[str, float] = defaultdict(float)
        for p in (p for p, lb in enumerate(labels) if lb == lab):
            for t, w in index_terms(sigs[p]).items():
                sums[t] += w
        hot.append(Hot(lab, heat_index(supporters, (now - last).total_seconds() / 86400, recent, previous,
                                       False, half_life),
                       supporters, len(idx), recent, previous, False, last,
                       title=title_of(texts[idx[0]]), keywords=keywords_from(sums, len(idx)), members=sorted(idx)))
    hot.sort(key=lambda h: (-h.heat, -h.requests, h.cluster_id))
    return hot[:limit]
