"""派单 with the resident told what happens next, duplicates that follow their survivor and count once,
and the urgent flag corrected with a reason that becomes training data."""

from __future__ import annotations

import datetime as dt
import re

from sqlmodel import select

from admin import actions, plan
from admin.demand import demand, demand_live
from core.models import (
    AuditLog,
    EventType,
    Organization,
    Outbox,
    PurchaseRound,
    RequestEvent,
    Resident,
    ResidentIdentity,
    ServiceProject,
    ServiceRequest,
    Status,
)
from core.residents import record_rating
from nlp import dataset
from tests.admin.conftest import as_user, make_request


def _token(client, url):
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(url).text).group(1)


def _act(client, req, **data):
    data.setdefault("csrf_token", _token(client, f"/admin/requests/{req.id}"))
    return client.post(f"/admin/requests/{req.id}", data=data)


def _told(session, req, purpose):
    return session.exec(select(Outbox).where(Outbox.request_id == req.id, Outbox.purpose == purpose)
                        .order_by(Outbox.id)).all()


def _resident(session, chat, lang="zh"):
    r = Resident(language=lang)
    session.add(r)
    session.flush()
    session.add(ResidentIdentity(resident_id=r.id, channel="telegram", external_user_id=f"tg-{chat}", chat_id=chat))
    session.commit()
    return r


def test_assignment_tells_the_resident_what_happens_next(client, session, places, staff, resident):
    org = Organization(name="乐龄社工服务中心")
    session.add(org)
    session.flush()
    meals = ServiceProject(name="老年助餐", organization_id=org.id, category_code="elderly_care")
    session.add(meals)
    session.commit()
    req = make_request(session, places["compound_A1"], text="独居老人想要送餐", resident=resident)
    as_user(client, "admin")
    _act(client, req, action="assign", value=str(staff["wa"].id))
    worker = _told(session, req, "assigned")[-1]
    assert worker.address == "4242" and "社区工作者负责" in worker.text and "前响应" in worker.text
    assert "wa" not in worker.text  # no staff names to residents
    _act(client, req, action="project", value=str(meals.id))
    project = _told(session, req, "assigned")[-1]
    assert "乐龄社工服务中心" in project.text and "老年助餐" in project.text
    _act(client, req, action="transfer", value=str(places["community_B"].id), reason="在B社区")
    community = _told(session, req, "assigned")[-1]
    assert "B社区" in community.text
    session.expire_all()
    moved = session.get(ServiceRequest, req.id)
    assert moved.community_id == places["community_B"].id and moved.assignee_id is None  # wa works in A only
    assert [a.action for a in session.exec(select(AuditLog).where(AuditLog.target_id == str(req.id)))] == [
        "request.assign", "request.project", "request.transfer"]


def test_a_duplicate_follows_its_survivor_and_both_residents_hear_of_it(client, session, places, staff, resident):
    other = _resident(session, "5151")
    first = make_request(session, places["compound_A1"], text="3号楼电梯坏了", resident=resident, external_id="s")
    second = make_request(session, places["compound_A1"], text="三号楼的电梯又停了", resident=other, external_id="d")
    as_user(client, "wa")
    page = _act(client, second, action="duplicate", value=first.ticket.lower()).text
    assert first.ticket in page.split('id="duplicate-of"')[1][:400]
    assert "跟随" in _act(client, second, action="status", value="accepted").text  # worked through the survivor
    assert [o.address for o in _told(session, second, "duplicate")] == ["5151"]
    _act(client, first, action="reply", value="维修师傅下午到")
    _act(client, first, action="status", value="resolved")
    replies = session.exec(select(Outbox).where(Outbox.purpose == "reply")).all()
    assert sorted((o.address, o.request_id) for o in replies) == sorted([("4242", first.id), ("5151", second.id)])
    assert all("维修师傅下午到" in o.text for o in replies)
    assert second.ticket in [o for o in replies if o.address == "5151"][0].text  # each under their own ticket
    ratings = session.exec(select(Outbox).where(Outbox.purpose == "rating")).all()
    assert sorted(o.address for o in ratings) == ["4242", "5151"]
    session.expire_all()
    assert session.get(ServiceRequest, second.id).status == Status.resolved
    assert session.get(ServiceRequest, first.id).responded_at is not None
    assert "三号楼的电梯又停了" not in client.get(f"/admin/requests/{first.id}").text  # the other's text stays there
    assert second.ticket in client.get(f"/admin/requests/{first.id}").text.split('id="duplicates"')[1][:300]
    # the survivor cannot follow its own duplicate; an unknown ticket is named as such
    assert "自己的重复件" in _act(client, first, action="duplicate", value=second.ticket).text
    assert "找不到" in _act(client, second, action="duplicate", value="ZZZZ-ZZZZ").text


