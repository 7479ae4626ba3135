"""The community workers' inbox: filters, search, the review queue, bulk actions, one request's page."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session, func, or_, select

from admin import actions, demand
from core.permissions import scoped, staff_only, visible_communities, visible_projects
from core.deps import CurrentUser, SessionDep
from core.security import csrf_protect
from admin.common import category_names, client_ip, compounds_of, flash, place_names, pop_flash
from core.i18n import translator
from core.models import (
    OPEN_STATUSES,
    Cluster,
    Kind,
    Place,
    RequestEvent,
    Role,
    StaffCommunity,
    StaffUser,
    Status,
)
from core.models import Request as Req
from core.templating import language, render

router = APIRouter(tags=["admin"])
PAGE_SIZE = 50
REVIEW_CONFIDENCE = 0.6  # below this the classifier's category is checked by a worker
REVIEW_CAP = 999
COUNT_MONTHS = 12  # the counts table under the list covers the last year, like the dashboard


def _date(value: str | None, name: str) -> dt.datetime | None:
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError as exc:
        raise HTTPException(status_code=422, detail=f"{name}: expected a date like 2026-05-31") from exc
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def filtered(session: Session, user: StaffUser, f: dict):
    """The inbox's request query for a dict of filters (also used by drill-down links)."""
    stmt = scoped(select(Req), session, user)
    if f.get("category"):
        stmt = stmt.where(Req.category_code == (None if f["category"] == "none" else f["category"]))
    if f.get("kind"):
        stmt = stmt.where(Req.kind == f["kind"])
    if f.get("status") == "open":
        stmt = stmt.where(Req.status.in_(OPEN_STATUSES))
    elif f.get("status"):
        stmt = stmt.where(Req.status == f["status"])
    if f.get("community"):
        stmt = stmt.where(Req.community_id == int(f["community"]))
    if f.get("place"):
        stmt = stmt.where(Req.place_id == int(f["place"]))
    if f.get("since"):
        stmt = stmt.where(Req.created_at >= _date(f["since"], "since"))
    if f.get("until"):
        stmt = stmt.where(Req.created_at < _date(f["until"], "until") + dt.timedelta(days=1))
    if f.get("month"):
        start = _date(f["month"] + "-01", "month")
        end = (start + dt.timedelta(days=32)).replace(day=1)
        stmt = stmt.where(Req.created_at >= start, Req.created_at < end)
    if f.get("max_confidence") not in (None, ""):
        stmt = stmt.where(or_(Req.confidence.is_(None), Req.confidence <= float(f["max_confidence"])))
    if f.get("urgent"):
        stmt = stmt.where(Req.urgent)
    if f.get("overdue_days"):
        stmt = stmt.where(Req.status.in_(OPEN_STATUSES),
                          Req.created_at < dt.datetime.now(dt.UTC) - dt.timedelta(days=int(f["overdue_days"])))
    if f.get("cluster"):
        stmt = stmt.where(Req.cluster_id == int(f["cluster"]))
    if f.get("project"):
        stmt = stmt.where(Req.project_id == int(f["project"]))
    if f.get("assignee") == "me":
        stmt = stmt.where(Req.assignee_id == user.id)
    if f.get("queue") == "review":
        # low confidence or urgent, and still open: what a worker should look at first
        stmt = stmt.where(Req.status.in_(OPEN_STATUSES),
                          or_(Req.needs_review, Req.urgent, Req.confidence < REVIEW_CONFIDENCE))
    if f.get("q"):
        needle = f["q"].strip()[:100].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(or_(Req.text.like(f"%{needle}%", escape="\\"), Req.ticket == f["q"].strip().upper()))
    return stmt


FILTERS = ("q", "category", "kind", "status", "community", "place", "since", "until", "month", "max_confidence",
           "urgent", "overdue_days", "cluster", "project", "assignee", "queue")


def colleagues(session: Session, user: StaffUser) -> list[StaffUser]:
    stmt = select(StaffUser).where(StaffUser.is_active, StaffUser.role.in_([Role.admin, Role.worker]))
    if user.role == Role.worker:
        mine = select(StaffCommunity.place_id).where(StaffCommunity.user_id == user.id)
        shared = select(StaffCommunity.user_id).where(StaffCommunity.place_id.in_(mine))
        stmt = stmt.where(or_(StaffUser.id.in_(shared), StaffUser.role == Role.admin))
    return list(session.exec(stmt.order_by(StaffUser.username)))


