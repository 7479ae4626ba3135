"""Demand clusters: requests about the same concrete issue in the same place.

A request is a sparse vector of TF-IDF weighted content words plus building marks ("3栋"),
keeping its strongest terms. A cluster is the normalised sum of its members' vectors (its
centroid), truncated to its strongest terms. A request joins the most similar open cluster of
its own place (community) when the cosine similarity reaches THRESHOLD, else it starts one.

Online (on intake) the open clusters' terms live in the ClusterTerm table, an inverted index
keyed by (scope, term): one indexed lookup per request, whatever the number of open requests.
The batch pass (`needs nlp recluster`, `needs nlp cluster`) runs the same assignment in memory,
then reassigns every request to its best centroid once the centroids have settled.
"""

from __future__ import annotations

import logging
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence

from nlp.keywords import place_marks, weights

log = logging.getLogger(__name__)

K_REQUEST = 16  # content terms kept per request
K_CLUSTER = 24  # content terms kept per cluster centroid
THRESHOLD = 0.15  # chosen on nlp/data/cluster_eval.jsonl (docs/nlp.md)
REFINE_PASSES = 2
# Building marks ("3栋") are not content: the same mark adds a little, different marks (both
# texts naming a building, none in common) take a lot away, so "3栋电梯坏了" and "5栋电梯坏了"
# stay apart while a shared building alone never makes two issues one.
MARK = "@"
MARK_BONUS = 0.20
MARK_PENALTY = 0.30
MARK_SHARE = 0.25  # a cluster names a building when at least this share of its members do
CANDIDATES = 10  # best content matches checked for building marks

Vector = dict[str, float]


def _top(vec: dict[str, float], k: int) -> Vector:
    items = sorted(vec.items(), key=lambda kv: (-kv[1], kv[0]))[:k]
    norm = math.sqrt(sum(w * w for _, w in items)) or 1.0
    return {t: w / norm for t, w in items}


def vector(text: str, idf=None) -> Vector:
    """Normalised TF-IDF content terms plus building marks (weight 1) of one request."""
    vec = _top(weights(text, idf=idf), K_REQUEST)
    for mark in place_marks(text):
        vec[MARK + mark] = 1.0
    return vec


def marks(vec: Vector) -> set[str]:
    return {t for t in vec if t.startswith(MARK)}


def adjust(content: float, request_marks: set[str], cluster_marks: set[str]) -> float:
    if request_marks and cluster_marks:
        return content + (MARK_BONUS if request_marks & cluster_marks else -MARK_PENALTY)
    return content


def cosine(a: Vector, b: Vector) -> float:
    """Content cosine similarity adjusted for building marks."""
    if len(a) > len(b):
        a, b = b, a
    content = sum(w * b.get(t, 0.0) for t, w in a.items() if not t.startswith(MARK))
    return adjust(content, marks(a), marks(b))


def centroid_of(vectors: Sequence[Vector]) -> Vector:
    acc: dict[str, float] = defaultdict(float)
    seen: dict[str, int] = defaultdict(int)
    for v in vectors:
        for t, w in v.items():
            if t.startswith(MARK):
                seen[t] += 1
            else:
                acc[t] += w
    out = _top(acc, K_CLUSTER) if acc else {}
    n = max(len(vectors), 1)
    out.update({t: c / n for t, c in seen.items() if c / n >= MARK_SHARE})
    return out


def add_to_centroid(centroid: Vector, size: int, vec: Vector) -> Vector:
    """The centroid after one more member (content kept normalised and truncated, marks as shares)."""
    acc = {t: w * size for t, w in centroid.items() if not t.startswith(MARK)}
    for t, w in vec.items():
        if not t.startswith(MARK):
            acc[t] = acc.get(t, 0.0) + w
    out = _top(acc, K_CLUSTER)
    shares = {t: w * size for t, w in centroid.items() if t.startswith(MARK)}
    for t in marks(vec):
        shares[t] = shares.get(t, 0.0) + 1
    out.update({t: c / (size + 1) for t, c in shares.items() if c / (size + 1) >= MARK_SHARE})
    return out


def keywords_of(centroid: Vector, top: int = 6) -> list[str]:
    """The building most members name (if any), then the strongest content terms."""
    main = [t[1:] for t, w in sorted(centroid.items(), key=lambda kv: -kv[1]) if t.startswith(MARK) and w >= 0.5]
    words = [t for t, _ in sorted(centroid.items(), key=lambda kv: (-kv[1], kv[0])) if not t.startswith(MARK)]
    return (main[:1] + words)[:top]


_SENTENCE = re.compile(r"[。！？!?\n；;]")


