"""Train the category, kind and urgency models into a versioned model directory.

Thresholds are chosen on out-of-fold predictions over the training set (never on the test
split): the review threshold is the lowest confidence at which the trusted predictions are
right at least TRUSTED_ACCURACY of the time; the urgency threshold is the highest model
probability that still keeps recall (model or danger phrase) at URGENT_RECALL.
"""

from __future__ import annotations

import json
import pickle
import platform
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import sklearn
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from core.models import utcnow
from nlp.dataset import SEED_TEST, Example, data_hash, read_jsonl
from nlp.model import META_FILE, MODEL_FILE, RUNTIME_ARRAYS, RUNTIME_FILE, RUNTIME_FORMAT
from nlp.tokenize import USER_DICT, Segmenter, head  # head: older pickles find it here
from nlp.urgency import danger_phrase

MIN_PER_CLASS = 3
TRUSTED_ACCURACY = 0.95  # predictions at or above the review threshold are right this often
URGENT_RECALL = 0.98  # aimed at on validation, so that the test split keeps ≥ 0.95
CATEGORY_C = 1.0  # chosen by 5-fold cross-validation (docs/nlp.md)


class TrainingDataError(ValueError):
    """The examples cannot train a useful model (too few, one class, tiny classes)."""


def features(segmenter: Segmenter | None = None, min_df: int = 1) -> FeatureUnion:
    """jieba words (uni- and bigrams) united with character 1–3-grams, both sublinear TF-IDF,
    over the whole text and again over its first line when it has several (a letter's subject)."""
    seg = segmenter or Segmenter()

    def words(pre):
        return TfidfVectorizer(tokenizer=seg, token_pattern=None, lowercase=False, preprocessor=pre,
                               ngram_range=(1, 2), sublinear_tf=True, min_df=min_df)

    def chars(pre):
        return TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=min_df,
                               preprocessor=pre)

    return FeatureUnion([("words", words(_whole)), ("chars", chars(_whole)),
                         ("head_words", WhenHeads(words(head))), ("head_chars", WhenHeads(chars(head)))])


class WhenHeads(BaseEstimator, TransformerMixin):
    """A head vectorizer that gives no columns when no training text has a head (one-line requests)."""

    def __init__(self, vectorizer):
        self.vectorizer = vectorizer

    def fit(self, texts, y=None):
        self.active_ = any(head(t) for t in texts)
        if self.active_:
            self.vectorizer.fit(texts)
        return self

    def transform(self, texts):
        if self.active_:
            return self.vectorizer.transform(texts)
        return sp.csr_matrix((len(texts), 0))


def _whole(text: str) -> str:
    from nlp.tokenize import normalize

    return normalize(text)




def category_pipeline(segmenter: Segmenter | None = None, min_df: int = 1, calibrated: bool = True) -> Pipeline:
    svm = LinearSVC(C=CATEGORY_C)
    clf = CalibratedClassifierCV(svm, cv=3, method="sigmoid", ensemble=False) if calibrated else svm
    return Pipeline([("features", features(segmenter, min_df)), ("clf", clf)])


def kind_pipeline(segmenter: Segmenter | None = None) -> Pipeline:
    return Pipeline([("features", features(segmenter)), ("clf", LinearSVC(C=0.5, class_weight="balanced"))])


