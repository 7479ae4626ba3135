"""Keywords for display and the term weights behind clusters: jieba.analyse's TF-IDF on our tokens.

jieba.analyse ranks words by term frequency × the inverse document frequency of its bundled
corpus table; we keep that table and its stop words but segment with our own Segmenter (rjieba
with the domain dictionary), so 加装电梯 or 四点半课堂 stay whole and no second dictionary loads.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from functools import lru_cache

from nlp.tokenize import default_segmenter, normalize, stopwords

_lock = threading.Lock()
_ASCII_SHORT = re.compile(r"^[a-z0-9]{1,3}$")  # "a7", "k9": codes, not content
_DIGITS = re.compile(r"^[\d.]+$")
_WORD = re.compile(r"\w")
_NUM_UNIT = re.compile(r"^[\d一二两三四五六七八九十]*(号楼|号|栋|幢|单元|楼|层|室|期|组)$")

# Chinese numerals before a building or unit word become digits, so 三号楼 and 3号楼 match.
_CN_NUM = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_CN_PLACE = re.compile(r"([一二两三四五六七八九十]{1,3})(?=\s*(?:号楼|栋|幢|单元|号院))")
_PLACE = re.compile(r"(\d{1,4})\s*(号楼|栋|幢|单元|号院)")
_UNIT = {"号楼": "栋", "幢": "栋", "栋": "栋", "单元": "单元", "号院": "院"}


@lru_cache(maxsize=1)
def idf_table() -> tuple[dict[str, float], float]:
    """jieba.analyse's IDF table and its median (the weight of words it has never seen)."""
    from jieba.analyse.tfidf import DEFAULT_IDF

    with _lock:
        idf: dict[str, float] = {}
        with open(DEFAULT_IDF, encoding="utf-8") as f:
            for line in f:
                word, _, value = line.strip().partition(" ")
                if value:
                    idf[word] = float(value)
        values = sorted(idf.values())
        return idf, values[len(values) // 2]


@lru_cache(maxsize=1)
def _stop() -> frozenset[str]:
    from jieba.analyse.tfidf import KeywordExtractor

    return frozenset(KeywordExtractor.STOP_WORDS) | stopwords()


def _cn_to_digits(m: re.Match) -> str:
    s = m.group(1)
    if s == "十":
        return "10"
    if s.startswith("十"):
        return str(10 + _CN_NUM.get(s[1:], 0))
    if s.endswith("十"):
        return str(_CN_NUM.get(s[0], 1) * 10)
    if "十" in s:
        a, b = s.split("十", 1)
        return str(_CN_NUM.get(a, 1) * 10 + _CN_NUM.get(b, 0))
    return "".join(str(_CN_NUM.get(ch, "")) for ch in s)


def place_marks(text: str) -> list[str]:
    """Building and unit marks in a text ("3栋", "2单元"): part of what makes an issue concrete."""
    text = _CN_PLACE.sub(_cn_to_digits, normalize(text))
    return [f"{int(n)}{_UNIT[u]}" for n, u in _PLACE.findall(text)]


def content_words(text: str, search: bool = False) -> list[str]:
    """Words that carry content: no stop words, single characters, numbers or building marks.

    search=True cuts as jieba's search mode does, adding the dictionary words inside long
    words (非机动车充电桩 also gives 充电桩, 充电), so paraphrases share more terms.
    """
    stop = _stop()
    seg = default_segmenter()
    toks = seg.cut_for_search(normalize(text)) if search else seg(text)
    return [w for w in toks if w not in stop and len(w) > 1 and _WORD.search(w) and not _DIGITS.match(w)
            and not _ASCII_SHORT.match(w) and not _NUM_UNIT.match(w)]


def weights(text: str, search: bool = True, idf: tuple[dict[str, float], float] | None = None) -> dict[str, float]:
    """TF-IDF weights of a text's content words (not normalised).

    `idf` replaces jieba.analyse's table, e.g. by one computed over a batch of messages.
    """
    table, median = idf or idf_table()
    counts = Counter(content_words(text, search=search))
    return {w: n * table.get(w, median) for w, n in counts.items()}


def batch_idf(texts: list[str]) -> tuple[dict[str, float], float]:
    """Inverse document frequencies over a batch of texts (smoothed as scikit-learn does)."""
    import math

    df: Counter[str] = Counter()
    for t in texts:
        df.update(set(content_words(t, search=True)))
    n = len(texts)
    idf = {w: math.log((1 + n) / (1 + d)) + 1 for w, d in df.items()}
    return idf, math.log(1 + n) + 1


def extract(text: str, top: int = 5) -> list[str]:
    """The top words of a text, as jieba.analyse.extract_tags would rank them."""
    w = weights(text, search=False)
    return [t for t, _ in sorted(w.items(), key=lambda kv: (-kv[1], kv[0]))][:top]
