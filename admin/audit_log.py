"""The audit log of staff actions, for admins."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from sqlmodel import select

from core.deps import require, SessionDep
from core.models import AuditLog, Role, StaffUser
from core.templating import render

router = APIRouter(tags=["admin"])
Admin = Annotated[StaffUser, require(Role.admin)]


@router.get("/admin/audit")
def audit_page(request: Request, session: SessionDep, user: Admin, actor: Annotated[int | None, Query()] = None,
               action: Annotated[str | None, Query(max_length=60)] = None):
    """The latest staff actions, newest first."""
    stmt = select(AuditLog).order_by(AuditLog.created_at.desc(), AuditLog.id.desc()).limit(300)
    if actor:
        stmt = stmt.where(AuditLog.actor_id == actor)
    if action:
        stmt = stmt.where(AuditLog.action == action)
    staff = {u.id: u.username for u in session.exec(select(StaffUser))}
    return render(request, "admin/audit.html", user=user, rows=session.exec(stmt).all(), staff=staff)
