"""Train the category, kind and urgency models into a versioned model directory."""

from __future__ import annotations

import json
import platform
from collections import Counter
from pathlib import Path

import joblib
import sklearn
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from core.models import utcnow
from nlp.dataset import SEED_TEST, Example, data_hash, read_jsonl
from nlp.model import META_FILE, MODEL_FILE
from nlp.tokenize import words

MIN_PER_CLASS = 3


class TrainingDataError(ValueError):
    """The examples cannot train a useful model (too few, one class, tiny classes)."""


def features() -> FeatureUnion:
    return FeatureUnion(
        [
            ("words", TfidfVectorizer(tokenizer=words, token_pattern=None, lowercase=False,
                                      ngram_range=(1, 2), sublinear_tf=True)),
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True)),
        ]
    )


def category_pipeline() -> Pipeline:
    return Pipeline([("features", features()),
                     ("clf", CalibratedClassifierCV(LinearSVC(C=0.5), cv=3))])


def kind_pipeline() -> Pipeline:
    return Pipeline([("features", features()), ("clf", LinearSVC(C=0.5, class_weight="balanced"))])


def urgent_pipeline() -> Pipeline:
    return Pipeline([("features", features()),
                     ("clf", LogisticRegression(C=4.0, class_weight="balanced", max_iter=2000))])


def check(examples: list[Example]) -> None:
    counts = Counter(e.category for e in examples)
    if len(counts) < 2:
        raise TrainingDataError(f"need at least two categories, got {sorted(counts)}")
    tiny = {c: n for c, n in counts.items() if n < MIN_PER_CLASS}
    if tiny:
        raise TrainingDataError(f"categories with fewer than {MIN_PER_CLASS} examples: {tiny}")
    if len({e.urgent for e in examples}) < 2:
        raise TrainingDataError("urgent needs both urgent and non-urgent examples")


def train(examples: list[Example], out_root: Path, test: list[Example] | None = None) -> Path:
    """Fit all three models and write them with their metadata; returns the model directory."""
    check(examples)
    texts = [e.text for e in examples]
    bundle = {
        "category": category_pipeline().fit(texts, [e.category for e in examples]),
        "kind": kind_pipeline().fit(texts, [e.kind for e in examples]),
        "urgent": urgent_pipeline().fit(texts, [e.urgent for e in examples]),
    }
    digest = data_hash(examples)
    created = utcnow()
    version = f"{created:%Y%m%d-%H%M%S}-{digest[:6]}"
    out = Path(out_root) / version
    out.mkdir(parents=True, exist_ok=False)
    joblib.dump(bundle, out / MODEL_FILE, compress=3)
    if test is None and SEED_TEST.exists():
        test = read_jsonl(SEED_TEST)
    meta = {
        "version": version,
        "created_at": created.isoformat(),
        "data_hash": digest,
        "n_examples": len(examples),
        "sources": dict(Counter(e.source for e in examples)),
        "categories": sorted({e.category for e in examples}),
        "review_threshold": 0.35,
        "libraries": {"python": platform.python_version(), "scikit-learn": sklearn.__version__,
                      "jieba": _version("jieba")},
        "metrics": _score(bundle, test) if test else {},
    }
    (out / META_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
    return out


def _score(bundle, test: list[Example]) -> dict:
    texts = [e.text for e in test]
    cat = bundle["category"].predict(texts)
    y = [e.category for e in test]
    return {
        "test_n": len(test),
        "category_macro_f1": round(float(f1_score(y, cat, average="macro")), 4),
        "category_accuracy": round(float(accuracy_score(y, cat)), 4),
        "kind_accuracy": round(float(accuracy_score([e.kind for e in test], bundle["kind"].predict(texts))), 4),
    }


def _version(dist: str) -> str:
    from importlib.metadata import version

    try:
        return version(dist)
    except Exception:
        return "unknown"
