"""Community workers work requests: every action lands in the history, the audit log and the outbox."""

from __future__ import annotations

import re

from sqlmodel import select

from core.localtime import local_date
from core.models import AuditLog, Cluster, EventType, Outbox, RequestEvent, ServiceRequest, Status
from tests.admin.conftest import as_user, make_request


def _token(client, url="/admin"):
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(url).text).group(1)


def _act(client, req, action, value="", reason="", token=None):
    token = token or _token(client, f"/admin/requests/{req.id}")
    return client.post(f"/admin/requests/{req.id}", data={"csrf_token": token, "action": action, "value": value,
                                                          "reason": reason}, follow_redirects=False)


def _events(session, req, type_):
    """Events a staff member caused (intake's own events have no actor)."""
    session.expire_all()
    return session.exec(select(RequestEvent).where(RequestEvent.request_id == req.id, RequestEvent.type == type_,
                                                   RequestEvent.actor_id.is_not(None))).all()


def test_status_change_is_recorded_audited_and_told_to_the_resident(client, session, places, staff, resident):
    req = make_request(session, places["compound_A1"], resident=resident, category="facility_repair")
    as_user(client, "wa")
    assert _act(client, req, "status", "accepted").status_code == 303
    assert _act(client, req, "status", "resolved").status_code == 303
    session.expire_all()
    stored = session.get(ServiceRequest, req.id)
    assert stored.status == Status.resolved and stored.resolved_at is not None
    changes = _events(session, req, EventType.status_changed)
    assert [(e.from_value, e.to_value, e.actor_id) for e in changes] == [
        ("received", "accepted", staff["wa"].id), ("accepted", "resolved", staff["wa"].id)]
    audits = session.exec(select(AuditLog).where(AuditLog.action == "request.status")).all()
    assert [a.detail["to"] for a in audits] == ["accepted", "resolved"]
    outbox = session.exec(select(Outbox).where(Outbox.request_id == req.id, Outbox.channel == "telegram")).all()
    assert {o.purpose for o in outbox} >= {"status", "rating"} and all(o.address == "4242" for o in outbox)
    page = client.get(f"/admin/requests/{req.id}").text
    assert "event-status_changed" in page


def test_not_actionable_needs_a_reason_and_a_bad_transition_changes_nothing(client, session, places, staff):
    req = make_request(session, places["compound_A1"])
    as_user(client, "wa")
    _act(client, req, "status", "not_actionable")
    page = client.get(f"/admin/requests/{req.id}").text
    assert "必须填写理由" in page
    session.expire_all()
    assert session.get(ServiceRequest, req.id).status == Status.received
    assert _events(session, req, EventType.status_changed) == []
    _act(client, req, "status", "not_actionable", reason="属于物业合同范围，已转物业")
    session.expire_all()
    assert session.get(ServiceRequest, req.id).status == Status.not_actionable
    assert _events(session, req, EventType.status_changed)[0].message == "属于物业合同范围，已转物业"
    _act(client, req, "status", "resolved")  # not actionable → resolved is not a step
    session.expire_all()
    assert session.get(ServiceRequest, req.id).status == Status.not_actionable


def test_reply_goes_out_through_the_residents_channel(client, session, places, staff, resident):
    req = make_request(session, places["compound_A1"], resident=resident)
    as_user(client, "wa")
    _act(client, req, "reply", "您好，维修师傅明天上午上门。")
    replies = session.exec(select(Outbox).where(Outbox.request_id == req.id, Outbox.purpose == "reply")).all()
    assert len(replies) == 1 and "明天上午上门" in replies[0].text and replies[0].channel == "telegram"
    assert _events(session, req, EventType.reply)[0].message == "您好，维修师傅明天上午上门。"
    assert session.exec(select(AuditLog).where(AuditLog.action == "request.reply")).one().actor_id == staff["wa"].id
    _act(client, req, "reply", "   ")  # empty reply: refused, nothing queued
    assert len(session.exec(select(Outbox).where(Outbox.purpose == "reply")).all()) == 1


