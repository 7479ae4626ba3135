"""The web chat's transcript: kept in the conversation row (`data["log"]`), so the page needs no
JavaScript and survives restarts. Message ids are positions in the transcript; an edit replaces
the entry whose button was pressed.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot import outbox
from bot.types import Incoming, Reply
from core.models import Conversation, Outbox, OutboxStatus, Resident, utcnow

CHANNEL = "webchat"
LOG_MAX = 60  # entries kept


def append(entries: list[dict], inc: Incoming | None, replies: list[Reply]) -> list[dict]:
    """Append a turn to a transcript; each entry keeps a stable `id` for its buttons."""
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
    return entries[-LOG_MAX:]


def transcript(engine: Engine, chat_id: str, max_retries: int = 20) -> tuple[list[dict], str]:
    """The transcript with queued notifications added, and the resident's language."""
    for _attempt in range(max_retries):
        with Session(engine) as session:
            conv = session.exec(select(Conversation).where(Conversation.channel == CHANNEL,
                                                           Conversation.chat_id == chat_id)).first()
            if conv is None:
                return [], "zh"
            resident = session.get(Resident, conv.resident_id) if conv.resident_id else None
            lang = resident.language if resident else "zh"
            deliveries = outbox.claim(session, CHANNEL, address=chat_id)
            if not deliveries:
                return list((conv.data or {}).get("log", [])), lang
            data = dict(conv.data or {})
            data["log"] = append(data.get("log", []), None, [d.reply for d in deliveries])
            result = session.exec(update(Conversation).where(
                col(Conversation.id) == conv.id, col(Conversation.version) == conv.version
            ).values(data=data, version=conv.version + 1, updated_at=utcnow()))
            if result.rowcount != 1:  # a turn wrote the conversation meanwhile
                session.rollback()
                for d in deliveries:  # give the rows back
                    outbox.mark(session, d.row_id, ok=False)
                continue
            for d in deliveries:
                session.exec(update(Outbox).where(col(Outbox.id) == d.row_id).values(
                    status=OutboxStatus.sent, sent_at=utcnow()))
            session.commit()
            return data["log"], lang
    return [], "zh"


def language_of(engine: Engine, chat_id: str, switch_to: str | None = None) -> str | None:
    """The chat's resident's language (None before the first message); `switch_to` sets it first, so
    that the page's language switch and the chat's /lang are one choice."""
    with Session(engine) as session:
        conv = session.exec(select(Conversation).where(Conversation.channel == CHANNEL,
                                                       Conversation.chat_id == chat_id)).first()
        resident = session.get(Resident, conv.resident_id) if conv and conv.resident_id else None
        if resident is None:
            return None
        if switch_to and resident.language != switch_to:
            resident.language = switch_to
            session.add(resident)
            session.commit()
        return resident.language