def title_of(text: str, limit: int = 40) -> str:
    """A short title: the text's first sentence, personal data removed."""
    from core.redact import redact

    first = next((s.strip() for s in _SENTENCE.split(redact(text)) if s.strip()), "")
    return first if len(first) <= limit else first[: limit - 1] + "…"


def _pick(content: dict[int, float], request_marks: set[str], marks_of) -> tuple[int | None, float]:
    """The best cluster among the strongest content matches, once building marks are counted."""
    if not content:
        return None, 0.0
    top = sorted(content, key=lambda c: (-content[c], c))[:CANDIDATES]
    cluster_marks = marks_of(top) if request_marks else {}
    scored = [(adjust(content[c], request_marks, cluster_marks.get(c, set())), c) for c in top]
    sim, cid = max(scored, key=lambda sc: (sc[0], -sc[1]))
    return cid, sim


# --- in memory: the CLI contract, batch re-clustering, evaluation ----------------------------------

class MemoryIndex:
    """Open clusters with an inverted index (scope, term) -> {cluster: weight}."""

    def __init__(self, threshold: float = THRESHOLD):
        self.threshold = threshold
        self.postings: dict[tuple[object, str], dict[int, float]] = defaultdict(dict)
        self.centroids: dict[int, Vector] = {}
        self.sizes: dict[int, int] = {}
        self.scopes: dict[int, object] = {}

    def best(self, scope: object, vec: Vector) -> tuple[int | None, float]:
        content: dict[int, float] = defaultdict(float)
        for t, w in vec.items():
            if not t.startswith(MARK):
                for cid, cw in self.postings.get((scope, t), {}).items():
                    content[cid] += w * cw
        return _pick(content, marks(vec), lambda cids: {c: marks(self.centroids[c]) for c in cids})

    def _index(self, cid: int, centroid: Vector, remove: Vector | None = None) -> None:
        scope = self.scopes[cid]
        for t in remove or {}:
            self.postings[(scope, t)].pop(cid, None)
        for t, w in centroid.items():
            if not t.startswith(MARK):
                self.postings[(scope, t)][cid] = w

    def add(self, scope: object, vec: Vector) -> int:
        """Assign one vector: the best cluster above the threshold, or a new one."""
        cid, sim = self.best(scope, vec)
        if cid is None or sim < self.threshold:
            cid = len(self.centroids)
            self.scopes[cid] = scope
            self.centroids[cid] = dict(vec)
            self.sizes[cid] = 1
        else:
            old = self.centroids[cid]
            self.centroids[cid] = add_to_centroid(old, self.sizes[cid], vec)
            self.sizes[cid] += 1
            self._index(cid, self.centroids[cid], remove=old)
            return cid
        self._index(cid, self.centroids[cid])
        return cid


def cluster_vectors(vectors: Sequence[Vector], scopes: Sequence[object] | None = None,
                    threshold: float = THRESHOLD, refine: int = REFINE_PASSES) -> list[int]:
    """Cluster labels (0..k-1) for vectors taken in order (oldest first), within each scope."""
    scopes = list(scopes) if scopes is not None else [None] * len(vectors)
    index = MemoryIndex(threshold)
    labels = [index.add(s, v) for s, v in zip(scopes, vectors, strict=True)]
    for _ in range(refine):
        labels = _reassign(vectors, scopes, labels, threshold)
    return _renumber(labels)


def _reassign(vectors, scopes, labels, threshold) -> list[int]:
    """Move each vector to the most similar settled centroid of its scope (k-means style step)."""
    groups: dict[int, list[int]] = defaultdict(list)
    for i, lab in enumerate(labels):
        groups[lab].append(i)
    index = MemoryIndex(threshold)
    mapping = {}
    for lab, idx in groups.items():
        cid = len(index.centroids)
        index.scopes[cid] = scopes[idx[0]]
        index.centroids[cid] = centroid_of([vectors[i] for i in idx])
        index.sizes[cid] = len(idx)
        index._index(cid, index.centroids[cid])
        mapping[cid] = lab
    out = []
    for v, s, lab in zip(vectors, scopes, labels, strict=True):
        cid, sim = index.best(s, v)
        out.append(mapping[cid] if cid is not None and sim >= threshold else lab)
    return out


def _renumber(labels: Iterable[int]) -> list[int]:
    seen: dict[int, int] = {}
    return [seen.setdefault(lab, len(seen)) for lab in labels]


def cluster_texts(texts: Sequence[str], scopes: Sequence[object] | None = None,
                  threshold: float = THRESHOLD, refine: int = REFINE_PASSES) -> list[int]:
    return cluster_vectors([vector(t) for t in texts], scopes, threshold, refine)


# --- in the database: assignment on intake, re-clustering, merge and split ------------------------

def scope_of(request) -> int:
    """Clusters never cross communities: the community, else the place, else 0 (no place given)."""
    return request.community_id or request.place_id or 0


