"""The dialog engine: one message or button press in, replies out, state in the database.

It knows nothing of aiogram or python-telegram-bot. Adapters turn their framework's updates into
`Incoming`, call `Dialog.handle` (blocking: run it in a thread from async code) and perform the
`Outcome`. Every conversation lives in a `Conversation` row whose `version` column is checked on
write, so two bot processes (or a restarted one) continue the same conversation without losing
or doubling a step; `ProcessedUpdate` makes a retried update a no-op.

Usage:
    dialog = Dialog()
    outcome = dialog.handle(Incoming(channel="telegram", chat_id="42", user_id="42",
                                     update_key="tg:1001", text="楼道灯坏了"))
    for reply in outcome.replies: ...
"""

from __future__ import annotations

import logging
import random
import re
import time
from dataclasses import dataclass, field

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

import bot.texts  # noqa: F401  (registers the bot's strings)
from core import notify
from core.feedback import RatingError, record_rating
from core.i18n import t
from core.text import IntakeError, clean_text
from intake.service import IntakeIn, submit
from core.models import (
    Conversation,
    EventType,
    Outbox,
    OutboxStatus,
    Place,
    PlaceKind,
    ProcessedUpdate,
    Rating,
    Request,
    RequestEvent,
    Resident,
    ResidentIdentity,
    Status,
    utcnow,
)
from core.redact import redact
from core.taxonomy import category_names
from nlp.urgency import danger_phrase

log = logging.getLogger(__name__)

PLACE_BUTTONS_MAX = 10  # above this many compounds, ask for the community first
STATUS_LIMIT = 10
WEBCHAT_LOG_MAX = 60
_PHONE = re.compile(r"^\+?[\d\s-]{7,20}$")
_MY_REQUESTS = {"我的需求", "我的诉求", "查进度", "进度", "my requests", "status"}


# --- what goes in and out -------------------------------------------------------------------------

@dataclass
class Incoming:
    """One thing a resident did: a message (text, photo, location, other) or a button press."""

    channel: str  # "telegram" | "webchat"
    chat_id: str
    user_id: str
    update_key: str | None = None  # unique per delivery from the channel, for de-duplication
    message_id: int | None = None  # of the message sent, or of the message whose button was pressed
    text: str | None = None
    photo: str | None = None  # Telegram file_id
    location: tuple[float, float] | None = None
    callback: str | None = None  # button data
    other: str | None = None  # "sticker", "voice", ...: content we cannot read
    language: str | None = None  # for a resident's first contact (the web chat page's language)


@dataclass
class Button:
    text: str
    data: str


@dataclass
class Reply:
    text: str
    buttons: list[list[Button]] = field(default_factory=list)
    edit: bool = False  # replace the pressed message's text; its buttons become `buttons`
    photo: str | None = None  # send a photo with `text` as caption


@dataclass
class Outcome:
    replies: list[Reply] = field(default_factory=list)
    callback_answer: str | None = None  # short notice shown on the pressed button
    duplicate: bool = False
    deliver_now: bool = False  # the outbox has rows that should go out at once (urgent alerts)


class _Stale(Exception):
    """Another process wrote this conversation first: reload and try again."""


# --- the engine -----------------------------------------------------------------------------------

