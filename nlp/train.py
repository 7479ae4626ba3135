"""Train the category, kind and urgency models into a versioned model directory.

Thresholds are chosen on out-of-fold predictions over the training set (never on the test
split): the review threshold is the lowest confidence at which the trusted predictions are
right at least TRUSTED_ACCURACY of the time. The urgency threshold is chosen on the independent
validation split, whose share of urgent messages is the real one (nlp.urgency.choose_threshold);
without that split, the highest probability that keeps out-of-fold recall at URGENT_RECALL.
"""

from __future__ import annotations

import json
import platform
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import sklearn
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

from core.models import utcnow
from nlp import model
from nlp.dataset import SEED_TEST, Example, data_hash, read_jsonl
from nlp.features import Features
from nlp.tokenize import USER_DICT, Segmenter
from nlp.urgency import choose_threshold, danger_phrase

MIN_PER_CLASS = 3
TRUSTED_ACCURACY = 0.95  # predictions at or above the review threshold are right this often
URGENT_RECALL = 0.98  # aimed at on validation, so that the test split keeps ≥ 0.95
CATEGORY_C = 1.0  # chosen by 5-fold cross-validation (docs/nlp.md)


class TrainingDataError(ValueError):
    """The examples cannot train a useful model (too few, one class, tiny classes)."""


class TextFeatures(BaseEstimator, TransformerMixin):
    """nlp.features.Features as a scikit-learn transformer, for pipelines and cross-validation."""

    def __init__(self, segmenter: Segmenter | None = None, min_df: int = 1):
        self.segmenter = segmenter
        self.min_df = min_df

    def fit(self, texts, y=None):
        self.features_ = Features(self.segmenter, self.min_df).fit(list(texts))
        return self

    def transform(self, texts):
        return self.features_.transform(list(texts))


def _category_model() -> CalibratedClassifierCV:
    # ensemble=False: one SVM on all the data, its scores calibrated on 3-fold out-of-fold scores
    return CalibratedClassifierCV(LinearSVC(C=CATEGORY_C), cv=3, method="sigmoid", ensemble=False)


def _kind_model() -> LinearSVC:
    return LinearSVC(C=0.5, class_weight="balanced")


def _urgent_model() -> LogisticRegression:
    return LogisticRegression(C=4.0, class_weight="balanced", max_iter=2000)


def category_pipeline(segmenter: Segmenter | None = None, min_df: int = 1, calibrated: bool = True) -> Pipeline:
    clf = _category_model() if calibrated else LinearSVC(C=CATEGORY_C)
    return Pipeline([("features", TextFeatures(segmenter, min_df)), ("clf", clf)])


def kind_pipeline(segmenter: Segmenter | None = None) -> Pipeline:
    return Pipeline([("features", TextFeatures(segmenter)), ("clf", _kind_model())])


def urgent_pipeline(segmenter: Segmenter | None = None) -> Pipeline:
    return Pipeline([("features", TextFeatures(segmenter)), ("clf", _urgent_model())])


def check(examples: list[Example]) -> None:
    counts = Counter(e.category for e in examples)
    if len(counts) < 2:
        raise TrainingDataError(f"need at least two categories, got {sorted(counts)}")
    tiny = {c: n for c, n in counts.items() if n < MIN_PER_CLASS}
    if tiny:
        raise TrainingDataError(f"categories with fewer than {MIN_PER_CLASS} examples: {tiny}")
    if len({e.urgent for e in examples}) < 2:
        raise TrainingDataError("urgent needs both urgent and non-urgent examples")


def review_threshold(confidence: np.ndarray, correct: np.ndarray, target: float = TRUSTED_ACCURACY) -> float:
    """The lowest confidence above which predictions are right at least `target` of the time."""
    order = np.argsort(-confidence)
    hits = np.cumsum(correct[order]) / np.arange(1, len(order) + 1)
    ok = np.nonzero(hits >= target)[0]
    if len(ok) == 0:
        return 1.0
    return float(round(confidence[order][ok[-1]], 4))


def urgent_threshold(proba: np.ndarray, phrase: np.ndarray, y: np.ndarray, target: float = URGENT_RECALL) -> float:
    """The highest probability threshold whose recall (model or danger phrase) reaches `target`."""
    best = 0.05
    for t in np.arange(0.95, 0.04, -0.05):
        pred = (proba >= t) | phrase
        if y.sum() == 0 or pred[y].mean() >= target:
            best = float(round(t, 2))
            break
    return best


