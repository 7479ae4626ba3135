"""Deadlines by urgency and category from the rules table, extensions only with a reason, and 督办:
overdue requests escalated once per deadline, on the admin's supervision page and to the on-duty staff."""

from __future__ import annotations

import datetime as dt
import re

from sqlmodel import select
from typer.testing import CliRunner

from admin import actions, supervision
from core import deadlines
from core.models import (
    DeadlineRule,
    DemandDirty,
    EventType,
    Outbox,
    RequestEvent,
    ServiceRequest,
    Status,
    utcnow,
)
from intake.service import IntakeIn, submit
from tests.admin.conftest import as_user, make_request

H = dt.timedelta(hours=1)


def _token(client, url):
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(url).text).group(1)


def _age(session, req, hours):
    """Move a request `hours` into the past, deadlines and all."""
    shift = dt.timedelta(hours=hours)
    req.created_at -= shift
    req.respond_by -= shift
    req.resolve_by -= shift
    session.add(req)
    session.commit()
    return req


def test_intake_sets_the_default_deadlines_by_urgency(session, places, with_model):
    gas = submit(session, IntakeIn(text="楼道里煤气泄漏了，味道很大，快来人", place_id=places["compound_A1"].id)).request
    lamp = submit(session, IntakeIn(text="小区3号楼楼道灯坏了一个星期", place_id=places["compound_A1"].id)).request
    assert gas.urgent and not lamp.urgent
    assert gas.respond_by - gas.created_at == 2 * H
    assert lamp.respond_by - lamp.created_at == 24 * H
    assert lamp.resolve_by - lamp.created_at == 7 * 24 * H == gas.resolve_by - gas.created_at
    session.expire_all()
    stored = session.get(ServiceRequest, lamp.id)  # stored with the insert, as read back from the database
    assert (stored.respond_by, stored.resolve_by) == (lamp.respond_by, lamp.resolve_by)


def test_the_most_specific_rule_wins_for_each_duration(session):
    rows = deadlines.rules(session)  # the defaults of migration 0008_workday
    assert deadlines.durations(rows, False, "facility_repair") == (24 * H, 168 * H)
    assert deadlines.durations(rows, True, "facility_repair") == (2 * H, 168 * H)
    assert deadlines.durations(rows, False, "property_management") == (24 * H, 360 * H)  # complex: 15 days
    assert deadlines.durations(rows, True, "legal_mediation") == (2 * H, 360 * H)
    rows.append(DeadlineRule(urgent=True, category_code="safety", respond_hours=1, resolve_hours=12))
    assert deadlines.durations(rows, True, "safety") == (1 * H, 12 * H)
    assert deadlines.durations(rows, False, "safety") == (24 * H, 168 * H)
    assert deadlines.durations([], False, None) == deadlines.FALLBACK


def test_an_admin_changes_the_rules_and_new_requests_follow(client, session, places, staff):
    as_user(client, "admin")
    token = _token(client, "/admin/supervision")
    resp = client.post("/admin/supervision/rules", data={"csrf_token": token, "urgent": "", "category": "",
                                                         "respond_hours": "8", "resolve_hours": "72"},
                       follow_redirects=False)
    assert resp.status_code == 303
    general = session.exec(select(DeadlineRule).where(DeadlineRule.urgent.is_(None),
                                                      DeadlineRule.category_code.is_(None))).all()
    assert [(r.respond_hours, r.resolve_hours) for r in general] == [(8, 72)]  # the general rule changed, not doubled
    req = make_request(session, places["compound_A1"], text="想问问社区活动的时间")
    assert (req.respond_by - req.created_at, req.resolve_by - req.created_at) == (8 * H, 72 * H)
    bad = client.post("/admin/supervision/rules", data={"csrf_token": token, "respond_hours": "abc"}, follow_redirects=False)
    assert bad.status_code == 303, bad.text[:300]
    page = client.get("/admin/supervision").text
    assert "1 到 8760" in page, re.findall(r"<p class=\"(?:error|notice)\"[^<]*", page)
    as_user(client, "wa")  # workers may not change the rules
    token = _token(client, "/admin")
    assert client.post("/admin/supervision/rules", data={"csrf_token": token, "respond_hours": "1"}).status_code == 403


def test_an_extension_needs_a_reason_moves_later_only_and_outlives_a_correction(client, session, places, staff):
    req = make_request(session, places["compound_A1"], text="屋顶漏水需要物业协调维修", category="facility_repair")
    as_user(client, "wa")
    token = _token(client, f"/admin/requests/{req.id}")
    later = (req.resolve_by + 3 * 24 * H).astimezone(dt.timezone(dt.timedelta(hours=8)))
    form = {"csrf_token": token, "action": "extend", "which": "resolve", "value": later.strftime("%Y-%m-%d %H:%M")}
    assert "延期必须填写理由" in client.post(f"/admin/requests/{req.id}", data=form).text
    assert "必须晚于" in client.post(f"/admin/requests/{req.id}", data={**form, "value": "2000-01-01 08:00",
                                                                      "reason": "等材料"}).text
    session.expire_all()
    assert session.get(ServiceRequest, req.id).resolve_by == req.resolve_by
    client.post(f"/admin/requests/{req.id}", data={**form, "reason": "需要业委会表决"})
    session.expire_all()
    extended = session.get(ServiceRequest, req.id)
    assert extended.resolve_by == later.replace(second=0, microsecond=0).astimezone(dt.UTC)
    event = session.exec(select(RequestEvent).where(RequestEvent.request_id == req.id,
                                                    RequestEvent.type == EventType.resolution_extended)).one()
    assert event.message == "需要业委会表决" and event.actor_id == staff["wa"].id
    # a correction recomputes from the rules, but never pulls an extended deadline earlier
    client.post(f"/admin/requests/{req.id}", data={"csrf_token": token, "action": "category", "value": "environment"})
    session.expire_all()
    assert session.get(ServiceRequest, req.id).resolve_by == extended.resolve_by
    client.post(f"/admin/requests/{req.id}", data={"csrf_token": token, "action": "category",
                                                    "value": "property_management"})  # complex: 15 days
    session.expire_all()
    assert session.get(ServiceRequest, req.id).resolve_by == req.created_at + 15 * 24 * H


