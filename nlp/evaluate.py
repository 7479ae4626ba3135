"""Score the category pipeline: k-fold cross-validation on any labelled table, or the seed test split.

Reports per-class precision/recall/F1, macro-F1, accuracy and the confusion matrix, written as
report.md + report.json + confusion.png into a report directory.
"""

from __future__ import annotations

import csv
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


class DatasetError(ValueError):
    """The table cannot be read or lacks the columns asked for."""


@dataclass
class Report:
    title: str
    labels: list[str]
    y_true: list[str]
    y_pred: list[str]
    info: dict = field(default_factory=dict)

    def metrics(self) -> dict:
        from sklearn.metrics import (
            accuracy_score,
            confusion_matrix,
            f1_score,
            precision_recall_fscore_support,
        )

        p, r, f, n = precision_recall_fscore_support(self.y_true, self.y_pred, labels=self.labels, zero_division=0)
        return {
            "macro_f1": float(f1_score(self.y_true, self.y_pred, labels=self.labels, average="macro", zero_division=0)),
            "accuracy": float(accuracy_score(self.y_true, self.y_pred)),
            "per_class": {lab: {"precision": round(float(p[i]), 4), "recall": round(float(r[i]), 4),
                                "f1": round(float(f[i]), 4), "support": int(n[i])}
                          for i, lab in enumerate(self.labels)},
            "confusion": confusion_matrix(self.y_true, self.y_pred, labels=self.labels).tolist(),
        }


def load_table(path: Path, text_cols: list[str], label_col: str) -> tuple[list[str], list[str], int]:
    """Texts (the text columns joined by a newline) and labels; drops empty rows and exact duplicate texts.

    Returns texts, labels and the number of duplicates dropped. Reads .csv, .xlsx and .jsonl.
    """
    path = Path(path)
    if not path.exists():
        raise DatasetError(f"no such file: {path}")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as f:
            rows = list(csv.DictReader(f))
    elif suffix in (".jsonl", ".json"):
        with path.open(encoding="utf-8") as f:
            rows = [json.loads(line) for line in f if line.strip()]
    elif suffix == ".xlsx":
        from openpyxl import load_workbook

        ws = load_workbook(path, read_only=True).active
        it = ws.iter_rows(values_only=True)
        header = [str(h).strip() if h is not None else "" for h in next(it)]
        rows = [dict(zip(header, r, strict=False)) for r in it]
    else:
        raise DatasetError(f"unsupported file type {suffix!r}: use .csv, .xlsx or .jsonl")
    if not rows:
        raise DatasetError(f"{path} holds no rows")
    missing = [c for c in [*text_cols, label_col] if c not in rows[0]]
    if missing:
        raise DatasetError(f"missing columns {missing}; the file has {sorted(rows[0])}")
    texts, labels, seen, dupes = [], [], set(), 0
    for row in rows:
        text = "\n".join(str(row[c]).strip() for c in text_cols if row[c] not in (None, "")).strip()
        label = str(row[label_col]).strip() if row[label_col] not in (None, "") else ""
        if not text or not label:
            continue
        if text in seen:
            dupes += 1
            continue
        seen.add(text)
        texts.append(text)
        labels.append(label)
    return texts, labels, dupes


def cross_validate(texts: list[str], labels: list[str], folds: int = 5, seed: int = 0,
                   calibrated: bool = False) -> Report:
    """Out-of-fold predictions of the category pipeline (features refitted on every fold)."""
    from collections import Counter

    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    from nlp.train import category_pipeline

    counts = Counter(labels)
    if len(counts) < 2:
        raise DatasetError("need at least two labels")
    small = {k: v for k, v in counts.items() if v < folds}
    if small:
        raise DatasetError(f"labels with fewer examples than folds ({folds}): {small}")
    started = time.perf_counter()
    pred = cross_val_predict(category_pipeline(calibrated=calibrated), texts, np.array(labels),
                             cv=StratifiedKFold(folds, shuffle=True, random_state=seed))
    return Report(title=f"{folds}-fold cross-validation", labels=sorted(counts), y_true=list(labels),
                  y_pred=[str(p) for p in pred],
                  info={"n": len(texts), "folds": folds, "seconds": round(time.perf_counter() - started, 1)})


def write_report(report: Report, out_dir: Path) -> Path:
    """report.md, report.json and confusion.png (row-normalised confusion matrix) in out_dir."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    m = report.metrics()
    (out_dir / "report.json").write_text(json.dumps({"title": report.title, **report.info, **m},
                                                    ensure_ascii=False, indent=2), encoding="utf-8")
    _chart(report.labels, np.array(m["confusion"]), m, out_dir / "confusion.png", report.title)
    lines = [f"# {report.title}", "", ", ".join(f"{k}: {v}" for k, v in report.info.items()), "",
             f"macro-F1 **{m['macro_f1']:.4f}**, accuracy **{m['accuracy']:.4f}**", "",
             "| class | precision | recall | F1 | support |", "|---|---|---|---|---|"]
    for lab, s in m["per_class"].items():
        lines.append(f"| {lab} | {s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f} | {s['support']} |")
    lines += ["", "Confusion matrix (rows: true, columns: predicted)", "",
              "| | " + " | ".join(report.labels) + " |", "|---" * (len(report.labels) + 1) + "|"]
    for lab, row in zip(report.labels, m["confusion"], strict=True):
        lines.append(f"| **{lab}** | " + " | ".join(str(v) for v in row) + " |")
    lines += ["", "![confusion matrix](confusion.png)", ""]
    (out_dir / "report.md").write_text("\n".join(lines), encoding="utf-8")
    return out_dir


def _chart(labels: list[str], cm: np.ndarray, m: dict, path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    cjk = [f.name for f in font_manager.fontManager.ttflist if "CJK" in f.name]
    if cjk:  # Chinese labels need a CJK font; without one the chart still renders
        plt.rcParams["font.family"] = [cjk[0], "DejaVu Sans"]
    norm = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1)
    n = len(labels)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(6 + 0.55 * n * 2, 1.5 + 0.5 * n),
                                   gridspec_kw={"width_ratios": [3, 2]})
    ax1.imshow(norm, cmap="Blues", vmin=0, vmax=1)
    ax1.set_xticks(range(n), labels, rotation=60, ha="right", fontsize=8)
    ax1.set_yticks(range(n), labels, fontsize=8)
    for i in range(n):
        for j in range(n):
            if cm[i, j]:
                ax1.text(j, i, str(cm[i, j]), ha="center", va="center", fontsize=7,
                         color="white" if norm[i, j] > 0.5 else "black")
    ax1.set_xlabel("predicted")
    ax1.set_ylabel("true")
    f1 = [m["per_class"][lab]["f1"] for lab in labels]
    ax2.barh(range(n), f1, color="#3b7dd8")
    ax2.set_yticks(range(n), labels, fontsize=8)
    ax2.invert_yaxis()
    ax2.set_xlim(0, 1)
    ax2.set_xlabel("F1 per class")
    fig.suptitle(f"{title}: macro-F1 {m['macro_f1']:.4f}, accuracy {m['accuracy']:.4f}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def seed_report(classifier, test) -> Report:
    """The trained classifier on the seed test split (which no tuning touches)."""
    preds = classifier.predict([e.text for e in test], keywords=False)
    y = [e.category for e in test]
    return Report(title="seed test split", labels=sorted(set(y) | {p.category for p in preds}), y_true=y,
                  y_pred=[p.category for p in preds],
                  info={"n": len(test), "model": classifier.version,
                        **{k: v for k, v in classifier.meta.get("metrics", {}).items() if k != "test_n"}})
