"""Surveys as a service every channel calls: which surveys are open, skip logic, validation, submit.

The web pages, the JSON API and the Telegram chat surveys all go through `submit_response`:

    surveys = open_surveys(session, place_id=compound.id)
    questions = visible_questions(survey, answers_so_far)      # skip logic, in order
    response = submit_response(session, survey, answers, respondent_key="telegram:12345",
                               channel="telegram", resident_id=resident.id)

Answers are a dict keyed by question id. Values may be strings (from an HTML form or a chat) or
JSON values; `validate_answers` returns them cleaned and typed:

    single   "opt"                      multiple  ["a", "b"] (+ "<id>_other": "text" for "other")
    rating   1..5                       nps       0..10
    likert   {"row": 1..5, ...}         number    float within min/max
    date     "YYYY-MM-DD"               place     a place id (compound, grid or community)
    text     cleaned text               single with other: "_other" + "<id>_other": "text"

A response is committed with its project ratings in one transaction; free text that expresses a
need is then handed to intake.service.submit, idempotent on f"survey:{response_id}:{question_id}".
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from core.db import row_id
from core.i18n import N_, gettext
from core.models import (
    Channel,
    Place,
    PlaceKind,
    Rating,
    ServiceRequest,
    Survey,
    SurveyResponse,
    utcnow,
)
from core.places import community_of
from core.text import IntakeError, clean_text
from intake.service import IntakeIn, submit
from survey.schema import OTHER, Question, check_questions

log = logging.getLogger(__name__)

# Texts that answer a free-text question without saying anything: no request is made of them.
_NOTHING = {
    "无", "没有", "暂无", "没", "无意见", "没有意见", "暂时没有", "没什么", "没有了", "都挺好", "挺好", "很好",
    "满意", "不知道", "不清楚", "同上", "好", "还行", "一般", "谢谢", "无建议", "暂无建议", "没有建议",
    "no", "none", "nothing", "n/a", "na", "nil", "ok", "good", "fine", "thanks", "thank you", "-", "/",
}
MIN_NEED_CHARS = 4  # "楼道灯坏" is four characters; shorter texts are almost never a need


class SurveyError(ValueError):
    """A survey refused an answer or a submission; `.code` says why, `.message(lang)` says it to people.

    `.errors` maps question ids to message keys for per-question messages (code "invalid_answers");
    `.existing` is the stored response when the code is "already_answered".
    """

    def __init__(self, code: str, errors: dict[str, str] | None = None,
                 existing: SurveyResponse | None = None, **params):
        self.code = code
        self.errors = errors or {}
        self.existing = existing
        self.params = params
        super().__init__(self.message("en"))

    def message(self, lang: str) -> str:
        return gettext(lang)(MESSAGES[self.code]).format(**self.params)

    def field_messages(self, lang: str) -> dict[str, str]:
        return {qid: gettext(lang)(MESSAGES[key]) for qid, key in self.errors.items()}


# What each refusal says to people; per-question messages use the same table.
MESSAGES = {
    "not_open": N_("This survey has not opened yet: please come back when it opens."),
    "closed": N_("This survey has closed. Thank you for your interest."),
    "not_found": N_("Survey not found."),
    "invalid_answers": N_("Some answers need a change: see the marked questions."),
    "already_answered": N_("You have already answered this survey; one response per person. Thank you!"),
    "rate_limited": N_("Too many submissions: please try again in a few minutes."),
    "bad_token": N_("This survey link is not valid or has been used: ask your community for a new one."),
    "token_required": N_("This survey is answered through the personal link your community gave you."),
    "place_not_targeted": N_("This survey is for residents of particular communities only."),
    "bad_definition": N_("The survey definition is not valid: {detail}"),
    "required": N_("This question needs an answer."),
    "bad_choice": N_("Please choose one of the options."),
    "too_many_choices": N_("Too many options chosen."),
    "other_text_required": N_("You chose “other”: please say what."),
    "bad_rating": N_("Please choose from 1 to 5."),
    "bad_nps": N_("Please choose from 0 to 10."),
    "bad_number": N_("Please enter a number."),
    "number_too_small": N_("The number is too small."),
    "number_too_large": N_("The number is too large."),
    "bad_date": N_("Please enter the date as year-month-day."),
    "bad_place": N_("Please pick a compound or community from the list."),
    "bad_text": N_("The text cannot be read or is too long."),
    "incomplete_matrix": N_("Please choose an answer in every row."),
}


# --- reading surveys ------------------------------------------------------------------------------

def questions_of(survey: Survey) -> list[Question]:
    """The survey's questions as checked models (raises SurveyError on a broken definition)."""
    try:
        return check_questions(survey.questions or [])
    except ValueError as exc:
        raise SurveyError("bad_definition", detail=str(exc)[:300]) from exc


