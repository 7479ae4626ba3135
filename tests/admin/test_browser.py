"""The staff side in a real browser: headless Chromium against a real uvicorn server on a temp SQLite database.

With ADMIN_SCREENSHOTS=1 it also refreshes docs/screenshots/dashboard.png and plan.png from what the
browser shows (otherwise the screenshots go to a temp directory, so a test run leaves the tree clean).
"""

from __future__ import annotations

import datetime as dt
import os
import random
from pathlib import Path

import pytest
from sqlmodel import Session, select

from tests.live_server import live_server

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots" if os.environ.get("ADMIN_SCREENSHOTS") == "1" else None
pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")]
DESKTOP = {"width": 1366, "height": 900}
TEXTS = {
    "elderly_care": ["独居老人希望有人上门送餐", "老年食堂饭菜太咸，希望改进", "想给父母申请居家养老上门服务"],
    "child_youth": ["希望社区开办四点半课堂，孩子放学没人接", "暑假能不能办托管班"],
    "facility_repair": ["3号楼楼道灯坏了一个星期", "电梯又坏了，老人上不了楼", "小区路面井盖破损"],
    "environment": ["垃圾桶满了没人清运", "绿化带里有很多蚊子"],
    "parking_traffic": ["晚上停车太难了", "希望增加电动车充电桩"],
    "safety": ["有人在楼道里给电动车充电，很危险"],
    "culture_sports": ["广场舞场地不够", "想要一个社区图书室"],
}


def seed(session: Session) -> dict:
    """A year of requests in two communities, ratings, clusters, a project and a purchase round."""
    from core.accounts import create_user
    from core.models import (
        Cluster,
        Organization,
        PurchaseRound,
        Rating,
        Resident,
        ResidentIdentity,
        ServiceProject,
        ServiceRequest,
    )
    from tests.factories import make_places

    rnd = random.Random(5)
    places = make_places(session)
    create_user(session, "boss", "password-1", "admin", display_name="街道管理员")
    create_user(session, "wa", "password-2", "worker", communities=["T-A"], display_name="王社工")
    create_user(session, "org", "password-3", "org", org="乐龄社工服务中心")
    org = session.exec(select(Organization)).one()
    meals = ServiceProject(name="老年助餐", organization_id=org.id, category_code="elderly_care",
                           budget_cents=180_000_00, targets={"每周送餐份数": 120})
    session.add(meals)
    resident = Resident(language="zh")
    session.add(resident)
    session.flush()
    session.add(ResidentIdentity(resident_id=resident.id, channel="telegram", external_user_id="tg-1", chat_id="1"))
    clusters = {code: Cluster(title=texts[0][:20], place_id=places["community_A"].id, category_code=code)
                for code, texts in TEXTS.items()}
    session.add_all(clusters.values())
    session.flush()
    now = dt.datetime.now(dt.UTC)
    weights = {"elderly_care": 5, "facility_repair": 4, "child_youth": 3, "environment": 2, "parking_traffic": 2,
               "safety": 1, "culture_sports": 1}
    codes = list(weights)
    n = 0
    for day in range(360, -1, -1):
        for _ in range(rnd.randint(0, 2 if day > 120 else 4)):  # demand grows lately
            code = rnd.choices(codes, [weights[c] for c in codes])[0]
            community = rnd.choice(["A", "A", "B"])
            created = now - dt.timedelta(days=day, hours=rnd.randint(0, 20))
            status = "received" if day < 3 else rnd.choice(["accepted", "in_progress", "resolved", "resolved"])
            n += 1
            req = ServiceRequest(ticket=f"T{n:05d}", text=rnd.choice(TEXTS[code]), channel="web", external_id=f"b{n}",
                          place_id=places[f"compound_{community}{rnd.randint(1, 2)}"].id,
                          community_id=places[f"community_{community}"].id, category_code=code, kind="need",
                          confidence=round(rnd.uniform(0.3, 0.98), 2), status=status, created_at=created,
                          updated_at=created, resident_id=resident.id if n % 7 == 0 else None,
                          cluster_id=clusters[code].id if day < 60 and rnd.random() < 0.5 else None,
                          needs_review=False, project_id=meals.id if code == "elderly_care" else None)
            session.add(req)
            if status == "resolved" and rnd.random() < 0.5:
                session.flush()
                session.add(Rating(request_id=req.id, project_id=req.project_id, score=rnd.choice([2, 3, 4, 4, 5]),
                                   comment=rnd.choice(["很满意", "等了比较久", ""]),
                                   created_at=created + dt.timedelta(days=2)))
    for c in clusters.values():
        c.size = len(session.exec(select(ServiceRequest.id).where(ServiceRequest.cluster_id == c.id)).all()) if c.id else 0
    # the requests the inbox test works on: fresh, in community A, one unsure of its category
    unsure = ServiceRequest(ticket="TEST-0001", text="楼下有人占用消防通道停车<b>!</b>", channel="telegram",
                     external_id="w1", place_id=places["compound_A1"].id, community_id=places["community_A"].id,
                     category_code="environment", kind="complaint", confidence=0.31, needs_review=True,
                     resident_id=resident.id, created_at=now, updated_at=now)
    session.add(unsure)
    rnd_ = PurchaseRound(name="2027年度为民服务专项经费项目", place_id=places["street"].id, budget_cents=500_000_00,
                         application_start=dt.date(2027, 1, 4), review_start=dt.date(2027, 2, 1),
                         implementation_start=dt.date(2027, 3, 1), evaluation_start=dt.date(2027, 10, 8),
                         end_date=dt.date(2027, 12, 31))
    session.add(rnd_)
    session.commit()
    return {"round_id": rnd_.id, "unsure_id": unsure.id, "places": {k: v.id for k, v in places.items()}}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from core.db import make_engine
    from core.migrate import upgrade
    from core.taxonomy import sync_categories

    tmp = tmp_path_factory.mktemp("admin-browser")
    url = f"sqlite:///{tmp / 'browser.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session:
        sync_categories(session)
        data = seed(session)
    with live_server(url, tmp / "var", ready_path="/login") as base:
        yield {"base": base, "engine": engine, **data}
    engine.dispose()


