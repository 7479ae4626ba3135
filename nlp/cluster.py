"""Demand clusters: requests about one concrete issue in one place.

A request's **signature** is what clustering knows about it:

- its **scope**, the most precise place known: a compound named in the text (names and aliases
  from the places table), else the place the form or chat gave (compound, else community);
  a request with no place at all joins nothing (it cannot be about "one place");
- its **marks**: building, unit and gate (3栋, 2单元, 北门), which must not contradict a cluster's;
- a unit **vector** of concepts from the lexicon (nlp/concepts.py: 道闸 / 抬杆 / barrier are one
  concept; objects weigh more than problems) and a few TF-IDF content words, generic words
  (社区, 小区, 孩子, 请问) and place names left out;
- its **category**, when the classifier gave one.

A cluster keeps the *sums* of its members' vectors and counts of their marks, objects and
categories. A request joins the open cluster of its scope whose **mean vector** it is most
similar to (dot product, adjusted for category and marks) when that reaches THRESHOLD, and only
if neither its objects (an elevator is not a barrier) nor its buildings contradict the
cluster's. The mean of a cluster whose members drift apart shrinks, so a catch-all cluster
stops attracting requests; the batch pass also takes out members no longer similar to the rest.

Online (on intake) the sums live in ClusterTerm, an inverted index keyed by (scope, term): one
indexed lookup finds the candidates, a second reads their concepts and marks, one upsert adds
the request. The cost follows the request's terms and its compound's open clusters, not the
number of open requests. Scoring: nlp/benchmark.py (`needs nlp benchmark`), docs/nlp.md.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import re
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from nlp.concepts import fold, lexicon
from nlp.keywords import content_words, idf_table, place_marks

log = logging.getLogger(__name__)

# Term prefixes sort below digits and letters, so one range condition reads a cluster's concepts,
# marks and categories without its words.
CONCEPT, MARK, CATEGORY = "!", "$", "#"
ANY_MARK = MARK + "*"  # members naming any building (per family: "$*栋")

THINGS = ("object", "service")  # what a request is about (refusal: an elevator is not a barrier)
W_CONCEPT = {"object": 1.0, "service": 1.0, "minor": 0.5, "problem": 0.35, "place": 0.35}  # by kind of concept
W_WORDS = 0.6  # the content words together, against a concept part of norm 1
K_WORDS = 8  # content words kept per request
K_OBJECTS, K_OTHERS = 3, 3  # concepts kept per request
THRESHOLD = 0.35  # chosen on nlp/data/eval/val.jsonl (docs/nlp.md); never on the test split
CATEGORY_WEIGHT = 0.1  # + when the cluster's members share the request's category, − when none does
MARK_BONUS = 0.1  # the same building or gate
MARK_NAMED_SHARE = 0.5  # a cluster names a building when at least this share of its members do...
MARK_SAME_SHARE = 0.25  # ...and a request naming another building (below this share) is refused
OBJECT_MEAN = 0.2  # objects whose mean weight reaches this (about a third of the members) are what a cluster is about
CANDIDATES = 8
ISSUE_DAYS = 30  # a cluster with no request for this long takes no new one: the issue came back, it starts anew
KEYWORDS_SETTLED = 10  # past this size a cluster's keywords are recomputed every tenth member
REFINE_PASSES = 2

Vector = dict[str, float]


# --- places ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PlaceInfo:
    key: object  # the Place id in the database, the code in a places file
    kind: str
    community: object | None  # key of its community (itself for a community)


class PlaceTable:
    """Places and the names residents use for them: resolves a request's place and finds names in text."""

    def __init__(self, places: Sequence[PlaceInfo], names: Sequence[tuple[str, object]]):
        self.places = {p.key: p for p in places}
        self._names: dict[str, dict[str, set[object]]] = defaultdict(dict)  # first char -> name -> keys
        for name, key in names:
            name = fold(name).strip()
            if len(name) >= 2:
                self._names[name[0]].setdefault(name, set()).add(key)

    @classmethod
    def from_rows(cls, rows: Iterable[dict]) -> PlaceTable:
        """From a places file: code, name, kind, parent (a code), aliases (separated by |)."""
        rows = list(rows)
        parent = {r["code"]: (r.get("parent") or None) for r in rows}
        kind = {r["code"]: r.get("kind", "") for r in rows}

        def community(code):
            for _ in range(5):
                if code is None or kind.get(code) == "community":
                    return code
                code = parent.get(code)
            return None

        places = [PlaceInfo(r["code"], kind[r["code"]], community(r["code"])) for r in rows]
        names = [(n, r["code"]) for r in rows for n in [r.get("name", ""), *_aliases(r.get("aliases"))]]
        return cls(places, names)

    @classmethod
    def from_session(cls, session) -> PlaceTable:
        """Every place of the database, read again when a place is added or edited (aliases used where
        the table has them); one small aggregate query otherwise."""
        conn = session.connection()
        stamp = tuple(conn.execute(_places_stamp()).one())
        key = (str(session.get_bind().url), stamp)
        cached = _TABLES.get(key)
        if cached is not None and time.monotonic() - cached[0] < TABLE_TTL:
            return cached[1]
        from sqlalchemy import select

        from core.models import Place

        aliases = getattr(Place, "aliases", None)  # a column that may be added later
        columns = [Place.id, Place.kind, Place.name, Place.parent_id] + ([aliases] if aliases is not None else [])
        rows = [tuple(r) + (None,) * (5 - len(r)) for r in conn.execute(select(*columns))]
        parents = {r[0]: (r[1], r[3]) for r in rows}

        def community(pid):
            for _ in range(5):
                if pid not in parents:
                    return None
                kind, parent = parents[pid]
                if kind == "community":
                    return pid
                pid = parent
            return None

        places = [PlaceInfo(r[0], r[1], community(r[0])) for r in rows]
        names = [(n, r[0]) for r in rows for n in [r[2], *_aliases(r[4])]]
        table = cls(places, names)
        _TABLES.clear()
        _TABLES[key] = (time.monotonic(), table)
        return table

    def kind(self, key: object) -> str | None:
        p = self.places.get(key)
        return p.kind if p else None

    def find(self, folded: str) -> list[tuple[int, int, set[object]]]:
        """(start, end, place keys) of every place name in a folded text, longest name first at each position."""
        out, i, n = [], 0, len(folded)
        while i < n:
            best = None
            for name, keys in self._names.get(folded[i], {}).items():
                if (best is None or len(name) > len(best[0])) and folded.startswith(name, i):
                    best = (name, keys)
            if best:
                out.append((i, i + len(best[0]), best[1]))
                i += len(best[0])
            else:
                i += 1
        return out

    def resolve(self, place: object, folded: str) -> tuple[object | None, object | None, list[tuple[int, int]]]:
        """(scope, community, spans of place names) for a request with this place and text.

        The scope is a compound named in the text (of the request's own community), else the
        compound given, else a community named or given; a place the table does not know is its
        own scope; no place at all is None.
        """
        given = self.places.get(place)
        community = given.community if given else None
        found = self.find(folded)
        spans = [(a, b) for a, b, _ in found]
        compounds: list[PlaceInfo] = []
        communities: list[PlaceInfo] = []
        for _, _, keys in found:
            for k in keys:
                p = self.places[k]
                if community is not None and p.community != community:
                    continue  # a name of another community's compound: not where this resident lives
                (communities if p.kind == "community" else compounds if p.kind != "street" else []).append(p)
        if len({p.key for p in compounds}) == 1:
            return compounds[0].key, compounds[0].community, spans
        if given is not None and given.kind not in ("community", "street"):
            return given.key, community, spans
        if given is None and len({p.key for p in communities}) == 1:
            return communities[0].key, communities[0].key, spans
        if given is not None and given.kind == "community":
            return given.key, community, spans
        return (place if place not in (None, "") else None), community, spans


