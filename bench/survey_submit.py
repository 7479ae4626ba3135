"""Survey submissions per second, and a count that nothing was lost or stored twice.

    .venv/bin/python bench/survey_submit.py [--n 300] [--http-n 400] [--rounds 3] [--concurrency 8]
                                            [--postgres URL] [--no-postgres]

For each backend (a temp SQLite file; a throw-away PostgreSQL database when the server answers):
  1. in process: `survey.service.submit_response`, one after another;
  2. HTTP JSON: POST /api/v1/surveys/{id}/responses from --concurrency threads against uvicorn;
  3. HTTP form: POST /s/{slug} as a browser does (session cookie, CSRF token, nonce).
A third of the submissions (--need-every 3) carry a written need (it goes through intake and the classifier); one in
ten HTTP submissions is sent twice (same Idempotency-Key or nonce), as a double click or a retry
would. Afterwards the database must hold exactly one response per distinct submission and one
request per written need: the script prints lost=0 dup=0 or exits with status 1.
Prints medians over the rounds. A model is trained into a temp dir first (not timed).
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from sqlalchemy import func
from sqlmodel import Session, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _support import pct, serve, throwaway_postgres  # noqa: E402

NEEDS = ["希望小区里开一个老年食堂，老人做饭不方便", "孩子放学后没人照看，希望有四点半课堂",
         "楼下健身器材坏了很久，希望尽快维修", "希望社区多组织一些文体活动"]


NEED_EVERY = 3  # one submission in three carries a written need (--need-every; 0: none)


def answers(i: int, compound_id: int) -> dict:
    a = {"age": "o60" if i % 2 else "u35", "overall": 1 + i % 5, "recommend": i % 11,
         "agree": {"safe": 1 + i % 5, "clean": 1 + (i // 5) % 5}, "household": 1 + i % 6,
         "since": f"20{10 + i % 15}-0{1 + i % 9}-15", "home": compound_id}
    if i % 2:
        a["elder_help"] = ["meal"] if i % 4 == 1 else ["bath"]
    if NEED_EVERY and i % NEED_EVERY == 0:
        a["need"] = NEEDS[i % len(NEEDS)] + f"（{i}号）"
    return a


def prepare(url: str, model_dir: Path) -> tuple:
    from core.db import make_engine
    from core.migrate import upgrade
    from core.taxonomy import sync_categories
    from nlp.registry import register
    from tests.factories import make_places
    from tests.survey.factories import make_survey

    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as s:
        sync_categories(s)
        register(s, model_dir)
        compound = make_places(s)["compound_A1"].id
        survey = make_survey(s).id
    return engine, survey, compound


def counts(engine, survey_id: int) -> tuple[int, int]:
    from core.models import ServiceRequest, SurveyResponse

    with Session(engine) as s:
        responses = s.exec(select(func.count()).select_from(SurveyResponse)
                           .where(SurveyResponse.survey_id == survey_id)).one()
        requests = s.exec(select(func.count()).select_from(ServiceRequest).where(ServiceRequest.channel == "survey")).one()
    return responses, requests


def in_process(engine, survey_id: int, compound: int, n: int, start: int) -> tuple[list[float], float]:
    from core.models import Survey
    from survey.service import submit_response

    lat = []
    with Session(engine) as s:
        survey = s.get(Survey, survey_id)
        t0 = time.perf_counter()
        for i in range(start, start + n):
            t1 = time.perf_counter()
            submit_response(s, survey, answers(i, compound), respondent_key=f"bench:{i}", channel="web")
            lat.append((time.perf_counter() - t1) * 1000)
        rate = n / (time.perf_counter() - t0)
    return lat, rate


def over_http(base: str, survey_id: int, compound: int, n: int, start: int, concurrency: int, form: bool):
    """n distinct submissions (every tenth sent twice); returns latencies, rate and distinct count."""
    local = threading.local()

    def client() -> httpx.Client:
        if not hasattr(local, "c"):
            local.c = httpx.Client(base_url=base, timeout=60)
            if form:
                page = local.c.get("/s/all-types")
                local.csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        return local.c

    def one(i: int) -> float:
        c = client()
        a = answers(i, compound)
        key = uuid.uuid4().hex
        t0 = time.perf_counter()
        for _ in range(2 if i % 10 == 0 else 1):
            if form:
                data = {"csrf_token": local.csrf, "nonce": key}
                for qid, v in a.items():
                    if isinstance(v, dict):
                        data.update({f"{qid}.{row}": str(x) for row, x in v.items()})
                    else:
                        data[qid] = [str(x) for x in v] if isinstance(v, list) else str(v)
                r = c.post("/s/all-types", data=data, follow_redirects=False)
                assert r.status_code == 303, (r.status_code, r.text[:500])
            else:
                r = c.post(f"/api/v1/surveys/{survey_id}/responses", json={"answers": a},
                           headers={"Idempotency-Key": key})
                assert r.status_code == 201, (r.status_code, r.text[:500])
        return (time.perf_counter() - t0) * 1000

    t0 = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        lat = list(pool.map(one, range(start, start + n)))
    return lat, n / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--http-n", type=int, default=400)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    ap.add_argument("--no-postgres", action="store_true")
    ap.add_argument("--need-every", type=int, default=3, help="a written need in every k-th submission; 0: none")
    args = ap.parse_args()
    global NEED_EVERY
    NEED_EVERY = args.need_every

    from nlp.dataset import SEED_TRAIN, read_jsonl
    from nlp.train import train

    tmp = Path(tempfile.mkdtemp(prefix="needs-survey-bench-"))
    model_dir = train(read_jsonl(SEED_TRAIN), tmp / "models")
    backends = {"sqlite": f"sqlite:///{tmp / 'bench.sqlite3'}"}
    ok = True
    with throwaway_postgres(None if args.no_postgres else args.postgres, "needs_survey_bench") as pg_url:
        if pg_url:
            backends["postgres"] = pg_url
        for name, url in backends.items():
            engine, survey_id, compound = prepare(url, model_dir)
            # warm-up, not timed: the classifier and jieba load on first use in each process
            in_process(engine, survey_id, compound, 3, 0)
            expected = start = 3
            rates, lats = [], []
            for _ in range(args.rounds):
                lat, rate = in_process(engine, survey_id, compound, args.n, start)
                rates.append(rate)
                lats += lat
                start += args.n
            expected += args.n * args.rounds
            print(f"{name:8s} in-process submit_response  n={args.n}×{args.rounds}  "
                  f"{statistics.median(rates):.0f}/s  p50={statistics.median(lats):.1f} ms  p99={pct(lats, 0.99):.1f} ms")
            # every request comes from 127.0.0.1 here: lift the per-address limit
            with serve(url, tmp / "var", SURVEY_RATE_LIMIT="100000000", PUBLIC_RATE_LIMIT="0") as base:
                over_http(base, survey_id, compound, 3, start, 1, False)  # warm-up, not timed
                expected += 3
                start += 3
                for form in (False, True):
                    rates, lats = [], []
                    for _ in range(args.rounds):
                        lat, rate = over_http(base, survey_id, compound, args.http_n, start, args.concurrency, form)
                        rates.append(rate)
                        lats += lat
                        start += args.http_n
                    expected += args.http_n * args.rounds
                    label = "HTTP POST /s/{slug} (form)" if form else "HTTP POST /api/v1/surveys/{id}/responses"
                    print(f"{name:8s} {label}  n={args.http_n}×{args.rounds} (+10% resent) concurrency="
                          f"{args.concurrency}  {statistics.median(rates):.0f}/s  p50={statistics.median(lats):.1f} ms"
                          f"  p99={pct(lats, 0.99):.1f} ms")
            responses, requests = counts(engine, survey_id)
            needs = sum(1 for i in range(start) if NEED_EVERY and i % NEED_EVERY == 0)
            lost, dup = max(0, expected - responses), max(0, responses - expected)
            print(f"{name:8s} check: responses {responses}/{expected}, requests from needs {requests}/{needs}  "
                  f"lost={lost} dup={dup}")
            ok = ok and responses == expected and requests == needs
            engine.dispose()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