def test_assign_links_and_category_correction_are_in_the_history(client, session, places, staff):
    req = make_request(session, places["compound_A1"], category="environment", needs_review=True)
    cluster = Cluster(title="A小区楼道灯", place_id=places["community_A"].id, size=0)
    session.add(cluster)
    session.commit()
    as_user(client, "wa")
    _act(client, req, "category", "facility_repair")
    _act(client, req, "assign", str(staff["admin"].id))
    _act(client, req, "cluster", str(cluster.id))
    _act(client, req, "assign", str(staff["wb"].id))  # wb does not work in community A: refused
    session.expire_all()
    stored = session.get(ServiceRequest, req.id)
    assert stored.category_code == "facility_repair" and not stored.needs_review
    assert stored.assignee_id == staff["admin"].id and stored.cluster_id == cluster.id
    assert session.get(Cluster, cluster.id).size >= 1
    corr = _events(session, req, EventType.category_corrected)[0]
    assert (corr.from_value, corr.to_value, corr.actor_id) == ("environment", "facility_repair", staff["wa"].id)
    assert len(_events(session, req, EventType.assigned)) == 1
    assert len(_events(session, req, EventType.cluster_linked)) == 1
    actions = [a.action for a in session.exec(select(AuditLog).where(AuditLog.target_id == str(req.id)))]
    assert actions == ["request.category", "request.assign", "request.cluster"]


def test_worker_of_community_a_cannot_read_or_act_on_community_b(client, session, places, staff):
    b = make_request(session, places["compound_B1"], text="B小区垃圾没清")
    as_user(client, "wa")
    assert client.get(f"/admin/requests/{b.id}").status_code == 404
    token = _token(client)
    assert _act(client, b, "status", "accepted", token=token).status_code == 404
    assert b.ticket not in client.get(f"/admin?q={b.ticket}").text.split('id="requests"')[1]
    client.post("/admin/bulk", data={"csrf_token": token, "ids": [b.id], "action": "status", "value": "accepted"})
    session.expire_all()
    assert session.get(ServiceRequest, b.id).status == Status.received
    assert _events(session, b, EventType.status_changed) == []


def test_actions_without_a_csrf_token_fail(client, session, places, staff):
    req = make_request(session, places["compound_A1"])
    as_user(client, "wa")
    resp = client.post(f"/admin/requests/{req.id}", data={"action": "status", "value": "accepted"})
    assert resp.status_code == 403
    resp = client.post("/admin/bulk", data={"ids": [req.id], "action": "status", "value": "accepted"})
    assert resp.status_code == 403
    session.expire_all()
    assert session.get(ServiceRequest, req.id).status == Status.received


def test_organization_viewers_never_see_raw_requests(client, session, places, staff):
    req = make_request(session, places["compound_A1"])
    as_user(client, "org1")
    assert client.get("/admin", follow_redirects=False).headers["location"] == "/org"
    assert client.get(f"/admin/requests/{req.id}").status_code == 403
    assert client.post(f"/admin/requests/{req.id}", data={"csrf_token": _token(client, "/login"),
                                                          "action": "status", "value": "accepted"}).status_code == 403