@lru_cache(maxsize=1)
def _places_stamp():
    from sqlalchemy import func, select

    from core.models import Place

    place = Place.__table__
    edited = [func.max(place.c.updated_at)] if "updated_at" in place.c else []  # a column that may be added later
    return select(func.count(place.c.id), func.max(place.c.id), *edited)


TABLE_TTL = 300.0  # seconds: a renamed place or a new alias is seen within five minutes
_TABLES: dict[tuple, tuple[float, PlaceTable]] = {}


def _aliases(value) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        return [a.strip() for a in re.split(r"[|,;，；、\n]", value) if a.strip()]
    return [str(a).strip() for a in value if str(a).strip()]


# --- one request ----------------------------------------------------------------------------------

@dataclass
class Signature:
    scope: object | None
    vector: Vector
    objects: frozenset[str]
    marks: frozenset[str]  # "栋:3", "单元:2", "门:北"
    category: str | None = None
    community: object | None = None
    precise: bool = True  # the scope is a compound, not a whole community
    at: dt.datetime | None = None  # when the request came (None: no time known, as in a table of texts)


_GATE = re.compile(r"([东南西北正后])(?:大)?门(?!口)|\b(north|south|east|west|main|back) gate")
_GATE_EN = {"north": "北", "south": "南", "east": "东", "west": "西", "main": "正", "back": "后"}
_BUILDING_EN = re.compile(r"\b(?:building|block|bldg\.?)\s*(?:no\.?\s*)?(\d{1,3})\b")


def marks_of(folded: str) -> frozenset[str]:
    """Building, unit and gate marks of a folded text."""
    out = set()
    for mark in place_marks(folded):
        m = re.match(r"(\d+)(\D+)", mark)
        if m:
            out.add(f"{m.group(2)}:{m.group(1)}")
    out.update(f"栋:{int(n)}" for n in _BUILDING_EN.findall(folded))
    for zh, en in _GATE.findall(folded):
        out.add(f"门:{zh or _GATE_EN[en]}")
    return frozenset(out)


