"""The response, resolution and satisfaction rates per community, worker, category and project, by month,
on the dashboard with their definitions, in the XLSX export, and drilling down to exactly their requests."""

from __future__ import annotations

import datetime as dt
import io
import re

from openpyxl import load_workbook
from sqlmodel import select

from admin import rates
from core.localtime import to_local
from core.models import RateDay, Rating, Status, utcnow
from tests.admin.conftest import as_user, make_request

H = dt.timedelta(hours=1)


def _req(session, place, text, *, age, responded=None, resolved=None, category="facility_repair", **fields):
    """A request received `age` ago (default deadlines: respond in 24 h, resolve in 7 days), responded to
    and resolved `responded` / `resolved` after it was received."""
    created = utcnow() - age
    status = Status.resolved if resolved is not None else (Status.accepted if responded is not None else Status.received)
    return make_request(session, place, text=text, category=category, external_id=text, created_at=created,
                        respond_by=created + 24 * H, resolve_by=created + 7 * 24 * H, status=status,
                        responded_at=created + responded if responded is not None else None,
                        resolved_at=created + resolved if resolved is not None else None, **fields)


def _seed(session, places, staff):
    a, b = places["compound_A1"], places["compound_B1"]
    wa = staff["wa"].id
    on_time = _req(session, a, "准时的", age=3 * 24 * H, responded=1 * H, resolved=48 * H, assignee_id=wa)
    late = _req(session, a, "晚了的", age=10 * 24 * H, responded=30 * H, resolved=8 * 24 * H, assignee_id=wa,
                category="environment")
    silent = _req(session, a, "没人理的", age=2 * 24 * H)  # response due and missed; resolution not due yet
    _req(session, a, "刚来的", age=1 * H)  # nothing due yet
    _req(session, a, "重复的", age=2 * 24 * H, duplicate_of_id=on_time.id)  # counts as its survivor
    other = _req(session, b, "B社区的", age=2 * 24 * H, responded=2 * H)
    session.add_all([Rating(request_id=on_time.id, score=5), Rating(request_id=late.id, score=2)])
    session.commit()
    return on_time, late, silent, other


def test_the_rates_count_what_was_due_and_what_was_met(session, places, staff):
    on_time, late, silent, other = _seed(session, places, staff)
    a, b = places["community_A"].id, places["community_B"].id
    by_community = rates.compute(session, staff["admin"], "community")
    assert by_community.cell("response", a) == (1, 3)  # on time, late, silent
    assert by_community.cell("resolution", a) == (1, 2)  # on time; late was resolved after its deadline
    assert by_community.cell("satisfaction", a) == (1, 2)  # 5 and 2
    assert by_community.cell("response", b) == (1, 1)
    assert by_community.overall("response") == (2, 4)
    month = to_local(on_time.created_at).strftime("%Y-%m")
    assert by_community.cell("response", a, month)[0] == 1
    by_worker = rates.compute(session, staff["admin"], "worker")
    assert by_worker.cell("response", staff["wa"].id) == (1, 2)
    assert by_worker.cell("response", None) == (1, 2)  # silent and the B one: unassigned
    by_category = rates.compute(session, staff["admin"], "category")
    assert by_category.cell("resolution", "environment") == (0, 1)
    assert by_category.names["environment"] == "环境卫生"
    mine = rates.compute(session, staff["wa"], "community")  # a worker's rates: their communities only
    assert mine.groups == [a]


def test_each_rate_drills_down_to_exactly_its_requests(client, session, places, staff):
    on_time, late, silent, other = _seed(session, places, staff)
    a = places["community_A"].id
    as_user(client, "admin")
    page = client.get("/admin/dashboard").text
    section = page.split('id="rates-response"')[1].split("</table>")[0]
    report = rates.compute(session, staff["admin"], "community")
    assert report.link("response", a).replace("&", "&amp;") in section  # the page links what is tested here

    def listed(link):
        html = client.get(link).text.split('id="requests"')[1].split("</table>")[0]
        return set(re.findall(r"<code>([A-Z0-9-]+)</code>", html))

    assert listed(report.link("response", a)) == {on_time.ticket, late.ticket, silent.ticket}
    assert listed(report.link("response", a, missed=True)) == {late.ticket, silent.ticket}
    assert listed(report.link("resolution", a, missed=True)) == {late.ticket}
    assert listed(report.link("satisfaction", a, missed=True)) == {late.ticket}


