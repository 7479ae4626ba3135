"""Every page of the worker's day and the resident's way back reads in Chinese: no internal code, no
English message, no untranslated key; refusals are pages; the audit log is readable JSON in yuan."""

from __future__ import annotations

import datetime as dt
import re

from sqlmodel import select

from admin import actions, supervision
from core.audit import audit
from core.models import CallTask, utcnow
from intake import lookup
from tests.admin.conftest import as_user, make_request
from tests.core.test_i18n import _codes, _english_messages, _Page

H = dt.timedelta(hours=1)


def _day_of_work(session, places, staff, resident):
    """One of everything: overdue and escalated, extended, transferred, duplicate, urgent corrected, calls."""
    admin, wa = staff["admin"], staff["wa"]
    wa.on_duty, wa.telegram_chat_id = True, "77"
    late = make_request(session, places["compound_A1"], text="楼道灯坏了一周", category="facility_repair",
                        resident=resident, external_id="late", kind="complaint")
    late.created_at, late.respond_by, late.resolve_by = utcnow() - 30 * H, utcnow() - 6 * H, utcnow() + 100 * H
    session.add_all([wa, late])
    session.commit()
    supervision.escalate(session)
    dup = make_request(session, places["compound_A1"], text="三号楼灯不亮", external_id="dup", kind="need")
    actions.mark_duplicate(session, wa, dup, late.ticket)
    actions.set_urgent(session, wa, late, True, "老人摸黑下楼")
    actions.extend_deadline(session, wa, late, "resolve", (utcnow() + 200 * H).strftime("%Y-%m-%d %H:%M"), "等配件")
    actions.change_status(session, wa, late, "in_progress")
    phone = make_request(session, places["compound_A2"], text="垃圾没清", contact="13800001111", external_id="ph",
                         assignee_id=wa.id)
    actions.reply(session, wa, phone, "明天清运")
    actions.change_status(session, wa, phone, "resolved")
    moved = make_request(session, places["compound_A2"], text="B社区的事", external_id="mv")
    actions.transfer(session, wa, moved, places["community_B"].id, "地点在B社区")
    session.commit()
    task = session.exec(select(CallTask).where(CallTask.purpose == "reply")).first()
    actions.record_call(session, wa, task, "unreachable")
    session.commit()
    audit(session, admin, "round.create", "round", 1, budget_cents=12_345_00, name="青枫街道2027年度项目")
    session.commit()
    return late, dup, phone


def test_the_pages_of_a_workers_day_show_no_code_and_no_english(client, session, places, staff, resident):
    late, dup, phone = _day_of_work(session, places, staff, resident)
    codes = _codes()
    code_re = re.compile(r"(?<![\w/.-])(" + "|".join(sorted(map(re.escape, codes), key=len, reverse=True)) + r")(?![\w/.-])")
    english = _english_messages()
    pages = {"admin": ["/admin", f"/admin/requests/{late.id}", f"/admin/requests/{dup.id}",
                       f"/admin/requests/{phone.id}", "/admin/supervision", "/admin/dashboard",
                       "/admin/dashboard?rates_by=worker", "/admin/audit", "/admin?queue=unplaced",
                       "/admin?late=1", "/admin?community=abc"],
             "wa": ["/admin", f"/admin/requests/{late.id}", f"/admin/requests/{phone.id}", "/admin/supervision"],
             None: ["/track", lookup.private_link(late.ticket), lookup.private_link(dup.ticket),
                    lookup.private_link(phone.ticket), "/t/NONE-XIST/abc"]}
    problems = []
    for who, urls in pages.items():
        client.cookies.clear()
        if who:
            as_user(client, who)
        for url in urls:
            resp = client.get(url)
            assert "text/html" in resp.headers["content-type"], (who, url, resp.text[:200])
            page = _Page()
            page.feed(resp.text)
            text = " ".join(page.text)
            problems += [f"{who} {url}: code {c!r}" for c in sorted(set(code_re.findall(text)))]
            problems += [f"{who} {url}: English {p.pattern!r}" for p in english if p.search(text)]
    assert not problems, "\n".join(problems)


def test_the_audit_log_reads_as_json_with_chinese_and_yuan(client, session, places, staff, resident):
    _day_of_work(session, places, staff, resident)
    as_user(client, "admin")
    page = client.get("/admin/audit").text
    assert "&#34;预算（元）&#34;: 12345.0" in page and "青枫街道2027年度项目" in page  # fen shown as yuan
    assert "\\u" not in page and "budget_cents" not in page
    assert "&#34;新值&#34;: &#34;办理中&#34;" in page  # a status by its name
    refused = client.get("/admin/audit?actor=None")
    assert refused.status_code == 200  # the links of rows without an actor open the page


def test_refusals_on_staff_pages_are_pages_in_the_workers_language(client, session, places, staff):
    other = make_request(session, places["compound_B1"], text="B社区的路灯")
    as_user(client, "wa")
    for url, status in ((f"/admin/requests/{other.id}", 404), ("/admin/supervision", 403), ("/admin/audit", 403),
                        ("/admin/requests/99999999999", 404)):
        resp = client.get(url)
        assert resp.status_code in (status, 422) and "text/html" in resp.headers["content-type"], url
        assert re.search(r"[\u4e00-\u9fff]", resp.text.split("<main")[1]) and "detail" not in resp.text, url
    english = client.get("/admin/supervision?lang=en")
    assert english.status_code == 403 and "You may not do this." in english.text
