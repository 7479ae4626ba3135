"""Soak: a steady mixed load against a real `needs serve`, then a count of what was lost or stored twice.

Usage:
    .venv/bin/python bench/soak.py                                  # 10 minutes, 60 req/s, SQLite, 1 process
    .venv/bin/python bench/soak.py --minutes 2 --workers 2 --db postgres
    .venv/bin/python bench/soak.py --minutes 10 --all               # SQLite and PostgreSQL, 1 and 2 processes

The load, open-loop (each request is sent at its scheduled time whether or not the earlier ones have
been answered): the need form (GET for the token once, then POSTs), the JSON API, Telegram updates
through the webhook (answered through a fake Bot API server on 127.0.0.1), survey submissions, and
the dashboard and inbox read by a signed-in admin. One write in twenty is sent twice, as a retrying
client would (the same external_id, nonce, update_id or Idempotency-Key). Rate limits are off.

Reported per kind: count, p50/p99 latency, errors; the achieved rate; the server's memory (RSS of
all its processes) at start and end; per minute of the run, the requests due, their p99 and the RSS
(where a stall or a growth happened); and, read back from the database afterwards, how many accepted
writes are missing (lost) or stored more than once (duplicated). Both must be 0.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._support import _free_port, pct, throwaway_postgres  # noqa: E402

PG_ADMIN = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
SECRET = "soak-webhook-secret"  # noqa: S105  the fake Bot API server's, on 127.0.0.1
# the mix, in requests out of 20
MIX = {"form": 3, "api": 5, "webhook": 4, "survey": 3, "dashboard": 2, "inbox": 3}
TEXTS = ["楼道灯坏了一个星期，晚上黑漆漆的", "门口的垃圾桶满了好几天没人清理", "希望社区办个老年食堂",
         "停车位太少了，晚上回来没地方停", "健身器材坏了，螺丝都松了", "电梯经常停运，老人上下楼很困难"]
SURVEY = [{"id": "overall", "type": "rating", "required": True, "label": {"zh": "总体满意度", "en": "Overall"}},
          {"id": "age", "type": "single", "label": {"zh": "年龄段", "en": "Age"},
           "options": [{"value": "u35", "label": {"zh": "35岁以下", "en": "Under 35"}},
                       {"value": "o60", "label": {"zh": "60岁及以上", "en": "60 or over"}}]}]


def prepare(url: str, var: Path, model_dir: Path | None) -> dict:
    """Migrate, load categories, places, an admin, a survey and the model; return their ids."""
    os.environ.update(DATABASE_URL=url, VAR_DIR=str(var), ENVIRONMENT="test")
    from sqlmodel import Session

    from core.accounts import create_user
    from core.db import get_engine
    from core.migrate import upgrade
    from core.models import Survey
    from core.settings import get_settings
    from core.taxonomy import sync_categories
    from tests.factories import make_places

    get_settings.cache_clear()
    get_engine.cache_clear()
    engine = get_engine()
    upgrade(engine)
    with Session(engine) as s:
        sync_categories(s)
        places = make_places(s)
        create_user(s, "soak", "soak-password-1", "admin")
        survey = Survey(slug="soak", title="满意度", questions=SURVEY, status="open")
        s.add(survey)
        s.commit()
        if model_dir is not None:
            from nlp.registry import register

            register(s, model_dir)
        out = {"survey": survey.id, "places": [places[k].id for k in ("compound_A1", "compound_A2", "compound_B1")]}
    engine.dispose()
    get_engine.cache_clear()
    return out


def train_model(into: Path) -> Path:
    from nlp.dataset import SEED_TRAIN, read_jsonl
    from nlp.train import train

    return train(read_jsonl(SEED_TRAIN), into)


def rss_kib(pid: int) -> int:
    """Resident memory of a process and all its descendants (uvicorn's workers), in KiB."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            status = Path(f"/proc/{p}/status").read_text()
            total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, AttributeError, ProcessLookupError):
            continue
    return total


