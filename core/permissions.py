"""Who may see what: roles and community scopes, decided here and nowhere else.

Admins see every community; a community worker sees the communities they are assigned to;
organization viewers see no raw requests at all (only their own projects' figures).
"""

from __future__ import annotations

from fastapi import HTTPException
from sqlmodel import Session, select

from core.models import Place, PlaceKind, Request, Role, StaffCommunity, StaffUser

NOWHERE = [-1]  # an IN list that matches no row: `IN ()` is not valid SQL everywhere


def community_scope(session: Session, user: StaffUser) -> list[int] | None:
    """Communities a user may read: None means all (admin); org viewers see no raw requests."""
    if user.role == Role.admin:
        return None
    if user.role == Role.worker:
        return list(session.exec(select(StaffCommunity.place_id).where(StaffCommunity.user_id == user.id)))
    return []


def scope_ids(scope: list[int] | None) -> list[int]:
    """A restricted scope as an IN list (an empty scope matches nothing)."""
    return scope or NOWHERE


def staff_only(user: StaffUser) -> None:
    """Workers and admins; organization viewers never see raw requests."""
    if user.role not in (Role.admin, Role.worker):
        raise HTTPException(status_code=403, detail="not allowed for your role")


def scoped(stmt, session: Session, user: StaffUser, column=None):
    """Restrict a statement to rows whose community (`column`, the request's by default) the user may read."""
    column = Request.community_id if column is None else column
    scope = community_scope(session, user)
    if scope is not None:
        stmt = stmt.where(column.in_(scope_ids(scope)))
    return stmt


def visible_communities(session: Session, user: StaffUser) -> list[Place]:
    scope = community_scope(session, user)
    stmt = select(Place).where(Place.kind == PlaceKind.community).order_by(Place.name)
    if scope is not None:
        stmt = stmt.where(Place.id.in_(scope_ids(scope)))
    return list(session.exec(stmt))
