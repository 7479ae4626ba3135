"""What the bot keeps, and erasing it: /privacy, and /delete with a confirmation button.

    (any state) ─/delete─► CONFIRM_DELETE ─yes─► personal data erased → idle (a new resident next time)
                                          ─no, or anything written─► kept → idle

Erasure keeps the requests (the community still needs them) but drops what points to the person:
phone, name, consent and home compound, the chat identities and pending messages; request texts
pass through `core.redact.redact` and lose their contact, each with an `anonymised` event.
"""

from __future__ import annotations

from enum import StrEnum

from bot.callbacks import DeleteAnswer
from bot.turn import ANY, PASS, Kind, Step, Transitions, Turn
from bot.types import Button
from core.residents import anonymise_resident


class State(StrEnum):
    CONFIRM_DELETE = "confirm_delete"  # "erase your data?" with yes / cancel


def explain(turn: Turn, _arg: str) -> None:
    """/privacy: what is stored and how to erase it."""
    turn.say(turn.tr("bot_privacy"))


def ask_to_confirm(turn: Turn, _arg: str) -> None:
    """/delete: whatever was under way is dropped; erasure waits for a confirmation button."""
    turn.reset()
    turn.state = State.CONFIRM_DELETE
    turn.say(turn.tr("bot_delete_confirm"), [[Button(turn.tr("bot_btn_delete_yes"), DeleteAnswer(True).data),
                                              Button(turn.tr("bot_btn_cancel"), DeleteAnswer(False).data)]])


def delete_or_keep(turn: Turn, press: DeleteAnswer) -> None:
    """Confirmed: personal data erased and the conversation forgets the resident. Otherwise kept."""
    turn.reset()
    if not press.confirmed:
        turn.edit(turn.tr("bot_delete_kept"))
        return
    anonymise_resident(turn.session, turn.resident)
    turn.forgotten = True
    turn.data = {}
    turn.edit(turn.tr("bot_deleted"))


def drop_question(turn: Turn, _value: object) -> Step:
    """Writing something else instead of confirming keeps the data; what was written is handled as usual."""
    turn.reset()
    return PASS


TRANSITIONS: Transitions = {
    (ANY, "/privacy"): explain,
    (ANY, "/delete"): ask_to_confirm,
    (State.CONFIRM_DELETE, DeleteAnswer): delete_or_keep,
    (State.CONFIRM_DELETE, Kind.TEXT): drop_question,
    (State.CONFIRM_DELETE, Kind.ATTACHMENT): drop_question,
}