def signature(text: str, place: object = None, category: str | None = None, places: PlaceTable | None = None,
              idf=None, concepts: bool = True, words: int = K_WORDS) -> Signature:
    """What clustering knows about one request.

    concepts=False keeps words only: without places (a table of letters from a whole city),
    concepts join topics (buses, kindergartens), not issues, and the letters' own words
    (estate and road names) are what tell one issue from another.
    """
    lex = lexicon()
    folded = fold(text)
    scope, community, spans = places.resolve(place, folded) if places else (place, None, [])
    precise = not (places and scope is not None and places.kind(scope) in ("community", "street"))
    for a, b in reversed(spans):  # place names are the scope, not the issue
        folded = folded[:a] + " " + folded[b:]
    marks = marks_of(folded)
    concept_spans = lex.spans(folded) if concepts else []
    found = _main_concepts([c for c, _, _ in concept_spans], lex)
    vec: Vector = {CONCEPT + c: W_CONCEPT[lex.kind[c]] for c in found}
    for _, a, b in reversed(concept_spans):  # the concept stands for its spelling: no sub-words of it again
        folded = folded[:a] + " " + folded[b:]
    weights = _words(folded, lex, idf, words)
    if weights:
        norm = math.sqrt(sum(w * w for w in weights.values()))
        scale = W_WORDS if vec else 1.0
        vec.update({t: scale * w / norm for t, w in weights.items()})
    norm = math.sqrt(sum(w * w for w in vec.values())) or 1.0
    return Signature(scope, {t: w / norm for t, w in vec.items()}, frozenset(lex.objects(found)),
                     marks, category, community, precise)


def _main_concepts(mentions: list[str], lex) -> list[str]:
    """The concepts a request is about: at most K_OBJECTS objects and K_OTHERS others, the most
    mentioned first (a long letter names a dozen things in passing; its issue is what it repeats)."""
    counts = Counter(mentions)
    order = sorted(counts, key=lambda c: (-counts[c], mentions.index(c)))
    objects = [c for c in order if lex.kind[c] in THINGS][:K_OBJECTS]
    others = [c for c in order if lex.kind[c] not in THINGS][:K_OTHERS]
    return objects + others


def _words(folded: str, lex, idf, k: int = K_WORDS) -> Vector:
    idf, median = idf or idf_table()
    counts = Counter(w for w in content_words(folded, search=True) if w not in lex.generic)
    weights = {w: n * idf.get(w, median) for w, n in counts.items()}
    return dict(sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:k])


def index_terms(sig: Signature) -> Vector:
    """The rows a member adds to its cluster's sums: vector weights, mark and category counts."""
    terms = dict(sig.vector)
    for family in {m.split(":")[0] for m in sig.marks}:
        terms[ANY_MARK + family] = 1.0
    terms.update({MARK + m: 1.0 for m in sig.marks})
    if sig.category:
        terms[CATEGORY + sig.category] = 1.0
        terms[CATEGORY + "*"] = 1.0
    return terms


# --- a request against a cluster ------------------------------------------------------------------

def score(sig: Signature, size: int, sums: dict[str, float]) -> float | None:
    """Similarity of a request to a cluster from the cluster's size and sums; None when refused.

    `sums` must hold the cluster's sums for the request's terms and all its concept, mark and
    category rows.
    """
    if size <= 0:
        return None
    lex = lexicon()
    objects = {t[1:] for t, s in sums.items() if t.startswith(CONCEPT) and lex.kind.get(t[1:]) in THINGS
               and s / size >= OBJECT_MEAN}
    if sig.objects and objects and not (sig.objects & objects):
        return None  # about another thing
    sim = sum(w * sums.get(t, 0.0) for t, w in sig.vector.items()) / size
    for family in {m.split(":")[0] for m in sig.marks}:
        named = sums.get(ANY_MARK + family, 0.0) / size
        same = max((sums.get(MARK + m, 0.0) / size for m in sig.marks if m.startswith(family + ":")), default=0.0)
        if named >= MARK_NAMED_SHARE and same < MARK_SAME_SHARE:
            return None  # another building, unit or gate
        if same >= MARK_SAME_SHARE:
            sim += MARK_BONUS
    with_category = sums.get(CATEGORY + "*", 0.0)
    if sig.category and with_category:
        share = sums.get(CATEGORY + sig.category, 0.0) / with_category
        sim += CATEGORY_WEIGHT * (2 * share - 1)
    return sim


def _evidence(sig: Signature, sums: dict[str, float]) -> bool:
    """A shared thing or content word (a problem or a building alone never joins), a shared service
    only with a shared problem; in a whole community, where one thing (parking, rubbish) has many
    places, a shared content word."""
    word = any(sums.get(t) for t in sig.vector if not t.startswith(CONCEPT))
    if word or not sig.precise:
        return word
    kind = lexicon().kind
    shared = [o for o in sig.objects if sums.get(CONCEPT + o)]
    if any(kind[o] == "object" for o in shared):
        return True
    # a service (低保, 托管班) is asked for by many residents one by one: one issue only when it is
    # the same thing that is wrong with it (停办, 涨价)
    return bool(shared) and any(sums.get(t) for t in sig.vector if t.startswith(CONCEPT) and kind[t[1:]] == "problem")


# --- in memory: the CLI contract, batch re-clustering, evaluation ----------------------------------

