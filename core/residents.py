"""What the product keeps of residents: their ratings of handled requests (from any channel) and,
at their request, the erasure of their personal data."""

from __future__ import annotations

from sqlmodel import Session, select

from core.db import row_id
from core.models import (
    Conversation,
    EventType,
    Outbox,
    OutboxStatus,
    Rating,
    RequestEvent,
    Resident,
    ResidentIdentity,
    ServiceRequest,
    utcnow,
)
from core.redact import redact
from core.text import clean_text


class RatingError(ValueError):
    pass


def record_rating(session: Session, request: ServiceRequest, score: int, comment: str = "",
                  channel: str = "web") -> Rating:
    """Store a 1–5 rating of a handled request (attributed to its service project, if any)."""
    if not 1 <= int(score) <= 5:
        raise RatingError("score must be between 1 and 5")
    comment = clean_text(comment, limit=1000) if comment and comment.strip() else ""
    rating = Rating(request_id=row_id(request), project_id=request.project_id, resident_id=request.resident_id,
                    score=int(score), comment=comment, channel=channel)
    session.add(rating)
    session.add(RequestEvent(request_id=row_id(request), type=EventType.rated, to_value=str(score),
                             message=comment[:500]))
    session.commit()
    session.refresh(rating)
    return rating


# a conversation at rest (the default state of Conversation; bot/turn.py IDLE)
_AT_REST = "idle"


def anonymise_resident(session: Session, resident: Resident) -> None:
    """Personal data goes, requests stay (text redacted, contact dropped, history noted)."""
    now = utcnow()
    for request in session.exec(select(ServiceRequest).where(ServiceRequest.resident_id == resident.id)).all():
        request.contact = None
        request.text = redact(request.text)
        request.updated_at = now
        session.add(request)
        session.add(RequestEvent(request_id=row_id(request), type=EventType.anonymised,
                                 message="personal data erased at the resident's request"))
    for ident in session.exec(select(ResidentIdentity).where(ResidentIdentity.resident_id == resident.id)).all():
        session.delete(ident)
    for row in session.exec(select(Outbox).where(Outbox.resident_id == resident.id,
                                                 Outbox.status == OutboxStatus.pending)).all():
        session.delete(row)
    for conv in session.exec(select(Conversation).where(Conversation.resident_id == resident.id)).all():
        conv.data = {}
        conv.state = _AT_REST
        session.add(conv)
    resident.phone = None
    resident.display_name = None
    resident.consent_contact = False
    resident.consent_at = None
    resident.home_place_id = None
    resident.anonymised_at = now
    session.add(resident)
