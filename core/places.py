"""The place hierarchy: street → community → compound or grid."""

from __future__ import annotations

from sqlmodel import Session

from core.models import Place, PlaceKind


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