class MemoryIndex:
    """Open clusters: per scope an inverted index term -> {cluster: sum}, and each cluster's sums."""

    def __init__(self, threshold: float | None = None):
        self.threshold = THRESHOLD if threshold is None else threshold
        self.postings: dict[tuple[object, str], dict[int, float]] = defaultdict(dict)
        self.sums: list[dict[str, float]] = []
        self.sizes: list[int] = []
        self.scopes: list[object] = []
        self.spans: list[tuple[dt.datetime, dt.datetime] | None] = []  # first and last request

    def _in_time(self, cid: int, at: dt.datetime | None) -> bool:
        span = self.spans[cid]
        if at is None or span is None:
            return True
        horizon = dt.timedelta(days=ISSUE_DAYS)
        return span[0] - horizon <= at <= span[1] + horizon

    def best(self, sig: Signature, exclude: tuple[int, Vector] | None = None) -> tuple[int | None, float]:
        """The most similar cluster of the request's scope that accepts it (or None), and its score.

        `exclude` (cluster, terms) scores as if that member were not in that cluster (leave-one-out).
        """
        if sig.scope is None:
            return None, 0.0
        rough: dict[int, float] = defaultdict(float)
        for t, w in sig.vector.items():
            if t.startswith(CONCEPT) and t[1:] not in sig.objects:
                continue  # problems, places and minor things join nothing on their own
            for cid, s in self.postings.get((sig.scope, t), {}).items():
                rough[cid] += w * s
        top = sorted((c for c in rough if self._in_time(c, sig.at)), key=lambda c: (-rough[c] / self.sizes[c], c))
        best, best_sim = None, 0.0
        for cid in top[:CANDIDATES]:
            sums, size = self.sums[cid], self.sizes[cid]
            if exclude is not None and exclude[0] == cid:
                sums = {t: s - exclude[1].get(t, 0.0) for t, s in sums.items()}
                size -= 1
            if not _evidence(sig, sums):
                continue
            sim = score(sig, size, sums)
            if sim is not None and sim >= self.threshold and (best is None or sim > best_sim):
                best, best_sim = cid, sim
        return best, best_sim

    def new(self, scope: object) -> int:
        self.sums.append({})
        self.sizes.append(0)
        self.scopes.append(scope)
        self.spans.append(None)
        return len(self.sizes) - 1

    def add_to(self, cid: int, sig: Signature) -> None:
        sums = self.sums[cid]
        for t, w in index_terms(sig).items():
            sums[t] = sums.get(t, 0.0) + w
            if not t.startswith((MARK, CATEGORY)) and sig.scope is not None:
                self.postings[(sig.scope, t)][cid] = sums[t]
        self.sizes[cid] += 1
        if sig.at is not None:
            span = self.spans[cid]
            self.spans[cid] = (sig.at, sig.at) if span is None else (min(span[0], sig.at), max(span[1], sig.at))

    def add(self, sig: Signature) -> int:
        """Assign one request: the best accepting cluster of its scope, or a new one."""
        cid, _ = self.best(sig)
        if cid is None:
            cid = self.new(sig.scope)
        self.add_to(cid, sig)
        return cid


def cluster_signatures(sigs: Sequence[Signature], threshold: float | None = None,
                       refine: int | None = None) -> list[int]:
    """Cluster labels (0..k-1) for requests taken in order (oldest first)."""
    index = MemoryIndex(threshold)
    labels = [index.add(s) for s in sigs]
    for _ in range(REFINE_PASSES if refine is None else refine):
        labels = _reassign(sigs, labels, threshold)
    return _renumber(labels)


def _reassign(sigs: Sequence[Signature], labels: list[int], threshold: float | None) -> list[int]:
    """Move each request to its most similar settled cluster (itself left out); one no longer similar
    to the rest of its own cluster leaves it (k-means style step, which also splits drifting clusters)."""
    index = MemoryIndex(threshold)
    ids: dict[int, int] = {}
    for s, lab in zip(sigs, labels, strict=True):
        if lab not in ids:
            ids[lab] = index.new(s.scope)
        index.add_to(ids[lab], s)
    back = {cid: lab for lab, cid in ids.items()}
    out, fresh = [], max(labels, default=-1) + 1
    for s, lab in zip(sigs, labels, strict=True):
        own = ids[lab]
        cid, _ = index.best(s, exclude=(own, index_terms(s)))
        if cid is not None:
            out.append(back[cid])
        elif index.sizes[own] == 1:
            out.append(lab)
        else:
            out.append(fresh)  # alone again
            fresh += 1
    return out


def _renumber(labels: Iterable[int]) -> list[int]:
    seen: dict[int, int] = {}
    return [seen.setdefault(lab, len(seen)) for lab in labels]


def cluster_texts(texts: Sequence[str], places: Sequence[object] | None = None, threshold: float | None = None,
                  refine: int | None = None, table: PlaceTable | None = None,
                  categories: Sequence[str | None] | None = None, idf=None) -> list[int]:
    """Cluster labels for texts taken in time order.

    `places` are the places the requests came with: codes of `table`, or, without a table, any
    labels (different labels never share a cluster, and the requests without one are taken as
    coming from one place, so text alone still clusters). With a table, a request whose place
    is neither given nor named in its text stays alone, as on intake.
    """
    places = list(places) if places is not None else [None] * len(texts)
    categories = list(categories) if categories is not None else [None] * len(texts)
    if table is None:
        places = [p if p not in (None, "") else "" for p in places]
    sigs = [signature(t, p, c, table, idf) for t, p, c in zip(texts, places, categories, strict=True)]
    return cluster_signatures(sigs, threshold, refine)


# --- in the database: assignment on intake, re-clustering, merge and split ------------------------

