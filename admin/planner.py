"""Purchase rounds: the four stages with dates and documents, the ranked plan, the workers' decisions, exports."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, col, select

from admin import charts, decisions, exports, plan
from admin.common import flash, pop_flash
from core.audit import audit
from core.db import row_id
from core.deps import CurrentUser, FormDataDep, SessionDep, client_ip
from core.i18n import gettext
from core.models import (
    Place,
    PlaceKind,
    PurchaseRound,
    RoundDocument,
    RoundItem,
    RoundStage,
    StaffUser,
    utcnow,
)
from core.permissions import community_scope, scope_ids, staff_only
from core.security import csrf_protect, document_link
from core.taxonomy import category_names
from core.templating import language, render
from core.text import IntakeError, clean_text

router = APIRouter(tags=["admin"])
STAGES = [RoundStage.application, RoundStage.review, RoundStage.implementation, RoundStage.evaluation]
STAGE_DATES = {RoundStage.application: "application_start", RoundStage.review: "review_start",
               RoundStage.implementation: "implementation_start", RoundStage.evaluation: "evaluation_start"}


def plannable_places(session: Session, user: StaffUser) -> list[Place]:
    """Admins plan for the street or any community; workers for their own communities."""
    scope = community_scope(session, user)
    stmt = select(Place).where(col(Place.kind).in_([PlaceKind.street, PlaceKind.community])).order_by(col(Place.kind), col(Place.name))
    if scope is not None:
        stmt = stmt.where(col(Place.id).in_(scope_ids(scope)))
    return list(session.exec(stmt))


def load_round(session: Session, user: StaffUser, round_id: int) -> PurchaseRound:
    staff_only(user)
    rnd = session.get(PurchaseRound, round_id)
    scope = community_scope(session, user)
    if rnd is None or (scope is not None and rnd.place_id not in scope):
        raise HTTPException(status_code=404, detail="no such purchase round")
    return rnd


def _date(raw: str | None) -> dt.date | None:
    return dt.date.fromisoformat(raw) if raw else None


@router.get("/admin/rounds")
def rounds(request: Request, session: SessionDep, user: CurrentUser):
    """Purchase rounds the user may plan, and a form for a new one."""
    staff_only(user)
    places = plannable_places(session, user)
    stmt = select(PurchaseRound).order_by(col(PurchaseRound.created_at).desc())
    if community_scope(session, user) is not None:
        stmt = stmt.where(col(PurchaseRound.place_id).in_([p.id for p in places] or [-1]))
    return render(request, "admin/rounds.html", user=user, rounds=session.exec(stmt).all(), places=places,
                  names={p.id: p.name for p in session.exec(select(Place))},
                  flashes=pop_flash(request))


@router.post("/admin/rounds", dependencies=[Depends(csrf_protect)])
def create_round(request: Request, session: SessionDep, user: CurrentUser,
                 name: Annotated[str, Form(max_length=120)], place_id: Annotated[int, Form()],
                 budget_yuan: Annotated[str, Form(max_length=20)],
                 application_start: Annotated[str, Form()] = "", review_start: Annotated[str, Form()] = "",
                 implementation_start: Annotated[str, Form()] = "", evaluation_start: Annotated[str, Form()] = "",
                 end_date: Annotated[str, Form()] = ""):
    """Open a new purchase round for a street or community."""
    staff_only(user)
    if place_id not in {p.id for p in plannable_places(session, user)}:
        raise HTTPException(status_code=404, detail="no such place")
    try:
        rnd = PurchaseRound(name=clean_text(name, 120), place_id=place_id, budget_cents=decisions.yuan(budget_yuan, "budget"),
                            application_start=_date(application_start), review_start=_date(review_start),
                            implementation_start=_date(implementation_start),
                            evaluation_start=_date(evaluation_start), end_date=_date(end_date))
        dates = [d for d in (rnd.application_start, rnd.review_start, rnd.implementation_start,
                             rnd.evaluation_start, rnd.end_date) if d]
        if dates != sorted(dates):
            raise ValueError("the stage dates must follow each other")
    except (ValueError, IntakeError) as exc:
        flash(request, str(exc), "error")
        return RedirectResponse("/admin/rounds", status_code=303)
    session.add(rnd)
    session.flush()
    audit(session, user, "round.create", "round", rnd.id, ip=client_ip(request), name=rnd.name,
          budget_cents=rnd.budget_cents)
    session.commit()
    return RedirectResponse(f"/admin/rounds/{rnd.id}", status_code=303)


def round_context(session: Session, user: StaffUser, rnd: PurchaseRound, lang: str) -> dict:
    items = session.exec(select(RoundItem).where(RoundItem.round_id == rnd.id)
                         .order_by(col(RoundItem.score).desc(), col(RoundItem.category_code))).all()
    names = category_names(session, lang)
    documents = session.exec(select(RoundDocument).where(RoundDocument.round_id == rnd.id)
                             .order_by(col(RoundDocument.created_at))).all()
    weights = items[0].evidence.get("weights", plan.DEFAULT_WEIGHTS) if items else plan.DEFAULT_WEIGHTS
    months = items[0].evidence.get("months", 12) if items else 12
    top = items[0].evidence.get("top", 6) if items else 6
    _ = gettext(lang)
    decided = sum(i.decided_cents for i in items if i.decided_cents is not None)
    chart = charts.bar_chart(
        [(names.get(i.category_code, i.category_code),
          (i.decided_cents if i.decided_cents is not None else i.proposed_cents) / 100, None)
         for i in items if (i.decided_cents or i.proposed_cents)],
        _("Budget per service (yuan)"), fmt=lambda v: f"{v:,.0f}")
    staff = {u.id: u.display_name or u.username for u in session.exec(select(StaffUser))}
    # a reference is a link only when it is a web address or a path here ("//host" is another site)
    links = {doc.id: document_link(doc.reference) for doc in documents}
    return dict(rnd=rnd, items=items, names=names, documents=documents, links=links, weights=weights, months=months,
                top=top,
                stages=STAGES, stage_dates=STAGE_DATES, place=session.get(Place, rnd.place_id), chart=chart,
                proposed_total=sum(i.proposed_cents for i in items), decided_total=decided, staff=staff,
                generated=utcnow())


@router.get("/admin/rounds/{round_id}")
def round_page(request: Request, round_id: int, session: SessionDep, user: CurrentUser):
    """A round: its stages, documents, the ranked plan and the decisions."""
    rnd = load_round(session, user, round_id)
    lang = language(request)
    return render(request, "admin/round.html", user=user, printable=False, flashes=pop_flash(request),
                  **round_context(session, user, rnd, lang))


@router.get("/admin/rounds/{round_id}/print")
def round_print(request: Request, round_id: int, session: SessionDep, user: CurrentUser):
    """The round plan as a printable page (print it to PDF from the browser)."""
    rnd = load_round(session, user, round_id)
    return render(request, "admin/round.html", user=user, printable=True, flashes=[],
                  **round_context(session, user, rnd, language(request)))


@router.get("/admin/rounds/{round_id}/plan.xlsx")
def round_xlsx(request: Request, round_id: int, session: SessionDep, user: CurrentUser):
    """The round plan as a workbook."""
    rnd = load_round(session, user, round_id)
    lang = language(request)
    data = exports.plan_workbook(round_context(session, user, rnd, lang), lang)
    return Response(data, media_type=exports.XLSX,
                    headers={"Content-Disposition": f'attachment; filename="round-{rnd.id}-plan.xlsx"'})


@router.post("/admin/rounds/{round_id}/propose", dependencies=[Depends(csrf_protect)])
def propose(request: Request, round_id: int, session: SessionDep, user: CurrentUser, form: FormDataDep,
            months: Annotated[int, Query(ge=3, le=36)] = 12):
    """Rank candidates from demand with the given weights and propose a budget split."""
    rnd = load_round(session, user, round_id)
    try:
        n = decisions.propose(session, user, rnd, form, ip=client_ip(request), months=months)
    except ValueError as exc:
        flash(request, str(exc), "error")
    else:
        flash(request, f"{n} candidate services ranked")
    return RedirectResponse(f"/admin/rounds/{rnd.id}", status_code=303)


@router.post("/admin/rounds/{round_id}/decide", dependencies=[Depends(csrf_protect)])
def decide(request: Request, round_id: int, session: SessionDep, user: CurrentUser, form: FormDataDep):
    """Record the amounts decided per line, why they differ from the proposal, and a note for the round."""
    rnd = load_round(session, user, round_id)
    try:
        n = decisions.decide(session, user, rnd, form, ip=client_ip(request))
    except ValueError as exc:
        flash(request, str(exc), "error")
    else:
        flash(request, f"{n} decision(s) recorded")
    return RedirectResponse(f"/admin/rounds/{rnd.id}", status_code=303)


@router.post("/admin/rounds/{round_id}/stage", dependencies=[Depends(csrf_protect)])
def set_stage(request: Request, round_id: int, session: SessionDep, user: CurrentUser,
              stage: Annotated[str, Form(max_length=16)]):
    """Move the round to another stage of government purchasing."""
    rnd = load_round(session, user, round_id)
    try:
        stage = RoundStage(stage)
    except ValueError:
        raise HTTPException(status_code=422, detail="unknown stage") from None
    audit(session, user, "round.stage", "round", rnd.id, ip=client_ip(request), **{"from": rnd.stage, "to": stage})
    rnd.stage = stage
    session.add(rnd)
    session.commit()
    return RedirectResponse(f"/admin/rounds/{rnd.id}", status_code=303)


@router.post("/admin/rounds/{round_id}/documents", dependencies=[Depends(csrf_protect)])
def add_document(request: Request, round_id: int, session: SessionDep, user: CurrentUser,
                 stage: Annotated[str, Form(max_length=16)], title: Annotated[str, Form(max_length=200)],
                 reference: Annotated[str, Form(max_length=400)] = ""):
    """Record a document of a stage: its title and file number or link."""
    rnd = load_round(session, user, round_id)
    try:
        stage = RoundStage(stage)
        title = clean_text(title, 200)
    except (ValueError, IntakeError) as exc:
        flash(request, f"document: {exc}", "error")
        return RedirectResponse(f"/admin/rounds/{rnd.id}", status_code=303)
    doc = RoundDocument(round_id=row_id(rnd), stage=stage, title=title, reference=reference.strip(), added_by_id=user.id)
    session.add(doc)
    session.flush()
    audit(session, user, "round.document", "round", rnd.id, ip=client_ip(request), stage=stage, title=title)
    session.commit()
    return RedirectResponse(f"/admin/rounds/{rnd.id}", status_code=303)
