"""Updates per second and p99 latency: through the dialog engine alone, and through each adapter.

The adapters run their real framework code by long polling the fake Bot API server of the tests
(127.0.0.1), so the figures include parsing updates and the HTTP calls of every reply.

Usage:
    .venv/bin/python bench/bot_throughput.py                       # SQLite in a temp dir
    .venv/bin/python bench/bot_throughput.py --db postgresql+psycopg://postgres@127.0.0.1:5432/bench_bot
    .venv/bin/python bench/bot_throughput.py --updates 300 --rounds 3 --users 20

Two workloads: "commands" (/status, /help, unknown commands: the dialog and database path) and
"intake" (a need written, the category confirmed, consent declined: classification and intake).
Prints the median over rounds of updates/s and of the p50/p99 latency per update.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TEXTS = ["A小区1 楼道灯坏了一个星期，晚上黑漆漆的", "A小区2 门口的垃圾桶满了好几天没人清理", "B小区1 希望社区办个老年食堂",
         "B小区2 停车位太少了，晚上回来没地方停", "A小区1 健身器材坏了，螺丝都松了"]
COMMANDS = ["/status", "/help", "/frobnicate", "我的需求"]


def setup_database(url: str | None, tmp: Path, model: bool) -> str:
    url = url or f"sqlite:///{tmp / 'bench.sqlite3'}"
    os.environ.update(DATABASE_URL=url, VAR_DIR=str(tmp / "var"), ENVIRONMENT="test", LOG_LEVEL="WARNING")
    from sqlalchemy import text
    from sqlmodel import Session

    from core.db import get_engine
    from core.migrate import upgrade
    from core.taxonomy import sync_categories
    from tests.factories import make_places

    engine = get_engine()
    if not url.startswith("sqlite"):
        with engine.connect() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
            conn.commit()
    upgrade(engine)
    with Session(engine) as s:
        sync_categories(s)
        make_places(s)
        if model:
            from nlp.dataset import SEED_TRAIN, read_jsonl
            from nlp.registry import register
            from nlp.train import train

            register(s, train(read_jsonl(SEED_TRAIN), tmp / "models"))
    return url


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


# --- the engine alone ---------------------------------------------------------------------------

def engine_round(workload: str, n: int, users: int, offset: int) -> tuple[float, list[float]]:
    from bot.engine import Dialog
    from bot.types import Incoming

    dialog = Dialog(rate_limit=10**6)
    latencies = []
    started = time.perf_counter()
    done = 0
    user = 0
    while done < n:
        user = (user + 1) % users
        chat = str(offset + user)

        def step(chat=chat, **kw):
            nonlocal done
            key = offset * 1000 + done
            inc = Incoming(channel="telegram", chat_id=chat, user_id=chat, update_key=f"bench:{key}",
                           message_id=key, **kw)
            t0 = time.perf_counter()
            outcome = dialog.handle(inc)
            latencies.append(time.perf_counter() - t0)
            done += 1
            return outcome

        if workload == "commands":
            step(text=COMMANDS[done % len(COMMANDS)])
            continue
        step(text=TEXTS[done % len(TEXTS)])
        outcome = step(callback="c:ok")
        buttons = [b.data for row in outcome.replies[-1].buttons for b in row] if outcome.replies else []
        step(callback="k:no") if "k:no" in buttons else step(text="/status")
    return done / (time.perf_counter() - started), latencies


# --- through an adapter -----------------------------------------------------------------------------

def adapter_round(framework: str, fake, workload: str, n: int, users: int, offset: int) -> tuple[float, list[float]]:
    from bot.engine import Dialog
    from bot.telegram import make_adapter

    holder: dict = {}
    ready = threading.Event()

    def run() -> None:
        loop = asyncio.new_event_loop()
        stop = asyncio.Event()
        holder["loop"], holder["stop"] = loop, stop
        adapter = make_adapter(framework, token=fake.token, api_base=fake.base_url, dialog=Dialog(rate_limit=10**6))
        holder["adapter"] = adapter
        ready.set()
        loop.run_until_complete(adapter.run(stop, poll_timeout=1, outbox_interval=5))
        loop.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    ready.wait()
    adapter = holder["adapter"]
    time.sleep(0.5)  # let polling start
    started = time.perf_counter()
    sent = 0
    for i in range(n // (1 if workload == "commands" else 3)):
        user = offset + (i % users)
        if workload == "commands":
            fake.message(user, COMMANDS[i % len(COMMANDS)])
            sent += 1
            continue
        # one conversation: each step waits for the bot's question, as a person would
        while adapter.handled < sent:
            time.sleep(0.001)
        before = adapter.handled
        fake.message(user, TEXTS[i % len(TEXTS)])
        while adapter.handled < before + 1:
            time.sleep(0.001)
        question = fake.sent_to(user)[-1]
        fake.press(user, question, "c:ok")
        while adapter.handled < before + 2:
            time.sleep(0.001)
        last = fake.sent_to(user)[-1]
        if "k:no" in last.button_data:
            fake.press(user, last, "k:no")  # first request of this resident: consent asked once
        else:
            fake.message(user, "/status")
        sent += 3
    while adapter.handled < sent:
        time.sleep(0.002)
    elapsed = time.perf_counter() - started
    holder["loop"].call_soon_threadsafe(holder["stop"].set)
    thread.join(20)
    return sent / elapsed, list(adapter.latencies)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", help="SQLAlchemy URL of a scratch database (its public schema is dropped)")
    parser.add_argument("--updates", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--frameworks", default="aiogram,ptb")
    parser.add_argument("--workloads", default="commands,intake")
    args = parser.parse_args()

    import logging

    logging.disable(logging.WARNING)
    tmp = Path(tempfile.mkdtemp(prefix="bench-bot-"))
    workloads = args.workloads.split(",")
    from nlp.dataset import SEED_TRAIN

    if "intake" in workloads and not Path(SEED_TRAIN).exists():
        print(f"no seed set at {SEED_TRAIN}: the intake workload needs a trained model; skipping it")
        workloads.remove("intake")
    url = setup_database(args.db, tmp, model="intake" in workloads)
    if "intake" in workloads:  # load the model before timing anything
        from sqlmodel import Session

        from core.db import get_engine
        from nlp.registry import get_classifier

        with Session(get_engine()) as s:
            get_classifier(s).predict(TEXTS)
    print(f"database: {url.split('@')[-1]}  updates/round: {args.updates}  rounds: {args.rounds}  users: {args.users}")
    from tests.bot.fake_telegram import FakeTelegram

    fake = FakeTelegram(max_hold=1.0).start()
    rows = []
    offset = 10_000
    for workload in workloads:
        targets = ["engine", *args.frameworks.split(",")]
        for target in targets:
            rates, p50s, p99s = [], [], []
            for _ in range(args.rounds):
                offset += 1000
                if target == "engine":
                    rate, lat = engine_round(workload, args.updates, args.users, offset)
                else:
                    fake.reset()
                    rate, lat = adapter_round(target, fake, workload, args.updates, args.users, offset)
                rates.append(rate)
                p50s.append(pct(lat, 0.50) * 1000)
                p99s.append(pct(lat, 0.99) * 1000)
            rows.append((workload, target, statistics.median(rates), statistics.median(p50s), statistics.median(p99s)))
            print(f"{workload:9} {target:8} {rows[-1][2]:8.1f} updates/s   p50 {rows[-1][3]:7.1f} ms   "
                  f"p99 {rows[-1][4]:7.1f} ms", flush=True)
    fake.stop()


if __name__ == "__main__":
    main()
