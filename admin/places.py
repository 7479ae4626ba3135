"""The street's places for admins: the tree, add, rename, move, aliases, retire and restore.

A retired place keeps its requests and figures (history); it leaves the pick lists and is no longer
recognised in text. The writes are admin/place_records.py, shared with the places import.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session, col, func, select

from admin import place_records
from admin.common import flash, pop_flash
from admin.place_records import PlaceError, PlaceFields
from core.deps import FormDataDep, SessionDep, client_ip, require
from core.i18n import gettext
from core.models import Place, PlaceKind, Role, ServiceRequest, StaffUser
from core.security import csrf_protect
from core.templating import language, render

router = APIRouter(tags=["admin"])
Admin = Annotated[StaffUser, require(Role.admin)]


def tree(session: Session) -> list[tuple[Place, int]]:
    """Every place with its depth, parents before their children, by code."""
    places = list(session.exec(select(Place).order_by(col(Place.code))))
    children: dict[int | None, list[Place]] = {}
    for p in places:
        children.setdefault(p.parent_id, []).append(p)
    known = {p.id for p in places}
    out: list[tuple[Place, int]] = []

    def walk(parent_id, depth):
        for p in children.get(parent_id, []):
            out.append((p, depth))
            if depth < 5:
                walk(p.id, depth + 1)

    walk(None, 0)
    for p in places:  # a parent that is gone: shown at the top rather than lost
        if p.parent_id is not None and p.parent_id not in known:
            out.append((p, 0))
    return out


def _parents(session: Session) -> list[Place]:
    return list(session.exec(select(Place).where(Place.kind != PlaceKind.grid, col(Place.retired_at).is_(None))
                             .order_by(col(Place.code))))


def _fields(form, place: Place | None = None) -> PlaceFields:
    return PlaceFields(kind=str(form.get("kind") or (place.kind if place else "")), name=str(form.get("name", "")),
                       code=str(form.get("code", "")), parent_code=str(form.get("parent_code", "")),
                       aliases=str(form.get("aliases", "")))


@router.get("/admin/places")
def places(request: Request, session: SessionDep, user: Admin):
    """The place tree with codes, aliases and request counts, and a form for a new place."""
    counts = dict(session.exec(select(ServiceRequest.place_id, func.count()).group_by(col(ServiceRequest.place_id))).all())
    return render(request, "admin/places.html", user=user, rows=tree(session), counts=counts,
                  parents=_parents(session), kinds=[k.value for k in PlaceKind], alias_example="xhy|Xinghuyuan",
                  flashes=pop_flash(request))


@router.post("/admin/places", dependencies=[Depends(csrf_protect)])
def create(request: Request, session: SessionDep, user: Admin, form: FormDataDep):
    """Add a place."""
    lang = language(request)
    _ = gettext(lang)
    try:
        place = place_records.create(session, user, _fields(form), ip=client_ip(request))
    except PlaceError as exc:
        session.rollback()
        flash(request, exc.message(lang), "error")
        return RedirectResponse("/admin/places", status_code=303)
    flash(request, _("Added {name}.").format(name=place.name))
    return RedirectResponse("/admin/places", status_code=303)


def _load(session: Session, place_id: int) -> Place:
    place = session.get(Place, place_id)
    if place is None:
        raise HTTPException(status_code=404, detail="no such place")
    return place


@router.get("/admin/places/{place_id:int}")
def edit_page(request: Request, place_id: int, session: SessionDep, user: Admin):
    """One place: rename, move, aliases, retire or restore."""
    place = _load(session, place_id)
    parent = session.get(Place, place.parent_id) if place.parent_id else None
    requests = session.exec(select(func.count()).select_from(ServiceRequest).where(ServiceRequest.place_id == place.id)).one()
    return render(request, "admin/place.html", user=user, place=place, parent=parent, requests=requests,
                  parents=[p for p in _parents(session) if p.id != place.id], flashes=pop_flash(request))


@router.post("/admin/places/{place_id:int}", dependencies=[Depends(csrf_protect)])
def update(request: Request, place_id: int, session: SessionDep, user: Admin, form: FormDataDep):
    """Rename, re-code, move or re-alias a place."""
    place = _load(session, place_id)
    lang = language(request)
    _ = gettext(lang)
    try:
        changes = place_records.update(session, user, place, _fields(form, place), ip=client_ip(request))
    except PlaceError as exc:
        session.rollback()
        flash(request, exc.message(lang), "error")
    else:
        flash(request, _("Saved.") if changes else _("Nothing changed."))
    return RedirectResponse(f"/admin/places/{place_id}", status_code=303)


@router.post("/admin/places/{place_id:int}/retire", dependencies=[Depends(csrf_protect)])
def retire(request: Request, place_id: int, session: SessionDep, user: Admin, form: FormDataDep):
    """Retire a place (restore=1: bring it back)."""
    place = _load(session, place_id)
    lang = language(request)
    try:
        if form.get("restore"):
            place_records.restore(session, user, place, ip=client_ip(request))
        else:
            place_records.retire(session, user, place, ip=client_ip(request))
    except PlaceError as exc:
        session.rollback()
        flash(request, exc.message(lang), "error")
    return RedirectResponse(f"/admin/places/{place_id}", status_code=303)
