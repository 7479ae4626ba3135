"""Staff pages under /admin/surveys: create, edit, import, export, publish, token links, results."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, TypedDict
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlmodel import Session, col, func, select

from core.audit import audit
from core.db import row_id
from core.deps import SessionDep, client_ip, require
from core.i18n import translator
from core.localtime import local_date, start_of_day
from core.models import Place, Role, ServiceProject, StaffUser, Survey, SurveyResponse
from core.permissions import (
    can_edit_survey,
    can_read_project,
    can_read_survey,
    community_scope,
    visible_communities,
    visible_projects,
)
from core.security import csrf_protect
from core.templating import language, render
from survey import results as res
from survey.io import (
    TEMPLATES,
    apply_definition,
    error_text,
    export_definition,
    make_token,
    parse_definition,
    template_definition,
)
from survey.public import public_url, title_of
from survey.schema import QUESTION_TYPES, SurveyDefinition
from survey.service import SurveyError, state

router = APIRouter(prefix="/admin/surveys", tags=["admin surveys"], include_in_schema=False)
Staff = Annotated[StaffUser, require(Role.admin, Role.worker)]
MAX_IMPORT_BYTES = 256 * 1024
MAX_LINKS = 5000


def _survey(session: Session, user: StaffUser, survey_id: int) -> Survey:
    """A survey the user may read; 404 otherwise, whether it exists or not."""
    survey = session.get(Survey, survey_id)
    if survey is None or not can_read_survey(session, user, survey):
        raise HTTPException(status_code=404)
    return survey


def can_edit(session: Session, user: StaffUser, survey: Survey) -> bool:
    return can_edit_survey(session, user, survey)


def _check_edit(session: Session, user: StaffUser, survey: Survey) -> None:
    if not can_edit(session, user, survey):
        raise HTTPException(status_code=403, detail="this survey reaches communities outside your scope")


@router.get("")
def survey_list(request: Request, session: SessionDep, user: Staff):
    """Every survey with its state and number of responses."""
    counts = dict(session.exec(select(SurveyResponse.survey_id, func.count()).group_by(col(SurveyResponse.survey_id))).all())
    surveys = [s for s in session.exec(select(Survey).order_by(col(Survey.id).desc())) if can_read_survey(session, user, s)]
    lang = language(request)
    rows = [{"survey": s, "title": title_of(s, lang), "state": state(s), "responses": counts.get(row_id(s), 0),
             "editable": can_edit(session, user, s), "url": public_url(s)} for s in surveys]
    return render(request, "survey/admin_list.html", user=user, rows=rows, templates=TEMPLATES, error=None)


def _edit_context(session: Session, user: StaffUser, **values) -> dict:
    projects = session.exec(visible_projects(session, user)).all()
    return {"user": user, "communities": visible_communities(session, user), "projects": projects, **values}


def _values_from(definition: SurveyDefinition, session: Session, project_id: int | None = None) -> dict:
    place_ids = []
    for code in definition.target_places:
        place = session.exec(select(Place).where(Place.code == code)).first()
        if place:
            place_ids.append(place.id)
    return {"slug": definition.slug, "title": definition.title.zh, "title_en": definition.title.en,
            "description": definition.description.zh if definition.description else "",
            "description_en": definition.description.en if definition.description else "",
            "purpose": definition.purpose, "anonymous": definition.anonymous,
            "one_response_per_resident": definition.one_response_per_resident, "targets": place_ids,
            "project_id": project_id,
            "opens_at": local_date(definition.opens_at).isoformat() if definition.opens_at else "",
            "closes_at": (local_date(definition.closes_at) - dt.timedelta(days=1)).isoformat() if definition.closes_at else "",
            "questions": json.dumps(definition.questions, ensure_ascii=False, indent=2)}


@router.get("/new")
def new_survey(request: Request, session: SessionDep, user: Staff,
               template: Annotated[str, Query(max_length=60)] = "community-needs"):
    """A new survey, started from one of the ready templates."""
    definition = template_definition(template if template in TEMPLATES else "community-needs")
    values = _values_from(definition, session)
    values["slug"] = f"{definition.slug}-{dt.date.today():%Y%m%d}"
    if community_scope(session, user) is not None:  # a worker's survey reaches their communities
        values["targets"] = [c.id for c in visible_communities(session, user)]
    return render(request, "survey/admin_edit.html", survey=None, values=values, error=None,
                  **_edit_context(session, user))


class _Values(TypedDict):
    slug: str
    title: str
    title_en: str
    description: str
    description_en: str
    purpose: str
    anonymous: bool
    one_response_per_resident: bool
    targets: list[int]
    project_id: int | None
    opens_at: str
    closes_at: str
    questions: str


class _Form:
    """The edit form's fields, read once for create and update."""

    def __init__(self, slug: Annotated[str, Form(max_length=60)] = "",
                 title: Annotated[str, Form(max_length=200)] = "",
                 title_en: Annotated[str, Form(max_length=200)] = "",
                 description: Annotated[str, Form(max_length=4000)] = "",
                 description_en: Annotated[str, Form(max_length=4000)] = "",
                 purpose: Annotated[str, Form(max_length=20)] = "needs",
                 anonymous: Annotated[str, Form()] = "",
                 one_response_per_resident: Annotated[str, Form()] = "",
                 targets: Annotated[list[int] | None, Form()] = None,
                 project_id: Annotated[str, Form()] = "",
                 opens_at: Annotated[str, Form(max_length=10)] = "",
                 closes_at: Annotated[str, Form(max_length=10)] = "",
                 questions: Annotated[str, Form(max_length=200_000)] = "[]"):
        self.values: _Values = {"slug": slug.strip(), "title": title.strip(), "title_en": title_en.strip(),
                       "description": description.strip(), "description_en": description_en.strip(),
                       "purpose": purpose, "anonymous": bool(anonymous),
                       "one_response_per_resident": bool(one_response_per_resident), "targets": targets or [],
                       "project_id": int(project_id) if project_id.isdigit() else None,
                       "opens_at": opens_at, "closes_at": closes_at, "questions": questions}

    def definition(self, session: Session) -> SurveyDefinition:
        v = self.values
        try:
            questions = json.loads(v["questions"] or "[]")
        except json.JSONDecodeError as exc:
            raise SurveyError("bad_definition", detail=f"questions: not JSON (line {exc.lineno}: {exc.msg})") from exc
        codes = [p.code for p in (session.get(Place, i) for i in v["targets"]) if p is not None]

        def day(text: str, end: bool = False) -> dt.datetime | None:
            if not text:
                return None
            try:
                d = dt.date.fromisoformat(text)
            except ValueError as exc:
                raise SurveyError("bad_definition", detail=f"not a date: {text!r}") from exc
            # a survey opens at the start of its first day and closes at the end of its last, the street's time
            return start_of_day(d + dt.timedelta(days=1 if end else 0))

        try:
            return SurveyDefinition(
                slug=v["slug"], title={"zh": v["title"], "en": v["title_en"]},
                description={"zh": v["description"], "en": v["description_en"]} if v["description"] else None,
                purpose=v["purpose"], anonymous=v["anonymous"],
                one_response_per_resident=v["one_response_per_resident"], target_places=codes,
                opens_at=day(v["opens_at"]), closes_at=day(v["closes_at"], end=True), questions=questions)
        except ValidationError as exc:
            raise SurveyError("bad_definition", detail=error_text(exc)) from exc


