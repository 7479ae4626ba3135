"""The TF-IDF matrices of our fitted vectorizers, computed with numpy instead of per-n-gram Python.

scikit-learn builds every character and word n-gram of every text as a Python string and looks
it up in a dict; over long letters that costs more than segmenting them. Here texts become
arrays of code points (characters) or token ids (words), n-grams become integer keys, and one
`searchsorted` per n finds their columns. The result equals `vectorizer.transform(texts)`
(tests/nlp/test_fastvec.py); anything this module does not recognise falls back to scikit-learn.
"""

from __future__ import annotations

import re

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize as l2_normalize

_WS = re.compile(r"\s\s+")  # scikit-learn collapses runs of white space before character n-grams
_BITS = 21  # Unicode code points fit in 21 bits: three of them in one uint64


def _table(keys: list[int], cols: list[int]) -> tuple[np.ndarray, np.ndarray]:
    k = np.array(keys, dtype=np.uint64)
    c = np.array(cols, dtype=np.int64)
    order = np.argsort(k)
    return k[order], c[order]


def _lookup(table, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Columns of the keys found in the table, and a mask of which were found."""
    sorted_keys, cols = table
    if len(sorted_keys) == 0 or len(keys) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(len(keys), dtype=bool)
    pos = np.searchsorted(sorted_keys, keys)
    pos[pos == len(sorted_keys)] = 0
    found = sorted_keys[pos] == keys
    return cols[pos[found]], found


def _finish(vec, rows: np.ndarray, cols: np.ndarray, n_docs: int) -> sp.csr_matrix:
    """Counts -> sublinear TF × IDF -> L2 rows, as TfidfVectorizer does."""
    X = sp.csr_matrix((np.ones(len(rows), dtype=np.float64), (rows, cols)),
                      shape=(n_docs, len(vec.vocabulary_)))
    X.sum_duplicates()
    X.sort_indices()
    if vec.sublinear_tf:
        np.log(X.data, X.data)
        X.data += 1
    if vec.use_idf:
        X.data *= vec.idf_[X.indices]
    if vec.norm:
        X = l2_normalize(X, norm=vec.norm, copy=False)
    return X


class CharTable:
    """Character n-gram vocabulary of a fitted TfidfVectorizer(analyzer="char") as integer keys."""

    def __init__(self, vec):
        self.vec = vec
        self.lo, self.hi = vec.ngram_range
        by_n: dict[int, tuple[list[int], list[int]]] = {n: ([], []) for n in range(self.lo, self.hi + 1)}
        for term, col in vec.vocabulary_.items():
            if len(term) in by_n:
                key = 0
                for ch in term:
                    key = (key << _BITS) | ord(ch)
                by_n[len(term)][0].append(key)
                by_n[len(term)][1].append(col)
        self.tables = {n: _table(*kc) for n, kc in by_n.items()}
        keys1, cols1 = by_n.get(1, ([], []))
        self.unigram = np.full((max(keys1) + 1) if keys1 else 1, -1, dtype=np.int64)
        self.unigram[np.array(keys1, dtype=np.int64)] = np.array(cols1, dtype=np.int64)

    def transform(self, texts: list[str], normalized: list[str] | None = None) -> sp.csr_matrix:
        if normalized is not None and _is_whole(self.vec.preprocessor):
            docs = [_WS.sub(" ", t) for t in normalized]
        else:
            pre = self.vec.build_preprocessor()
            docs = [_WS.sub(" ", pre(t)) for t in texts]
        lengths = np.array([len(d) for d in docs], dtype=np.int64)
        codes = np.frombuffer("".join(docs).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
        doc_of = np.repeat(np.arange(len(docs)), lengths)
        rows, cols = [], []
        ends = (starts + lengths)[doc_of]
        prefix_known = None  # an n-gram can only be in the vocabulary if its (n-1)-gram prefix is
        for n in range(self.lo, self.hi + 1):
            m = len(codes) - n + 1
            if m <= 0:
                continue
            # an n-gram must not cross into the next text
            inside = np.arange(m) + n <= ends[:m]
            if prefix_known is not None and n > self.lo:
                inside &= prefix_known[:m]
            key = codes[:m].copy()
            for j in range(1, n):
                key = (key << np.uint64(_BITS)) | codes[j:m + j]
            if n == 1:  # one gather from a code point -> column array
                cand = key[inside]
                col = self.unigram[np.minimum(cand, len(self.unigram) - 1).astype(np.int64)]
                found = (col >= 0) & (cand < len(self.unigram))
                c = col[found]
            else:
                c, found = _lookup(self.tables[n], key[inside])
            rows.append(doc_of[:m][inside][found])
            cols.append(c)
            prefix_known = np.zeros(len(codes), dtype=bool)
            prefix_known[np.nonzero(inside)[0][found]] = True
        return _finish(self.vec, np.concatenate(rows), np.concatenate(cols), len(texts))


class WordTable:
    """Word uni- and bigram vocabulary of a fitted TfidfVectorizer with our Segmenter."""

    def __init__(self, vec):
        self.vec = vec
        vocab = vec.vocabulary_
        self.ids = {t: col for t, col in vocab.items() if " " not in t}
        self.v = np.uint64(len(vocab) + 1)
        keys, cols = [], []
        for term, col in vocab.items():
            a, sep, b = term.partition(" ")
            if sep and a in self.ids and b in self.ids and " " not in b:
                keys.append(self.ids[a] * int(self.v) + self.ids[b])
                cols.append(col)
        self.bigrams = _table(keys, cols)

    def transform(self, texts: list[str], normalized: list[str] | None = None) -> sp.csr_matrix:
        from nlp.tokenize import Segmenter

        if normalized is not None and _is_whole(self.vec.preprocessor) and isinstance(self.vec.tokenizer, Segmenter):
            tokens = map(self.vec.tokenizer.words_of_normalized, normalized)
        else:
            tok, pre = self.vec.build_tokenizer(), self.vec.build_preprocessor()
            tokens = (tok(pre(t)) for t in texts)
        get = self.ids.get
        ids, lengths = [], []
        for toks in tokens:
            ids.extend([get(w, -1) for w in toks])
            lengths.append(len(toks))
        toks = np.array(ids, dtype=np.int64)
        doc = np.repeat(np.arange(len(texts)), lengths)
        known = toks >= 0
        rows, cols = [doc[known]], [toks[known]]
        if len(toks) > 1:
            # adjacent tokens of the same text, both in the vocabulary
            both = known[:-1] & known[1:] & (doc[:-1] == doc[1:])
            keys = toks[:-1][both].astype(np.uint64) * self.v + toks[1:][both].astype(np.uint64)
            c, found = _lookup(self.bigrams, keys)
            rows.append(doc[:-1][both][found])
            cols.append(c)
        return _finish(self.vec, np.concatenate(rows), np.concatenate(cols), len(texts))


def _is_whole(preprocessor) -> bool:
    from nlp.train import _whole

    return preprocessor is _whole


def table_for(vec):
    """A fast table for the vectorizers we build (nlp.train.features), else None."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    if not isinstance(vec, TfidfVectorizer) or not hasattr(vec, "vocabulary_") or vec.stop_words:
        return None
    if vec.analyzer == "char" and vec.ngram_range[1] <= 3:
        return CharTable(vec)
    if vec.analyzer == "word" and vec.tokenizer is not None and vec.ngram_range == (1, 2):
        return WordTable(vec)
    return None