def test_filters_search_and_the_review_queue(client, session, places, staff):
    lamp = make_request(session, places["compound_A1"], text="路灯不亮了", category="facility_repair",
                        confidence=0.9, needs_review=False)
    unsure = make_request(session, places["compound_A2"], text="想问问有没有什么活动", category="culture_sports",
                          confidence=0.3)
    urgent = make_request(session, places["compound_A1"], text="闻到煤气味", category="safety", confidence=0.95,
                          urgent=True, needs_review=False)
    b = make_request(session, places["compound_B1"], text="路灯坏了", category="facility_repair", confidence=0.9,
                     needs_review=False)
    as_user(client, "admin")

    def tickets(qs):
        page = client.get(f"/admin?{qs}").text.split('id="requests"')[1].split("</table>")[0]
        return {r.ticket for r in (lamp, unsure, urgent, b) if r.ticket in page}

    assert tickets("q=路灯") == {lamp.ticket, b.ticket}
    assert tickets(f"q={lamp.ticket.lower()}") == {lamp.ticket}
    assert tickets("q=%25") == set()  # a LIKE wildcard is searched for literally
    assert tickets("queue=review") >= {unsure.ticket, urgent.ticket} and lamp.ticket not in tickets("queue=review")
    assert tickets("urgent=true") == {urgent.ticket}
    assert tickets("max_confidence=0.5") == {unsure.ticket, lamp.ticket, urgent.ticket, b.ticket} - {
        lamp.ticket, urgent.ticket, b.ticket}
    assert tickets(f"community={places['community_B'].id}") == {b.ticket}
    assert tickets(f"place={places['compound_A2'].id}") == {unsure.ticket}
    assert tickets("category=safety") == {urgent.ticket}
    today = local_date(lamp.created_at).isoformat()  # the filter reads local days
    assert tickets(f"since={today}&until={today}") == {lamp.ticket, unsure.ticket, urgent.ticket, b.ticket}
    assert tickets("since=2000-01-01&until=2000-01-02") == set()
    assert client.get("/admin?since=yesterday").status_code == 422


def test_bulk_actions_apply_to_each_selected_request_and_report_failures(client, session, places, staff):
    reqs = [make_request(session, places["compound_A1"], text=f"需求{i}", external_id=f"e{i}") for i in range(3)]
    as_user(client, "wa")
    token = _token(client)
    resp = client.post("/admin/bulk", data={"csrf_token": token, "ids": [r.id for r in reqs], "action": "status",
                                            "value": "accepted"})
    assert resp.status_code == 200 and "已更新 3 条需求" in resp.text
    resp = client.post("/admin/bulk", data={"csrf_token": token, "ids": [reqs[0].id, reqs[1].id], "action": "status",
                                            "value": "accepted"})
    assert "已更新 0 条需求" in resp.text and "已是“已受理”状态" in resp.text
    resp = client.post("/admin/bulk", data={"csrf_token": token, "action": "status", "value": "resolved"})
    assert resp.status_code == 200 and "请至少选择一条需求" in resp.text
    session.expire_all()
    assert all(session.get(ServiceRequest, r.id).status == Status.accepted for r in reqs)
    assert sum(len(_events(session, r, EventType.status_changed)) for r in reqs) == 3


def test_resident_text_is_escaped_on_the_request_page(client, session, places, staff):
    req = make_request(session, places["compound_A1"], text='<script>alert(1)</script>楼道灯')
    as_user(client, "admin")
    page = client.get(f"/admin/requests/{req.id}").text
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;楼道灯" in page


def test_messages_follow_the_workers_language(client, session, places, staff):
    req = make_request(session, places["compound_A1"])
    client.get("/login?lang=en")
    as_user(client, "wa")
    _act(client, req, "status", "not_actionable")
    assert "a request closed as not actionable needs a reason" in client.get(f"/admin/requests/{req.id}").text
    _act(client, req, "status", "accepted")
    assert "saved" in client.get(f"/admin/requests/{req.id}").text


def test_the_inbox_reads_its_rows_once_when_the_demand_counts_refresh_on_the_way(client, session, places, staff):
    """The rollup's refresh commits in the page's session; it must not expire the rows read before it,
    which the template would then load again one SELECT each."""
    from sqlalchemy import event

    from admin import demand

    for i in range(25):
        make_request(session, places["compound_A1"], text=f"{i + 1}号楼楼道灯坏了")
    demand.refresh(session)
    make_request(session, places["compound_A1"], text="电梯坏了")  # a day marked: the page refreshes again
    as_user(client, "wa")
    engine = session.get_bind()
    by_id = []

    def count(_conn, _cursor, statement, _params, _context, _many):
        if re.search(r"FROM request\s+WHERE request\.id = ", statement):
            by_id.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        page = client.get("/admin")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert page.status_code == 200 and "电梯坏了" in page.text
    assert len(by_id) <= 2, f"{len(by_id)} requests read one at a time"