def _save(request: Request, session: Session, user: StaffUser, form: _Form, survey: Survey | None):
    lang = language(request)
    try:
        definition = form.definition(session)
        scope = community_scope(session, user)
        if scope is not None and (not form.values["targets"] or not set(form.values["targets"]) <= set(scope)):
            raise SurveyError("bad_definition", detail=translator(lang).gettext("choose target communities among your own"))
        if form.values["project_id"] is not None and not can_read_project(session, user, form.values["project_id"]):
            raise SurveyError("bad_definition", detail="unknown service project")
        saved = apply_definition(session, definition, survey, project_id=form.values["project_id"])
    except SurveyError as exc:
        return render(request, "survey/admin_edit.html", status_code=422, survey=survey, values=form.values,
                      error=exc.message(lang), **_edit_context(session, user))
    if survey is None:
        saved.created_by_id = user.id
    session.add(saved)
    session.flush()
    audit(session, user, "survey_created" if survey is None else "survey_edited", "survey", saved.id, ip=client_ip(request),
          slug=saved.slug)
    session.commit()
    return RedirectResponse(f"/admin/surveys/{saved.id}/edit?saved=1", status_code=303)


@router.post("/new", dependencies=[Depends(csrf_protect)])
def create_survey(request: Request, session: SessionDep, user: Staff, form: Annotated[_Form, Depends()]):
    """Create a draft survey from the edit form."""
    return _save(request, session, user, form, None)


