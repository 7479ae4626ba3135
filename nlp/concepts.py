"""The concept lexicon (nlp/data/concepts.txt): synonyms, typos and English words mapped to one concept.

Clusters compare requests by concept, so 道闸 / 抬杆 / 栏杆 / barrier or 充电桩 / 充电口 / 充点桩
meet, and they ignore the lexicon's generic words (社区, 小区, 孩子, 请问). A text is lower-cased,
folded to half-width and mapped from traditional to simplified characters (nlp/data/t2s.txt)
before matching. Spellings are indexed by their first character and the longest one wins at each
position: one scan of a short request costs tens of microseconds, where one regular expression
alternating over all 500 spellings took 16 ms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from nlp.tokenize import normalize

DATA = Path(__file__).resolve().parent / "data"
LEXICON = DATA / "concepts.txt"
T2S = DATA / "t2s.txt"
KINDS = ("object", "service", "minor", "problem", "place", "generic")
_META = re.compile(r"[\\.^$*+?{}\[\]|()]")
_ASCII_WORD = re.compile(r"[a-z0-9]")


@dataclass(frozen=True)
class Spelling:
    concept: str
    literal: str | None  # plain text, compared with str.startswith
    regex: re.Pattern | None
    ascii: bool  # English: must stand as a whole word

    def match(self, text: str, i: int) -> int:
        """The end of this spelling at position i, or -1."""
        if self.literal is not None:
            end = i + len(self.literal) if text.startswith(self.literal, i) else -1
        else:
            assert self.regex is not None, "a spelling is a literal or a pattern"
            m = self.regex.match(text, i)
            end = m.end() if m and m.end() > i else -1
        if end > 0 and self.ascii and ((i > 0 and _ASCII_WORD.match(text[i - 1]))
                                       or (end < len(text) and _ASCII_WORD.match(text[end]))):
            return -1
        return end


@dataclass(frozen=True)
class Lexicon:
    index: dict[str, tuple[Spelling, ...]]  # first character -> spellings
    kind: dict[str, str]  # concept -> object | problem
    label: dict[str, str]  # concept -> its first spelling, shown as a keyword
    generic: frozenset[str]  # generic words, matched as whole tokens by the clusterer

    def find(self, text: str) -> list[str]:
        """Concepts named in a folded text, in order of first mention."""
        return list(dict.fromkeys(c for c, _, _ in self.spans(text)))

    def spans(self, text: str) -> list[tuple[str, int, int]]:
        """(concept, start, end) of every spelling in a folded text, the longest at each position."""
        out: list[tuple[str, int, int]] = []
        i, n = 0, len(text)
        index = self.index
        while i < n:
            best, concept = -1, None
            for sp in index.get(text[i], ()):
                end = sp.match(text, i)
                if end > best:
                    best, concept = end, sp.concept
            if concept is None:
                i += 1
                continue
            out.append((concept, i, best))
            i = best
        return out

    def objects(self, concepts) -> set[str]:
        """The object concepts among these (what a request is about)."""
        return {c for c in concepts if self.kind.get(c) in ("object", "service")}


def _first_chars(spelling: str) -> str:
    if spelling.startswith(r"\d"):
        return "0123456789"
    if _META.match(spelling[0]):
        raise ValueError(f"a spelling must start with a plain character or \\d: {spelling!r}")
    return spelling[0]


def parse(lines) -> Lexicon:
    index: dict[str, list[Spelling]] = {}
    kinds: dict[str, str] = {}
    labels: dict[str, str] = {}
    generic: set[str] = set()
    for n, line in enumerate(lines, 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        concept, kind, *spellings = line.split()
        if kind not in KINDS or not spellings:
            raise ValueError(f"concepts line {n}: expected 'concept kind spelling ...', got {line!r}")
        if kind == "generic":
            generic.update(s.replace("_", " ") for s in spellings)
            continue
        kinds[concept] = kind
        literal = [sp for sp in spellings if not _META.search(sp)]
        labels[concept] = (literal[0] if literal else concept).replace("_", " ")
        for s in spellings:
            s = normalize(s.replace("_", " "))
            plain = not _META.search(s)
            sp = Spelling(concept, s if plain else None, None if plain else re.compile(s), s.isascii())
            for ch in _first_chars(s):
                index.setdefault(ch, []).append(sp)
    return Lexicon({ch: tuple(v) for ch, v in index.items()}, kinds, labels, frozenset(generic))


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    return parse(LEXICON.read_text(encoding="utf-8").splitlines())


@lru_cache(maxsize=1)
def _t2s() -> dict[int, str]:
    table = {}
    for line in T2S.read_text(encoding="utf-8").splitlines():
        if len(line) == 2 and not line.startswith("#"):
            table[ord(line[0])] = line[1]
    return table


def fold(text: str) -> str:
    """Lower case, half-width, simplified characters: the form concepts and place names are matched in."""
    return normalize(text).translate(_t2s())


def concepts(text: str) -> list[str]:
    """The concepts a text names, in order of first mention."""
    return lexicon().find(fold(text))
