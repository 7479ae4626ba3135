"""The one intake service every channel calls: validate → classify → cluster → persist → notify.

Idempotent on (channel, external_id): a repeated delivery returns the request already stored.
One commit per request: its cluster, the request, its history and the outbox rows are written
together, so nothing is ever half stored. Nothing that can fail for reasons of its own comes between
acceptance and that commit: a classifier failure is caught (the request is kept unclassified and
flagged for review) and clustering runs in a savepoint (a failure leaves the request unclustered).
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import uuid
from dataclasses import dataclass
from functools import cache

from pydantic import BaseModel, Field
from sqlalchemy import bindparam, insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from core import deadlines, notify
from core.db import row_id, table_of, write_lock
from core.i18n import gettext
from core.models import (
    OPEN_STATUSES,
    Category,
    Channel,
    EventType,
    Place,
    RequestEvent,
    ServiceRequest,
    Status,
    utcnow,
)
from core.places import community_of
from core.taxonomy import category_name
from core.text import IntakeError, clean_text
from nlp.cluster import candidate, join, linked_event
from nlp.model import Prediction
from nlp.registry import get_classifier

log = logging.getLogger(__name__)

_TICKET_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud over the phone


class IntakeIn(BaseModel):
    """A resident's request as any channel hands it over."""

    text: str
    channel: Channel = Channel.web
    external_id: str | None = Field(default=None, max_length=128)
    place_id: int | None = None
    contact: str | None = Field(default=None, max_length=120)
    resident_id: int | None = None
    language: str = "zh"
    # records brought in from files (submit_many, channel "import"): what the file says happened
    created_at: dt.datetime | None = None
    status: Status | None = None
    category: str | None = None  # kept as given, not predicted
    reply: str | None = None


@dataclass
class IntakeResult:
    request: ServiceRequest
    created: bool


def new_ticket() -> str:
    # 32 letters: each random byte picks one uniformly (256 = 8 × 32), in one call for all eight
    raw = "".join(_TICKET_ALPHABET[b & 31] for b in secrets.token_bytes(8))
    return f"{raw[:4]}-{raw[4:]}"


def submit(session: Session, data: IntakeIn, *, classify: bool = True) -> IntakeResult:
    with write_lock(session):
        return _submit(session, data, classify=classify)


def _submit(session: Session, data: IntakeIn, *, classify: bool) -> IntakeResult:
    text = clean_text(data.text)
    contact = clean_text(data.contact, limit=120) if data.contact and data.contact.strip() else None
    external_id = data.external_id or uuid.uuid4().hex

    if data.external_id:  # a key of our own making is new: nothing to look for
        existing = _find(session, data.channel, external_id)
        if existing is not None:
            return IntakeResult(existing, created=False)
    if data.place_id is not None and session.get(Place, data.place_id) is None:
        raise IntakeError("unknown_place")

    # Classify before writing: it is computation only, and a failure is caught and recorded, so the
    # request, its history, its cluster and its notifications go to the database in ONE commit.
    outcome = _predict(session, text) if classify else None
    request = ServiceRequest(
        ticket=new_ticket(), text=text, language=data.language, channel=data.channel,
        external_id=external_id, resident_id=data.resident_id, contact=contact,
        place_id=data.place_id, community_id=community_of(session, data.place_id),
    )
    if isinstance(outcome, Classified):
        pred = outcome.prediction
        request.category_code, request.kind, request.urgent = pred.category, pred.kind, pred.urgent
        request.confidence, request.keywords, request.needs_review = pred.confidence, pred.keywords, pred.needs_review
        request.model_version = outcome.version
    elif outcome is not None:
        request.needs_review = True
    deadlines.apply(session, request, fresh=True)  # response and resolution deadlines, in the same INSERT
    # The cluster first, so that the link goes into the request's own INSERT and its history row
    # into the one INSERT of the request's events (two statements fewer than linking afterwards).
    placed = _cluster(session, request) if isinstance(outcome, Classified) else None
    request.cluster_id = placed[0] if placed else None
    session.add(request)
    try:
        session.flush()
    except IntegrityError:
        # Another process stored the same delivery first (or, rarely, the ticket collided).
        session.rollback()
        existing = _find(session, data.channel, external_id)
        if existing is not None:
            return IntakeResult(existing, created=False)
        raise
    request_id = row_id(request)  # flushed above
    session.add(RequestEvent(request_id=request_id, type=EventType.created, to_value=data.channel))
    if isinstance(outcome, Classified):
        pred = outcome.prediction
        session.add(RequestEvent(request_id=request_id, type=EventType.classified, to_value=pred.category,
                                 message=f"kind={pred.kind} urgent={pred.urgent} confidence={pred.confidence:.2f}"))
    elif outcome is not None:
        session.add(RequestEvent(request_id=request_id, type=EventType.classification_failed, message=outcome[:500]))
    if placed:
        session.add(RequestEvent(**linked_event(request_id, *placed)))
    _notify(session, request)
    _commit_keeping_state(session)
    return IntakeResult(request, created=True)