class Dialog:
    """Conversation flows for residents; create one per process and share it."""

    def __init__(self, engine: Engine | None = None, rate_limit: int = 20, rate_window: float = 60.0,
                 max_retries: int = 20):
        self._engine = engine
        self.rate_limit = rate_limit
        self.rate_window = rate_window
        self.max_retries = max_retries

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            from core.db import get_engine

            self._engine = get_engine()
        return self._engine

    def handle(self, inc: Incoming) -> Outcome:
        """Process one update exactly once and return what to send back."""
        for attempt in range(self.max_retries):
            with Session(self.engine) as session:
                try:
                    return _Turn(self, session, inc).run()
                except _Stale:
                    session.rollback()
                    log.info("conversation %s/%s changed underneath, retrying", inc.channel, inc.chat_id)
            # a little random backoff so two processes racing on one chat stop colliding
            time.sleep(random.uniform(0, 0.005 * (attempt + 1)))  # noqa: S311
        raise RuntimeError(f"conversation {inc.channel}/{inc.chat_id} kept changing; gave up")

    def webchat_transcript(self, chat_id: str) -> tuple[list[dict], str]:
        """The web chat's transcript with queued notifications added, and the resident's language."""
        from bot import outbox

        for _attempt in range(self.max_retries):
            with Session(self.engine) as session:
                conv = session.exec(select(Conversation).where(Conversation.channel == "webchat",
                                                               Conversation.chat_id == chat_id)).first()
                if conv is None:
                    return [], "zh"
                resident = session.get(Resident, conv.resident_id) if conv.resident_id else None
                lang = resident.language if resident else "zh"
                deliveries = outbox.claim(session, "webchat", address=chat_id)
                if not deliveries:
                    return list((conv.data or {}).get("log", [])), lang
                data = dict(conv.data or {})
                data["log"] = webchat_log(data.get("log", []), None, [d.reply for d in deliveries])
                result = session.exec(update(Conversation).where(
                    Conversation.id == conv.id, Conversation.version == conv.version
                ).values(data=data, version=conv.version + 1, updated_at=utcnow()))
                if result.rowcount != 1:
                    session.rollback()
                    for d in deliveries:  # give the rows back
                        outbox.mark(session, d.row_id, ok=False)
                    continue
                for d in deliveries:
                    session.exec(update(Outbox).where(Outbox.id == d.row_id).values(
                        status=OutboxStatus.sent, sent_at=utcnow()))
                session.commit()
                return data["log"], lang
        return [], "zh"


