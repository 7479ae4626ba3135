"""The public need form: mobile-first, Chinese by default, works without JavaScript."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session, col, select

from core.deps import SessionDep
from core.i18n import gettext
from core.models import Channel, Place, PlaceKind
from core.ratelimit import public_hit
from core.security import check_csrf
from core.settings import get_settings
from core.taxonomy import category_names
from core.templating import language, render
from intake.lookup import private_link
from intake.safety import life_safety
from intake.service import IntakeError, IntakeIn, submit

router = APIRouter(tags=["public"])


def compounds_by_community(session: Session) -> list[tuple[Place, list[Place]]]:
    communities = session.exec(select(Place).where(Place.kind == PlaceKind.community).order_by(col(Place.name))).all()
    children = session.exec(
        select(Place).where(col(Place.kind).in_([PlaceKind.compound, PlaceKind.grid])).order_by(col(Place.name))
    ).all()
    by_parent: dict[int | None, list[Place]] = {}
    for p in children:
        by_parent.setdefault(p.parent_id, []).append(p)
    return [(c, by_parent.get(c.id, [])) for c in communities]


def _form(request: Request, session: Session, status_code: int = 200, **values):
    values.setdefault("text", "")
    values.setdefault("contact", "")
    return render(request, "need_form.html", status_code=status_code, places=compounds_by_community(session),
                  nonce=values.pop("nonce", None) or secrets.token_urlsafe(16),
                  max_length=get_settings().max_text_length, **values)


@router.get("/")
def need_form(request: Request, session: SessionDep):
    """The form a resident fills in."""
    return _form(request, session)


@router.post("/")
def need_submit(
    request: Request,
    session: SessionDep,
    text: Annotated[str, Form()] = "",
    nonce: Annotated[str, Form(max_length=64)] = "",
    place_id: Annotated[str, Form()] = "",
    contact: Annotated[str, Form(max_length=120)] = "",
    consent: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
):
    """Store the request through the intake service, then show its ticket (post/redirect/get)."""
    lang = language(request)
    keep = {"text": text, "contact": contact, "consent": bool(consent), "nonce": nonce,
            "place_id": int(place_id) if place_id.isdigit() else None}
    try:
        check_csrf(request, csrf_token)
    except HTTPException:
        return _form(request, session, 403, error=IntakeError("csrf").message(lang), **keep)
    retry = public_hit(request, session, "form")
    if retry is not None:  # the form comes back with what the resident typed
        response = _form(request, session, 429, error=gettext(lang)(
            "Too many submissions from your connection: please try again in {seconds} seconds. "
            "Everything sent before was received.").format(seconds=retry.seconds), **keep)
        response.headers["Retry-After"] = str(retry.seconds)
        return response
    try:
        if contact.strip() and not consent:
            raise IntakeError("contact_without_consent")
        result = submit(session, IntakeIn(
            text=text, channel=Channel.web, external_id=f"form:{nonce}" if nonce else None,
            place_id=keep["place_id"], contact=contact or None, language=lang))
    except IntakeError as exc:
        return _form(request, session, 422, error=exc.message(lang), **keep)
    request.session["last_ticket"] = result.request.ticket
    request.session["show_link"] = result.request.ticket  # the private link is shown once
    return RedirectResponse(f"/t/{result.request.ticket}", status_code=303)


@router.get("/t/{ticket}")
def ticket_page(ticket: str, request: Request, session: SessionDep):
    """The confirmation page; shown only to the browser that submitted it."""
    from core.models import ServiceRequest

    if request.session.get("last_ticket") != ticket:
        raise HTTPException(status_code=404)
    req = session.exec(select(ServiceRequest).where(ServiceRequest.ticket == ticket)).first()
    if req is None:
        raise HTTPException(status_code=404)
    names = category_names(session, language(request))
    link = private_link(req.ticket) if request.session.pop("show_link", None) == ticket else None
    return render(request, "ticket.html", req=req, category_name=names.get(req.category_code or ""),
                  life_safety=life_safety(req), link=link)
