"""A trained classifier: one directory holding the pipelines and their metadata."""

from __future__ import annotations

import json
import pickle
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

MODEL_FILE = "model.pkl"
OLD_MODEL_FILE = "model.joblib"  # models written before the switch to plain pickle
META_FILE = "meta.json"
RUNTIME_ARRAYS = "runtime.npz"  # the fitted models as arrays, loaded without scikit-learn (nlp/train.py)
RUNTIME_FILE = "runtime.json"
RUNTIME_FORMAT = 1


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


class Classifier:
    """Category, kind and urgency models loaded from a model directory.

    Prediction uses the numpy runtime form of the models when the directory has one (see
    Runtime); the scikit-learn pipelines are unpickled only when asked for (`category_model`...)
    or for older model directories, and `runtime=False` forces them.
    """

    def __init__(self, path: Path, runtime: bool = True):
        self.path = Path(path)
        self.meta = json.loads((self.path / META_FILE).read_text(encoding="utf-8"))
        self.review_threshold: float = self.meta.get("review_threshold", 0.35)
        self.urgent_threshold: float = self.meta.get("urgent_threshold", 0.5)
        self._bundle: dict | None = None
        self._runtime = Runtime.load(self.path) if runtime and _same_features(self) else None
        if self._runtime is None:
            self._load_bundle()
            self._fast = _fast_tables(self.category_model.named_steps["features"]) if _same_features(self) else None

    def _load_bundle(self) -> dict:
        if self._bundle is None:
            if (self.path / MODEL_FILE).exists():
                # plain pickle: its C unpickler loads the vocabularies several times faster than joblib's
                with (self.path / MODEL_FILE).open("rb") as f:
                    self._bundle = pickle.load(f)  # noqa: S301  our own model directory, never user input
            else:
                import joblib

                self._bundle = joblib.load(self.path / OLD_MODEL_FILE)
        return self._bundle

    @property
    def category_model(self):
        return self._load_bundle()["category"]

    @property
    def kind_model(self):
        return self._load_bundle()["kind"]

    @property
    def urgent_model(self):
        return self._load_bundle()["urgent"]

    def features(self, texts: list[str]):
        """The shared feature matrix, by numpy tables where they apply (nlp/fastvec.py)."""
        import scipy.sparse as sp

        if self._runtime is not None:
            return self._runtime.features(texts)
        union = self.category_model.named_steps["features"]
        if self._fast is None:
            return union.transform(texts)
        from nlp.tokenize import normalize

        normalized = [normalize(t) for t in texts]  # once, not once per feature block
        return sp.hstack([fast(texts, normalized) if fast else tr.transform(texts)
                          for (_, tr), fast in zip(union.transformer_list, self._fast, strict=True)], format="csr")

    def _scores(self, texts: list[str]):
        """Category probabilities, their labels, kinds and urgency probabilities."""
        if self._runtime is not None:
            return self._runtime.scores(texts)
        # The three pipelines share the same features: compute them once.
        feats = self.features(texts) if _same_features(self) else None
        cat_proba = (self.category_model.named_steps["clf"].predict_proba(feats) if feats is not None
                     else self.category_model.predict_proba(texts))
        kinds = self.kind_model.named_steps["clf"].predict(feats) if feats is not None else \
            self.kind_model.predict(texts)
        urgent_proba = (self.urgent_model.named_steps["clf"].predict_proba(feats) if feats is not None
                        else self.urgent_model.predict_proba(texts))[:, 1]
        return cat_proba, self.category_model.classes_, kinds, urgent_proba

    @property
    def version(self) -> str:
        return self.meta["version"]

    def predict(self, texts: list[str], keywords: bool = True) -> list[Prediction]:
        """Category with its calibrated probability, kind, urgency (model or danger phrase).

        Below the review threshold the category is not trusted: the request goes to the review
        queue. An urgent request is always flagged for a worker, whatever the confidence.
        """
        from nlp.keywords import extract
        from nlp.urgency import danger_phrase

        if not texts:
            return []
        cat_proba, cat_labels, kinds, urgent_proba = self._scores(texts)
        # whole-batch numpy first, then plain Python values per text
        best = cat_proba.argmax(axis=1)
        confs = cat_proba[np.arange(len(texts)), best].tolist()
        categories = [str(c) for c in np.asarray(cat_labels)[best]]
        model_urgent = (urgent_proba >= self.urgent_threshold).tolist()
        out = []
        for i, text in enumerate(texts):
            conf = confs[i]
            urgent = model_urgent[i] or danger_phrase(text)
            out.append(
                Prediction(
                    category=categories[i],
                    kind=str(kinds[i]),
                    urgent=urgent,
                    confidence=round(conf, 4),
                    keywords=extract(text) if keywords else [],
                    needs_review=conf < self.review_threshold or urgent,
                )
            )
        return out


def _same_features(clf: Classifier) -> bool:
    return bool(clf.meta.get("shared_features"))