class _Turn:
    """One update against one conversation, inside one session."""

    def __init__(self, dialog: Dialog, session: Session, inc: Incoming):
        self.dialog = dialog
        self.session = session
        self.inc = inc
        self.out = Outcome()

    # -- plumbing --

    def run(self) -> Outcome:
        s, inc = self.session, self.inc
        if inc.update_key and s.exec(select(ProcessedUpdate.id).where(
                ProcessedUpdate.channel == inc.channel, ProcessedUpdate.update_key == inc.update_key)).first():
            return Outcome(duplicate=True)
        conv = self._conversation()
        self.conv_id, self.version = conv.id, conv.version
        self.state, self.data = conv.state, dict(conv.data or {})
        self.resident = self._resident(conv.resident_id)
        self.lang = self.resident.language if self.resident else "zh"

        if self._rate_limited():
            pass
        elif inc.callback is not None:
            self._on_callback(inc.callback)
        elif inc.text is not None and inc.text.strip().startswith("/"):
            self._on_command(inc.text.strip())
        elif inc.text is not None or inc.photo or inc.location:
            self._on_message()
        else:
            self.say(self.tr("bot_unsupported"))
        return self._save()

    def _conversation(self) -> Conversation:
        s, inc = self.session, self.inc
        q = select(Conversation).where(Conversation.channel == inc.channel, Conversation.chat_id == inc.chat_id)
        conv = s.exec(q).first()
        if conv is None:
            s.add(Conversation(channel=inc.channel, chat_id=inc.chat_id))
            try:
                s.commit()
            except IntegrityError:  # another process created it a moment ago
                s.rollback()
            conv = s.exec(q).one()
        return conv

    def _resident(self, resident_id: int | None) -> Resident | None:
        """The resident behind this chat, created on first contact (and again after /delete)."""
        s, inc = self.session, self.inc
        ident = s.exec(select(ResidentIdentity).where(ResidentIdentity.channel == inc.channel,
                                                      ResidentIdentity.external_user_id == inc.user_id)).first()
        if ident is not None:
            if ident.chat_id != inc.chat_id:
                ident.chat_id = inc.chat_id
                s.add(ident)
            return s.get(Resident, ident.resident_id)
        resident = Resident(language=inc.language if inc.language in ("zh", "en") else "zh")
        s.add(resident)
        s.flush()
        s.add(ResidentIdentity(resident_id=resident.id, channel=inc.channel, external_user_id=inc.user_id,
                               chat_id=inc.chat_id))
        try:
            s.flush()
        except IntegrityError as exc:  # the same user's first two messages in two processes
            raise _Stale() from exc
        return resident

    def _save(self) -> Outcome:
        s, inc = self.session, self.inc
        if inc.channel == "webchat":
            self._log_webchat()
        if inc.update_key:
            s.add(ProcessedUpdate(channel=inc.channel, update_key=inc.update_key))
        s.flush()
        result = s.exec(
            update(Conversation)
            .where(Conversation.id == self.conv_id, Conversation.version == self.version)
            .values(state=self.state, data=self.data, resident_id=self.resident.id if self.resident else None,
                    version=self.version + 1, updated_at=utcnow())
        )
        if result.rowcount != 1:
            raise _Stale()
        try:
            s.commit()
        except IntegrityError:  # the same update was processed meanwhile by another process
            s.rollback()
            return Outcome(duplicate=True)
        return self.out

    def _log_webchat(self) -> None:
        """The web chat shows its transcript from the conversation row; message ids are list positions."""
        replies = list(self.out.replies)
        if self.out.callback_answer:  # a browser has no pop-up notice: show it in the transcript
            replies.append(Reply(text=self.out.callback_answer))
        self.data["log"] = webchat_log(self.data.get("log", []), self.inc, replies)

    def tr(self, key: str, **kw) -> str:
        return t(self.lang, key, **kw)

    def say(self, text: str, buttons: list[list[Button]] | None = None) -> None:
        self.out.replies.append(Reply(text=text, buttons=buttons or []))

    def edit(self, text: str, buttons: list[list[Button]] | None = None) -> None:
        """Replace the pressed message's text (and its buttons: none unless given)."""
        if self.inc.message_id is not None:
            self.out.replies.append(Reply(text=text, buttons=buttons or [], edit=True))

    def reset(self) -> None:
        self.state = "idle"
        for key in ("draft", "rating", "survey", "picking"):
            self.data.pop(key, None)

    def _rate_limited(self) -> bool:
        """A sliding window of recent updates kept in the conversation row (no extra query)."""
        now = time.time()
        window = [ts for ts in self.data.get("rl", []) if now - ts < self.dialog.rate_window]
        if len(window) >= self.dialog.rate_limit:
            # answer once per window, then stay silent so a flood gets no flood back
            if now - self.data.get("rl_warned", 0) >= self.dialog.rate_window:
                self.data["rl_warned"] = now
                self.say(self.tr("bot_rate_limited", numbers=notify.EMERGENCY_NUMBERS))
            if self.inc.callback is not None:
                self.out.callback_answer = self.tr("bot_rate_limited", numbers=notify.EMERGENCY_NUMBERS)[:180]
            self.data["rl"] = window
            return True
        window.append(now)
        self.data["rl"] = window
        return False

    # -- commands --

    def _on_command(self, text: str) -> None:
        command, _, arg = text.partition(" ")
        command = command[1:].split("@", 1)[0].lower()
        arg = arg.strip()
        if self.state == "rating_comment":
            self._finish_rating("")
        handlers = {
            "start": self.cmd_start, "help": self.cmd_help, "status": self.cmd_status,
            "lang": self.cmd_lang, "language": self.cmd_lang, "privacy": self.cmd_privacy,
            "delete": self.cmd_delete, "cancel": self.cmd_cancel, "survey": self.cmd_survey,
        }
        handler = handlers.get(command)
        if handler is None:
            self.say(self.tr("bot_unknown_command"))
        else:
            handler(arg)

    def cmd_start(self, _arg: str) -> None:
        self.reset()
        self.say(self.tr("bot_welcome"))

    def cmd_help(self, _arg: str) -> None:
        self.say(self.tr("bot_help"))

    def cmd_cancel(self, _arg: str) -> None:
        busy = self.state != "idle"
        self.reset()
        self.say(self.tr("bot_cancelled" if busy else "bot_nothing_to_cancel"))

    def cmd_status(self, _arg: str = "") -> None:
        rows = self.session.exec(
            select(Request).where(Request.resident_id == self.resident.id)
            .order_by(Request.created_at.desc(), Request.id.desc()).limit(STATUS_LIMIT)
        ).all()
        if not rows:
            self.say(self.tr("bot_status_none"))
            return
        names = category_names(self.session, self.lang)
        lines = [self.tr("bot_status_title")]
        for r in rows:
            snippet = r.text.replace("\n", " ")
            snippet = snippet[:30] + ("…" if len(snippet) > 30 else "")
            category = names.get(r.category_code or "", self.tr("ticket_unclassified"))
            lines.append(f"{r.ticket} · {self.tr('status_' + r.status)} · {category} · "
                         f"{r.created_at:%Y-%m-%d}\n  {snippet}")
        self.say("\n".join(lines))

    def cmd_lang(self, arg: str) -> None:
        wanted = arg.lower()[:2] if arg else ("en" if self.lang == "zh" else "zh")
        self.lang = wanted if wanted in ("zh", "en") else "zh"
        self.resident.language = self.lang
        self.session.add(self.resident)
        self.say(self.tr("bot_lang_set"))

    def cmd_privacy(self, _arg: str) -> None:
        self.say(self.tr("bot_privacy"))

    def cmd_delete(self, _arg: str) -> None:
        self.reset()
        self.state = "confirm_delete"
        self.say(self.tr("bot_delete_confirm"), [[Button(self.tr("bot_btn_delete_yes"), "d:yes"),
                                                  Button(self.tr("bot_btn_cancel"), "d:no")]])

    def cmd_survey(self, _arg: str) -> None:
        from bot import surveys

        self.reset()
        surveys.offer(self)

    # -- messages --

    def _on_message(self) -> None:
        inc, state = self.inc, self.state
        text = inc.text.strip() if inc.text is not None else None
        if state == "ask_phone" and text is not None:
            return self._on_phone(text)
        if state == "rating_comment" and text is not None:
            return self._finish_rating(text)
        if state == "survey":
            from bot import surveys

            return surveys.on_text(self, text)
        if state == "ask_place" and text is not None and not inc.photo:
            return self._on_place_text(text)
        if text is not None and text.lower() in _MY_REQUESTS:
            return self.cmd_status()
        if state == "confirm_delete":
            self.reset()
        self._on_request_text(text)

    def _on_request_text(self, text: str | None) -> None:
        """Free text starts a request (or adds to the one being written); photos and places attach."""
        draft = self.data.get("draft") if self.state in ("confirm_category", "pick_category", "ask_place",
                                                         "ask_consent", "ask_phone") else None
        pending = self.data.get("pending", {})
        if draft is None:
            draft = {"text": "", "key": None, "photos": list(pending.get("photos", [])),
                     "location": pending.get("location")}
        if self.inc.photo:
            draft["photos"] = [*draft["photos"], self.inc.photo][-5:]
        if self.inc.location:
            draft["location"] = list(self.inc.location)
        if not text:
            if draft["text"]:
                self.data["draft"] = draft
                self.say(self.tr("bot_attached"))
            else:  # a photo or location first; the words come next
                self.data["pending"] = {"photos": draft["photos"], "location": draft["location"]}
                self.say(self.tr("bot_photo_kept" if self.inc.photo else "bot_location_kept"))
            return
        combined = f"{draft['text']}\n{text}" if draft["text"] else text
        try:
            combined = clean_text(combined)
        except IntakeError as exc:
            self.say(exc.message(self.lang))
            return
        adding = bool(draft["text"])
        draft["text"] = combined
        draft["key"] = draft["key"] or self._message_key()
        self.data.pop("pending", None)
        self.data["draft"] = draft
        prediction = _predict(self.session, combined)
        if danger_phrase(combined):
            # A live hazard named in words: store at once and give the emergency numbers, no
            # questions asked. (The model's own urgency is noisier; intake still flags it and alerts.)
            draft["place_id"] = draft.get("place_id") or self._place_from_text(combined) or self.resident.home_place_id
            return self._submit()
        if adding and self.state in ("ask_place", "ask_consent"):
            self.say(self.tr("bot_more_text"))
            return self._next_step()
        draft["model_category"] = prediction.category if prediction else None
        draft["category"] = draft["model_category"]
        if prediction is None:
            self.state = "pick_category"
            self.say(self.tr("bot_understood_none"), self._category_buttons())
            return
        names = category_names(self.session, self.lang)
        self.state = "confirm_category"
        self.say(self.tr("bot_understood", category=names.get(prediction.category, prediction.category)),
                 [[Button(self.tr("bot_btn_yes"), "c:ok"), Button(self.tr("bot_btn_other"), "c:pick")]])

    def _message_key(self) -> str:
        inc = self.inc
        if inc.channel == "telegram" and inc.message_id is not None:
            return f"tg:{inc.chat_id}:{inc.message_id}"
        return f"{inc.channel}:{inc.update_key or time.time_ns()}"

    def _category_buttons(self) -> list[list[Button]]:
        names = category_names(self.session, self.lang)
        from core.models import Category

        codes = [c.code for c in self.session.exec(
            select(Category).where(Category.active).order_by(Category.sort_order)).all()]
        buttons = [Button(names[c], f"c:{c}") for c in codes]
        return [buttons[i:i + 2] for i in range(0, len(buttons), 2)]

    def _place_from_text(self, text: str) -> int | None:
        for place in self._compounds():
            if place.name and place.name in text:
                return place.id
        return None

    def _compounds(self) -> list[Place]:
        return list(self.session.exec(select(Place).where(Place.kind.in_([PlaceKind.compound, PlaceKind.grid]))
                                      .order_by(Place.name)).all())

    def _next_step(self) -> None:
        """After the category: the compound if we cannot tell it, then consent, then submit."""
        draft = self.data["draft"]
        if "place_id" not in draft:
            place_id = self._place_from_text(draft["text"]) or self.resident.home_place_id
            if place_id is None and self._compounds():
                self.state = "ask_place"
                return self._ask_place()
            draft["place_id"] = place_id
        if not (self.resident.consent_contact and self.resident.phone) and not self.data.get("consent_asked"):
            self.state = "ask_consent"
            self.say(self.tr("bot_ask_consent"), [[Button(self.tr("bot_btn_consent_yes"), "k:yes"),
                                                  Button(self.tr("bot_btn_consent_no"), "k:no")]])
            return
        self._submit()

    def _ask_place(self, community_id: int | None = None) -> None:
        compounds = self._compounds()
        skip = [Button(self.tr("bot_btn_place_skip"), "p:skip")]
        if community_id is None and len(compounds) > PLACE_BUTTONS_MAX:
            communities = self.session.exec(select(Place).where(Place.kind == PlaceKind.community)
                                            .order_by(Place.name)).all()
            buttons = [Button(c.name, f"pc:{c.id}") for c in communities]
            self.say(self.tr("bot_ask_place_community"), [buttons[i:i + 2] for i in range(0, len(buttons), 2)] + [skip])
            return
        if community_id is not None:
            compounds = [p for p in compounds if p.parent_id == community_id]
        buttons = [Button(p.name, f"p:{p.id}") for p in compounds]
        self.say(self.tr("bot_ask_place"), [buttons[i:i + 2] for i in range(0, len(buttons), 2)] + [skip])

    def _on_place_text(self, text: str) -> None:
        place_id = self._place_from_text(text)
        if place_id is None:
            self.say(self.tr("bot_place_unknown"))
            return self._ask_place()
        self._set_place(place_id)

    def _set_place(self, place_id: int | None) -> None:
        self.data["draft"]["place_id"] = place_id
        if place_id is not None:
            self.resident.home_place_id = place_id
            self.session.add(self.resident)
        self._next_step()

    def _on_phone(self, text: str) -> None:
        if not _PHONE.match(text) or sum(ch.isdigit() for ch in text) < 7:
            self.say(self.tr("bot_bad_phone"), [[Button(self.tr("bot_btn_skip"), "k:skip")]])
            return
        self.resident.phone = re.sub(r"[\s-]", "", text)
        self.resident.consent_contact = True
        self.resident.consent_at = utcnow()
        self.session.add(self.resident)
        self.data["consent_asked"] = True
        self._submit()

    def _submit(self) -> None:
        draft = self.data["draft"]
        resident = self.resident
        contact = resident.phone if resident.consent_contact else None
        try:
            result = submit(self.session, IntakeIn(
                text=draft["text"], channel=self.inc.channel, external_id=draft["key"],
                place_id=draft.get("place_id"), contact=contact, resident_id=resident.id, language=self.lang))
        except IntakeError as exc:
            self.say(exc.message(self.lang))
            return
        request = result.request
        if result.created:
            self._record_extras(request, draft)
        self.reset()
        self._deliver_ack(request)
        self.say(self.tr("bot_ticket", ticket=request.ticket))
        if request.urgent:
            self.say(self.tr("bot_urgent", numbers=notify.EMERGENCY_NUMBERS))
            self.out.deliver_now = True

    def _record_extras(self, request: Request, draft: dict) -> None:
        """The resident's own category choice, photos and location go into the request's history."""
        s = self.session
        chosen = draft.get("category")
        if chosen and chosen != request.category_code:
            s.add(RequestEvent(request_id=request.id, type=EventType.note, from_value=request.category_code,
                               to_value=chosen, message="category chosen by the resident in chat"))
            request.category_code = chosen
            request.needs_review = True
            request.updated_at = utcnow()
            s.add(request)
        for file_id in draft.get("photos") or []:
            s.add(RequestEvent(request_id=request.id, type=EventType.note, message=f"photo: telegram file {file_id}"))
        if draft.get("location"):
            lat, lon = draft["location"]
            s.add(RequestEvent(request_id=request.id, type=EventType.note, message=f"location: {lat:.6f},{lon:.6f}"))
        s.commit()

    def _deliver_ack(self, request: Request) -> None:
        """Intake queued an acknowledgement for this chat; it goes out now, with this reply."""
        rows = self.session.exec(select(Outbox).where(
            Outbox.request_id == request.id, Outbox.purpose == "ack", Outbox.channel == self.inc.channel,
            Outbox.address == self.inc.chat_id, Outbox.status == OutboxStatus.pending)).all()
        for row in rows:
            row.status, row.sent_at, row.attempts = OutboxStatus.sent, utcnow(), row.attempts + 1
            self.session.add(row)
        if rows:
            self.say(rows[0].text)
        else:
            names = category_names(self.session, self.lang)
            self.say(t(self.lang, "ack", ticket=request.ticket,
                       category=names.get(request.category_code or "", self.tr("ticket_unclassified"))))

    # -- buttons --

    def _on_callback(self, data: str) -> None:
        kind, _, value = data.partition(":")
        handler = {"c": self._cb_category, "p": self._cb_place, "pc": self._cb_community, "k": self._cb_consent,
                   "r": self._cb_rating, "d": self._cb_delete, "s": self._cb_survey, "a": self._cb_answer,
                   }.get(kind)
        if handler is None or not handler(value):
            self.out.callback_answer = self.tr("bot_stale_button")

    def _cb_category(self, value: str) -> bool:
        if self.state not in ("confirm_category", "pick_category") or "draft" not in self.data:
            return False
        names = category_names(self.session, self.lang)
        if value == "pick":
            self.state = "pick_category"
            self.edit(self.tr("bot_pick_category"), self._category_buttons())
            return True
        if value != "ok":
            if value not in names:
                return False
            self.data["draft"]["category"] = value
        self.edit(self.tr("bot_category_chosen", category=names.get(self.data["draft"]["category"] or "", "")))
        self._next_step()
        return True

    def _cb_community(self, value: str) -> bool:
        if self.state != "ask_place" or not value.isdigit():
            return False
        community = self.session.get(Place, int(value))
        if community is None:
            return False
        self.edit(community.name)
        self._ask_place(community.id)
        return True

    def _cb_place(self, value: str) -> bool:
        if self.state != "ask_place" or "draft" not in self.data:
            return False
        if value == "skip":
            self.edit(self.tr("bot_place_skipped"))
            self._set_place(None)
            return True
        place = self.session.get(Place, int(value)) if value.isdigit() else None
        if place is None:
            return False
        self.edit(self.tr("bot_place_chosen", place=place.name))
        self._set_place(place.id)
        return True

    def _cb_consent(self, value: str) -> bool:
        if self.state == "ask_consent" and value == "yes":
            self.edit(self.tr("bot_btn_consent_yes"))
            self.state = "ask_phone"
            self.say(self.tr("bot_ask_phone"), [[Button(self.tr("bot_btn_skip"), "k:skip")]])
            return True
        if (self.state == "ask_consent" and value == "no") or (self.state == "ask_phone" and value == "skip"):
            self.edit(self.tr("bot_consent_no"))
            self.data["consent_asked"] = True
            self._submit()
            return True
        return False

    def _cb_rating(self, value: str) -> bool:
        parts = value.split(":")
        if len(parts) != 2 or not all(p.isdigit() for p in parts) or not 1 <= int(parts[1]) <= 5:
            if value == "skip" and self.state == "rating_comment":
                self.edit(self.tr("bot_btn_skip"))
                self._finish_rating("")
                return True
            return False
        request = self.session.get(Request, int(parts[0]))
        if request is None or request.resident_id != self.resident.id:
            self.out.callback_answer = self.tr("bot_not_yours")
            return True
        if self._already_rated(request.id):
            self.edit(self.tr("bot_already_rated"))
            return True
        if self.state == "rating_comment":
            self._finish_rating("")
        self.reset()
        score = int(parts[1])
        self.state = "rating_comment"
        self.data["rating"] = {"request_id": request.id, "score": score}
        self.edit(f"{request.ticket}: {'★' * score}{'☆' * (5 - score)}")
        self.say(self.tr("bot_rated", score=score) + "\n" + self.tr("bot_ask_comment"),
                 [[Button(self.tr("bot_btn_skip"), "r:skip")]])
        return True

    def _already_rated(self, request_id: int) -> bool:
        return self.session.exec(select(Rating.id).where(Rating.request_id == request_id,
                                                         Rating.resident_id == self.resident.id)).first() is not None

    def _finish_rating(self, comment: str) -> None:
        pending = self.data.get("rating") or {}
        request = self.session.get(Request, pending.get("request_id", 0))
        if request is None:
            self.reset()
            return
        if not self._already_rated(request.id):  # a retried turn must not rate twice
            try:
                record_rating(self.session, request, pending["score"], comment, channel=self.inc.channel)
            except (RatingError, IntakeError) as exc:
                message = exc.message(self.lang) if isinstance(exc, IntakeError) else str(exc)
                self.say(message)
                return
        self.reset()
        self.say(self.tr("bot_rating_thanks"))

    def _cb_delete(self, value: str) -> bool:
        if self.state != "confirm_delete":
            return False
        self.reset()
        if value != "yes":
            self.edit(self.tr("bot_delete_kept"))
            return True
        lang = self.lang
        anonymise_resident(self.session, self.resident)
        self.resident = None
        self.data = {}
        self.edit(t(lang, "bot_deleted"))
        return True

    def _cb_survey(self, value: str) -> bool:
        from bot import surveys

        return surveys.on_pick(self, value)

    def _cb_answer(self, value: str) -> bool:
        from bot import surveys

        return surveys.on_button(self, value)


