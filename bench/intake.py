"""Intake throughput and latency: the one intake service, in process and over HTTP, on SQLite and PostgreSQL.

    .venv/bin/python bench/intake.py [--n 300] [--http-n 400] [--postgres URL]

Prints medians and p99 per backend. A model is trained into a temp dir first (not timed).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _support import pct, serve, throwaway_postgres  # noqa: E402

TEXTS = ["3号楼楼道灯坏了一个星期，晚上老人下楼很危险", "希望社区开办四点半课堂，孩子放学没人接",
         "小区门口垃圾堆了三天没人清运，味道很大", "电动车在楼道里充电，太危险了",
         "想报名当社区志愿者，怎么报名？", "楼下广场舞音乐太吵了，晚上十点还在跳"]


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


def in_process(engine, n: int) -> list[float]:
    from sqlmodel import Session

    from intake.service import IntakeIn, submit

    lat = []
    with Session(engine) as s:
        submit(s, IntakeIn(text=TEXTS[0], external_id=f"warm-{uuid.uuid4().hex}"))  # first call loads tables
        for i in range(n):
            t0 = time.perf_counter()
            submit(s, IntakeIn(text=TEXTS[i % len(TEXTS)], external_id=f"bench-{uuid.uuid4().hex}"))
            lat.append((time.perf_counter() - t0) * 1000)
    return lat


def over_http(url: str, var: Path, n: int, concurrency: int = 8):
    with serve(url, var) as base:
        client = httpx.Client(base_url=base, timeout=30, limits=httpx.Limits(max_connections=concurrency))

        def one(i):
            t0 = time.perf_counter()
            r = client.post("/api/v1/requests", json={"text": TEXTS[i % len(TEXTS)], "external_id": uuid.uuid4().hex})
            assert r.status_code == 201, r.text
            return (time.perf_counter() - t0) * 1000

        t0 = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            lat = list(pool.map(one, range(n)))
        return lat, n / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--http-n", type=int, default=400)
    ap.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = ap.parse_args()

    from nlp.dataset import SEED_TRAIN, read_jsonl
    from nlp.train import train

    tmp = Path(tempfile.mkdtemp(prefix="needs-bench-"))
    model_dir = train(read_jsonl(SEED_TRAIN), tmp / "models")
    with throwaway_postgres(args.postgres, "needs_bench") as pg_url:
        backends = {"sqlite": f"sqlite:///{tmp / 'bench.sqlite3'}", "postgres": pg_url}
        for name, url in backends.items():
            if url is None:
                continue
            engine = prepare(url, model_dir)
            lat = in_process(engine, args.n)
            engine.dispose()
            print(f"{name:8s} in-process submit   n={args.n}  p50={statistics.median(lat):.1f} ms  "
                  f"p99={pct(lat, 0.99):.1f} ms  ({1000 / statistics.median(lat):.0f}/s sequential)")
            hl, rate = over_http(url, tmp / "var", args.http_n)
            print(f"{name:8s} HTTP POST /api/v1/requests  n={args.http_n} concurrency=8  {rate:.0f} req/s  "
                  f"p50={statistics.median(hl):.1f} ms  p99={pct(hl, 0.99):.1f} ms")


if __name__ == "__main__":
    main()