def _commit_keeping_state(session: Session) -> None:
    """Commit without expiring what the session holds: every channel reads the new request back
    for its answer, and expiry made that a SELECT per request (the profile's biggest single cost
    after classification). What was just written is what the objects hold; values changed by plain
    statements (cluster links) are set on the objects where they are written."""
    keep, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = keep


@dataclass
class Classified:
    prediction: Prediction
    version: str


def _predict(session: Session, text: str) -> Classified | str:
    """The classifier's answer, or why there is none (the request is then kept for a worker)."""
    try:
        classifier = get_classifier(session)
        if classifier is None:
            raise RuntimeError("no trained model is active")
        return Classified(classifier.predict([text])[0], classifier.version)
    except Exception as exc:
        log.exception("classification failed")
        return str(exc) or type(exc).__name__


_BY_KEY = (select(col(ServiceRequest.id))
           .where(col(ServiceRequest.channel) == bindparam("channel"),
                  col(ServiceRequest.external_id) == bindparam("external_id")))  # built once: it runs per request


def _find(session: Session, channel: str, external_id: str) -> ServiceRequest | None:
    found = session.execute(_BY_KEY, {"channel": channel, "external_id": external_id}).scalar()
    return session.get(ServiceRequest, found) if found is not None else None


def _cluster(session: Session, request: ServiceRequest) -> tuple[int, float] | None:
    """The request's demand cluster, found or started inside a savepoint: a failure leaves the request
    unclustered and rolls back only the clustering, never the request."""
    try:
        found = candidate(session, request)  # reads first, outside the savepoint (see candidate)
        if found is None:
            return None
        with session.begin_nested():
            return join(session, request, found)
    except Exception:
        log.exception("clustering failed for request %s", request.ticket)
        return None


def _notify(session: Session, request: ServiceRequest) -> None:
    category = session.get(Category, request.category_code) if request.category_code else None
    name = category_name(category, request.language) if category else ""
    _ = gettext(request.language)
    notify.to_resident(session, request, _("We received your request, ticket {ticket}, category: {category}.").format(
        ticket=request.ticket, category=name or _("to be classified by a worker")), purpose="ack")
    if request.urgent:
        notify.urgent_to_staff(session, request)


# --- many at once: imports ---------------------------------------------------------------------

def existing_external_ids(session: Session, channel: str, external_ids: list[str]) -> set[str]:
    """Which of these idempotency keys the channel has stored already."""
    ids, out = list(dict.fromkeys(external_ids)), set[str]()
    for i in range(0, len(ids), 500):
        out.update(session.exec(select(ServiceRequest.external_id).where(
            ServiceRequest.channel == channel, col(ServiceRequest.external_id).in_(ids[i:i + 500]))))
    return out


