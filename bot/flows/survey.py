"""Surveys in chat, one question at a time, over survey.service (skip logic, validation, submit).

    (any state) ─/survey─► the open surveys as buttons ─pick─► ANSWERING ─last answer─► submitted → idle

Choice, rating, NPS, Likert (row by row) and place questions are buttons; number, date and text
questions (and "other, please specify") are typed. The answers so far live in the conversation
row (`data["survey"]`), so a survey survives a restart like any other conversation. Buttons carry
the question's position, so pressing an earlier question's button does nothing.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlmodel import col, select

from bot.callbacks import Answer, PickSurvey
from bot.turn import ANY, Kind, Transitions, Turn
from bot.types import Button
from core.db import row_id
from core.models import Place, PlaceKind, Survey, SurveyResponse
from survey.schema import LIKERT_SCALE, OTHER
from survey.service import (
    SurveyError,
    open_surveys,
    state,
    submit_response,
    validate_answers,
    visible_questions,
)

SKIP, DONE = "-", "."  # Answer values besides the options
TYPED = ("number", "date", "text")
SURVEY_BUTTONS_MAX = 8


class State(StrEnum):
    ANSWERING = "survey"  # a question is waiting for its answer


def offer(turn: Turn, _arg: str) -> None:
    """/survey: the open surveys for the resident's compound (or all), as buttons."""
    turn.reset()
    surveys = open_surveys(turn.session, place_id=turn.resident.home_place_id)[:SURVEY_BUTTONS_MAX]
    if not surveys:
        turn.say(turn.tr("bot_survey_none"))
        return
    turn.say(turn.tr("bot_survey_pick"), [[Button(_title(s, turn.lang)[:60], PickSurvey(row_id(s)).data)] for s in surveys])


def start(turn: Turn, press: PickSurvey) -> None:
    """A survey picked: its introduction and the first question (once per resident where it says so)."""
    survey = turn.session.get(Survey, press.survey_id)
    if survey is None:
        return turn.stale()
    if state(survey) != "open":
        turn.edit(turn.tr("bot_survey_closed"))
        return
    inc = turn.inc
    if survey.one_response_per_resident:
        key = f"{inc.channel}:{inc.user_id}"
        if turn.session.exec(select(SurveyResponse.id).where(SurveyResponse.survey_id == survey.id,
                                                             SurveyResponse.respondent_key == key)).first():
            turn.edit(turn.tr("bot_survey_already"))
            return
    else:
        key = f"{inc.channel}:{inc.user_id}:{inc.update_key or inc.message_id}"
    turn.reset()
    turn.state = State.ANSWERING
    turn.data["survey"] = {"id": survey.id, "key": key[:128], "answers": {}, "asked": [], "current": None,
                           "row": 0, "other": False}
    turn.edit(turn.tr("bot_survey_intro", title=_title(survey, turn.lang), count=len(survey.questions or [])))
    _ask_next(turn, survey)


