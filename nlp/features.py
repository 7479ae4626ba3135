"""The classifier's features: one definition, fitted in training and applied in prediction.

Four TF-IDF blocks side by side, each over normalised text (NFKC, lower case, nlp.tokenize):

    words  jieba words (nlp.tokenize.Segmenter, punctuation dropped), uni- and bigrams
    chars  character 1–3-grams (runs of white space collapsed to one space)
    and the same two over the text's first line when it has several (a letter's subject,
    TipDM's title); these two give no columns when no training text has a first line of its own.

Within a block: n-gram counts -> sublinear TF (1 + ln count) × smoothed IDF
(ln((1 + documents) / (1 + documents with the n-gram)) + 1) -> each row scaled to unit length.
That is what scikit-learn's TfidfVectorizer computes with these settings, column order included
(tests/nlp/test_features.py checks the two matrices are equal), but n-grams are integer keys in
numpy arrays rather than one Python string each, which over long letters cost more than
segmenting them.

`Features.fit` learns vocabularies and IDF weights (training); `Features.transform` gives the
sparse matrix (training), `Features.entries_of` its entries as plain arrays (prediction);
`save`/`load` turn a fitted instance into plain JSON and arrays for the model directory. Nothing
here imports scikit-learn.
"""

from __future__ import annotations

import re
from itertools import chain

import numpy as np
import scipy.sparse as sp

from nlp.tokenize import Segmenter, normalize, normalize_many, words_of_token

_WS = re.compile(r"\s\s+")  # collapsed to one space before character n-grams, as scikit-learn does
_BITS = 21  # a code point + 1 fits in 21 bits (0x10FFFF + 1 < 2**21): three of them in one uint64


def head(text: str) -> str:
    """The first line of a text of several lines (a title or subject), normalised, else nothing."""
    first, sep, _ = text.strip().partition("\n")
    return normalize(first) if sep else ""


def _first_lines(texts: list[str]) -> list[str]:
    """head() of every text, normalised as one batch."""
    firsts = []
    for text in texts:
        first, sep, _ = text.strip().partition("\n")
        firsts.append(first if sep else "")
    return normalize_many(firsts)


_EMPTY = np.uint64(2**64 - 1)  # marks an empty slot: no n-gram key reaches it


