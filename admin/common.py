"""Helpers every staff page shares: names, flash messages, the client address."""

from __future__ import annotations

from fastapi import Request
from sqlmodel import Session, col, select

from core.db import row_id
from core.models import Place


def compounds_of(session: Session, community_ids: list[int]) -> list[Place]:
    if not community_ids:
        return []
    return list(session.exec(select(Place).where(col(Place.parent_id).in_(community_ids)).order_by(col(Place.name))))


def place_names(session: Session) -> dict[int, str]:
    return {row_id(p): p.name for p in session.exec(select(Place))}


def flash(request: Request, message: str, kind: str = "notice") -> None:
    # assigned, not appended in place: the session is saved only when it is seen to change
    request.session["flash"] = [*request.session.get("flash", []), [kind, message]]


def pop_flash(request: Request) -> list[list[str]]:
    return request.session.pop("flash", [])
