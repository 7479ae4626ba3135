"""A resident who left only a phone number: replies and the follow-up after resolution (回访) become
calls in the worker's list, the number shown in full only to the worker who must call, and the
answer of a follow-up call is recorded as the rating."""

from __future__ import annotations

import re

from sqlmodel import select

from core.models import CallTask, EventType, Outbox, Rating, RequestEvent, ServiceRequest
from tests.admin.conftest import as_user, make_request

PHONE = "139 1234 5678"


def _token(client, url):
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(url).text).group(1)


def _act(client, req, **data):
    data.setdefault("csrf_token", _token(client, f"/admin/requests/{req.id}"))
    return client.post(f"/admin/requests/{req.id}", data=data)


def _calls(page):
    return page.split('id="calls-table"')[1].split("</table>")[0] if 'id="calls-table"' in page else ""


def test_a_reply_to_a_phone_only_resident_becomes_a_call_for_the_worker(client, session, places, staff):
    req = make_request(session, places["compound_A1"], text="家门口的路灯坏了", contact=f"王阿姨 {PHONE}")
    as_user(client, "wa")
    page = _act(client, req, action="reply", value="师傅明天上午来修").text
    assert "居民只能通过电话联系" in page and "没有可回复的渠道" not in page
    task = session.exec(select(CallTask).where(CallTask.request_id == req.id)).one()
    assert (task.purpose, task.message, task.assignee_id, task.done_at) == ("reply", "师傅明天上午来修", staff["wa"].id, None)
    assert session.exec(select(Outbox).where(Outbox.request_id == req.id, Outbox.purpose == "reply")).all() == []
    mine = _calls(client.get("/admin").text)
    assert PHONE in mine and "师傅明天上午来修" in mine and 'action="/admin/calls/' in mine
    assert PHONE in client.get(f"/admin/requests/{req.id}").text.split('id="contact"')[1][:80]
    # everyone else sees it masked: the admin (who must not call) and the request page for them
    as_user(client, "admin")
    theirs = _calls(client.get("/admin").text)
    assert "139****5678" in theirs and PHONE not in theirs and "13912345678" not in theirs
    detail = client.get(f"/admin/requests/{req.id}").text
    assert "139****5678" in detail and PHONE not in detail
    as_user(client, "wa")
    resp = client.post(f"/admin/calls/{task.id}", data={"csrf_token": _token(client, "/admin"), "outcome": "reached",
                                                        "note": "已转告"})
    assert "通话结果已记录" in resp.text
    session.expire_all()
    done = session.get(CallTask, task.id)
    assert done.outcome == "reached" and done.done_by_id == staff["wa"].id and done.note == "已转告"
    assert session.get(ServiceRequest, req.id).responded_at is not None
    assert _calls(client.get("/admin").text) == ""
    events = [e.type for e in session.exec(select(RequestEvent).where(RequestEvent.request_id == req.id))]
    assert EventType.call_task in events and EventType.call_made in events


def test_after_resolution_the_follow_up_call_records_the_residents_rating(client, session, places, staff):
    req = make_request(session, places["compound_A2"], text="楼道堆放杂物", contact=PHONE)
    as_user(client, "admin")
    _act(client, req, action="assign", value=str(staff["wa"].id))
    _act(client, req, action="status", value="resolved")
    task = session.exec(select(CallTask).where(CallTask.request_id == req.id)).one()
    assert task.purpose == "followup" and task.assignee_id == staff["wa"].id  # the worker in charge calls
    as_user(client, "wa")
    listed = _calls(client.get("/admin").text)
    assert "回访电话" in listed and PHONE in listed and 'name="score"' in listed
    token = _token(client, "/admin")
    assert "1 到 5" in client.post(f"/admin/calls/{task.id}", data={"csrf_token": token, "outcome": "reached",
                                                                    "score": "9"}).text
    client.post(f"/admin/calls/{task.id}", data={"csrf_token": token, "outcome": "reached", "score": "4",
                                                 "note": "满意，希望以后快一点"})
    rating = session.exec(select(Rating).where(Rating.request_id == req.id)).one()
    assert (rating.score, rating.channel, rating.comment) == (4, "phone", "满意，希望以后快一点")
    assert "已经记录过了" in client.post(f"/admin/calls/{task.id}", data={"csrf_token": token, "outcome": "reached"}).text
    assert len(session.exec(select(Rating).where(Rating.request_id == req.id)).all()) == 1


def test_a_resident_who_never_answers_closes_the_call_after_three_tries(client, session, places, staff):
    req = make_request(session, places["compound_A1"], text="想问社区食堂几点开", contact=PHONE, assignee_id=staff["wa"].id)
    as_user(client, "wa")
    _act(client, req, action="status", value="resolved")
    task = session.exec(select(CallTask).where(CallTask.request_id == req.id)).one()
    token = _token(client, "/admin")
    for attempt in range(1, 4):
        client.post(f"/admin/calls/{task.id}", data={"csrf_token": token, "outcome": "unreachable"})
        session.expire_all()
        assert session.get(CallTask, task.id).attempts == attempt
        assert (session.get(CallTask, task.id).done_at is None) == (attempt < 3)
    assert session.get(CallTask, task.id).outcome == "unreachable"
    assert session.exec(select(Rating)).all() == []


def test_only_residents_without_a_channel_become_calls(client, session, places, staff, resident):
    reachable = make_request(session, places["compound_A1"], text="健身器材坏了", resident=resident, contact=PHONE,
                             external_id="r")
    silent = make_request(session, places["compound_A1"], text="建议多种树", external_id="s")  # nothing left at all
    as_user(client, "wa")
    assert "已通过 1 个渠道发送" in _act(client, reachable, action="reply", value="已报修").text
    assert "居民查询受理编号时可以看到" in _act(client, silent, action="reply", value="谢谢建议").text
    assert session.exec(select(CallTask)).all() == []
