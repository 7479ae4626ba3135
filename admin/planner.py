"""Purchase rounds: the four stages with dates and documents, the ranked plan, the workers' decisions, exports."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, delete, select

from admin import charts, exports, plan
from core.permissions import scope_ids, staff_only
from core.audit import audit
from core.deps import CurrentUser, SessionDep
from core.permissions import community_scope
from core.security import csrf_protect
from admin.common import category_names, client_ip, flash, pop_flash
from core.text import IntakeError, clean_text
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
from core.templating import language, render

router = APIRouter(tags=["admin"])
STAGES = [RoundStage.application, RoundStage.review, RoundStage.implementation, RoundStage.evaluation]
STAGE_DATES = {RoundStage.application: "application_start", RoundStage.review: "review_start",
               RoundStage.implementation: "implementation_start", RoundStage.evaluation: "evaluation_start"}
STAGE_NAMES = {"zh": {"application": "项目申报", "review": "评审", "implementation": "实施",
                      "evaluation": "监督评估", "closed": "已结束"},
               "en": {"application": "Project application", "review": "Review", "implementation": "Implementation",
                      "evaluation": "Supervision and evaluation", "closed": "Closed"}}
SIGNAL_NAMES = {"zh": {"residents": "提出需求的居民", "growth": "增长", "unresolved": "未解决占比",
                       "vulnerable": "涉及困难群体", "satisfaction": "对现有服务不满意"},
                "en": {"residents": "residents asking", "growth": "growth", "unresolved": "share unresolved",
                       "vulnerable": "vulnerable groups", "satisfaction": "dissatisfaction today"}}


def plannable_places(session: Session, user: StaffUser) -> list[Place]:
    """Admins plan for the street or any community; workers for their own communities."""
    scope = community_scope(session, user)
    stmt = select(Place).where(Place.kind.in_([PlaceKind.street, PlaceKind.community])).order_by(Place.kind, Place.name)
    if scope is not None:
        stmt = stmt.where(Place.id.in_(scope_ids(scope)))
    return list(session.exec(stmt))


def load_round(session: Session, user: StaffUser, round_id: int) -> PurchaseRound:
    staff_only(user)
    rnd = session.get(PurchaseRound, round_id)
    scope = community_scope(session, user)
    if rnd is None or (scope is not None and rnd.place_id not in scope):
        raise HTTPException(status_code=404, detail="no such purchase round")
    return rnd


def _yuan(raw: str, what: str) -> int:
    try:
        value = round(float(raw.replace(",", "").strip()) * 100)
    except ValueError as exc:
        raise ValueError(f"{what}: {raw!r} is not an amount in yuan") from exc
    if value < 0:
        raise ValueError(f"{what} cannot be negative")
    return value


def _date(raw: str | None) -> dt.date | None:
    return dt.date.fromisoformat(raw) if raw else None


@router.get("/admin/rounds")
def rounds(request: Request, session: SessionDep, user: CurrentUser):
    """Purchase rounds the user may plan, and a form for a new one."""
    staff_only(user)
    places = plannable_places(session, user)
    stmt = select(PurchaseRound).order_by(PurchaseRound.created_at.desc())
    if community_scope(session, user) is not None:
        stmt = stmt.where(PurchaseRound.place_id.in_([p.id for p in places] or [-1]))
    return render(request, "admin/rounds.html", user=user, rounds=session.exec(stmt).all(), places=places,
                  names={p.id: p.name for p in session.exec(select(Place))}, stage_names=STAGE_NAMES[language(request)],
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
        rnd = PurchaseRound(name=clean_text(name, 120), place_id=place_id, budget_cents=_yuan(budget_yuan, "budget"),
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
                         .order_by(RoundItem.score.desc(), RoundItem.category_code)).all()
    _, names = category_names(session, lang)
    documents = session.exec(select(RoundDocument).where(RoundDocument.round_id == rnd.id)
                             .order_by(RoundDocument.created_at)).all()
    weights = items[0].evidence.get("weights", plan.DEFAULT_WEIGHTS) if items else plan.DEFAULT_WEIGHTS
    months = items[0].evidence.get("months", 12) if items else 12
    top = items[0].evidence.get("top", 6) if items else 6
    en = lang == "en"
    decided = sum(i.decided_cents for i in items if i.decided_cents is not None)
    chart = charts.bar_chart(
        [(names.get(i.category_code, i.category_code),
          (i.decided_cents if i.decided_cents is not None else i.proposed_cents) / 100, None)
         for i in items if (i.decided_cents or i.proposed_cents)],
        "Budget per service (yuan)" if en else "各项服务预算（元）", fmt=lambda v: f"{v:,.0f}")
    staff = {u.id: u.display_name or u.username for u in session.exec(select(StaffUser))}
    return dict(rnd=rnd, items=items, names=names, documents=documents, weights=weights, months=months, top=top,
                stages=STAGES, stage_dates=STAGE_DATES, stage_names=STAGE_NAMES[lang],
                signal_names=SIGNAL_NAMES[lang], place=session.get(Place, rnd.place_id), chart=chart,
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
async def propose(request: Request, round_id: int, session: SessionDep, user: CurrentUser,
                  months: Annotated[int, Query(ge=3, le=36)] = 12):
    """Rank candidates from demand with the given weights and propose a budget split."""
    rnd = load_round(session, user, round_id)
    form = await request.form()
    try:
        weights = plan.parse_weights({k: str(v) for k, v in form.items()})
        months = int(form.get("months") or months)
        top = int(form.get("top") or 6)
        if not (3 <= months <= 36 and 1 <= top <= 16):
            raise ValueError("months must be 3–36 and the number of services 1–16")
    except ValueError as exc:
        flash(request, str(exc), "error")
        return RedirectResponse(f"/admin/rounds/{rnd.id}", status_code=303)
    candidates = plan.score(plan.gather(session, user, rnd, months=months), weights)
    plan.split_budget(candidates, rnd.budget_cents, top=top)
    kept = {i.category_code: i for i in session.exec(select(RoundItem).where(RoundItem.round_id == rnd.id))}
    session.exec(delete(RoundItem).where(RoundItem.round_id == rnd.id))
    for c in candidates:
        old = kept.get(c.category_code)
        session.add(RoundItem(round_id=rnd.id, category_code=c.category_code, place_id=rnd.place_id,
                              score=round(c.score, 4), evidence=c.evidence(weights, months, top),
                              proposed_cents=c.proposed_cents,
                              decided_cents=old.decided_cents if old else None,
                              decision_reason=old.decision_reason if old else "",
                              decided_by_id=old.decided_by_id if old else None,
                              decided_at=old.decided_at if old else None))
    audit(session, user, "round.propose", "round", rnd.id, ip=client_ip(request), weights=weights, months=months,
          top=top, candidates=len(candidates))
    session.commit()
    flash(request, f"{len(candidates)} candidate services ranked")
    return RedirectResponse(f"/admin/rounds/{rnd.id}", status_code=303)


@router.post("/admin/rounds/{round_id}/decide", dependencies=[Depends(csrf_protect)])
async def decide(request: Request, round_id: int, session: SessionDep, user: CurrentUser):
    """Record the amounts decided per line, why they differ from the proposal, and a note for the round."""
    rnd = load_round(session, user, round_id)
    form = await request.form()
    items = {i.id: i for i in session.exec(select(RoundItem).where(RoundItem.round_id == rnd.id))}
    changes = []
    try:
        for item in items.values():
            raw = str(form.get(f"decided_{item.id}", "")).strip()
            reason = str(form.get(f"reason_{item.id}", "")).strip()[:500]
            if raw == "":
                continue
            cents = _yuan(raw, plan_name(item))
            if cents != item.proposed_cents and not reason:
                raise ValueError(f"{plan_name(item)}: say why the amount differs from the proposal")
            if cents != item.decided_cents or reason != item.decision_reason:
                changes.append((item, cents, reason))
        total = sum(i.decided_cents or 0 for i in items.values() if i not in [c[0] for c in changes])
        total += sum(c[1] for c in changes)
        if total > rnd.budget_cents:
            raise ValueError(f"decided {total / 100:,.0f} yuan exceeds the budget of {rnd.budget_cents / 100:,.0f}")
    except ValueError as exc:
        flash(request, str(exc), "error")
        return RedirectResponse(f"/admin/rounds/{rnd.id}", status_code=303)
    for item, cents, reason in changes:
        audit(session, user, "round.decide", "round_item", item.id, ip=client_ip(request),
              category=item.category_code, proposed=item.proposed_cents, before=item.decided_cents, decided=cents,
              reason=reason)
        item.decided_cents, item.decision_reason = cents, reason
        item.decided_by_id, item.decided_at = user.id, utcnow()
        session.add(item)
    note = str(form.get("decision_note", "")).strip()[:2000]
    if note != rnd.decision_note:
        rnd.decision_note = note
        session.add(rnd)
        audit(session, user, "round.note", "round", rnd.id, ip=client_ip(request), note=note)
    session.commit()
    flash(request, f"{len(changes)} decision(s) recorded")
    return RedirectResponse(f"/admin/rounds/{rnd.id}", status_code=303)


def plan_name(item: RoundItem) -> str:
    return item.category_code


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
    doc = RoundDocument(round_id=rnd.id, stage=stage, title=title, reference=reference.strip(), added_by_id=user.id)
    session.add(doc)
    session.flush()
    audit(session, user, "round.document", "round", rnd.id, ip=client_ip(request), stage=stage, title=title)
    session.commit()
    return RedirectResponse(f"/admin/rounds/{rnd.id}", status_code=303)
