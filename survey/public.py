"""Public survey pages: answer a survey in a phone's browser, without JavaScript if need be.

/s                     open surveys
/s/{slug}              the form (GET), its submission (POST, post/redirect/get)
/s/{slug}/thanks/{id}  the confirmation, with ticket numbers of needs taken up as requests
/s/{slug}/qr.png       a QR code of the survey's address; /s/{slug}/poster a printable notice
"""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass, field
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, col, select

from core.db import row_id
from core.deps import FormDataDep, SessionDep, client_ip
from core.i18n import gettext
from core.models import Channel, Place, PlaceKind, Survey, SurveyResponse
from core.ratelimit import public_hit
from core.security import check_csrf
from core.settings import get_settings
from core.templating import language, render
from core.text import IntakeError
from survey.io import check_token, client_hash
from survey.schema import OTHER, QUESTION_TYPES, check_questions
from survey.service import SurveyError, requests_of, state, submit_response

router = APIRouter(tags=["survey pages"])
# submissions per client address per 10 minutes; a community meeting on one Wi-Fi stays under it


@dataclass
class QuestionView:
    """A question as the form shows it, in one language."""

    id: str
    type: str
    label: str
    help: str = ""
    required: bool = False
    options: list[tuple[str, str]] = field(default_factory=list)
    other: bool = False
    rows: list[tuple[str, str]] = field(default_factory=list)
    scale: list[tuple[str, str]] = field(default_factory=list)
    min: float | None = None
    max: float | None = None
    max_length: int = 1000
    show_if: dict | None = None  # {"question": id, "values": [...], "text": "..."}


def question_views(survey: Survey, lang: str) -> list[QuestionView]:
    _ = gettext(lang)
    parsed = check_questions(survey.questions or [])
    by_id = {q.id: q for q in parsed}
    out = []
    for q in parsed:
        show_if = None
        if q.show_if is not None:
            target = by_id[q.show_if.question]
            values = [str(v) for v in ([q.show_if.equals] if q.show_if.in_ is None else q.show_if.in_)]
            labels = {o.value: o.label.get(lang) for o in target.options} | {OTHER: _("Other (please specify)")}
            answer = " / ".join(labels.get(v, v) for v in values)
            show_if = {"question": target.id, "values": values,
                       "text": _("Answer only if you chose “{answer}” for “{question}”").format(
                           question=target.label.get(lang), answer=answer)}
        out.append(QuestionView(
            id=q.id, type=q.type, label=q.label.get(lang), help=q.help.get(lang) if q.help else "",
            required=q.required, options=[(o.value, o.label.get(lang)) for o in q.options], other=q.other,
            rows=[(r.value, r.label.get(lang)) for r in q.rows],
            scale=[(o.value, o.label.get(lang)) for o in q.scale()] if q.type == "likert" else [],
            min=q.min, max=q.max, max_length=q.max_length, show_if=show_if))
    return out


def title_of(survey: Survey, lang: str) -> str:
    return survey.title_en if lang == "en" and survey.title_en else survey.title


def description_of(survey: Survey, lang: str) -> str:
    return survey.description_en if lang == "en" and survey.description_en else survey.description


def place_groups(session: Session, survey: Survey) -> list[tuple[Place, list[Place]]]:
    """Communities with their compounds and grids, limited to the survey's target places."""
    from survey.service import _targets

    communities = session.exec(select(Place).where(Place.kind == PlaceKind.community).order_by(col(Place.name))).all()
    children = session.exec(select(Place).where(col(Place.kind).in_([PlaceKind.compound, PlaceKind.grid]))
                            .order_by(col(Place.name))).all()
    by_parent: dict[int | None, list[Place]] = {}
    for p in children:
        by_parent.setdefault(p.parent_id, []).append(p)
    return [(c, by_parent.get(row_id(c), [])) for c in communities if _targets(session, survey, row_id(c))]