def _edit_page(request: Request, session: Session, user: StaffUser, survey: Survey, *, status_code: int = 200,
               saved: bool = False, error: str | None = None):
    definition = SurveyDefinition.model_validate(export_definition(session, survey))
    values = _values_from(definition, session, survey.project_id)
    values["targets"] = survey.target_place_ids or []
    lang = language(request)
    labels = [(q["id"], q["type"], q["label"].get("en") if lang == "en" and q["label"].get("en") else q["label"]["zh"])
              for q in survey.questions]
    return render(request, "survey/admin_edit.html", status_code=status_code, survey=survey, values=values,
                  saved=saved, error=error, state=state(survey), url=public_url(survey),
                  question_list=labels, question_types=QUESTION_TYPES, **_edit_context(session, user))


@router.get("/{survey_id}/edit")
def edit_survey(survey_id: int, request: Request, session: SessionDep, user: Staff, saved: int = 0):
    """The edit form of a survey."""
    survey = _survey(session, user, survey_id)
    _check_edit(session, user, survey)
    return _edit_page(request, session, user, survey, saved=bool(saved))


@router.post("/{survey_id}/edit", dependencies=[Depends(csrf_protect)])
def update_survey(survey_id: int, request: Request, session: SessionDep, user: Staff,
                  form: Annotated[_Form, Depends()]):
    """Save the edit form."""
    survey = _survey(session, user, survey_id)
    _check_edit(session, user, survey)
    return _save(request, session, user, form, survey)


@router.post("/{survey_id}/status", dependencies=[Depends(csrf_protect)])
def set_status(survey_id: int, request: Request, session: SessionDep, user: Staff,
               status: Annotated[str, Form(pattern="^(draft|open|closed)$")]):
    """Publish, close or withdraw a survey."""
    survey = _survey(session, user, survey_id)
    _check_edit(session, user, survey)
    before = survey.status
    survey.status = status
    session.add(survey)
    audit(session, user, "survey_status", "survey", survey.id, ip=client_ip(request), before=before, after=status)
    session.commit()
    return RedirectResponse("/admin/surveys", status_code=303)


@router.post("/import", dependencies=[Depends(csrf_protect)])
def import_survey(request: Request, session: SessionDep, user: Staff,
                  file: Annotated[UploadFile, File(description="a survey definition (.json)")]):
    """Create a draft survey from a definition file."""
    data = file.file.read(MAX_IMPORT_BYTES + 1)
    lang = language(request)
    try:
        if len(data) > MAX_IMPORT_BYTES:
            raise SurveyError("bad_definition", detail="file larger than 256 KB")
        definition = parse_definition(data)
        survey = apply_definition(session, definition)
        if not can_edit(session, user, survey):
            raise SurveyError("bad_definition", detail="target_places: only your own communities")
    except SurveyError as exc:
        session.rollback()
        surveys = [s for s in session.exec(select(Survey).order_by(col(Survey.id).desc()))
                   if can_read_survey(session, user, s)]
        rows = [{"survey": s, "title": title_of(s, lang), "state": state(s), "responses": 0,
                 "editable": can_edit(session, user, s), "url": public_url(s)} for s in surveys]
        return render(request, "survey/admin_list.html", status_code=422, user=user, rows=rows, templates=TEMPLATES,
                      error=exc.message(lang))
    survey.created_by_id = user.id
    session.add(survey)
    session.flush()
    audit(session, user, "survey_imported", "survey", survey.id, ip=client_ip(request), slug=survey.slug)
    session.commit()
    return RedirectResponse(f"/admin/surveys/{survey.id}/edit?saved=1", status_code=303)


@router.get("/{survey_id}/definition.json")
def export_survey(survey_id: int, request: Request, session: SessionDep, user: Staff):
    """The survey's definition as a file, to import elsewhere or keep."""
    survey = _survey(session, user, survey_id)
    body = json.dumps(export_definition(session, survey), ensure_ascii=False, indent=2)
    audit(session, user, "survey_definition_export", "survey", survey.id, ip=client_ip(request))
    session.commit()
    return Response(body, media_type="application/json",
                    headers={"Content-Disposition": f'attachment; filename="survey-{survey.slug}.json"'})