def state(survey: Survey, now: dt.datetime | None = None) -> str:
    """"open", "not_open" (draft or before opens_at) or "closed" (closed or after closes_at)."""
    now = now or utcnow()
    if survey.status == "closed" or (survey.closes_at is not None and now >= survey.closes_at):
        return "closed"
    if survey.status != "open" or (survey.opens_at is not None and now < survey.opens_at):
        return "not_open"
    return "open"


def _targets(session: Session, survey: Survey, place_id: int) -> bool:
    if not survey.target_place_ids:
        return True
    targets = set(survey.target_place_ids)
    if place_id in targets or community_of(session, place_id) in targets:
        return True
    place = session.get(Place, place_id)  # a street-wide survey targets the street's places too
    while place is not None and place.parent_id is not None:
        if place.parent_id in targets:
            return True
        place = session.get(Place, place.parent_id)
    return False


def open_surveys(session: Session, place_id: int | None = None) -> list[Survey]:
    """Surveys residents can answer now, newest first; with a place, only those that target it."""
    now = utcnow()
    rows = session.exec(select(Survey).where(Survey.status == "open").order_by(col(Survey.id).desc())).all()
    out = [s for s in rows if state(s, now) == "open"]
    if place_id is not None:
        out = [s for s in out if _targets(session, s, place_id)]
    return out


# --- skip logic and validation --------------------------------------------------------------------

def _as_list(value) -> list:
    if value is None or value == "":
        return []
    if isinstance(value, (list, tuple, set)):
        return [v for v in value if v not in (None, "")]
    return [value]


def _matches(answer, show_if) -> bool:
    wanted = {str(v) for v in ([show_if.equals] if show_if.in_ is None else show_if.in_)}
    if isinstance(answer, dict):
        return False
    return any(str(a) in wanted for a in _as_list(answer))


def visible_questions(survey: Survey, answers: dict) -> list[dict]:
    """The questions shown given the answers so far, in order (a question hidden hides its dependants)."""
    shown: list[dict] = []
    shown_ids: set[str] = set()
    for raw, q in zip(survey.questions or [], questions_of(survey), strict=True):
        if q.show_if is not None:
            if q.show_if.question not in shown_ids or not _matches(answers.get(q.show_if.question), q.show_if):
                continue
        shown.append(raw)
        shown_ids.add(q.id)
    return shown


def _is_blank(value) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, tuple, set, dict)):
        return not any(not _is_blank(v) for v in (value.values() if isinstance(value, dict) else value))
    return False


def _int_in(value, lo: int, hi: int) -> int:
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, float) and not value.is_integer():
        raise ValueError
    number = int(str(value).strip()) if isinstance(value, str) else int(value)
    if not lo <= number <= hi:
        raise ValueError
    return number


