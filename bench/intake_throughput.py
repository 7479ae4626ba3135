"""Intake against its ceiling: `POST /api/v1/requests` of `needs serve` beside a bare FastAPI insert.

    .venv/bin/python bench/intake_throughput.py [--seconds 20] [--rounds 3] [--clients 8] [--db sqlite|postgres|both]
        [--stages-n 300] [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test] [--before DIR]

For each backend (a temp SQLite file; a throw-away PostgreSQL database):
1. Stage costs in process: `--stages-n` submits through intake.service.submit, each stage timed by a
   wrapper around its function (validation, classification, clustering, notification; "persist" is
   the rest: look-ups, the insert, history rows, the commit). Medians per request.
2. Over HTTP, one process each, the same load generator (`--clients` concurrent keep-alive clients,
   one asyncio loop, realistic resident messages from nlp/data/seed_test.jsonl with a fresh
   external_id each), alternating in rounds of `--seconds`: the bare insert (bench/bare_insert_app.py)
   then the product (`needs serve`, classification and clustering on, PUBLIC_RATE_LIMIT=0).
   Prints each round's throughput and p99, and the medians of the rounds with the ratio.
   With `--before DIR` (a checkout of an earlier commit, e.g. `git worktree add /tmp/before 889738e`),
   that tree's `needs serve` joins the rounds as a third server on a database of its own, migrated and
   given a model by its own commands: before and after, measured by the same load in the same run.

A model is trained into a temp dir first (not timed). Nothing is kept.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from _support import pct, running, serve, throwaway_postgres  # noqa: E402


def texts() -> list[str]:
    path = ROOT / "nlp" / "data" / "seed_test.jsonl"
    return [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def prepare(url: str, model_dir: Path):
    from sqlmodel import Session

    from core.db import make_engine
    from core.migrate import upgrade
    from core.taxonomy import sync_categories
    from nlp.registry import register

    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as s:
        sync_categories(s)
        register(s, model_dir)
    return engine


STAGES = {"clean_text": "validation", "_predict": "classification", "_classify": "classification",
          "_cluster": "clustering", "_cluster_all": "clustering", "_notify": "notification"}


def stage_costs(engine, n: int, sample: list[str]) -> dict[str, float]:
    """Median milliseconds per request of each stage of intake.service.submit."""
    from sqlmodel import Session

    import intake.service as svc

    spent: dict[str, float] = defaultdict(float)
    originals = {name: getattr(svc, name) for name in STAGES if hasattr(svc, name)}

    def timed(name, fn):
        def wrapper(*args, **kw):
            t0 = time.perf_counter()
            try:
                return fn(*args, **kw)
            finally:
                spent[STAGES[name]] += time.perf_counter() - t0
        return wrapper

    per_stage: dict[str, list[float]] = defaultdict(list)
    try:
        for name, fn in originals.items():
            setattr(svc, name, timed(name, fn))
        with Session(engine) as s:
            svc.submit(s, svc.IntakeIn(text=sample[0], external_id=f"warm-{uuid.uuid4().hex}"))
            for i in range(n):
                spent.clear()
                t0 = time.perf_counter()
                svc.submit(s, svc.IntakeIn(text=sample[i % len(sample)], external_id=f"st-{uuid.uuid4().hex}"))
                total = time.perf_counter() - t0
                for stage in set(STAGES.values()):
                    per_stage[stage].append(spent.get(stage, 0.0) * 1000)
                per_stage["persist"].append((total - sum(spent.values())) * 1000)
                per_stage["total"].append(total * 1000)
    finally:
        for name, fn in originals.items():
            setattr(svc, name, fn)
    return {stage: statistics.median(v) for stage, v in per_stage.items()}


@contextmanager
def bare_server(database_url: str):
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}
    with running([sys.executable, "-m", "uvicorn", "--app-dir", str(ROOT / "bench"), "bare_insert_app:app",
                  "--port", "{port}", "--log-level", "warning", "--no-access-log"], "/docs", env) as base:
        yield base


async def _load(base: str, clients: int, seconds: float, sample: list[str]) -> tuple[float, list[float], int]:
    latencies: list[float] = []
    errors = 0
    stop = time.monotonic() + seconds

    async def client(k: int, http: httpx.AsyncClient) -> None:
        nonlocal errors
        i = k
        while time.monotonic() < stop:
            body = {"text": sample[i % len(sample)], "external_id": uuid.uuid4().hex}
            i += clients
            t0 = time.perf_counter()
            resp = await http.post("/api/v1/requests", json=body)
            latencies.append((time.perf_counter() - t0) * 1000)
            errors += resp.status_code != 201

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:
        t0 = time.perf_counter()
        await asyncio.gather(*(client(k, http) for k in range(clients)))
        elapsed = time.perf_counter() - t0
    return len(latencies) / elapsed, latencies, errors


def load(base, clients, seconds, sample):
    return asyncio.run(_load(base, clients, seconds, sample))


@contextmanager
def before_server(tree: Path, database_url: str, var_dir: Path):
    """`needs serve` of an earlier checkout (its CLI module is core.cli before app/ existed)."""
    module = "app.cli" if (tree / "app" / "cli.py").exists() else "core.cli"
    env = {**os.environ, "DATABASE_URL": database_url, "VAR_DIR": str(var_dir), "PYTHONPATH": str(tree),
           "LOG_LEVEL": "WARNING", "PUBLIC_RATE_LIMIT": "0"}
    env.pop("MODEL_PATH", None)
    for command in (["db", "upgrade"], ["nlp", "ensure-model"]):
        subprocess.run([sys.executable, "-m", module, *command], cwd=tree, env=env, check=True,
                       stdout=subprocess.DEVNULL)
    with running([sys.executable, "-m", module, "serve", "--port", "{port}"], "/healthz", env, cwd=tree) as base:
        yield base


def http_rounds(url: str, bare_url: str, var: Path, args, sample, before_url: str | None = None) -> dict:
    rows: dict[str, list] = {"bare": [], "intake": [], "before": []}
    with contextlib.ExitStack() as stack:
        servers = {"bare": stack.enter_context(bare_server(bare_url))}
        if before_url:
            servers["before"] = stack.enter_context(before_server(args.before, before_url, var.parent / "before-var"))
        servers["intake"] = stack.enter_context(serve(url, var, PUBLIC_RATE_LIMIT="0"))
        for base in servers.values():
            load(base, args.clients, 2, sample)  # warm-up: connections, first requests
        for r in range(args.rounds):
            for name, base in servers.items():
                rate, lat, errors = load(base, args.clients, args.seconds, sample)
                rows[name].append((rate, pct(lat, 0.5), pct(lat, 0.99), errors))
                print(f"  round {r + 1} {name:6s} {rate:7.1f} req/s  p50={pct(lat, .5):6.1f} ms  "
                      f"p99={pct(lat, .99):6.1f} ms  errors={errors}", flush=True)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--stages-n", type=int, default=300)
    ap.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    ap.add_argument("--before", type=Path, help="a checkout of an earlier commit, served beside this one")
    ap.add_argument("--postgres", default=os.environ.get("TEST_POSTGRES_URL",
                                                         "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    args = ap.parse_args()
    os.environ.update(ENVIRONMENT="test", LOG_LEVEL="WARNING")

    from nlp.dataset import SEED_TRAIN, read_jsonl
    from nlp.train import train

    tmp = Path(tempfile.mkdtemp(prefix="needs-bench-"))
    os.environ["VAR_DIR"] = str(tmp / "var")
    model_dir = train(read_jsonl(SEED_TRAIN), tmp / "models")
    sample = texts()
    pg_admin = args.postgres if args.db != "sqlite" else None
    with throwaway_postgres(pg_admin, "needs_bench") as pg, throwaway_postgres(pg_admin, "needs_bare") as pg_bare, \
            throwaway_postgres(pg_admin if args.before else None, "needs_before") as pg_before:
        backends = {}
        if args.db in ("sqlite", "both"):
            backends["sqlite"] = (f"sqlite:///{tmp / 'bench.sqlite3'}", f"sqlite:///{tmp / 'bare.sqlite3'}",
                                  f"sqlite:///{tmp / 'before.sqlite3'}" if args.before else None)
        if args.db in ("postgres", "both") and pg and pg_bare:
            backends["postgres"] = (pg, pg_bare, pg_before)
        for name, (url, bare_url, before_url) in backends.items():
            engine = prepare(url, model_dir)
            costs = stage_costs(engine, args.stages_n, sample)
            engine.dispose()
            print(f"{name}: stage medians per request over {args.stages_n} in-process submits (ms): "
                  + "  ".join(f"{k}={v:.2f}" for k, v in costs.items()), flush=True)
            rows = http_rounds(url, bare_url, tmp / "var", args, sample, before_url)
            bare_rate = statistics.median(r[0] for r in rows["bare"])
            rate = statistics.median(r[0] for r in rows["intake"])
            ratios = [i[0] / b[0] for i, b in zip(rows["intake"], rows["bare"], strict=True)]
            print(f"{name}: bare insert {bare_rate:.0f} req/s (p99 {statistics.median(r[2] for r in rows['bare']):.1f} ms)"
                  f"  intake {rate:.0f} req/s (p50 {statistics.median(r[1] for r in rows['intake']):.1f} ms,"
                  f" p99 {statistics.median(r[2] for r in rows['intake']):.1f} ms)"
                  f"  ratio median {statistics.median(ratios):.2f} (rounds: {', '.join(f'{x:.2f}' for x in ratios)})",
                  flush=True)
            if rows["before"]:
                before = statistics.median(r[0] for r in rows["before"])
                print(f"{name}: before ({args.before}) {before:.0f} req/s (p50 "
                      f"{statistics.median(r[1] for r in rows['before']):.1f} ms, p99 "
                      f"{statistics.median(r[2] for r in rows['before']):.1f} ms), ratio to bare "
                      f"{statistics.median(b[0] / r[0] for b, r in zip(rows['before'], rows['bare'], strict=True)):.2f};"
                      f" after/before {rate / before:.2f}", flush=True)


if __name__ == "__main__":
    main()