def webchat_log(entries: list[dict], inc: Incoming | None, replies: list[Reply]) -> list[dict]:
    """Append a turn to a web chat transcript; each entry keeps a stable `id` for its buttons."""
    entries = [dict(e) for e in entries]
    next_id = (entries[-1]["id"] + 1) if entries else 0

    def add(entry: dict) -> None:
        nonlocal next_id
        entry["id"] = next_id
        next_id += 1
        entries.append(entry)

    if inc is not None and inc.callback is None and inc.text is not None:
        add({"from": "me", "text": inc.text[:4000]})
    for reply in replies:
        buttons = [[{"text": b.text, "data": b.data} for b in row] for row in reply.buttons]
        if reply.edit and inc is not None:
            for entry in entries:
                if entry["id"] == inc.message_id:
                    entry.update(text=reply.text, buttons=buttons)
            continue
        add({"from": "bot", "text": reply.text, "buttons": buttons})
    return entries[-WEBCHAT_LOG_MAX:]


def _predict(session: Session, text: str):
    """The category the model would give, shown to the resident before anything is stored."""
    from nlp.registry import get_classifier

    try:
        classifier = get_classifier(session)
        return classifier.predict([text])[0] if classifier is not None else None
    except Exception:  # a broken model must not stop residents from reaching us
        log.exception("category preview failed")
        return None


def anonymise_resident(session: Session, resident: Resident) -> None:
    """/delete: personal data goes, requests stay (text redacted, contact dropped, history noted)."""
    now = utcnow()
    for request in session.exec(select(Request).where(Request.resident_id == resident.id)).all():
        request.contact = None
        request.text = redact(request.text)
        request.updated_at = now
        session.add(request)
        session.add(RequestEvent(request_id=request.id, type=EventType.anonymised,
                                 message="personal data erased at the resident's request"))
    for ident in session.exec(select(ResidentIdentity).where(ResidentIdentity.resident_id == resident.id)).all():
        session.delete(ident)
    for row in session.exec(select(Outbox).where(Outbox.resident_id == resident.id,
                                                 Outbox.status == OutboxStatus.pending)).all():
        session.delete(row)
    for conv in session.exec(select(Conversation).where(Conversation.resident_id == resident.id)).all():
        conv.data = {}
        conv.state = "idle"
        session.add(conv)
    resident.phone = None
    resident.display_name = None
    resident.consent_contact = False
    resident.consent_at = None
    resident.home_place_id = None
    resident.anonymised_at = now
    session.add(resident)


__all__ = ["Button", "Dialog", "Incoming", "Outcome", "Reply", "anonymise_resident", "Status"]
