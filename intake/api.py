"""JSON API, version 1. Every write goes through the intake service."""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException, Response
from pydantic import BaseModel, Field
from sqlmodel import select

from core.deps import SessionDep
from core.models import Channel, Place, ServiceRequest
from core.ratelimit import public_write
from intake.service import IntakeError, IntakeIn, submit

router = APIRouter(prefix="/api/v1", tags=["api"])
MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL


class RequestCreate(BaseModel):
    text: str = Field(description="What the resident needs, at most 2,000 characters")
    place_id: int | None = Field(default=None, ge=1, le=MAX_ID, description="compound, grid or community id")
    place_code: str | None = Field(default=None, max_length=40, description="or the place's code")
    contact: str | None = Field(default=None, max_length=120)
    consent: bool = Field(default=False, description="the resident agrees that the contact is stored")
    language: str = Field(default="zh", pattern="^(zh|en)$")
    external_id: str | None = Field(default=None, max_length=128,
                                    description="the caller's id for this request; repeats are not stored twice")


class RequestCreated(BaseModel):
    ticket: str
    category: str | None
    kind: str | None
    urgent: bool
    confidence: float | None
    needs_review: bool
    status: str


class ErrorDetail(BaseModel):
    code: str
    message: str


class RequestStatus(BaseModel):
    ticket: str
    status: str
    category: str | None
    urgent: bool
    created_at: str
    updated_at: str


def _created(r: ServiceRequest) -> RequestCreated:
    return RequestCreated(ticket=r.ticket, category=r.category_code, kind=r.kind, urgent=r.urgent,
                          confidence=r.confidence, needs_review=r.needs_review, status=r.status)


@router.post("/requests", status_code=201, response_model=RequestCreated,
             dependencies=[Depends(public_write("api"))],
             responses={200: {"model": RequestCreated, "description": "a repeated delivery: the stored request"},
                        422: {"model": ErrorDetail}, 429: {"model": ErrorDetail, "description": "too many requests"}})
def create_request(body: RequestCreate, session: SessionDep, response: Response,
                   idempotency_key: Annotated[str | None, Header(max_length=128)] = None):
    """Submit a resident's request; answers with its ticket and what the classifier understood."""
    place_id = body.place_id
    if body.place_code:
        place = session.exec(select(Place).where(Place.code == body.place_code)).first()
        if place is None:
            raise HTTPException(422, detail={"code": "unknown_place", "message": "unknown place_code"})
        place_id = place.id
    if body.contact and not body.consent:
        raise HTTPException(422, detail={"code": "contact_without_consent",
                                         "message": "contact given without consent"})
    external_id = body.external_id or idempotency_key
    try:
        result = submit(session, IntakeIn(text=body.text, channel=Channel.web,
                                          external_id=_delivery_key(external_id) if external_id else None,
                                          place_id=place_id, contact=body.contact, language=body.language))
    except IntakeError as exc:
        raise HTTPException(422, detail={"code": exc.code, "message": exc.message(body.language)}) from exc
    if not result.created:
        response.status_code = 200
    return _created(result.request)


def _delivery_key(external_id: str) -> str:
    """The stored de-duplication key: a long caller's id is kept as its digest, so that it fits."""
    key = f"api:{external_id}"
    return key if len(key) <= 128 else "api#" + hashlib.sha256(external_id.encode()).hexdigest()


@router.get("/requests/{ticket}", response_model=RequestStatus, dependencies=[Depends(public_write("lookup"))],
            responses={404: {"model": ErrorDetail}, 429: {"model": ErrorDetail, "description": "too many lookups"}})
def request_status(ticket: str, session: SessionDep):
    """Where a request stands, by its ticket (no text or personal data)."""
    r = session.exec(select(ServiceRequest).where(ServiceRequest.ticket == ticket.upper())).first()
    if r is None:
        raise HTTPException(404, detail={"code": "not_found", "message": "no such ticket"})
    return RequestStatus(ticket=r.ticket, status=r.status, category=r.category_code, urgent=r.urgent,
                         created_at=r.created_at.isoformat(), updated_at=r.updated_at.isoformat())
