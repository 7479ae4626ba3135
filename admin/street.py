"""The street's own set-up at a glance (admins): places, staff, organizations, categories and the
imports, with what each holds, so a new deployment sees what is still missing."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from sqlmodel import col, func, select

from admin.categories import model_gap
from core.deps import SessionDep, require
from core.models import (
    Category,
    Channel,
    Job,
    Organization,
    Place,
    PlaceKind,
    Role,
    ServiceRequest,
    StaffUser,
)
from core.templating import render

router = APIRouter(tags=["admin"])
Admin = Annotated[StaffUser, require(Role.admin)]


@router.get("/admin/setup")
def setup_page(request: Request, session: SessionDep, user: Admin):
    """Links to each part of the street's set-up, with its counts."""

    def count(model, *where):
        return session.exec(select(func.count()).select_from(model).where(*where)).one()

    figures = {
        "communities": count(Place, Place.kind == PlaceKind.community, col(Place.retired_at).is_(None)),
        "compounds": count(Place, col(Place.kind).in_([PlaceKind.compound, PlaceKind.grid]), col(Place.retired_at).is_(None)),
        "staff": count(StaffUser, StaffUser.is_active),
        "organizations": count(Organization),
        "categories": count(Category, Category.active),
        "imported": count(ServiceRequest, ServiceRequest.channel == Channel.import_),
    }
    recent = session.exec(select(Job).order_by(col(Job.id).desc()).limit(5)).all()
    return render(request, "admin/setup.html", user=user, figures=figures, gap=model_gap(session), jobs=recent)
