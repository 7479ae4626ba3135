"""The community workers' inbox: what needs doing now (urgent, overdue, due today) with the countdown
to each deadline, the calls to make, filters (admin/filters.py), search, the review and "no place
yet" queues, bulk actions; and one request's page with everything a worker does to it.

The inbox remembers its filters in the session, so a return from a request page lands on the same
list and page.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session, col, func, or_, select

from admin import actions, demand, filters, supervision
from admin.common import compounds_of, flash, place_names, pop_flash
from core import deadlines, notify, taxonomy
from core.db import row_id
from core.deps import CurrentUser, SessionDep, client_ip
from core.i18n import N_, translator
from core.localtime import format_local
from core.models import (
    CallTask,
    Cluster,
    Kind,
    Place,
    PlaceKind,
    RequestEvent,
    Role,
    ServiceRequest,
    StaffCommunity,
    StaffUser,
    Status,
    utcnow,
)
from core.permissions import (
    requests_visible,
    staff_only,
    unplaced_condition,
    visible_communities,
    visible_projects,
)
from core.security import csrf_protect
from core.taxonomy import category_names
from core.templating import language, render
from nlp.registry import get_classifier

router = APIRouter(tags=["admin"])
PAGE_SIZE = 50
REVIEW_CAP = 999
COUNT_MONTHS = 12  # the counts table under the list covers the last year, like the dashboard
BACK = "inbox_query"  # the session key of the inbox's last filters


def review_threshold(session: Session) -> float:
    """Below the active model's own threshold (chosen at training) a category is checked by a worker."""
    classifier = get_classifier(session)
    return classifier.review_threshold if classifier is not None else 0.0


def colleagues(session: Session, user: StaffUser) -> list[StaffUser]:
    stmt = select(StaffUser).where(StaffUser.is_active, col(StaffUser.role).in_([Role.admin, Role.worker]))
    if user.role == Role.worker:
        mine = select(StaffCommunity.place_id).where(StaffCommunity.user_id == user.id)
        shared = select(StaffCommunity.user_id).where(col(StaffCommunity.place_id).in_(mine))
        stmt = stmt.where(or_(col(StaffUser.id).in_(shared), StaffUser.role == Role.admin))
    return list(session.exec(stmt.order_by(col(StaffUser.username))))


def _capped_count(session: Session, stmt) -> int:
    """Counted up to a cap: on a large backlog "1000+" says enough and costs a bounded scan."""
    ids = stmt.with_only_columns(ServiceRequest.id).order_by(None).limit(REVIEW_CAP + 1).subquery()
    return session.exec(select(func.count()).select_from(ids)).one()


def open_calls(session: Session, user: StaffUser, request_id: int | None = None) -> list[tuple[CallTask, ServiceRequest]]:
    """Calls still to make on requests the user may read: the user's own first."""
    stmt = select(CallTask, ServiceRequest).join(ServiceRequest, col(ServiceRequest.id) == col(CallTask.request_id)).where(col(CallTask.done_at).is_(None))
    if request_id is not None:
        stmt = stmt.where(CallTask.request_id == request_id)
    stmt = requests_visible(stmt, session, user)
    rows = session.exec(stmt.order_by(col(CallTask.created_at), col(CallTask.id)).limit(200)).all()
    return sorted(rows, key=lambda row: row[0].assignee_id != user.id)


def number_for(user: StaffUser, task: CallTask, req: ServiceRequest) -> str:
    """The number in full for the worker who must call, masked for everyone else."""
    contact = req.contact or ""  # a call task exists only for a request with a phone number
    return contact if task.assignee_id == user.id else notify.mask(contact)


def _back_query(request: Request) -> str:
    """The inbox's query string without the language switch (which the session keeps anyway)."""
    return urlencode([(k, v) for k, v in parse_qsl(request.url.query) if k != "lang"])


