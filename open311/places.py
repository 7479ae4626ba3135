"""Where an Open311 report is: `address_id` (a place code), `address_string` (a name, code or alias
of a place, core.places.find_place) or `lat`/`long` (the nearest compound with coordinates); what
matches nothing lands in the "no place yet" queue (place None). Retired places take no reports.
"""

from __future__ import annotations

import math

from sqlmodel import Session, col, select

from core.models import Place, PlaceKind
from core.places import find_place

NEAR_METRES = 300  # a point farther than this from every compound with coordinates names no place
REPORTED_KINDS = (PlaceKind.compound, PlaceKind.grid, PlaceKind.community)  # a street is too coarse


def by_code(session: Session, code: str) -> Place | None:
    return session.exec(select(Place).where(Place.code == code, col(Place.retired_at).is_(None))).first()


def by_address(session: Session, address: str) -> Place | None:
    """The place an address names ("苏州市 A小区2 5栋门口" → A小区2), a compound before its community."""
    return find_place(session, address, kinds=REPORTED_KINDS)


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine), metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(a))


def by_point(session: Session, lat: float, lon: float) -> Place | None:
    """The nearest compound or grid with known coordinates, if within NEAR_METRES."""
    candidates = session.exec(select(Place).where(col(Place.kind).in_([PlaceKind.compound, PlaceKind.grid]),
                                                  col(Place.retired_at).is_(None), col(Place.latitude).is_not(None),
                                                  col(Place.longitude).is_not(None)))
    best = None
    for place in candidates:
        if place.latitude is None or place.longitude is None:  # filtered out above: for the checker
            continue
        d = distance_m(lat, lon, place.latitude, place.longitude)
        if d <= NEAR_METRES and (best is None or d < best[0]):
            best = (d, place)
    return best[1] if best else None


def address_of(place_id: int | None, places: dict[int, Place]) -> tuple[str | None, Place | None]:
    """A readable address, most specific unit first ("A小区1, A社区, 测试街道"), and the place;
    `places` is every place by id (a street has a few hundred: one query for a whole page)."""
    place = places.get(place_id) if place_id else None
    names, current, seen = [], place, 0
    while current is not None and seen < 5:
        names.append(current.name)
        current = places.get(current.parent_id) if current.parent_id else None
        seen += 1
    return (", ".join(names) or None), place
