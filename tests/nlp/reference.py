"""The features as scikit-learn's TfidfVectorizer computes them: what nlp/features.py must equal."""

from __future__ import annotations

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

from nlp.features import head
from nlp.tokenize import Segmenter, normalize


def reference_features(texts: list[str], segmenter: Segmenter | None = None) -> FeatureUnion:
    """Words (1–2) and characters (1–3) over the whole text and, when any has one, over the first line."""
    seg = segmenter or Segmenter()

    def words(pre):
        return TfidfVectorizer(tokenizer=seg, token_pattern=None, lowercase=False, preprocessor=pre,
                               ngram_range=(1, 2), sublinear_tf=True)

    def chars(pre):
        return TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, preprocessor=pre)

    blocks = [("words", words(normalize)), ("chars", chars(normalize))]
    if any(head(t) for t in texts):
        blocks += [("head_words", words(head)), ("head_chars", chars(head))]
    return FeatureUnion(blocks).fit(texts)