@router.get("/admin")
def inbox(request: Request, session: SessionDep, user: CurrentUser):
    """What needs doing now, the calls to make, then the requests newest first, with filters and counts."""
    if user.role == Role.org:
        return RedirectResponse("/org", status_code=303)
    staff_only(user)
    lang = language(request)
    _ = translator(lang).gettext
    supervision.escalate_due(session)
    f, bad = filters.parse(request.query_params)
    page_text = request.query_params.get("page", "1")
    page = int(page_text) if page_text.isdigit() and 1 <= int(page_text) <= 10_000 else 1
    now = utcnow()
    threshold = review_threshold(session)
    base = filters.filtered(session, user, f, threshold, now)
    rows = session.exec(base.order_by(col(ServiceRequest.created_at).desc(), col(ServiceRequest.id).desc())
                        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)).all()
    now_rows = filters.now_first(session, base, now) if page == 1 else []
    review_count = _capped_count(session, filters.filtered(session, user, {"queue": "review"}, threshold, now))
    unplaced_count = _capped_count(session, select(ServiceRequest).where(unplaced_condition(session, user)))
    request.session[BACK] = _back_query(request)

    matrix: dict[str | None, dict[int | None, int]] = {}
    for (code, community_id), n in demand.by_category_and_community(session, user, months=COUNT_MONTHS).items():
        matrix.setdefault(code, {})[community_id] = n
    categories, cat_names = taxonomy.categories(session), category_names(session, lang)
    communities = visible_communities(session, user)
    flashes = pop_flash(request) + [["error", _("This filter could not be read and was left out: {field}").format(
        field=_(FIELD_NAMES[name]))] for name in bad]
    keep = dict(f)
    return render(
        request, "admin/requests.html", status_code=422 if bad else 200, user=user, rows=rows[:PAGE_SIZE],
        page=page, has_more=len(rows) > PAGE_SIZE, now_rows=now_rows, calls=open_calls(session, user),
        number_for=lambda task, req: number_for(user, task, req),
        countdown=lambda r: deadlines.countdown(deadlines.next_deadline(r), now, lang),
        late=lambda r: (d := deadlines.next_deadline(r)) is not None and d < now,
        categories=categories, cat_names=cat_names, communities=communities,
        compounds=compounds_of(session, [row_id(c) for c in communities]), places=place_names(session),
        statuses=[s.value for s in Status], kinds=[k.value for k in Kind], matrix=matrix, filters=keep,
        review_count=review_count, unplaced_count=unplaced_count, review_cap=REVIEW_CAP,
        count_months=COUNT_MONTHS, colleagues=colleagues(session, user), flashes=flashes,
        qs=lambda **kw: urlencode({k: v for k, v in {**keep, **kw}.items() if v not in (None, "", False)}),
        back="/admin" + (f"?{request.session[BACK]}" if request.session[BACK] else ""),
    )


# how a filter field is named in a refusal (the names the form's labels use)
FIELD_NAMES = {
    "q": N_("Search"), "category": N_("Category"), "kind": N_("Kind"), "status": N_("Status"), "community": N_("Community"),
    "place": N_("Compound"), "since": N_("From"), "until": N_("To"), "month": N_("Month"), "max_confidence": N_("Confidence at most"),
    "urgent": N_("Urgent only"), "overdue_days": N_("Overdue"), "late": N_("Past deadline"), "cluster": N_("Cluster"),
    "project": N_("Service project"), "assignee": N_("Assignee"), "queue": N_("Queue"), "rate": N_("Rate"), "missed": N_("Missed"),
}


def _load(session: Session, user: StaffUser, request_id: int) -> ServiceRequest:
    staff_only(user)
    req = session.get(ServiceRequest, request_id) if 0 < request_id < 2**31 else None
    if req is None or not actions.can_read(session, user, req):
        raise HTTPException(status_code=404, detail="no such request")  # same answer: no probing
    return req


