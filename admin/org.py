"""Organization viewers: their own projects' satisfaction over time and residents' comments, redacted.

Never another organization's project, never a raw request: anything else answers 404.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from sqlmodel import col, select

from admin import scorecard
from admin.projects import project_context
from core.deps import CurrentUser, SessionDep
from core.models import Organization, Role, ServiceProject
from core.templating import language, render

router = APIRouter(tags=["organizations"])


def _org_only(user) -> None:
    if user.role != Role.org or user.organization_id is None:
        raise HTTPException(status_code=403, detail="for organization viewers")


@router.get("/org")
def org_home(request: Request, session: SessionDep, user: CurrentUser):
    """The organization's projects with their scorecards."""
    _org_only(user)
    rows = session.exec(select(ServiceProject).where(ServiceProject.organization_id == user.organization_id)
                        .order_by(col(ServiceProject.name))).all()
    return render(request, "admin/org.html", user=user, org=session.get(Organization, user.organization_id),
                  cards=[scorecard.scorecard(session, p) for p in rows], weights=scorecard.WEIGHTS)


@router.get("/org/projects/{project_id}")
def org_project(request: Request, project_id: int, session: SessionDep, user: CurrentUser):
    """One of the organization's projects: satisfaction over time and redacted comments."""
    _org_only(user)
    project = session.get(ServiceProject, project_id)
    if project is None or project.organization_id != user.organization_id:
        raise HTTPException(status_code=404, detail="no such project")  # same answer whether it exists or not
    return render(request, "admin/project.html", user=user, assessments=[], staff={}, org_view=True, flashes=[],
                  **project_context(session, project, language(request)))