def _fast_tables(union) -> list | None:
    """One fast transform per block of the feature union (None where scikit-learn must do it)."""
    from nlp.fastvec import table_for
    from nlp.train import WhenHeads

    if union.transformer_weights:
        return None
    out = []
    for _, tr in union.transformer_list:
        if isinstance(tr, WhenHeads):
            table = table_for(tr.vectorizer) if tr.active_ else None
        else:
            table = table_for(tr)
        out.append(table.transform if table else None)
    return out


class Runtime:
    """The fitted models as numpy arrays: feature tables, linear weights, sigmoid calibration.

    Reproduces the scikit-learn pipelines (tests/nlp/test_runtime.py) without importing
    scikit-learn, whose import alone took about 2 s of a 3 s model load.
    """

    def __init__(self, spec: dict, arrays: dict):
        from nlp.fastvec import CharTable, WordTable
        from nlp.tokenize import Segmenter

        seg = Segmenter(tuple(tuple(w) for w in spec["user_words"])) if spec["user_words"] is not None else None
        self.blocks = []
        for i, block in enumerate(spec["blocks"]):
            mine = {k[len(f"b{i}_"):]: v for k, v in arrays.items() if k.startswith(f"b{i}_")}
            idf = mine.get("idf") if block.get("idf") else None
            if block["analyzer"] == "none":
                self.blocks.append(None)
            elif block["analyzer"] == "char":
                self.blocks.append(CharTable.from_arrays(block, mine, idf))
            else:
                self.blocks.append(WordTable.from_arrays(block, mine, idf, seg))
        self.category_classes = np.array(spec["category_classes"], dtype=object)
        self.kind_classes = np.array(spec["kind_classes"], dtype=object)
        folds = range(spec["category_folds"])
        self.calibration = [(arrays[f"cat{k}_a"], arrays[f"cat{k}_b"], arrays[f"cat{k}_pos"]) for k in folds]
        # one product with every model's weights side by side, split afterwards
        coefs = [arrays[f"cat{k}_coef"] for k in folds] + [arrays["kind_coef"], arrays["urgent_coef"]]
        self.weights = np.ascontiguousarray(np.vstack(coefs).T)
        self.intercepts = np.concatenate([arrays[f"cat{k}_intercept"] for k in folds]
                                         + [arrays["kind_intercept"], arrays["urgent_intercept"]])
        self.splits = np.cumsum([len(c) for c in coefs])[:-1]

    @classmethod
    def load(cls, path: Path) -> Runtime | None:
        """The runtime form in a model directory, or None (older models) to fall back to the pickle."""
        if not (path / RUNTIME_ARRAYS).exists() or not (path / RUNTIME_FILE).exists():
            return None
        spec = json.loads((path / RUNTIME_FILE).read_text(encoding="utf-8"))
        if spec.get("format") != RUNTIME_FORMAT:
            return None
        with np.load(path / RUNTIME_ARRAYS, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        return cls(spec, arrays)

    def features(self, texts: list[str]):
        import scipy.sparse as sp

        from nlp.tokenize import normalize

        normalized = [normalize(t) for t in texts]  # once, not once per feature block
        return sp.hstack([b.transform(texts, normalized) if b else sp.csr_matrix((len(texts), 0))
                          for b in self.blocks], format="csr")

    def scores(self, texts: list[str]):
        X = self.features(texts)
        decision = np.asarray(X @ self.weights) + self.intercepts
        parts = np.split(decision, self.splits, axis=1)
        cat_proba = np.mean([self._calibrated(d, *cal) for d, cal in zip(parts, self.calibration, strict=False)],
                            axis=0)
        kind_d = parts[-2]
        kinds = self.kind_classes[(kind_d[:, 0] > 0).astype(int) if kind_d.shape[1] == 1 else kind_d.argmax(1)]
        urgent_proba = _expit(parts[-1][:, 0])
        return cat_proba, self.category_classes, kinds, urgent_proba

    def _calibrated(self, d: np.ndarray, a: np.ndarray, b: np.ndarray, pos: np.ndarray) -> np.ndarray:
        """sklearn.calibration._CalibratedClassifier.predict_proba for the sigmoid method."""
        n_classes = len(self.category_classes)
        proba = np.zeros((len(d), n_classes))
        for j, class_idx in enumerate(pos):
            if n_classes == 2:  # the binary decision is that of the second class
                class_idx += 1
            proba[:, class_idx] = _expit(-(a[j] * d[:, j] + b[j]))
        if n_classes == 2:
            proba[:, 0] = 1.0 - proba[:, 1]
        else:
            total = proba.sum(axis=1)[:, np.newaxis]
            proba = np.divide(proba, total, out=np.full_like(proba, 1 / n_classes), where=total != 0)
        proba[(1.0 < proba) & (proba <= 1.0 + 1e-5)] = 1.0
        return proba


def _expit(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):  # exp overflow gives exactly 0, as scipy's expit does
        return 1.0 / (1.0 + np.exp(-x))