@lru_cache(maxsize=2)
def _statements(dialect: str) -> dict:
    """The statements of assignment on intake, built once (building a statement costs more than running it)."""
    from sqlalchemy import bindparam, insert, select, update

    from core.db import table_of
    from core.models import Cluster, ClusterTerm, RequestEvent, ServiceRequest

    ct, cl, ev, rq = table_of(ClusterTerm), table_of(Cluster), table_of(RequestEvent), table_of(ServiceRequest)
    near = ct.alias("near")
    return {
        # the open clusters of the scope that share an anchor term with the request, and of each the
        # sums best_cluster scores with (marks, categories, the request's terms): one round trip
        # (SQLite; PostgreSQL has _PG_CANDIDATES)
        "candidates": select(ct.c.cluster_id, ct.c.term, ct.c.weight, cl.c.size)
        .join(cl, cl.c.id == ct.c.cluster_id)
        .where(ct.c.cluster_id.in_(
            select(near.c.cluster_id).where(near.c.scope_id == bindparam("scope"),
                                            near.c.term.in_(bindparam("anchors", expanding=True)))),
               cl.c.updated_at >= bindparam("since"),
               (ct.c.term < "0") | ct.c.term.in_(bindparam("terms", expanding=True))),
        "top_terms": select(ct.c.term, ct.c.weight).where(ct.c.cluster_id == bindparam("cid"))
        .order_by(ct.c.weight.desc()).limit(24),
        "new_cluster": insert(cl).returning(cl.c.id),
        "grow": update(cl).where(cl.c.id == bindparam("cid")).values(size=cl.c.size + 1,
                                                                      updated_at=bindparam("now")),
        "grow_keywords": update(cl).where(cl.c.id == bindparam("cid")).values(
            size=cl.c.size + 1, updated_at=bindparam("now"), keywords=bindparam("kw", type_=cl.c.keywords.type)),
        "event": insert(ev),
        "link": update(rq).where(rq.c.id == bindparam("rid")).values(cluster_id=bindparam("cid")),
    }


def request_signature(request, table: PlaceTable) -> Signature:
    sig = signature(request.text, request.place_id or request.community_id, request.category_code, table)
    if sig.community is None:
        sig.community = request.community_id
    sig.at = request.created_at
    return sig


def stored_place(place: object) -> int | None:
    """A stored request's scope or community: a place id (names are scopes only in memory)."""
    assert place is None or isinstance(place, int), f"not a place id: {place!r}"
    return place


def _upsert(conn, cluster_id: int, scope: int, terms: Vector) -> None:
    """Add a member's terms to a cluster's sums: one statement whatever the number of terms."""
    add_terms(conn, [(cluster_id, t[:40], scope, w) for t, w in terms.items()])


_ADD_TERMS = ("INSERT INTO clusterterm (cluster_id, term, scope_id, weight) VALUES (?, ?, ?, ?) "
              "ON CONFLICT (cluster_id, term) DO UPDATE SET weight = clusterterm.weight + excluded.weight")

# On PostgreSQL the rows go as four arrays in one statement: psycopg's executemany sends a statement
# per row (about 20 a request), which cost more than the round trip itself (docs/nlp.md, 3 December).
_PG_ADD_TERMS = ("INSERT INTO clusterterm (cluster_id, term, scope_id, weight) "
                 "SELECT * FROM unnest(%s::int[], %s::varchar[], %s::int[], %s::float8[]) "
                 "ON CONFLICT (cluster_id, term) DO UPDATE SET weight = clusterterm.weight + excluded.weight")


def _stored_terms(terms: Vector) -> Vector:
    """Terms as the index stores them (40 characters): two that share a prefix are one row."""
    out: Vector = defaultdict(float)
    for t, w in terms.items():
        out[t[:40]] += w
    return out


