"""A trained classifier: loading a model directory and predicting, with numpy alone.

A model directory (written by nlp/train.py) holds:

    meta.json    version, data hash, thresholds, validation and test figures, library versions
    model.json   the feature settings (user dictionary, word list) and the label sets
    model.npz    the feature tables and IDF weights, and the three linear models as one matrix

Prediction computes the features once (nlp/features.py), multiplies them by the weights of all
three models at once and reads off: the category with its calibrated probability, the kind, and
the urgency probability. Nothing here imports scikit-learn or the training code: importing
scikit-learn alone took 2.1 s of the 3.0 s that loading a pickled model used to take.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from nlp.features import Features

META_FILE = "meta.json"
MODEL_FILE = "model.json"
ARRAYS_FILE = "model.npz"
FORMAT = 2  # 1: runtime.json/runtime.npz beside a pickle, read before the single format


# Texts per call past which scores are a sparse product: below it, building a scipy matrix costs more than
# gathering the entries' weight rows (one text 1.1 against 3.6 ms); for 500 texts the gather took 52 ms and
# the sparse product 26 (bench/nlp_batches.py, docs/performance.md).
SPARSE_FROM = 64


class ModelFormatError(ValueError):
    """The directory holds no model this code can read (an older format): train a new one."""


@dataclass
class Prediction:
    category: str
    kind: str
    urgent: bool
    confidence: float
    keywords: list[str] = field(default_factory=list)
    needs_review: bool = False

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class LinearModels:
    """The category, kind and urgency models over the same features, as one weight matrix.

    Columns of `weights` (n_features × columns) and `intercepts`: one per category, then one per
    kind, then one for urgency. A category's score is turned into a probability by its Platt
    sigmoid (`platt_a`, `platt_b`, see `calibrate`); the kind is the highest-scoring kind column;
    urgency is the logistic sigmoid of the last column. Two-class models are stored as two
    columns of opposite sign, so prediction never needs a case for them.
    """

    categories: list[str]
    kinds: list[str]
    weights: np.ndarray
    intercepts: np.ndarray
    platt_a: np.ndarray
    platt_b: np.ndarray

    def scores(self, n: int, blocks) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Category probabilities, kind indices and urgency probabilities of `n` texts from their feature
        blocks' entries (nlp.features.Features.entries_of)."""
        decision = np.tile(self.intercepts, (n, 1))
        for rows, cols, values in blocks:
            if n > SPARSE_FROM:  # a sparse product: it gathers no weight rows into a temporary array
                indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n))])
                decision += sp.csr_matrix((values, cols, indptr), shape=(n, len(self.weights))) @ self.weights
            elif len(rows):  # each text's row: the sum of its entries' values times their columns' weights
                first = np.flatnonzero(np.concatenate([[True], rows[1:] != rows[:-1]]))
                decision[rows[first]] += np.add.reduceat(self.weights[cols] * values[:, None], first, axis=0)
        n_cat, n_kind = len(self.categories), len(self.kinds)
        category = calibrate(decision[:, :n_cat], self.platt_a, self.platt_b)
        kind = decision[:, n_cat:n_cat + n_kind].argmax(axis=1)
        return category, kind, _sigmoid(decision[:, -1])


