"""The one intake service every channel calls: validate → classify → cluster → persist → notify.

Idempotent on (channel, external_id): a repeated delivery returns the request already stored.
One transaction for what a request writes: its cluster, the request, its history and the outbox
rows are committed together, so nothing is ever half stored. Nothing that can fail for reasons of
its own comes between acceptance and that commit: a classifier failure is caught (the request is
kept unclassified and flagged for review) and clustering runs in a savepoint (a failure leaves the
request unclustered).

Requests submitted at the same time in one process share that transaction (intake/group_commit.py):
one classifier call, one read of the rules, one INSERT and one commit for all of them, each still
clustered in arrival order and answered only once committed. A caller whose session holds writes of
its own that are not committed yet is served in that session instead, so that they commit with its
request as they always did.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import threading
import uuid
import weakref
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import bindparam, insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from core import deadlines, notify
from core.db import (
    begin_writing,
    commit_keeping_state,
    holds_uncommitted_writes,
    row_id,
    savepoint,
    table_of,
    write_lock,
)
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
from intake.group_commit import GroupCommit
from nlp.cluster import PlaceTable, candidate, join, linked_event
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
    """Store a resident's request (or find the delivery stored before); raises IntakeError when it
    cannot be taken. The request comes back as an object of `session`, committed."""
    if holds_uncommitted_writes(session):
        with write_lock(session):
            outcome = _write(session, [(data, classify)])[0]
    else:
        _release(session)
        outcome = _adopt(session, _batcher(session.get_bind()).submit((data, classify)))
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


def _release(session: Session) -> None:
    """End the caller's read-only transaction without expiring what it read: a caller waiting for its
    batch holds no connection, so the batch's writer always finds one in the pool."""
    if session.in_transaction():
        commit_keeping_state(session)


_batchers: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_batchers_lock = threading.Lock()


def _batcher(engine: Engine | Connection) -> GroupCommit:
    with _batchers_lock:
        batcher = _batchers.get(engine)
        if batcher is None:
            ref = weakref.ref(engine)  # the batcher must not keep its engine (the dictionary's key) alive
            batcher = _batchers[engine] = GroupCommit(lambda items: _write_batch(ref(), items))
        return batcher


@dataclass(frozen=True)
class _Stored:
    """A delivery stored before (or twice in one batch), handed over by id: its object may be another
    caller's too, and must not be read from two threads."""

    id: int


def _write_batch(engine: Engine | Connection | None, items: list[tuple[IntakeIn, bool]]) -> list:
    """A batch of the group commit, in a session of its own (closed before the callers take their
    requests over: objects of a closed session can join another)."""
    assert engine is not None, "a batcher lives only as long as its engine"
    with Session(engine) as session, write_lock(session):
        return [_Stored(row_id(o.request)) if isinstance(o, IntakeResult) and not o.created else o
                for o in _write(session, items)]


def _adopt(session: Session, outcome):
    """A request that the batch's session wrote, as an object of `session`: a new one joins it as it is
    (no SQL); one stored before is read afresh. Anything else (a refusal) is passed on."""
    if isinstance(outcome, _Stored):
        return IntakeResult(session.get_one(ServiceRequest, outcome.id), created=False)
    if isinstance(outcome, IntakeResult):
        session.add(outcome.request)
    return outcome


def _write(session: Session, items: list[tuple[IntakeIn, bool]]) -> list[IntakeResult | Exception]:
    """Write the items in one transaction; returns one outcome per item, in order (a refusal or, when
    items were written one by one, an item's own failure, as an exception)."""
    try:
        return _write_together(session, items)
    except IntegrityError:
        # Another process stored one of these deliveries first (or, rarely, a ticket collided):
        # nothing of the batch is kept; each item is written again on its own, and an item that still
        # fails fails alone (the ones before it are committed).
        session.rollback()
        if len(items) > 1:
            out: list = []
            for item in items:
                try:
                    out += _write(session, [item])
                except Exception as exc:
                    session.rollback()
                    out.append(exc)
                session.expunge_all()  # what a later rollback expires must not be what a caller reads
            return out
        data = items[0][0]
        existing = _find(session, data.channel, data.external_id) if data.external_id else None
        if existing is not None:
            return [IntakeResult(existing, created=False)]
        raise


@dataclass
class _New:
    index: int
    data: IntakeIn
    text: str
    contact: str | None
    external_id: str
    classify: bool


def _cleaned(data: IntakeIn) -> tuple[str, str | None]:
    """The text and contact as stored; raises IntakeError for text that cannot be taken."""
    text = clean_text(data.text)
    return text, clean_text(data.contact, limit=120) if data.contact and data.contact.strip() else None