def add_terms(conn, rows: list[tuple[int | None, str, int | None, float]]) -> None:
    """Add (cluster id, term, scope, weight) rows to the clusters' sums, as plain DB-API parameters:
    about 20 rows a request, and SQLAlchemy's own processing of them cost more than the database's
    work (a cProfile of an import: 343,000 construct_params calls)."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        summed: dict[tuple, list] = {}
        for cid, term, scope, weight in rows:
            summed.setdefault((cid, term), [scope, 0.0])[1] += weight
        _pg(conn, _PG_ADD_TERMS, ([k[0] for k in summed], [k[1] for k in summed],
                                  [v[0] for v in summed.values()], [v[1] for v in summed.values()]))
    else:
        conn.exec_driver_sql(_ADD_TERMS if conn.dialect.paramstyle == "qmark" else _ADD_TERMS.replace("?", "%s"),
                             rows)


# PostgreSQL ranks the candidates itself (the rough score below) and sends the sums of the best
# only: a common word of a community's scope is shared by hundreds of clusters, whose rows cost
# more to send and read than the ranking (docs/nlp.md, 3 December). It keeps twice CANDIDATES, so
# that a sum added in another order (a last-digit tie) cannot change which ones best_cluster scores.
_PG_CANDIDATES = (
    "WITH q AS (SELECT * FROM unnest(%(anchors)s::varchar[], %(w)s::float8[]) AS q(term, w)), "
    "near AS (SELECT ct.cluster_id, sum(q.w * ct.weight) AS rough FROM clusterterm ct JOIN q ON ct.term = q.term "
    "WHERE ct.scope_id = %(scope)s::int GROUP BY ct.cluster_id), "
    "top AS (SELECT near.cluster_id, c.size FROM near JOIN cluster c ON c.id = near.cluster_id "
    "WHERE c.updated_at >= %(since)s ORDER BY near.rough / greatest(c.size, 1) DESC, near.cluster_id "
    "LIMIT %(keep)s) "
    "SELECT top.cluster_id, ct.term, ct.weight, top.size FROM top JOIN clusterterm ct ON ct.cluster_id = top.cluster_id "
    "WHERE ct.term < '0' OR ct.term = ANY(%(terms)s::varchar[])")

# A cluster's row and its sums in one round trip (PostgreSQL writes through CTEs; SQLite has no
# round trips to save). The main statement reads the snapshot before the CTE's writes, so the top
# terms after an upsert are the upserted rows' new values and the untouched rows' old ones.
_PG_START = ("WITH c AS (INSERT INTO cluster (title, keywords, category_code, place_id, size, is_open, created_at, "
             "updated_at) VALUES (%(title)s, %(kw)s::json, %(category)s, %(place)s, 1, true, %(now)s, %(now)s) "
             "RETURNING id), t AS (INSERT INTO clusterterm (cluster_id, term, scope_id, weight) "
             "SELECT c.id, u.term, %(scope)s::int, u.weight FROM c, unnest(%(terms)s::varchar[], "
             "%(weights)s::float8[]) AS u(term, weight)) SELECT id FROM c")
_PG_UPSERT = ("INSERT INTO clusterterm (cluster_id, term, scope_id, weight) SELECT %(cid)s::int, u.term, "
              "%(scope)s::int, u.weight FROM unnest(%(terms)s::varchar[], %(weights)s::float8[]) AS u(term, weight) "
              "ON CONFLICT (cluster_id, term) DO UPDATE SET weight = clusterterm.weight + excluded.weight")
# built from constants only (no value is ever formatted into a statement)
_PG_GROW = ("WITH g AS (UPDATE cluster SET size = size + 1, updated_at = %(now)s WHERE id = %(cid)s::int) "  # noqa: S608
            + _PG_UPSERT)
_PG_GROW_TOP = ("WITH t AS (" + _PG_UPSERT + " RETURNING term, weight) SELECT term, weight FROM t UNION ALL "  # noqa: S608
                "SELECT term, weight FROM clusterterm WHERE cluster_id = %(cid)s::int "
                "AND term NOT IN (SELECT term FROM t) ORDER BY weight DESC LIMIT 24")  # as top_terms


_PG_GROW_KEYWORDS = "UPDATE cluster SET size = size + 1, updated_at = %(now)s, keywords = %(kw)s::json WHERE id = %(cid)s"


def _pg(conn, statement: str, params) -> list[tuple]:
    """Run a PostgreSQL statement on the connection's own psycopg cursor, in the connection's
    transaction, and return its rows (none for a statement without a result): SQLAlchemy's execution
    context and rows cost about 0.1 ms a statement, a fifth of the cluster lookup's round trip
    (docs/nlp.md, 4 December). The cursor is kept with the pooled connection; psycopg prepares a
    statement it has run five times."""
    info = conn.connection.info
    cursor = info.get("cluster_cursor")
    if cursor is None or cursor.closed:
        cursor = info["cluster_cursor"] = conn.connection.driver_connection.cursor()
    cursor.execute(statement, params)
    return cursor.fetchall() if cursor.description is not None else []


def _store_terms(session, cluster_id: int, scope: int, sums: Vector) -> None:
    from sqlalchemy import delete, insert
    from sqlmodel import col

    from core.models import ClusterTerm

    session.execute(delete(ClusterTerm).where(col(ClusterTerm.cluster_id) == cluster_id))
    if sums:
        session.execute(insert(ClusterTerm), [{"cluster_id": cluster_id, "scope_id": scope, "term": t[:40],
                                               "weight": w} for t, w in sums.items()])


def best_cluster(session, sig: Signature, threshold: float | None = None) -> tuple[int | None, float, int]:
    """The best accepting open cluster of the request's scope, its score and size: two indexed lookups."""
    threshold = THRESHOLD if threshold is None else threshold
    if sig.scope is None:
        return None, 0.0, 0
    conn = session.connection()
    q = _statements(conn.dialect.name)
    terms = [t[:40] for t in sig.vector]
    anchors = [t for t in terms if not t.startswith(CONCEPT) or t[1:] in sig.objects]  # what can join
    if not anchors:
        return None, 0.0, 0
    rough: dict[int, float] = defaultdict(float)
    sizes: dict[int, int] = {}
    sums: dict[int, dict[str, float]] = defaultdict(dict)
    since = (sig.at or dt.datetime.now(dt.UTC)) - dt.timedelta(days=ISSUE_DAYS)
    anchored = set(anchors)
    if conn.dialect.name == "postgresql":
        anchors = list(dict.fromkeys(anchors))
        rows = _pg(conn, _PG_CANDIDATES, {"scope": sig.scope, "anchors": anchors, "terms": terms, "since": since,
                                          "w": [sig.vector.get(t, 0.0) for t in anchors], "keep": 2 * CANDIDATES})
    else:
        rows = conn.execute(q["candidates"], {"scope": sig.scope, "anchors": anchors, "terms": terms, "since": since})
    for cid, t, s, size in rows:
        sums[cid][t] = s
        sizes[cid] = size
        if t in anchored:
            rough[cid] += sig.vector.get(t, 0.0) * s
    top = sorted(rough, key=lambda c: (-rough[c] / max(sizes[c], 1), c))[:CANDIDATES]
    if not top:
        return None, 0.0, 0
    best, best_sim = None, 0.0
    for cid in top:
        if not _evidence(sig, sums[cid]):
            continue
        sim = score(sig, sizes[cid], sums[cid])
        if sim is not None and sim >= threshold and (best is None or sim > best_sim):
            best, best_sim = cid, sim
    return best, best_sim, sizes[best] if best is not None else 0