def test_the_dashboard_shows_each_rate_with_its_definition_and_exports_them(client, session, places, staff):
    _seed(session, places, staff)
    as_user(client, "admin")
    page = client.get("/admin/dashboard").text
    for title, definition in (("响应率", "在响应时限内得到响应"), ("解决率", "在办结时限内办结"), ("满意率", "4 分或 5 分")):
        assert title in page and definition in page
    response = page.split('id="rate-response"')[1].split("</section>")[0]
    assert "50%" in response and "(2 / 4" in response
    worker_view = client.get("/admin/dashboard?rates_by=worker").text.split('id="rates-response"')[1]
    assert "wa" in worker_view.split("</table>")[0] and "未分派" in worker_view.split("</table>")[0]
    resp = client.get("/admin/rates.xlsx")
    assert resp.status_code == 200
    wb = load_workbook(io.BytesIO(resp.content))
    assert wb.sheetnames == ["按社区", "按工作人员", "按类别", "按服务项目", "口径说明"]
    rows = [[c.value for c in r] for r in wb["按社区"].iter_rows(min_row=2)]
    a_response = next(r for r in rows if r[0] == "A社区" and r[1] == "响应率")
    assert a_response[-3:] == [round(1 / 3, 4), 1, 3]
    assert any("口径" in str(c.value) or "响应时限" in str(c.value) for c in wb["口径说明"]["B"])
    as_user(client, "wa")
    theirs = load_workbook(io.BytesIO(client.get("/admin/rates.xlsx").content))
    assert {r[0].value for r in theirs["按社区"].iter_rows(min_row=2)} <= {"A社区", "全部"}


def _same_rates(session, staff, now=None):
    for who in ("admin", "wa", "wb"):
        for by in rates.GROUPS:
            for months in (12, 3):
                fast = rates.compute(session, staff[who], by, months=months, now=now)
                live = rates.compute_live(session, staff[who], by, months=months, now=now)
                assert (fast.months, fast.since, fast.groups) == (live.months, live.since, live.groups), (who, by)
                assert {k: v for k, v in fast.cells.items() if v != [0, 0]} == \
                    {k: v for k, v in live.cells.items() if v != [0, 0]}, (who, by, months)


def test_the_rates_rollup_gives_exactly_the_live_figures_through_a_day_of_changes(session, places, staff, resident):
    from sqlalchemy import update

    from admin import actions
    from core.models import Organization, ServiceProject, ServiceRequest
    from core.residents import record_rating

    on_time, late, silent, other = _seed(session, places, staff)
    org = Organization(name="乐龄社工服务中心")
    session.add(org)
    session.flush()
    project = ServiceProject(name="老年助餐", organization_id=org.id, category_code="elderly_care")
    session.add(project)
    session.commit()
    # the same day and group, one past its deadline and one not: such a row is counted from the rows
    urgent = _req(session, places["compound_A1"], "急的", age=3 * H, category="safety")
    plain = _req(session, places["compound_A1"], "不急的", age=3 * H, category="safety")
    urgent.respond_by = urgent.created_at + 2 * H
    plain.resolve_by = plain.created_at - 1 * H  # (as if a rule had been shortened)
    session.add_all([urgent, plain])
    session.commit()
    _same_rates(session, staff)
    now = utcnow()
    mixed = session.exec(select(RateDay).where(RateDay.unanswered_first <= now, RateDay.unanswered_last > now,
                                               RateDay.open_first <= now, RateDay.open_last > now)).all()
    assert mixed, "a row straddling the clock, for both rates"
    admin, wa = staff["admin"], staff["wa"]
    fresh = make_request(session, places["compound_A2"], text="新来的", resident=resident, external_id="f",
                         category="elderly_care")
    actions.reply(session, wa, fresh, "收到，马上处理")  # a response without a status change
    actions.assign(session, admin, silent, wa.id)
    actions.link_project(session, admin, fresh, project.id)
    actions.extend_deadline(session, wa, silent, "respond", (utcnow() + 48 * H).strftime("%Y-%m-%d %H:%M"), "等回复")
    actions.change_status(session, admin, other, Status.resolved)
    actions.mark_duplicate(session, admin, silent, on_time.ticket)
    session.commit()
    _same_rates(session, staff)
    record_rating(session, session.get(ServiceRequest, other.id), 3)
    record_rating(session, session.get(ServiceRequest, silent.id), 5)  # a duplicate's resident rates: counted
    actions.correct_category(session, admin, session.get(ServiceRequest, late.id), "health")
    actions.transfer(session, admin, session.get(ServiceRequest, fresh.id), places["community_B"].id)
    actions.mark_duplicate(session, admin, session.get(ServiceRequest, silent.id), "")  # undone
    session.commit()
    _same_rates(session, staff)
    _same_rates(session, staff, now=utcnow() + 10 * 24 * H)  # later, more deadlines have passed
    session.exec(update(ServiceRequest).where(ServiceRequest.id == late.id).values(assignee_id=staff["wb"].id, responded_at=None))
    session.commit()  # a script's bulk statement, around the ORM
    _same_rates(session, staff)
