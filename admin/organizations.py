"""Service organizations and their projects, edited by admins: create and rename an organization,
keep its contact and description; change what a project is, where, for how much and until when.
Projects are recorded on the projects page (admin/projects.py); every write here is audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session, col, func, select

from admin import project_records
from admin.common import flash, pop_flash
from admin.decisions import yuan
from core import taxonomy
from core.audit import audit
from core.db import row_id
from core.deps import FormDataDep, SessionDep, client_ip, require
from core.i18n import gettext
from core.models import (
    Organization,
    Place,
    PlaceKind,
    ProjectPlace,
    PurchaseRound,
    Role,
    RoundStage,
    ServiceProject,
    StaffUser,
)
from core.security import csrf_protect
from core.taxonomy import category_names
from core.templating import language, render
from core.text import IntakeError, clean_text

router = APIRouter(tags=["admin"])
Admin = Annotated[StaffUser, require(Role.admin)]


class OrgError(ValueError):
    pass


def _org_fields(session: Session, form: Mapping, lang: str, org: Organization | None = None) -> dict:
    _ = gettext(lang)
    try:
        name = clean_text(str(form.get("name", "")), 120)
    except IntakeError as exc:
        raise OrgError(_("An organization needs a name of at most 120 characters.")) from exc
    other = session.exec(select(Organization).where(Organization.name == name)).first()
    if other is not None and (org is None or other.id != org.id):
        raise OrgError(_("There is an organization {name} already.").format(name=name))
    contact = " ".join(str(form.get("contact", "")).split())[:120] or None
    return {"name": name, "contact": contact, "description": str(form.get("description", "")).strip()[:4000]}


@router.get("/admin/organizations")
def organizations(request: Request, session: SessionDep, user: Admin):
    """Every organization with its projects and viewer accounts; a form for a new one."""
    projects = dict(session.exec(select(ServiceProject.organization_id, func.count())
                                 .group_by(col(ServiceProject.organization_id))).all())
    viewers = dict(session.exec(select(StaffUser.organization_id, func.count()).where(StaffUser.role == Role.org)
                                .group_by(col(StaffUser.organization_id))).all())
    return render(request, "admin/organizations.html", user=user, projects=projects, viewers=viewers,
                  rows=session.exec(select(Organization).order_by(col(Organization.name))).all(), flashes=pop_flash(request))


@router.post("/admin/organizations", dependencies=[Depends(csrf_protect)])
def create(request: Request, session: SessionDep, user: Admin, form: FormDataDep):
    """Add an organization."""
    lang = language(request)
    try:
        values = _org_fields(session, form, lang)
    except OrgError as exc:
        flash(request, str(exc), "error")
        return RedirectResponse("/admin/organizations", status_code=303)
    org = Organization(**values)
    session.add(org)
    session.flush()
    audit(session, user, "organization.create", "organization", org.id, ip=client_ip(request), name=org.name)
    session.commit()
    return RedirectResponse(f"/admin/organizations/{org.id}", status_code=303)


def _org(session: Session, org_id: int) -> Organization:
    org = session.get(Organization, org_id)
    if org is None:
        raise HTTPException(status_code=404, detail="no such organization")
    return org


@router.get("/admin/organizations/{org_id:int}")
def organization(request: Request, org_id: int, session: SessionDep, user: Admin):
    """One organization: its details, its projects (each editable) and its viewer accounts."""
    org = _org(session, org_id)
    projects = session.exec(select(ServiceProject).where(ServiceProject.organization_id == org.id)
                            .order_by(col(ServiceProject.name))).all()
    viewers = session.exec(select(StaffUser).where(StaffUser.organization_id == org.id)
                           .order_by(col(StaffUser.username))).all()
    return render(request, "admin/organization.html", user=user, org=org, projects=projects, viewers=viewers,
                  names=category_names(session, language(request)), flashes=pop_flash(request))


@router.post("/admin/organizations/{org_id:int}", dependencies=[Depends(csrf_protect)])
def update(request: Request, org_id: int, session: SessionDep, user: Admin, form: FormDataDep):
    """Rename an organization, change its contact or description."""
    org = _org(session, org_id)
    lang = language(request)
    _ = gettext(lang)
    try:
        values = _org_fields(session, form, lang, org)
    except OrgError as exc:
        flash(request, str(exc), "error")
        return RedirectResponse(f"/admin/organizations/{org_id}", status_code=303)
    changes = {k: [getattr(org, k), v] for k, v in values.items() if getattr(org, k) != v}
    if changes:
        for key, (_old, value) in changes.items():
            setattr(org, key, value)
        session.add(org)
        audit(session, user, "organization.update", "organization", org.id, ip=client_ip(request), **changes)
        session.commit()
    flash(request, _("Saved.") if changes else _("Nothing changed."))
    return RedirectResponse(f"/admin/organizations/{org_id}", status_code=303)


# --- a project's own page for editing ------------------------------------------------------------

def _project(session: Session, project_id: int) -> ServiceProject:
    project = session.get(ServiceProject, project_id)
    if project is None:
        raise HTTPException(status_code=404, detail="no such project")
    return project


@router.get("/admin/projects/{project_id:int}/edit")
def project_form(request: Request, project_id: int, session: SessionDep, user: Admin):
    """Change a project: name, provider, category, round, places, budget, period, stage, targets."""
    project = _project(session, project_id)
    lang = language(request)
    served = set(session.exec(select(ProjectPlace.place_id).where(ProjectPlace.project_id == project.id)))
    return render(request, "admin/project_edit.html", user=user, p=project, served=served,
                  orgs=session.exec(select(Organization).order_by(col(Organization.name))).all(),
                  categories=taxonomy.categories(session), names=category_names(session, lang),
                  rounds=session.exec(select(PurchaseRound).order_by(col(PurchaseRound.created_at).desc())).all(),
                  places=session.exec(select(Place).where(col(Place.kind).in_([PlaceKind.community, PlaceKind.compound]),
                                                          col(Place.retired_at).is_(None)).order_by(col(Place.code))).all(),
                  stages=[s.value for s in RoundStage],
                  targets="\n".join(f"{k} = {v:g}" for k, v in (project.targets or {}).items()),
                  flashes=pop_flash(request))


def _project_name(form: Mapping, lang: str) -> str:
    _ = gettext(lang)
    try:
        return clean_text(str(form.get("name", "")), 160)
    except IntakeError as exc:
        raise ValueError(_("A project needs a name of at most 160 characters.")) from exc


def _date(raw) -> dt.date | None:
    return dt.date.fromisoformat(str(raw)) if raw else None


@router.post("/admin/projects/{project_id:int}/edit", dependencies=[Depends(csrf_protect)])
def project_update(request: Request, project_id: int, session: SessionDep, user: Admin, form: FormDataDep):
    """Save a project's changes (audited with what changed)."""
    project = _project(session, project_id)
    lang = language(request)
    _ = gettext(lang)
    try:
        name = _project_name(form, lang)
        org = session.get(Organization, int(str(form.get("organization_id") or 0)))
        if org is None:
            raise ValueError(_("Choose the organization that provides it."))
        category = str(form.get("category_code") or "") or None
        if category is not None and category not in {c.code for c in taxonomy.categories(session)}:
            raise ValueError(_("Choose a category from the list."))
        round_id = int(str(form["round_id"])) if form.get("round_id") else None
        if round_id is not None and session.get(PurchaseRound, round_id) is None:
            raise ValueError(_("Choose a round from the list."))
        start, end = _date(form.get("period_start")), _date(form.get("period_end"))
        if start and end and end < start:
            raise ValueError(_("The period ends before it starts."))
        values = {"name": name, "description": str(form.get("description", "")).strip()[:4000],
                  "organization_id": org.id, "category_code": category, "round_id": round_id,
                  "budget_cents": yuan(str(form.get("budget_yuan") or "0"), "budget"), "period_start": start,
                  "period_end": end, "stage": RoundStage(str(form.get("stage") or project.stage)),
                  "targets": project_records.parse_targets(str(form.get("targets", "")))}
        place_ids = {int(v) for v in form.getlist("place_ids") if isinstance(v, str) and v.isdigit()}
        if len(session.exec(select(Place.id).where(col(Place.id).in_(place_ids))).all()) != len(place_ids):
            raise ValueError(_("Choose places from the list."))
    except ValueError as exc:
        flash(request, str(exc), "error")
        return RedirectResponse(f"/admin/projects/{project_id}/edit", status_code=303)
    changes: dict[str, list] = {k: [str(getattr(project, k)), str(v)] for k, v in values.items()
                                if getattr(project, k) != v}
    for key, value in values.items():
        setattr(project, key, value)
    served = set(session.exec(select(ProjectPlace.place_id).where(ProjectPlace.project_id == project.id)))
    if served != place_ids:
        changes["places"] = [sorted(served), sorted(place_ids)]
        for row in session.exec(select(ProjectPlace).where(ProjectPlace.project_id == project.id)):
            session.delete(row)
        session.flush()
        for pid in sorted(place_ids):
            session.add(ProjectPlace(project_id=row_id(project), place_id=pid))
    if changes:
        session.add(project)
        audit(session, user, "project.update", "project", project.id, ip=client_ip(request), **changes)
        session.commit()
    flash(request, _("Saved.") if changes else _("Nothing changed."))
    return RedirectResponse(f"/admin/projects/{project_id}", status_code=303)
