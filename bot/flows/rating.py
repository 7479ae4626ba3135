"""Rating a handled request: a score pressed on the follow-up, then an optional comment.

    (any state) ─1–5★ on a rating prompt─► ASK_COMMENT ─words / skip / any command─► stored → idle

The prompt with its five buttons is queued by `core.notify` when a request is resolved and sent
by bot/outbox.py. A request is rated once per resident: pressing the old buttons again is answered,
not stored twice (`core.residents.record_rating`).
"""

from __future__ import annotations

from enum import StrEnum

from sqlmodel import select

from bot.callbacks import Rate, SkipComment
from bot.turn import ANY, PASS, Kind, Step, Transitions, Turn
from bot.types import Button
from core.db import row_id
from core.models import Rating, ServiceRequest
from core.residents import RatingError, record_rating
from core.text import IntakeError


class State(StrEnum):
    ASK_COMMENT = "rating_comment"  # scored; a comment may follow


def rate(turn: Turn, press: Rate) -> None:
    """A score for one of the resident's own requests; a comment is asked for next."""
    request = turn.session.get(ServiceRequest, press.request_id)
    if request is None or request.resident_id != turn.resident.id:
        turn.notice(turn.tr("bot_not_yours"))
        return
    if _already_rated(turn, row_id(request)):
        turn.edit(turn.tr("bot_already_rated"))
        return
    if turn.state == State.ASK_COMMENT:  # another request's score was waiting for its comment
        _finish(turn, "")
    turn.reset()
    turn.state = State.ASK_COMMENT
    turn.data["rating"] = {"request_id": request.id, "score": press.score}
    turn.edit(f"{request.ticket}: {'★' * press.score}{'☆' * (5 - press.score)}")
    turn.say(turn.tr("bot_rated", score=press.score) + "\n" + turn.tr("bot_ask_comment"),
             [[Button(turn.tr("bot_btn_skip"), SkipComment().data)]])


def comment(turn: Turn, words: str) -> None:
    """The words after a score are its comment."""
    _finish(turn, words)


def skip_comment(turn: Turn, _press: SkipComment) -> None:
    """"Skip": the score is stored without a comment."""
    turn.edit(turn.tr("bot_btn_skip"))
    _finish(turn, "")


def end_without_comment(turn: Turn, _arg: str) -> Step:
    """A command instead of a comment: the score is stored without one, then the command runs."""
    _finish(turn, "")
    return PASS


TRANSITIONS: Transitions = {
    (ANY, Rate): rate,
    (State.ASK_COMMENT, Kind.TEXT): comment,
    (State.ASK_COMMENT, Kind.MY_REQUESTS): comment,
    (State.ASK_COMMENT, SkipComment): skip_comment,
    (State.ASK_COMMENT, Kind.COMMAND): end_without_comment,
}


def _already_rated(turn: Turn, request_id: int) -> bool:
    return turn.session.exec(select(Rating.id).where(Rating.request_id == request_id,
                                                     Rating.resident_id == turn.resident.id)).first() is not None


def _finish(turn: Turn, text: str) -> None:
    """Store the waiting score with this comment, once, and thank the resident."""
    pending = turn.data.get("rating") or {}
    request = turn.session.get(ServiceRequest, pending.get("request_id", 0))
    if request is None:
        turn.reset()
        return
    if not _already_rated(turn, row_id(request)):  # a retried turn must not rate twice
        try:
            record_rating(turn.session, request, pending["score"], text, channel=turn.inc.channel)
        except (RatingError, IntakeError) as exc:
            turn.say(exc.message(turn.lang) if isinstance(exc, IntakeError) else str(exc))
            return
    turn.reset()
    turn.say(turn.tr("bot_rating_thanks"))