def submit_many(session: Session, items: list[IntakeIn], *, notify: bool = True, keywords: bool = True,
                clusters=None, analysed: list | None = None) -> list[IntakeResult | IntakeError]:
    """Many requests at once (imports): the checks, idempotence and history of `submit`, with one
    classifier call and one commit for the batch, so 100,000 ledger rows take a minute, not hours.

    What a file says happened is kept: its date, status (closed ones are resolved at that date),
    category (as given, not predicted) and reply. Returns, in order, an IntakeResult or the
    IntakeError that refused the item. Accepted means stored: the batch is committed before this
    returns; if another process stored one of the same deliveries meanwhile, the batch is done
    again one item at a time. `clusters` (an nlp.bulk.Assigner) keeps the clusters of an import in
    memory from one batch to the next; `analysed` (nlp.bulk.analyse of the items, in order) may
    have been computed in another process while the previous batch was written; notify=False for
    history nobody waits for; keywords=False leaves out each request's top words (stored, shown
    nowhere yet, and a third of the classifier's time).
    """
    from nlp.bulk import Assigner

    clusters = clusters or Assigner()
    with write_lock(session):
        try:
            return _submit_many(session, items, notify, keywords, clusters, analysed)
        except IntegrityError:
            session.rollback()
            clusters.reset()
    out: list[IntakeResult | IntakeError] = []
    for n, item in enumerate(items):
        for attempt in range(3):  # a ticket collision is retried with a new ticket
            try:
                with write_lock(session):
                    out += _submit_many(session, [item], notify, keywords, clusters,
                                        analysed[n:n + 1] if analysed is not None else None)
                break
            except IntegrityError:
                session.rollback()
                clusters.reset()
                if attempt == 2:
                    raise
    return out


