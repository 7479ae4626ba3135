"""Long tasks started from the admin view (a records import, a retraining) and the page that follows them.

A task runs after the response in the web process that accepted it (FastAPI background tasks) and
writes its progress into its `job` row from a session of its own, so whichever process serves the
job page shows it. A job whose process died stays "running" with a stale `updated_at`; an import
can simply be started again (it is idempotent).
"""

from __future__ import annotations

import logging
import re
import secrets
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, HTTPException, Request, UploadFile
from sqlmodel import Session, col, update

from admin.records_import import REASONS
from core.db import get_engine
from core.deps import SessionDep, require
from core.i18n import N_
from core.models import Job, Role, StaffUser, utcnow
from core.settings import get_settings
from core.templating import render

log = logging.getLogger(__name__)
router = APIRouter(tags=["admin"])
Admin = Annotated[StaffUser, require(Role.admin)]
SUFFIXES = (".csv", ".xlsx")
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
MAX_ERRORS = 1000  # refused rows kept on a job; the count is always complete
TITLES = {"requests_import": N_("Import of records"), "train": N_("Retraining the classifier")}


class UploadError(ValueError):
    pass


def uploads_dir() -> Path:
    path = get_settings().var_dir / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def save_upload(upload: UploadFile) -> tuple[str, str]:
    """Keep an uploaded sheet for the steps that follow (preview, dry run, import): (token, file name)."""
    name = Path(upload.filename or "").name[:120]
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise UploadError(N_("Choose a .csv or .xlsx file."))
    data = upload.file.read(get_settings().max_upload_bytes + 1)
    if not data:
        raise UploadError(N_("The file is empty."))
    if len(data) > get_settings().max_upload_bytes:
        raise UploadError(N_("The file is too large."))
    token = secrets.token_urlsafe(18)
    (uploads_dir() / f"{token}{suffix}").write_bytes(data)
    return token, name


def upload_path(token: str) -> Path:
    """The kept upload of a token, or 404 (a token is never a path)."""
    if not _TOKEN.match(token or ""):
        raise HTTPException(status_code=404, detail="no such upload")
    for suffix in SUFFIXES:
        path = uploads_dir() / f"{token}{suffix}"
        if path.exists():
            return path
    raise HTTPException(status_code=404, detail="no such upload")


def start(session: Session, kind: str, title: str, user: StaffUser) -> Job:
    job = Job(kind=kind, title=title[:200], created_by_id=user.id)
    session.add(job)
    session.commit()
    session.refresh(job)
    return job


def progress(job_id: int, done: int, total: int | None) -> None:
    """Record a task's progress (from the task's thread: a session of its own)."""
    with Session(get_engine()) as session:
        session.exec(update(Job).where(col(Job.id) == job_id).values(status="running", done=done, total=total or done,
                                                                updated_at=utcnow()))
        session.commit()


def finish(job_id: int, status: str, counts: dict | None = None, errors: list | None = None,
           message: str = "") -> None:
    with Session(get_engine()) as session:
        job = session.get(Job, job_id)
        assert job is not None, "a task finishes the job that started it"
        job.status, job.message = status, message[:2000]
        job.counts, job.errors = counts or {}, (errors or [])[:MAX_ERRORS]
        job.finished_at = job.updated_at = utcnow()
        session.add(job)
        session.commit()


@router.get("/admin/jobs/{job_id}")
def job_page(request: Request, job_id: int, session: SessionDep, user: Admin):
    """A task's progress bar while it runs (the page reloads itself), then its outcome row by row."""
    job = session.get(Job, job_id)
    if job is None:
        raise HTTPException(status_code=404, detail="no such job")
    return render(request, "admin/job.html", user=user, job=job, reasons=REASONS, titles=TITLES,
                  running=job.status in ("queued", "running"))
