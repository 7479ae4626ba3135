"""GET /healthz: what load balancers and operators poll (database, migrations, active model)."""

from __future__ import annotations

from fastapi import APIRouter, Response
from sqlalchemy import text as sql_text

from core.db import get_engine
from core.deps import SessionDep
from core.migrate import is_up_to_date
from nlp.registry import get_classifier

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz(session: SessionDep, response: Response):
    """Database reachable and migrated, and which model is active."""
    out: dict = {"status": "ok"}
    try:
        session.connection().execute(sql_text("SELECT 1"))
        out["database"] = {"ok": True, "backend": get_engine().dialect.name,
                           "migrations_current": is_up_to_date(get_engine())}
    except Exception as exc:  # report, do not crash: this is what load balancers poll
        out["database"] = {"ok": False, "error": type(exc).__name__}
        out["status"] = "error"
        response.status_code = 503
        return out
    try:
        clf = get_classifier(session)
        out["model"] = {"loaded": clf is not None, "version": clf.version if clf else None}
    except Exception as exc:
        out["model"] = {"loaded": False, "error": type(exc).__name__}
    if not out["model"].get("loaded") or not out["database"]["migrations_current"]:
        out["status"] = "degraded"  # requests are still accepted, and queued for review
    return out
