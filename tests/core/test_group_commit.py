"""Group commit: concurrent submits written together must be what one-by-one submits write."""

import threading

import pytest
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from core.db import holds_uncommitted_writes
from core.models import (
    Cluster,
    Outbox,
    Place,
    RequestEvent,
    Resident,
    ResidentIdentity,
    ServiceRequest,
)
from core.places import community_of
from intake.group_commit import GroupCommit
from intake.service import IntakeError, IntakeIn, _write, submit

TEXTS = ["3号楼门口的路灯坏了，晚上很黑", "3号楼门口路灯不亮了好几天", "小区东门的道闸坏了，车出不去",
         "东门栏杆抬不起来，车都堵着", "想给孩子报个暑期托管班", "楼上天天半夜装修，吵得睡不着",
         "3号楼门口那盏路灯到现在还没修", "垃圾桶满了没人清，味道很大", "东门道闸又坏了",
         "电梯里有人被困住了，快来人", "社区食堂的饭菜很好吃，谢谢", "楼道里堆满了杂物，消防通道堵了"]


def _outcome(session, requests):
    """What intake wrote for these requests, with cluster ids replaced by first-seen order."""
    labels: dict[int, int] = {}
    out = []
    for r in requests:
        session.refresh(r)
        events = session.exec(select(RequestEvent).where(RequestEvent.request_id == r.id)
                              .order_by(col(RequestEvent.id))).all()
        outbox = session.exec(select(Outbox).where(Outbox.request_id == r.id)).all()
        cluster = session.get(Cluster, r.cluster_id) if r.cluster_id else None
        label = labels.setdefault(r.cluster_id, len(labels)) if r.cluster_id else None
        out.append((r.category_code, r.kind, r.urgent, r.needs_review, r.confidence, r.respond_by - r.created_at,
                    r.resolve_by - r.created_at,
                    label, cluster and (cluster.size, cluster.title, tuple(cluster.keywords)),
                    [(e.type, e.message) for e in events if e.type != "cluster_linked"],
                    sorted((o.purpose, o.text.replace(r.ticket, "T")) for o in outbox)))
    return out


def test_a_batch_writes_what_one_by_one_submits_write(session, places, with_model):
    resident = Resident(language="zh")
    session.add(resident)
    session.flush()
    session.add(ResidentIdentity(resident_id=resident.id, channel="telegram", external_user_id="u1", chat_id="c1"))
    session.commit()

    def items(place):
        return [IntakeIn(text=t, place_id=places[place].id, resident_id=resident.id if i % 3 == 0 else None,
                         external_id=f"{place}-{i}") for i, t in enumerate(TEXTS)]

    one_by_one = [_write(session, [(item, True)])[0].request for item in items("compound_A1")]
    batch = _write(session, [(item, True) for item in items("compound_B1")])
    assert all(not isinstance(r, IntakeError) and r.created for r in batch)
    together = [r.request for r in batch]
    first, second = _outcome(session, one_by_one), _outcome(session, together)
    assert first == second
    for r in one_by_one + together:  # the community from the places table is the one the tree gives
        assert r.community_id == community_of(session, r.place_id) and r.community_id is not None
    assert len({row[7] for row in first if row[7] is not None}) < len(TEXTS)  # some requests did cluster together


def test_a_batch_keeps_refusals_and_repeats_apart(session, places, with_model):
    stored = submit(session, IntakeIn(text="路灯坏了", external_id="k-old")).request
    out = _write(session, [(IntakeIn(text="   "), True), (IntakeIn(text="东门道闸坏了", external_id="k1"), True),
                           (IntakeIn(text="东门道闸坏了", external_id="k1"), True),
                           (IntakeIn(text="路灯坏了", external_id="k-old"), True),
                           (IntakeIn(text="路灯坏了", place_id=2**31 - 1), True)])
    assert isinstance(out[0], IntakeError) and out[0].code == "empty_text"
    assert out[1].created and not out[2].created and out[2].request.id == out[1].request.id
    assert not out[3].created and out[3].request.id == stored.id
    assert isinstance(out[4], IntakeError) and out[4].code == "unknown_place"
    assert len(session.exec(select(ServiceRequest)).all()) == 2


def test_concurrent_submits_are_each_stored_once_and_answered_in_their_own_session(engine, session, places,
                                                                                  with_model, monkeypatch):
    import intake.service

    place_id = places["compound_A1"].id
    results: dict[tuple[int, int], tuple] = {}
    errors: list[BaseException] = []
    commits = []  # transactions that wrote requests
    write_together = intake.service._write_together

    def counted(session, items):
        commits.append(len(items))
        return write_together(session, items)

    monkeypatch.setattr(intake.service, "_write_together", counted)

    def resident(k: int):
        try:
            with Session(engine) as s:
                for i in range(10):
                    key = f"d{i}" if i % 2 else f"t{k}-{i}"  # odd ones: the same delivery from all 8 threads
                    r = submit(s, IntakeIn(text=TEXTS[i], place_id=place_id, external_id=key))
                    assert inspect(r.request).session is s  # the caller's object, not the writer's
                    results[(k, i)] = (key, r.created, r.request.id, r.request.ticket, r.request.category_code)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=resident, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    rows = {r.id: r for r in session.exec(select(ServiceRequest))}
    assert len(rows) == 8 * 5 + 5  # every thread's own five and one of each shared delivery
    by_key: dict[str, set[int]] = {}
    for key, _created, rid, ticket, category in results.values():
        assert rows[rid].ticket == ticket and rows[rid].category_code == category
        by_key.setdefault(key, set()).add(rid)
    assert all(len(ids) == 1 for ids in by_key.values())
    assert sum(created for _, created, *_ in results.values()) == len(rows)
    assert len(commits) < len(rows)  # requests that arrived together were committed together


