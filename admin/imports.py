"""Upload pages for the street's own data (admins).

Places: upload → preview (a dry run: what each row would do, and every refused row) → import.
Records: upload → columns (found by their headers, changeable) and a dry run → import, which runs
as a job with a progress bar (admin/jobs.py). Both go through the same code as the commands
`needs places import` and `needs import requests`.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, File, Request, UploadFile
from fastapi.responses import RedirectResponse
from sqlmodel import Session

from admin import jobs
from admin.jobs import UploadError
from admin.places_import import import_places, sheet_help
from admin.records_import import FIELDS, REASONS, ColumnError, column_map, import_records
from admin.tabular import TableError, read_table
from core.db import get_engine, row_id
from core.deps import FormDataDep, SessionDep, client_ip, require
from core.i18n import gettext
from core.models import Role, StaffUser
from core.security import csrf_protect
from core.templating import language, render

log = logging.getLogger(__name__)
router = APIRouter(tags=["admin"])
Admin = Annotated[StaffUser, require(Role.admin)]


# --- places ---------------------------------------------------------------------------------------

@router.get("/admin/places/import")
def places_form(request: Request, user: Admin):
    """Upload a places sheet."""
    return render(request, "admin/places_import.html", user=user, **sheet_help(language(request)), report=None, error=None)


@router.post("/admin/places/import", dependencies=[Depends(csrf_protect)])
def places_preview(request: Request, session: SessionDep, user: Admin, file: Annotated[UploadFile, File()]):
    """A dry run of the uploaded sheet: what each row would do, and why a row is refused."""
    try:
        token, name = jobs.save_upload(file)
        report = import_places(session, jobs.upload_path(token), name, user=user, dry_run=True)
    except (UploadError, TableError) as exc:
        return _places_error(request, user, exc)
    return render(request, "admin/places_import.html", user=user, **sheet_help(language(request)), report=report,
                  reasons=report.reasons(language(request)), token=token, filename=name, done=False, error=None)


@router.post("/admin/places/import/{token}", dependencies=[Depends(csrf_protect)])
def places_apply(request: Request, token: str, session: SessionDep, user: Admin, form: FormDataDep):
    """Import the previewed sheet."""
    path = jobs.upload_path(token)
    name = str(form.get("name") or path.name)[:120]
    try:
        report = import_places(session, path, name, user=user, ip=client_ip(request))
    except TableError as exc:
        return _places_error(request, user, exc)
    path.unlink(missing_ok=True)
    return render(request, "admin/places_import.html", user=user, **sheet_help(language(request)), report=report,
                  reasons=report.reasons(language(request)), token=None, filename=name, done=True, error=None)


def _places_error(request: Request, user: StaffUser, exc: Exception):
    lang = language(request)
    message = exc.message(lang) if isinstance(exc, TableError) else gettext(lang)(str(exc))
    return render(request, "admin/places_import.html", status_code=422, user=user, **sheet_help(language(request)),
                  report=None, error=message)


# --- records --------------------------------------------------------------------------------------

@router.get("/admin/imports/requests")
def records_form(request: Request, user: Admin):
    """Upload a sheet of existing work orders."""
    return render(request, "admin/records_import.html", user=user, fields=FIELDS, step="upload", error=None)


@router.post("/admin/imports/requests", dependencies=[Depends(csrf_protect)])
def records_upload(request: Request, user: Admin, file: Annotated[UploadFile, File()]):
    """Keep the sheet, then show its columns and a dry run."""
    try:
        token, name = jobs.save_upload(file)
    except UploadError as exc:
        return render(request, "admin/records_import.html", status_code=422, user=user, fields=FIELDS, step="upload",
                      error=gettext(language(request))(str(exc)))
    return RedirectResponse(f"/admin/imports/requests/{token}?name={name}", status_code=303)


def _columns(values) -> dict[str, str]:
    """The columns chosen on the page (field → header; "" leaves the field out)."""
    return {f: str(values.get(f, "")) for f in FIELDS if f in values}


@router.get("/admin/imports/requests/{token}")
def records_check(request: Request, token: str, session: SessionDep, user: Admin):
    """The columns found, and a dry run with them: what would be created, and every refused row."""
    path = jobs.upload_path(token)
    name = str(request.query_params.get("name") or path.name)[:120]
    chosen = _columns(request.query_params)
    lang = language(request)
    try:
        header = read_table(path, name).header
        cols = column_map(header, chosen)
        report = import_records(session, path, name, columns=chosen, dry_run=True)
    except (ColumnError, TableError) as exc:
        header = header if "header" in locals() else []
        return render(request, "admin/records_import.html", status_code=422, user=user, fields=FIELDS, step="check",
                      token=token, filename=name, header=header, cols=chosen, report=None, error=exc.message(lang))
    refusals = [(r.row, r.message(lang)) for r in report.refused]
    return render(request, "admin/records_import.html", user=user, fields=FIELDS, step="check", token=token,
                  filename=name, header=header, cols=cols, report=report, refusals=refusals, error=None)


@router.post("/admin/imports/requests/{token}", dependencies=[Depends(csrf_protect)])
def records_start(request: Request, token: str, session: SessionDep, user: Admin, form: FormDataDep,
                  tasks: BackgroundTasks):
    """Start the import as a job; its page shows the progress."""
    path = jobs.upload_path(token)
    name = str(form.get("name") or path.name)[:120]
    job = jobs.start(session, "requests_import", name, user)
    tasks.add_task(run_records_import, row_id(job), path, name, _columns(form), row_id(user), client_ip(request))
    return RedirectResponse(f"/admin/jobs/{job.id}", status_code=303)


def run_records_import(job_id: int, path: Path, name: str, columns: dict[str, str], user_id: int, ip: str) -> None:
    """The import job, in a session of its own after the response (admin/jobs.py)."""
    with Session(get_engine()) as session:
        user = session.get(StaffUser, user_id)
        try:
            report = import_records(session, path, name, columns=columns, user=user, ip=ip,
                                    progress=lambda done, total: jobs.progress(job_id, done, total))
        except Exception as exc:  # the job page says so; an import can be started again
            log.exception("import job %s failed", job_id)
            session.rollback()
            jobs.finish(job_id, "failed", message=str(exc))
            return
    jobs.finish(job_id, "done", counts=report.as_counts(),
                errors=[[r.row, r.code, r.params] for r in report.refused if r.code in REASONS])
    path.unlink(missing_ok=True)
