"""Tell people about requests: rows in the outbox, delivered by whichever process owns the channel,
or, for a resident who left only a phone number, a call a worker must make (CallTask).

Contract for deliverers (bot/ for channel "telegram", the web chat for "webchat"): take rows with
status "pending" for your channel, send `text` to `address`, set status "sent" and `sent_at`
(or "failed" after retries). `purpose` is ack | status | reply | rating | assigned | duplicate |
urgent | escalated; a "rating" row carries {"request_id": id} in `payload` so the channel can offer
1–5 buttons.

A ticket marked as the duplicate of another follows it: the survivor's replies and status changes
reach the residents of both, each under their own ticket, in their own language and channel.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlmodel import Session, col, or_, select

from core.db import row_id
from core.i18n import DEFAULT_LANGUAGE, gettext
from core.labels import label
from core.localtime import format_local
from core.models import (
    CallTask,
    Outbox,
    Place,
    Resident,
    ResidentIdentity,
    Role,
    ServiceProject,
    ServiceRequest,
    StaffCommunity,
    StaffUser,
    Status,
)

EMERGENCY_NUMBERS = "110 / 119 / 120"
PHONE = re.compile(r"\d[\d\s-]{5,}\d")  # at least 7 digits: a number someone can call


@dataclass
class Told:
    """What one notice produced: messages queued on channels, and calls for a worker to make."""

    messages: list[Outbox] = field(default_factory=list)
    calls: list[CallTask] = field(default_factory=list)

    def __iadd__(self, other: Told) -> Told:
        self.messages += other.messages
        self.calls += other.calls
        return self


def phone_number(contact: str | None) -> str | None:
    """The phone number in a contact field, if there is one."""
    m = PHONE.search(contact or "")
    return re.sub(r"\D", "", m.group()) if m else None


def mask(contact: str | None) -> str:
    """A contact as people other than the worker who must call see it: 138****5678."""
    if not contact:
        return ""
    return PHONE.sub(lambda m: _mask_digits(re.sub(r"\D", "", m.group())), contact)


def _mask_digits(digits: str) -> str:
    keep = 3 if len(digits) >= 11 else 2
    return digits[:keep] + "*" * (len(digits) - keep - 4) + digits[-4:]


def to_resident(session: Session, request: ServiceRequest, text: str, purpose: str, payload: dict | None = None) -> list[Outbox]:
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


def language_of(session: Session, request: ServiceRequest) -> str:
    """The resident's language now (a /lang in the chat changes it), else the request's."""
    resident = session.get(Resident, request.resident_id) if request.resident_id else None
    return resident.language if resident is not None and resident.language else request.language


def followers(session: Session, request: ServiceRequest) -> list[ServiceRequest]:
    """The request and the tickets marked as its duplicates: everyone who waits for its outcome."""
    return [request, *session.exec(select(ServiceRequest).where(ServiceRequest.duplicate_of_id == request.id)
                                   .order_by(col(ServiceRequest.id)))]


def _call(session: Session, request: ServiceRequest, purpose: str, message: str, staff_id: int | None) -> list[CallTask]:
    """A call task when the resident has a phone number but no channel (and no such call is open)."""
    if phone_number(request.contact) is None:
        return []
    open_call = session.exec(select(CallTask).where(CallTask.request_id == request.id, CallTask.purpose == purpose,
                                                    col(CallTask.done_at).is_(None))).first()
    if open_call is not None:  # one open call of each kind: the newest message replaces the old one
        open_call.message = message or open_call.message
        session.add(open_call)
        return [open_call]
    task = CallTask(request_id=row_id(request), purpose=purpose, message=message,
                    assignee_id=request.assignee_id or staff_id, created_by_id=staff_id)
    session.add(task)
    return [task]


def status_changed(session: Session, request: ServiceRequest, staff_id: int | None = None) -> Told:
    """Tell the residents the request's new state; once resolved, ask for a 1–5 rating (回访): in
    their channel, or as a follow-up call for a resident who left only a phone number."""
    told = Told()
    for r in followers(session, request):
        lang = language_of(session, r)
        _ = gettext(lang)
        told.messages += to_resident(session, r, _("Your request {ticket} is now: {status}.").format(
            ticket=r.ticket, status=label(lang, "status", request.status)), purpose="status")
        if request.status == Status.resolved:
            asked = to_resident(session, r, _("Your request {ticket} is resolved. Please rate the service "
                                              "from 1 to 5; a comment is welcome.").format(ticket=r.ticket),
                                purpose="rating", payload={"request_id": r.id})
            told.messages += asked
            if not asked:
                told.calls += _call(session, r, "followup", "", staff_id)
    return told


def reply(session: Session, request: ServiceRequest, message: str, staff_id: int | None = None) -> Told:
    """A worker's reply, delivered through each resident's channel, or as a call to make."""
    told = Told()
    for r in followers(session, request):
        _ = gettext(language_of(session, r))
        text = _("Reply from your community worker ({ticket}): {message}").format(ticket=r.ticket, message=message)
        rows = to_resident(session, r, text, purpose="reply")
        told.messages += rows
        if not rows:
            told.calls += _call(session, r, "reply", message, staff_id)
    return told


def assigned(session: Session, request: ServiceRequest, *, worker: bool = False, community: Place | None = None,
             project: ServiceProject | None = None, organization: str = "") -> Told:
    """Tell the residents who handles their request now and what happens next (派单)."""
    told = Told()
    for r in followers(session, request):
        _ = gettext(language_of(session, r))
        if community is not None:
            text = _("Your request {ticket} has been passed to {community}, which will handle it from now on.").format(
                ticket=r.ticket, community=community.name)
        elif project is not None:
            text = _("Your request {ticket} has been passed to the service “{project}” of {organization}, "
                     "which will contact you or act on it.").format(ticket=r.ticket, project=project.name,
                                                                     organization=organization)
        elif worker and request.responded_at is None and request.respond_by is not None:
            text = _("Your request {ticket} has a community worker in charge now, who will respond by {deadline}.").format(
                ticket=r.ticket, deadline=format_local(request.respond_by))
        elif worker and request.resolve_by is not None:
            text = _("Your request {ticket} has a community worker in charge now; it is due to be resolved by "
                     "{deadline}.").format(ticket=r.ticket, deadline=format_local(request.resolve_by))
        else:
            continue
        told.messages += to_resident(session, r, text, purpose="assigned")
    return told


def duplicate(session: Session, request: ServiceRequest) -> Told:
    """Tell the resident of a ticket marked as a duplicate that they will hear of the other's progress."""
    _ = gettext(language_of(session, request))
    text = _("Your request {ticket} is about the same issue as an earlier report; the two are handled "
             "together and you will hear of the progress here.").format(ticket=request.ticket)
    return Told(messages=to_resident(session, request, text, purpose="duplicate"))


