"""Word segmentation: jieba's dictionary plus our domain user dictionary, cut by rjieba.

rjieba binds jieba-rs, which ships jieba's own dictionary and follows jieba's user-dictionary
rules (a word without a frequency gets the frequency that just keeps it whole), so it gives
jieba's tokens many times faster; tests/nlp/test_tokenize.py checks the two agree.
"""

from __future__ import annotations

import hashlib
import re
import threading
import unicodedata
from itertools import chain
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parent / "data"
USER_DICT = DATA / "user_dict.txt"
STOPWORDS_FILE = DATA / "stopwords.txt"

_lock = threading.Lock()
_cutters: dict[str, object] = {}
_TOKEN_OK = re.compile(r"\w", re.UNICODE)

UserWord = tuple[str, int | None, str | None]


def read_user_dict(path: Path = USER_DICT) -> tuple[UserWord, ...]:
    """jieba's user-dictionary format: `word [freq] [tag]` per line."""
    if not Path(path).exists():
        return ()
    out = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        parts = line.strip().split()
        if not parts or parts[0].startswith("#"):
            continue
        freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        tag = parts[-1] if len(parts) > 1 and not parts[-1].isdigit() else None
        out.append((parts[0], freq, tag))
    return tuple(out)


# Full-width ASCII and the ideographic space, as NFKC maps them. Chinese text is full of "，" and
# "：", which fail the NFKC quick check; translating them first lets most texts pass it and skip
# the full normalisation, with the same result (these characters decompose to plain starters).
_FULL_WIDTH = {c: unicodedata.normalize("NFKC", chr(c)) for c in [*range(0xFF01, 0xFF5F), 0x3000]}
_WIDE_OFFSET = 0xFF01 - 0x21  # full-width "！" .. "～" are ASCII "!" .. "~" shifted by this
# A lone surrogate (JSON allows "\ud800") is no character: jieba-rs and UTF-8 refuse it.
_SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def normalize(text: str) -> str:
    """Full-width letters and digits to half-width (NFKC), lower case; a lone surrogate becomes U+FFFD."""
    if text.isascii():
        return text.lower()
    text = _SURROGATE.sub(REPLACEMENT, text)
    if not unicodedata.is_normalized("NFKC", text):  # the quick check is much cheaper than normalising
        text = text.translate(_FULL_WIDTH)
        if not unicodedata.is_normalized("NFKC", text):
            text = unicodedata.normalize("NFKC", text)
    return text.lower()


def normalize_many(texts: list[str]) -> list[str]:
    """normalize() of every text, with the full-width mapping done for the whole batch at once.

    str.translate looks up every character in a dict; over the 10 MB of TipDM messages that took
    0.50 s, and the same mapping on one array of code points takes 0.01 s (all of this 0.66 s -> 0.16 s).
    """
    if not texts:
        return []
    codes = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32).copy()
    codes[(codes >= 0xFF01) & (codes <= 0xFF5E)] -= _WIDE_OFFSET
    codes[codes == 0x3000] = 0x20
    codes[(codes >= 0xD800) & (codes <= 0xDFFF)] = ord(REPLACEMENT)
    mapped = codes.tobytes().decode("utf-32-le")  # one code point for one: the texts' offsets stay
    out, start = [], 0
    is_normalized, nfkc = unicodedata.is_normalized, unicodedata.normalize
    for text in texts:
        end = start + len(text)
        part = mapped[start:end]
        start = end
        out.append((part if is_normalized("NFKC", part) else nfkc("NFKC", part)).lower())
    return out


def _cutter(user_words: tuple[UserWord, ...]):
    key = hashlib.sha256(repr(user_words).encode()).hexdigest()
    cut = _cutters.get(key)
    if cut is None:
        with _lock:
            cut = _cutters.get(key)
            if cut is None:
                import rjieba

                cut = rjieba.Jieba()
                for word, freq, tag in user_words:
                    cut.add_word(word, freq, tag)
                _cutters[key] = cut
    return cut


_MIXED = re.compile(r"[A-Za-z0-9][^A-Za-z0-9]|[^A-Za-z0-9][A-Za-z0-9]")
_ALNUM_RUN = re.compile(r"[A-Za-z0-9]+(?:\.\d+)?%?|[^A-Za-z0-9]+")  # jieba's finalseg re_skip


