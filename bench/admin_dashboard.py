"""Dashboard and planner response times on a million requests, on SQLite and PostgreSQL.

    .venv/bin/python bench/admin_dashboard.py [--rows 1000000] [--repeat 7] [--db sqlite|postgres|both]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test]

Builds a throw-away database (a temp SQLite file; a PostgreSQL database created and dropped here),
migrated as in production, with 24 months of requests written by SQLAlchemy Core executemany, ratings,
clusters and a purchase round, then builds the rollup of migration 0004_rollup once. Then times,
through the real app (FastAPI TestClient, logged in):

- GET  /admin/dashboard             as the admin (all four communities) and as a worker (one)
- GET  /admin/dashboard             right after a status change (the rollup refreshes one day first)
- POST /admin/rounds/{id}/propose   the planner ranking every service from the demand data
- GET  /admin/rounds/{id}           the plan page (stored lines)

and the queries alone: the dashboard's report and the planner's candidates from the rollup against
the same from the rows (admin.demand.demand_live, admin.plan.gather_live), and nlp.heat.rank.
Prints medians; nothing is kept.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from _support import throwaway_postgres  # noqa: E402
from sqlalchemy import bindparam, insert, text  # noqa: E402


def texts() -> list[tuple[str, str]]:
    for path in (ROOT / "nlp/data/seed_train.jsonl", Path("/tmp/devseed/seed_train.jsonl")):
        if path.exists():
            rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
            return [(r["text"], r["category"]) for r in rows]
    return [("楼道灯坏了", "facility_repair"), ("希望开办四点半课堂", "child_youth"), ("老人需要助餐", "elderly_care")]


def populate(url: str, rows: int, seed: int = 7) -> dict:
    """Schema by migration, then data by executemany in batches (not timed as part of the results)."""
    os.environ["DATABASE_URL"] = url
    from core.settings import get_settings

    get_settings.cache_clear()
    from sqlmodel import Session

    from core.accounts import create_user
    from core.db import get_engine
    from core.migrate import upgrade
    from core.models import (
        Cluster,
        Place,
        PlaceKind,
        PurchaseRound,
        Rating,
        Resident,
        ServiceRequest,
    )
    from core.taxonomy import sync_categories

    get_engine.cache_clear()
    engine = get_engine()
    upgrade(engine)
    rnd = random.Random(seed)
    with Session(engine) as s:
        sync_categories(s)
        street = Place(kind=PlaceKind.street, name="基准街道", code="B")
        s.add(street)
        s.flush()
        communities, compounds = [], {}
        for c in range(4):
            p = Place(kind=PlaceKind.community, name=f"社区{c}", code=f"B-{c}", parent_id=street.id)
            s.add(p)
            s.flush()
            communities.append(p.id)
            compounds[p.id] = []
            for k in range(4):
                q = Place(kind=PlaceKind.compound, name=f"社区{c}小区{k}", code=f"B-{c}-{k}", parent_id=p.id)
                s.add(q)
                s.flush()
                compounds[p.id].append(q.id)
        create_user(s, "bench_admin", "bench-admin-pass", "admin")
        create_user(s, "bench_worker", "bench-worker-pass", "worker", communities=["B-1"])
        round_ = PurchaseRound(name="基准轮次", place_id=street.id, budget_cents=800_000_00)
        s.add(round_)
        s.commit()
        round_id = round_.id
        clusters = []
        for i in range(300):
            c = Cluster(title=f"热点{i}", place_id=rnd.choice(communities), size=0)
            s.add(c)
            clusters.append(c)
        s.commit()
        cluster_ids = [c.id for c in clusters]

    n_residents = max(1000, rows // 5)
    now = dt.datetime.now(dt.UTC)
    sample = texts()
    # Bulk load as one would: secondary indexes of the two big tables dropped first, rebuilt after,
    # one transaction per batch (the definitions are read back from the database, so they are exact).
    indexes = saved_indexes(engine, ("request", "rating"))
    with engine.begin() as conn:
        for name in indexes:
            conn.execute(text(f"DROP INDEX {name}"))
    t0 = time.perf_counter()
    with engine.begin() as conn:
        batch = [{"language": "zh", "consent_contact": False, "created_at": now} for _ in range(10_000)]
        for _ in range(0, n_residents, 10_000):
            conn.execute(insert(Resident.__table__), batch)
    first_resident = 1
    statuses = ["received", "accepted", "in_progress", "resolved", "resolved", "resolved", "not_actionable"]
    batch_size = 20_000
    made = 0
    rating_rows = []
    while made < rows:
        batch = []
        for i in range(made, min(rows, made + batch_size)):
            body, category = sample[rnd.randrange(len(sample))]
            community = rnd.choice(communities)
            created = now - dt.timedelta(days=rnd.triangular(0, 730, 30), seconds=rnd.randrange(86400))
            old = (now - created).days
            status = statuses[rnd.randrange(len(statuses))] if old > 3 else "received"
            batch.append({
                "ticket": f"B{i:09d}", "text": body, "language": "zh", "channel": "web",
                "external_id": f"bench-{i}", "resident_id": first_resident + rnd.randrange(n_residents),
                "place_id": rnd.choice(compounds[community]), "community_id": community,
                "category_code": category, "kind": "need", "urgent": rnd.random() < 0.01,
                "confidence": rnd.random(), "keywords": [], "needs_review": rnd.random() < 0.05,
                "status": status, "cluster_id": rnd.choice(cluster_ids) if rnd.random() < 0.05 else None,
                "created_at": created, "updated_at": created,
                "resolved_at": created + dt.timedelta(days=3) if status == "resolved" else None,
            })
            if status == "resolved" and rnd.random() < 0.4:
                rating_rows.append({"request_id": i + 1, "score": rnd.choice([1, 2, 3, 4, 4, 5, 5, 5]),
                                    "comment": "", "channel": "web", "created_at": created + dt.timedelta(days=4)})
        with engine.begin() as conn:
            conn.execute(insert(ServiceRequest.__table__), batch)
        made += len(batch)
    with engine.begin() as conn:
        for i in range(0, len(rating_rows), batch_size):
            conn.execute(insert(Rating.__table__), rating_rows[i:i + batch_size])
    rows_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    with engine.begin() as conn:
        for sql in indexes.values():
            conn.execute(text(sql))
        conn.execute(text("UPDATE cluster SET size = (SELECT count(*) FROM request WHERE request.cluster_id = "
                          "cluster.id), updated_at = :now"), {"now": now})
    index_s = time.perf_counter() - t1
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))  # visibility map: index-only scans
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    from admin.demand import refresh

    t2 = time.perf_counter()
    with Session(engine) as s:
        refresh(s)  # the first read after migration or a bulk load builds every day
    rollup_s = time.perf_counter() - t2
    return {"engine": engine, "round_id": round_id, "load_s": rows_s, "index_s": index_s, "ratings": len(rating_rows),
            "rollup_s": rollup_s}


def saved_indexes(engine, tables) -> dict[str, str]:
    """name → CREATE INDEX statement of every secondary, non-unique index of these tables."""
    if engine.dialect.name == "sqlite":
        query = text("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                     "AND tbl_name IN :tables")
    else:
        query = text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN :tables")
    with engine.connect() as conn:
        rows = conn.execute(query.bindparams(bindparam("tables", expanding=True)), {"tables": list(tables)}).all()
    return {name: sql for name, sql in rows if "UNIQUE" not in sql.upper()}


def median_ms(fn, repeat: int) -> float:
    fn()  # warm caches and the template
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def login(client, username, password):
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    resp = client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                       follow_redirects=False)
    assert resp.status_code == 303, resp.text
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/admin/rounds").text).group(1)


def run(url: str, rows: int, repeat: int) -> dict:
    from fastapi.testclient import TestClient
    from sqlmodel import Session, select

    from admin import plan
    from admin.demand import demand, demand_live
    from app.main import create_app
    from core.models import PurchaseRound, StaffUser
    from nlp.heat import rank

    info = populate(url, rows)
    engine, round_id = info["engine"], info["round_id"]
    out = {"load_s": round(info["load_s"], 1), "index_s": round(info["index_s"], 1),
           "rollup_s": round(info["rollup_s"], 1), "ratings": info["ratings"]}
    app = create_app()
    with TestClient(app) as admin_client, TestClient(app) as worker_client:
        token = login(admin_client, "bench_admin", "bench-admin-pass")
        login(worker_client, "bench_worker", "bench-worker-pass")

        def ok(resp):
            assert resp.status_code in (200, 303), resp.status_code
            return resp

        out["dashboard_admin_ms"] = median_ms(lambda: ok(admin_client.get("/admin/dashboard")), repeat)
        out["dashboard_worker_ms"] = median_ms(lambda: ok(worker_client.get("/admin/dashboard")), repeat)
        out["dashboard_24m_admin_ms"] = median_ms(lambda: ok(admin_client.get("/admin/dashboard?months=24")), repeat)
        statuses = iter(["resolved", "in_progress"] * (repeat + 1))

        def change_then_dashboard():  # a worker moves an old request on; its day is recomputed first
            with engine.begin() as conn:
                conn.execute(text("UPDATE request SET status = :s WHERE id = 1000"), {"s": next(statuses)})
            return ok(admin_client.get("/admin/dashboard"))

        out["dashboard_after_change_ms"] = median_ms(change_then_dashboard, repeat)
        out["planner_propose_ms"] = median_ms(lambda: ok(admin_client.post(
            f"/admin/rounds/{round_id}/propose", data={"csrf_token": token}, follow_redirects=False)), repeat)
        out["planner_page_ms"] = median_ms(lambda: ok(admin_client.get(f"/admin/rounds/{round_id}")), repeat)
        out["inbox_ms"] = median_ms(lambda: ok(admin_client.get("/admin")), repeat)

    # the queries alone: rollup against rows
    with Session(engine) as s:
        admin = s.exec(select(StaffUser).where(StaffUser.username == "bench_admin")).one()
        rnd = s.get(PurchaseRound, round_id)
        out["demand_queries_ms"] = median_ms(lambda: demand(s, admin, months=12), repeat)
        out["demand_live_queries_ms"] = median_ms(lambda: demand_live(s, admin, months=12), max(3, repeat // 2))
        out["planner_gather_ms"] = median_ms(lambda: plan.gather(s, admin, rnd), repeat)
        out["planner_gather_live_ms"] = median_ms(lambda: plan.gather_live(s, admin, rnd), max(3, repeat // 2))
        out["heat_rank_ms"] = median_ms(lambda: rank(s, limit=10), repeat)
    engine.dispose()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    ap.add_argument("--postgres", default=os.environ.get("TEST_POSTGRES_URL",
                                                         "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    args = ap.parse_args()
    os.environ.setdefault("ENVIRONMENT", "test")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    tmp = Path(tempfile.mkdtemp(prefix="needs-bench-"))
    os.environ["VAR_DIR"] = str(tmp / "var")
    results = {}
    if args.db in ("sqlite", "both"):
        results["sqlite"] = run(f"sqlite:///{tmp / 'bench.sqlite3'}", args.rows, args.repeat)
        print("sqlite", json.dumps(results["sqlite"]), flush=True)
    if args.db in ("postgres", "both"):
        with throwaway_postgres(args.postgres, "needs_bench") as url:
            if url:
                results["postgres"] = run(url, args.rows, args.repeat)
                print("postgres", json.dumps(results["postgres"]), flush=True)
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"\nmedians over {args.repeat} runs, {args.rows:,} requests")
    keys = [k for k in next(iter(results.values())) if k.endswith("_ms")]
    print(f"{'':42}" + "".join(f"{db:>12}" for db in results))
    for k in keys:
        print(f"{k:42}" + "".join(f"{results[db][k]:>12.1f}" for db in results))
    for k in ("load_s", "index_s", "rollup_s", "ratings"):
        print(f"{k:42}" + "".join(f"{results[db][k]:>12}" for db in results))


if __name__ == "__main__":
    main()