def _centroid(session, cluster_id: int) -> Vector:
    from sqlmodel import select

    from core.models import ClusterTerm

    return {t: w for t, w in session.exec(
        select(ClusterTerm.term, ClusterTerm.weight).where(ClusterTerm.cluster_id == cluster_id))}


def _store_terms(session, cluster_id: int, scope: int, centroid: Vector) -> None:
    from sqlalchemy import delete, insert

    from core.models import ClusterTerm

    session.execute(delete(ClusterTerm).where(ClusterTerm.cluster_id == cluster_id))
    if centroid:  # one executemany: intake's latency budget has no room for an ORM object per term
        session.execute(insert(ClusterTerm), [{"cluster_id": cluster_id, "scope_id": scope, "term": t[:40],
                                               "weight": w} for t, w in centroid.items()])


def best_cluster(session, scope: int, vec: Vector) -> tuple[int | None, float]:
    """One indexed lookup of the request's content terms, one more for the candidates' building marks."""
    from sqlmodel import select

    from core.models import ClusterTerm

    terms = [t[:40] for t in vec if not t.startswith(MARK)]
    if not terms:
        return None, 0.0
    content: dict[int, float] = defaultdict(float)
    for cid, t, w in session.exec(select(ClusterTerm.cluster_id, ClusterTerm.term, ClusterTerm.weight)
                                  .where(ClusterTerm.scope_id == scope, ClusterTerm.term.in_(terms))):
        content[cid] += w * vec.get(t, 0.0)

    def marks_of(cids):
        out: dict[int, set[str]] = defaultdict(set)
        for cid, t in session.exec(select(ClusterTerm.cluster_id, ClusterTerm.term).where(
                ClusterTerm.cluster_id.in_(cids), ClusterTerm.term.startswith(MARK))):
            out[cid].add(t)
        return out

    return _pick(content, marks(vec), marks_of)


def assign(session, request, threshold: float = THRESHOLD, actor_id: int | None = None, commit: bool = True):
    """Put a stored request into the best open cluster of its place, or a new cluster.

    With commit=False the changes are only flushed: intake commits them with its last commit.
    """
    from core.models import Cluster, EventType, RequestEvent, utcnow

    vec = vector(request.text)
    if not vec:
        return None
    scope = scope_of(request)
    cid, sim = best_cluster(session, scope, vec)
    now = utcnow()
    if cid is not None and sim >= threshold:
        cluster = session.get(Cluster, cid)
        centroid = add_to_centroid(_centroid(session, cid), cluster.size, vec)
    else:
        cluster = Cluster(title=title_of(request.text), category_code=request.category_code,
                          place_id=scope or None, size=0, created_at=now)
        session.add(cluster)
        session.flush()
        centroid = vec
    cluster.size += 1
    cluster.keywords = keywords_of(centroid)
    cluster.updated_at = now
    _store_terms(session, cluster.id, scope, centroid)
    request.cluster_id = cluster.id
    session.add_all([cluster, request])
    session.add(RequestEvent(request_id=request.id, type=EventType.cluster_linked, actor_id=actor_id,
                             to_value=str(cluster.id), message=f"similarity={sim:.2f}"))
    if commit:
        session.commit()
    else:
        session.flush()
    return cluster


def _pinned_request_ids(session) -> set[int]:
    """Requests a worker placed by hand (merge, split): batch re-clustering leaves them where they are."""
    from sqlmodel import select

    from core.models import EventType, RequestEvent

    return set(session.exec(select(RequestEvent.request_id).where(
        RequestEvent.type == EventType.cluster_linked, RequestEvent.actor_id.is_not(None))))


def refresh(session, cluster) -> None:
    """Recompute a cluster's size, centroid terms, keywords and title from its open members."""
    from sqlmodel import select

    from core.models import OPEN_STATUSES, Request, utcnow

    members = session.exec(select(Request).where(Request.cluster_id == cluster.id)
                           .order_by(Request.created_at, Request.id)).all()
    cluster.size = len(members)
    open_members = [r for r in members if r.status in OPEN_STATUSES]
    vecs = [vector(r.text) for r in open_members]
    centroid = centroid_of(vecs)
    if open_members and cluster.merged_into_id is None:
        _store_terms(session, cluster.id, scope_of(open_members[0]), centroid)
        central = max(zip(open_members, vecs, strict=True), key=lambda rv: cosine(rv[1], centroid))[0]
        cluster.title = title_of(central.text)
        cluster.keywords = keywords_of(centroid)
        cluster.is_open = True
    else:
        _store_terms(session, cluster.id, 0, {})
        cluster.is_open = False
    cluster.updated_at = utcnow()
    session.add(cluster)


