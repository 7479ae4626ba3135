"""A trained classifier: one directory holding the pipelines and their metadata."""

from __future__ import annotations

import json
import pickle
from dataclasses import asdict, dataclass, field
from pathlib import Path

MODEL_FILE = "model.pkl"
OLD_MODEL_FILE = "model.joblib"  # models written before the switch to plain pickle
META_FILE = "meta.json"


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
    """Category, kind and urgency models loaded from a model directory."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.meta = json.loads((self.path / META_FILE).read_text(encoding="utf-8"))
        if (self.path / MODEL_FILE).exists():
            # plain pickle: its C unpickler loads the vocabularies several times faster than joblib's
            with (self.path / MODEL_FILE).open("rb") as f:
                bundle = pickle.load(f)  # noqa: S301  our own model directory, never user input
        else:
            import joblib

            bundle = joblib.load(self.path / OLD_MODEL_FILE)
        self.category_model = bundle["category"]
        self.kind_model = bundle["kind"]
        self.urgent_model = bundle["urgent"]
        self.review_threshold: float = self.meta.get("review_threshold", 0.35)
        self.urgent_threshold: float = self.meta.get("urgent_threshold", 0.5)
        self._fast = _fast_tables(self.category_model.named_steps["features"]) if _same_features(self) else None

    def features(self, texts: list[str]):
        """The shared feature matrix, by numpy tables where they apply (nlp/fastvec.py)."""
        import scipy.sparse as sp

        union = self.category_model.named_steps["features"]
        if self._fast is None:
            return union.transform(texts)
        from nlp.tokenize import normalize

        normalized = [normalize(t) for t in texts]  # once, not once per feature block
        return sp.hstack([fast(texts, normalized) if fast else tr.transform(texts)
                          for (_, tr), fast in zip(union.transformer_list, self._fast, strict=True)], format="csr")

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
        # The three pipelines share the same features: compute them once.
        feats = self.features(texts) if _same_features(self) else None
        cat_proba = (self.category_model.named_steps["clf"].predict_proba(feats) if feats is not None
                     else self.category_model.predict_proba(texts))
        cat_labels = self.category_model.classes_
        kinds = self.kind_model.named_steps["clf"].predict(feats) if _same_features(self) else \
            self.kind_model.predict(texts)
        urgent_proba = (self.urgent_model.named_steps["clf"].predict_proba(feats) if _same_features(self)
                        else self.urgent_model.predict_proba(texts))[:, 1]
        out = []
        for i, text in enumerate(texts):
            best = int(cat_proba[i].argmax())
            conf = float(cat_proba[i][best])
            urgent = bool(urgent_proba[i] >= self.urgent_threshold) or danger_phrase(text)
            out.append(
                Prediction(
                    category=str(cat_labels[best]),
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
