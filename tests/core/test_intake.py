import pytest
from sqlmodel import select

from core.models import (
    EventType,
    Outbox,
    RequestEvent,
    Resident,
    ResidentIdentity,
    Role,
    ServiceRequest,
    StaffCommunity,
    StaffUser,
)
from intake.service import IntakeError, IntakeIn, submit


def _events(session, request_id):
    return [e.type for e in session.exec(select(RequestEvent).where(RequestEvent.request_id == request_id))]


def test_submit_stores_classifies_and_records_history(session, places, with_model):
    result = submit(session, IntakeIn(text="小区3号楼楼道灯坏了一个星期，晚上黑漆漆的老人下楼很危险",
                                      place_id=places["compound_A1"].id))
    r = result.request
    assert result.created
    assert r.id and len(r.ticket) == 9
    assert r.category_code == "facility_repair"
    assert r.kind in {"need", "complaint", "suggestion", "inquiry", "praise"}
    assert 0 < r.confidence <= 1
    assert r.model_version == with_model.version
    assert r.community_id == places["community_A"].id
    assert _events(session, r.id)[:2] == [EventType.created, EventType.classified]


@pytest.mark.parametrize("text", ["", "   ", "\n\t  \u200b"])
def test_empty_text_is_refused(session, text):
    with pytest.raises(IntakeError) as exc:
        submit(session, IntakeIn(text=text))
    assert exc.value.code == "empty_text"
    assert "不能为空" in exc.value.message("zh")
    assert session.exec(select(ServiceRequest)).all() == []


def test_oversized_text_is_refused_with_the_limit(session):
    with pytest.raises(IntakeError) as exc:
        submit(session, IntakeIn(text="路" * 2001))
    assert exc.value.code == "text_too_long"
    assert "2000" in exc.value.message("en")
    assert session.exec(select(ServiceRequest)).all() == []


def test_text_at_the_limit_is_kept_whole(session, with_model):
    r = submit(session, IntakeIn(text="灯" * 2000)).request
    assert len(session.get(ServiceRequest, r.id).text) == 2000


@pytest.mark.parametrize("text", ["broken \ud800 surrogate", "decoder gave up \ufffd here"])
def test_broken_encodings_are_refused(session, text):
    with pytest.raises(IntakeError) as exc:
        submit(session, IntakeIn(text=text))
    assert exc.value.code == "bad_encoding"


def test_control_characters_are_dropped_and_text_normalised(session, with_model):
    r = submit(session, IntakeIn(text="  路灯\x00不亮\x07了 \r\n第二行 ")).request
    assert r.text == "路灯不亮了 \n第二行"


def test_repeated_delivery_creates_nothing_new(session, with_model):
    first = submit(session, IntakeIn(text="垃圾桶满了没人清", channel="telegram", external_id="upd-1"))
    again = submit(session, IntakeIn(text="垃圾桶满了没人清", channel="telegram", external_id="upd-1"))
    assert first.created and not again.created
    assert again.request.id == first.request.id
    assert len(session.exec(select(ServiceRequest)).all()) == 1
    # the same external id on another channel is another request
    other = submit(session, IntakeIn(text="垃圾桶满了没人清", channel="web", external_id="upd-1"))
    assert other.created


def test_unknown_place_is_refused(session):
    with pytest.raises(IntakeError) as exc:
        submit(session, IntakeIn(text="路灯坏了", place_id=999_999))
    assert exc.value.code == "unknown_place"


def test_classifier_failure_keeps_the_request_for_review(session, monkeypatch, with_model):
    from nlp.model import Classifier

    def broken(self, texts):
        raise RuntimeError("model file corrupt")

    monkeypatch.setattr(Classifier, "predict", broken)
    result = submit(session, IntakeIn(text="楼下健身器材坏了"))
    stored = session.get(ServiceRequest, result.request.id)
    assert stored.text == "楼下健身器材坏了"
    assert stored.category_code is None and stored.needs_review
    assert EventType.classification_failed in _events(session, stored.id)


def test_without_any_model_requests_are_kept_unclassified(session):
    result = submit(session, IntakeIn(text="想报名当志愿者"))
    assert result.created and result.request.needs_review and result.request.category_code is None


def test_urgent_request_alerts_on_duty_staff_and_acknowledges_resident(session, places, with_model):
    from core.accounts import create_user

    worker = create_user(session, "duty", "password123", Role.worker, communities=["T-A"])
    worker.on_duty, worker.telegram_chat_id = True, "555"
    other = create_user(session, "other", "password123", Role.worker, communities=["T-B"])
    other.on_duty, other.telegram_chat_id = True, "666"
    session.add_all([worker, other])
    resident = Resident()
    session.add(resident)
    session.flush()
    session.add(ResidentIdentity(resident_id=resident.id, channel="telegram", external_user_id="42", chat_id="42"))
    session.commit()
    r = submit(session, IntakeIn(text="3栋2单元楼道里煤气味很重，好像燃气泄漏了，快来人！",
                                 place_id=places["compound_A2"].id, resident_id=resident.id,
                                 channel="telegram", external_id="u-9")).request
    assert r.urgent and r.needs_review
    outbox = session.exec(select(Outbox).where(Outbox.request_id == r.id)).all()
    assert {(o.purpose, o.address) for o in outbox} == {("ack", "42"), ("urgent", "555")}
    assert session.exec(select(StaffCommunity)).all()  # scoping rows exist
    assert session.get(StaffUser, other.id).on_duty  # other community's worker was not alerted


def test_intake_beside_writers_that_hold_no_write_lock_keeps_every_request_clustered(engine, session, places,
                                                                                     with_model, caplog):
    """Survey responses, rate-limit rows and sessions are written outside intake's SQLite write lock.
    A transaction that starts with a read cannot write once another connection has committed (SQLite
    answers "database is locked" at once): intake's clustering must not start that way."""
    import threading

    from sqlmodel import Session

    from core.models import Resident

    place_id = places["compound_A1"].id
    stop = threading.Event()
    errors: list[BaseException] = []

    def other_writer():
        with Session(engine) as s:
            while not stop.is_set():
                s.add(Resident(language="zh"))
                s.commit()

    def residents_asking(k: int):
        try:
            with Session(engine) as s:
                for i in range(15):
                    submit(s, IntakeIn(text=f"{i % 5 + 1}号楼门口的路灯坏了，晚上很黑", place_id=place_id,
                                       external_id=f"t{k}-{i}"))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    writer = threading.Thread(target=other_writer)
    writer.start()
    askers = [threading.Thread(target=residents_asking, args=(k,)) for k in range(3)]
    for t in askers:
        t.start()
    for t in askers:
        t.join()
    stop.set()
    writer.join()
    assert errors == []
    assert "clustering failed" not in caplog.text
    stored = session.exec(select(ServiceRequest)).all()
    assert len(stored) == 45 and all(r.cluster_id is not None for r in stored)
