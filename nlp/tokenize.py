"""Word segmentation with jieba's dictionary plus our domain user dictionary."""

from __future__ import annotations

import re
import threading
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
USER_DICT = DATA / "user_dict.txt"
STOPWORDS_FILE = DATA / "stopwords.txt"

_lock = threading.Lock()
_tokenizer = None
_TOKEN_OK = re.compile(r"\w", re.UNICODE)


def _get_tokenizer():
    global _tokenizer
    with _lock:
        if _tokenizer is None:
            import jieba

            jieba.setLogLevel(60)
            tok = jieba.Tokenizer()
            if USER_DICT.exists():
                tok.load_userdict(str(USER_DICT))
            tok.initialize()
            _tokenizer = tok
    return _tokenizer


def stopwords() -> frozenset[str]:
    if not STOPWORDS_FILE.exists():
        return frozenset()
    return frozenset(w.strip() for w in STOPWORDS_FILE.read_text(encoding="utf-8").splitlines() if w.strip())


def words(text: str) -> list[str]:
    """Module-level (picklable) tokenizer for scikit-learn: lower-cased words, punctuation dropped."""
    return [w for w in _get_tokenizer().lcut(text.lower()) if _TOKEN_OK.search(w) and not w.isspace()]
