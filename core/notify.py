"""Tell people about requests: rows in the outbox, delivered by whichever process owns the channel.

Contract for deliverers (bot/ for channel "telegram", the web chat for "webchat"): take rows with
status "pending" for your channel, send `text` to `address`, set status "sent" and `sent_at`
(or "failed" after retries). `purpose` is ack | status | reply | rating | urgent; a "rating" row
carries {"request_id": id} in `payload` so the channel can offer 1–5 buttons.
"""

from __future__ import annotations

from sqlmodel import Session, or_, select

from core.i18n import DEFAULT_LANGUAGE, gettext
from core.labels import label
from core.models import (
    Outbox,
    Request,
    ResidentIdentity,
    Role,
    StaffCommunity,
    StaffUser,
    Status,
)

EMERGENCY_NUMBERS = "110 / 119 / 120"


def to_resident(session: Session, request: Request, text: str, purpose: str, payload: dict | None = None) -> list[Outbox]:
    """Queue a message on every channel where the resident can be reached back."""
    if request.resident_id is None:
        return []
    rows = []
    identities = session.exec(
        select(ResidentIdentity).where(ResidentIdentity.resident_id == request.resident_id)
    ).all()
    for ident in identities:
        if ident.chat_id is None:
            continue
        row = Outbox(channel=ident.channel, address=ident.chat_id, resident_id=request.resident_id,
                     request_id=request.id, purpose=purpose, text=text, payload=payload or {})
        session.add(row)
        rows.append(row)
    return rows


def status_changed(session: Session, request: Request) -> list[Outbox]:
    """Tell the resident the request's new state; once resolved, also ask for a 1–5 rating."""
    lang = request.language
    _ = gettext(lang)
    rows = to_resident(session, request, _("Your request {ticket} is now: {status}.").format(
        ticket=request.ticket, status=label(lang, "status", request.status)), purpose="status")
    if request.status == Status.resolved:
        rows += to_resident(session, request, _("Your request {ticket} is resolved. Please rate the service "
                                                "from 1 to 5; a comment is welcome.").format(ticket=request.ticket),
                            purpose="rating", payload={"request_id": request.id})
    return rows


def reply(session: Session, request: Request, message: str) -> list[Outbox]:
    """A worker's reply, delivered through the resident's channel."""
    _ = gettext(request.language)
    text = _("Reply from your community worker ({ticket}): {message}").format(ticket=request.ticket, message=message)
    return to_resident(session, request, text, purpose="reply")


def urgent_to_staff(session: Session, request: Request) -> list[Outbox]:
    """Push an urgent request at once to on-duty staff of its community (and on-duty admins)."""
    scoped = select(StaffCommunity.user_id).where(StaffCommunity.place_id == request.community_id)
    staff = session.exec(
        select(StaffUser).where(
            StaffUser.is_active, StaffUser.on_duty, StaffUser.telegram_chat_id.is_not(None),
            or_(StaffUser.role == Role.admin, StaffUser.id.in_(scoped)),
        )
    ).all()
    _ = gettext(DEFAULT_LANGUAGE)  # what staff read
    rows = []
    for user in staff:
        text = _("[URGENT] {ticket}: {text}").format(ticket=request.ticket, text=request.text[:300])
        row = Outbox(channel="telegram", address=user.telegram_chat_id, staff_id=user.id,
                     request_id=request.id, purpose="urgent", text=text)
        session.add(row)
        rows.append(row)
    return rows