def answer_button(turn: Turn, press: Answer) -> None:
    """A button of the current question: an option (ticked for multiple choice), a number, skip, done."""
    survey, progress = _progress(turn)
    q = _current(survey, progress) if survey is not None else None
    if survey is None or q is None or press.question != _index(survey.questions, q["id"]):
        return turn.stale()
    value, kind, lang = press.value, q["type"], turn.lang
    if value == SKIP:
        if q.get("required"):
            turn.notice(turn.tr("bot_survey_required"))
            return
        progress["answers"].pop(q["id"], None)
        progress["asked"] = [*progress["asked"], q["id"]]
        turn.edit(turn.tr("bot_survey_answered", question=_label(q.get("label"), lang), answer=turn.tr("bot_btn_skip")))
        _ask_next(turn, survey)
        return
    if kind in ("single", "multiple") and value == OTHER and q.get("other"):
        progress["other"] = True
        turn.say(turn.tr("bot_survey_other_prompt"))
        return
    options = {o["value"]: _label(o["label"], lang) for o in q.get("options", [])}
    if kind == "single":
        if value not in options:
            return turn.stale()
        _accept(turn, survey, q, value, options[value])
    elif kind == "multiple":
        chosen = list(progress["answers"].get(q["id"]) or [])
        if value == DONE:
            shown = "、".join(options.get(v, v) for v in chosen) or "—"
            if q.get("required") and not chosen:
                turn.notice(turn.tr("bot_survey_required"))
                return
            progress["answers"].pop(q["id"], None)
            _accept(turn, survey, q, chosen, shown)
            return
        if value not in options:
            return turn.stale()
        chosen = [v for v in chosen if v != value] if value in chosen else [*chosen, value]
        progress["answers"][q["id"]] = chosen
        _ask(turn, survey, q, progress, edit=True)  # show the ticks
    elif kind in ("rating", "nps", "place"):
        if not value.lstrip("-").isdigit():
            return turn.stale()
        shown = value
        if kind == "place":
            place = turn.session.get(Place, int(value))
            shown = place.name if place else value
        _accept(turn, survey, q, int(value), shown)
    elif kind == "likert":
        scale = {o["value"]: _label(o["label"], lang) for o in (q.get("options") or LIKERT_SCALE)}
        if value not in scale:
            return turn.stale()
        cells = dict(progress["answers"].get(q["id"]) or {})
        row = q["rows"][progress["row"]]
        cells[row["value"]] = value
        progress["answers"][q["id"]] = cells
        turn.edit(turn.tr("bot_survey_answered", question=_label(row["label"], lang), answer=scale[value]))
        if progress["row"] + 1 < len(q["rows"]):
            progress["row"] += 1
            _ask(turn, survey, q, progress)
        else:
            progress["answers"].pop(q["id"], None)
            _accept(turn, survey, q, cells, "")
    else:
        turn.stale()


def answer_text(turn: Turn, words: str | None) -> None:
    """Typed: the answer to a number, date or text question, or the "other, please specify" text."""
    survey, progress = _progress(turn)
    q = _current(survey, progress) if survey is not None else None
    if survey is None or q is None:
        turn.reset()
        return
    if words is None:
        turn.say(turn.tr("bot_survey_type_answer"))
        return
    if progress.get("other"):
        kind = q["type"]
        value = OTHER if kind == "single" else [*(progress["answers"].get(q["id"]) or []), OTHER]
        progress["answers"] = {**progress["answers"], f"{q['id']}_other": words}
        progress["other"] = False
        if kind == "multiple":  # more options may follow; "Done" submits the question
            progress["answers"][q["id"]] = value
            _ask(turn, survey, q, progress)
            return
        _accept(turn, survey, q, value, words)
        return
    if q["type"] not in TYPED:
        turn.say(turn.tr("bot_survey_use_buttons"))
        return
    _accept(turn, survey, q, words, "")


TRANSITIONS: Transitions = {
    (ANY, "/survey"): offer,
    (ANY, PickSurvey): start,
    (State.ANSWERING, Answer): answer_button,
    (State.ANSWERING, Kind.TEXT): answer_text,
    (State.ANSWERING, Kind.MY_REQUESTS): answer_text,
    (State.ANSWERING, Kind.ATTACHMENT): answer_text,
}


# --- questions -------------------------------------------------------------------------------------

def _label(text: dict | None, lang: str) -> str:
    text = text or {}
    return (text.get("en") if lang == "en" else None) or text.get("zh") or ""


def _title(survey: Survey, lang: str) -> str:
    english = getattr(survey, "title_en", None)
    return english if lang == "en" and english else survey.title


def _rows(buttons: list[Button], width: int) -> list[list[Button]]:
    return [buttons[i:i + width] for i in range(0, len(buttons), width)]


def _progress(turn: Turn) -> tuple[Survey | None, dict]:
    progress = turn.data.get("survey") or {}
    survey = turn.session.get(Survey, progress.get("id", 0)) if progress else None
    return survey, progress


def _current(survey: Survey, progress: dict) -> dict | None:
    return next((q for q in survey.questions or [] if q["id"] == progress.get("current")), None)


def _index(questions: list, qid: str) -> int:
    return next(i for i, q in enumerate(questions) if q["id"] == qid)