def _on_duty(session, user, chat="9001"):
    user.on_duty, user.telegram_chat_id = True, chat
    session.add(user)
    session.commit()


def test_an_overdue_request_is_escalated_once_and_again_only_for_a_later_deadline(client, session, places, staff):
    _on_duty(session, staff["wa"])
    _on_duty(session, staff["wb"], chat="9002")  # another community's: not told
    late = _age(session, make_request(session, places["compound_A1"], text="楼道堆满杂物"), hours=30)
    fresh = make_request(session, places["compound_A1"], text="想报名书法班")
    assert supervision.escalate(session) == 1
    assert supervision.escalate(session) == 0  # idempotent
    supervision._last_run = 0.0
    as_user(client, "wa")
    client.get("/admin")  # an inbox load runs it too, and changes nothing more
    rows = session.exec(select(Outbox).where(Outbox.purpose == "escalated")).all()
    assert [(o.request_id, o.address) for o in rows] == [(late.id, "9001")]
    assert "【督办】" in rows[0].text and late.ticket in rows[0].text
    session.expire_all()
    assert session.get(ServiceRequest, late.id).escalated_at is not None and session.get(ServiceRequest, fresh.id).escalated_at is None
    # responded (late): the next deadline is the resolution, still ahead, so nothing more
    actions.change_status(session, staff["wa"], session.get(ServiceRequest, late.id), Status.accepted)
    session.commit()
    assert supervision.escalate(session) == 0
    # the resolution deadline passes too: escalated once more
    assert supervision.escalate(session, now=utcnow() + 7 * 24 * H) == 2  # and the fresh one by then
    assert supervision.escalate(session, now=utcnow() + 7 * 24 * H) == 0
    events = session.exec(select(RequestEvent).where(RequestEvent.request_id == late.id,
                                                     RequestEvent.type == EventType.escalated)).all()
    assert len(events) == 2


def test_the_supervision_page_shows_what_is_overdue_to_admins_only(client, session, places, staff):
    late = _age(session, make_request(session, places["compound_B1"], text="路面塌陷没人管"), hours=26)
    make_request(session, places["compound_A1"], text="想办一场亲子活动")
    as_user(client, "admin")
    page = client.get("/admin/supervision").text
    table = page.split('id="overdue"')[1].split("</table>")[0]
    assert late.ticket in table and "想办一场亲子活动" not in table
    assert "已超时" in table and "响应时限" in table
    assert re.search(r'id="overdue-total"[^>]*>1<', page)
    as_user(client, "wa")
    refused = client.get("/admin/supervision")
    assert refused.status_code == 403 and "text/html" in refused.headers["content-type"]
    assert "not allowed" not in refused.text


def test_needs_supervise_escalates_from_the_command_line(session, places, staff):
    from app.cli import app

    _age(session, make_request(session, places["compound_A1"], text="电梯按钮坏了"), hours=25)
    result = CliRunner().invoke(app, ["supervise"])
    assert result.exit_code == 0 and "escalated 1" in result.output
    assert "escalated 0" in CliRunner().invoke(app, ["supervise"]).output


def test_upgrading_gives_stored_requests_deadlines_and_keeps_the_rollup_exact(engine, session):
    from sqlalchemy import MetaData, Table, insert

    from core.accounts import create_user
    from core.migrate import downgrade, upgrade

    # requests stored before this feature, as that schema had them (on an empty database: 0009_setup
    # does not downgrade on SQLite once places or staff exist)
    downgrade(engine, "0007_hardening")
    tables = MetaData()
    request, event = (Table(name, tables, autoload_with=engine) for name in ("request", "requestevent"))
    received = utcnow() - 48 * H
    with engine.begin() as conn:
        rid = conn.execute(insert(request).values(
            ticket="OLD1-0001", text="老人助餐", language="zh", channel="web", external_id="old-1",
            category_code="elderly_care",
            urgent=False, needs_review=False, keywords=[], status="accepted", created_at=received,
            updated_at=received)).inserted_primary_key[0]
        conn.execute(insert(event).values(request_id=rid, type="status_changed", from_value="received",
                                          to_value="accepted", message="", created_at=received + 3 * H))
    upgrade(engine)
    stored = session.get(ServiceRequest, rid)
    assert stored.respond_by == stored.created_at + 24 * H and stored.resolve_by == stored.created_at + 168 * H
    assert stored.responded_at == stored.created_at + 3 * H
    # the rollup's triggers survived the new columns: a status change still marks its day
    session.exec(DemandDirty.__table__.delete())
    session.commit()
    actions.change_status(session, create_user(session, "boss", "boss-pass-1", "admin"), stored, Status.resolved)
    session.commit()
    assert {d.day for d in session.exec(select(DemandDirty))} >= {received.date()}
