"""Writing a request in chat: the words, the category, the compound, consent, the phone, filed.

    idle ─words─► CONFIRM_CATEGORY ─✅─────────────┐
                    │ "another category"             ▼
                    ▼                         compound named in the words, or known from the
              PICK_CATEGORY ─pick─►           last request? ─no─► ASK_PLACE ─pick / not sure─┐
                                                    │ yes                                     │
                                                    ▼◄────────────────────────────────────────┘
                                    consent asked before? ─no─► ASK_CONSENT ─yes─► ASK_PHONE
                                                    │ yes              │ no           │ phone / skip
                                                    ▼                  ▼              ▼
                                         intake.service.submit → ack + ticket (+ emergency numbers)

`TRANSITIONS` at the bottom is this map in code. A photo or a location attaches to the request
being written (or waits for the words that follow); more words before it is filed are added and
re-classified. Words naming a live hazard (`nlp.urgency.danger_phrase`) are filed at once with
no questions, and the staff alerts intake queued go out with the reply (`deliver_now`).
"""

from __future__ import annotations

import logging
import re
import time
from enum import StrEnum

from sqlmodel import Session, col, select

from bot.callbacks import CategoryChoice, CommunityChoice, ConsentAnswer, PlaceChoice
from bot.turn import ANY, PASS, Kind, Step, Transitions, Turn
from bot.types import Button
from core import notify
from core.db import row_id
from core.models import (
    Category,
    EventType,
    Outbox,
    OutboxStatus,
    Place,
    PlaceKind,
    RequestEvent,
    ServiceRequest,
    utcnow,
)
from core.places import find_place
from core.taxonomy import category_names
from core.text import IntakeError, clean_text
from intake.safety import life_safety
from intake.service import IntakeIn, submit
from nlp.urgency import danger_phrase

log = logging.getLogger(__name__)

PLACE_BUTTONS_MAX = 10  # above this many compounds, ask for the community first
_PHONE = re.compile(r"^\+?[\d\s-]{7,20}$")


class State(StrEnum):
    CONFIRM_CATEGORY = "confirm_category"  # "we understood: <category>. Right?"
    PICK_CATEGORY = "pick_category"  # the category buttons
    ASK_PLACE = "ask_place"  # which compound?
    ASK_CONSENT = "ask_consent"  # may the community call you?
    ASK_PHONE = "ask_phone"  # your number, please


WRITING = frozenset(State)  # a request is being written: more words add to it


# --- messages ------------------------------------------------------------------------------------

def write(turn: Turn, words: str | None) -> None:
    """Words start a request (or add to the one being written); a photo or a location attaches."""
    draft = _draft_with_attachments(turn)
    if not words:
        return _keep_attachments(turn, draft)
    combined = f"{draft['text']}\n{words}" if draft["text"] else words
    try:
        combined = clean_text(combined)
    except IntakeError as exc:
        turn.say(exc.message(turn.lang))
        return
    adding = bool(draft["text"])
    draft["text"] = combined
    draft["key"] = draft["key"] or _message_key(turn)
    turn.data.pop("pending", None)
    turn.data["draft"] = draft
    prediction = _predict(turn.session, combined)
    if danger_phrase(combined):
        # A live hazard named in words: store at once and give the emergency numbers, no
        # questions asked. (The model's own urgency is noisier; intake still flags it and alerts.)
        draft["place_id"] = draft.get("place_id") or _place_in(turn, combined) or turn.resident.home_place_id
        return _submit(turn)
    if adding and turn.state in (State.ASK_PLACE, State.ASK_CONSENT):
        turn.say(turn.tr("bot_more_text"))
        return _next_step(turn)
    _show_category(turn, prediction)


def name_place(turn: Turn, words: str) -> Step | None:
    """The compound typed instead of pressed; a photo's caption is no name (the photo goes to the request)."""
    if turn.inc.photo:
        return PASS
    place_id = _place_in(turn, words)
    if place_id is None:
        turn.say(turn.tr("bot_place_unknown"))
        _ask_place(turn)
        return None
    _set_place(turn, place_id)
    return None