def _ask_next(turn: Turn, survey: Survey) -> None:
    progress = turn.data["survey"]
    pending = [q for q in visible_questions(survey, progress["answers"]) if q["id"] not in progress["asked"]]
    if not pending:
        return _submit(turn, survey)
    q = pending[0]
    progress.update(current=q["id"], row=0, other=False)
    _ask(turn, survey, q, progress)


def _ask(turn: Turn, survey: Survey, q: dict, progress: dict, edit: bool = False) -> None:
    """Show a question; its buttons carry the question's position so a stale press is recognised."""
    index = _index(survey.questions, q["id"])
    lang = turn.lang
    text = _label(q.get("label"), lang)
    kind = q["type"]

    def button(label: str, value: Any) -> Button:
        return Button(label, Answer(index, str(value)).data)

    buttons: list[list[Button]] = []
    if kind in ("single", "multiple"):
        chosen = progress["answers"].get(q["id"]) or []
        opts = [button(("✓ " if o["value"] in chosen and kind == "multiple" else "") + _label(o["label"], lang)[:40],
                       o["value"]) for o in q.get("options", [])]
        if q.get("other"):
            opts.append(button(turn.tr("bot_survey_other"), OTHER))
        buttons = _rows(opts, 2)
        if kind == "multiple":
            buttons.append([button(turn.tr("bot_survey_done_btn"), DONE)])
    elif kind == "rating":
        buttons = [[button(str(n), n) for n in range(1, 6)]]
    elif kind == "nps":
        buttons = [[button(str(n), n) for n in range(0, 6)], [button(str(n), n) for n in range(6, 11)]]
    elif kind == "likert":
        row = q["rows"][progress["row"]]
        text += f"\n{progress['row'] + 1}/{len(q['rows'])} · {_label(row['label'], lang)}"
        scale = q.get("options") or LIKERT_SCALE
        buttons = _rows([button(_label(o["label"], lang)[:20], o["value"]) for o in scale], 3)
    elif kind == "place":
        places = turn.session.exec(select(Place).where(col(Place.kind).in_([PlaceKind.compound, PlaceKind.grid]))
                                   .order_by(col(Place.name))).all()
        buttons = _rows([button(p.name, p.id) for p in places][:30], 2)
    else:
        text += "\n" + turn.tr("bot_survey_type_answer")
    if not q.get("required") and kind != "multiple":
        buttons.append([button(turn.tr("bot_btn_skip"), SKIP)])
    if edit:
        turn.edit(text, buttons)
    else:
        turn.say(text, buttons)


def _problem(turn: Turn, survey: Survey, answers: dict, qid: str) -> str | None:
    """The validation message for one question, judged by the survey service itself."""
    try:
        validate_answers(survey, answers, turn.session)
    except SurveyError as exc:
        return exc.field_messages(turn.lang).get(qid)
    return None


def _accept(turn: Turn, survey: Survey, q: dict, value, shown: str) -> None:
    progress = turn.data["survey"]
    answers = {**progress["answers"], q["id"]: value}
    problem = _problem(turn, survey, answers, q["id"])
    if problem:
        turn.say(problem)
        return
    progress["answers"] = answers
    progress["asked"] = [*progress["asked"], q["id"]]
    if shown:
        turn.edit(turn.tr("bot_survey_answered", question=_label(q.get("label"), turn.lang), answer=shown))
    _ask_next(turn, survey)


def _submit(turn: Turn, survey: Survey) -> None:
    progress = turn.data["survey"]
    try:
        submit_response(turn.session, survey, progress["answers"], respondent_key=progress["key"],
                        channel=turn.inc.channel, resident_id=turn.resident.id, language=turn.lang)
    except SurveyError as exc:
        turn.reset()
        if exc.code == "already_answered":
            turn.say(turn.tr("bot_survey_already"))
            return
        details = "\n".join(exc.field_messages(turn.lang).values())
        turn.say(turn.tr("bot_survey_error", reason=exc.message(turn.lang)) + (f"\n{details}" if details else ""))
        return
    turn.reset()
    turn.say(turn.tr("bot_survey_done"))