def test_a_duplicate_counts_once_in_the_demand_figures_and_the_rollup_stays_exact(session, places, staff):
    session.add(PurchaseRound(name="街道", place_id=places["street"].id, budget_cents=100_000_00))
    session.commit()
    a = make_request(session, places["compound_A1"], text="路灯坏了", category="facility_repair", external_id="a")
    b = make_request(session, places["compound_A1"], text="路灯不亮", category="facility_repair", external_id="b")
    c = make_request(session, places["compound_A2"], text="老人送餐", category="elderly_care", external_id="c")
    before = demand(session, staff["admin"])
    assert before.category_total("facility_repair") == 2
    actions.mark_duplicate(session, staff["admin"], b, a.ticket)
    session.commit()
    record_rating(session, session.get(ServiceRequest, b.id), 4)  # the duplicate's resident still has a say
    for who in ("admin", "wa", "wb"):
        fast, live = demand(session, staff[who]), demand_live(session, staff[who])
        assert (fast.by_month, fast.by_place, fast.open, fast.satisfaction) == (
            live.by_month, live.by_place, live.open, live.satisfaction)
        rnd = session.exec(select(PurchaseRound)).one()
        assert sorted(plan.gather(session, staff[who], rnd), key=lambda x: x.category_code) == \
            sorted(plan.gather_live(session, staff[who], rnd), key=lambda x: x.category_code)
    after = demand(session, staff["admin"])
    assert after.category_total("facility_repair") == 1 and after.category_total("elderly_care") == 1
    assert after.open[("facility_repair", places["community_A"].id)][0] == 1
    assert after.satisfaction["facility_repair"] == (4.0, 1)
    actions.mark_duplicate(session, staff["admin"], session.get(ServiceRequest, b.id), "")  # undone: counted again
    session.commit()
    assert demand(session, staff["admin"]).category_total("facility_repair") == 2
    assert c.duplicate_of_id is None


def test_a_worker_clears_a_wrong_urgent_flag_with_a_reason_that_becomes_training_data(client, session, places, staff):
    bin_ = make_request(session, places["compound_A1"], text="垃圾桶满了溢出来了", category="environment", urgent=True,
                        kind="complaint")
    as_user(client, "wa")
    assert "理由会用于模型训练" in _act(client, bin_, action="urgent", value="0").text
    session.expire_all()
    assert session.get(ServiceRequest, bin_.id).urgent
    _act(client, bin_, action="urgent", value="0", reason="只是垃圾满了，没有危险")
    session.expire_all()
    stored = session.get(ServiceRequest, bin_.id)
    assert not stored.urgent and stored.respond_by - stored.created_at == dt.timedelta(hours=24)
    event = session.exec(select(RequestEvent).where(RequestEvent.request_id == bin_.id,
                                                    RequestEvent.type == EventType.urgent_changed)).one()
    assert (event.from_value, event.to_value, event.message, event.actor_id) == (
        "True", "False", "只是垃圾满了，没有危险", staff["wa"].id)
    examples = {e.text: e for e in dataset.corrections(session)}
    assert examples["垃圾桶满了溢出来了"].urgent is False and examples["垃圾桶满了溢出来了"].category == "environment"
    page = client.get(f"/admin/requests/{bin_.id}").text
    assert "只是垃圾满了，没有危险" in page.split('id="history"')[1]
    # and the other way round: a real danger the model missed
    lift = make_request(session, places["compound_A1"], text="电梯里好像有人", category="facility_repair")
    _act(client, lift, action="urgent", value="1", reason="有人被困")
    session.expire_all()
    marked = session.get(ServiceRequest, lift.id)
    assert marked.urgent and marked.respond_by - marked.created_at == dt.timedelta(hours=2)
    assert {e.text: e.urgent for e in dataset.corrections(session)}["电梯里好像有人"] is True