def calibrate(scores: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Category probabilities from one-vs-rest SVM scores by Platt scaling.

    Category k's score s becomes p_k = 1 / (1 + exp(a_k·s + b_k)), a sigmoid whose a_k < 0 and
    b_k were fitted in training on out-of-fold scores (scikit-learn's CalibratedClassifierCV with
    method="sigmoid", 3 folds); the probabilities of a text are then divided by their sum. When
    every p_k underflows to 0 (a text far from all categories) each category gets 1/K.
    """
    p = _sigmoid(-(scores * a + b))
    total = p.sum(axis=1, keepdims=True)
    return np.divide(p, total, out=np.full_like(p, 1 / p.shape[1]), where=total != 0)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):  # exp overflow gives exactly 0, as it should
        return 1.0 / (1.0 + np.exp(-x))


def save(out: Path, features: Features, models: LinearModels) -> None:
    """Write model.json and model.npz into a model directory (meta.json is the trainer's)."""
    spec, arrays = features.save()
    if models.weights.shape != (features.n_features, len(models.intercepts)):
        raise ValueError(f"weights {models.weights.shape} do not fit {features.n_features} features")
    arrays.update(weights=models.weights, intercepts=models.intercepts, platt_a=models.platt_a,
                  platt_b=models.platt_b)
    doc = {"format": FORMAT, "features": spec, "categories": models.categories, "kinds": models.kinds}
    np.savez(Path(out) / ARRAYS_FILE, allow_pickle=False, **arrays)
    (Path(out) / MODEL_FILE).write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


class Classifier:
    """Category, kind and urgency of texts, from one model directory."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.meta = json.loads((self.path / META_FILE).read_text(encoding="utf-8"))
        self.review_threshold: float = self.meta["review_threshold"]
        self.urgent_threshold: float = self.meta["urgent_threshold"]
        spec_path = self.path / MODEL_FILE
        spec = json.loads(spec_path.read_text(encoding="utf-8")) if spec_path.exists() else {}
        if spec.get("format") != FORMAT or not (self.path / ARRAYS_FILE).exists():
            raise ModelFormatError(f"{self.path} holds no model of format {FORMAT} (an older one?): "
                                   "train a new model with `needs nlp train`")
        with np.load(self.path / ARRAYS_FILE, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        self.features = Features.load(spec["features"], arrays)
        self.models = LinearModels(spec["categories"], spec["kinds"], np.ascontiguousarray(arrays["weights"]),
                                   arrays["intercepts"], arrays["platt_a"], arrays["platt_b"])
        self.categories: tuple[str, ...] = tuple(spec["categories"])  # the label set, sorted
        self.kinds: tuple[str, ...] = tuple(spec["kinds"])
        # categories an admin retired since training: never predicted (set by nlp.registry.get_classifier)
        self.retired: frozenset[str] = frozenset()

    @property
    def version(self) -> str:
        return self.meta["version"]

    def scores(self, texts: list[str]) -> tuple[np.ndarray, list[str], np.ndarray]:
        """Category probabilities (columns in `categories` order), kinds, urgency probabilities."""
        category, kind, urgent = self.models.scores(len(texts), self.features.entries_of(texts))
        return category, [self.kinds[k] for k in kind.tolist()], urgent

    def predict(self, texts: list[str], keywords: bool = True) -> list[Prediction]:
        """Category with its calibrated probability, kind, urgency (nlp.urgency.decide: a live danger
        phrase, or the model's probability at the threshold in a text that is not calm).

        Below the review threshold the category is not trusted: the request goes to the review
        queue. An urgent request is always flagged for a worker, whatever the confidence.
        """
        from nlp.keywords import extract
        from nlp.urgency import decide

        if not texts:
            return []
        cat_proba, kinds, urgent_proba = self.scores(texts)
        if self.retired & set(self.categories):  # out of the running; the next best keeps its own probability
            cat_proba = cat_proba.copy()
            cat_proba[:, [i for i, c in enumerate(self.categories) if c in self.retired]] = 0.0
        # whole-batch numpy first, then plain Python values per text
        best = cat_proba.argmax(axis=1)
        confs = cat_proba[np.arange(len(texts)), best].tolist()
        categories = [self.categories[i] for i in best.tolist()]
        urgent_proba = urgent_proba.tolist()
        out = []
        for i, text in enumerate(texts):
            conf = confs[i]
            urgent = decide(text, urgent_proba[i], self.urgent_threshold)
            out.append(
                Prediction(
                    category=categories[i],
                    kind=kinds[i],
                    urgent=urgent,
                    confidence=round(conf, 4),
                    keywords=extract(text) if keywords else [],
                    needs_review=conf < self.review_threshold or urgent,
                )
            )
        return out