def test_a_caller_with_uncommitted_writes_commits_them_with_its_request(engine, session, places, with_model):
    resident = Resident(language="en")
    session.add(resident)
    session.flush()
    assert holds_uncommitted_writes(session)
    r = submit(session, IntakeIn(text="the lift is broken", resident_id=resident.id)).request
    with Session(engine) as other:
        assert other.get(Resident, resident.id) is not None
        assert other.get(ServiceRequest, r.id).resident_id == resident.id


def test_reads_alone_are_not_uncommitted_writes(session, places):
    session.exec(select(ServiceRequest)).all()
    assert session.in_transaction() and not holds_uncommitted_writes(session)
    session.add(Resident(language="zh"))
    assert holds_uncommitted_writes(session)
    session.flush()
    assert holds_uncommitted_writes(session)
    session.commit()
    assert not holds_uncommitted_writes(session)


def _behind_a_blocked_batch(answer) -> tuple[list[list], dict[int, object], GroupCommit]:
    """Caller 0's batch is held in the writer until callers 1, 2 and 3 have queued behind it; then
    everything is let through. `answer(n, items)` is the writer's answer to its n-th batch (from 1)."""
    entered, release = threading.Event(), threading.Event()
    batches: list[list] = []

    def write(items):
        batches.append(items)
        if len(batches) == 1:
            entered.set()
            release.wait(5)
        return answer(len(batches), items)

    gc = GroupCommit(write)
    out: dict[int, object] = {}

    def call(x):
        try:
            out[x] = gc.submit(x)
        except BaseException as exc:  # noqa: BLE001
            out[x] = exc

    first = threading.Thread(target=call, args=(0,))
    first.start()
    assert entered.wait(5)
    others = [threading.Thread(target=call, args=(x,)) for x in (1, 2, 3)]
    for t in others:
        t.start()
    while len(gc._queue) < 3:  # the three wait behind the first batch
        threading.Event().wait(0.01)
    release.set()
    for t in [first, *others]:
        t.join(5)
    return batches, out, gc


def test_group_commit_writes_what_queued_behind_a_batch_in_one_go():
    batches, out, _ = _behind_a_blocked_batch(lambda n, items: [-x if x == 3 else x * 10 for x in items])
    assert batches[0] == [0] and sorted(batches[1]) == [1, 2, 3] and len(batches) == 2
    assert out == {0: 0, 1: 10, 2: 20, 3: -3}


def test_group_commit_tells_every_caller_when_the_batch_fails():
    def write(items):
        raise RuntimeError("database unreachable")

    gc = GroupCommit(write)
    try:
        gc.submit(1)
    except RuntimeError as exc:
        assert "unreachable" in str(exc)
    else:
        raise AssertionError("the failure was swallowed")


def test_after_a_conflict_an_item_that_still_fails_fails_alone(engine, session, places, with_model):
    # a resident that does not exist: the batch's INSERT fails, so each item is written on its own
    out = _write(session, [(IntakeIn(text="东门道闸坏了", external_id="g1"), True),
                           (IntakeIn(text="路灯坏了", resident_id=2**31 - 1, external_id="bad"), True),
                           (IntakeIn(text="垃圾桶满了", external_id="g2"), True)])
    assert out[0].created and out[2].created
    assert isinstance(out[1], IntegrityError)
    with Session(engine) as other:
        stored = other.exec(select(ServiceRequest.external_id).order_by(col(ServiceRequest.id))).all()
    assert stored == ["g1", "g2"]


def test_a_caller_waiting_for_its_batch_holds_no_connection(engine, places, with_model, monkeypatch):
    """Callers that have read something each hold a pooled connection; were they to keep it while
    they wait, the batch's writer would find the pool empty."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite's pool has no cap")
    from core.db import make_engine
    from core.settings import get_settings

    monkeypatch.setenv("DATABASE_POOL_SIZE", "2")  # two connections and one of overflow
    get_settings.cache_clear()
    small = make_engine(engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    callers = 3
    barrier = threading.Barrier(callers)
    out: list = []

    def call(k: int):
        with Session(small) as s:
            place = s.get(Place, places["compound_A1"].id)  # a read: the session holds a connection now
            barrier.wait(10)  # every connection of the pool is held
            try:
                r = submit(s, IntakeIn(text=TEXTS[k], place_id=place.id, external_id=f"w{k}")).request
                out.append((r.external_id, inspect(place).expired))
            except BaseException as exc:  # noqa: BLE001
                out.append(exc)

    threads = [threading.Thread(target=call, args=(k,)) for k in range(callers)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        small.dispose()
    assert sorted(out) == [(f"w{k}", False) for k in range(callers)]  # what a caller read stays loaded


def test_group_commit_tells_every_waiting_caller_when_their_batch_fails():
    def answer(n, items):
        if n == 2:
            raise RuntimeError("database unreachable")
        return items if n != 3 else []  # a writer that loses an outcome fails its batch; it does not hang

    _, out, gc = _behind_a_blocked_batch(answer)
    assert out[0] == 0
    assert all(isinstance(out[x], RuntimeError) and "unreachable" in str(out[x]) for x in (1, 2, 3))
    with pytest.raises(RuntimeError, match="outcomes for a batch"):
        gc.submit(4)
    assert gc.submit(5) == 5  # and the next batch is written
