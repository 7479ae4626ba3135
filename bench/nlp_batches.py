"""Classification time by batch size: `Classifier.scores` of 1, 4, 64 and 500 texts a call.

    .venv/bin/python bench/nlp_batches.py [--model DIR] [--rounds 3] [--also TREE ...]

Intake classifies the few requests of one group-commit batch at a time, imports and the demo 500 at
a time, so both ends matter. Each tree (this one, and every --also: e.g. `git worktree add
/tmp/before <commit>`) runs in a process of its own with the same model, the trees alternating in
each round; the figures are medians over the rounds of milliseconds per call. Also checks that
every tree gives the same category probabilities and kinds for the seed texts. Without --model one
is trained on the seed set into a temporary directory first (not timed).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = (1, 4, 64, 500)
RUN = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
import numpy as np
from pathlib import Path
from nlp.model import Classifier
clf = Classifier(Path(sys.argv[2]))
texts = [json.loads(line)["text"] for name in ("seed_test.jsonl", "seed_train.jsonl")
         for line in (Path(sys.argv[3]) / name).read_text(encoding="utf-8").splitlines() if line.strip()]
clf.scores(texts[:4])  # loads the dictionary
out = {}
for size in SIZES:
    calls = max(2000 // size, 4)
    t0 = time.perf_counter()
    for i in range(calls):
        start = (i * size) % (len(texts) - size)
        clf.scores(texts[start:start + size])
    out[size] = (time.perf_counter() - t0) / calls * 1000
category, kinds, _ = clf.scores(texts)
print(json.dumps({"ms": out, "category": np.round(category, 12).tolist(), "kinds": kinds}))
""".replace("SIZES", repr(SIZES))


def measure(tree: Path, model: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", RUN, str(tree), str(model), str(ROOT / "nlp" / "data")],
                          cwd=tree, check=True, capture_output=True, text=True)
    return json.loads(done.stdout)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", type=Path)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--also", type=Path, action="append", default=[], help="another source tree")
    args = ap.parse_args()
    model = args.model
    if model is None:
        sys.path.insert(0, str(ROOT))
        from nlp.dataset import SEED_TRAIN, read_jsonl
        from nlp.train import train

        model = train(read_jsonl(SEED_TRAIN), Path(tempfile.mkdtemp(prefix="needs-batches-")))
    trees = [ROOT, *args.also]
    times: dict[Path, dict[str, list[float]]] = {t: {} for t in trees}
    answers = {}
    for _ in range(args.rounds):
        for tree in trees:
            got = measure(tree, model)
            answers[tree] = (got["category"], got["kinds"])
            for size, ms in got["ms"].items():
                times[tree].setdefault(size, []).append(ms)
    for tree in trees:
        print(f"{tree}: " + "  ".join(f"{size} texts {statistics.median(v):.2f} ms" for size, v in times[tree].items()))
    same = all(answers[t] == answers[ROOT] for t in trees)
    print("same categories and kinds in every tree:", same)
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
