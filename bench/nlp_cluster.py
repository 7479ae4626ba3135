"""Cluster assignment on intake with 100,000 open requests in the database.

    .venv/bin/python bench/nlp_cluster.py [--open 100000] [--new 300] [--database-url URL]

Fills a fresh database (SQLite file by default; pass a PostgreSQL URL to measure that) with a
street of `--communities` communities of `--compounds` compounds each and `--open` open
requests, clustered in batch with their ClusterTerm sums, then times `--new` further requests,
alternately as intake clusters them (`nlp.cluster.candidate` and `join` before the request's INSERT:
signature, the candidates' lookup, the cluster's writes, with the places table that intake reads once a
batch to check the place given, timed on its own line) and as `nlp.cluster.assign` places a
stored request (places table, join, then the link and the history row), with and without the commit, and
prints median and p99 (wall time, and the process's CPU time, which other jobs on the machine
disturb less). Texts are the seed set's with random building numbers; as on intake, six in ten
requests give their compound, one in ten names it in the text, the rest give only their community.
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
    ap.add_argument("--compounds", type=int, default=10, help="per community")
    ap.add_argument("--database-url")
    ap.add_argument("--profile", help="write a cProfile of the timed assign calls here (pstats format)")
    args = ap.parse_args()

    from sqlalchemy import create_engine, insert
    from sqlmodel import Session, func, select

    from core.migrate import upgrade
    from core.models import (
        Cluster,
        ClusterTerm,
        Place,
        PlaceKind,
        RequestEvent,
        ServiceRequest,
        utcnow,
    )
    from nlp import cluster as C
    from nlp.dataset import SEED_TRAIN, read_jsonl

    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
    engine = create_engine(url)
    upgrade(engine)
    rng = random.Random(0)
    seed = [e.text for e in read_jsonl(SEED_TRAIN)]

    with Session(engine) as s:
        street = Place(kind=PlaceKind.street, name="街道", code="B")
        s.add(street)
        s.flush()
        compounds: dict[int, list[tuple[int, str]]] = {}
        for i in range(args.communities):
            comm = Place(kind=PlaceKind.community, name=f"第{i}社区", code=f"B-{i}", parent_id=street.id)
            s.add(comm)
            s.flush()
            rows = [Place(kind=PlaceKind.compound, name=f"园{i}区{j}苑", code=f"B-{i}-{j}", parent_id=comm.id)
                    for j in range(args.compounds)]
            s.add_all(rows)
            s.flush()
            compounds[comm.id] = [(p.id, p.name) for p in rows]
        s.commit()
        table = C.PlaceTable.from_session(s)

    def request() -> tuple[str, int, int]:
        """Text, place given, community."""
        comm = rng.choice(list(compounds))
        pid, name = rng.choice(compounds[comm])
        text = f"{rng.randint(1, 40)}号楼{rng.choice(seed)}"
        draw = rng.random()
        if draw < 0.6:
            return text, pid, comm
        if draw < 0.7:
            return name + text, comm, comm
        return text, comm, comm

    started = time.perf_counter()
    reqs = [request() for _ in range(args.open)]
    sigs = [C.signature(t, place, None, table) for t, place, _ in reqs]
    labels = C.cluster_signatures(sigs, refine=0)
    t_cluster = time.perf_counter() - started

    started = time.perf_counter()
    now = utcnow()
    members: dict[int, list[int]] = defaultdict(list)
    for i, lab in enumerate(labels):
        members[lab].append(i)
    with engine.begin() as conn:
        cluster_rows, term_rows = [], []
        for lab, idx in members.items():
            sums: dict[str, float] = defaultdict(float)
            for i in idx:
                for t, w in C.index_terms(sigs[i]).items():
                    sums[t] += w
            first = sigs[idx[0]]
            cluster_rows.append({"id": lab + 1, "title": C.title_of(reqs[idx[0]][0]),
                                 "keywords": C.keywords_from(sums, len(idx)), "place_id": reqs[idx[0]][2],
                                 "size": len(idx), "is_open": True, "created_at": now, "updated_at": now})
            if first.scope is not None:
                term_rows += [{"cluster_id": lab + 1, "term": t[:40], "scope_id": first.scope, "weight": w}
                              for t, w in sums.items()]
        conn.execute(insert(Cluster), cluster_rows)
        for k in range(0, len(term_rows), 50_000):
            conn.execute(insert(ClusterTerm), term_rows[k:k + 50_000])
        conn.execute(insert(ServiceRequest), [
            {"ticket": f"B{i:09d}", "text": t, "language": "zh", "channel": "import", "external_id": str(i),
             "community_id": comm, "place_id": place, "cluster_id": lab + 1, "status": "received", "urgent": False,
             "needs_review": False, "keywords": [], "created_at": now, "updated_at": now}
            for i, ((t, place, comm), lab) in enumerate(zip(reqs, labels, strict=True))])
    t_fill = time.perf_counter() - started
    if engine.dialect.name == "postgresql":  # ids were given explicitly: move the sequence past them
        with engine.begin() as conn:
            conn.exec_driver_sql("SELECT setval(pg_get_serial_sequence('cluster', 'id'), (SELECT max(id) FROM cluster))")
            conn.exec_driver_sql("ANALYZE")
    print(f"{args.open} open requests in {len(members)} clusters, {len(term_rows)} index rows "
          f"({engine.dialect.name}); batch clustering {t_cluster:.1f} s, loading {t_fill:.1f} s")

    # A server holds none of the fill's data: drop it, so the collector does not walk a million
    # objects while the requests below are timed
    del reqs, sigs, labels, members, cluster_rows, term_rows
    import gc

    gc.collect()
    import cProfile

    profiler = cProfile.Profile() if args.profile else None
    times: dict[str, list[float]] = defaultdict(list)
    joined = 0
    with Session(engine) as s:
        for i in range(args.new):
            text, place, comm = request()
            r = ServiceRequest(ticket=f"N{i:09d}", text=text, channel="web", external_id=f"n{i}", community_id=comm,
                               place_id=place)
            before = s.exec(select(func.max(Cluster.id))).one()
            on_intake = i % 2 == 0  # alternately: intake's order, and assign() for a stored request
            if not on_intake:
                s.add(r)
                s.flush()
            if on_intake:  # intake reads the places table once a batch, to check the place given, before clustering
                started = time.perf_counter()
                places = C.PlaceTable.from_session(s)
                times["places"].append((time.perf_counter() - started) * 1000)
            started, started_cpu = time.perf_counter(), time.process_time()
            if profiler and i > 1:
                profiler.enable()
            if on_intake:  # the cluster first; the link goes into the request's own INSERT
                found = C.candidate(s, r, places=places)
                c, sim = C.join(s, r, found) if found else (None, 0.0)
            else:
                c = C.assign(s, r, commit=False)
            if profiler:
                profiler.disable()
            kind = "join" if on_intake else "assign"
            times[kind].append((time.perf_counter() - started) * 1000)
            times[kind + " cpu"].append((time.process_time() - started_cpu) * 1000)
            if on_intake:  # what intake writes besides: the request with its link, and the history row
                r.cluster_id = c
                s.add(r)
                s.flush()
                if c is not None:
                    s.add(RequestEvent(**C.linked_event(r.id, c, sim)))
            s.commit()
            times[kind + " commit"].append((time.perf_counter() - started) * 1000)
            joined += c is not None and c <= before
    for name, key in (("on intake: the places table, read for the batch (its stamp; the table when it changed)", "places"),
                      ("on intake: candidate and join (signature, lookups, cluster writes)", "join"),
                      ("  the same, CPU time of this process", "join cpu"),
                      ("  join + the request's INSERT + commit", "join commit"),
                      ("stored request: assign (join, link, history row)", "assign"),
                      ("  the same, CPU time of this process", "assign cpu"),
                      ("  assign + its commit", "assign commit")):
        values = sorted(times[key][1:])  # the first call loads jieba's IDF table
        print(f"{name}, {len(values)} requests: median {statistics.median(values):.2f} ms, "
              f"p99 {values[int(len(values) * 0.99)]:.2f} ms, max {values[-1]:.2f} ms")
    print(f"{joined} joined an existing cluster, {args.new - joined} started one")
    if profiler:
        profiler.dump_stats(args.profile)


if __name__ == "__main__":
    main()