def keywords_from(sums: dict[str, float], size: int, top: int = 6) -> list[str]:
    """A cluster's keywords: the building most members name, then its strongest objects and words."""
    lex = lexicon()
    buildings = [t[len(MARK) + 2:] + "栋" for t, s in sorted(sums.items(), key=lambda kv: -kv[1])
                 if t.startswith(MARK + "栋:") and s >= 0.5 * size]
    shown = []
    for t, _ in sorted(sums.items(), key=lambda kv: (-kv[1], kv[0])):
        if t.startswith(CONCEPT):
            if lex.kind.get(t[1:]) in THINGS:
                shown.append(lex.label[t[1:]])
        elif not t.startswith((MARK, CATEGORY)):
            shown.append(t)
    return list(dict.fromkeys(buildings[:1] + shown))[:top]


def _keywords(conn, cluster_id: int, size: int) -> list[str]:
    rows = conn.execute(_statements(conn.dialect.name)["top_terms"], {"cid": cluster_id}).all()
    return keywords_from(dict(tuple(r) for r in rows), size)


_SENTENCE = re.compile(r"[。！？!?\n；;]")


def title_of(text: str, limit: int = 40) -> str:
    """A short title: the text's first sentence, personal data removed."""
    from core.redact import redact

    first = next((s.strip() for s in _SENTENCE.split(redact(text)) if s.strip()), "")
    return first if len(first) <= limit else first[: limit - 1] + "…"


def candidate(session, request, threshold: float | None = None, places: PlaceTable | None = None) -> Found | None:
    """Reads only: the request's signature and the best accepting open cluster of its place (None for
    a text with nothing to cluster on). Kept apart from the writes (`join`) so that on SQLite a
    transaction never starts with a read: one that read before another connection committed cannot
    then write ("database is locked" at once, whatever the busy timeout). `places`: the places table,
    when the caller has read it already (intake, once for a batch)."""
    with session.no_autoflush:
        sig = request_signature(request, places or PlaceTable.from_session(session))
        if not sig.vector:
            return None
        cid, sim, size = best_cluster(session, sig, threshold)
    return Found(sig, cid, sim, size)


@dataclass
class Found:
    sig: Signature
    cluster_id: int | None  # None: the request starts a cluster
    similarity: float
    size: int


def join(session, request, found: Found) -> tuple[int, float]:
    """Grow the cluster `candidate` found by the request's terms, or start one; returns (cluster id,
    similarity). Nothing of the request itself is written, so intake can call this before the
    request's own INSERT and store the link in it (assign below is for a stored request). A request
    without a place gets a cluster of its own that nothing else joins. The cluster rows are written
    with plain statements: intake's latency budget has no room for the ORM's bookkeeping.
    """
    from core.models import utcnow

    sig, cid, sim, size = found.sig, found.cluster_id, found.similarity, found.size
    conn = session.connection()
    q = _statements(conn.dialect.name)
    now = utcnow()
    terms = index_terms(sig)
    scope = stored_place(sig.scope)
    postgres = conn.dialect.name == "postgresql"
    if postgres:
        stored = _stored_terms(terms) if scope is not None else {}
        arrays = {"cid": cid, "scope": scope, "terms": list(stored), "weights": list(stored.values()), "now": now}
    if cid is None:
        row = {"title": title_of(request.text), "keywords": keywords_from(terms, 1),
               "category_code": request.category_code, "place_id": stored_place(sig.community), "size": 1,
               "is_open": True, "merged_into_id": None, "created_at": now, "updated_at": now}
        if postgres:
            cid = _pg(conn, _PG_START, {**arrays, "title": row["title"], "kw": json.dumps(row["keywords"]),
                                        "category": row["category_code"], "place": row["place_id"]})[0][0]
        else:
            cid = conn.execute(q["new_cluster"], row).scalar_one()
            if scope is not None:
                _upsert(conn, cid, scope, terms)
        return cid, sim
    assert scope is not None, "best_cluster finds clusters only within a scope"
    keywords_due = size < KEYWORDS_SETTLED or (size + 1) % KEYWORDS_SETTLED == 0
    if postgres and keywords_due:
        top = dict(_pg(conn, _PG_GROW_TOP, arrays))
        _pg(conn, _PG_GROW_KEYWORDS, {"cid": cid, "now": now, "kw": json.dumps(keywords_from(top, size + 1))})
    elif postgres:
        _pg(conn, _PG_GROW, arrays)
    else:
        _upsert(conn, cid, scope, terms)
        if keywords_due:
            conn.execute(q["grow_keywords"], {"cid": cid, "now": now, "kw": _keywords(conn, cid, size + 1)})
        else:
            conn.execute(q["grow"], {"cid": cid, "now": now})
    return cid, sim


def linked_event(request_id: int, cluster_id: int, similarity: float, actor_id: int | None = None) -> dict:
    """The history row that says a request joined a cluster."""
    from core.models import EventType, utcnow

    return {"request_id": request_id, "type": EventType.cluster_linked, "actor_id": actor_id, "from_value": None,
            "to_value": str(cluster_id), "message": f"similarity={similarity:.2f}", "created_at": utcnow()}


