"""The audit log of staff actions, for admins: details as readable JSON (Chinese as it is, codes by
their names, amounts in yuan rather than the fen they are stored in)."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Query, Request
from sqlmodel import col, select

from core.deps import SessionDep, require
from core.labels import names
from core.models import AuditLog, Role, StaffUser
from core.taxonomy import category_names
from core.templating import language, render

router = APIRouter(tags=["admin"])
Admin = Annotated[StaffUser, require(Role.admin)]
# the kinds of code a detail value may be, tried in this order
CODE_KINDS = ("status", "stage", "kind", "role", "channel", "call", "call_outcome", "deadline")


def readable(detail, lang: str, categories: dict) -> str:
    """An audit row's detail as JSON a person can read."""
    table = names(lang)

    def show(value):
        if isinstance(value, dict):
            out = {}
            for k, v in value.items():
                if k.endswith("_cents") and isinstance(v, int | float) and not isinstance(v, bool):
                    k, v = k[: -len("_cents")] + "_yuan", round(v / 100, 2)
                out[table["audit_key"].get(k, k)] = show(v)
            return out
        if isinstance(value, list):
            return [show(v) for v in value]
        if isinstance(value, str):
            for kind in CODE_KINDS:
                if value in table[kind]:
                    return table[kind][value]
            return categories.get(value, value)
        return value

    return json.dumps(show(detail or {}), ensure_ascii=False)


@router.get("/admin/audit")
def audit_page(request: Request, session: SessionDep, user: Admin, actor: Annotated[str | None, Query(max_length=12)] = None,
               action: Annotated[str | None, Query(max_length=60)] = None):
    """The latest staff actions, newest first."""
    stmt = select(AuditLog).order_by(col(AuditLog.created_at).desc(), col(AuditLog.id).desc()).limit(300)
    if actor and actor.isdigit() and len(actor) < 10:
        stmt = stmt.where(AuditLog.actor_id == int(actor))
    if action:
        stmt = stmt.where(AuditLog.action == action)
    lang = language(request)
    categories = {code: name for code, name in category_names(session, lang).items() if code}
    staff = {u.id: u.username for u in session.exec(select(StaffUser))}
    return render(request, "admin/audit.html", user=user, rows=session.exec(stmt).all(), staff=staff,
                  detail=lambda a: readable(a.detail, lang, categories))
