"""Speed of `needs nlp predict` against plain jieba.lcut over the same texts, in the same run.

    .venv/bin/python bench/nlp_predict.py [--model DIR] [--dataset messages.csv] [--repeat 3]
        [--also TREE=MODEL ...]   # e.g. an older commit (git archive) and a model it trained

Both sides run as whole processes (interpreter start, imports, dictionary or model load):
`needs nlp predict` classifies every message (category, kind, urgency, confidence);
the baseline only segments the same messages with jieba.lcut. Also prints the model's load
time in a fresh process, per-message latency p50/p99 and resident memory; CPU time (user + system) alongside wall time,
as the steadier figure on a shared machine. Without --model a model is trained on
the seed set into a temporary directory first (not timed). Each --also runs `needs nlp predict`
of another source tree with its own model in the same interleaved rounds, so before and after
are measured under the same machine load.
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
# The `needs` entry point (app.cli:app; core.cli:app in trees before issue 9), reporting its own peak
# memory on the way out.
PREDICT = """
import os, resource, sys
if os.path.exists("app/cli.py"):  # the working directory is the tree's root
    from app.cli import app
else:
    from core.cli import app
try:
    app(["nlp", "predict", "--model", sys.argv[1]])
finally:
    sys.stderr.write("maxrss=%d\\n" % resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""
# Loading a model in a fresh process: imports and the model directory, nothing predicted yet.
LOAD = """
import sys, time
started = time.perf_counter()
from nlp.model import Classifier
Classifier(sys.argv[1])
print(time.perf_counter() - started)
"""
JIEBA = """
import json, sys, jieba
jieba.setLogLevel(60)
n = 0
for line in open(sys.argv[1], encoding="utf-8"):
    n += len(jieba.lcut(json.loads(line)["text"]))
print(n)
"""


def run(cmd: list[str], stdin_path: str | None = None, root: Path = ROOT) -> tuple[float, float, int, str]:
    """Wall seconds, CPU seconds (user + system), the child's peak RSS in KiB (when it reports it), its stdout.

    CPU time is the steadier figure when other work shares the machine; wall time is what a user waits.
    """
    cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with open(stdin_path or os.devnull, encoding="utf-8") as stdin:
        proc = subprocess.run(cmd, stdin=stdin, capture_output=True, text=True, check=True,
                              env={**os.environ, "PYTHONPATH": str(root)}, cwd=root)
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
    ap.add_argument("--also", action="append", default=[], metavar="TREE=MODEL",
                    help="another source tree and its model directory, run in the same rounds")
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
    (tmp / "load.py").write_text(LOAD, encoding="utf-8")
    variants = [("needs nlp predict", ROOT, Path(model).resolve())]
    for also in args.also:
        tree, _, other = also.partition("=")
        variants.append((f"  {Path(tree).name}, {Path(other).name}", Path(tree).resolve(), Path(other).resolve()))

    jieba_t, jieba_cpu = [], []
    times: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name, _, _ in variants}
    rss, loads = {}, {name: [] for name, _, _ in variants}
    for _ in range(args.repeat):  # interleaved, so every side sees the same machine load
        wall, cpu, _, _ = run([PY, str(tmp / "jieba_lcut.py"), str(inp)])
        jieba_t.append(wall)
        jieba_cpu.append(cpu)
        for name, root, m in variants:
            wall, cpu, rss[name], out = run([PY, str(tmp / "predict.py"), str(m)], str(inp), root)
            times[name][0].append(wall)
            times[name][1].append(cpu)
            assert out.count("\n") == len(texts), "predict must write one line per input"
            loads[name].append(float(run([PY, str(tmp / "load.py"), str(m)], None, root)[3]))
    mb = sum(len(t.encode()) for t in texts) / 1e6
    j, jc = statistics.median(jieba_t), statistics.median(jieba_cpu)
    print(f"{len(texts)} messages, {mb:.1f} MB, {args.repeat} runs each, medians (wall / CPU):")
    print(f"  jieba.lcut only (whole process)      {j:6.2f} s / {jc:6.2f} s")
    for name, _, _ in variants:
        p, pc = statistics.median(times[name][0]), statistics.median(times[name][1])
        print(f"  {name + ' (whole process)':37s}{p:6.2f} s / {pc:6.2f} s   "
              f"{j / p:.2f}x faster than jieba.lcut ({jc / pc:.2f}x in CPU time), peak {rss[name] / 1024:.0f} MiB, "
              f"model load in a fresh process {statistics.median(loads[name]):.2f} s")

    from nlp.model import Classifier

    clf = Classifier(model)
    clf.predict(["预热"])
    lat = []
    for t in texts[:1000]:
        s = time.perf_counter()
        clf.predict([t])
        lat.append((time.perf_counter() - s) * 1000)
    lat.sort()
    print(f"  per message p50 {lat[len(lat) // 2]:.1f} ms, "
          f"p99 {lat[int(len(lat) * 0.99)]:.1f} ms (keywords included, one message per call)")


if __name__ == "__main__":
    main()
