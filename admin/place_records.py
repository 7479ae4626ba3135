"""Writes on the place hierarchy: add, rename, move, set aliases, retire and restore. Each checks
the hierarchy (street → community → compound or grid), writes with an audit row, or raises
PlaceError with a message for the page. The places import (admin/places_import.py) uses the same
checks row by row."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlmodel import Session, col, select

from core.audit import audit
from core.i18n import N_, gettext
from core.labels import label
from core.models import Place, PlaceKind, StaffUser, utcnow
from core.places import norm, split_aliases

# the kinds a place of each kind may hang from
PARENT_KINDS: dict[str, tuple[str | None, ...]] = {
    PlaceKind.street: (None,),
    PlaceKind.community: (PlaceKind.street,),
    PlaceKind.compound: (PlaceKind.community,),
    PlaceKind.grid: (PlaceKind.community, PlaceKind.compound),
}
# what spreadsheets write in the kind column
KIND_WORDS = {"street": "street", "街道": "street", "镇": "street", "community": "community", "社区": "community",
              "村": "community", "compound": "compound", "小区": "compound", "grid": "grid", "网格": "grid"}
CODE = re.compile(r"^[\w.\-]{1,40}$")

MESSAGES = {
    "kind": N_("kind must be street, community, compound or grid (not “{value}”)"),
    "name": N_("a name is needed (at most 120 characters)"),
    "code": N_("a code is needed: letters, digits, - _ . (at most 40)"),
    "code_taken": N_("code “{value}” belongs to another place"),
    "parent_missing": N_("unknown parent_code “{value}”"),
    "parent_needed": N_("a {kind} needs a parent ({parents})"),
    "parent_kind": N_("a {kind} cannot belong to a {parent}"),
    "parent_retired": N_("the parent “{value}” is retired"),
    "street_parent": N_("a street has no parent"),
    "alias_taken": N_("“{value}” is the code of another place"),
    "has_children": N_("retire its places first: {value}"),
}


class PlaceError(ValueError):
    """A place edit that would break the hierarchy; `message(lang)` says why in the person's language."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code, self.params = code, params

    def message(self, lang: str = "en") -> str:
        params = dict(self.params)
        for key in ("kind", "parent"):
            if key in params:
                params[key] = label(lang, "place", params[key])
        if "parents" in params:
            params["parents"] = " / ".join(label(lang, "place", k) for k in params["parents"])
        return gettext(lang)(MESSAGES[self.code]).format(**params)

    def __str__(self) -> str:
        return self.message("en")


@dataclass
class PlaceFields:
    """A place as a form or a file row gives it, before it is checked."""

    kind: str
    name: str
    code: str
    parent_code: str = ""
    aliases: str | list[str] | None = None  # one text as split_aliases reads it, or a list; None: leave as they are


def kind_of(value: str) -> str:
    kind = KIND_WORDS.get(str(value).strip().lower())
    if kind is None:
        raise PlaceError("kind", value=str(value).strip())
    return kind


def check(session: Session, fields: PlaceFields, place: Place | None = None,
          known: dict[str, Place] | None = None) -> tuple[str, str, str, Place | None, list[str] | None]:
    """(kind, name, code, parent, aliases) checked; `known` are places by code not yet in the database."""
    kind = kind_of(fields.kind)
    name = " ".join(str(fields.name or "").split())
    if not name or len(name) > 120:
        raise PlaceError("name")
    code = str(fields.code or "").strip()
    if not CODE.match(code):
        raise PlaceError("code")
    other = _by_code(session, code, known)
    if other is not None and (place is None or other.id != place.id):
        raise PlaceError("code_taken", value=code)
    parent_code = str(fields.parent_code or "").strip()
    parent = None
    if parent_code:
        if kind == PlaceKind.street:
            raise PlaceError("street_parent")
        parent = _by_code(session, parent_code, known)
        if parent is None:
            raise PlaceError("parent_missing", value=parent_code)
        if parent.kind not in PARENT_KINDS[kind]:
            raise PlaceError("parent_kind", kind=kind, parent=parent.kind)
        if parent.retired_at is not None:
            raise PlaceError("parent_retired", value=parent_code)
    elif kind != PlaceKind.street:
        raise PlaceError("parent_needed", kind=kind, parents=PARENT_KINDS[kind])
    aliases = None
    if fields.aliases is not None:
        aliases = [a for a in split_aliases(fields.aliases) if norm(a) != norm(name)]
        for alias in aliases:
            holder = _by_code(session, alias, known)
            if holder is not None and (place is None or holder.id != place.id) and holder.code != code:
                raise PlaceError("alias_taken", value=alias)
    return kind, name, code, parent, aliases


def _by_code(session: Session, code: str, known: dict[str, Place] | None) -> Place | None:
    if known and code in known:
        return known[code]
    return session.exec(select(Place).where(Place.code == code)).first()


def create(session: Session, user: StaffUser | None, fields: PlaceFields, ip: str = "",
           commit: bool = True) -> Place:
    kind, name, code, parent, aliases = check(session, fields)
    place = Place(kind=kind, name=name, code=code, parent_id=parent.id if parent else None, aliases=aliases or [])
    session.add(place)
    session.flush()
    audit(session, user, "place.create", "place", place.id, ip=ip, code=code, name=name)
    if commit:
        session.commit()
    return place


def update(session: Session, user: StaffUser | None, place: Place, fields: PlaceFields, ip: str = "",
           commit: bool = True) -> dict[str, list]:
    """Rename, re-code, move or re-alias a place; returns what changed (nothing: no write, no audit)."""
    kind, name, code, parent, aliases = check(session, fields, place)
    new: dict[str, object] = {"kind": kind, "name": name, "code": code, "parent_id": parent.id if parent else None}
    if aliases is not None:
        new["aliases"] = aliases
    changes = {k: [getattr(place, k), v] for k, v in new.items() if getattr(place, k) != v}
    if changes:
        for key, (_old, value) in changes.items():
            setattr(place, key, value)
        place.updated_at = utcnow()
        session.add(place)
        audit(session, user, "place.update", "place", place.id, ip=ip, **changes)
    if commit:
        session.commit()
    return changes


def retire(session: Session, user: StaffUser, place: Place, ip: str = "") -> None:
    """Retire a place: it leaves the pick lists and takes no new requests; its requests keep it."""
    children = session.exec(select(Place.name).where(Place.parent_id == place.id, col(Place.retired_at).is_(None))).all()
    if children:
        raise PlaceError("has_children", value="、".join(children[:5]))
    if place.retired_at is None:
        place.retired_at = place.updated_at = utcnow()
        session.add(place)
        audit(session, user, "place.retire", "place", place.id, ip=ip, code=place.code)
    session.commit()


def restore(session: Session, user: StaffUser, place: Place, ip: str = "") -> None:
    parent = session.get(Place, place.parent_id) if place.parent_id else None
    if parent is not None and parent.retired_at is not None:
        raise PlaceError("parent_retired", value=parent.code)
    if place.retired_at is not None:
        place.retired_at = None
        place.updated_at = utcnow()
        session.add(place)
        audit(session, user, "place.restore", "place", place.id, ip=ip, code=place.code)
    session.commit()
