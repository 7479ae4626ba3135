"""Service projects for staff: who provides what, where, for how much, against which targets; scorecards
and workers' assessments."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session, col, select

from admin import charts, project_records, scorecard
from admin.common import flash, pop_flash
from core import taxonomy
from core.db import row_id
from core.deps import CurrentUser, FormDataDep, SessionDep, client_ip
from core.i18n import gettext
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
from core.permissions import staff_only, visible_projects
from core.security import csrf_protect
from core.taxonomy import category_names
from core.templating import language, render

router = APIRouter(tags=["admin"])


def load_project(session: Session, user: StaffUser, project_id: int) -> ServiceProject:
    staff_only(user)
    project = session.exec(visible_projects(session, user).where(ServiceProject.id == project_id)).first()
    if project is None:
        raise HTTPException(status_code=404, detail="no such project")
    return project


@router.get("/admin/projects")
def projects(request: Request, session: SessionDep, user: CurrentUser):
    """Service projects with their scorecards."""
    staff_only(user)
    lang = language(request)
    rows = session.exec(visible_projects(session, user)).all()
    orgs = {o.id: o.name for o in session.exec(select(Organization))}
    categories, names = taxonomy.categories(session), category_names(session, lang)
    return render(request, "admin/projects.html", user=user, cards=[scorecard.scorecard(session, p) for p in rows],
                  orgs=orgs, names=names, categories=categories, flashes=pop_flash(request),
                  rounds=session.exec(select(PurchaseRound).order_by(col(PurchaseRound.created_at).desc())).all()
                  if user.role == "admin" else [],  # the form that needs them is for admins
                  places=session.exec(select(Place).where(col(Place.kind).in_([PlaceKind.community, PlaceKind.compound]))
                                       .order_by(col(Place.code))).all(),
                  stages=[s.value for s in RoundStage], is_admin=user.role == "admin")


@router.post("/admin/projects", dependencies=[Depends(csrf_protect)])
def create_project(request: Request, session: SessionDep, user: CurrentUser, form: FormDataDep):
    """Record a service project bought from an organization (admins)."""
    staff_only(user)
    if user.role != "admin":
        raise HTTPException(status_code=403, detail="only admins record projects")
    try:
        project = project_records.create(session, user, form, ip=client_ip(request))
    except ValueError as exc:
        flash(request, str(exc), "error")
        return RedirectResponse("/admin/projects", status_code=303)
    return RedirectResponse(f"/admin/projects/{project.id}", status_code=303)


def project_context(session: Session, project: ServiceProject, lang: str) -> dict:
    card = scorecard.scorecard(session, project)
    months = scorecard.satisfaction_by_month(session, row_id(project))
    _ = gettext(lang)
    chart = charts.line_chart([m for m, _n, _a in months], [(_("satisfaction"), [avg for _m, avg, _n in months])],
                              _("Satisfaction by month")) if months else None
    places = session.exec(select(Place).join(ProjectPlace, col(ProjectPlace.place_id) == col(Place.id))
                          .where(ProjectPlace.project_id == project.id)).all()
    names = category_names(session, lang)
    return dict(p=project, card=card, months=months, chart=chart, comments=scorecard.comments(session, row_id(project)),
                org=session.get(Organization, project.organization_id), served=places, names=names,
                weights=scorecard.WEIGHTS)


@router.get("/admin/projects/{project_id}")
def project_page(request: Request, project_id: int, session: SessionDep, user: CurrentUser):
    """One project: scorecard, satisfaction over time, comments, assessments."""
    project = load_project(session, user, project_id)
    lang = language(request)
    assessments = session.exec(select(ProjectAssessment).where(ProjectAssessment.project_id == project.id)
                               .order_by(col(ProjectAssessment.created_at).desc())).all()
    staff = {u.id: u.display_name or u.username for u in session.exec(select(StaffUser))}
    return render(request, "admin/project.html", user=user, assessments=assessments, staff=staff, org_view=False,
                  flashes=pop_flash(request), **project_context(session, project, lang))


@router.post("/admin/projects/{project_id}/assess", dependencies=[Depends(csrf_protect)])
def assess(request: Request, project_id: int, session: SessionDep, user: CurrentUser, form: FormDataDep):
    """A worker's assessment: a 1–5 score, what the targets stand at, and a note."""
    project = load_project(session, user, project_id)
    try:
        project_records.assess(session, user, project, form, ip=client_ip(request))
    except ValueError as exc:
        flash(request, f"assessment: {exc}", "error")
    else:
        flash(request, "assessment recorded")
    return RedirectResponse(f"/admin/projects/{project.id}", status_code=303)