@router.get("/admin/requests/{request_id}")
def request_page(request: Request, request_id: int, session: SessionDep, user: CurrentUser):
    """One request with its deadlines, history, duplicates, calls and the actions a worker can take."""
    req = _load(session, user, request_id)
    lang = language(request)
    now = utcnow()
    categories, cat_names = taxonomy.categories(session), category_names(session, lang)
    events = session.exec(select(RequestEvent).where(RequestEvent.request_id == req.id)
                          .order_by(col(RequestEvent.created_at), col(RequestEvent.id))).all()
    staff = {u.id: u.display_name or u.username for u in session.exec(select(StaffUser))}
    # what the request may be linked to: its own community's clusters, the projects the user may read
    clusters = session.exec(select(Cluster).where(Cluster.is_open, col(Cluster.merged_into_id).is_(None),
                                                  Cluster.place_id == req.community_id)
                            .order_by(col(Cluster.size).desc()).limit(50)).all()
    projects = session.exec(visible_projects(session, user)).all()
    place = session.get(Place, req.place_id) if req.place_id else None
    calls = open_calls(session, user, req.id)
    sees_contact = user.id == req.assignee_id or any(task.assignee_id == user.id for task, _ in calls)
    back = request.session.get(BACK, "")
    return render(request, "admin/request.html", user=user, r=req, events=events, staff=staff,
                  categories=categories, cat_names=cat_names, clusters=clusters, projects=projects,
                  colleagues=colleagues(session, user), place=place, places=place_names(session),
                  statuses=[s.value for s in Status], transitions=actions.TRANSITIONS,
                  communities=session.exec(select(Place).where(Place.kind == PlaceKind.community)
                                           .order_by(col(Place.name))).all(),
                  survivor=session.get(ServiceRequest, req.duplicate_of_id) if req.duplicate_of_id else None,
                  duplicates=notify.followers(session, req)[1:], calls=calls,
                  number_for=lambda task, r: number_for(user, task, r),
                  contact=req.contact if sees_contact else notify.mask(req.contact),
                  countdown=lambda d: deadlines.countdown(d, now, lang), next_deadline=deadlines.next_deadline(req),
                  now=now, when=_when, back="/admin" + (f"?{back}" if back else ""),
                  flashes=pop_flash(request))


def _when(value: str | None) -> str:
    """A stored ISO instant (an event's from/to value) in local time."""
    try:
        return format_local(dt.datetime.fromisoformat(value)) if value else "—"
    except ValueError:
        return value or "—"


def _id(value: str) -> int | None:
    if not value:
        return None
    if not value.isdigit() or len(value) > 9:
        raise actions.ActionError("nothing_to_change")
    return int(value)


def _apply(session: Session, user: StaffUser, req: ServiceRequest, action: str, value: str, reason: str, ip: str,
           lang: str, which: str = "") -> str:
    tr = translator(lang)
    if action == "status":
        actions.change_status(session, user, req, value, reason, ip=ip)
    elif action == "assign":
        actions.assign(session, user, req, _id(value), ip=ip)
    elif action == "transfer":
        actions.transfer(session, user, req, _id(value), reason, ip=ip)
    elif action == "reply":
        told = actions.reply(session, user, req, value, ip=ip)
        if told.calls:
            return tr.gettext("the resident can be reached only by phone: a call to make is in the list")
        if not told.messages:
            return tr.gettext("reply recorded: the resident reads it when looking the ticket up")
        n = len(told.messages)
        return tr.ngettext("reply queued on {n} channel", "reply queued on {n} channels", n).format(n=n)
    elif action == "category":
        actions.correct_category(session, user, req, value, ip=ip)
    elif action == "reviewed":
        actions.mark_reviewed(session, user, req, ip=ip)
    elif action == "cluster":
        actions.link_cluster(session, user, req, _id(value), ip=ip)
    elif action == "project":
        actions.link_project(session, user, req, _id(value), ip=ip)
    elif action == "urgent":
        actions.set_urgent(session, user, req, value == "1", reason, ip=ip)
    elif action == "duplicate":
        actions.mark_duplicate(session, user, req, value, ip=ip)
    elif action == "extend":
        actions.extend_deadline(session, user, req, which, value, reason, ip=ip)
    else:
        raise actions.ActionError("unknown_action", action=action)
    return tr.gettext("saved")


