"""The place hierarchy (street → community → compound or grid) and the names it is known by.

`find_place` is the one way the product recognises a place in text (web chat, Telegram, Open311
addresses, imported files): by name, code or alias (星湖苑 / xhy / Xinghuyuan), the longest name
the text contains winning, the more specific place winning a tie of length.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from core.db import row_id
from core.models import Place, PlaceKind

# a tie of length goes to the most specific kind
_SPECIFIC: dict[str, int] = {PlaceKind.compound: 0, PlaceKind.grid: 0, PlaceKind.community: 1, PlaceKind.street: 2}
_WORD = re.compile(r"[0-9a-z]+")


def community_of(session: Session, place_id: int | None) -> int | None:
    """Walk up from a compound or grid to its community."""
    seen = 0
    while place_id is not None and seen < 5:
        place = session.get(Place, place_id)
        if place is None:
            return None
        if place.kind == PlaceKind.community:
            return place.id
        place_id, seen = place.parent_id, seen + 1
    return None


def norm(text: str) -> str:
    """How whole names are compared: full-width folded (NFKC), case-folded, without spaces."""
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


def _fold(text: str) -> str:
    """How names are looked for inside a text: like norm, but spaces kept (as one) to end words."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def split_aliases(value: str | Iterable[str] | None) -> list[str]:
    """Aliases as a file or a form gives them: `星湖苑|xhy|Xinghuyuan` (also , ; 、 and new lines)."""
    if not value:
        return []
    items = re.split(r"[|,;，；、\n]", value) if isinstance(value, str) else list(value)
    out: list[str] = []
    for item in items:
        item = " ".join(str(item).split())[:60]
        if item and item not in out:
            out.append(item)
    return out


@dataclass(frozen=True)
class _Label:
    text: str  # normalised
    place_id: int
    rank: int  # of the place's kind, see _SPECIFIC
    word: bool  # latin letters and digits only: matches only as a whole word inside a text


class PlaceIndex:
    """Every place's name, code and aliases, ready to find the place a text names."""

    def __init__(self, places: Iterable[Place]):
        self.kinds: dict[int, str] = {}
        self._exact: dict[str, list[_Label]] = {}
        self._by_first: dict[str, list[_Label]] = {}
        for place in places:
            place_id = row_id(place)
            self.kinds[place_id] = place.kind
            rank = _SPECIFIC.get(place.kind, 3)
            for raw in {place.name, place.code, *(place.aliases or [])}:
                whole, text = norm(raw or ""), _fold(raw or "")
                if not whole:
                    continue
                self._exact.setdefault(whole, []).append(_Label(whole, place_id, rank, False))
                if len(whole) >= 2:  # one character names nothing inside a longer text
                    label = _Label(text, place_id, rank, bool(_WORD.fullmatch(whole)))
                    self._by_first.setdefault(text[0], []).append(label)
        for labels in self._by_first.values():
            labels.sort(key=lambda lab: -len(lab.text))

    def find(self, text: str, kinds: Iterable[str] | None = None) -> int | None:
        """The id of the place `text` names, or None when it names none or two equally well."""
        whole, wanted = norm(text or ""), _fold(text or "")
        if not whole:
            return None
        allowed = set(kinds) if kinds is not None else None

        def ok(label: _Label) -> bool:
            return allowed is None or self.kinds[label.place_id] in allowed

        exact = [lab for lab in self._exact.get(whole, []) if ok(lab)]
        if exact:
            return _pick(exact)
        best: list[_Label] = []
        for i, ch in enumerate(wanted):
            for label in self._by_first.get(ch, ()):
                if best and len(label.text) < len(best[0].text):
                    break  # sorted longest first: nothing longer left at this position
                if not wanted.startswith(label.text, i) or not ok(label):
                    continue
                if label.word and not _whole_word(wanted, i, i + len(label.text)):
                    continue
                if not best or len(label.text) > len(best[0].text):
                    best = [label]
                else:
                    best.append(label)
        return _pick(best) if best else None


def _whole_word(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    return not (before.isascii() and before.isalnum()) and not (after.isascii() and after.isalnum())


def _pick(labels: list[_Label]) -> int | None:
    top = min(lab.rank for lab in labels)
    ids = {lab.place_id for lab in labels if lab.rank == top}
    return ids.pop() if len(ids) == 1 else None  # two places of one kind with one name: do not guess


_cache: dict[tuple, PlaceIndex] = {}
_cache_lock = threading.Lock()


def place_index(session: Session, include_retired: bool = False) -> PlaceIndex:
    """The index of the database's places, rebuilt when any place is added or edited (every edit
    moves `updated_at`): one small aggregate query per call otherwise."""
    stamp = tuple(session.exec(select(func.count(col(Place.id)), func.max(col(Place.id)), func.max(col(Place.updated_at)))).one())
    key = (id(session.get_bind()), include_retired, *map(str, stamp))
    with _cache_lock:
        index = _cache.get(key)
    if index is None:
        stmt = select(Place) if include_retired else select(Place).where(col(Place.retired_at).is_(None))
        index = PlaceIndex(session.exec(stmt).all())
        with _cache_lock:
            if len(_cache) > 16:
                _cache.clear()
            _cache[key] = index
    return index


def find_place(session: Session, text: str, kinds: Iterable[str] | None = None,
               include_retired: bool = False) -> Place | None:
    """The place a text names: a name, code or alias, exactly or the longest one inside the text
    ("星湖苑3栋电梯坏了" → 星湖苑); `kinds` limits the answer (e.g. compounds and grids only)."""
    place_id = place_index(session, include_retired).find(text, kinds)
    return session.get(Place, place_id) if place_id is not None else None


def active_places(session: Session, kinds: Iterable[str] | None = None) -> list[Place]:
    """Places that take new requests (not retired), by code: what pick lists offer."""
    stmt = select(Place).where(col(Place.retired_at).is_(None)).order_by(col(Place.code))
    if kinds is not None:
        stmt = stmt.where(col(Place.kind).in_(list(kinds)))
    return list(session.exec(stmt))
