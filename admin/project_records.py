"""Writes on service projects: recording a project bought from an organization, and a worker's
assessment of one. Each validates its form fields, writes in one transaction with an audit row, or
raises ValueError with a message for the page."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping

from sqlmodel import Session, col, select

from admin.decisions import yuan
from core.audit import audit
from core.db import row_id
from core.models import (
    Organization,
    Place,
    ProjectAssessment,
    ProjectPlace,
    PurchaseRound,
    RoundStage,
    ServiceProject,
    StaffUser,
)
from core.text import IntakeError, clean_text


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
            out[name.strip()[:60]] = _number(value)
        except ValueError as exc:
            raise ValueError(f"target {name.strip()!r}: {value.strip()!r} is not a number") from exc
    return out


def _number(raw: str) -> float:
    value = float(raw)
    if not math.isfinite(value):
        raise ValueError(f"{raw.strip()!r} is not a number")
    return value


def _id(raw: object) -> int:
    value = int(str(raw))
    if not 0 < value < 2**31:
        raise ValueError(f"{raw!r} is not a known id")
    return value


def create(session: Session, user: StaffUser, fields: Mapping, ip: str = "") -> ServiceProject:
    """A new service project (its organization is created on first mention)."""
    try:
        name = clean_text(str(fields.get("name", "")), 160)
        org_name = clean_text(str(fields.get("organization", "")), 120)
    except IntakeError as exc:
        raise ValueError(str(exc)) from exc
    category = str(fields.get("category_code") or "") or None
    budget = yuan(str(fields.get("budget_yuan") or "0"), "budget")
    start = dt.date.fromisoformat(str(fields["period_start"])) if fields.get("period_start") else None
    end = dt.date.fromisoformat(str(fields["period_end"])) if fields.get("period_end") else None
    if start and end and end < start:
        raise ValueError("the period ends before it starts")
    stage = RoundStage(str(fields.get("stage") or RoundStage.application))
    targets = parse_targets(str(fields.get("targets", "")))
    round_id = _id(fields["round_id"]) if fields.get("round_id") else None
    place_ids = [_id(v) for v in fields.getlist("place_ids")] if hasattr(fields, "getlist") else []
    if round_id is not None and session.get(PurchaseRound, round_id) is None:
        raise ValueError("no such purchase round")
    if place_ids and len(session.exec(select(Place.id).where(col(Place.id).in_(place_ids))).all()) != len(set(place_ids)):
        raise ValueError("no such place")
    org = session.exec(select(Organization).where(Organization.name == org_name)).first()
    if org is None:
        org = Organization(name=org_name)
        session.add(org)
        session.flush()
    project = ServiceProject(name=name, organization_id=row_id(org), category_code=category, budget_cents=budget,
                             period_start=start, period_end=end, stage=stage, targets=targets, round_id=round_id)
    session.add(project)
    session.flush()
    for pid in sorted(set(place_ids)):
        session.add(ProjectPlace(project_id=row_id(project), place_id=pid))
    audit(session, user, "project.create", "project", project.id, ip=ip, name=name, organization=org.name)
    session.commit()
    return project


def assess(session: Session, user: StaffUser, project: ServiceProject, fields: Mapping, ip: str = "") -> None:
    """A worker's assessment: a 1–5 score, where each target stands, a note."""
    score = int(str(fields.get("score", "")))
    if not 1 <= score <= 5:
        raise ValueError("the score must be between 1 and 5")
    achieved = {}
    for name in project.targets or {}:
        raw = str(fields.get(f"achieved_{name}", "")).strip()
        if raw:
            achieved[name] = _number(raw)
    note = str(fields.get("note", "")).strip()[:2000]
    session.add(ProjectAssessment(project_id=row_id(project), assessor_id=user.id, score=score, achieved=achieved,
                                  note=note))
    audit(session, user, "project.assess", "project", project.id, ip=ip, score=score, achieved=achieved)
    session.commit()