def form_answers(form) -> dict:
    """Answers as the service reads them, from the posted form fields."""
    answers: dict = {}
    for key in form.keys():
        if key in ("csrf_token", "nonce", "t"):
            continue
        if "." in key:  # likert cell: "<question>.<row>"
            qid, row = key.split(".", 1)
            answers.setdefault(qid, {})
            if isinstance(answers[qid], dict):
                answers[qid][row] = form.get(key)
            continue
        values = form.getlist(key)
        answers[key] = values if len(values) > 1 else values[0]
    return answers


def public_url(survey: Survey) -> str:
    """The survey's address for links, QR codes and posters: from PUBLIC_BASE_URL, never from the
    request's Host header (a forged Host would otherwise be printed, and cached, as ours)."""
    return f"{get_settings().public_base_url.rstrip('/')}/s/{quote(survey.slug, safe='')}"


def _get_survey(session: Session, slug: str) -> Survey:
    survey = session.exec(select(Survey).where(Survey.slug == slug)).first()
    if survey is None or survey.status == "draft":
        raise HTTPException(status_code=404)
    return survey


def _render_form(request: Request, session: Session, survey: Survey, *, status_code: int = 200,
                 answers: dict | None = None, errors: dict | None = None, token: str = "", nonce: str = ""):
    lang = language(request)
    return render(request, "survey/form.html", status_code=status_code, survey=survey,
                  title=title_of(survey, lang), description=description_of(survey, lang),
                  questions=question_views(survey, lang), places=place_groups(session, survey),
                  answers=answers or {}, errors=errors or {}, token=token,
                  nonce=nonce or secrets.token_urlsafe(16), other=OTHER, types=QUESTION_TYPES)


def _render_state(request: Request, survey: Survey, current: str, status_code: int = 200):
    lang = language(request)
    return render(request, "survey/closed.html", status_code=status_code, survey=survey, state=current,
                  title=title_of(survey, lang), message=SurveyError(current).message(lang))


@router.get("/s")
def survey_list(request: Request, session: SessionDep):
    """The surveys residents can answer now."""
    from survey.service import open_surveys

    lang = language(request)
    surveys = [(s, title_of(s, lang), description_of(s, lang)) for s in open_surveys(session)]
    return render(request, "survey/list.html", surveys=surveys)


@router.get("/s/{slug}", name="survey_form")
def survey_form(slug: str, request: Request, session: SessionDep,
                token: Annotated[str, Query(alias="t", max_length=40)] = ""):
    """A survey's form, or a clear page when it is closed or not open yet."""
    survey = _get_survey(session, slug)
    current = state(survey)
    if current != "open":
        return _render_state(request, survey, current)
    if survey.one_response_per_resident:
        # remembered for this browser, so that switching language (?lang=) keeps the personal link
        token = token or request.session.get(f"survey_t_{survey.id}", "")
        key = check_token(row_id(survey), token)
        if key is not None:
            request.session[f"survey_t_{survey.id}"] = token
        if key is None:
            return _render_state(request, survey, "bad_token" if token else "token_required", status_code=403)
        done = session.exec(select(SurveyResponse.id).where(SurveyResponse.survey_id == survey.id,
                                                            SurveyResponse.respondent_key == key)).first()
        if done is not None:  # this link has been used: say so before the resident fills anything in
            if request.session.get(f"survey_{survey.id}") == done:
                return RedirectResponse(f"/s/{survey.slug}/thanks/{done}", status_code=303)
            return _render_state(request, survey, "already_answered", status_code=409)
    return _render_form(request, session, survey, token=token)


