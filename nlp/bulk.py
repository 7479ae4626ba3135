"""Classification and clustering for many requests at once (imports), with the same outcome as the
one-request path at a fraction of the cost.

assign() reads and writes the database about six times per request (about 20 ms each on SQLite):
too slow for a ledger of 100,000 rows. An Assigner reads the open clusters of the requests' places
once into a MemoryIndex (the inverted index cluster_texts uses); each request joins the best
accepting cluster there or a new one, exactly as best_cluster would choose, before it is stored
(its row is inserted with its cluster), and the clusters are written with one statement per table
per batch. It keeps its index across the batches of one import, so each cluster's sums are read
from the database once.

`analyse` is the pure computation (the classifier's prediction and the clustering signature of
each text): an importer can run it for the next batch in another process while this one writes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from nlp.cluster import (
    CATEGORY,
    MARK,
    THRESHOLD,
    MemoryIndex,
    PlaceTable,
    Signature,
    add_terms,
    index_terms,
    keywords_from,
    signature,
    stored_place,
    title_of,
)
from nlp.model import Classifier, Prediction

_TOP_TERMS = 24  # what place() reads back to make a cluster's keywords
_classifiers: dict[str, Classifier] = {}  # per process, by model directory


@dataclass(frozen=True)
class Item:
    """What analysis needs to know of a request before it is stored."""

    text: str
    place_id: int | None
    community_id: int | None
    category: str | None  # given (kept as it is); None: the classifier's


@dataclass
class Analysis:
    prediction: Prediction | None
    version: str | None  # of the model that predicted
    error: str | None  # why there is no prediction
    signature: Signature | None  # None: nothing to cluster on (or no prediction)


def analyse(classifier: Classifier | str, table: PlaceTable, items: list[Item], keywords: bool = True,
            retired: frozenset[str] | None = None) -> list[Analysis]:
    """Predict every text in one call, then the clustering signature of each classified one (with its
    final category, as request_signature would compute it once the request is stored). A model given
    by its directory (in a worker process) is loaded once, and told the `retired` categories."""
    if isinstance(classifier, str):
        classifier = _classifiers.get(classifier) or _classifiers.setdefault(classifier, Classifier(Path(classifier)))
        classifier.retired = retired or frozenset()
    try:
        predictions = classifier.predict([i.text for i in items], keywords=keywords) if items else []
    except Exception as exc:  # the requests are kept unclassified, as the one-request path does
        return [Analysis(None, None, str(exc) or type(exc).__name__, None) for _ in items]
    out = []
    for item, pred in zip(items, predictions, strict=True):
        sig = signature(item.text, item.place_id or item.community_id, item.category or pred.category, table)
        if sig.community is None:
            sig.community = item.community_id
        out.append(Analysis(pred, classifier.version, None, sig if sig.vector else None))
    return out


class Assigner:
    """Clusters for the batches of one import; `assign(session, requests)` per batch (flushed, not committed)."""

    def __init__(self, threshold: float = THRESHOLD):
        self.threshold = threshold
        self.reset()

    def reset(self) -> None:
        """Forget everything (after a rollback): the next batch reads the clusters again."""
        self.index = MemoryIndex(self.threshold)
        self.ids: list[int | None] = []  # index slot → cluster id (None until the new cluster is stored)
        self.slot: dict[int, int] = {}  # cluster id → index slot
        self.loaded: set[object] = set()  # scopes read from the database

    def _load(self, session, scopes: set[object]) -> None:
        from sqlmodel import col, select

        from core.models import Cluster, ClusterTerm

        wanted = sorted(p for s in scopes - self.loaded if (p := stored_place(s)) is not None)
        if not wanted:
            return
        self.loaded.update(wanted)
        rows = session.exec(select(ClusterTerm.cluster_id, ClusterTerm.scope_id, ClusterTerm.term, ClusterTerm.weight)
                            .where(col(ClusterTerm.scope_id).in_(wanted))
                            .order_by(col(ClusterTerm.cluster_id))).all()
        ids = sorted({cid for cid, _, _, _ in rows} - set(self.slot))
        sizes = {}
        for i in range(0, len(ids), 5000):
            sizes.update(session.exec(select(Cluster.id, Cluster.size).where(col(Cluster.id).in_(ids[i:i + 5000]))).all())
        for cid in ids:  # in id order, as best_cluster breaks ties
            slot = self.index.new(None)
            self.ids.append(cid)
            self.slot[cid] = slot
            self.index.sizes[slot] = sizes.get(cid, 0)
        for cid, scope, term, weight in rows:
            at = self.slot.get(cid)
            if at is None or cid not in sizes:
                continue
            self.index.sums[at][term] = weight
            self.index.scopes[at] = scope
            if not term.startswith((MARK, CATEGORY)):
                self.index.postings[(scope, term)][at] = weight

    def place(self, session, members: list[tuple[str, str | None, Signature | None]]) -> list[tuple[int, float] | None]:
        """Choose the cluster of each request about to be stored (oldest first), given its text, category
        and signature (None: not clustered). New clusters are inserted and every cluster's sums and size
        written here; the caller stores (cluster id, similarity) with the request itself, so a request
        row is written once, already clustered."""
        from sqlalchemy import bindparam, insert, update

        from core.db import table_of
        from core.models import Cluster, utcnow

        self._load(session, {sig.scope for _, _, sig in members if sig is not None and sig.vector})
        now = utcnow()
        chosen: list[tuple[int, float] | None] = []  # (slot, similarity) until the new clusters have ids
        fresh: dict[int, dict] = {}  # slot → the new cluster's row
        lone: dict[int, dict] = {}  # slot → terms of a cluster without a place (its keywords)
        deltas: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        scope_of: dict[int, object] = {}
        counts: dict[int, int] = defaultdict(int)
        for text, category, sig in members:
            if sig is None or not sig.vector:
                chosen.append(None)
                continue
            slot, sim = self.index.best(sig)
            if slot is None:  # a new cluster (its title only then: redacting personal data costs 0.2 ms)
                slot = self.index.new(sig.scope)
                self.ids.append(None)
                fresh[slot] = {"title": title_of(text), "keywords": [], "category_code": category,
                               "place_id": sig.community, "size": 0, "is_open": True, "merged_into_id": None,
                               "created_at": now, "updated_at": now}
            self.index.add_to(slot, sig)
            terms = index_terms(sig)
            if sig.scope is not None:
                for t, w in terms.items():
                    deltas[slot][t[:40]] += w
                scope_of[slot] = sig.scope
            else:
                lone[slot] = terms
            counts[slot] += 1
            chosen.append((slot, sim))
        titles = {}
        if fresh:  # one INSERT ... RETURNING for every new cluster, each known by a provisional title
            for slot, row in fresh.items():
                titles[slot], row["title"] = row["title"], f"#{slot}"
            table_ = table_of(Cluster)
            returned = session.execute(insert(table_).returning(table_.c.id, table_.c.title),
                                       list(fresh.values())).all()
            for cid, marker in returned:
                slot = int(marker[1:])
                self.ids[slot] = cid
                self.slot[cid] = slot
        add_terms(session.connection(), [(self.ids[slot], t, stored_place(scope_of[slot]), w)
                                         for slot, terms in deltas.items() for t, w in terms.items()])
        table_ = table_of(Cluster)
        changes = []
        for slot, n in counts.items():
            top = lone[slot] if slot in lone else dict(sorted(self.index.sums[slot].items(),
                                                              key=lambda kv: -kv[1])[:_TOP_TERMS])
            changes.append({"slot": slot, "cid": self.ids[slot], "n": n,
                            "kw": keywords_from(top, self.index.sizes[slot])})
        grow = update(table_).where(table_.c.id == bindparam("cid")).values(
            size=table_.c.size + bindparam("n"), keywords=bindparam("kw"), updated_at=now)
        old = [c for c in changes if c["slot"] not in titles]
        new = [{**c, "t": titles[c["slot"]]} for c in changes if c["slot"] in titles]
        if old:  # one statement for the clusters that grew, one for the new ones (with their real titles)
            session.execute(grow, old)
        if new:
            session.execute(grow.values(title=bindparam("t")), new)
        # every chosen slot has its cluster id by now (the new ones were inserted above)
        return [None if c is None else (self.ids[c[0]], c[1]) for c in chosen]  # type: ignore[misc]