@router.get("/{survey_id}/links.csv")
def token_links(survey_id: int, request: Request, session: SessionDep, user: Staff,
                start: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
                count: Annotated[int, Query(ge=1, le=MAX_LINKS)] = 100):
    """Personal links for a one-response-per-resident survey, numbered from `start`."""
    survey = _survey(session, user, survey_id)
    _check_edit(session, user, survey)
    base = public_url(survey)
    lines = ["number,url"] + [f"{n},{base}?{urlencode({'t': make_token(row_id(survey), n)})}"
                              for n in range(start, start + count)]
    audit(session, user, "survey_links", "survey", survey.id, ip=client_ip(request), start=start, count=count)
    session.commit()
    return Response("\n".join(lines) + "\n", media_type="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="survey-{survey.slug}-links.csv"'})


def _filters(session: Session, user: StaffUser, community: int | None, date_from: str, date_to: str) -> res.Filters:
    def day(text: str) -> dt.date | None:
        try:
            return dt.date.fromisoformat(text) if text else None
        except ValueError:
            return None

    return res.Filters(community=community, date_from=day(date_from), date_to=day(date_to),
                       scope=community_scope(session, user))


@router.get("/{survey_id}/results")
def results(survey_id: int, request: Request, session: SessionDep, user: Staff,
            community: int | None = None, date_from: Annotated[str, Query(max_length=10)] = "",
            date_to: Annotated[str, Query(max_length=10)] = ""):
    """Per-question summaries with charts, filtered by community and date; project satisfaction over time."""
    survey = _survey(session, user, survey_id)
    lang = language(request)
    filters = _filters(session, user, community, date_from, date_to)
    rows = res.responses(session, survey, filters)
    summaries = res.summarize(session, survey, rows, lang)
    project = session.get(ServiceProject, survey.project_id) if survey.project_id else None
    trend = res.project_satisfaction(session, row_id(project)) if project else []
    query = urlencode({k: v for k, v in {"community": community, "date_from": date_from,
                                         "date_to": date_to}.items() if v})
    return render(request, "survey/admin_results.html", user=user, survey=survey, title=title_of(survey, lang),
                  total=len(rows), summaries=summaries, communities=visible_communities(session, user),
                  community=community, date_from=date_from, date_to=date_to, project=project, trend=trend,
                  query=query)


@router.get("/{survey_id}/responses.{fmt}")
def export_responses(survey_id: int, fmt: str, request: Request, session: SessionDep, user: Staff,
                     community: int | None = None, date_from: Annotated[str, Query(max_length=10)] = "",
                     date_to: Annotated[str, Query(max_length=10)] = ""):
    """All responses (filtered like the results page) as CSV or XLSX; free text redacted."""
    if fmt not in ("csv", "xlsx"):
        raise HTTPException(status_code=404)
    survey = _survey(session, user, survey_id)
    rows = res.responses(session, survey, _filters(session, user, community, date_from, date_to))
    header, body = res.table(session, survey, rows, language(request))
    audit(session, user, "survey_export", "survey", survey.id, ip=client_ip(request), format=fmt, rows=len(body))
    session.commit()
    name = f"survey-{survey.slug}-responses.{fmt}"
    if fmt == "csv":
        return Response(res.to_csv(header, body), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    return Response(res.to_xlsx(header, body, survey.slug),
                    media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _lines(text: str) -> list[dict]:
    """Options or rows typed one per line as "value | 中文 | English" (value optional: numbered)."""
    out = []
    for n, line in enumerate((x for x in text.splitlines() if x.strip()), start=1):
        parts = [p.strip() for p in line.split("|")]
        if len(parts) == 1:
            parts = [str(n), parts[0], ""]
        elif len(parts) == 2:
            parts = [parts[0], parts[1], ""]
        out.append({"value": parts[0], "label": {"zh": parts[1], "en": parts[2]}})
    return out


@router.post("/{survey_id}/questions", dependencies=[Depends(csrf_protect)])
def add_question(survey_id: int, request: Request, session: SessionDep, user: Staff,
                 qid: Annotated[str, Form(max_length=40)], qtype: Annotated[str, Form(max_length=16)],
                 label_zh: Annotated[str, Form(max_length=1000)], label_en: Annotated[str, Form(max_length=1000)] = "",
                 help_zh: Annotated[str, Form(max_length=1000)] = "", help_en: Annotated[str, Form(max_length=1000)] = "",
                 required: Annotated[str, Form()] = "", other: Annotated[str, Form()] = "",
                 options: Annotated[str, Form(max_length=20_000)] = "", rows: Annotated[str, Form(max_length=20_000)] = "",
                 minimum: Annotated[str, Form(max_length=20)] = "", maximum: Annotated[str, Form(max_length=20)] = "",
                 show_if_question: Annotated[str, Form(max_length=40)] = "",
                 show_if_values: Annotated[str, Form(max_length=400)] = ""):
    """Add one question at the end, from plain form fields (no JSON needed)."""
    from survey.schema import check_questions

    survey = _survey(session, user, survey_id)
    _check_edit(session, user, survey)
    question: dict = {"id": qid.strip(), "type": qtype, "label": {"zh": label_zh.strip(), "en": label_en.strip()},
                      "required": bool(required)}
    if help_zh.strip():
        question["help"] = {"zh": help_zh.strip(), "en": help_en.strip()}
    if qtype in ("single", "multiple", "likert") and options.strip():
        question["options"] = _lines(options)
    if qtype in ("single", "multiple") and other:
        question["other"] = True
    if qtype == "likert":
        question["rows"] = _lines(rows)
    try:
        if minimum.strip():
            question["min"] = float(minimum)
        if maximum.strip():
            question["max"] = float(maximum)
    except ValueError:
        question["min"] = "not a number"  # let the schema say so
    if show_if_question.strip():
        values = [v.strip() for v in show_if_values.split(",") if v.strip()]
        question["show_if"] = {"question": show_if_question.strip(),
                               **({"equals": values[0]} if len(values) == 1 else {"in": values})}
    try:
        check_questions([*survey.questions, question])
    except (ValueError, ValidationError) as exc:
        detail = error_text(exc) if isinstance(exc, ValidationError) else str(exc)
        return _edit_page(request, session, user, survey, status_code=422,
                          error=SurveyError("bad_definition", detail=detail).message(language(request)))
    survey.questions = [*survey.questions, question]
    session.add(survey)
    audit(session, user, "survey_question_added", "survey", survey.id, ip=client_ip(request), question=question["id"])
    session.commit()
    return RedirectResponse(f"/admin/surveys/{survey.id}/edit?saved=1#questions", status_code=303)


@router.post("/{survey_id}/questions/{qid}/remove", dependencies=[Depends(csrf_protect)])
def remove_question(survey_id: int, qid: str, request: Request, session: SessionDep, user: Staff):
    """Remove a question (refused while another question's skip logic depends on it)."""
    from survey.schema import check_questions

    survey = _survey(session, user, survey_id)
    _check_edit(session, user, survey)
    remaining = [q for q in survey.questions if q.get("id") != qid]
    try:
        check_questions(remaining)
    except (ValueError, ValidationError) as exc:
        return _edit_page(request, session, user, survey, status_code=422,
                          error=SurveyError("bad_definition", detail=str(exc)[:300]).message(language(request)))
    survey.questions = remaining
    session.add(survey)
    audit(session, user, "survey_question_removed", "survey", survey.id, ip=client_ip(request), question=qid)
    session.commit()
    return RedirectResponse(f"/admin/surveys/{survey.id}/edit?saved=1#questions", status_code=303)


@router.get("/satisfaction")
def satisfaction(request: Request, session: SessionDep, user: Staff):
    """Satisfaction per service project per month, from survey ratings beside all channels."""
    from core.models import Organization, Rating

    ids = session.exec(select(Rating.project_id).where(col(Rating.project_id).is_not(None)).distinct()).all()
    projects = session.exec(visible_projects(session, user).where(col(ServiceProject.id).in_(ids or [-1]))).all()
    orgs = {o.id: o.name for o in session.exec(select(Organization)).all()}
    rows = [{"project": p, "org": orgs.get(p.organization_id, ""), "trend": res.project_satisfaction(session, p.id)}
            for p in projects]
    return render(request, "survey/admin_satisfaction.html", user=user, rows=rows)