def _submit_many(session: Session, items: list[IntakeIn], notify_: bool, keywords: bool, clusters,
                 analysed: list | None) -> list:
    results: list = [None] * len(items)
    accepted = []
    for i, data in enumerate(items):
        try:
            text = clean_text(data.text)
            contact = clean_text(data.contact, limit=120) if data.contact and data.contact.strip() else None
        except IntakeError as exc:
            results[i] = exc
            continue
        accepted.append((i, data, text, contact, data.external_id or uuid.uuid4().hex))

    stored: dict[tuple[str, str], ServiceRequest] = {}
    for channel in {data.channel for _, data, *_ in accepted}:
        wanted = [eid for _, data, _, _, eid in accepted if data.channel == channel]
        for i in range(0, len(wanted), 500):
            for r in session.exec(select(ServiceRequest).where(ServiceRequest.channel == channel,
                                                        col(ServiceRequest.external_id).in_(wanted[i:i + 500]))):
                stored[(r.channel, r.external_id)] = r
    place_ids = {data.place_id for _, data, *_ in accepted if data.place_id is not None}
    known = set(session.exec(select(Place.id).where(col(Place.id).in_(place_ids)))) if place_ids else set()
    communities = {pid: community_of(session, pid) for pid in known}

    fresh, repeats, keys = [], [], set()
    for i, data, text, contact, eid in accepted:
        if (data.channel, eid) in stored:
            results[i] = IntakeResult(stored[(data.channel, eid)], created=False)
        elif (data.channel, eid) in keys:
            repeats.append((i, (data.channel, eid)))  # the same delivery twice in one batch
        elif data.place_id is not None and data.place_id not in known:
            results[i] = IntakeError("unknown_place")
        else:
            fresh.append((i, data, text, contact, eid))
            keys.add((data.channel, eid))
    if not fresh:
        return results

    if analysed is None:
        analyses = _analyse(session, [(text, data.place_id, communities.get(data.place_id), data.category)
                                      for _, data, text, _, _ in fresh], keywords)
    else:
        analyses = [analysed[i] for i, *_ in fresh]
    rules = deadlines.rules(session)
    now = utcnow()
    rows = []
    for (_, data, text, contact, eid), analysis in zip(fresh, analyses, strict=True):
        at = data.created_at or now
        status = data.status or Status.received
        row = {**_request_defaults(), "ticket": new_ticket(), "text": text, "language": data.language,
               "channel": data.channel, "external_id": eid, "resident_id": data.resident_id, "contact": contact,
               "place_id": data.place_id, "community_id": communities.get(data.place_id), "status": status,
               "created_at": at, "updated_at": at, "resolved_at": at if status not in OPEN_STATUSES else None}
        pred = analysis.prediction
        if pred is not None:
            row.update(category_code=pred.category, kind=pred.kind, urgent=pred.urgent, confidence=pred.confidence,
                       keywords=pred.keywords, needs_review=pred.needs_review, model_version=analysis.version)
        else:
            row["needs_review"] = True
        if data.category:  # a worker's decision in the file: kept, and not to be reviewed again
            row.update(category_code=data.category, confidence=None, needs_review=False)
        respond, resolve = deadlines.durations(rules, bool(row["urgent"]), row["category_code"])
        row.update(respond_by=at + respond, resolve_by=at + resolve)
        rows.append(row)
    # One INSERT for the batch (a plain executemany: the ORM's bulk path costs more than the database),
    # then one SELECT for the stored rows, matched back by their idempotency keys.
    session.execute(insert(table_of(ServiceRequest)), rows)
    by_key: dict[tuple[str, str | None], ServiceRequest] = {}
    for channel in {data.channel for _, data, *_ in fresh}:
        keys_ = [eid for _, data, _, _, eid in fresh if data.channel == channel]
        for i in range(0, len(keys_), 500):
            by_key.update(((r.channel, r.external_id), r) for r in session.exec(
                select(ServiceRequest).where(ServiceRequest.channel == channel, col(ServiceRequest.external_id).in_(keys_[i:i + 500]))))
    requests = [by_key[(data.channel, eid)] for _, data, _, _, eid in fresh]
    for (i, *_rest), request in zip(fresh, requests, strict=True):
        results[i] = IntakeResult(request, created=True)
    for i, key in repeats:
        results[i] = IntakeResult(by_key[key], created=False)

    events = []
    for request, (_, data, *_rest), analysis in zip(requests, fresh, analyses, strict=True):
        at = request.created_at

        def event(type_, to_value=None, message="", from_value=None, _id=request.id, _at=at):
            events.append({"request_id": _id, "type": type_, "actor_id": None, "from_value": from_value,
                           "to_value": to_value, "message": message, "created_at": _at})

        event(EventType.created, to_value=data.channel)
        pred = analysis.prediction
        if pred is not None:
            event(EventType.classified, to_value=pred.category,
                  message=f"kind={pred.kind} urgent={pred.urgent} confidence={pred.confidence:.2f}")
        else:
            event(EventType.classification_failed, message=(analysis.error or "")[:500])
        if data.category:
            event(EventType.category_imported, to_value=data.category)
        if request.status != Status.received:
            event(EventType.status_changed, from_value=Status.received, to_value=request.status)
        if data.reply:
            event(EventType.reply, message=data.reply)
    session.execute(insert(table_of(RequestEvent)), events)

    classified = [(r, a) for r, a in zip(requests, analyses, strict=True) if a.prediction is not None]
    if classified:
        try:
            with session.begin_nested():
                clusters.assign(session, [r for r, _ in classified], [a for _, a in classified])
        except Exception:  # the requests stay, unclustered
            log.exception("clustering failed for %d imported requests", len(classified))
            clusters.reset()
            for r, _ in classified:
                r.cluster_id = None
    if notify_:
        for request in requests:
            _notify(session, request)
    session.commit()
    return results


def _analyse(session: Session, items: list[tuple], keywords: bool) -> list:
    """nlp.bulk.analyse here, with the active model (every item unclassified when there is none)."""
    from nlp.bulk import Analysis, Item, analyse
    from nlp.cluster import PlaceTable

    classifier = get_classifier(session)
    if classifier is None:
        return [Analysis(None, None, "no trained model is active", None) for _ in items]
    return analyse(classifier, PlaceTable.from_session(session), [Item(*i) for i in items], keywords)


@cache
def _default_fields() -> tuple[dict, tuple]:
    fields = {n: f for n, f in ServiceRequest.model_fields.items() if n != "id" and not f.is_required()}
    return ({n: f.default for n, f in fields.items() if f.default_factory is None},
            tuple((n, f.default_factory) for n, f in fields.items() if f.default_factory is not None))


def _request_defaults() -> dict:
    """Every column's default, as ServiceRequest() would fill it (a bulk INSERT fills nothing itself)."""
    values, factories = _default_fields()
    return {**values, **{name: factory() for name, factory in factories}}