def give_phone(turn: Turn, words: str) -> None:
    """The phone number typed after consent; anything else is asked again."""
    if not _PHONE.match(words) or sum(ch.isdigit() for ch in words) < 7:
        turn.say(turn.tr("bot_bad_phone"), [[Button(turn.tr("bot_btn_skip"), ConsentAnswer("skip").data)]])
        return
    resident = turn.resident
    resident.phone = re.sub(r"[\s-]", "", words)
    resident.consent_contact = True
    resident.consent_at = utcnow()
    turn.session.add(resident)
    turn.data["consent_asked"] = True
    _submit(turn)


# --- buttons -------------------------------------------------------------------------------------

def choose_category(turn: Turn, press: CategoryChoice) -> None:
    """✅ keeps the category shown, "another category" shows the list, a category button picks one."""
    if "draft" not in turn.data:
        return turn.stale()
    names = category_names(turn.session, turn.lang)
    if press.choice == CategoryChoice.PICK:
        turn.state = State.PICK_CATEGORY
        turn.edit(turn.tr("bot_pick_category"), _category_buttons(turn))
        return
    if press.choice != CategoryChoice.OK:
        if press.choice not in names:
            return turn.stale()
        turn.data["draft"]["category"] = press.choice
    turn.edit(turn.tr("bot_category_chosen", category=names.get(turn.data["draft"]["category"] or "", "")))
    _next_step(turn)


def narrow_to_community(turn: Turn, press: CommunityChoice) -> None:
    """A community pressed: its compounds as buttons."""
    community = turn.session.get(Place, press.community_id)
    if community is None:
        return turn.stale()
    turn.edit(community.name)
    _ask_place(turn, community.id)


def choose_place(turn: Turn, press: PlaceChoice) -> None:
    """A compound pressed, or "not sure"; it becomes the resident's home compound."""
    if "draft" not in turn.data:
        return turn.stale()
    if press.place_id is None:
        turn.edit(turn.tr("bot_place_skipped"))
        _set_place(turn, None)
        return
    place = turn.session.get(Place, press.place_id)
    if place is None:
        return turn.stale()
    turn.edit(turn.tr("bot_place_chosen", place=place.name))
    _set_place(turn, place.id)


def answer_consent(turn: Turn, press: ConsentAnswer) -> None:
    """Yes asks for the phone number; no files the request without one."""
    if press.answer == "yes":
        turn.edit(turn.tr("bot_btn_consent_yes"))
        turn.state = State.ASK_PHONE
        turn.say(turn.tr("bot_ask_phone"), [[Button(turn.tr("bot_btn_skip"), ConsentAnswer("skip").data)]])
    elif press.answer == "no":
        _without_phone(turn)
    else:
        turn.stale()


def skip_phone(turn: Turn, press: ConsentAnswer) -> None:
    """"Skip" instead of a phone number: filed without one."""
    if press.answer != "skip":
        return turn.stale()
    _without_phone(turn)


TRANSITIONS: Transitions = {
    # words, photos and locations start a request or add to it, wherever a state does not take them
    (ANY, Kind.TEXT): write,
    (ANY, Kind.ATTACHMENT): write,
    (State.CONFIRM_CATEGORY, CategoryChoice): choose_category,
    (State.PICK_CATEGORY, CategoryChoice): choose_category,
    (State.ASK_PLACE, CommunityChoice): narrow_to_community,
    (State.ASK_PLACE, PlaceChoice): choose_place,
    (State.ASK_PLACE, Kind.TEXT): name_place,
    (State.ASK_PLACE, Kind.MY_REQUESTS): name_place,
    (State.ASK_CONSENT, ConsentAnswer): answer_consent,
    (State.ASK_PHONE, ConsentAnswer): skip_phone,
    (State.ASK_PHONE, Kind.TEXT): give_phone,
    (State.ASK_PHONE, Kind.MY_REQUESTS): give_phone,
}


# --- the steps between -----------------------------------------------------------------------------

def _draft_with_attachments(turn: Turn) -> dict:
    """The request being written (or a new one, with what was sent ahead), plus this update's photo or place."""
    draft = turn.data.get("draft") if turn.state in WRITING else None
    if draft is None:
        pending = turn.data.get("pending", {})
        draft = {"text": "", "key": None, "photos": list(pending.get("photos", [])),
                 "location": pending.get("location")}
    if turn.inc.photo:
        draft["photos"] = [*draft["photos"], turn.inc.photo][-5:]
    if turn.inc.location:
        draft["location"] = list(turn.inc.location)
    return draft