def urgent_pipeline(segmenter: Segmenter | None = None) -> Pipeline:
    return Pipeline([("features", features(segmenter)),
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

    # One fitted feature union serves all three models, so prediction computes features once.
    feats = features(seg).fit(texts)
    X = feats.transform(texts)
    bundle = {
        "category": Pipeline([("features", feats), ("clf", category_pipeline(seg).named_steps["clf"].fit(X, y_cat))]),
        "kind": Pipeline([("features", feats),
                          ("clf", kind_pipeline(seg).named_steps["clf"].fit(X, [e.kind for e in examples]))]),
        "urgent": Pipeline([("features", feats), ("clf", urgent_pipeline(seg).named_steps["clf"].fit(X, y_urg))]),
    }
    digest = data_hash(examples)
    created = utcnow()
    version = f"{created:%Y%m%d-%H%M%S}-{digest[:6]}"
    out = Path(out_root) / version
    out.mkdir(parents=True, exist_ok=False)
    with (out / MODEL_FILE).open("wb") as f:
        pickle.dump(bundle, f, protocol=pickle.HIGHEST_PROTOCOL)
    write_runtime(bundle, out)
    if USER_DICT.exists():  # for the record: the dictionary also travels inside the pickled tokenizer
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
        "shared_features": True,
        "review_threshold": review_t,
        "urgent_threshold": urgent_t,
        "validation": {
            "folds": n_splits,
            "category_macro_f1": round(float(f1_score(y_cat, classes[oof.argmax(1)], average="macro")), 4),
            "trusted_share": round(float((conf >= review_t).mean()), 4),
            "trusted_accuracy": round(float(correct[conf >= review_t].mean()), 4) if (conf >= review_t).any() else 0,
            "urgent_recall": round(float(((oof_urg >= urgent_t) | phrases)[y_urg].mean()), 4),
        },
        "libraries": {"python": platform.python_version(), "scikit-learn": sklearn.__version__,
                      "jieba": _version("jieba"), "rjieba": _version("rjieba"), "numpy": np.__version__},
        "metrics": {},
    }
    (out / META_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
    if test:
        from nlp.model import Classifier

        meta["metrics"] = score(Classifier(out), test)
        (out / META_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
    return out


def write_runtime(bundle: dict, out: Path) -> bool:
    """Save the fitted models as plain arrays (runtime.npz) and labels (runtime.json).

    Prediction loads these with numpy alone: unpickling the pipelines imports scikit-learn, which
    costs more than the whole of the rest of loading a model. False (and nothing written) when the
    pipelines are not the ones `train` builds.
    """
    from nlp.fastvec import table_for

    union = bundle["category"].named_steps["features"]
    if union.transformer_weights or any(bundle[k].named_steps["features"] is not union for k in ("kind", "urgent")):
        return False
    arrays: dict[str, np.ndarray] = {}
    blocks, segmenter = [], None
    for i, (_, tr) in enumerate(union.transformer_list):
        if isinstance(tr, WhenHeads) and not tr.active_:
            blocks.append({"analyzer": "none"})
            continue
        vec = tr.vectorizer if isinstance(tr, WhenHeads) else tr
        table = table_for(vec)
        if table is None or not isinstance(table.pre, str):
            return False
        if table.settings()["analyzer"] == "word":
            if not isinstance(vec.tokenizer, Segmenter):
                return False
            segmenter = vec.tokenizer
        blocks.append(table.settings())
        arrays.update({f"b{i}_{k}": v for k, v in table.arrays().items()})
        if table.idf is not None:
            arrays[f"b{i}_idf"] = table.idf
    cal = bundle["category"].named_steps["clf"]
    if not isinstance(cal, CalibratedClassifierCV) or cal.method != "sigmoid":
        return False
    for k, cc in enumerate(cal.calibrated_classifiers_):
        est = cc.estimator
        arrays[f"cat{k}_coef"], arrays[f"cat{k}_intercept"] = est.coef_, est.intercept_
        arrays[f"cat{k}_a"] = np.array([c.a_ for c in cc.calibrators], dtype=np.float64)
        arrays[f"cat{k}_b"] = np.array([c.b_ for c in cc.calibrators], dtype=np.float64)
        arrays[f"cat{k}_pos"] = np.searchsorted(cal.classes_, est.classes_)  # classes_ are sorted
    kind, urgent = bundle["kind"].named_steps["clf"], bundle["urgent"].named_steps["clf"]
    if not isinstance(urgent, LogisticRegression) or len(urgent.classes_) != 2 or not isinstance(kind, LinearSVC):
        return False
    arrays["kind_coef"], arrays["kind_intercept"] = kind.coef_, kind.intercept_
    arrays["urgent_coef"], arrays["urgent_intercept"] = urgent.coef_, urgent.intercept_
    spec = {
        "format": RUNTIME_FORMAT,
        "blocks": blocks,
        "user_words": [list(w) for w in segmenter.user_words] if segmenter else None,
        "category_classes": [str(c) for c in cal.classes_],
        "category_folds": len(cal.calibrated_classifiers_),
        "kind_classes": [str(c) for c in kind.classes_],
        "urgent_positive": bool(urgent.classes_[1]),
    }
    if spec["urgent_positive"] is not True:
        return False
    np.savez(out / RUNTIME_ARRAYS, **arrays)
    (out / RUNTIME_FILE).write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    return True


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