@router.get("/admin")
def inbox(
    request: Request, session: SessionDep, user: CurrentUser,
    q: Annotated[str | None, Query(max_length=100)] = None,
    category: str | None = None, kind: str | None = None, status: str | None = None,
    community: Annotated[int | None, Query()] = None, place: Annotated[int | None, Query()] = None,
    since: str | None = None, until: str | None = None,
    month: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$")] = None,
    max_confidence: Annotated[float | None, Query(ge=0, le=1)] = None,
    urgent: bool = False, overdue_days: Annotated[int | None, Query(ge=1, le=3650)] = None,
    cluster: Annotated[int | None, Query()] = None, project: Annotated[int | None, Query()] = None,
    assignee: str | None = None, queue: str | None = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
):
    """Requests newest first with filters, search and the review queue, plus counts per category per community."""
    if user.role == Role.org:
        return RedirectResponse("/org", status_code=303)
    staff_only(user)
    f = {k: v for k, v in locals().items() if k in FILTERS and v not in (None, "", False)}
    rows = session.exec(filtered(session, user, f).order_by(Req.created_at.desc(), Req.id.desc())
                        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)).all()
    has_more = len(rows) > PAGE_SIZE
    # counted up to a cap: on a large backlog "1000+" says enough and costs a bounded scan
    capped = filtered(session, user, {"queue": "review"}).with_only_columns(Req.id).order_by(None)
    review_count = session.exec(select(func.count()).select_from(capped.limit(REVIEW_CAP + 1).subquery())).one()

    matrix: dict[str | None, dict[int | None, int]] = {}
    for (code, community_id), n in demand.by_category_and_community(session, user, months=COUNT_MONTHS).items():
        matrix.setdefault(code, {})[community_id] = n
    lang = language(request)
    categories, cat_names = category_names(session, lang)
    communities = visible_communities(session, user)
    return render(
        request, "admin/requests.html", user=user, rows=rows[:PAGE_SIZE], page=page, has_more=has_more,
        categories=categories, cat_names=cat_names, communities=communities,
        compounds=compounds_of(session, [c.id for c in communities]), places=place_names(session),
        statuses=[s.value for s in Status], kinds=[k.value for k in Kind], matrix=matrix, filters=f,
        review_count=review_count, review_cap=REVIEW_CAP, count_months=COUNT_MONTHS, colleagues=colleagues(session, user), flashes=pop_flash(request),
        qs=lambda **kw: urlencode({k: v for k, v in {**f, **kw}.items() if v not in (None, "")}),
        back=str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""),
    )


def _load(session: Session, user: StaffUser, request_id: int) -> Req:
    staff_only(user)
    req = session.get(Req, request_id)
    if req is None or not actions.can_read(session, user, req):
        raise HTTPException(status_code=404, detail="no such request")  # same answer: no probing
    return req


@router.get("/admin/requests/{request_id}")
def request_page(request: Request, request_id: int, session: SessionDep, user: CurrentUser):
    """One request with its full history and the actions a worker can take."""
    req = _load(session, user, request_id)
    lang = language(request)
    categories, cat_names = category_names(session, lang)
    events = session.exec(select(RequestEvent).where(RequestEvent.request_id == req.id)
                          .order_by(RequestEvent.created_at, RequestEvent.id)).all()
    staff = {u.id: u.display_name or u.username for u in session.exec(select(StaffUser))}
    # what the request may be linked to: its own community's clusters, the projects the user may read
    clusters = session.exec(select(Cluster).where(Cluster.is_open, Cluster.merged_into_id.is_(None),
                                                  Cluster.place_id == req.community_id)
                            .order_by(Cluster.size.desc()).limit(50)).all()
    projects = session.exec(visible_projects(session, user)).all()
    place = session.get(Place, req.place_id) if req.place_id else None
    return render(request, "admin/request.html", user=user, r=req, events=events, staff=staff,
                  categories=categories, cat_names=cat_names, clusters=clusters, projects=projects,
                  colleagues=colleagues(session, user), place=place, places=place_names(session),
                  statuses=[s.value for s in Status], transitions=actions.TRANSITIONS,
                  flashes=pop_flash(request))