class KeyIndex:
    """Integer key -> column, looked up for millions of keys at once.

    A binary search costs one cache miss per step; this multiplicative hash costs about one per
    key: each level places the keys that have a slot to themselves, the others (and any key whose
    slot is marked `more`) go on to the next level with another multiplier. The few keys left
    after the last level are found by binary search.
    """

    _MULTIPLIERS = (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93)

    def __init__(self, keys: np.ndarray, cols: np.ndarray):
        self.keys, self.cols = np.asarray(keys, dtype=np.uint64), np.asarray(cols, dtype=np.int64)
        self.levels = []
        keys, cols = self.keys, self.cols
        for mult in self._MULTIPLIERS:
            if len(keys) == 0:
                break
            bits = max(4, len(keys).bit_length() + 2)  # about a quarter of the level's slots used
            slot = _slot(keys, mult, bits)
            count = np.bincount(slot, minlength=1 << bits)
            alone = count[slot] == 1
            table_keys = np.full(1 << bits, _EMPTY, dtype=np.uint64)
            table_cols = np.full(1 << bits, -1, dtype=np.int64)
            table_keys[slot[alone]], table_cols[slot[alone]] = keys[alone], cols[alone]
            self.levels.append((mult, bits, table_keys, table_cols, count > 1))
            keys, cols = keys[~alone], cols[~alone]
        order = np.argsort(keys)
        self.rest = keys[order], cols[order]

    def lookup(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Columns of the keys found, in key order, and a mask of which were found."""
        col = np.full(len(keys), -1, dtype=np.int64)
        todo = np.arange(len(keys))
        for mult, bits, table_keys, table_cols, more in self.levels:
            if len(todo) == 0:
                break
            k = keys[todo]
            slot = _slot(k, mult, bits)
            hit = table_keys[slot] == k
            col[todo[hit]] = table_cols[slot[hit]]
            todo = todo[~hit & more[slot]]
        rest_keys, rest_cols = self.rest
        if len(todo) and len(rest_keys):
            pos = np.minimum(np.searchsorted(rest_keys, keys[todo]), len(rest_keys) - 1)
            found = rest_keys[pos] == keys[todo]
            col[todo[found]] = rest_cols[pos[found]]
        found = col >= 0
        return col[found], found


def _slot(keys: np.ndarray, mult: int, bits: int) -> np.ndarray:
    return ((keys * np.uint64(mult)) >> np.uint64(64 - bits)).view(np.int64)  # < 2**bits: a view, no copy


def _document_frequency(rows: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct keys, sorted, and in how many documents (rows) each occurs."""
    uniq, inverse = np.unique(keys, return_inverse=True)
    if len(uniq) == 0:
        return uniq, np.zeros(0, dtype=np.int64)
    # one per (document, key); sorted by hand: np.unique's hash path took 27 s here against 1 s
    pairs = np.sort(rows.astype(np.int64) * len(uniq) + inverse)
    pairs = pairs[np.concatenate([[True], pairs[1:] != pairs[:-1]])]
    return uniq, np.bincount(pairs % len(uniq), minlength=len(uniq))


def _idf(df: np.ndarray, n_docs: int) -> np.ndarray:
    """Smoothed inverse document frequency, computed in the same order of operations as scikit-learn."""
    idf = np.full(len(df), n_docs + 1, dtype=np.float64)
    idf /= df.astype(np.float64) + 1.0
    np.log(idf, out=idf)
    idf += 1.0
    return idf


class _Block:
    """One TF-IDF block over the whole texts or their first lines; subclasses find the n-grams."""

    analyzer = ""

    def __init__(self, source: str, min_df: int = 1):
        if source not in ("whole", "head"):
            raise ValueError(f"unknown text source {source!r}")
        self.source, self.min_df = source, min_df
        self.idf = np.zeros(0, dtype=np.float64)

    @property
    def n_features(self) -> int:
        return len(self.idf)

    def transform(self, docs: list[str]) -> sp.csr_matrix:
        """TF-IDF rows of normalised documents (counts -> 1 + ln count -> × IDF -> unit length)."""
        rows, cols, values = self.entries(docs)
        indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=len(docs)))])
        return sp.csr_matrix((values, cols, indptr), shape=(len(docs), self.n_features))

    def entries(self, docs: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The TF-IDF matrix's nonzero entries as (rows, columns, values), row by row and in column order
        within a row (counts -> 1 + ln count -> × IDF -> unit length). Prediction scores these directly:
        building scipy matrices for the few texts of a request was most of its classification time
        (docs/performance.md)."""
        rows, cols = self._occurrences(docs) if self.n_features else (np.zeros(0, np.int64),) * 2
        key, count = np.unique(rows * self.n_features + cols, return_counts=True)
        rows, cols = np.divmod(key, self.n_features)
        values = np.log(count.astype(np.float64))
        values += 1.0
        values *= self.idf[cols]
        norms = np.sqrt(np.bincount(rows, weights=values * values, minlength=len(docs)))
        norms[norms == 0] = 1.0
        values /= norms[rows]
        return rows, cols, values

    def fit(self, docs: list[str]) -> _Block:
        """Learn the vocabulary (n-grams in at least `min_df` documents) and the IDF weights."""
        raise NotImplementedError

    def _occurrences(self, docs: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(document, column) of every n-gram occurrence that is in the vocabulary."""
        raise NotImplementedError

    def arrays(self) -> dict[str, np.ndarray]:
        raise NotImplementedError

    def settings(self) -> dict:
        return {"analyzer": self.analyzer, "source": self.source, "min_df": self.min_df}


class CharNgrams(_Block):
    """Character 1–3-grams.

    An n-gram's key packs its code points + 1 into 21 bits each, first character highest, zeros
    after a shorter n-gram: key order is the n-grams' string order, so the sorted keys are the
    columns in scikit-learn's order, and a column is its key's position in `keys`.
    """

    analyzer = "chars"
    MAX_N = 3

    def __init__(self, source: str, min_df: int = 1):
        super().__init__(source, min_df)
        self.keys = np.zeros(0, dtype=np.uint64)
        self._index()

    def _index(self) -> None:
        n_of = _ngram_length(self.keys)
        cols = np.arange(len(self.keys), dtype=np.int64)
        codes = (self.keys[n_of == 1] >> np.uint64(2 * _BITS)).astype(np.int64)  # code point + 1
        # indexed by code point + 1; the last entry stays -1 for every code point above the known ones
        self.unigram = np.full(int(codes.max()) + 2 if len(codes) else 1, -1, dtype=np.int32)
        self.unigram[codes] = cols[n_of == 1]
        self.tables = {n: KeyIndex(self.keys[n_of == n], cols[n_of == n]) for n in range(2, self.MAX_N + 1)}

    @staticmethod
    def _codes(docs: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Code points + 1 of all documents end to end, each position's document, and how many
        characters its document has from there on (an n-gram must not cross into the next one)."""
        docs = [_WS.sub(" ", d) for d in docs]
        lengths = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
        codes = np.frombuffer("".join(docs).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64) + np.uint64(1)
        doc_of = np.repeat(np.arange(len(docs)), lengths)
        return codes, doc_of, np.cumsum(lengths)[doc_of] - np.arange(len(codes))

    def fit(self, docs: list[str]) -> CharNgrams:
        codes, doc_of, room = self._codes(docs)
        rows, keys = [], []
        key = np.zeros(len(codes), dtype=np.uint64)
        for n in range(1, self.MAX_N + 1):
            m = max(len(codes) - n + 1, 0)
            key = key[:m] | (codes[n - 1:n - 1 + m] << np.uint64(_BITS * (self.MAX_N - n)))
            inside = room[:m] >= n
            rows.append(doc_of[:m][inside])
            keys.append(key[inside])
        uniq, df = _document_frequency(np.concatenate(rows), np.concatenate(keys))
        kept = df >= self.min_df
        self.keys, self.idf = uniq[kept], _idf(df[kept], len(docs))
        self._index()
        return self

    def _occurrences(self, docs: list[str]) -> tuple[np.ndarray, np.ndarray]:
        codes, doc_of, room = self._codes(docs)
        rows, cols = [], []
        # n = 1: one gather from a code point -> column array (higher code points: its last entry, -1)
        c = self.unigram[np.minimum(codes, np.uint64(len(self.unigram) - 1)).view(np.int64)]
        known = c >= 0
        rows.append(doc_of[known])
        cols.append(c[known])
        key = codes << np.uint64(_BITS * (self.MAX_N - 1))
        for n in range(2, self.MAX_N + 1):
            # an n-gram can only be in the vocabulary if its (n-1)-gram prefix is
            m = max(len(codes) - n + 1, 0)
            at = np.nonzero(known[:m] & (room[:m] >= n))[0]
            key = key[:m] | (codes[n - 1:n - 1 + m] << np.uint64(_BITS * (self.MAX_N - n)))
            c, found = self.tables[n].lookup(key[at])
            rows.append(doc_of[at[found]])
            cols.append(c)
            known = np.zeros(len(codes), dtype=bool)
            known[at[found]] = True
        return np.concatenate(rows), np.concatenate(cols)

    def arrays(self) -> dict[str, np.ndarray]:
        return {"keys": self.keys, "idf": self.idf}

    @classmethod
    def load(cls, settings: dict, arrays: dict) -> CharNgrams:
        self = cls(settings["source"], settings["min_df"])
        self.keys, self.idf = arrays["keys"], arrays["idf"]
        self._index()
        return self


def _ngram_length(keys: np.ndarray) -> np.ndarray:
    """1, 2 or 3 for each character n-gram key (a shorter n-gram leaves its low 21-bit fields zero)."""
    low = np.uint64((1 << _BITS) - 1)
    return 1 + ((keys >> np.uint64(_BITS)) & low > 0) + (keys & low > 0)


class WordNgrams(_Block):
    """Word uni- and bigrams of the segmenter's words.

    A bigram is two adjacent words of a text, punctuation between them dropped (the words
    scikit-learn's tokenizer gets); its key is the pair of its words' columns.
    """

    analyzer = "words"

    def __init__(self, source: str, segmenter: Segmenter, min_df: int = 1):
        super().__init__(source, min_df)
        self.segmenter = segmenter
        self.words: dict[str, int] = {}  # word -> column
        self.bigrams = KeyIndex(np.zeros(0, np.uint64), np.zeros(0, np.int64))
        self._tokens = _TokenTable(self.words)

    def _pair_key(self, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        return first.astype(np.uint64) * np.uint64(self.n_features + 1) + second.astype(np.uint64)

    def _ids_and_docs(self, docs: list[str], table: _TokenTable) -> tuple[np.ndarray, np.ndarray]:
        """Word ids of all documents end to end (-1: not in the vocabulary) and each one's document."""
        tokens = list(map(self.segmenter.raw_tokens, docs))
        lengths = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
        table.start_batch()
        # one dict hit per token, in C; the work per distinct token is done once, in _TokenTable
        index = np.fromiter(map(table.__getitem__, chain.from_iterable(tokens)), dtype=np.int64,
                            count=int(lengths.sum()))
        ids, occurrence = table.words_of(index)
        return ids, np.repeat(np.arange(len(docs)), lengths)[occurrence]

    def fit(self, docs: list[str]) -> WordNgrams:
        seen: dict[str, int] = {}  # word -> provisional id, in order of appearance
        ids, doc = self._ids_and_docs(docs, _TokenTable(seen, grow=True))
        v = len(seen)
        if v == 0:  # nothing but punctuation: the block has no columns
            return self
        same = doc[:-1] == doc[1:]
        keys = np.concatenate([ids, v + ids[:-1][same] * v + ids[1:][same]])  # unigrams, then bigrams
        rows = np.concatenate([doc, doc[:-1][same]])
        uniq, df = _document_frequency(rows, keys)
        kept = df >= self.min_df
        uniq, df = uniq[kept], df[kept]
        words = list(seen)
        terms = [words[k] if k < v else f"{words[(k - v) // v]} {words[(k - v) % v]}" for k in uniq.tolist()]
        order = sorted(range(len(terms)), key=terms.__getitem__)  # columns in the terms' string order
        col = np.empty(len(terms), dtype=np.int64)
        col[order] = np.arange(len(terms))
        self.idf = _idf(df[order], len(docs))
        uni = uniq < v
        self.words = dict(zip([words[k] for k in uniq[uni].tolist()], col[uni].tolist(), strict=True))
        pair = uniq[~uni].astype(np.int64) - v
        word_col = np.full(v, -1, dtype=np.int64)
        word_col[uniq[uni].astype(np.int64)] = col[uni]
        self.bigrams = KeyIndex(self._pair_key(word_col[pair // v], word_col[pair % v]), col[~uni])
        self._tokens = _TokenTable(self.words)
        return self

    def _occurrences(self, docs: list[str]) -> tuple[np.ndarray, np.ndarray]:
        ids, doc = self._ids_and_docs(docs, self._tokens)
        known = ids >= 0
        rows, cols = [doc[known]], [ids[known]]
        # adjacent words of the same document, both in the vocabulary
        both = known[:-1] & known[1:] & (doc[:-1] == doc[1:])
        c, found = self.bigrams.lookup(self._pair_key(ids[:-1][both], ids[1:][both]))
        rows.append(doc[:-1][both][found])
        cols.append(c)
        return np.concatenate(rows), np.concatenate(cols)

    def settings(self) -> dict:
        return {**super().settings(), "words": list(self.words)}

    def arrays(self) -> dict[str, np.ndarray]:
        return {"word_cols": np.fromiter(self.words.values(), dtype=np.int64, count=len(self.words)),
                "bigram_keys": self.bigrams.keys, "bigram_cols": self.bigrams.cols, "idf": self.idf}

    @classmethod
    def load(cls, settings: dict, arrays: dict, segmenter: Segmenter) -> WordNgrams:
        self = cls(settings["source"], segmenter, settings["min_df"])
        self.idf = arrays["idf"]
        self.words.update(zip(settings["words"], arrays["word_cols"].tolist(), strict=True))
        self.bigrams = KeyIndex(arrays["bigram_keys"], arrays["bigram_cols"])
        return self


class _TokenTable(dict):
    """Raw jieba token -> its row here, and each row's word ids (-1 for a word not in `ids`).

    A token gives one word, none (punctuation) or several (a mixed run such as "e-bike", split as
    jieba splits it: nlp.tokenize.words_of_token). The same few thousand tokens come back in
    every text, so this work is done once per distinct token; mapping a batch's tokens to rows
    is one dict hit each, and rows become word ids in numpy (0.25 s against 0.63 s for tuples
    of ids chained per token, TipDM). With grow=True (fitting) every new word gets the next id.
    """

    LIMIT = 500_000  # distinct tokens kept; past it, start again at the next batch

    def __init__(self, ids: dict[str, int], grow: bool = False):
        super().__init__()
        self.ids, self.grow = ids, grow
        self._counts: list[int] = []  # words per row
        self._words: list[int] = []  # their ids, row after row
        self._arrays: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def start_batch(self) -> None:
        if len(self) >= self.LIMIT:
            self.clear()
            self._counts, self._words, self._arrays = [], [], None

    def __missing__(self, tok: str) -> int:
        words = (tok,) if tok.isalnum() else words_of_token(tok)  # a plain word is kept whole
        if self.grow:
            for w in words:
                self.ids.setdefault(w, len(self.ids))
        self._counts.append(len(words))
        self._words.extend(self.ids.get(w, -1) for w in words)
        self._arrays = None
        row = self[tok] = len(self._counts) - 1
        return row

    def words_of(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The word ids of a sequence of rows, and for each word the position of its row."""
        if self._arrays is None:
            counts = np.array(self._counts, dtype=np.int64)
            self._arrays = counts, np.cumsum(counts) - counts, np.array(self._words, dtype=np.int64)
        counts, starts, words = self._arrays
        n = counts[rows]
        occurrence = np.repeat(np.arange(len(rows)), n)
        within = np.arange(len(occurrence)) - np.repeat(np.cumsum(n) - n, n)
        return words[starts[rows][occurrence] + within], occurrence


class Features:
    """The four blocks, fitted together; columns are the blocks' columns one after another."""

    FORMAT = 1  # of `save`; bump when the meaning of the arrays changes

    def __init__(self, segmenter: Segmenter | None = None, min_df: int = 1):
        self.segmenter = segmenter or Segmenter()
        self.blocks: list[_Block] = [WordNgrams("whole", self.segmenter, min_df), CharNgrams("whole", min_df),
                                     WordNgrams("head", self.segmenter, min_df), CharNgrams("head", min_df)]

    @property
    def n_features(self) -> int:
        return sum(b.n_features for b in self.blocks)

    def _docs(self, texts: list[str], fitting: bool = False) -> dict[str, list[str]]:
        docs = {"whole": normalize_many(texts)}
        if fitting or any(b.n_features for b in self.blocks if b.source == "head"):
            docs["head"] = _first_lines(texts)
        return docs

    def fit(self, texts: list[str]) -> Features:
        docs = self._docs(texts, fitting=True)
        has_heads = any(docs["head"])
        for block in self.blocks:
            if block.source == "whole" or has_heads:  # else the head blocks stay without columns
                block.fit(docs[block.source])
        return self

    def entries_of(self, texts: list[str]) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Each block's TF-IDF entries (`_Block.entries`, columns numbered as in `transform`), for the
        blocks with columns: prediction multiplies them by their weights."""
        docs = self._docs(texts)
        out, start = [], 0
        for b in self.blocks:
            if b.n_features:
                rows, cols, values = b.entries(docs[b.source])
                out.append((rows, cols + start, values))
                start += b.n_features
        return out

    def transform(self, texts: list[str]) -> sp.csr_matrix:
        """All blocks side by side, rows = texts (what the models are trained on)."""
        docs = self._docs(texts)
        parts = [b.transform(docs[b.source]) for b in self.blocks if b.n_features]
        return sp.hstack(parts, format="csr") if parts else sp.csr_matrix((len(texts), 0))

    def save(self) -> tuple[dict, dict[str, np.ndarray]]:
        """JSON-able settings (user dictionary, words) and named arrays that `load` reads back."""
        arrays = {f"block{i}_{k}": v for i, b in enumerate(self.blocks) for k, v in b.arrays().items()}
        spec = {"format": self.FORMAT, "user_words": [list(w) for w in self.segmenter.user_words],
                "blocks": [b.settings() for b in self.blocks]}
        return spec, arrays

    @classmethod
    def load(cls, spec: dict, arrays: dict[str, np.ndarray]) -> Features:
        if spec.get("format") != cls.FORMAT:
            raise ValueError(f"features of format {spec.get('format')!r}, expected {cls.FORMAT}")
        self = cls(Segmenter(tuple(tuple(w) for w in spec["user_words"])))
        self.blocks = []
        for i, settings in enumerate(spec["blocks"]):
            mine = {k[len(f"block{i}_"):]: v for k, v in arrays.items() if k.startswith(f"block{i}_")}
            if settings["analyzer"] == "words":
                self.blocks.append(WordNgrams.load(settings, mine, self.segmenter))
            else:
                self.blocks.append(CharNgrams.load(settings, mine))
        return self