@router.post("/s/{slug}")
def survey_submit(slug: str, request: Request, session: SessionDep, form: FormDataDep):
    """Validate and store the answers; on errors show the form again with every answer kept."""
    survey = _get_survey(session, slug)
    lang = language(request)
    nonce = str(form.get("nonce") or "")[:64]
    token = str(form.get("t") or "")[:40]
    answers = form_answers(form)
    try:
        check_csrf(request, str(form.get("csrf_token") or ""))
    except HTTPException:
        return _render_form(request, session, survey, status_code=403, answers=answers, token=token,
                            errors={"_form": IntakeError("csrf").message(lang)})
    retry = public_hit(request, session, "survey")
    if retry is not None:  # the form comes back with every answer kept
        response = _render_form(request, session, survey, status_code=429, answers=answers, token=token, nonce=nonce,
                                errors={"_form": gettext(lang)(
                                    "Too many submissions from your connection: please try again in {seconds} "
                                    "seconds. Everything sent before was received.").format(seconds=retry.seconds)})
        response.headers["Retry-After"] = str(retry.seconds)
        return response
    current = state(survey)
    if current != "open":
        return _render_state(request, survey, current, status_code=409)
    if survey.one_response_per_resident:
        respondent_key = check_token(row_id(survey), token)
        if respondent_key is None:
            return _render_state(request, survey, "bad_token" if token else "token_required", status_code=403)
    else:
        # a double click or a resent form repeats the nonce: the first submission wins
        respondent_key = f"web:{nonce}" if nonce else f"web:{secrets.token_urlsafe(16)}"
    address = client_ip(request)
    try:
        response = submit_response(session, survey, answers, respondent_key=respondent_key, channel=Channel.web,
                                   language=lang, client_hash=client_hash(address), rate_limit=get_settings().survey_rate_limit)
    except SurveyError as exc:
        if exc.code == "already_answered" and exc.existing is not None and \
                request.session.get(f"survey_{survey.id}") == exc.existing.id:
            return RedirectResponse(f"/s/{survey.slug}/thanks/{exc.existing.id}", status_code=303)
        if exc.code == "invalid_answers":
            errors = exc.field_messages(lang)
            return _render_form(request, session, survey, status_code=422, answers=answers, errors=errors,
                                token=token, nonce=nonce)
        if exc.code in ("place_not_targeted", "rate_limited"):
            status = 429 if exc.code == "rate_limited" else 422
            return _render_form(request, session, survey, status_code=status, answers=answers, token=token,
                                nonce=nonce, errors={"_form": exc.message(lang)})
        return _render_state(request, survey, exc.code, status_code=409)
    request.session[f"survey_{survey.id}"] = response.id
    return RedirectResponse(f"/s/{survey.slug}/thanks/{response.id}", status_code=303)


@router.get("/s/{slug}/thanks/{response_id}")
def survey_thanks(slug: str, response_id: int, request: Request, session: SessionDep):
    """The confirmation; shown only to the browser that submitted the response."""
    survey = _get_survey(session, slug)
    if request.session.get(f"survey_{survey.id}") != response_id:
        raise HTTPException(status_code=404)
    response = session.get(SurveyResponse, response_id)
    if response is None or response.survey_id != survey.id:
        raise HTTPException(status_code=404)
    lang = language(request)
    return render(request, "survey/thanks.html", survey=survey, title=title_of(survey, lang),
                  tickets=[r.ticket for r in requests_of(session, response)])


@router.get("/s/{slug}/qr.png", response_class=Response, responses={200: {"content": {"image/png": {}}}})
def survey_qr(slug: str, request: Request, session: SessionDep):
    """A QR code of the survey's public address, for notice boards."""
    import qrcode

    survey = _get_survey(session, slug)
    image = qrcode.make(public_url(survey), box_size=12, border=2,
                        error_correction=qrcode.constants.ERROR_CORRECT_M)
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return Response(buf.getvalue(), media_type="image/png",
                    headers={"Cache-Control": "public, max-age=3600",
                             "Content-Disposition": f'inline; filename="survey-{survey.slug}.png"'})


@router.get("/s/{slug}/poster")
def survey_poster(slug: str, request: Request, session: SessionDep):
    """A printable A4 notice with the survey's title, QR code and address."""
    survey = _get_survey(session, slug)
    lang = language(request)
    return render(request, "survey/poster.html", survey=survey, title=title_of(survey, lang),
                  description=description_of(survey, lang), url=public_url(survey))
