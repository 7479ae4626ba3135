"""Surveys in chat: one question at a time over survey.service (skip logic, validation, submit).

Choice, rating, NPS, Likert and place questions are buttons; number, date and text questions
(and "other, please specify") are typed messages. Answers so far live in the conversation row,
so a survey survives a restart like any other conversation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlmodel import select

from bot.engine import Button
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

if TYPE_CHECKING:
    from bot.engine import _Turn

SKIP, DONE = "-", "."
TYPED = ("number", "date", "text")
SURVEY_BUTTONS_MAX = 8


def _label(text: dict | None, lang: str) -> str:
    text = text or {}
    return (text.get("en") if lang == "en" else None) or text.get("zh") or ""


def _rows(buttons: list[Button], width: int) -> list[list[Button]]:
    return [buttons[i:i + width] for i in range(0, len(buttons), width)]


def offer(turn: _Turn) -> None:
    """/survey: the open surveys for the resident's compound (or all), as buttons."""
    surveys = open_surveys(turn.session, place_id=turn.resident.home_place_id)[:SURVEY_BUTTONS_MAX]
    if not surveys:
        turn.say(turn.tr("bot_survey_none"))
        return
    turn.say(turn.tr("bot_survey_pick"), [[Button(_title(s, turn.lang)[:60], f"s:{s.id}")] for s in surveys])


def _title(survey: Survey, lang: str) -> str:
    english = getattr(survey, "title_en", None)
    return english if lang == "en" and english else survey.title


def on_pick(turn: _Turn, value: str) -> bool:
    survey = turn.session.get(Survey, int(value)) if value.isdigit() else None
    if survey is None:
        return False
    if state(survey) != "open":
        turn.edit(turn.tr("bot_survey_closed"))
        return True
    inc = turn.inc
    if survey.one_response_per_resident:
        key = f"{inc.channel}:{inc.user_id}"
        if turn.session.exec(select(SurveyResponse.id).where(SurveyResponse.survey_id == survey.id,
                                                             SurveyResponse.respondent_key == key)).first():
            turn.edit(turn.tr("bot_survey_already"))
            return True
    else:
        key = f"{inc.channel}:{inc.user_id}:{inc.update_key or inc.message_id}"
    turn.reset()
    turn.state = "survey"
    turn.data["survey"] = {"id": survey.id, "key": key[:128], "answers": {}, "asked": [], "current": None,
                           "row": 0, "other": False}
    turn.edit(turn.tr("bot_survey_intro", title=_title(survey, turn.lang), count=len(survey.questions or [])))
    _ask_next(turn, survey)
    return True


def _survey(turn: _Turn) -> tuple[Survey | None, dict]:
    progress = turn.data.get("survey") or {}
    survey = turn.session.get(Survey, progress.get("id", 0)) if progress else None
    return survey, progress


def _current(survey: Survey, progress: dict) -> dict | None:
    return next((q for q in survey.questions or [] if q["id"] == progress.get("current")), None)


def _ask_next(turn: _Turn, survey: Survey) -> None:
    progress = turn.data["survey"]
    pending = [q for q in visible_questions(survey, progress["answers"]) if q["id"] not in progress["asked"]]
    if not pending:
        return _submit(turn, survey)
    q = pending[0]
    progress.update(current=q["id"], row=0, other=False)
    _ask(turn, q, progress)


def _index(survey_questions: list, qid: str) -> int:
    return next(i for i, q in enumerate(survey_questions) if q["id"] == qid)


def _ask(turn: _Turn, q: dict, progress: dict, edit: bool = False) -> None:
    """Show a question; its buttons carry the question's position so a stale press is recognised."""
    survey, _ = _survey(turn)
    prefix = f"a:{_index(survey.questions, q['id'])}:"
    lang = turn.lang
    text = _label(q.get("label"), lang)
    kind = q["type"]
    buttons: list[list[Button]] = []
    if kind in ("single", "multiple"):
        chosen = progress["answers"].get(q["id"]) or []
        opts = [Button(("✓ " if o["value"] in chosen and kind == "multiple" else "") + _label(o["label"], lang)[:40],
                       prefix + o["value"]) for o in q.get("options", [])]
        if q.get("other"):
            opts.append(Button(turn.tr("bot_survey_other"), prefix + OTHER))
        buttons = _rows(opts, 2)
        if kind == "multiple":
            buttons.append([Button(turn.tr("bot_survey_done_btn"), prefix + DONE)])
    elif kind == "rating":
        buttons = [[Button(str(n), f"{prefix}{n}") for n in range(1, 6)]]
    elif kind == "nps":
        buttons = [[Button(str(n), f"{prefix}{n}") for n in range(0, 6)], [Button(str(n), f"{prefix}{n}") for n in range(6, 11)]]
    elif kind == "likert":
        row = q["rows"][progress["row"]]
        text += f"\n{progress['row'] + 1}/{len(q['rows'])} · {_label(row['label'], lang)}"
        scale = q.get("options") or LIKERT_SCALE
        buttons = _rows([Button(_label(o["label"], lang)[:20], prefix + o["value"]) for o in scale], 3)
    elif kind == "place":
        places = turn.session.exec(select(Place).where(Place.kind.in_([PlaceKind.compound, PlaceKind.grid]))
                                   .order_by(Place.name)).all()
        buttons = _rows([Button(p.name, f"{prefix}{p.id}") for p in places][:30], 2)
    else:
        text += "\n" + turn.tr("bot_survey_type_answer")
    if not q.get("required") and kind != "multiple":
        buttons.append([Button(turn.tr("bot_btn_skip"), prefix + SKIP)])
    if edit:
        turn.edit(text, buttons)
    else:
        turn.say(text, buttons)