def _login(browser, server, username, password):
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    outside = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(server["base"])
            and not r.url.startswith("data:") else None)
    page.goto(f"{server['base']}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return context, page, outside


def test_worker_works_a_request_from_the_review_queue(browser, server):
    from core.models import EventType, Outbox, RequestEvent, ServiceRequest

    context, page, outside = _login(browser, server, "wa", "password-2")
    page.click("#review-queue")
    row = page.locator("#requests tbody tr", has_text="TEST-0001")
    assert "<b>!</b>" in row.inner_text()  # shown as text, not markup
    row.locator("a").click()
    page.select_option("#status-value", "accepted")
    page.click("#form-status button")
    assert page.locator("#status").inner_text() == "已受理"
    page.fill("#reply-value", "已通知物业清理消防通道，今天下午处理。")
    page.click("#form-reply button")
    assert "回复已通过 1 个渠道发送给居民" in page.content()
    page.select_option("#category-value", "safety")
    page.click("#form-category button")
    assert page.locator("#category").inner_text().startswith("平安安全")
    history = page.locator("#history").inner_text()
    assert "状态变更" in history and "回复" in history and "更正类别" in history  # event types by name
    assert "已收到 → 已受理" in history and "status_changed" not in history

    # bulk: select the first two requests in progress and mark them resolved
    page.goto(f"{server['base']}/admin?status=in_progress")
    boxes = page.locator("#requests tbody input[type=checkbox]")
    ids = [int(boxes.nth(i).get_attribute("value")) for i in range(2)]
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.select_option("select[name=action]", "status")
    page.select_option("select[name=value]", "resolved")
    page.click("#bulk .bulkbar button")
    assert "已更新 2 条需求" in page.content()
    assert outside == []
    context.close()

    with Session(server["engine"]) as s:
        req = s.get(ServiceRequest, server["unsure_id"])
        assert (req.status, req.category_code, req.needs_review) == ("accepted", "safety", False)
        types = [e.type for e in s.exec(select(RequestEvent).where(RequestEvent.request_id == req.id))]
        assert types == [EventType.status_changed, EventType.reply, EventType.category_corrected]
        assert s.exec(select(Outbox).where(Outbox.request_id == req.id, Outbox.purpose == "reply")).one()
        assert all(s.get(ServiceRequest, i).status == "resolved" for i in ids)


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    path = SCREENSHOTS or tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


def test_dashboard_renders_its_charts_locally_and_drills_down(browser, server, shots):
    context, page, outside = _login(browser, server, "boss", "password-1")
    page.goto(f"{server['base']}/admin/dashboard")
    assert page.locator("svg.chart").count() >= 3
    total = int(page.locator("#tile-total").inner_text())
    assert total > 300
    page.screenshot(path=str(shots / "dashboard.png"), full_page=True)
    assert (shots / "dashboard.png").stat().st_size > 50_000
    # a cell of the month table leads to exactly that many requests
    cell = page.locator("#by-month tbody tr").first.locator("td.num a").last
    expected = int(cell.inner_text())
    cell.click()
    rows = page.locator("#requests tbody tr").count()
    assert rows == min(expected, 50)
    assert outside == []
    context.close()


def test_planner_ranks_splits_and_records_the_decision_then_prints(browser, server, shots):
    from core.models import RoundItem

    context, page, outside = _login(browser, server, "boss", "password-1")
    page.goto(f"{server['base']}/admin/rounds/{server['round_id']}")
    page.fill("input[name=w_vulnerable]", "0.4")
    page.fill("input[name=top]", "4")
    page.click("#propose button")
    lines = page.locator("#plan tbody tr[data-category]")
    assert lines.count() == 7
    assert lines.first.get_attribute("data-category") == "elderly_care"
    assert page.locator("#proposed-total").inner_text() == "500,000"
    first = lines.first
    proposed = int(first.locator(".proposed").inner_text().replace(",", ""))
    first.locator("input[name^=decided_]").fill(str(proposed - 20000))
    first.locator("input[name^=reason_]").fill("助餐场地由街道提供，节省租金")
    page.fill("#decision_note", "居民议事会讨论通过")
    page.click("#decide button[type=submit]")
    assert "1 decision(s) recorded" in page.content()
    page.locator("#plan").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "plan.png"), full_page=True)

    page.goto(f"{server['base']}/admin/rounds/{server['round_id']}/print")
    page.emulate_media(media="print")
    assert page.locator("header.site").is_hidden() and page.locator("#print-button").is_hidden()
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf[:4] == b"%PDF" and len(pdf) > 20_000
    assert outside == []
    context.close()

    with Session(server["engine"]) as s:
        items = s.exec(select(RoundItem).where(RoundItem.round_id == server["round_id"])).all()
        decided = [i for i in items if i.decided_cents is not None]
        assert len(decided) == 1 and decided[0].decided_cents == (proposed - 20000) * 100
        assert decided[0].evidence["weights"]["vulnerable"] == 0.4


def test_organization_viewer_sees_their_project_only(browser, server):
    context, page, outside = _login(browser, server, "org", "password-3")
    assert page.url.endswith("/org")
    assert page.locator(".project-card").count() == 1
    page.click(".project-card h2 a")
    assert page.locator("#comments").is_visible()
    resp = page.goto(f"{server['base']}/admin/requests/{server['unsure_id']}")
    assert resp.status == 403
    context.close()
