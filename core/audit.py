"""The audit log: who did what to which object, from where."""

from __future__ import annotations

from sqlmodel import Session

from core.models import AuditLog, StaffUser


def audit(session: Session, user: StaffUser | None, action: str, target_type: str = "",
          target_id: object = "", ip: str = "", **detail) -> None:
    session.add(AuditLog(actor_id=user.id if user else None, action=action, target_type=target_type,
                         target_id=str(target_id), ip=ip[:64], detail=detail))