def _problem(turn: _Turn, survey: Survey, answers: dict, qid: str) -> str | None:
    """The validation message for one question, judged by the survey service itself."""
    try:
        validate_answers(survey, answers, turn.session)
    except SurveyError as exc:
        if qid in exc.errors:
            return turn.tr(f"survey_error_{exc.errors[qid]}")
    return None


def _accept(turn: _Turn, survey: Survey, q: dict, value, shown: str) -> None:
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


def on_button(turn: _Turn, value: str) -> bool:
    survey, progress = _survey(turn)
    if turn.state != "survey" or survey is None:
        return False
    q = _current(survey, progress)
    index, _, value = value.partition(":")
    if q is None or not index.isdigit() or int(index) != _index(survey.questions, q["id"]):
        return False
    kind, lang = q["type"], turn.lang
    if value == SKIP:
        if q.get("required"):
            turn.out.callback_answer = turn.tr("bot_survey_required")
            return True
        progress["answers"].pop(q["id"], None)
        progress["asked"] = [*progress["asked"], q["id"]]
        turn.edit(turn.tr("bot_survey_answered", question=_label(q.get("label"), lang), answer=turn.tr("bot_btn_skip")))
        _ask_next(turn, survey)
        return True
    if kind in ("single", "multiple") and value == OTHER and q.get("other"):
        progress["other"] = True
        turn.say(turn.tr("bot_survey_other_prompt"))
        return True
    options = {o["value"]: _label(o["label"], lang) for o in q.get("options", [])}
    if kind == "single":
        if value not in options:
            return False
        _accept(turn, survey, q, value, options[value])
    elif kind == "multiple":
        chosen = list(progress["answers"].get(q["id"]) or [])
        if value == DONE:
            shown = "、".join(options.get(v, v) for v in chosen) or "—"
            if q.get("required") and not chosen:
                turn.out.callback_answer = turn.tr("bot_survey_required")
                return True
            progress["answers"].pop(q["id"], None)
            _accept(turn, survey, q, chosen, shown)
            return True
        if value not in options:
            return False
        chosen = [v for v in chosen if v != value] if value in chosen else [*chosen, value]
        progress["answers"][q["id"]] = chosen
        _ask(turn, q, progress, edit=True)  # show the ticks
    elif kind in ("rating", "nps", "place"):
        if not value.lstrip("-").isdigit():
            return False
        shown = value
        if kind == "place":
            place = turn.session.get(Place, int(value))
            shown = place.name if place else value
        _accept(turn, survey, q, int(value), shown)
    elif kind == "likert":
        scale = {o["value"]: _label(o["label"], lang) for o in (q.get("options") or LIKERT_SCALE)}
        if value not in scale:
            return False
        cells = dict(progress["answers"].get(q["id"]) or {})
        row = q["rows"][progress["row"]]
        cells[row["value"]] = value
        progress["answers"][q["id"]] = cells
        turn.edit(turn.tr("bot_survey_answered", question=_label(row["label"], lang), answer=scale[value]))
        if progress["row"] + 1 < len(q["rows"]):
            progress["row"] += 1
            _ask(turn, q, progress)
        else:
            progress["answers"].pop(q["id"], None)
            _accept(turn, survey, q, cells, "")
    else:
        return False
    return True


def on_text(turn: _Turn, text: str | None) -> None:
    survey, progress = _survey(turn)
    q = _current(survey, progress) if survey is not None else None
    if q is None:
        turn.reset()
        return
    if text is None:
        turn.say(turn.tr("bot_survey_type_answer"))
        return
    if progress.get("other"):
        kind = q["type"]
        value = OTHER if kind == "single" else [*(progress["answers"].get(q["id"]) or []), OTHER]
        answers = {**progress["answers"], f"{q['id']}_other": text}
        progress["answers"] = answers
        progress["other"] = False
        if kind == "multiple":  # more options may follow; "Done" submits the question
            progress["answers"][q["id"]] = value
            _ask(turn, q, progress)
            return
        _accept(turn, survey, q, value, text)
        return
    if q["type"] not in TYPED:
        turn.say(turn.tr("bot_survey_use_buttons"))
        return
    _accept(turn, survey, q, text, "")


def _submit(turn: _Turn, survey: Survey) -> None:
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
