"""How fast workers' corrections teach the classifier a style it was not trained on.

    .venv/bin/python bench/nlp_learning_curve.py [--sizes 0 50 100 200] [--repeats 3]

The held-out style is the independent evaluation splits' (nlp/data/eval: resident messages in
real-intake proportions, other places and voices than the seed set). Corrections are drawn at
random from the validation split (the pool), added to the seed training set as a worker's
corrections would be (nlp.dataset.merge), the three models refitted (nlp.train.fit: the models
that ship, without the out-of-fold threshold search, which does not change their predictions),
and category and kind macro-F1 measured on the test split, which the pool never touches. Each
size is drawn `--repeats` times with different seeds; the table gives the mean and the range.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[0, 50, 100, 200])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--pool", default="val")
    ap.add_argument("--eval", default="test")
    args = ap.parse_args()

    from sklearn.metrics import f1_score

    from nlp import benchmark
    from nlp.dataset import SEED_TRAIN, Example, merge, read_jsonl
    from nlp.tokenize import Segmenter
    from nlp.train import fit

    seed = read_jsonl(SEED_TRAIN)
    pool = benchmark.load(args.pool)
    held_out = benchmark.load(args.eval)
    texts = [r.text for r in held_out]
    segmenter = Segmenter()
    print(f"seed {len(seed)} examples; pool {args.pool} {len(pool)}; scored on {args.eval} {len(held_out)}")
    print("| corrections | category macro-F1 | kind macro-F1 | fit + predict |")
    print("|---|---|---|---|")
    for n in args.sizes:
        cat, kind, secs = [], [], []
        for rep in range(args.repeats if n else 1):  # nothing to draw at 0: one fit
            drawn = random.Random(1000 * rep + n).sample(pool, n)
            corrections = [Example(r.text, r.category, r.kind, r.urgent, "correction") for r in drawn]
            started = time.perf_counter()
            fitted = fit(merge(seed, corrections), segmenter)
            X = fitted.features.transform(texts)
            cat.append(f1_score([r.category for r in held_out], fitted.category.predict(X), average="macro"))
            kind.append(f1_score([r.kind for r in held_out], fitted.kind.predict(X), average="macro"))
            secs.append(time.perf_counter() - started)

        def cell(values):
            mean = statistics.mean(values)
            return f"{mean:.3f}" if len(values) == 1 else f"{mean:.3f} ({min(values):.3f}–{max(values):.3f})"

        print(f"| {n} | {cell(cat)} | {cell(kind)} | {statistics.median(secs):.0f} s |", flush=True)


if __name__ == "__main__":
    main()
