"""The independent evaluation splits (nlp/data/eval): classifier and cluster figures from one call.

    needs nlp benchmark --split val|test [--model DIR]

Category and kind macro-F1, urgent recall and precision, and demand clusters scored over all
pairs of messages (a message outside any gold cluster is its own cluster). The test split is
for reporting only: every choice (thresholds, lexicon, weights) is made on the validation split.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

EVAL = Path(__file__).resolve().parent / "data" / "eval"
SPLITS = ("val", "test")


@dataclass(frozen=True)
class Row:
    id: str
    text: str
    category: str
    kind: str
    urgent: bool
    cluster: str | None
    place: str | None
    note: str | None


def load(split: str) -> list[Row]:
    """The split's messages in time order (the order the clusterer sees them)."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}: one of {', '.join(SPLITS)}")
    out = []
    for line in (EVAL / f"{split}.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            r = json.loads(line)
            out.append(Row(r["id"], r["text"], r["category"], r["kind"], bool(r["urgent"]), r.get("cluster"),
                           r.get("place"), r.get("note")))
    return out


def places_file(split: str) -> Path:
    return EVAL / f"places_{split}.csv"


def read_places(path: Path) -> list[dict]:
    """Rows of a places table: code, name, kind, parent (a code) and aliases (separated by |)."""
    with Path(path).open(encoding="utf-8-sig", newline="") as f:
        return [dict(r) for r in csv.DictReader(f)]


def cluster_labels(rows: Sequence[Row], split: str, categories: Sequence[str] | None = None) -> list[int]:
    """Cluster labels as `needs nlp cluster --places` gives them, for the split's rows in time order."""
    from nlp.cluster import PlaceTable, cluster_texts

    table = PlaceTable.from_rows(read_places(places_file(split)))
    return cluster_texts([r.text for r in rows], [r.place for r in rows], table=table, categories=categories)


def cluster_figures(rows: Sequence[Row], labels: Sequence[int]) -> dict:
    from nlp.cluster import pairwise

    p, r, f = pairwise(labels, [x.cluster for x in rows])
    sizes = Counter(labels)
    return {"cluster_pairwise_f1": f, "cluster_precision": p, "cluster_recall": r,
            "clusters_of_2_or_more": sum(1 for n in sizes.values() if n >= 2),
            "largest_cluster": max(sizes.values()) if sizes else 0}


def classifier_figures(rows: Sequence[Row], preds) -> dict:
    from sklearn.metrics import f1_score, precision_score, recall_score

    y_urg, p_urg = [r.urgent for r in rows], [p.urgent for p in preds]
    return {
        "category_macro_f1": f1_score([r.category for r in rows], [p.category for p in preds], average="macro"),
        "kind_macro_f1": f1_score([r.kind for r in rows], [p.kind for p in preds], average="macro"),
        "urgent_recall": recall_score(y_urg, p_urg, zero_division=0),
        "urgent_precision": precision_score(y_urg, p_urg, zero_division=0),
        "urgent_flagged_share": sum(p_urg) / len(rows),
    }


def run(split: str, classifier=None) -> dict:
    """Every figure of the split; clusters use the classifier's categories when one is given."""
    rows = load(split)
    figures: dict = {"split": split, "n": len(rows)}
    categories = None
    if classifier is not None:
        preds = classifier.predict([r.text for r in rows], keywords=False)
        figures.update(classifier_figures(rows, preds))
        figures["model"] = classifier.version
        categories = [p.category for p in preds]
    figures.update(cluster_figures(rows, cluster_labels(rows, split, categories)))
    return figures


LINES = [("category macro-F1", "category_macro_f1"), ("kind macro-F1", "kind_macro_f1"),
         ("urgent recall", "urgent_recall"), ("urgent precision", "urgent_precision"),
         ("share flagged urgent", "urgent_flagged_share"),
         ("cluster pairwise F1", "cluster_pairwise_f1"), ("cluster pairwise precision", "cluster_precision"),
         ("cluster pairwise recall", "cluster_recall")]


def table(results: Sequence[dict]) -> str:
    """A markdown table: one column per split."""
    out = ["| figure | " + " | ".join(r["split"] for r in results) + " |",
           "|---|" + "---|" * len(results)]
    for name, key in LINES:
        if all(key in r for r in results):
            out.append(f"| {name} | " + " | ".join(f"{r[key]:.3f}" for r in results) + " |")
    out.append("| clusters of ≥ 2 / largest | " + " | ".join(
        f"{r['clusters_of_2_or_more']} / {r['largest_cluster']}" for r in results) + " |")
    return "\n".join(out)