def _write_together(session: Session, items: list[tuple[IntakeIn, bool]]) -> list[IntakeResult | Exception]:
    results: list = [None] * len(items)
    checked = []
    for i, (data, classify) in enumerate(items):
        try:
            text, contact = _cleaned(data)
        except IntakeError as exc:
            results[i] = exc
            continue
        checked.append(_New(i, data, text, contact, data.external_id or uuid.uuid4().hex, classify))

    stored = _stored(session, [(n.data.channel, n.external_id) for n in checked if n.data.external_id])
    places = PlaceTable.from_session(session)  # id → kind and community, read again when a place changes
    first: dict[tuple[str, str], int] = {}  # a delivery repeated within the batch → its first index
    repeats, fresh = [], []
    for n in checked:
        key = (n.data.channel, n.external_id)
        if key in stored:
            results[n.index] = IntakeResult(stored[key], created=False)
        elif key in first:
            repeats.append((n.index, first[key]))
        elif n.data.place_id is not None and n.data.place_id not in places.places:
            results[n.index] = IntakeError("unknown_place")
        else:
            first[key] = n.index
            fresh.append(n)
    if not fresh:
        return _with_repeats(results, repeats)

    # Classify before writing: it is computation only, and a failure is caught and recorded, so the
    # requests, their history, their clusters and their notifications go to the database in ONE commit.
    to_classify = [n for n in fresh if n.classify]
    outcomes: dict[int, Classified | str] = dict(zip((n.index for n in to_classify),
                                                     _predict(session, [n.text for n in to_classify]), strict=True))
    rules = deadlines.rule_values(session)
    drafts = []
    for n in fresh:
        # A plain row (the ORM's constructor costs more than everything else a request writes)
        row = {**_request_defaults(), "ticket": new_ticket(), "text": n.text, "language": n.data.language,
               "channel": n.data.channel, "external_id": n.external_id, "resident_id": n.data.resident_id,
               "contact": n.contact, "place_id": n.data.place_id,
               "community_id": places.places[n.data.place_id].community if n.data.place_id is not None else None}
        outcome = outcomes.get(n.index)
        if isinstance(outcome, Classified):
            pred = outcome.prediction
            row.update(category_code=pred.category, kind=pred.kind, urgent=pred.urgent, confidence=pred.confidence,
                       keywords=pred.keywords, needs_review=pred.needs_review, model_version=outcome.version)
        elif outcome is not None:
            row["needs_review"] = True
        respond, resolve = deadlines.durations(rules, bool(row["urgent"]), row["category_code"])
        row.update(respond_by=row["created_at"] + respond, resolve_by=row["created_at"] + resolve)
        drafts.append((n, row, outcome))
    # The clusters first, in arrival order (a request may join one started earlier in the batch), so
    # that each link goes into the request's own INSERT and its history row with its other events.
    begin_writing(session)
    placed_all = _cluster_all(session, [_Draft(row) if isinstance(outcome, Classified) else None
                                        for _, row, outcome in drafts], places)
    for (_, row, _), placed in zip(drafts, placed_all, strict=True):
        row["cluster_id"] = placed[0] if placed else None
    # one INSERT for the batch that returns the stored rows as objects, in order
    conn = session.connection()
    stored_rows = session.scalars(_INSERT_REQUESTS, [row for _, row, _ in drafts]).all()
    written = [(n, request, outcome, placed)
               for (n, _, outcome), request, placed in zip(drafts, stored_rows, placed_all, strict=True)]

    events = []
    for n, request, outcome, placed in written:
        request_id = row_id(request)
        events.append(_event(request_id, EventType.created, to_value=n.data.channel))
        if isinstance(outcome, Classified):
            pred = outcome.prediction
            events.append(_event(request_id, EventType.classified, to_value=pred.category,
                                 message=f"kind={pred.kind} urgent={pred.urgent} confidence={pred.confidence:.2f}"))
        elif outcome is not None:
            events.append(_event(request_id, EventType.classification_failed, message=outcome[:500]))
        if placed:
            events.append(linked_event(request_id, *placed))
        results[n.index] = IntakeResult(request, created=True)
    conn.execute(_INSERT_EVENTS, events)
    categories = _categories(session, {r.category_code for _, r, _, _ in written if r.category_code})
    for _, request, _, _ in written:
        _notify(session, request, categories)
    commit_keeping_state(session)  # every channel reads the new request back for its answer
    return _with_repeats(results, repeats)


def _with_repeats(results: list, repeats: list[tuple[int, int]]) -> list:
    for i, first in repeats:
        earlier = results[first]
        results[i] = IntakeResult(earlier.request, created=False) if isinstance(earlier, IntakeResult) else earlier
    return results


def _event(request_id: int, type_: str, *, to_value: str | None = None, message: str = "") -> dict:
    return {"request_id": request_id, "type": type_, "actor_id": None, "from_value": None, "to_value": to_value,
            "message": message, "created_at": utcnow()}


@dataclass
class Classified:
    prediction: Prediction
    version: str


def _predict(session: Session, texts: list[str]) -> list[Classified | str]:
    """The classifier's answer for each text, or why there is none (the request is then kept for a worker)."""
    if not texts:
        return []
    try:
        classifier = get_classifier(session)
        if classifier is None:
            raise RuntimeError("no trained model is active")
        return [Classified(p, classifier.version) for p in classifier.predict(texts)]
    except Exception as exc:
        log.exception("classification failed")
        return [str(exc) or type(exc).__name__] * len(texts)


