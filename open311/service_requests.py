"""Filing a service request through the one intake service, and reading requests back in the
specification's terms, with no personal data: no contact, no names, no phone numbers.

Statuses: received, accepted and in progress are `open`; resolved and not actionable are
`closed`. `status_notes` is the latest reply meant for the resident; `agency_responsible` the
service organization of the linked project, else the community.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from core import deadlines
from core.audit import audit
from core.db import row_id, write_lock
from core.i18n import N_, gettext
from core.models import (
    OPEN_STATUSES,
    ApiKey,
    Category,
    Channel,
    EventType,
    Organization,
    Place,
    RequestEvent,
    ServiceProject,
    ServiceRequest,
    utcnow,
)
from core.redact import redact
from intake.service import IntakeIn, submit
from open311 import keys, services
from open311.places import address_of

DEFAULT_DAYS = 90
MAX_RESULTS = 1000
WORKERS_LANGUAGE = "zh"  # notes in a request's history are read by community workers


@dataclass
class Report:
    """A client's report, already parsed and checked by the route (open311/api.py)."""

    description: str
    token: str
    language: str = "zh"
    service_code: str | None = None
    place_id: int | None = None
    contact: str | None = None
    answers: dict[str, list[str]] = field(default_factory=dict)
    media_url: str | None = None


@dataclass
class Filed:
    request: ServiceRequest
    created: bool


def file_report(session: Session, key: ApiKey, report: Report, ip: str = "") -> Filed:
    """Hand the report to intake; a re-delivery of the same token returns the stored request.
    The client's service code, when it names an active category, is kept and flags review where
    the model disagrees. Raises services.AnswerError and intake's IntakeError."""
    chosen = services.category(session, report.service_code)
    answers = services.check_answers(chosen, report.answers)
    result = submit(session, IntakeIn(text=report.description, channel=Channel.open311,
                                      external_id=keys.external_id(key, report.token), place_id=report.place_id,
                                      contact=report.contact, language=report.language))
    req = result.request
    with write_lock(session):
        if result.created:
            _keep_choice(session, req, chosen)
            _note_extras(session, req, answers, report.media_url)
        audit(session, None, "open311.request", "request", req.id, ip=ip, key=key.name, token=report.token,
              created=result.created)
        session.commit()
    session.refresh(req)
    return Filed(req, result.created)


def _keep_choice(session: Session, req: ServiceRequest, chosen: Category | None) -> None:
    if chosen is None or chosen.code == req.category_code:
        return
    model = session.get(Category, req.category_code) if req.category_code else None
    message = _note(N_("the client chose the category {chosen}, the model said {model}: to review"),
                    chosen=services.name_of(chosen, WORKERS_LANGUAGE),
                    model=services.name_of(model, WORKERS_LANGUAGE) if model else "—")
    session.add(RequestEvent(request_id=row_id(req), type=EventType.note, from_value=req.category_code,
                             to_value=chosen.code, message=message))
    req.category_code = chosen.code
    req.needs_review = True
    req.updated_at = utcnow()
    deadlines.apply(session, req, fresh=True)  # the deadlines follow the category kept
    session.add(req)


def _note_extras(session: Session, req: ServiceRequest, answers: list[tuple[str, str]], media_url: str | None) -> None:
    if answers:
        lines = "；".join(f"{question}：{value}" for question, value in answers)
        session.add(RequestEvent(request_id=row_id(req), type=EventType.note,
                                 message=_note(N_("Open311 attributes: {lines}"), lines=lines)))
    if media_url:
        session.add(RequestEvent(request_id=row_id(req), type=EventType.note,
                                 message=_note(N_("Open311 media link: {url}"), url=media_url)))


def _note(message: str, **params) -> str:
    return gettext(WORKERS_LANGUAGE)(message).format(**params)


def notice(session: Session, req: ServiceRequest, lang: str) -> str:
    """What the client may tell the resident: where the request went and its ticket."""
    _ = gettext(lang)
    agency = _agencies(session, [req]).get(row_id(req))
    if agency:
        text = _("Passed to {agency}, ticket {ticket}. Its status here follows the community workers' "
                 "actions.").format(agency=agency, ticket=req.ticket)
    else:
        text = _("Received, ticket {ticket}. A community worker will confirm the place and pass it "
                 "on.").format(ticket=req.ticket)
    return text + " " + _("If anyone is in danger, call 110 / 119 / 120 now.") if req.urgent else text


# --- reading ------------------------------------------------------------------------------------

@dataclass
class Query:
    ids: list[str] | None = None
    service_code: str | None = None
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    statuses: set[str] = field(default_factory=set)  # "open", "closed"; empty: both


def window(start: dt.datetime | None, end: dt.datetime | None, now: dt.datetime | None = None):
    """The specification's defaults: the 90 days up to end_date (or now), or from start_date;
    None when the two given dates span more than that."""
    span = dt.timedelta(days=DEFAULT_DAYS)
    now = now or utcnow()
    if start is None:
        return (now - span, now) if end is None else (end - span, end)
    if end is None:
        return start, start + span
    return (start, end) if end - start <= span else None