def train(examples: list[Example], out_root: Path, test: list[Example] | None = None,
          folds: int = 5) -> Path:
    """Fit all three models, choose thresholds, write them with their metadata; returns the directory."""
    check(examples)
    seg = Segmenter()
    texts = [e.text for e in examples]
    y_cat = np.array([e.category for e in examples])
    y_urg = np.array([e.urgent for e in examples])
    n_splits = max(2, min(folds, min(Counter(y_cat).values()), int(y_urg.sum()), int((~y_urg).sum())))
    cv = StratifiedKFold(n_splits, shuffle=True, random_state=0)

    # out-of-fold predictions choose the thresholds
    oof = cross_val_predict(category_pipeline(seg), texts, y_cat, cv=cv, method="predict_proba")
    classes = np.array(sorted(set(y_cat)))
    conf, correct = oof.max(1), classes[oof.argmax(1)] == y_cat
    review_t = review_threshold(conf, correct)
    oof_urg = cross_val_predict(urgent_pipeline(seg), texts, y_urg, cv=StratifiedKFold(n_splits, shuffle=True,
                                random_state=0), method="predict_proba")[:, 1]
    phrases = np.array([danger_phrase(t) for t in texts])
    urgent_t = urgent_threshold(oof_urg, phrases, y_urg)

    fitted = fit(examples, seg)
    urgent_t, urgent_val = _urgent_threshold_on_validation(fitted, urgent_t)
    digest = data_hash(examples)
    created = utcnow()
    version = f"{created:%Y%m%d-%H%M%S}-{digest[:6]}"
    out = Path(out_root) / version
    out.mkdir(parents=True, exist_ok=False)
    model.save(out, fitted.features, fitted.linear())
    if USER_DICT.exists():  # for the record: model.json carries the words the model segments with
        shutil.copy(USER_DICT, out / USER_DICT.name)
    if test is None and SEED_TEST.exists():
        test = read_jsonl(SEED_TEST)
    meta = {
        "version": version,
        "created_at": created.isoformat(),
        "data_hash": digest,
        "n_examples": len(examples),
        "sources": dict(Counter(e.source for e in examples)),
        "categories": sorted({e.category for e in examples}),
        "review_threshold": review_t,
        "urgent_threshold": urgent_t,
        "validation": {
            "folds": n_splits,
            "category_macro_f1": round(float(f1_score(y_cat, classes[oof.argmax(1)], average="macro")), 4),
            "trusted_share": round(float((conf >= review_t).mean()), 4),
            "trusted_accuracy": round(float(correct[conf >= review_t].mean()), 4) if (conf >= review_t).any() else 0,
            "urgent_recall": round(float(((oof_urg >= urgent_t) | phrases)[y_urg].mean()), 4),
        },
        "urgent_validation": urgent_val,
        "libraries": {"python": platform.python_version(), "scikit-learn": sklearn.__version__,
                      "jieba": _version("jieba"), "rjieba": _version("rjieba"), "numpy": np.__version__},
        "metrics": {},
    }
    (out / model.META_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
    if test:
        meta["metrics"] = score(model.Classifier(out), test)
        (out / model.META_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
    return out


def _urgent_threshold_on_validation(fitted: Fitted, fallback: float) -> tuple[float, dict]:
    """The urgency threshold chosen on the independent validation split (nlp/data/eval/val.jsonl,
    urgent at the real base rate) by nlp.urgency.choose_threshold; `fallback` when it is absent."""
    from nlp.benchmark import load
    from nlp.urgency import decide

    try:
        rows = load("val")
    except OSError:
        return fallback, {}
    texts = [r.text for r in rows]
    proba = fitted.urgent.predict_proba(fitted.features.transform(texts))[:, 1].tolist()
    t = choose_threshold(texts, proba, [r.urgent for r in rows])
    flagged = [decide(x, p, t) for x, p in zip(texts, proba, strict=True)]
    hits = sum(f and r.urgent for f, r in zip(flagged, rows, strict=True))
    return t, {"split": "nlp/data/eval/val.jsonl", "n": len(rows),
               "recall": round(hits / max(sum(r.urgent for r in rows), 1), 4),
               "precision": round(hits / max(sum(flagged), 1), 4)}


@dataclass
class Fitted:
    """The fitted features and the three fitted scikit-learn models, before they are written."""

    features: Features
    category: CalibratedClassifierCV
    kind: LinearSVC
    urgent: LogisticRegression

    def linear(self) -> model.LinearModels:
        """The three models' weights and the category calibration as plain arrays (nlp.model)."""
        (calibrated,) = self.category.calibrated_classifiers_  # ensemble=False: one SVM, on all the data
        svm = calibrated.estimator
        if list(svm.classes_) != list(self.category.classes_):
            raise TrainingDataError("the calibrated SVM did not see every category")
        cat_w, cat_b = _two_columns_if_binary(svm.coef_, svm.intercept_)
        # each category's Platt sigmoid, 1 / (1 + exp(a·score + b)), as CalibratedClassifierCV fitted it
        # (a_ and b_ of its calibrators; tests/nlp/test_prediction.py fails if scikit-learn renames them)
        a = np.array([c.a_ for c in calibrated.calibrators], dtype=np.float64)
        b = np.array([c.b_ for c in calibrated.calibrators], dtype=np.float64)
        if len(self.category.classes_) == 2:  # one sigmoid for the second class; the first gets 1 - p
            a, b = np.array([a[0], a[0]]), np.array([-b[0], b[0]])
        kind_w, kind_b = _two_columns_if_binary(self.kind.coef_, self.kind.intercept_)
        if list(self.urgent.classes_) != [False, True]:
            raise TrainingDataError(f"urgent classes {self.urgent.classes_}, expected [False, True]")
        weights = np.vstack([cat_w, kind_w, self.urgent.coef_]).T
        return model.LinearModels(
            categories=[str(c) for c in self.category.classes_], kinds=[str(k) for k in self.kind.classes_],
            weights=np.ascontiguousarray(weights, dtype=np.float64),
            intercepts=np.concatenate([cat_b, kind_b, self.urgent.intercept_]).astype(np.float64),
            platt_a=a, platt_b=b)


def _two_columns_if_binary(coef: np.ndarray, intercept: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A two-class linear model scores the second class only: give the first the opposite score."""
    if coef.shape[0] == 1:
        return np.vstack([-coef, coef]), np.concatenate([-intercept, intercept])
    return coef, intercept


def fit(examples: list[Example], segmenter: Segmenter | None = None) -> Fitted:
    """One feature fit on all the examples, shared by the three models fitted on it."""
    texts = [e.text for e in examples]
    features = Features(segmenter).fit(texts)
    X = features.transform(texts)
    return Fitted(features, _category_model().fit(X, [e.category for e in examples]),
                  _kind_model().fit(X, [e.kind for e in examples]),
                  _urgent_model().fit(X, np.array([e.urgent for e in examples])))


def score(classifier, test: list[Example]) -> dict:
    """The test split's figures for a trained classifier (as it runs in production)."""
    preds = classifier.predict([e.text for e in test], keywords=False)
    y = [e.category for e in test]
    cat = [p.category for p in preds]
    urg_true = [e.urgent for e in test]
    urg_pred = [p.urgent for p in preds]
    trusted_ok = [c == t for c, t, p in zip(cat, y, preds, strict=True)
                  if p.confidence >= classifier.review_threshold]
    return {
        "test_n": len(test),
        "category_macro_f1": round(float(f1_score(y, cat, average="macro")), 4),
        "category_accuracy": round(float(accuracy_score(y, cat)), 4),
        "kind_accuracy": round(float(accuracy_score([e.kind for e in test], [p.kind for p in preds])), 4),
        "kind_macro_f1": round(float(f1_score([e.kind for e in test], [p.kind for p in preds],
                                              average="macro")), 4),
        "urgent_recall": round(float(recall_score(urg_true, urg_pred, zero_division=0)), 4),
        "urgent_precision": round(float(precision_score(urg_true, urg_pred, zero_division=0)), 4),
        "trusted_share": round(len(trusted_ok) / len(test), 4) if test else 0.0,
        "trusted_accuracy": round(sum(trusted_ok) / len(trusted_ok), 4) if trusted_ok else 0.0,
    }


def _version(dist: str) -> str:
    from importlib.metadata import version

    try:
        return version(dist)
    except Exception:
        return "unknown"
