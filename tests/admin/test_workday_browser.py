"""A worker's day and a resident's way back in a real browser: headless Chromium against uvicorn on a
temp SQLite database with the trained model. An urgent request arrives by the public form and tops
the inbox; it is assigned, answered, resolved and followed up by phone; an overdue one is escalated;
a duplicate is merged; the resident looks the ticket up and rates it."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from sqlmodel import Session, select

from tests.live_server import live_server

CHROMIUM = "/usr/bin/chromium"
pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")]
DESKTOP = {"width": 1366, "height": 900}
PHONE = "13912345678"


@pytest.fixture(scope="module")
def server(tmp_path_factory, trained_model):
    from core.accounts import create_user
    from core.db import make_engine
    from core.migrate import upgrade
    from core.models import EventType, RequestEvent, StaffUser, utcnow
    from core.taxonomy import sync_categories
    from intake.service import IntakeIn, submit
    from nlp.registry import register
    from tests.factories import make_places

    tmp = tmp_path_factory.mktemp("workday-browser")
    url = f"sqlite:///{tmp / 'workday.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session:
        sync_categories(session)
        register(session, trained_model)
        places = make_places(session)
        create_user(session, "boss", "password-1", "admin", display_name="街道管理员")
        wa = create_user(session, "wa", "password-2", "worker", communities=["T-A"], display_name="王社工")
        wa = session.get(StaffUser, wa.id)
        wa.on_duty, wa.telegram_chat_id = True, "7001"
        session.add(wa)
        now = utcnow()

        def stored(text, external_id, **fields):
            req = submit(session, IntakeIn(text=text, place_id=places["compound_A1"].id, external_id=external_id,
                                           contact=fields.pop("contact", None))).request
            for key, value in fields.items():
                setattr(req, key, value)
            session.add(req)
            session.commit()
            return req

        late = stored("小区南门的路灯坏了好几天", "late", created_at=now - dt.timedelta(hours=30),
                      respond_by=now - dt.timedelta(hours=6), resolve_by=now + dt.timedelta(days=5))
        first = stored("3号楼电梯坏了，停在8楼不动", "first")
        second = stored("三号楼的电梯又停了", "second")
        done = stored("健身器材的螺丝松了", "done", contact=f"李先生 {PHONE}", status="resolved", resolved_at=now,
                      responded_at=now)
        session.add(RequestEvent(request_id=done.id, type=EventType.reply, actor_id=wa.id,
                                 message="已经拧紧了，谢谢提醒"))
        session.commit()
        ids = {"late": late.id, "first": first.id, "second": second.id, "done": done.id, "done_ticket": done.ticket,
               "first_ticket": first.ticket}
    with live_server(url, tmp / "var", ready_path="/login") as base:
        yield {"base": base, "engine": engine, **ids}
    engine.dispose()


def _context(browser, server):
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    outside = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(server["base"])
            and not r.url.startswith("data:") else None)
    return context, page, outside


def _login(browser, server, username, password):
    context, page, outside = _context(browser, server)
    page.goto(f"{server['base']}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return context, page, outside


def test_a_workers_day(browser, server):
    from core.models import CallTask, Outbox, Rating, ServiceRequest

    # an urgent request arrives through the public form, from a resident who leaves only a phone number
    resident, form, _ = _context(browser, server)
    form.goto(f"{server['base']}/")
    form.fill("#text", "A小区1 3号楼楼道里煤气泄漏了，味道很大，快来人")
    form.select_option("#place_id", label="A小区1")
    form.fill("#contact", PHONE)
    form.check("input[name=consent]")
    form.click("form.card button[type=submit]")
    ticket = form.locator("#ticket").inner_text()
    assert form.locator("#alerted").is_visible()  # a danger to life: the resident is told of the alert
    assert form.locator("#private-link a").count() == 1
    resident.close()

    context, page, outside = _login(browser, server, "wa", "password-2")
    now_rows = page.locator("#now-table tbody tr")
    assert ticket in now_rows.first.inner_text() and "紧急" in now_rows.first.inner_text()
    assert re.search(r"剩余 1 小时 5\d 分", now_rows.first.inner_text())  # two hours to respond
    texts = [now_rows.nth(i).inner_text() for i in range(now_rows.count())]
    assert any("南门的路灯" in t and "已超时" in t for t in texts)  # the overdue one comes next
    now_rows.first.locator("a").click()
    page.select_option("#assign-value", label="王社工")
    page.click("#form-assign button")
    page.select_option("#status-value", "in_progress")
    page.click("#form-status button")
    page.fill("#reply-value", "已通知燃气公司抢修，请先开窗，不要开关电器。")
    page.click("#form-reply button")
    assert "居民只能通过电话联系" in page.content()
    assert PHONE in page.locator("#request-calls").inner_text()  # in full, for the worker who must call
    page.locator("#request-calls .call-form button").first.click()
    page.select_option("#status-value", "resolved")
    page.click("#form-status button")
    assert page.locator("#status").inner_text() == "已办结"

    # the follow-up call (回访) waits in the list; its answer is the rating
    page.goto(f"{server['base']}/admin")
    call = page.locator("#calls-table tbody tr", has_text=ticket)
    assert "回访电话" in call.inner_text() and PHONE in call.inner_text()
    call.locator("select[name=score]").select_option("5")
    call.locator("input[name=note]").fill("很满意，来得很快")
    call.locator("button").click()
    assert "通话结果已记录" in page.content()

    # a duplicate is merged into the ticket it repeats
    page.goto(f"{server['base']}/admin/requests/{server['second']}")
    page.fill("#duplicate-value", server["first_ticket"])
    page.click("#form-duplicate button")
    assert server["first_ticket"] in page.locator("#duplicate-of").inner_text()
    assert outside == []
    context.close()

    # the overdue one was escalated when the inbox opened, once, and the admin supervises it
    context, page, outside = _login(browser, server, "boss", "password-1")
    page.goto(f"{server['base']}/admin/supervision")
    assert "南门的路灯" in page.locator("#overdue").inner_text()
    page.locator("#overdue tbody tr", has_text="南门的路灯").locator("a").first.click()
    assert "超时督办" in page.locator("#history").inner_text()
    assert outside == []
    context.close()

    with Session(server["engine"]) as s:
        req = s.exec(select(ServiceRequest).where(ServiceRequest.ticket == ticket)).one()
        assert req.urgent and req.respond_by - req.created_at == dt.timedelta(hours=2)
        assert req.status == "resolved" and req.responded_at is not None
        calls = s.exec(select(CallTask).where(CallTask.request_id == req.id).order_by(CallTask.id)).all()
        assert [(c.purpose, c.outcome) for c in calls] == [("reply", "reached"), ("followup", "reached")]
        assert s.exec(select(Rating).where(Rating.request_id == req.id)).one().score == 5
        escalations = s.exec(select(Outbox).where(Outbox.purpose == "escalated")).all()
        assert [(o.request_id, o.address) for o in escalations] == [(server["late"], "7001")]
        assert s.get(ServiceRequest, server["second"]).duplicate_of_id == server["first"]


def test_a_resident_looks_the_ticket_up_and_rates_it(browser, server):
    from core.models import Rating

    context, page, outside = _context(browser, server)
    page.goto(f"{server['base']}/")
    page.click("#lookup-link")
    page.fill("#ticket", server["done_ticket"].lower())
    page.fill("#digits", "0000")
    page.click("form.card button[type=submit]")
    assert page.locator("#lookup-error").is_visible()
    page.fill("#ticket", server["done_ticket"])
    page.fill("#digits", PHONE[-4:])
    page.click("form.card button[type=submit]")
    assert page.locator("#status").inner_text() == "已办结"
    assert "已经拧紧了，谢谢提醒" in page.content() and "王社工" not in page.content() and PHONE not in page.content()
    page.check("#rate-form input[name=score][value='4']")
    page.fill("#comment", "挺快的")
    page.click("#rate-form button")
    assert page.locator("#rated").is_visible() and page.locator("#rate-form").count() == 0
    assert outside == []
    context.close()
    with Session(server["engine"]) as s:
        rating = s.exec(select(Rating).where(Rating.request_id == server["done"])).one()
        assert (rating.score, rating.comment, rating.channel) == (4, "挺快的", "web")