def _message(exc: Exception, lang: str) -> str:
    if isinstance(exc, actions.ActionError):
        return exc.message(lang)
    return translator(lang).gettext("that value cannot be used here")


@router.post("/admin/requests/{request_id}", dependencies=[Depends(csrf_protect)])
def act(request: Request, request_id: int, session: SessionDep, user: CurrentUser,
        action: Annotated[str, Form(max_length=20)], value: Annotated[str, Form(max_length=2000)] = "",
        reason: Annotated[str, Form(max_length=1000)] = "", which: Annotated[str, Form(max_length=10)] = ""):
    """Change status, assign or transfer, reply, correct the category or the urgent flag, link a cluster
    or project, mark a duplicate, extend a deadline."""
    req = _load(session, user, request_id)
    lang = language(request)
    try:
        message = _apply(session, user, req, action, value, reason, client_ip(request), lang, which)
    except (actions.ActionError, ValueError) as exc:
        session.rollback()
        flash(request, _message(exc, lang), "error")
        return RedirectResponse(f"/admin/requests/{request_id}", status_code=303)
    session.commit()
    flash(request, message)
    if not actions.can_read(session, user, req):  # transferred out of the worker's communities
        return RedirectResponse("/admin", status_code=303)
    return RedirectResponse(f"/admin/requests/{request_id}", status_code=303)


@router.post("/admin/calls/{task_id}", dependencies=[Depends(csrf_protect)])
def call_result(request: Request, task_id: int, session: SessionDep, user: CurrentUser,
                outcome: Annotated[str, Form(max_length=16)], score: Annotated[str, Form(max_length=2)] = "",
                note: Annotated[str, Form(max_length=1000)] = "", back: Annotated[str, Form(max_length=2000)] = "/admin"):
    """Record a call: reached (with the resident's rating for a follow-up call) or not reached."""
    staff_only(user)
    task = session.get(CallTask, task_id) if 0 < task_id < 2**31 else None
    req = session.get(ServiceRequest, task.request_id) if task else None
    if task is None or req is None or not actions.can_read(session, user, req):
        raise HTTPException(status_code=404, detail="no such call")
    lang = language(request)
    target = back if back.startswith("/admin") else "/admin"
    try:
        actions.record_call(session, user, task, outcome, score, note, ip=client_ip(request))
    except actions.ActionError as exc:
        session.rollback()
        flash(request, exc.message(lang), "error")
        return RedirectResponse(target, status_code=303)
    session.commit()
    flash(request, translator(lang).gettext("call recorded"))
    return RedirectResponse(target, status_code=303)


BULK_ACTIONS = ("status", "assign", "category", "reviewed", "cluster", "project")


@router.post("/admin/bulk", dependencies=[Depends(csrf_protect)])
def bulk(request: Request, session: SessionDep, user: CurrentUser,
         action: Annotated[str, Form(max_length=20)], ids: Annotated[list[str] | None, Form()] = None,
         value: Annotated[str, Form(max_length=200)] = "", reason: Annotated[str, Form(max_length=1000)] = "",
         back: Annotated[str, Form(max_length=2000)] = "/admin"):
    """Apply one action to many requests; each request succeeds or is reported on its own."""
    staff_only(user)
    target = back if back.startswith("/admin") else "/admin"
    lang = language(request)
    tr = translator(lang)
    if action not in BULK_ACTIONS:
        flash(request, tr.gettext("this action cannot be applied in bulk"), "error")
        return RedirectResponse(target, status_code=303)
    chosen = [int(i) for i in (ids or []) if i.isdigit() and len(i) < 10]
    if not chosen:
        flash(request, tr.gettext("select at least one request"), "error")
        return RedirectResponse(target, status_code=303)
    done, failed = 0, []
    for request_id in chosen[:500]:
        req = session.get(ServiceRequest, request_id)
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