@contextmanager
def server(url: str, var: Path, workers: int, fake_base: str, token: str, log: Path):
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url, "VAR_DIR": str(var), "LOG_LEVEL": "WARNING", "ENVIRONMENT": "test",
           "PUBLIC_RATE_LIMIT": "0", "SURVEY_RATE_LIMIT": str(10**9), "TELEGRAM_BOT_TOKEN": token,
           "TELEGRAM_API_BASE_URL": fake_base, "TELEGRAM_WEBHOOK_SECRET": SECRET, "PYTHONPATH": str(ROOT)}
    stderr = log.open("w")  # read after the run: the server's own account of what went wrong
    proc = subprocess.Popen([sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--workers", str(workers)],
                            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=stderr)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(1200):
            try:
                if httpx.get(base + "/healthz", timeout=2).status_code < 500:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None:
                raise RuntimeError("needs serve exited before answering")
            time.sleep(0.1)
        yield base, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:  # open keep-alive connections can hold a graceful stop
            proc.kill()
            proc.wait(10)
        stderr.close()


class Load:
    """Sends the mix at a steady rate and remembers every write that was accepted."""

    def __init__(self, base: str, ids: dict, rate: float, seconds: float, seed: int = 7):
        self.base, self.ids, self.rate, self.seconds = base, ids, rate, seconds
        self.rng = random.Random(seed)
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.failures: dict[str, int] = defaultdict(int)  # "kind status" or "kind exception" -> count
        self.accepted: dict[str, set[str]] = defaultdict(set)  # kind -> keys stored by the server
        self.update_id = 10_000
        self.update_ids: dict[str, int] = {}  # delivery key -> Telegram update id (a resend keeps it)
        self.sent = 0
        self.start = 0.0
        self.by_minute: dict[int, list[float]] = defaultdict(list)  # minute of the run -> latencies

    async def run(self) -> float:
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
        async with httpx.AsyncClient(base_url=self.base, timeout=60, limits=limits) as public, \
                httpx.AsyncClient(base_url=self.base, timeout=60, limits=limits) as staff:
            self.public, self.staff = public, staff
            page = (await public.get("/")).text
            self.form_token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
            login = (await staff.get("/login")).text
            token = re.search(r'name="csrf_token" value="([^"]+)"', login).group(1)
            await staff.post("/login", data={"username": "soak", "password": "soak-password-1", "csrf_token": token})
            kinds = [k for k, n in MIX.items() for _ in range(n)]
            # requests in flight at once: more would only queue inside httpx, whose pool then spends
            # its time re-scanning the queue (the load generator, not the server, would be measured)
            self.in_flight = asyncio.Semaphore(48)
            tasks, start = [], time.perf_counter()
            self.start = start
            n = int(self.rate * self.seconds)
            for i in range(n):
                due = start + i / self.rate
                delay = due - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                kind = kinds[i % len(kinds)]
                repeat = kind in ("form", "api", "webhook", "survey") and self.rng.random() < 0.05
                tasks.append(asyncio.create_task(self.one(kind, repeat, due)))
                self.sent += 1 + repeat
            await asyncio.gather(*tasks)
            return time.perf_counter() - start

    async def one(self, kind: str, repeat: bool, due: float) -> None:
        """One request (and its resend); latency counts from when it was due, waiting included."""
        key = uuid.uuid4().hex
        for attempt in range(2 if repeat else 1):
            t0 = due if attempt == 0 else time.perf_counter()
            try:
                async with self.in_flight:
                    resp = await getattr(self, kind)(key)
                ok = resp.status_code < 400
            except httpx.HTTPError as exc:
                ok, resp = False, None
                self.failures[f"{kind} {type(exc).__name__}"] += 1
            self.latency[kind].append((time.perf_counter() - t0) * 1000)
            self.by_minute[int((due - self.start) // 60)].append(self.latency[kind][-1])
            if not ok:
                self.errors[kind] += 1
                if resp is not None:
                    self.failures[f"{kind} {resp.status_code}"] += 1
            elif kind in ("form", "api", "webhook", "survey"):
                self.accepted[kind].add(key if kind != "webhook" else str(self.update_ids[key]))

    def form(self, key):
        return self.public.post("/", data={"text": self.rng.choice(TEXTS), "nonce": key, "csrf_token": self.form_token,
                                           "place_id": str(self.rng.choice(self.ids["places"]))})

    def api(self, key):
        return self.public.post("/api/v1/requests", json={"text": self.rng.choice(TEXTS), "external_id": key,
                                                          "place_id": self.rng.choice(self.ids["places"])})

    def webhook(self, key):
        if key not in self.update_ids:
            self.update_id += 1
            self.update_ids[key] = self.update_id
        uid = self.update_ids[key]
        user = 5000 + uid % 200
        text = "/status" if uid % 2 else self.rng.choice(TEXTS)
        update = {"update_id": uid, "message": {"message_id": uid, "date": int(time.time()), "text": text,
                                                "chat": {"id": user, "type": "private", "first_name": "居民"},
                                                "from": {"id": user, "is_bot": False, "first_name": "居民"}}}
        if text.startswith("/"):
            update["message"]["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text)}]
        return self.public.post("/telegram/webhook/aiogram", json=update,
                                headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})

    def survey(self, key):
        return self.public.post(f"/api/v1/surveys/{self.ids['survey']}/responses",
                                json={"answers": {"overall": self.rng.randint(1, 5), "age": "u35"},
                                      "place_id": self.ids["places"][0]}, headers={"Idempotency-Key": key})

    def dashboard(self, key):
        return self.staff.get("/admin/dashboard")

    def inbox(self, key):
        return self.staff.get("/admin")


def warm_up(base: str, ids: dict, workers: int) -> None:
    """One of each kind per worker before the clock starts: the bot framework is imported on the first
    update (seconds of CPU), templates are compiled on first use."""
    load = Load(base, ids, rate=1, seconds=0, seed=1)

    async def warm():
        async with httpx.AsyncClient(base_url=base, timeout=120) as public, \
                httpx.AsyncClient(base_url=base, timeout=120) as staff:
            load.public, load.staff = public, staff
            load.form_token = re.search(r'name="csrf_token" value="([^"]+)"', (await public.get("/")).text).group(1)
            token = re.search(r'name="csrf_token" value="([^"]+)"', (await staff.get("/login")).text).group(1)
            await staff.post("/login", data={"username": "soak", "password": "soak-password-1", "csrf_token": token})
            for _ in range(4 * workers):  # new connections spread over the workers
                await asyncio.gather(*(getattr(load, kind)(f"warm-{uuid.uuid4().hex}") for kind in MIX))

    load.update_id = 1  # warm-up updates stay below the measured ones
    asyncio.run(warm())


def stored(url: str, load: Load) -> dict[str, tuple[int, int]]:
    """(lost, duplicated) per kind of write, read back from the database."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    out = {}
    with engine.connect() as conn:
        def counts(sql: str) -> dict[str, int]:
            found: dict[str, int] = defaultdict(int)
            for (value,) in conn.execute(text(sql)):
                found[value] += 1
            return found

        rows = {
            "form": {k[len("form:"):]: n for k, n in counts("SELECT external_id FROM request WHERE external_id LIKE 'form:%'").items()},
            "api": {k[len("api:"):]: n for k, n in counts("SELECT external_id FROM request WHERE external_id LIKE 'api:%'").items()},
            "webhook": {k.rsplit(":", 1)[-1]: n for k, n in counts(
                "SELECT update_key FROM processedupdate WHERE update_key LIKE 'tg:%'").items()},
            "survey": {k[len("api:"):]: n for k, n in counts(
                "SELECT respondent_key FROM surveyresponse WHERE respondent_key LIKE 'api:%'").items()},
        }
    engine.dispose()
    for kind, found in rows.items():
        accepted = load.accepted[kind]
        out[kind] = (sum(1 for k in accepted if k not in found), sum(1 for n in found.values() if n > 1))
    return out


def run_one(db: str, workers: int, minutes: float, rate: float, model_dir: Path | None) -> dict:
    from tests.bot.fake_telegram import FakeTelegram

    fake = FakeTelegram().start()
    with tempfile.TemporaryDirectory() as tmp, \
            throwaway_postgres(PG_ADMIN if db == "postgres" else None, "soak") as pg_url:
        if db == "postgres" and pg_url is None:
            raise SystemExit("PostgreSQL is not reachable")
        url = pg_url or f"sqlite:///{Path(tmp) / 'soak.sqlite3'}"
        var = Path(tmp) / "var"
        ids = prepare(url, var, model_dir)
        log = Path(tmp) / "server.log"
        with server(url, var, workers, fake.base_url, fake.token, log) as (base, pid):
            note(f"{db}, {workers} process(es): serving; warming up")
            warm_up(base, ids, workers)
            note(f"load at {rate}/s for {minutes} min")
            rss_start = rss_kib(pid)
            load = Load(base, ids, rate, minutes * 60)
            rss: list[int] = []  # each minute: where a stall or a growth happened, not only that it did
            sampling = threading.Event()

            def sample() -> None:
                while not sampling.wait(60):
                    rss.append(round(rss_kib(pid) / 1024))

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            elapsed = asyncio.run(load.run())
            sampling.set()
            sampler.join()
            rss_end = rss_kib(pid)
        integrity = stored(url, load)
        logged = [line for line in log.read_text(errors="replace").splitlines() if "ERROR" in line or "Error" in line]
    fake.stop()
    total = sum(len(v) for v in load.latency.values())
    return {
        "db": db, "workers": workers, "minutes": minutes, "target_rate": rate,
        "achieved_rate": round(total / elapsed, 1), "requests": total,
        "kinds": {k: {"n": len(v), "p50_ms": round(statistics.median(v), 1), "p99_ms": round(pct(v, 0.99), 1),
                      "errors": load.errors.get(k, 0)} for k, v in sorted(load.latency.items())},
        "rss_mib_start": round(rss_start / 1024), "rss_mib_end": round(rss_end / 1024),
        "by_minute": [{"minute": m + 1, "n": len(v), "p99_ms": round(pct(v, 0.99), 1),
                       "rss_mib": rss[m] if m < len(rss) else None} for m, v in sorted(load.by_minute.items())],
        "lost": sum(v[0] for v in integrity.values()), "duplicated": sum(v[1] for v in integrity.values()),
        "by_write": {k: {"lost": v[0], "duplicated": v[1]} for k, v in integrity.items()},
        "failures": dict(load.failures), "server_errors": logged[-20:],
    }


def note(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


def show(result: dict) -> None:
    print(f"\n== {result['db']}, {result['workers']} process(es), {result['minutes']} min at {result['target_rate']}/s: "
          f"{result['requests']} requests, {result['achieved_rate']}/s achieved")
    print(f"{'kind':<10}{'n':>7}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for kind, k in result["kinds"].items():
        print(f"{kind:<10}{k['n']:>7}{k['p50_ms']:>9}{k['p99_ms']:>9}{k['errors']:>8}")
    print(f"memory (RSS, all processes): {result['rss_mib_start']} MiB at start, {result['rss_mib_end']} MiB at end")
    print("by minute (requests due, p99 ms, RSS MiB at its end): " + "  ".join(
        f"{m['minute']}: {m['n']} {m['p99_ms']:.0f} {m['rss_mib'] or '-'}" for m in result["by_minute"]))
    if result["failures"]:
        print("failed requests:", result["failures"])
        print("\n".join(["server log, error lines (last 20):", *result["server_errors"]]))
    print(f"lost: {result['lost']}  duplicated: {result['duplicated']}  {result['by_write']}")
    print("json:", json.dumps(result, ensure_ascii=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=60.0, help="requests per second (at least 50 for the soak)")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--all", action="store_true", help="SQLite and PostgreSQL, 1 and 2 processes")
    parser.add_argument("--no-model", action="store_true", help="skip classification (requests wait for review)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as models:
        model_dir = None if args.no_model else train_model(Path(models))
        configs = [(db, w) for db in ("sqlite", "postgres") for w in (1, 2)] if args.all else [(args.db, args.workers)]
        failed = False
        for db, workers in configs:
            result = run_one(db, workers, args.minutes, args.rate, model_dir)
            show(result)
            failed |= result["lost"] > 0 or result["duplicated"] > 0
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