def on_duty(session: Session, request: ServiceRequest) -> list[StaffUser]:
    """On-duty staff reachable on Telegram: those of the request's community, and on-duty admins."""
    scoped = select(StaffCommunity.user_id).where(StaffCommunity.place_id == request.community_id)
    return list(session.exec(
        select(StaffUser).where(
            StaffUser.is_active, StaffUser.on_duty, col(StaffUser.telegram_chat_id).is_not(None),
            or_(StaffUser.role == Role.admin, col(StaffUser.id).in_(scoped)),
        ).order_by(col(StaffUser.id))
    ))


def _to_staff(session: Session, request: ServiceRequest, text: str, purpose: str) -> list[Outbox]:
    rows = []
    for user in on_duty(session, request):
        assert user.telegram_chat_id is not None, "on_duty() selects only staff with a chat id"
        row = Outbox(channel="telegram", address=user.telegram_chat_id, staff_id=user.id,
                     request_id=request.id, purpose=purpose, text=text)
        session.add(row)
        rows.append(row)
    return rows


def urgent_to_staff(session: Session, request: ServiceRequest) -> list[Outbox]:
    """Push an urgent request at once to on-duty staff of its community (and on-duty admins)."""
    _ = gettext(DEFAULT_LANGUAGE)  # what staff read
    text = _("[URGENT] {ticket}: {text}").format(ticket=request.ticket, text=request.text[:300])
    return _to_staff(session, request, text, "urgent")


def escalated(session: Session, request: ServiceRequest, deadline) -> list[Outbox]:
    """督办: tell on-duty staff that a request's deadline has passed (once per deadline: admin/supervision.py)."""
    _ = gettext(DEFAULT_LANGUAGE)
    text = _("[OVERDUE] {ticket}: the deadline {deadline} has passed. {text}").format(
        ticket=request.ticket, deadline=format_local(deadline), text=request.text[:200])
    return _to_staff(session, request, text, "escalated")
