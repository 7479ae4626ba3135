"""The web chat page: the same dialog engine in a browser, without Telegram and without JavaScript."""

from __future__ import annotations

import re

from sqlmodel import select

from core import notify
from core.models import Rating, ServiceRequest, Status
from tests.factories import form_token


def _send(client, **fields) -> str:
    page = client.get("/chat")
    fields.setdefault("csrf_token", form_token(page.text))
    fields.setdefault("nonce", form_token(page.text, "nonce"))
    response = client.post("/chat", data=fields)
    assert response.status_code == 200, response.text
    return response.text


def _buttons(html: str) -> list[tuple[str, str]]:
    """(message_id, data) of every button form on the page."""
    return re.findall(r'name="message_id" value="(\d+)">\s*<input type="hidden" name="data" value="([^"]+)"', html)


def _press(client, html: str, data: str) -> str:
    message_id = next(mid for mid, d in reversed(_buttons(html)) if d == data)
    return _send(client, message_id=message_id, data=data)


def test_a_resident_without_telegram_files_a_request_in_the_browser(client, session, places, with_model):
    page = _send(client, text="<script>alert(1)</script> A小区1 楼道灯坏了一个星期")
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "设施维修" in page
    page = _press(client, page, "c:ok")
    page = _press(client, page, "k:no")
    request = session.exec(select(ServiceRequest)).one()
    assert request.channel == "webchat" and request.place_id == places["compound_A1"].id
    assert request.ticket in page
    page = _send(client, text="/status")
    assert request.ticket in page


def test_the_web_chat_shows_a_workers_reply_and_takes_a_rating(client, session, places, with_model):
    page = _send(client, text="A小区1 楼道灯坏了一个星期")
    page = _press(client, page, "c:ok")
    _press(client, page, "k:no")
    request = session.exec(select(ServiceRequest)).one()
    request.status = Status.resolved
    notify.reply(session, request, "已经修好了 <b>谢谢</b>")
    notify.status_changed(session, request)
    session.commit()
    page = client.get("/chat").text
    assert "已经修好了 &lt;b&gt;谢谢&lt;/b&gt;" in page
    page = _press(client, page, f"r:{request.id}:5")
    page = _send(client, text="很满意")
    assert "感谢您的评价" in page
    session.expire_all()
    rating = session.exec(select(Rating)).one()
    assert (rating.score, rating.comment, rating.channel) == (5, "很满意", "webchat")


def test_a_post_without_the_csrf_token_is_refused_and_a_double_submit_counts_once(client, session, with_model):
    assert client.post("/chat", data={"text": "/status"}).status_code == 403
    page = client.get("/chat")
    fields = {"csrf_token": form_token(page.text), "nonce": form_token(page.text, "nonce"), "text": "/status"}
    client.post("/chat", data=fields)
    client.post("/chat", data=fields)  # the same form sent twice
    assert client.get("/chat").text.count("还没有提交过需求") == 1


def test_the_web_chat_speaks_english_when_the_page_does(client, with_model):
    client.get("/chat?lang=en")
    page = _send(client, text="/help")
    assert "Just write what you need" in page
