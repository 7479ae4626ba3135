"""Service categories as data that admins edit: add, rename (zh/en), describe, mark vulnerable-group
services (the planner weighs them), retire and restore. A retired category keeps its requests and
history; the model never predicts it (nlp.registry.get_classifier). When the categories differ from
the ones the active model knows, the page says so and offers to retrain (a job: admin/jobs.py).
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session, col, func, select

from admin import jobs
from admin.common import flash, pop_flash
from core import taxonomy
from core.audit import audit
from core.db import get_engine, row_id
from core.deps import FormDataDep, SessionDep, client_ip, require
from core.i18n import gettext
from core.models import Category, Job, Role, ServiceRequest, StaffUser, utcnow
from core.security import csrf_protect
from core.templating import language, render

log = logging.getLogger(__name__)
router = APIRouter(tags=["admin"])
Admin = Annotated[StaffUser, require(Role.admin)]
CODE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


def model_gap(session: Session) -> dict | None:
    """How the categories differ from what the active model knows (None: they agree, or no model)."""
    from nlp.registry import get_classifier

    classifier = get_classifier(session)
    if classifier is None:
        return None
    active = {c.code for c in taxonomy.categories(session) if c.active}
    known = set(classifier.categories)
    gap = {"new": sorted(active - known), "retired": sorted(known - active), "version": classifier.version}
    return gap if gap["new"] or gap["retired"] else None


def _fields(form, lang: str) -> dict:
    _ = gettext(lang)
    values = {"name_zh": " ".join(str(form.get("name_zh", "")).split())[:60],
              "name_en": " ".join(str(form.get("name_en", "")).split())[:80],
              "description": str(form.get("description", "")).strip()[:2000],
              "vulnerable": form.get("vulnerable") == "1"}
    if not values["name_zh"] or not values["name_en"]:
        raise ValueError(_("A category needs a Chinese and an English name."))
    return values


@router.get("/admin/categories")
def categories(request: Request, session: SessionDep, user: Admin):
    """Every category with its requests; edit, retire, add; whether the model must be retrained."""
    counts = dict(session.exec(select(ServiceRequest.category_code, func.count()).group_by(col(ServiceRequest.category_code))).all())
    training = session.exec(select(Job).where(Job.kind == "train", col(Job.status).in_(["queued", "running"]))
                            .order_by(col(Job.id).desc())).first()
    return render(request, "admin/categories.html", user=user, rows=taxonomy.categories(session), counts=counts,
                  gap=model_gap(session), training=training, flashes=pop_flash(request))


@router.post("/admin/categories", dependencies=[Depends(csrf_protect)])
def create(request: Request, session: SessionDep, user: Admin, form: FormDataDep):
    """Add a category (its code is fixed once it exists: requests and projects refer to it)."""
    lang = language(request)
    _ = gettext(lang)
    code = str(form.get("code", "")).strip().lower()
    try:
        if not CODE.match(code):
            raise ValueError(_("A code is 2 to 40 small letters, digits or _, starting with a letter."))
        if session.get(Category, code) is not None:
            raise ValueError(_("The code {code} exists already.").format(code=code))
        values = _fields(form, lang)
    except ValueError as exc:
        flash(request, str(exc), "error")
        return RedirectResponse("/admin/categories", status_code=303)
    last = session.exec(select(func.max(col(Category.sort_order)))).one() or 0
    session.add(Category(code=code, sort_order=last + 1, updated_by_id=user.id, updated_at=utcnow(), **values))
    audit(session, user, "category.create", "category", code, ip=client_ip(request), **values)
    session.commit()
    flash(request, _("Added {name}.").format(name=values["name_zh"]))
    return RedirectResponse("/admin/categories", status_code=303)


def _load(session: Session, code: str) -> Category:
    category = session.get(Category, code)
    if category is None:
        raise HTTPException(status_code=404, detail="no such category")
    return category


@router.post("/admin/categories/{code}", dependencies=[Depends(csrf_protect)])
def update(request: Request, code: str, session: SessionDep, user: Admin, form: FormDataDep):
    """Rename, describe, mark vulnerable-group, retire or restore (active=0/1)."""
    category = _load(session, code)
    lang = language(request)
    _ = gettext(lang)
    try:
        values = _fields(form, lang)
    except ValueError as exc:
        flash(request, str(exc), "error")
        return RedirectResponse("/admin/categories", status_code=303)
    values["active"] = form.get("active", "1") == "1"
    changes = {k: [getattr(category, k), v] for k, v in values.items() if getattr(category, k) != v}
    if changes:
        for key, (_old, value) in changes.items():
            setattr(category, key, value)
        category.updated_at, category.updated_by_id = utcnow(), user.id
        session.add(category)
        audit(session, user, "category.update", "category", code, ip=client_ip(request), **changes)
        session.commit()
    flash(request, _("Saved.") if changes else _("Nothing changed."))
    return RedirectResponse("/admin/categories", status_code=303)


@router.post("/admin/categories-retrain", dependencies=[Depends(csrf_protect)])
def retrain(request: Request, session: SessionDep, user: Admin, tasks: BackgroundTasks):
    """Train a new model on the seed set and the workers' labels, for the categories as they are now."""
    job = jobs.start(session, "train", "", user)
    audit(session, user, "model.retrain", "job", job.id, ip=client_ip(request))
    session.commit()
    tasks.add_task(run_training, row_id(job))
    return RedirectResponse(f"/admin/jobs/{job.id}", status_code=303)


def training_examples(session: Session) -> tuple[list, list[str]]:
    """The seed set and the workers' (and imported files') labels, for active categories only; and
    the active categories left out for having too few examples yet."""
    from nlp import dataset
    from nlp.train import MIN_PER_CLASS

    active = {c.code for c in taxonomy.categories(session) if c.active}
    examples = [e for e in dataset.merge(dataset.read_jsonl(dataset.SEED_TRAIN), dataset.corrections(session))
                if e.category in active]
    counts = Counter(e.category for e in examples)
    few = sorted(code for code in active if counts[code] < MIN_PER_CLASS)
    return [e for e in examples if counts[e.category] >= MIN_PER_CLASS], few


def run_training(job_id: int) -> None:
    """The retraining job: train, register and activate; the job says which categories it left out."""
    from core.settings import get_settings
    from nlp import registry
    from nlp.train import train

    with Session(get_engine()) as session:
        jobs.progress(job_id, 0, 1)
        try:
            examples, few = training_examples(session)
            path = train(examples, get_settings().models_dir)
            row = registry.register(session, path, activate=True)
        except Exception as exc:  # TrainingDataError and the like: the job page says why
            log.exception("training job %s failed", job_id)
            jobs.finish(job_id, "failed", message=str(exc))
            return
    jobs.finish(job_id, "done", counts={"examples": len(examples), "left_out": few},
                message=f"{row.version} ({len(examples)})")
