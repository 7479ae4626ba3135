"""Importing existing records: `needs import requests` on a ledger of 100,000 rows, with classification
and clustering, on SQLite and PostgreSQL.

    .venv/bin/python bench/import_records.py [--rows 100000] [--postgres URL] [--model DIR] [--repeat 1]

A model is trained into a temp dir first unless --model is given (not timed). Each run imports a
generated CSV (20 compounds, a year of dates, statuses, a fifth with their category given) into a
fresh database through the real command in a child process, and prints rows per second and the
child's peak memory (maximum resident set size); then imports the same file again (everything
unchanged) to show what idempotence costs.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from _support import throwaway_postgres  # noqa: E402

COMMUNITIES = {"枫桥社区": ["枫桥一村", "枫桥二村", "锦绣花园", "运河人家", "星湖苑"],
               "桐泾社区": ["桐泾新村", "桐泾苑", "南门公寓", "湖畔名邸", "观澜花园"],
               "白莲社区": ["白莲小区", "莲香苑", "荷塘月色", "工人新村", "和平里"],
               "新湖社区": ["新湖花园", "湖滨公寓", "星湖湾", "东港新村", "翠竹园"]}
STATUSES = ["已办结"] * 6 + ["办理中", "已受理", "已收到", ""]
CATEGORIES = ["养老服务", "环境卫生", "设施维修", "停车交通", "elderly_care", "safety"]


def places_file(path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["kind", "name", "code", "parent_code", "aliases"])
        for c, (community, compounds) in enumerate(COMMUNITIES.items(), 1):
            w.writerow(["community", community, f"C{c}", "ST", ""])
            for k, name in enumerate(compounds, 1):
                w.writerow(["compound", name, f"C{c}-{k}", f"C{c}", f"{name[:2]}{k}号院"])
    return path


def records_file(path: Path, n: int, seed: int = 7) -> Path:
    from nlp.dataset import SEED_TEST, SEED_TRAIN, read_jsonl

    rnd = random.Random(seed)
    texts = [e.text for e in read_jsonl(SEED_TRAIN) + read_jsonl(SEED_TEST)]
    compounds = [name for names in COMMUNITIES.values() for name in names]
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["工单编号", "来电时间", "诉求内容", "地址", "状态", "答复", "类别"])
        for i in range(n):
            place = rnd.choice(compounds)
            text = rnd.choice(texts)
            if rnd.random() < 0.5:  # ledgers often write the building into the text
                text = f"{place}{rnd.randint(1, 30)}栋：{text}"
            day = rnd.randint(0, 364)
            w.writerow([f"WO{i:07d}", f"2025-{1 + day // 31 % 12}-{1 + day % 28} {rnd.randint(7, 21)}:{rnd.randint(0, 59):02d}",
                        text, place, rnd.choice(STATUSES), "已联系物业处理" if rnd.random() < 0.3 else "",
                        rnd.choice(CATEGORIES) if rnd.random() < 0.2 else ""])
    return path


def needs(env: dict, *args: str, check: bool = True) -> tuple[float, str, str]:
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "app.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise RuntimeError(f"needs {' '.join(args)} failed: {proc.stderr[-2000:]}")
    return time.perf_counter() - t0, proc.stdout, proc.stderr


def run(url: str, var: Path, model: Path, records: Path, places: Path, rows: int) -> dict:
    env = {**os.environ, "DATABASE_URL": url, "VAR_DIR": str(var), "MODEL_PATH": str(model), "LOG_LEVEL": "WARNING",
           "PYTHONPATH": str(ROOT)}
    pw = var / "pw"
    var.mkdir(parents=True, exist_ok=True)
    pw.write_text("bench-admin-pass")
    needs(env, "setup", "--admin", "admin", "--password-file", str(pw), "--street", "基准街道", "--yes")
    needs(env, "places", "import", str(places))
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    seconds, out, _ = needs(env, "import", "requests", str(records))
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    again, out2, _ = needs(env, "import", "requests", str(records))
    counts = _counts(url)
    return {"rows": rows, "seconds": round(seconds, 1), "rows_per_s": round(rows / seconds),
            "peak_rss_mib": round(peak_kib / 1024) if peak_kib > before else f"<= {round(before / 1024)}",
            "summary": out.strip().splitlines()[-1], "again_seconds": round(again, 1),
            "again": out2.strip().splitlines()[-1], **counts}


def _counts(url: str) -> dict:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        out = {"requests": conn.execute(text("SELECT count(*) FROM request")).scalar(),
               "classified": conn.execute(text("SELECT count(*) FROM request WHERE model_version IS NOT NULL")).scalar(),
               "clustered": conn.execute(text("SELECT count(*) FROM request WHERE cluster_id IS NOT NULL")).scalar(),
               "clusters": conn.execute(text("SELECT count(*) FROM cluster")).scalar()}
    engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--postgres", default=os.environ.get("BENCH_POSTGRES_URL",
                                                            "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--model", type=Path, help="a trained model directory (default: train one now)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per backend (the median is printed)")
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        model = args.model
        if model is None:
            from nlp.dataset import SEED_TRAIN, read_jsonl
            from nlp.train import train

            print("training a model (not timed)...", flush=True)
            model = train(read_jsonl(SEED_TRAIN), tmp / "models")
        records = records_file(tmp / "records.csv", args.rows)
        places = places_file(tmp / "places.csv")
        results = {}
        for backend in ("sqlite", "postgres"):
            if args.only and backend != args.only:
                continue
            runs = []
            for i in range(args.repeat):
                var = tmp / f"{backend}-{i}"
                if backend == "sqlite":
                    runs.append(run(f"sqlite:///{var / 'bench.sqlite3'}", var, model, records, places, args.rows))
                else:
                    with throwaway_postgres(args.postgres, "bench_import") as url:
                        if url is None:
                            break
                        runs.append(run(url, var, model, records, places, args.rows))
                print(backend, json.dumps(runs[-1], ensure_ascii=False), flush=True)
            if runs:
                results[backend] = {"median_rows_per_s": statistics.median(r["rows_per_s"] for r in runs),
                                    "runs": len(runs)}
        print(json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    main()
