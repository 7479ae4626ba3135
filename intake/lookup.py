"""The resident's way back: a ticket looked up by its number and the last four digits of the phone
left with it, or by the private link shown once on the ticket page.

The page shows the ticket's status, the replies meant for the resident (those of the ticket it
follows, if it was marked a duplicate) and, once resolved, a rating form; nothing else: not the
text, no other resident's data, no staff names. Guesses are throttled per client address and per
ticket (core.ratelimit), so four digits cannot be tried through.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session, col, select

from core.deps import SessionDep, client_ip
from core.i18n import gettext
from core.models import Channel, EventType, Rating, RequestEvent, ServiceRequest, Status
from core.notify import phone_number
from core.ratelimit import RateLimited, hit
from core.residents import RatingError, record_rating
from core.security import csrf_protect
from core.settings import get_settings
from core.templating import language, render
from core.text import IntakeError

router = APIRouter(tags=["public"])
# guesses: per client address, and per ticket whatever the address (the digits are only four)
PER_ADDRESS = (20, 600)
PER_TICKET = (10, 3600)


def link_key(ticket: str) -> str:
    """The private link's secret: a keyed hash of the ticket (nothing to store, works on every channel)."""
    digest = hmac.new(get_settings().secret_key.encode(), f"ticket-link:{ticket}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:16]).decode().rstrip("=")


def private_link(ticket: str) -> str:
    return f"/t/{ticket}/{link_key(ticket)}"


def _throttle(session: Session, request: Request, ticket: str | None = None) -> None:
    retry = hit(session, "lookup", client_ip(request), *PER_ADDRESS)
    if retry is None and ticket:
        retry = hit(session, "lookup_ticket", ticket, *PER_TICKET)
    if retry is not None:
        raise RateLimited(retry)


def _find(session: Session, ticket: str) -> ServiceRequest | None:
    ticket = ticket.strip().upper()[:20]
    return session.exec(select(ServiceRequest).where(ServiceRequest.ticket == ticket)).first() if ticket else None


@router.get("/track")
def lookup_form(request: Request):
    """The form: ticket number and the last four digits of the phone number."""
    return render(request, "track.html", ticket="", error=None)


@router.post("/track")
def lookup(request: Request, session: SessionDep, ticket: Annotated[str, Form(max_length=40)] = "",
           digits: Annotated[str, Form(max_length=8)] = ""):
    """Open the ticket's page when the digits match the phone left with it."""
    _ = gettext(language(request))
    cleaned = ticket.strip().upper()[:20]
    _throttle(session, request, cleaned or None)
    req = _find(session, cleaned)
    phone = phone_number(req.contact) if req else None
    if req is None or phone is None or not digits.strip().isdigit() or \
            not hmac.compare_digest(phone[-4:], digits.strip()[-4:]) or len(digits.strip()) != 4:
        return render(request, "track.html", status_code=404, ticket=cleaned,
                      error=_("No ticket matches this number and these digits. Check both, or use the private "
                              "link from the ticket page."))
    return RedirectResponse(private_link(req.ticket), status_code=303)


def _load(session: Session, request: Request, ticket: str, key: str) -> ServiceRequest:
    req = _find(session, ticket)
    if req is None or not hmac.compare_digest(link_key(req.ticket), key):
        _throttle(session, request, ticket.strip().upper()[:20])  # only failures count: a link can be reopened
        raise HTTPException(status_code=404)
    return req


def _replies(session: Session, req: ServiceRequest) -> list[RequestEvent]:
    """Replies meant for this resident: to this ticket, and to the ticket it follows."""
    ids = [req.id] + ([req.duplicate_of_id] if req.duplicate_of_id else [])
    return list(session.exec(select(RequestEvent).where(col(RequestEvent.request_id).in_(ids),
                                                        RequestEvent.type == EventType.reply)
                             .order_by(col(RequestEvent.created_at), col(RequestEvent.id))))


def _page(request: Request, session: Session, req: ServiceRequest, status_code: int = 200, error: str | None = None):
    history = session.exec(select(RequestEvent).where(RequestEvent.request_id == req.id,
                                                      RequestEvent.type == EventType.status_changed)
                           .order_by(col(RequestEvent.created_at), col(RequestEvent.id))).all()
    rating = session.exec(select(Rating).where(Rating.request_id == req.id).order_by(col(Rating.id).desc())).first()
    return render(request, "ticket_status.html", status_code=status_code, req=req, history=history,
                  replies=_replies(session, req), rating=rating, error=error,
                  can_rate=req.status == Status.resolved and rating is None, link=private_link(req.ticket),
                  thanks=request.query_params.get("rated") == "1")


@router.get("/t/{ticket}/{key}")
def ticket_status(ticket: str, key: str, request: Request, session: SessionDep):
    """Where the request stands, the replies to the resident, and the rating form once resolved."""
    return _page(request, session, _load(session, request, ticket, key))


@router.post("/t/{ticket}/{key}/rate", dependencies=[Depends(csrf_protect)])
def rate(ticket: str, key: str, request: Request, session: SessionDep,
         score: Annotated[str, Form(max_length=2)] = "", comment: Annotated[str, Form(max_length=1000)] = ""):
    """The resident's 1–5 rating of a resolved request (once)."""
    req = _load(session, request, ticket, key)
    already = session.exec(select(Rating.id).where(Rating.request_id == req.id)).first()
    if req.status != Status.resolved or already is not None:
        return RedirectResponse(private_link(req.ticket), status_code=303)
    try:
        record_rating(session, req, int(score) if score.isdigit() else 0, comment, channel=Channel.web)
    except (RatingError, IntakeError):
        session.rollback()
        _ = gettext(language(request))
        return _page(request, session, req, 422, _("Choose a rating from 1 to 5."))
    return RedirectResponse(private_link(req.ticket) + "?rated=1", status_code=303)
