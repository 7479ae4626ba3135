"""The web chat: "查询进度", "我的诉求" and the like are the status command, not a new need; help stays
reachable; and /lang switches every page and every message after it."""

from __future__ import annotations

import pytest
from sqlmodel import select

from admin import actions
from bot.flows.commands import asks_for_status
from core.accounts import create_user
from core.models import Resident, ServiceRequest, Status
from tests.bot.test_webchat import _press, _send


@pytest.mark.parametrize("words", ["查询进度", "查询进度？", "我的诉求", "我的需求怎么样了", "帮我查一下进度",
                                   "办理进度查询", "查看进度", "进度", "My requests", "check status"])
def test_ways_of_asking_for_progress_are_the_status_command(words):
    assert asks_for_status(words)


@pytest.mark.parametrize("words", ["小区路灯坏了，想查询进度", "电梯坏了", "进度条一直不动", "查询"])
def test_a_need_that_mentions_progress_is_still_a_need(words):
    assert not asks_for_status(words)


def test_the_chat_answers_progress_questions_with_the_residents_requests(client, session, places, with_model):
    page = _send(client, text="A小区1 楼道灯坏了一个星期")
    page = _press(client, page, "c:ok")
    _press(client, page, "k:no")
    request = session.exec(select(ServiceRequest)).one()
    page = _send(client, text="查询进度")
    assert page.count(request.ticket) >= 2 and len(session.exec(select(ServiceRequest)).all()) == 1  # no new request
    page = _send(client, text="帮助")
    assert "/status" in page.rsplit('class="me"', 1)[1]  # the command help, right after the question
    assert 'id="chat-help"' in client.get("/chat").text


def test_lang_in_the_chat_switches_the_pages_and_the_messages(client, session, places, with_model):
    _send(client, text="A小区1 楼道灯坏了一个星期")
    page = _send(client, text="/lang en")
    assert "Language set to English." in page
    assert '<html lang="en">' in page and "Chat with your community" in page  # the page follows the chat
    assert '<html lang="en">' in client.get("/").text  # and so does every other page
    request = session.exec(select(ServiceRequest)).first()
    if request is None:  # the request was still a draft: finish it in English
        page = _press(client, page, "c:ok")
        _press(client, page, "k:no")
        request = session.exec(select(ServiceRequest)).one()
    worker = create_user(session, "boss", "boss-pass-1", "admin")
    actions.change_status(session, worker, request, Status.accepted)
    session.commit()
    page = client.get("/chat").text
    assert f"Your request {request.ticket} is now: accepted." in page  # a notice after /lang: in English
    # the page's own switch is the chat's too
    client.get("/chat?lang=zh")
    session.expire_all()
    assert session.get(Resident, request.resident_id).language == "zh"
    assert '<html lang="zh-CN">' in client.get("/").text
