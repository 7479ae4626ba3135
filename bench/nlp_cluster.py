"""Cluster assignment on intake with 100,000 open requests in the database.

    .venv/bin/python bench/nlp_cluster.py [--open 100000] [--new 300] [--database-url URL]

Fills a fresh database (SQLite file by default; pass a PostgreSQL URL to measure that) with
`--open` open requests in 20 communities, clustered in batch with their ClusterTerm index rows,
then times `nlp.cluster.assign` for `--new` further requests (vector, indexed lookups, centroid
update, flush), with and without the commit that intake makes anyway, and prints median and p99. Texts are the seed set's, with building numbers.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--open", type=int, default=100_000)
    ap.add_argument("--new", type=int, default=300)
    ap.add_argument("--communities", type=int, default=20)
    ap.add_argument("--database-url")
    args = ap.parse_args()

    from sqlalchemy import create_engine, insert
    from sqlmodel import Session, func, select

    from core.migrate import upgrade
    from core.models import Cluster, ClusterTerm, Place, PlaceKind, Request, utcnow
    from nlp import cluster as C
    from nlp.dataset import SEED_TRAIN, read_jsonl

    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
    engine = create_engine(url)
    upgrade(engine)
    rng = random.Random(0)
    seed = [e.text for e in read_jsonl(SEED_TRAIN)]

    def text() -> str:
        return f"{rng.randint(1, 40)}号楼{rng.choice(seed)}"

    with Session(engine) as s:
        street = Place(kind=PlaceKind.street, name="街道", code="B")
        s.add(street)
        s.flush()
        comms = [Place(kind=PlaceKind.community, name=f"社区{i}", code=f"B-{i}", parent_id=street.id)
                 for i in range(args.communities)]
        s.add_all(comms)
        s.commit()
        comm_ids = [c.id for c in comms]

    started = time.perf_counter()
    texts = [text() for _ in range(args.open)]
    scopes = [rng.choice(comm_ids) for _ in texts]
    vecs = [C.vector(t) for t in texts]
    labels = C.cluster_vectors(vecs, scopes, refine=0)
    t_cluster = time.perf_counter() - started

    started = time.perf_counter()
    now = utcnow()
    members: dict[int, list[int]] = defaultdict(list)
    for i, lab in enumerate(labels):
        members[lab].append(i)
    with engine.begin() as conn:
        cluster_rows, term_rows = [], []
        for lab, idx in members.items():
            acc: dict[str, float] = defaultdict(float)
            for i in idx:
                for t, w in vecs[i].items():
                    acc[t] += w
            centroid = C._top(acc, C.K_CLUSTER)
            cluster_rows.append({"id": lab + 1, "title": C.title_of(texts[idx[0]]), "keywords": C.keywords_of(centroid),
                                 "place_id": scopes[idx[0]], "size": len(idx), "is_open": True,
                                 "created_at": now, "updated_at": now})
            term_rows += [{"cluster_id": lab + 1, "term": t[:40], "scope_id": scopes[idx[0]], "weight": w}
                          for t, w in centroid.items()]
        conn.execute(insert(Cluster), cluster_rows)
        conn.execute(insert(ClusterTerm), term_rows)
        conn.execute(insert(Request), [
            {"ticket": f"B{i:09d}", "text": t, "language": "zh", "channel": "import", "external_id": str(i),
             "community_id": sc, "place_id": sc, "cluster_id": lab + 1, "status": "received", "urgent": False,
             "needs_review": False, "keywords": [], "created_at": now, "updated_at": now}
            for i, (t, sc, lab) in enumerate(zip(texts, scopes, labels, strict=True))])
    t_fill = time.perf_counter() - started
    if engine.dialect.name == "postgresql":  # ids were given explicitly: move the sequence past them
        with engine.begin() as conn:
            conn.exec_driver_sql("SELECT setval(pg_get_serial_sequence('cluster', 'id'), (SELECT max(id) FROM cluster))")
            conn.exec_driver_sql("ANALYZE")
    print(f"{args.open} open requests in {len(members)} clusters, {len(term_rows)} index rows "
          f"({engine.dialect.name}); batch clustering {t_cluster:.1f} s, loading {t_fill:.1f} s")

    times, with_commit, joined = [], [], 0
    with Session(engine) as s:
        for i in range(args.new):
            sc = rng.choice(comm_ids)
            r = Request(ticket=f"N{i:09d}", text=text(), channel="web", external_id=f"n{i}", community_id=sc,
                        place_id=sc)
            s.add(r)
            s.commit()
            before = s.exec(select(func.max(Cluster.id))).one()
            started = time.perf_counter()
            c = C.assign(s, r, commit=False)
            times.append((time.perf_counter() - started) * 1000)
            s.commit()
            with_commit.append((time.perf_counter() - started) * 1000)
            joined += c.id <= before
    for name, values in (("assign (vector, lookups, centroid update, flush)", times),
                         ("assign + its commit", with_commit)):
        values = sorted(values[1:])  # the first call loads jieba's IDF table
        print(f"{name}, {len(values)} requests: median {statistics.median(values):.1f} ms, "
              f"p99 {values[int(len(values) * 0.99)]:.1f} ms, max {values[-1]:.1f} ms")
    print(f"{joined} joined an existing cluster, {args.new - joined} started one")


if __name__ == "__main__":
    main()