_INSERT_EVENTS = insert(table_of(RequestEvent))
_INSERT_REQUESTS = insert(ServiceRequest).returning(ServiceRequest, sort_by_parameter_order=True)
_STORED = (select(col(ServiceRequest.id), col(ServiceRequest.external_id))
           .where(col(ServiceRequest.channel) == bindparam("channel"),
                  col(ServiceRequest.external_id).in_(bindparam("keys", expanding=True))))  # built once


def _stored(session: Session, keys: list[tuple[str, str]]) -> dict[tuple[str, str], ServiceRequest]:
    """The requests already stored under these deliveries' keys (a statement per channel of a batch)."""
    by_channel: dict[str, set[str]] = {}
    for channel, key in keys:
        by_channel.setdefault(channel, set()).add(key)
    found = [(channel, eid, rid) for channel, wanted in by_channel.items()
             for rid, eid in session.connection().execute(_STORED, {"channel": channel, "keys": sorted(wanted)})]
    return {(channel, eid): session.get_one(ServiceRequest, rid) for channel, eid, rid in found}


_BY_KEY = (select(col(ServiceRequest.id))
           .where(col(ServiceRequest.channel) == bindparam("channel"),
                  col(ServiceRequest.external_id) == bindparam("external_id")))  # built once


def _find(session: Session, channel: str, external_id: str) -> ServiceRequest | None:
    found = session.execute(_BY_KEY, {"channel": channel, "external_id": external_id}).scalar()
    return session.get(ServiceRequest, found) if found is not None else None


class _Draft:
    """A request not yet inserted, as clustering reads it (the attributes of its row)."""

    def __init__(self, row: dict):
        self.__dict__.update(row)


def _cluster_all(session: Session, drafts: list[_Draft | None], places: PlaceTable) -> list[tuple[int, float] | None]:
    """Each request's cluster (None where there is nothing to cluster on), in one savepoint for the
    batch; if anything fails, that savepoint is rolled back and each request tried again in one of
    its own (`_cluster`), so that a failure leaves only its own request unclustered."""
    try:
        with savepoint(session, "clusters"):
            out = []
            for draft in drafts:
                found = candidate(session, draft, places=places) if draft is not None else None
                out.append(join(session, draft, found) if found is not None else None)
            return out
    except Exception:
        log.warning("clustering a batch failed: each request is clustered on its own", exc_info=True)
    return [_cluster(session, draft, places) if draft is not None else None for draft in drafts]


def _cluster(session: Session, request, places: PlaceTable) -> tuple[int, float] | None:
    """The request's demand cluster, found or started inside a savepoint: a failure leaves the request
    unclustered and rolls back only the clustering, never the request."""
    try:
        found = candidate(session, request, places=places)  # reads first, outside the savepoint (see candidate)
        if found is None:
            return None
        with session.begin_nested():
            return join(session, request, found)
    except Exception:
        log.exception("clustering failed for request %s", request.ticket)
        return None


_NAMES = (select(col(Category.code), col(Category.name_zh), col(Category.name_en))
          .where(col(Category.code).in_(bindparam("codes", expanding=True))))


def _categories(session: Session, codes: set[str]) -> dict[str, Any]:
    """The names of these categories (rows with name_zh and name_en), in one statement."""
    if not codes:
        return {}
    return {row.code: row for row in session.connection().execute(_NAMES, {"codes": sorted(codes)})}


def _notify(session: Session, request: ServiceRequest, categories: dict[str, Any]) -> None:
    category = categories.get(request.category_code) if request.category_code else None
    name = category_name(category, request.language) if category is not None else ""
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
            text, contact = _cleaned(data)
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
    rules = deadlines.rule_values(session)
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
    # Clusters are chosen before the requests are stored, so each row is written once, with its cluster
    # (in a savepoint: a clustering failure leaves the requests unclustered, and stored).
    placed: list[tuple[int, float] | None] = [None] * len(rows)
    members = [(row["text"], row["category_code"], a.signature if a.prediction is not None else None)
               for row, a in zip(rows, analyses, strict=True)]
    if any(sig is not None for *_, sig in members):
        try:
            with session.begin_nested():
                placed = clusters.place(session, members)
        except Exception:
            log.exception("clustering failed for %d imported requests", len(rows))
            clusters.reset()
            placed = [None] * len(rows)
    for row, place in zip(rows, placed, strict=True):
        row["cluster_id"] = place[0] if place else None
    # One INSERT for the batch (a plain executemany: the ORM's bulk path costs more than the database;
    # with RETURNING, psycopg spent longer parsing the multi-row statement than PostgreSQL running it),
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
    for request, (_, data, *_rest), analysis, place in zip(requests, fresh, analyses, placed, strict=True):
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
        if place is not None:
            event(EventType.cluster_linked, to_value=str(place[0]), message=f"similarity={place[1]:.2f}")
    session.execute(insert(table_of(RequestEvent)), events)

    if notify_:
        categories = _categories(session, {r.category_code for r in requests if r.category_code})
        for request in requests:
            _notify(session, request, categories)
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