def _apply(session: Session, user: StaffUser, req: Req, action: str, value: str, reason: str, ip: str,
           lang: str) -> str:
    tr = translator(lang)
    if action == "status":
        actions.change_status(session, user, req, value, reason, ip=ip)
    elif action == "assign":
        actions.assign(session, user, req, int(value) if value else None, ip=ip)
    elif action == "reply":
        n = actions.reply(session, user, req, value, ip=ip)
        if not n:
            return tr.gettext("reply recorded (the resident left no channel to reach)")
        return tr.ngettext("reply queued on {n} channel", "reply queued on {n} channels", n).format(n=n)
    elif action == "category":
        actions.correct_category(session, user, req, value, ip=ip)
    elif action == "reviewed":
        actions.mark_reviewed(session, user, req, ip=ip)
    elif action == "cluster":
        actions.link_cluster(session, user, req, int(value) if value else None, ip=ip)
    elif action == "project":
        actions.link_project(session, user, req, int(value) if value else None, ip=ip)
    elif action == "urgent":
        actions.set_urgent(session, user, req, value == "1", ip=ip)
    else:
        raise actions.ActionError("unknown_action", action=action)
    return tr.gettext("saved")


def _message(exc: Exception, lang: str) -> str:
    return exc.message(lang) if isinstance(exc, actions.ActionError) else str(exc)


@router.post("/admin/requests/{request_id}", dependencies=[Depends(csrf_protect)])
def act(request: Request, request_id: int, session: SessionDep, user: CurrentUser,
        action: Annotated[str, Form(max_length=20)], value: Annotated[str, Form(max_length=2000)] = "",
        reason: Annotated[str, Form(max_length=1000)] = ""):
    """Change status, assign, reply, correct the category, link a cluster or project."""
    req = _load(session, user, request_id)
    lang = language(request)
    try:
        message = _apply(session, user, req, action, value, reason, client_ip(request), lang)
    except (actions.ActionError, ValueError) as exc:
        session.rollback()
        flash(request, _message(exc, lang), "error")
        return RedirectResponse(f"/admin/requests/{request_id}", status_code=303)
    session.commit()
    flash(request, message)
    return RedirectResponse(f"/admin/requests/{request_id}", status_code=303)


@router.post("/admin/bulk", dependencies=[Depends(csrf_protect)])
def bulk(request: Request, session: SessionDep, user: CurrentUser,
         action: Annotated[str, Form(max_length=20)], ids: Annotated[list[int] | None, Form()] = None,
         value: Annotated[str, Form(max_length=200)] = "", reason: Annotated[str, Form(max_length=1000)] = "",
         back: Annotated[str, Form(max_length=2000)] = "/admin"):
    """Apply one action to many requests; each request succeeds or is reported on its own."""
    staff_only(user)
    if action not in ("status", "assign", "category", "reviewed", "cluster", "project"):
        raise HTTPException(status_code=422, detail="this action cannot be applied in bulk")
    target = back if back.startswith("/admin") else "/admin"
    lang = language(request)
    tr = translator(lang)
    if not ids:
        flash(request, tr.gettext("select at least one request"), "error")
        return RedirectResponse(target, status_code=303)
    done, failed = 0, []
    for request_id in ids[:500]:
        req = session.get(Req, request_id)
        if req is None or not actions.can_read(session, user, req):
            failed.append(tr.gettext("#{id}: not found").format(id=request_id))
            continue
        try:
            _apply(session, user, req, action, value, reason, client_ip(request), lang)
            session.commit()
            done += 1
        except (actions.ActionError, ValueError) as exc:
            session.rollback()
            failed.append(f"{req.ticket}: {_message(exc, lang)}")
    flash(request, tr.ngettext("{n} request updated", "{n} requests updated", done).format(n=done))
    if failed:
        flash(request, "; ".join(failed[:20]), "error")
    return RedirectResponse(target, status_code=303)
