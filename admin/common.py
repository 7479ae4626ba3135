"""Helpers every staff page shares: role checks, community scopes, names, flash messages."""

from __future__ import annotations

from fastapi import HTTPException, Request
from sqlmodel import Session, select

from admin.auth import community_scope
from core.models import Category, Place, PlaceKind, Role, StaffUser
from core.models import Request as Req


def staff_only(user: StaffUser) -> None:
    """Workers and admins; organization viewers never see raw requests."""
    if user.role not in (Role.admin, Role.worker):
        raise HTTPException(status_code=403, detail="not allowed for your role")


def scoped(stmt, session: Session, user: StaffUser, column=None):
    """Restrict a statement on requests to the communities the user may read."""
    scope = community_scope(session, user)
    if scope is not None:
        stmt = stmt.where((column if column is not None else Req.community_id).in_(scope or [-1]))
    return stmt


def visible_communities(session: Session, user: StaffUser) -> list[Place]:
    scope = community_scope(session, user)
    stmt = select(Place).where(Place.kind == PlaceKind.community).order_by(Place.name)
    if scope is not None:
        stmt = stmt.where(Place.id.in_(scope or [-1]))
    return list(session.exec(stmt))


def compounds_of(session: Session, community_ids: list[int]) -> list[Place]:
    if not community_ids:
        return []
    return list(session.exec(select(Place).where(Place.parent_id.in_(community_ids)).order_by(Place.name)))


def category_names(session: Session, lang: str) -> tuple[list[Category], dict[str | None, str]]:
    categories = list(session.exec(select(Category).order_by(Category.sort_order, Category.code)))
    names: dict[str | None, str] = {c.code: (c.name_zh if lang == "zh" else c.name_en) for c in categories}
    names[None] = "未分类" if lang == "zh" else "unclassified"
    return categories, names


def place_names(session: Session) -> dict[int, str]:
    return {p.id: p.name for p in session.exec(select(Place))}


def flash(request: Request, message: str, kind: str = "notice") -> None:
    request.session.setdefault("flash", []).append([kind, message])


def pop_flash(request: Request) -> list[list[str]]:
    return request.session.pop("flash", [])


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""
