"""Service projects for staff: who provides what, where, for how much, against which targets; scorecards
and workers' assessments."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session, or_, select

from admin import charts, scorecard
from core.permissions import scope_ids, staff_only
from core.audit import audit
from core.deps import CurrentUser, SessionDep
from core.permissions import community_scope
from core.security import csrf_protect
from admin.common import category_names, client_ip, flash, pop_flash
from core.text import IntakeError, clean_text
from core.models import (
    Organization,
    Place,
    PlaceKind,
    ProjectAssessment,
    ProjectPlace,
    PurchaseRound,
    RoundStage,
    ServiceProject,
    StaffUser,
)
from core.templating import language, render

router = APIRouter(tags=["admin"])


def visible_projects(session: Session, user: StaffUser):
    """Admins: all. Workers: projects serving their communities (or their compounds), or bought by their
    community or its street."""
    stmt = select(ServiceProject).order_by(ServiceProject.name)
    scope = community_scope(session, user)
    if scope is None:
        return stmt
    parents = select(Place.parent_id).where(Place.id.in_(scope_ids(scope)))
    compounds = select(Place.id).where(Place.parent_id.in_(scope_ids(scope)))
    served = select(ProjectPlace.project_id).where(or_(ProjectPlace.place_id.in_(scope_ids(scope)),
                                                       ProjectPlace.place_id.in_(compounds)))
    bought = select(PurchaseRound.id).where(or_(PurchaseRound.place_id.in_(scope_ids(scope)),
                                                PurchaseRound.place_id.in_(parents)))
    return stmt.where(or_(ServiceProject.id.in_(served), ServiceProject.round_id.in_(bought)))


def load_project(session: Session, user: StaffUser, project_id: int) -> ServiceProject:
    staff_only(user)
    project = session.exec(visible_projects(session, user).where(ServiceProject.id == project_id)).first()
    if project is None:
        raise HTTPException(status_code=404, detail="no such project")
    return project


def parse_targets(raw: str) -> dict[str, float]:
    """Lines of `name = number`, e.g. `每周送餐份数 = 120`."""
    out = {}
    for line in raw.splitlines():
        if not line.strip():
            continue
        name, sep, value = line.rpartition("=")
        if not sep or not name.strip():
            raise ValueError(f"target {line.strip()!r}: write it as name = number")
        try:
            out[name.strip()[:60]] = float(value)
        except ValueError as exc:
            raise ValueError(f"target {name.strip()!r}: {value.strip()!r} is not a number") from exc
    return out


@router.get("/admin/projects")
def projects(request: Request, session: SessionDep, user: CurrentUser):
    """Service projects with their scorecards."""
    staff_only(user)
    lang = language(request)
    rows = session.exec(visible_projects(session, user)).all()
    orgs = {o.id: o.name for o in session.exec(select(Organization))}
    categories, names = category_names(session, lang)
    return render(request, "admin/projects.html", user=user, cards=[scorecard.scorecard(session, p) for p in rows],
                  orgs=orgs, names=names, categories=categories, flashes=pop_flash(request),
                  rounds=session.exec(select(PurchaseRound).order_by(PurchaseRound.created_at.desc())).all(),
                  places=session.exec(select(Place).where(Place.kind.in_([PlaceKind.community, PlaceKind.compound]))
                                       .order_by(Place.code)).all(),
                  stages=[s.value for s in RoundStage], is_admin=user.role == "admin")


@router.post("/admin/projects", dependencies=[Depends(csrf_protect)])
async def create_project(request: Request, session: SessionDep, user: CurrentUser):
    """Record a service project bought from an organization (admins)."""
    staff_only(user)
    if user.role != "admin":
        raise HTTPException(status_code=403, detail="only admins record projects")
    form = await request.form()
    try:
        name = clean_text(str(form.get("name", "")), 160)
        org_name = clean_text(str(form.get("organization", "")), 120)
        category = str(form.get("category_code") or "") or None
        budget = round(float(str(form.get("budget_yuan") or "0")) * 100)
        start = dt.date.fromisoformat(str(form["period_start"])) if form.get("period_start") else None
        end = dt.date.fromisoformat(str(form["period_end"])) if form.get("period_end") else None
        if start and end and end < start:
            raise ValueError("the period ends before it starts")
        stage = RoundStage(str(form.get("stage") or RoundStage.application))
        targets = parse_targets(str(form.get("targets", "")))
        round_id = int(form["round_id"]) if form.get("round_id") else None
        place_ids = [int(v) for v in form.getlist("place_ids")]
    except (ValueError, IntakeError, KeyError) as exc:
        flash(request, str(exc), "error")
        return RedirectResponse("/admin/projects", status_code=303)
    org = session.exec(select(Organization).where(Organization.name == org_name)).first()
    if org is None:
        org = Organization(name=org_name)
        session.add(org)
        session.flush()
    project = ServiceProject(name=name, organization_id=org.id, category_code=category, budget_cents=budget,
                             period_start=start, period_end=end, stage=stage, targets=targets, round_id=round_id)
    session.add(project)
    session.flush()
    for pid in place_ids:
        session.add(ProjectPlace(project_id=project.id, place_id=pid))
    audit(session, user, "project.create", "project", project.id, ip=client_ip(request), name=name,
          organization=org.name)
    session.commit()
    return RedirectResponse(f"/admin/projects/{project.id}", status_code=303)


def project_context(session: Session, project: ServiceProject, lang: str) -> dict:
    card = scorecard.scorecard(session, project)
    months = scorecard.satisfaction_by_month(session, project.id)
    en = lang == "en"
    chart = charts.line_chart([m for m, _, _ in months], [("satisfaction" if en else "满意度",
                                                           [avg for _, avg, _ in months])],
                              "Satisfaction by month" if en else "逐月满意度") if months else None
    places = session.exec(select(Place).join(ProjectPlace, ProjectPlace.place_id == Place.id)
                          .where(ProjectPlace.project_id == project.id)).all()
    _, names = category_names(session, lang)
    return dict(p=project, card=card, months=months, chart=chart, comments=scorecard.comments(session, project.id),
                org=session.get(Organization, project.organization_id), served=places, names=names,
                weights=scorecard.WEIGHTS)


@router.get("/admin/projects/{project_id}")
def project_page(request: Request, project_id: int, session: SessionDep, user: CurrentUser):
    """One project: scorecard, satisfaction over time, comments, assessments."""
    project = load_project(session, user, project_id)
    lang = language(request)
    assessments = session.exec(select(ProjectAssessment).where(ProjectAssessment.project_id == project.id)
                               .order_by(ProjectAssessment.created_at.desc())).all()
    staff = {u.id: u.display_name or u.username for u in session.exec(select(StaffUser))}
    return render(request, "admin/project.html", user=user, assessments=assessments, staff=staff, org_view=False,
                  flashes=pop_flash(request), **project_context(session, project, lang))


@router.post("/admin/projects/{project_id}/assess", dependencies=[Depends(csrf_protect)])
async def assess(request: Request, project_id: int, session: SessionDep, user: CurrentUser):
    """A worker's assessment: a 1–5 score, what the targets stand at, and a note."""
    project = load_project(session, user, project_id)
    form = await request.form()
    try:
        score = int(str(form.get("score", "")))
        if not 1 <= score <= 5:
            raise ValueError("the score must be between 1 and 5")
        achieved = {}
        for name in project.targets or {}:
            raw = str(form.get(f"achieved_{name}", "")).strip()
            if raw:
                achieved[name] = float(raw)
        note = str(form.get("note", "")).strip()[:2000]
    except ValueError as exc:
        flash(request, f"assessment: {exc}", "error")
        return RedirectResponse(f"/admin/projects/{project.id}", status_code=303)
    session.add(ProjectAssessment(project_id=project.id, assessor_id=user.id, score=score, achieved=achieved,
                                  note=note))
    audit(session, user, "project.assess", "project", project.id, ip=client_ip(request), score=score,
          achieved=achieved)
    session.commit()
    flash(request, "assessment recorded")
    return RedirectResponse(f"/admin/projects/{project.id}", status_code=303)
