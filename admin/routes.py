"""Login and the community workers' request list with demand counts."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session, func, select

from admin.auth import (
    CurrentUser,
    LoginThrottled,
    SessionDep,
    authenticate,
    community_scope,
    csrf_protect,
    login_session,
)
from core.models import Category, Place, PlaceKind, Role, Status
from core.models import Request as Req
from core.templating import language, render

router = APIRouter(tags=["admin"])
PAGE_SIZE = 50


def _safe_next(target: str | None) -> str:
    # only local paths: no open redirect to another site
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/admin"


@router.get("/login")
def login_form(request: Request, next: str | None = None):
    """The staff login form."""
    return render(request, "admin/login.html", next=_safe_next(next), error=None)


@router.post("/login", dependencies=[Depends(csrf_protect)])
def login(request: Request, session: SessionDep, username: Annotated[str, Form(max_length=64)],
          password: Annotated[str, Form(max_length=256)], next: Annotated[str, Form()] = "/admin"):
    """Check the password, start a fresh session, go where the user was heading."""
    lang = language(request)
    ip = request.client.host if request.client else ""
    try:
        user = authenticate(session, username.strip(), password, ip)
    except LoginThrottled:
        msg = "尝试次数过多，请稍后再试。" if lang == "zh" else "Too many attempts: try again later."
        return render(request, "admin/login.html", status_code=429, next=_safe_next(next), error=msg)
    if user is None:
        msg = "用户名或密码错误。" if lang == "zh" else "Wrong username or password."
        return render(request, "admin/login.html", status_code=401, next=_safe_next(next), error=msg)
    login_session(request, user)
    request.session["lang"] = lang
    return RedirectResponse(_safe_next(next) if user.role != Role.org else "/org", status_code=303)


@router.post("/logout", dependencies=[Depends(csrf_protect)])
def logout(request: Request):
    """End the session."""
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


def _scoped(stmt, session: Session, user):
    scope = community_scope(session, user)
    if scope is not None:
        stmt = stmt.where(Req.community_id.in_(scope or [-1]))
    return stmt


@router.get("/admin")
def requests_page(
    request: Request, session: SessionDep, user: CurrentUser,
    category: str | None = None, status: str | None = None,
    community: Annotated[int | None, Query()] = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
):
    """Requests newest first, filtered by category, status and community, plus counts per category per community."""
    if user.role == Role.org:
        return RedirectResponse("/org", status_code=303)
    stmt = _scoped(select(Req), session, user)
    if category:
        stmt = stmt.where(Req.category_code == (None if category == "none" else category))
    if status:
        stmt = stmt.where(Req.status == status)
    if community:
        stmt = stmt.where(Req.community_id == community)
    rows = session.exec(stmt.order_by(Req.created_at.desc(), Req.id.desc())
                        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)).all()
    has_more = len(rows) > PAGE_SIZE

    counts_stmt = _scoped(select(Req.community_id, Req.category_code, func.count()), session, user)
    counts = session.exec(counts_stmt.group_by(Req.community_id, Req.category_code)).all()
    scope = community_scope(session, user)
    communities_q = select(Place).where(Place.kind == PlaceKind.community).order_by(Place.name)
    if scope is not None:
        communities_q = communities_q.where(Place.id.in_(scope or [-1]))
    communities = session.exec(communities_q).all()
    lang = language(request)
    categories = session.exec(select(Category).order_by(Category.sort_order)).all()
    cat_names = {c.code: (c.name_zh if lang == "zh" else c.name_en) for c in categories}
    places = {p.id: p.name for p in session.exec(select(Place)).all()}
    matrix: dict[str | None, dict[int | None, int]] = {}
    for community_id, code, n in counts:
        matrix.setdefault(code, {})[community_id] = n
    filters = {k: v for k, v in {"category": category, "status": status, "community": community}.items() if v}
    return render(
        request, "admin/requests.html", user=user, rows=rows[:PAGE_SIZE], page=page, has_more=has_more,
        categories=categories, cat_names=cat_names, communities=communities, places=places,
        statuses=[s.value for s in Status], matrix=matrix, filters=filters,
        qs=lambda **kw: urlencode({**filters, **kw}), now=dt.datetime.now(dt.UTC),
    )