def _keep_attachments(turn: Turn, draft: dict) -> None:
    if draft["text"]:
        turn.data["draft"] = draft
        turn.say(turn.tr("bot_attached"))
    else:  # a photo or location first; the words come next
        turn.data["pending"] = {"photos": draft["photos"], "location": draft["location"]}
        turn.say(turn.tr("bot_photo_kept" if turn.inc.photo else "bot_location_kept"))


def _show_category(turn: Turn, prediction) -> None:
    """The model's category to confirm, or the list when it cannot tell."""
    draft = turn.data["draft"]
    draft["model_category"] = prediction.category if prediction else None
    draft["category"] = draft["model_category"]
    if prediction is None:
        turn.state = State.PICK_CATEGORY
        turn.say(turn.tr("bot_understood_none"), _category_buttons(turn))
        return
    names = category_names(turn.session, turn.lang)
    turn.state = State.CONFIRM_CATEGORY
    turn.say(turn.tr("bot_understood", category=names.get(prediction.category, prediction.category)),
             [[Button(turn.tr("bot_btn_yes"), CategoryChoice(CategoryChoice.OK).data),
               Button(turn.tr("bot_btn_other"), CategoryChoice(CategoryChoice.PICK).data)]])


def _next_step(turn: Turn) -> None:
    """After the category: the compound if we cannot tell it, then consent, then submit."""
    draft = turn.data["draft"]
    if "place_id" not in draft:
        place_id = _place_in(turn, draft["text"]) or turn.resident.home_place_id
        if place_id is None and _compounds(turn.session):
            turn.state = State.ASK_PLACE
            return _ask_place(turn)
        draft["place_id"] = place_id
    if not (turn.resident.consent_contact and turn.resident.phone) and not turn.data.get("consent_asked"):
        turn.state = State.ASK_CONSENT
        turn.say(turn.tr("bot_ask_consent"), [[Button(turn.tr("bot_btn_consent_yes"), ConsentAnswer("yes").data),
                                               Button(turn.tr("bot_btn_consent_no"), ConsentAnswer("no").data)]])
        return
    _submit(turn)


def _ask_place(turn: Turn, community_id: int | None = None) -> None:
    compounds = _compounds(turn.session)
    skip = [Button(turn.tr("bot_btn_place_skip"), PlaceChoice(None).data)]
    if community_id is None and len(compounds) > PLACE_BUTTONS_MAX:
        communities = turn.session.exec(select(Place).where(Place.kind == PlaceKind.community,
                                                            col(Place.retired_at).is_(None))
                                        .order_by(col(Place.name))).all()
        buttons = [Button(c.name, CommunityChoice(row_id(c)).data) for c in communities]
        turn.say(turn.tr("bot_ask_place_community"), _rows(buttons) + [skip])
        return
    if community_id is not None:
        compounds = [p for p in compounds if p.parent_id == community_id]
    buttons = [Button(p.name, PlaceChoice(p.id).data) for p in compounds]
    turn.say(turn.tr("bot_ask_place"), _rows(buttons) + [skip])


def _set_place(turn: Turn, place_id: int | None) -> None:
    turn.data["draft"]["place_id"] = place_id
    if place_id is not None:
        turn.resident.home_place_id = place_id
        turn.session.add(turn.resident)
    _next_step(turn)


def _without_phone(turn: Turn) -> None:
    turn.edit(turn.tr("bot_consent_no"))
    turn.data["consent_asked"] = True
    _submit(turn)


