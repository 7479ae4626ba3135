"""Speed of `needs nlp predict` against plain jieba.lcut over the same texts, in the same run.

    .venv/bin/python bench/nlp_predict.py [--model DIR] [--dataset messages.csv] [--repeat 3]

Both sides run as whole processes (interpreter start, imports, dictionary or model load):
`needs nlp predict` classifies every message (category, kind, urgency, confidence);
the baseline only segments the same messages with jieba.lcut. Also prints the model's load
time, per-message latency p50/p99 and resident memory; CPU time (user + system) alongside wall time,
as the steadier figure on a shared machine. Without --model a model is trained on
the seed set into a temporary directory first (not timed).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PY = sys.executable
# The `needs` entry point (app.cli:app), reporting its own peak memory on the way out.
PREDICT = """
import resource, sys
from app.cli import app
try:
    app(["nlp", "predict", "--model", sys.argv[1]])
finally:
    sys.stderr.write("maxrss=%d\\n" % resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""
JIEBA = """
import json, sys, jieba
jieba.setLogLevel(60)
n = 0
for line in open(sys.argv[1], encoding="utf-8"):
    n += len(jieba.lcut(json.loads(line)["text"]))
print(n)
"""


def run(cmd: list[str], stdin_path: str | None = None) -> tuple[float, float, int, str]:
    """Wall seconds, CPU seconds (user + system), the child's peak RSS in KiB (when it reports it), its stdout.

    CPU time is the steadier figure when other work shares the machine; wall time is what a user waits.
    """
    cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with open(stdin_path or os.devnull, encoding="utf-8") as stdin:
        proc = subprocess.run(cmd, stdin=stdin, capture_output=True, text=True, check=True,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_s = (after.ru_utime - cpu.ru_utime) + (after.ru_stime - cpu.ru_stime)
    rss = [int(line[7:]) for line in proc.stderr.splitlines() if line.startswith("maxrss=")]
    return wall, cpu_s, rss[0] if rss else 0, proc.stdout


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", type=Path)
    ap.add_argument("--dataset", type=Path, default=Path("/work/shared/data/tipdm2020/messages.csv"))
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    with args.dataset.open(encoding="utf-8") as f:
        texts = [r["title"] + "\n" + r["detail"] for r in csv.DictReader(f)]
    tmp = Path(tempfile.mkdtemp())
    inp = tmp / "in.jsonl"
    inp.write_text("".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in texts), encoding="utf-8")
    model = args.model
    if model is None:
        from nlp.dataset import SEED_TRAIN, read_jsonl
        from nlp.train import train

        model = train(read_jsonl(SEED_TRAIN), tmp / "models")
    (tmp / "jieba_lcut.py").write_text(JIEBA, encoding="utf-8")
    (tmp / "predict.py").write_text(PREDICT, encoding="utf-8")

    jieba_t, predict_t, jieba_cpu, predict_cpu = [], [], [], []
    for _ in range(args.repeat):  # interleaved, so both sides see the same machine load
        wall, cpu, _, _ = run([PY, str(tmp / "jieba_lcut.py"), str(inp)])
        jieba_t.append(wall)
        jieba_cpu.append(cpu)
        wall, cpu, rss, out = run([PY, str(tmp / "predict.py"), str(model)], str(inp))
        predict_t.append(wall)
        predict_cpu.append(cpu)
        assert out.count("\n") == len(texts), "predict must write one line per input"
    mb = sum(len(t.encode()) for t in texts) / 1e6
    j, p = statistics.median(jieba_t), statistics.median(predict_t)
    jc, pc = statistics.median(jieba_cpu), statistics.median(predict_cpu)
    print(f"{len(texts)} messages, {mb:.1f} MB, {args.repeat} runs each, medians (wall / CPU):")
    print(f"  jieba.lcut only (whole process)      {j:6.2f} s / {jc:6.2f} s")
    print(f"  needs nlp predict (whole process)    {p:6.2f} s / {pc:6.2f} s   "
          f"{j / p:.2f}x faster than jieba.lcut ({jc / pc:.2f}x in CPU time)")

    from nlp.model import Classifier

    started = time.perf_counter()
    clf = Classifier(model)
    load = time.perf_counter() - started
    clf.predict(["预热"])
    lat = []
    for t in texts[:1000]:
        s = time.perf_counter()
        clf.predict([t])
        lat.append((time.perf_counter() - s) * 1000)
    lat.sort()
    print(f"  model load {load * 1000:.0f} ms; per message p50 {lat[len(lat) // 2]:.1f} ms, "
          f"p99 {lat[int(len(lat) * 0.99)]:.1f} ms (keywords included, one message per call)")
    print(f"  resident memory: predict process peak {rss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
