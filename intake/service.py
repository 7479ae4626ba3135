"""The one intake service every channel calls: validate → persist → classify → notify.

Idempotent on (channel, external_id): a repeated delivery returns the request already stored.
What is accepted is committed before classification, so a classifier failure loses nothing: the
request stays unclassified and is flagged for review.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from dataclasses import dataclass

from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from core import deadlines, notify
from core.db import write_lock
from core.i18n import gettext
from core.models import Channel, EventType, Place, Request, RequestEvent, utcnow
from core.places import community_of
from core.taxonomy import category_names
from core.text import IntakeError, clean_text
from nlp.cluster import assign
from nlp.registry import get_classifier

log = logging.getLogger(__name__)

_TICKET_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud over the phone


class IntakeIn(BaseModel):
    """A resident's request as any channel hands it over."""

    text: str
    channel: Channel = Channel.web
    external_id: str | None = Field(default=None, max_length=128)
    place_id: int | None = None
    contact: str | None = Field(default=None, max_length=120)
    resident_id: int | None = None
    language: str = "zh"


@dataclass
class IntakeResult:
    request: Request
    created: bool


def new_ticket() -> str:
    raw = "".join(secrets.choice(_TICKET_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def submit(session: Session, data: IntakeIn, *, classify: bool = True) -> IntakeResult:
    with write_lock(session):
        return _submit(session, data, classify=classify)


def _submit(session: Session, data: IntakeIn, *, classify: bool) -> IntakeResult:
    text = clean_text(data.text)
    contact = clean_text(data.contact, limit=120) if data.contact and data.contact.strip() else None
    external_id = data.external_id or uuid.uuid4().hex

    existing = _find(session, data.channel, external_id)
    if existing is not None:
        return IntakeResult(existing, created=False)
    if data.place_id is not None and session.get(Place, data.place_id) is None:
        raise IntakeError("unknown_place")

    request = Request(
        ticket=new_ticket(), text=text, language=data.language, channel=data.channel,
        external_id=external_id, resident_id=data.resident_id, contact=contact,
        place_id=data.place_id, community_id=community_of(session, data.place_id),
    )
    deadlines.apply(session, request, fresh=True)  # response and resolution deadlines, in the same INSERT
    session.add(request)
    try:
        session.flush()
        session.add(RequestEvent(request_id=request.id, type=EventType.created, to_value=data.channel))
        session.commit()
    except IntegrityError:
        # Another process stored the same delivery first (or, rarely, the ticket collided).
        session.rollback()
        existing = _find(session, data.channel, external_id)
        if existing is not None:
            return IntakeResult(existing, created=False)
        raise
    if classify:
        _classify(session, request)
        _cluster(session, request)
    _notify(session, request)
    session.commit()
    session.refresh(request)
    return IntakeResult(request, created=True)


def _find(session: Session, channel: str, external_id: str) -> Request | None:
    return session.exec(
        select(Request).where(Request.channel == channel, Request.external_id == external_id)
    ).first()


def _classify(session: Session, request: Request) -> None:
    try:
        classifier = get_classifier(session)
        if classifier is None:
            raise RuntimeError("no trained model is active")
        pred = classifier.predict([request.text])[0]
    except Exception as exc:  # the request is already stored; a worker classifies it
        log.exception("classification failed for request %s", request.id)
        request.needs_review = True
        session.add(RequestEvent(request_id=request.id, type=EventType.classification_failed,
                                 message=str(exc)[:500]))
        session.add(request)
        session.commit()
        return
    request.category_code = pred.category
    request.kind = pred.kind
    request.urgent = pred.urgent
    request.confidence = pred.confidence
    request.keywords = pred.keywords
    request.model_version = classifier.version
    request.needs_review = pred.needs_review
    deadlines.apply(session, request, fresh=True)  # by urgency and category, in the same UPDATE
    request.updated_at = utcnow()
    session.add(request)
    session.add(RequestEvent(request_id=request.id, type=EventType.classified, to_value=pred.category,
                             message=f"kind={pred.kind} urgent={pred.urgent} confidence={pred.confidence:.2f}"))
    session.commit()


def _cluster(session: Session, request: Request) -> None:
    """Join the request to a demand cluster; a failure leaves it unclustered, nothing is lost."""
    try:
        assign(session, request, commit=False)  # committed with the notification below
    except Exception:
        log.exception("clustering failed for request %s", request.id)
        session.rollback()
        session.refresh(request)


def _notify(session: Session, request: Request) -> None:
    name = category_names(session, request.language).get(request.category_code or "", "")
    _ = gettext(request.language)
    notify.to_resident(session, request, _("We received your request, ticket {ticket}, category: {category}.").format(
        ticket=request.ticket, category=name or _("to be classified by a worker")), purpose="ack")
    if request.urgent:
        notify.urgent_to_staff(session, request)