def _clean_one(q: Question, value, answers: dict, session: Session | None):
    """One answer, cleaned; raises KeyError-free ValueError carrying an error key as its message."""
    if q.type in ("single", "multiple"):
        values = [str(v).strip() for v in _as_list(value)]
        other_text = answers.get(f"{q.id}_other")
        other_text = other_text.strip() if isinstance(other_text, str) else ""
        if q.other and other_text and OTHER not in values:
            values.append(OTHER)  # the text alone says "other"
        allowed = {o.value for o in q.options} | ({OTHER} if q.other else set())
        if any(v not in allowed for v in values):
            raise ValueError("bad_choice")
        values = list(dict.fromkeys(values))
        if q.type == "single" and len(values) > 1:
            raise ValueError("bad_choice")
        if q.max_choices and len(values) > q.max_choices:
            raise ValueError("too_many_choices")
        if OTHER in values and not other_text:
            raise ValueError("other_text_required")
        if not values:
            return None
        return values[0] if q.type == "single" else values
    if q.type == "rating":
        try:
            return _int_in(value, 1, 5)
        except (TypeError, ValueError):
            raise ValueError("bad_rating") from None
    if q.type == "nps":
        try:
            return _int_in(value, 0, 10)
        except (TypeError, ValueError):
            raise ValueError("bad_nps") from None
    if q.type == "likert":
        if not isinstance(value, dict):
            raise ValueError("incomplete_matrix")
        scale = {o.value for o in q.scale()}
        out = {}
        for row in q.rows:
            cell = value.get(row.value)
            if cell is None or str(cell).strip() == "":
                continue
            if str(cell).strip() not in scale:
                raise ValueError("bad_choice")
            out[row.value] = int(cell) if str(cell).strip().isdigit() else str(cell).strip()
        if q.required and len(out) < len(q.rows):
            raise ValueError("incomplete_matrix")
        return out or None
    if q.type == "number":
        try:
            number = float(str(value).strip().replace(",", "")) if isinstance(value, str) else float(value)
        except (TypeError, ValueError):
            raise ValueError("bad_number") from None
        if number != number or number in (float("inf"), float("-inf")):
            raise ValueError("bad_number")
        if q.min is not None and number < q.min:
            raise ValueError("number_too_small")
        if q.max is not None and number > q.max:
            raise ValueError("number_too_large")
        return int(number) if number.is_integer() else number
    if q.type == "date":
        try:
            day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value).strip())
        except ValueError:
            raise ValueError("bad_date") from None
        if not dt.date(1900, 1, 1) <= day <= dt.date(2100, 12, 31):
            raise ValueError("bad_date")
        return day.isoformat()
    if q.type == "place":
        try:
            place_id = int(str(value).strip())
        except (TypeError, ValueError):
            raise ValueError("bad_place") from None
        if session is not None:
            place = session.get(Place, place_id)
            if place is None or place.kind == PlaceKind.street:
                raise ValueError("bad_place")
        return place_id
    # text
    if not isinstance(value, str):
        raise ValueError("bad_text")
    try:
        return clean_text(value, limit=q.max_length)
    except IntakeError:
        raise ValueError("bad_text") from None


def validate_answers(survey: Survey, answers: dict, session: Session | None = None) -> dict:
    """Clean and type the answers to the visible questions; raise SurveyError listing every problem.

    Answers to hidden or unknown questions are dropped. With a session, place answers are checked
    against the database too.
    """
    if not isinstance(answers, dict):
        raise SurveyError("invalid_answers")
    by_id = {q.id: q for q in questions_of(survey)}
    cleaned: dict = {}
    errors: dict[str, str] = {}
    for raw in visible_questions(survey, answers):
        q = by_id[raw["id"]]
        value = answers.get(q.id)
        has_other = q.other and not _is_blank(answers.get(f"{q.id}_other"))
        if _is_blank(value) and not has_other:
            if q.required:
                errors[q.id] = "required"
            continue
        try:
            result = _clean_one(q, value, answers, session)
        except ValueError as exc:
            errors[q.id] = str(exc)
            continue
        if result is None:
            if q.required:
                errors[q.id] = "required"
            continue
        cleaned[q.id] = result
        if has_other:
            try:
                cleaned[f"{q.id}_other"] = clean_text(answers[f"{q.id}_other"], limit=200)
            except IntakeError:
                errors[q.id] = "bad_text"
    if errors:
        raise SurveyError("invalid_answers", errors=errors)
    return cleaned


# --- submitting -----------------------------------------------------------------------------------

def expresses_need(text: str) -> bool:
    """Free text worth a request: at least MIN_NEED_CHARS letters and not a polite "nothing"."""
    core = re.sub(r"[\s\W_]+", "", text.lower())
    if len(core) < MIN_NEED_CHARS:
        return False
    return text.strip().strip("。.!！~～ ").lower() not in _NOTHING and core not in _NOTHING


def _rating_questions(questions: Iterable[Question]) -> list[Question]:
    ratings = [q for q in questions if q.type == "rating"]
    flagged = [q for q in ratings if q.feeds_project]
    if flagged:
        return flagged
    # no question flagged: the first rating not explicitly excluded is the overall score
    return [q for q in ratings if q.feeds_project is None][:1]


