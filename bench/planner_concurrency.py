"""Does the planner stall other requests? Latency of light requests while "rank and propose" runs.

    .venv/bin/python bench/planner_concurrency.py [--rows 300000] [--seconds 15] [--clients 4]

Builds a throw-away SQLite database with bench/admin_dashboard.py's loader (requests, ratings, a
purchase round), starts a real `needs serve` process (one worker) on it, and measures GET /login
(a page that renders a template and touches the session) from `--clients` concurrent clients:

1. alone, for `--seconds`;
2. while one more client posts /admin/rounds/{id}/propose back to back for the same time.

With the planner's database work inside an `async def` route, every light request queued behind a
proposal waits for all of it (the event loop is blocked); with plain `def` routes it runs in the
thread pool and the light requests keep being served. Prints p50/p99 of the light requests in both
phases and the proposals' own median.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _support import pct, serve  # noqa: E402
from admin_dashboard import populate  # noqa: E402


def light_load(base: str, clients: int, seconds: float) -> list[float]:
    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client() -> None:
        with httpx.Client(base_url=base, timeout=30) as http:
            while time.monotonic() < stop:
                t0 = time.perf_counter()
                assert http.get("/login").status_code == 200
                with lock:
                    latencies.append(time.perf_counter() - t0)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies


def proposer(base: str, round_id: int, stop: threading.Event, out: list[float]) -> None:
    with httpx.Client(base_url=base, timeout=60) as http:
        page = http.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        resp = http.post("/login", data={"username": "bench_admin", "password": "bench-admin-pass",
                                         "csrf_token": token})
        assert resp.status_code in (200, 303), resp.status_code
        token = re.search(r'name="csrf_token" value="([^"]+)"', http.get("/admin/rounds").text).group(1)
        while not stop.is_set():
            t0 = time.perf_counter()
            resp = http.post(f"/admin/rounds/{round_id}/propose", data={"csrf_token": token}, follow_redirects=False)
            assert resp.status_code == 303, resp.status_code
            out.append(time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=300_000)
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--clients", type=int, default=4)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="needs-bench-"))
    os.environ.update(ENVIRONMENT="test", LOG_LEVEL="WARNING", VAR_DIR=str(tmp / "var"))
    url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    try:
        info = populate(url, args.rows)
        info["engine"].dispose()
        with serve(url, tmp / "var") as base:
            light_load(base, args.clients, 2)  # warm-up
            alone = light_load(base, args.clients, args.seconds)
            stop, proposals = threading.Event(), []
            thread = threading.Thread(target=proposer, args=(base, info["round_id"], stop, proposals))
            thread.start()
            time.sleep(1)
            loaded = light_load(base, args.clients, args.seconds)
            stop.set()
            thread.join()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    ms = 1000
    print(f"{args.rows:,} requests, {args.clients} light clients, {args.seconds:.0f} s per phase")
    print(f"GET /login alone            n={len(alone):5d}  p50={pct(alone, .5) * ms:7.1f} ms"
          f"  p99={pct(alone, .99) * ms:7.1f} ms  {len(alone) / args.seconds:6.1f}/s")
    print(f"GET /login during proposals n={len(loaded):5d}  p50={pct(loaded, .5) * ms:7.1f} ms"
          f"  p99={pct(loaded, .99) * ms:7.1f} ms  {len(loaded) / args.seconds:6.1f}/s")
    print(f"POST propose                n={len(proposals):5d}  median={statistics.median(proposals) * ms:7.1f} ms")


if __name__ == "__main__":
    main()
