"""Residents' satisfaction ratings, from any channel (bot, survey, web)."""

from __future__ import annotations

from sqlmodel import Session

from core.models import EventType, Rating, Request, RequestEvent
from core.text import clean_text


class RatingError(ValueError):
    pass


def record_rating(session: Session, request: Request, score: int, comment: str = "",
                  channel: str = "web") -> Rating:
    """Store a 1–5 rating of a handled request (attributed to its service project, if any)."""
    if not 1 <= int(score) <= 5:
        raise RatingError("score must be between 1 and 5")
    comment = clean_text(comment, limit=1000) if comment and comment.strip() else ""
    rating = Rating(request_id=request.id, project_id=request.project_id, resident_id=request.resident_id,
                    score=int(score), comment=comment, channel=channel)
    session.add(rating)
    session.add(RequestEvent(request_id=request.id, type=EventType.rated, to_value=str(score),
                             message=comment[:500]))
    session.commit()
    session.refresh(rating)
    return rating