_JIEBA_RS_RUN = re.compile(r"[A-Za-z0-9+#&._%\-]{2,}")  # what jieba-rs may keep as one token


class _TokenWords(dict):
    """Token -> the words it gives (jieba's split of mixed runs, punctuation dropped), memoised.

    The same few thousand tokens come back in every text, so a dict hit (done in C through
    map/chain) replaces per-token Python checks. A run that jieba-rs keeps whole is all ASCII, so
    whether a token needs splitting depends on the token alone.
    """

    LIMIT = 500_000  # distinct tokens kept; then start again rather than grow without end

    def __missing__(self, tok: str) -> tuple[str, ...]:
        parts = _ALNUM_RUN.findall(tok) if len(tok) > 1 and tok.isascii() and _MIXED.search(tok) else (tok,)
        words = tuple(w for w in parts if w.isalnum() or _TOKEN_OK.search(w))
        if len(self) >= self.LIMIT:
            self.clear()
        self[tok] = words
        return words


_token_words = _TokenWords()


def words_of_token(tok: str) -> tuple[str, ...]:
    """The words one raw jieba token gives in words_of_normalized (none for punctuation)."""
    return _token_words[tok]


def _as_jieba(tokens: list[str], text: str) -> list[str]:
    """jieba-rs keeps "e-bike" or "4-201" whole where jieba splits at every non-alphanumeric character."""
    mixed = {run for run in _JIEBA_RS_RUN.findall(text) if _MIXED.search(run)}
    if not mixed:  # the common case: nothing to re-split
        return tokens
    out: list[str] = []
    for tok in tokens:
        if tok in mixed or (len(tok) > 1 and tok.isascii() and _MIXED.search(tok)):
            out.extend(_ALNUM_RUN.findall(tok))
        else:
            out.append(tok)
    return out


class Segmenter:
    """jieba's tokens with a given user dictionary, cut by a shared rjieba instance.

    A model directory stores the user words it was trained with (nlp/features.py), so a trained
    model segments text the way it was trained, whatever nlp/data/user_dict.txt says later.
    Copies (scikit-learn clones its estimators' parameters) carry the words, not the cutter.
    """

    def __init__(self, user_words: tuple[UserWord, ...] | None = None):
        self.user_words = tuple(user_words) if user_words is not None else read_user_dict()

    @property
    def _jieba(self):
        cut = self.__dict__.get("_cut")
        if cut is None:
            cut = self.__dict__["_cut"] = _cutter(self.user_words)
        return cut

    def cut(self, text: str) -> list[str]:
        """Raw jieba tokens, punctuation and spaces included."""
        return _as_jieba(self._jieba.cut(text), text)

    def cut_for_search(self, text: str) -> list[str]:
        return self._jieba.cut_for_search(text)

    def raw_tokens(self, text: str) -> list[str]:
        """jieba-rs's own tokens, before the re-split of mixed runs (see words_of_token)."""
        return self._jieba.cut(text)

    def words_of_normalized(self, text: str) -> list[str]:
        # the same as filtering self.cut(text), token by token through _TokenWords
        return list(chain.from_iterable(map(_token_words.__getitem__, self._jieba.cut(text))))

    def __call__(self, text: str) -> list[str]:
        return self.words_of_normalized(normalize(text))

    def __getstate__(self):
        return {"user_words": self.user_words}

    def __setstate__(self, state):
        self.user_words = state["user_words"]


_default: Segmenter | None = None


def default_segmenter() -> Segmenter:
    global _default
    if _default is None:
        _default = Segmenter()
    return _default


def stopwords() -> frozenset[str]:
    if not STOPWORDS_FILE.exists():
        return frozenset()
    return frozenset(w.strip() for w in STOPWORDS_FILE.read_text(encoding="utf-8").splitlines()
                     if w.strip() and not w.startswith("#"))


def jieba_reference():
    """Plain jieba with the same user dictionary: the reference rjieba is checked and timed against."""
    import jieba

    jieba.setLogLevel(60)
    tok = jieba.Tokenizer()
    for word, freq, tag in read_user_dict():
        tok.add_word(word, freq, tag)
    return tok