def recluster(session, threshold: float = THRESHOLD) -> dict:
    """Re-cluster all open requests in batch; workers' hand placements stay. Returns counts."""
    from sqlmodel import select

    from core.models import OPEN_STATUSES, Cluster, EventType, Request, RequestEvent

    pinned = _pinned_request_ids(session)
    rows = session.exec(select(Request).where(Request.status.in_(OPEN_STATUSES))
                        .order_by(Request.created_at, Request.id)).all()
    movable = [r for r in rows if r.id not in pinned]
    vecs = [vector(r.text) for r in movable]
    labels = cluster_vectors(vecs, [scope_of(r) for r in movable], threshold)
    # Reuse the cluster most members already had, so cluster ids (and links to them) stay stable.
    groups: dict[int, list] = defaultdict(list)
    for r, lab in zip(movable, labels, strict=True):
        groups[lab].append(r)
    used: set[int] = set()
    touched: set[int] = {r.cluster_id for r in movable if r.cluster_id}
    moved = 0
    for members in groups.values():
        votes: dict[int, int] = defaultdict(int)
        for r in members:
            if r.cluster_id and r.cluster_id not in used:
                votes[r.cluster_id] += 1
        cid = max(votes, key=lambda c: (votes[c], -c)) if votes else None
        if cid is None:
            first = members[0]
            cluster = Cluster(title=title_of(first.text), category_code=first.category_code,
                              place_id=scope_of(first) or None)
            session.add(cluster)
            session.flush()
            cid = cluster.id
        used.add(cid)
        touched.add(cid)
        for r in members:
            if r.cluster_id != cid:
                moved += 1
                session.add(RequestEvent(request_id=r.id, type=EventType.cluster_linked, to_value=str(cid),
                                         from_value=str(r.cluster_id or ""), message="batch re-clustering"))
                r.cluster_id = cid
                session.add(r)
    session.flush()
    for cid in touched:
        cluster = session.get(Cluster, cid)
        if cluster is not None:
            refresh(session, cluster)
    session.commit()
    return {"requests": len(movable), "pinned": len(pinned & {r.id for r in rows}),
            "clusters": len(groups), "moved": moved}


def merge(session, source, target, actor_id: int | None) -> int:
    """Move every request of `source` into `target`; `source` closes and points at `target`."""
    from sqlmodel import select

    from core.models import EventType, Request, RequestEvent

    if source.id == target.id:
        raise ValueError("a cluster cannot be merged into itself")
    members = session.exec(select(Request).where(Request.cluster_id == source.id)).all()
    for r in members:
        r.cluster_id = target.id
        session.add(r)
        session.add(RequestEvent(request_id=r.id, type=EventType.cluster_linked, actor_id=actor_id,
                                 from_value=str(source.id), to_value=str(target.id), message="merged"))
    source.merged_into_id = target.id
    session.flush()
    refresh(session, source)
    refresh(session, target)
    session.commit()
    return len(members)


def split(session, source, request_ids: Iterable[int], actor_id: int | None):
    """Move the chosen requests of `source` into a new cluster; returns it."""
    from sqlmodel import select

    from core.models import Cluster, EventType, Request, RequestEvent

    ids = set(request_ids)
    members = session.exec(select(Request).where(Request.cluster_id == source.id, Request.id.in_(ids))).all()
    if not members:
        raise ValueError("choose at least one request of this cluster")
    if len(members) == source.size:
        raise ValueError("leave at least one request in the cluster")
    new = Cluster(title=title_of(members[0].text), category_code=members[0].category_code,
                  place_id=source.place_id)
    session.add(new)
    session.flush()
    for r in members:
        r.cluster_id = new.id
        session.add(r)
        session.add(RequestEvent(request_id=r.id, type=EventType.cluster_linked, actor_id=actor_id,
                                 from_value=str(source.id), to_value=str(new.id), message="split"))
    session.flush()
    refresh(session, source)
    refresh(session, new)
    session.commit()
    return new


# --- scoring on a labelled cluster set -----------------------------------------------------------

def bcubed(pred: Sequence[object], gold: Sequence[object]) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1 of predicted clusters against gold clusters."""
    by_pred: dict[object, set[int]] = defaultdict(set)
    by_gold: dict[object, set[int]] = defaultdict(set)
    for i, (p, g) in enumerate(zip(pred, gold, strict=True)):
        by_pred[p].add(i)
        by_gold[g].add(i)
    n = len(gold)
    prec = sum(len(by_pred[pred[i]] & by_gold[gold[i]]) / len(by_pred[pred[i]]) for i in range(n)) / n
    rec = sum(len(by_pred[pred[i]] & by_gold[gold[i]]) / len(by_gold[gold[i]]) for i in range(n)) / n
    return prec, rec, 2 * prec * rec / (prec + rec) if prec + rec else 0.0