def assign(session, request, threshold: float | None = None, actor_id: int | None = None, commit: bool = True):
    """Put a stored request into its cluster (join above) and record the link; returns the cluster's
    id (None for a text with nothing to cluster on). With commit=False the changes are only written,
    not committed."""
    from sqlalchemy.orm.attributes import set_committed_value

    found = candidate(session, request, threshold)
    if found is None:
        return None
    cid, sim = join(session, request, found)
    conn = session.connection()
    q = _statements(conn.dialect.name)
    conn.execute(q["event"], linked_event(request.id, cid, sim, actor_id))
    conn.execute(q["link"], {"rid": request.id, "cid": cid})
    set_committed_value(request, "cluster_id", cid)  # written above: nothing left for the ORM to flush
    if commit:
        session.commit()
    return cid


def _pinned_request_ids(session) -> set[int]:
    """Requests a worker placed by hand (merge, split): batch re-clustering leaves them where they are."""
    from sqlmodel import col, select

    from core.models import EventType, RequestEvent

    return set(session.exec(select(RequestEvent.request_id).where(
        RequestEvent.type == EventType.cluster_linked, col(RequestEvent.actor_id).is_not(None))))


def refresh(session, cluster) -> None:
    """Recompute a cluster's size, sums, keywords and title from its members."""
    from sqlmodel import col, select

    from core.models import OPEN_STATUSES, ServiceRequest, utcnow

    members = session.exec(select(ServiceRequest).where(ServiceRequest.cluster_id == cluster.id)
                           .order_by(col(ServiceRequest.created_at), col(ServiceRequest.id))).all()
    cluster.size = len(members)
    table = PlaceTable.from_session(session)
    sigs = [request_signature(r, table) for r in members]
    sums: dict[str, float] = defaultdict(float)
    for s in sigs:
        for t, w in index_terms(s).items():
            sums[t] += w
    scopes = Counter(scope for s in sigs if (scope := stored_place(s.scope)) is not None)
    live = any(r.status in OPEN_STATUSES for r in members) and cluster.merged_into_id is None
    _store_terms(session, cluster.id, scopes.most_common(1)[0][0] if scopes else 0,
                 dict(sums) if live and scopes else {})
    if live:
        mean = {t: s / len(sigs) for t, s in sums.items()}
        central = max(zip(members, sigs, strict=True),
                      key=lambda ms: sum(w * mean.get(t, 0.0) for t, w in ms[1].vector.items()))[0]
        cluster.title = title_of(central.text)
        cluster.keywords = keywords_from(dict(sums), len(sigs))
        cluster.is_open = True
    else:
        cluster.is_open = False
    cluster.updated_at = utcnow()
    session.add(cluster)


def recluster(session, threshold: float | None = None) -> dict:
    """Re-cluster all open requests in batch; workers' hand placements stay. Returns counts."""
    from sqlmodel import col, select

    from core.db import row_id
    from core.models import OPEN_STATUSES, Cluster, EventType, RequestEvent, ServiceRequest

    pinned = _pinned_request_ids(session)
    rows = session.exec(select(ServiceRequest).where(col(ServiceRequest.status).in_(OPEN_STATUSES))
                        .order_by(col(ServiceRequest.created_at), col(ServiceRequest.id))).all()
    movable = [r for r in rows if r.id not in pinned]
    table = PlaceTable.from_session(session)
    sigs = [request_signature(r, table) for r in movable]
    labels = cluster_signatures(sigs, threshold)
    # Reuse the cluster most members already had, so cluster ids (and links to them) stay stable.
    groups: dict[int, list] = defaultdict(list)
    for r, lab in zip(movable, labels, strict=True):
        groups[lab].append(r)
    community = {r.id: s.community for r, s in zip(movable, sigs, strict=True)}
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
                              place_id=stored_place(community[first.id]))
            session.add(cluster)
            session.flush()
            cid = row_id(cluster)
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

    from core.models import EventType, RequestEvent, ServiceRequest

    if source.id == target.id:
        raise ValueError("a cluster cannot be merged into itself")
    members = session.exec(select(ServiceRequest).where(ServiceRequest.cluster_id == source.id)).all()
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
    from sqlmodel import col, select

    from core.models import Cluster, EventType, RequestEvent, ServiceRequest

    ids = set(request_ids)
    members = session.exec(select(ServiceRequest).where(ServiceRequest.cluster_id == source.id, col(ServiceRequest.id).in_(ids))).all()
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


def pairwise(pred: Sequence[object], gold: Sequence[object | None]) -> tuple[float, float, float]:
    """Precision, recall and F1 over all pairs of items; an item whose gold label is None is alone."""
    gold = [g if g is not None else ("alone", i) for i, g in enumerate(gold)]

    def pairs(labels) -> set[tuple[int, int]]:
        groups: dict[object, list[int]] = defaultdict(list)
        for i, lab in enumerate(labels):
            groups[lab].append(i)
        return {(a, b) for idx in groups.values() for k, a in enumerate(idx) for b in idx[k + 1:]}

    p, g = pairs(pred), pairs(gold)
    tp = len(p & g)
    prec = tp / len(p) if p else 1.0
    rec = tp / len(g) if g else 1.0
    return prec, rec, (2 * prec * rec / (prec + rec) if prec + rec else 0.0)