def _submit(turn: Turn) -> None:
    """File the draft through intake; the acknowledgement and ticket go back in this reply."""
    draft = turn.data["draft"]
    resident = turn.resident
    contact = resident.phone if resident.consent_contact else None
    try:
        result = submit(turn.session, IntakeIn(
            text=draft["text"], channel=turn.inc.channel, external_id=draft["key"],
            place_id=draft.get("place_id"), contact=contact, resident_id=resident.id, language=turn.lang))
    except IntakeError as exc:
        turn.say(exc.message(turn.lang))
        return
    request = result.request
    if result.created:
        _record_extras(turn.session, request, draft)
    turn.reset()
    _deliver_ack(turn, request)
    turn.say(turn.tr("bot_ticket", ticket=request.ticket))
    if life_safety(request):  # only a danger to life is promised the on-duty worker's alert
        turn.say(turn.tr("bot_urgent", numbers=notify.EMERGENCY_NUMBERS))
        turn.out.deliver_now = True


def _record_extras(s: Session, request: ServiceRequest, draft: dict) -> None:
    """The resident's own category choice, photos and location go into the request's history."""
    chosen = draft.get("category")
    if chosen and chosen != request.category_code:
        s.add(RequestEvent(request_id=row_id(request), type=EventType.note, from_value=request.category_code,
                           to_value=chosen, message="category chosen by the resident in chat"))
        request.category_code = chosen
        request.needs_review = True
        request.updated_at = utcnow()
        s.add(request)
    for file_id in draft.get("photos") or []:
        s.add(RequestEvent(request_id=row_id(request), type=EventType.note, message=f"photo: telegram file {file_id}"))
    if draft.get("location"):
        lat, lon = draft["location"]
        s.add(RequestEvent(request_id=row_id(request), type=EventType.note, message=f"location: {lat:.6f},{lon:.6f}"))
    s.commit()


def _deliver_ack(turn: Turn, request: ServiceRequest) -> None:
    """Intake queued an acknowledgement for this chat; it goes out now, with this reply."""
    inc = turn.inc
    rows = turn.session.exec(select(Outbox).where(
        Outbox.request_id == request.id, Outbox.purpose == "ack", Outbox.channel == inc.channel,
        Outbox.address == inc.chat_id, Outbox.status == OutboxStatus.pending)).all()
    for row in rows:
        row.status, row.sent_at, row.attempts = OutboxStatus.sent, utcnow(), row.attempts + 1
        turn.session.add(row)
    if rows:
        turn.say(rows[0].text)
    else:
        names = category_names(turn.session, turn.lang)
        turn.say(turn.tr("ack", ticket=request.ticket,
                         category=names.get(request.category_code or "", turn.tr("ticket_unclassified"))))


def _message_key(turn: Turn) -> str:
    """Intake's idempotency key: the message that started the request, so a re-run turn files it once."""
    inc = turn.inc
    if inc.channel == "telegram" and inc.message_id is not None:  # message ids count per bot and chat
        return f"tg:{inc.bot_id}:{inc.chat_id}:{inc.message_id}" if inc.bot_id else f"tg:{inc.chat_id}:{inc.message_id}"
    return f"{inc.channel}:{inc.update_key or time.time_ns()}"


def _category_buttons(turn: Turn) -> list[list[Button]]:
    names = category_names(turn.session, turn.lang)
    codes = [c.code for c in turn.session.exec(
        select(Category).where(Category.active).order_by(col(Category.sort_order))).all()]
    return _rows([Button(names[c], CategoryChoice(c).data) for c in codes])


def _place_in(turn: Turn, text: str) -> int | None:
    """The compound the text names (by name, code or alias: core.places.find_place), if any."""
    place = find_place(turn.session, text, kinds=(PlaceKind.compound, PlaceKind.grid))
    return place.id if place else None


def _compounds(session: Session) -> list[Place]:
    return list(session.exec(select(Place).where(col(Place.kind).in_([PlaceKind.compound, PlaceKind.grid]),
                                                 col(Place.retired_at).is_(None))
                             .order_by(col(Place.name))).all())


def _rows(buttons: list[Button], width: int = 2) -> list[list[Button]]:
    return [buttons[i:i + width] for i in range(0, len(buttons), width)]


def _predict(session: Session, text: str):
    """The category the model would give, shown to the resident before anything is stored."""
    from nlp.registry import get_classifier

    try:
        classifier = get_classifier(session)
        return classifier.predict([text])[0] if classifier is not None else None
    except Exception:  # a broken model must not stop residents from reaching us
        log.exception("category preview failed")
        return None