RATE_WINDOW = dt.timedelta(minutes=10)


def recent_from_client(session: Session, client_hash: str, now: dt.datetime | None = None) -> int:
    since = (now or utcnow()) - RATE_WINDOW
    return session.exec(select(func.count()).select_from(SurveyResponse).where(
        SurveyResponse.client_hash == client_hash, SurveyResponse.created_at >= since)).one()


def submit_response(session: Session, survey: Survey, answers: dict, *, respondent_key: str, channel: str,
                    resident_id: int | None = None, place_id: int | None = None, language: str = "zh",
                    client_hash: str | None = None, rate_limit: int | None = None) -> SurveyResponse:
    """Validate and store one response; its project ratings in the same transaction; then its needs.

    Raises SurveyError: not_open, closed, invalid_answers, place_not_targeted, already_answered
    (with `.existing`), rate_limited (when `client_hash` and `rate_limit` are given).
    """
    current = state(survey)
    if current != "open":
        raise SurveyError(current)
    if not respondent_key or len(respondent_key) > 128:
        raise ValueError("respondent_key must have 1 to 128 characters")
    existing = _existing(session, survey, respondent_key)
    if existing is not None:
        raise SurveyError("already_answered", existing=existing)
    if client_hash and rate_limit is not None and recent_from_client(session, client_hash) >= rate_limit:
        raise SurveyError("rate_limited")
    cleaned = validate_answers(survey, answers, session)
    questions = questions_of(survey)
    if place_id is None:
        place_id = next((cleaned[q.id] for q in questions if q.type == "place" and q.id in cleaned), None)
    if place_id is not None:
        if session.get(Place, place_id) is None:
            raise SurveyError("invalid_answers")
        if not _targets(session, survey, place_id):
            raise SurveyError("place_not_targeted")
    if survey.anonymous:
        resident_id = None  # an anonymous survey never ties answers to a person

    response = SurveyResponse(survey_id=row_id(survey), respondent_key=respondent_key, resident_id=resident_id,
                              place_id=place_id, channel=channel, answers=cleaned, client_hash=client_hash)
    session.add(response)
    try:
        session.flush()
        if survey.project_id is not None:
            for q in _rating_questions(questions):
                if q.id in cleaned:
                    session.add(Rating(project_id=survey.project_id, resident_id=resident_id,
                                       score=cleaned[q.id], channel=Channel.survey))
        session.commit()
    except IntegrityError:
        # the same respondent submitted twice at once: the first one wins
        session.rollback()
        existing = _existing(session, survey, respondent_key)
        if existing is not None:
            raise SurveyError("already_answered", existing=existing) from None
        raise
    session.refresh(response)
    hand_needs_to_intake(session, survey, response, language=language)
    return response


def _existing(session: Session, survey: Survey, respondent_key: str) -> SurveyResponse | None:
    return session.exec(select(SurveyResponse).where(SurveyResponse.survey_id == survey.id,
                                                     SurveyResponse.respondent_key == respondent_key)).first()


def hand_needs_to_intake(session: Session, survey: Survey, response: SurveyResponse,
                         language: str = "zh") -> list[ServiceRequest]:
    """Free-text answers that express a need become requests; repeatable (idempotent external ids)."""
    out = []
    for q in questions_of(survey):
        text = response.answers.get(q.id)
        if q.type != "text" or not q.intake or not isinstance(text, str) or not expresses_need(text):
            continue
        try:
            result = submit(session, IntakeIn(
                text=text, channel=Channel.survey, external_id=f"survey:{response.id}:{q.id}",
                place_id=response.place_id, resident_id=response.resident_id, language=language))
        except IntakeError:  # kept in the response; a worker still reads it in the results
            log.warning("survey response %s question %s not taken as a request", response.id, q.id)
            continue
        out.append(result.request)
    return out


def requests_of(session: Session, response: SurveyResponse) -> list[ServiceRequest]:
    """The requests made from a response's free-text answers."""
    return list(session.exec(select(ServiceRequest).where(
        ServiceRequest.channel == Channel.survey,
        col(ServiceRequest.external_id).startswith(f"survey:{response.id}:")).order_by(col(ServiceRequest.id))))
