"""Local time across the product: the database keeps UTC, people read and count the street's time."""

from __future__ import annotations

import datetime as dt

from sqlmodel import select

from core.accounts import create_user
from core.models import Role, ServiceRequest
from tests.factories import login

# 17:30 UTC on 31 May is 01:30 on 1 June in Shanghai
LATE = dt.datetime(2026, 5, 31, 17, 30, tzinfo=dt.UTC)


def _request(session, place, when=LATE, text="楼道灯坏了", category="facility_repair", external_id="late"):
    from tests.admin.conftest import make_request

    return make_request(session, place, text=text, category=category, external_id=external_id, created_at=when,
                        updated_at=when)


def test_the_dashboard_counts_a_request_in_its_local_month_and_day(session, places):
    from admin import demand
    from core.models import DemandDay

    admin = create_user(session, "boss", "boss-pass-1", Role.admin)
    _request(session, places["compound_A1"])
    report = demand.demand(session, admin, months=3, today=dt.date(2026, 6, 15))
    live = demand.demand_live(session, admin, months=3, today=dt.date(2026, 6, 15))
    assert report.by_month == live.by_month == {("facility_repair", "2026-06"): 1}
    assert report.since == dt.datetime(2026, 3, 31, 16, tzinfo=dt.UTC)  # 1 April, local midnight
    days = {d.day for d in session.exec(select(DemandDay))}
    assert days == {dt.date(2026, 6, 1)}


def test_overdue_counts_whole_local_days_and_the_cut_off_day_to_the_minute(session, places):
    from admin import demand

    admin = create_user(session, "boss", "boss-pass-1", Role.admin)
    _request(session, places["compound_A1"], when=LATE, external_id="a")
    _request(session, places["compound_A1"], when=LATE + dt.timedelta(hours=1), external_id="b")
    # overdue means created more than 14 days before now: the cut falls between the two, within one local day
    now = LATE + dt.timedelta(days=14, minutes=30)
    for report in (demand.demand(session, admin, now=now, today=dt.date(2026, 6, 15)),
                   demand.demand_live(session, admin, now=now, today=dt.date(2026, 6, 15))):
        assert report.overdue_total == 1 and report.open_total == 2


def test_the_planner_reads_the_same_local_months(session, places):
    from admin import plan
    from core.models import PurchaseRound

    admin = create_user(session, "boss", "boss-pass-1", Role.admin)
    _request(session, places["compound_A1"])
    rnd = PurchaseRound(name="2027", place_id=places["street"].id)
    session.add(rnd)
    session.commit()
    june = dt.date(2026, 6, 10)
    rollup = {c.category_code: c.requests for c in plan.gather(session, admin, rnd, months=1, today=june)}
    live = {c.category_code: c.requests for c in plan.gather_live(session, admin, rnd, months=1, today=june)}
    assert rollup == live == {"facility_repair": 1}  # in June's one-month window, not May's


def test_pages_show_stored_times_in_local_time(client, session, places):
    req = _request(session, places["compound_A1"])
    create_user(session, "boss", "boss-pass-1", Role.admin)
    assert login(client, "boss", "boss-pass-1").status_code == 303
    page = client.get(f"/admin/requests/{req.id}").text
    assert "2026-06-01 01:30" in page and "2026-05-31 17:30" not in page
    audit = client.get("/admin/audit").text
    from core.localtime import format_local
    from core.models import AuditLog

    login_row = session.exec(select(AuditLog).where(AuditLog.action == "login")).first()
    assert format_local(login_row.created_at) in audit


def test_the_chat_status_command_gives_local_dates(client, session, places, with_model):
    from tests.factories import form_token

    def send(**fields):
        page = client.get("/chat")
        fields.setdefault("csrf_token", form_token(page.text))
        fields.setdefault("nonce", form_token(page.text, "nonce"))
        return client.post("/chat", data=fields).text

    import re

    page = send(text="A小区1 路灯坏了一个星期")
    for data in ("c:ok", "k:no"):
        ids = [mid for mid, d in re.findall(
            r'name="message_id" value="(\d+)">\s*<input type="hidden" name="data" value="([^"]+)"', page) if d == data]
        page = send(message_id=ids[-1], data=data)
    req = session.exec(select(ServiceRequest).where(ServiceRequest.channel == "webchat")).one()
    req.created_at = LATE
    session.add(req)
    session.commit()
    assert "2026-06-01" in send(text="/status")


def test_an_imported_day_is_the_local_day_written_in_the_file(session, places, with_model, tmp_path):
    from admin.records_import import import_records
    from tests.setup.conftest import write_csv

    path = write_csv(tmp_path / "r.csv", ["内容", "日期", "小区"], [["路灯坏了", "2026-06-01 01:30", "A小区1"]])
    import_records(session, path)
    assert session.exec(select(ServiceRequest)).one().created_at == LATE
