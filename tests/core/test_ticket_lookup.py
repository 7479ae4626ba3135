"""The resident's way back: a ticket looked up by its number and the phone's last four digits, or by the
private link shown once; status, replies and a rating form, nothing else; guessing throttled; the
on-duty alert promised only for a danger to life."""

from __future__ import annotations

import re

from sqlmodel import select

from admin import actions
from core.accounts import create_user
from core.models import Rating, ServiceRequest, Status
from intake import lookup
from tests.factories import form_token

PHONE = "13912345678"


def _submit(client, text, contact=PHONE):
    page = client.get("/")
    data = {"text": text, "csrf_token": form_token(page.text), "nonce": form_token(page.text, "nonce"),
            "contact": contact, "consent": "1" if contact else ""}
    resp = client.post("/", data=data, follow_redirects=True)
    return resp, re.search(r'id="ticket">([A-Z0-9-]+)<', resp.text).group(1)


def _track(client, ticket, digits):
    return client.post("/track", data={"ticket": ticket, "digits": digits}, follow_redirects=False)


def test_the_ticket_page_shows_the_private_link_once(client, session):
    resp, ticket = _submit(client, "路灯坏了")
    link = re.search(r'<a href="(/t/[^"]+)">', resp.text.split('id="private-link"')[1]).group(1)
    assert link == lookup.private_link(ticket) and len(link.rsplit("/", 1)[1]) >= 20
    assert 'id="private-link"' not in client.get(f"/t/{ticket}").text  # shown once
    client.cookies.clear()
    assert client.get(link).status_code == 200  # from any browser
    assert client.get(link[:-2] + "xx").status_code == 404
    assert client.get(f"/t/{ticket}/{lookup.link_key('ABCD-EFGH')}").status_code == 404


def test_a_lookup_shows_status_and_replies_and_nothing_else(client, session, places):
    worker = create_user(session, "wang", "worker-pass-1", "worker", communities=["T-A"], display_name="王社工")
    resp, ticket = _submit(client, "我家楼下的井盖丢了，我是张三", contact=f"张三 {PHONE}")
    req = session.exec(select(ServiceRequest).where(ServiceRequest.ticket == ticket)).one()
    req.community_id = places["community_A"].id
    session.add(req)
    actions.change_status(session, worker, req, Status.accepted)
    actions.reply(session, worker, req, "已联系市政，明天更换井盖")
    session.commit()
    client.cookies.clear()
    found = _track(client, ticket.lower(), PHONE[-4:])
    assert found.status_code == 303 and found.headers["location"] == lookup.private_link(ticket)
    page = client.get(found.headers["location"]).text
    assert "已受理" in page and "已联系市政，明天更换井盖" in page
    for private in ("井盖丢了", "张三", PHONE, "王社工", "wang"):  # not the text, the contact or staff names
        assert private not in page
    assert 'id="rate-form"' not in page  # not resolved yet
    wrong = _track(client, ticket, "0000")
    assert wrong.status_code == 404 and "没有与此编号和尾号相符的需求" in wrong.text
    assert _track(client, "ZZZZ-ZZZZ", PHONE[-4:]).status_code == 404
    english = client.post("/track?lang=en", data={"ticket": ticket, "digits": "1111"})
    assert "No ticket matches this number and these digits" in english.text


def test_guessing_is_throttled_per_ticket_and_per_address(client, session, monkeypatch):
    _, ticket = _submit(client, "小区门口积水")
    monkeypatch.setattr(lookup, "PER_TICKET", (3, 3600))
    for digits in ("0001", "0002", "0003"):
        assert _track(client, ticket, digits).status_code == 404
    refused = _track(client, ticket, PHONE[-4:])  # even the right digits, once the ticket is being guessed
    assert refused.status_code == 429 and "请" in refused.text and "Retry-After" in refused.headers
    monkeypatch.setattr(lookup, "PER_TICKET", (100, 3600))
    monkeypatch.setattr(lookup, "PER_ADDRESS", (5, 600))
    for _ in range(2):  # the address has used 4 of its 5 by now
        _track(client, "ABCD-EFGH", "1234")
    assert _track(client, ticket, PHONE[-4:]).status_code == 429
    assert client.get(f"/t/{ticket}/wrong-key").status_code == 429  # link guesses count too


def test_a_resolved_ticket_takes_one_rating(client, session, places):
    admin = create_user(session, "boss", "boss-pass-1", "admin")
    _, ticket = _submit(client, "健身器材坏了", contact="")  # no phone: the private link is the way back
    req = session.exec(select(ServiceRequest).where(ServiceRequest.ticket == ticket)).one()
    actions.change_status(session, admin, req, Status.resolved)
    session.commit()
    link = lookup.private_link(ticket)
    page = client.get(link).text
    assert 'id="rate-form"' in page and "已办结" in page
    token = form_token(page)
    assert client.post(f"{link}/rate", data={"csrf_token": token, "score": "7"}).status_code == 422
    done = client.post(f"{link}/rate", data={"csrf_token": token, "score": "4", "comment": "修得很快"})
    assert "感谢您的评价" in done.text and 'id="rate-form"' not in done.text and "4 / 5" in done.text
    client.post(f"{link}/rate", data={"csrf_token": token, "score": "1"})
    assert [(r.score, r.comment, r.channel) for r in session.exec(select(Rating))] == [(4, "修得很快", "web")]
    assert client.post(f"{link}/rate", data={"score": "1"}).status_code == 403  # CSRF


def test_a_duplicate_shows_the_survivors_progress_and_replies(client, session, places):
    admin = create_user(session, "boss", "boss-pass-1", "admin")
    _, first = _submit(client, "3号楼电梯坏了")
    _, second = _submit(client, "三号楼电梯又不动了")
    survivor, dup = (session.exec(select(ServiceRequest).where(ServiceRequest.ticket == t)).one() for t in (first, second))
    actions.mark_duplicate(session, admin, dup, first)
    session.commit()
    actions.change_status(session, admin, survivor, Status.in_progress)
    actions.reply(session, admin, survivor, "电梯公司已派人")
    session.commit()
    page = client.get(lookup.private_link(second)).text
    assert "办理中" in page and "电梯公司已派人" in page and 'id="merged"' in page
    assert "3号楼电梯坏了" not in page and first not in page  # nothing of the other resident's


def test_only_a_danger_to_life_tells_the_resident_the_on_duty_worker_was_alerted(client, session):
    for text, alerted in (("垃圾桶满了溢出来了", False), ("楼道里煤气泄漏了，味道很大", True)):
        _, ticket = _submit(client, text)
        req = session.exec(select(ServiceRequest).where(ServiceRequest.ticket == ticket)).one()
        req.urgent = True  # as the model may flag either
        session.add(req)
        session.commit()
        page = client.get(f"/t/{ticket}").text
        assert ('id="alerted"' in page) is alerted, text