def find(session: Session, key: ApiKey, q: Query) -> list[ServiceRequest]:
    """The key's requests matching the query, newest first, at most MAX_RESULTS. A list of ids
    overrides every other filter, as the specification says."""
    stmt = select(ServiceRequest).where(keys.filed_by(key))
    if q.ids is not None:
        stmt = stmt.where(col(ServiceRequest.ticket).in_(q.ids))
    else:
        if q.service_code:
            stmt = stmt.where(ServiceRequest.category_code == q.service_code)
        if q.start is not None:
            stmt = stmt.where(ServiceRequest.created_at >= q.start)
        if q.end is not None:
            stmt = stmt.where(ServiceRequest.created_at <= q.end)
        if q.statuses == {"open"}:
            stmt = stmt.where(col(ServiceRequest.status).in_(OPEN_STATUSES))
        elif q.statuses == {"closed"}:
            stmt = stmt.where(col(ServiceRequest.status).not_in(OPEN_STATUSES))
    return list(session.exec(stmt.order_by(col(ServiceRequest.created_at).desc(), col(ServiceRequest.id).desc()).limit(MAX_RESULTS)))


def by_ticket(session: Session, key: ApiKey, ticket: str) -> ServiceRequest | None:
    return session.exec(select(ServiceRequest).where(keys.filed_by(key), ServiceRequest.ticket == ticket.strip().upper())).first()


def by_token(session: Session, key: ApiKey, token: str) -> ServiceRequest | None:
    return session.exec(select(ServiceRequest).where(ServiceRequest.channel == Channel.open311,
                                          ServiceRequest.external_id == keys.external_id(key, token))).first()


def _when(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _agencies(session: Session, reqs: list[ServiceRequest]) -> dict[int, str]:
    """Who is responsible: the organization of a linked project, else the community."""
    project_ids = {r.project_id for r in reqs if r.project_id}
    orgs: dict[int | None, str] = {}  # by id (SQLModel types a selected id as optional)
    if project_ids:
        rows = session.exec(select(col(ServiceProject.id), Organization.name)
                            .join(Organization, col(Organization.id) == col(ServiceProject.organization_id))
                            .where(col(ServiceProject.id).in_(project_ids)))
        orgs = dict(rows.all())
    community_ids = {r.community_id for r in reqs if r.community_id}
    communities: dict[int | None, str] = dict(
        session.exec(select(col(Place.id), Place.name).where(col(Place.id).in_(community_ids))).all()) \
        if community_ids else {}
    out = {}
    for r in reqs:
        name = orgs.get(r.project_id) or communities.get(r.community_id)
        if name:
            out[row_id(r)] = name
    return out


def _latest_replies(session: Session, reqs: list[ServiceRequest]) -> dict[int, str]:
    """The latest reply to each request; a duplicate is answered through the ticket it follows."""
    worked = {row_id(r): r.duplicate_of_id or row_id(r) for r in reqs}
    if not worked:
        return {}
    rows = session.exec(select(RequestEvent.request_id, RequestEvent.message)
                        .where(col(RequestEvent.request_id).in_(set(worked.values())), RequestEvent.type == EventType.reply)
                        .order_by(col(RequestEvent.created_at), col(RequestEvent.id)))
    latest = {request_id: message for request_id, message in rows}  # the last one wins
    return {rid: latest[wid] for rid, wid in worked.items() if wid in latest}


def as_open311(session: Session, reqs: list[ServiceRequest], lang: str) -> list[dict]:
    """Requests as the specification's request objects; personal data is never among them and
    free text is redacted (core/redact.py), in case a resident wrote a name or number into it."""
    names = {c.code: services.name_of(c, lang) for c in session.exec(select(Category))}
    agencies = _agencies(session, reqs)
    replies = _latest_replies(session, reqs)
    places = {row_id(p): p for p in session.exec(select(Place))} if any(r.place_id for r in reqs) else {}
    out = []
    for r in reqs:
        address, place = address_of(r.place_id, places)
        reply = replies.get(row_id(r))
        item: dict[str, object] = {
            "service_request_id": r.ticket,
            "status": "open" if r.status in OPEN_STATUSES else "closed",
            "status_notes": redact(reply) if reply else None,
            "service_name": names.get(r.category_code) if r.category_code else None,
            "service_code": r.category_code or "",  # "": not classified yet
            "description": redact(r.text),
            "agency_responsible": agencies.get(row_id(r)),
            "service_notice": None,
            "requested_datetime": _when(r.created_at),
            "updated_datetime": _when(r.resolved_at if r.status not in OPEN_STATUSES and r.resolved_at
                                      else r.updated_at),
            "expected_datetime": _when(r.resolve_by),  # the resolution deadline (core/deadlines.py)
            "address": address,
            "address_id": place.code if place else None,
        }
        if place is not None and place.latitude is not None and place.longitude is not None:
            item["lat"], item["long"] = place.latitude, place.longitude
        out.append(item)
    return out
