"""Surveys in the JSON API (v1): list open surveys, read a definition, submit a response."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Path, Request
from pydantic import BaseModel, Field
from sqlmodel import Session

from core.db import row_id
from core.deps import SessionDep, client_ip
from core.models import Channel, Survey
from core.ratelimit import public_write
from core.settings import get_settings
from survey.io import check_token, client_hash
from survey.public import public_url
from survey.service import SurveyError, open_surveys, requests_of, state, submit_response

router = APIRouter(prefix="/api/v1", tags=["surveys"])
SurveyId = Annotated[int, Path(ge=1, le=2**31 - 1)]  # ids are 32-bit integers on PostgreSQL


class SurveySummary(BaseModel):
    id: int
    slug: str
    title: str
    title_en: str
    purpose: str
    closes_at: dt.datetime | None
    url: str = Field(description="the survey's public page")


class SurveyDetail(SurveySummary):
    description: str
    description_en: str
    state: str = Field(description="open, not_open or closed")
    anonymous: bool
    one_response_per_resident: bool = Field(description="answer with the personal `token` given out")
    project_id: int | None
    target_place_ids: list[int]
    opens_at: dt.datetime | None
    questions: list[dict[str, Any]] = Field(description="the question schema: see docs/survey.md")


class ResponseCreate(BaseModel):
    answers: dict[str, Any] = Field(description="answers keyed by question id")
    token: str | None = Field(default=None, max_length=40, description="personal token, where required")
    place_id: int | None = Field(default=None, ge=1, le=2**31 - 1,
                                 description="where the respondent lives, if no place question")
    language: str = Field(default="zh", pattern="^(zh|en)$")


class ResponseCreated(BaseModel):
    id: int
    survey_id: int
    tickets: list[str] = Field(description="tickets of the needs taken up as requests")


class SurveyErrorDetail(BaseModel):
    code: str
    message: str
    errors: dict[str, str] = Field(default_factory=dict, description="question id → message")


def _summary(request: Request, s: Survey) -> dict:
    return dict(id=s.id, slug=s.slug, title=s.title, title_en=s.title_en, purpose=s.purpose,
                closes_at=s.closes_at, url=public_url(s))


def _published(session: Session, survey_id: int) -> Survey:
    survey = session.get(Survey, survey_id)
    if survey is None or survey.status == "draft":
        raise HTTPException(404, detail={"code": "not_found", "message": "survey not found"})
    return survey


@router.get("/surveys", response_model=list[SurveySummary])
def list_surveys(request: Request, session: SessionDep, place_id: int | None = None):
    """Surveys open now (for a place: those that target it), each with its public page."""
    return [_summary(request, s) for s in open_surveys(session, place_id=place_id)]


@router.get("/surveys/{survey_id}", response_model=SurveyDetail,
            responses={404: {"model": SurveyErrorDetail}})
def get_survey(survey_id: SurveyId, request: Request, session: SessionDep):
    """A published survey's definition and whether it takes answers now."""
    s = _published(session, survey_id)
    return SurveyDetail(**_summary(request, s), description=s.description, description_en=s.description_en,
                        state=state(s), anonymous=s.anonymous, one_response_per_resident=s.one_response_per_resident,
                        project_id=s.project_id, target_place_ids=s.target_place_ids or [], opens_at=s.opens_at,
                        questions=s.questions)


@router.post("/surveys/{survey_id}/responses", status_code=201, response_model=ResponseCreated,
             dependencies=[Depends(public_write("survey"))],
             responses={403: {"model": SurveyErrorDetail, "description": "token missing or invalid"},
                        404: {"model": SurveyErrorDetail},
                        409: {"model": SurveyErrorDetail, "description": "closed, not open, already answered"},
                        422: {"model": SurveyErrorDetail, "description": "answers to correct, per question"},
                        429: {"model": SurveyErrorDetail, "description": "too many submissions"}})
def create_response(survey_id: SurveyId, body: ResponseCreate, request: Request, session: SessionDep,
                    idempotency_key: Annotated[str | None, Header(max_length=100)] = None):
    """Submit a response; free-text needs become requests (their tickets are returned).

    Anonymous surveys: send an `Idempotency-Key` header so that a retried POST is stored once.
    """
    survey = _published(session, survey_id)
    lang = body.language
    if survey.one_response_per_resident:
        key = check_token(row_id(survey), body.token)
        if key is None:
            code = "bad_token" if body.token else "token_required"
            raise HTTPException(403, detail={"code": code, "message": SurveyError(code).message(lang)})
    else:
        key = f"api:{idempotency_key or uuid.uuid4().hex}"
    address = client_ip(request)
    try:
        response = submit_response(session, survey, body.answers, respondent_key=key, channel=Channel.web,
                                   place_id=body.place_id, language=lang, client_hash=client_hash(address),
                                   rate_limit=get_settings().survey_rate_limit)
    except SurveyError as exc:
        if exc.code == "already_answered" and idempotency_key and exc.existing is not None \
                and not survey.one_response_per_resident:
            response = exc.existing  # the same delivery again: answer as the first time
        else:
            status = {"invalid_answers": 422, "place_not_targeted": 422, "rate_limited": 429,
                      "bad_definition": 500}.get(exc.code, 409)
            raise HTTPException(status, detail={"code": exc.code, "message": exc.message(lang),
                                                "errors": exc.field_messages(lang)}) from None
    return ResponseCreated(id=response.id, survey_id=survey.id,
                           tickets=[r.ticket for r in requests_of(session, response)])

