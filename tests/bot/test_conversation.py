"""One conversation suite, run against the aiogram and the python-telegram-bot adapters.

Every test drives the real framework code by long polling our fake Bot API server over HTTP, on
SQLite and on PostgreSQL (the `bot` fixture is parametrised over both frameworks and databases).
"""

from __future__ import annotations

from sqlmodel import select

from core import notify
from core.models import (
    Conversation,
    EventType,
    Outbox,
    ProcessedUpdate,
    Rating,
    RequestEvent,
    Resident,
    ResidentIdentity,
    ServiceRequest,
    StaffUser,
    Status,
)

LAMP = "小区3号楼楼道灯坏了一个星期，晚上黑漆漆的"


def _request_of(session, user_id: int) -> ServiceRequest:
    session.expire_all()
    ident = session.exec(select(ResidentIdentity).where(ResidentIdentity.external_user_id == str(user_id))).one()
    return session.exec(select(ServiceRequest).where(ServiceRequest.resident_id == ident.resident_id)
                        .order_by(ServiceRequest.id.desc())).first()


def _submit_simple(chat, places, text: str = LAMP) -> list:
    """Write a need, confirm the category, pick a compound, decline contact: returns the final replies."""
    out = chat.say(text)
    out = chat.press(out[-1], "c:ok")
    if out[-1].button_data and out[-1].button_data[0].startswith("p:"):
        out = chat.press(out[-1], f"p:{places['compound_A1'].id}")
    if "k:no" in out[-1].button_data:
        out = chat.press(out[-1], "k:no")
    return out


def test_intake_with_a_corrected_category_a_compound_and_consent(bot, session, places, with_model):
    chat = bot.chat(1001)
    out = chat.say(LAMP)
    first = chat.last_update
    assert len(out) == 1
    assert "设施维修" in out[0].text
    assert out[0].button_data == ["c:ok", "c:pick"]

    out = chat.press(out[0], "c:pick")  # the resident disagrees and picks another category
    assert [c.method for c in out] == ["editMessageText"]
    assert "c:environment" in out[0].button_data and "c:safety" in out[0].button_data

    out = chat.press(out[0], "c:safety")
    assert out[0].method == "editMessageText" and "平安安全" in out[0].text
    assert "小区" in out[1].text
    assert f"p:{places['compound_A2'].id}" in out[1].button_data and "p:skip" in out[1].button_data

    out = chat.press(out[1], f"p:{places['compound_A2'].id}")
    assert "电话" in out[-1].text and out[-1].button_data == ["k:yes", "k:no"]
    out = chat.press(out[-1], "k:yes")
    assert "电话号码" in out[-1].text

    out = chat.say("不是电话")
    assert "不像电话号码" in out[0].text
    out = chat.say("138 1234 5678")
    texts = "\n".join(c.text for c in out)
    request = _request_of(session, 1001)
    assert request.ticket in texts
    assert request.channel == "telegram"
    assert request.external_id == f"tg:{bot.fake.token.split(':')[0]}:1001:{first['message']['message_id']}"  # the message
    assert request.category_code == "safety" and request.needs_review
    assert request.place_id == places["compound_A2"].id
    assert request.community_id == places["community_A"].id
    assert request.contact == "13812345678"
    resident = session.get(Resident, request.resident_id)
    assert resident.consent_contact and resident.consent_at is not None
    assert resident.home_place_id == places["compound_A2"].id
    notes = session.exec(select(RequestEvent).where(RequestEvent.request_id == request.id,
                                                    RequestEvent.type == EventType.note)).all()
    assert any(n.to_value == "safety" for n in notes)
    # the acknowledgement intake queued went out with the reply, not a second time by the outbox
    ack = session.exec(select(Outbox).where(Outbox.request_id == request.id, Outbox.purpose == "ack")).one()
    assert ack.status == "sent"


def test_a_compound_named_in_the_text_is_not_asked_for_and_declined_consent_keeps_no_contact(
        bot, session, places, with_model):
    chat = bot.chat(1002)
    out = chat.say("A小区1 门口的垃圾桶满了好几天没人清理，味道很大")
    out = chat.press(out[0], "c:ok")
    assert out[-1].button_data == ["k:yes", "k:no"]  # straight to consent: no compound question
    out = chat.press(out[-1], "k:no")
    request = _request_of(session, 1002)
    assert request.place_id == places["compound_A1"].id
    assert request.contact is None
    assert request.ticket in out[-1].text or any(request.ticket in c.text for c in out)
    # consent is asked once: the next request goes straight through
    out = _submit_simple(chat, places, "B小区2 的路灯不亮了")
    assert any(_request_of(session, 1002).ticket in c.text for c in out)


def test_status_lists_the_residents_own_requests_and_their_state(bot, session, places, with_model):
    chat = bot.chat(1003)
    out = chat.say("/status")
    assert "还没有提交过需求" in out[0].text
    _submit_simple(chat, places)
    request = _request_of(session, 1003)
    out = chat.say("/status")
    assert request.ticket in out[0].text and "已收到" in out[0].text
    out = chat.say("我的需求")
    assert request.ticket in out[0].text
    # another resident does not see it
    other = bot.chat(1033).say("/status")
    assert request.ticket not in other[0].text


def test_a_workers_status_change_and_reply_reach_the_resident_then_a_rating_is_asked(
        bot, session, places, with_model):
    chat = bot.chat(1004)
    _submit_simple(chat, places)
    request = _request_of(session, 1004)
    fake = bot.fake

    # a worker accepts the request and replies (what the admin view calls)
    request.status = Status.in_progress
    session.add(request)
    notify.status_changed(session, request)
    notify.reply(session, request, "师傅明天上午来修")
    session.commit()
    fake.wait_for(lambda calls: any("师傅明天上午来修" in c.text for c in fake.sent_to(1004)))
    assert any("办理中" in c.text for c in fake.sent_to(1004))

    request.status = Status.resolved
    session.add(request)
    notify.status_changed(session, request)
    session.commit()
    fake.wait_for(lambda calls: any(c.button_data[:1] == [f"r:{request.id}:1"] for c in fake.sent_to(1004)))
    prompt = next(c for c in fake.sent_to(1004) if c.button_data[:1] == [f"r:{request.id}:1"])
    assert prompt.button_data == [f"r:{request.id}:{n}" for n in range(1, 6)]

    out = chat.press(prompt, f"r:{request.id}:4")
    assert out[0].method == "editMessageText" and "★★★★☆" in out[0].text
    assert "意见" in out[1].text
    out = chat.say("修得很及时，谢谢社区")
    assert "感谢" in out[0].text
    session.expire_all()
    rating = session.exec(select(Rating).where(Rating.request_id == request.id)).one()
    assert (rating.score, rating.comment, rating.channel) == (4, "修得很及时，谢谢社区", "telegram")
    # pressing the old buttons again does not rate twice
    out = chat.press(prompt, f"r:{request.id}:1")
    assert "已经评价过" in out[0].text
    session.expire_all()
    assert len(session.exec(select(Rating).where(Rating.request_id == request.id)).all()) == 1
    statuses = {row.status for row in session.exec(select(Outbox).where(Outbox.request_id == request.id))}
    assert statuses == {"sent"}


def test_a_rating_without_comment_is_stored_when_skipped(bot, session, places, with_model):
    chat = bot.chat(1014)
    _submit_simple(chat, places)
    request = _request_of(session, 1014)
    request.status = Status.resolved
    notify.status_changed(session, request)
    session.commit()
    fake = bot.fake
    fake.wait_for(lambda calls: any(f"r:{request.id}:5" in c.button_data for c in fake.sent_to(1014)))
    prompt = next(c for c in fake.sent_to(1014) if f"r:{request.id}:5" in c.button_data)
    out = chat.press(prompt, f"r:{request.id}:2")
    out = chat.press(out[-1], "r:skip")
    session.expire_all()
    rating = session.exec(select(Rating).where(Rating.request_id == request.id)).one()
    assert (rating.score, rating.comment) == (2, "")


def test_language_switches_to_english_and_back(bot, session, places, with_model):
    chat = bot.chat(1005)
    out = chat.say("/lang")
    assert out[0].text == "Language set to English."
    out = chat.say("The stairwell light in building 3 is broken, it is dark at night")
    assert "Is that right?" in out[0].text
    assert chat.say("/cancel")[0].text == "Cancelled."
    assert "Unknown command" in chat.say("/nonsense")[0].text
    out = chat.say("/lang zh")
    assert out[0].text == "已切换为中文。"
    assert "不认识这个命令" in chat.say("/nonsense")[0].text


def test_privacy_explains_and_delete_anonymises_while_requests_stay(bot, session, places, with_model):
    chat = bot.chat(1006)
    assert "/delete" in chat.say("/privacy")[0].text
    out = chat.say("3栋2单元501室 门口的路灯不亮了 我电话13912345678")
    out = chat.press(out[0], "c:ok")
    out = chat.press(out[-1], f"p:{places['compound_B1'].id}")
    out = chat.press(out[-1], "k:yes")
    chat.say("13912345678")
    request = _request_of(session, 1006)
    resident_id = request.resident_id

    out = chat.say("/delete")
    assert out[0].button_data == ["d:yes", "d:no"]
    out = chat.press(out[0], "d:yes")
    assert out[0].method == "editMessageText" and "已删除" in out[0].text

    session.expire_all()
    resident = session.get(Resident, resident_id)
    assert resident.phone is None and resident.display_name is None and resident.anonymised_at is not None
    assert not resident.consent_contact
    assert session.exec(select(ResidentIdentity).where(ResidentIdentity.resident_id == resident_id)).all() == []
    kept = session.get(ServiceRequest, request.id)
    assert kept is not None and kept.contact is None
    assert "13912345678" not in kept.text and "501" not in kept.text and "路灯" in kept.text
    events = session.exec(select(RequestEvent.type).where(RequestEvent.request_id == request.id)).all()
    assert EventType.anonymised in events
    # the next message starts afresh as a new resident with nothing of the old one
    assert "还没有提交过需求" in chat.say("/status")[0].text


def test_a_retried_update_is_processed_once(bot, session, places, with_model):
    chat = bot.chat(1007)
    out = chat.say(LAMP)
    out = chat.press(out[0], "c:ok")
    out = chat.press(out[-1], f"p:{places['compound_A1'].id}")
    out = chat.press(out[-1], "k:no")  # this press submits the request
    submitting = chat.last_update
    sent_before = len(chat.sent)

    again = chat.redeliver(submitting)  # Telegram delivers the same update again
    assert again == []
    again = chat.redeliver(submitting)
    assert again == [] and len(chat.sent) == sent_before
    session.expire_all()
    assert len(session.exec(select(ServiceRequest).where(ServiceRequest.channel == "telegram")).all()) == 1
    keys = session.exec(select(ProcessedUpdate.update_key)).all()
    assert keys.count(f"tg:{bot.fake.token.split(':')[0]}:{submitting['update_id']}") == 1


def test_a_new_process_continues_a_conversation_where_it_was(bot, session, places, with_model):
    chat = bot.chat(1008)
    out = chat.say(LAMP)
    question = out[0]
    bot.restart()  # the first process is gone; a new adapter, engine and connection pool take over
    out = chat.press(question, "c:ok")
    assert "小区" in out[-1].text
    other = "ptb" if bot.framework == "aiogram" else "aiogram"
    bot.restart(other)  # and a process on the other framework continues it too
    out = chat.press(out[-1], f"p:{places['compound_B2'].id}")
    out = chat.press(out[-1], "k:no")
    request = _request_of(session, 1008)
    assert request.place_id == places["compound_B2"].id and request.category_code == "facility_repair"
    assert any(request.ticket in c.text for c in out)
    session.expire_all()
    conv = session.exec(select(Conversation).where(Conversation.chat_id == "1008")).one()
    assert conv.state == "idle" and conv.version >= 4


def test_unknown_commands_stickers_and_very_long_texts_get_a_clear_answer(bot, session, with_model):
    chat = bot.chat(1009)
    assert "不认识这个命令" in chat.say("/frobnicate")[0].text
    assert "只能读文字" in chat.sticker()[0].text
    out = chat.say("路" * 2001)
    assert "2000" in out[0].text
    assert session.exec(select(ServiceRequest)).all() == []
    assert "/status" in chat.say("/start")[0].text


def test_photos_and_locations_attach_to_the_request(bot, session, places, with_model):
    chat = bot.chat(1010)
    assert "照片已收到" in chat.photo("PHOTO-1")[0].text
    out = chat.say("A小区1 健身器材坏了，螺丝都松了")
    assert out[0].button_data == ["c:ok", "c:pick"]
    assert "已附加" in chat.location(31.2990, 120.5853)[0].text
    out = chat.press(out[0], "c:ok")
    out = chat.press(out[-1], "k:no")
    request = _request_of(session, 1010)
    notes = [e.message for e in session.exec(select(RequestEvent).where(RequestEvent.request_id == request.id))]
    assert "photo: telegram file PHOTO-1" in notes
    assert "location: 31.299000,120.585300" in notes


def test_an_urgent_request_gets_the_emergency_numbers_and_reaches_the_on_duty_worker(
        bot, session, places, with_model):
    from core.accounts import create_user

    worker = create_user(session, "duty", "duty-pass-2026", "worker", communities=["T-A"])
    worker.on_duty, worker.telegram_chat_id = True, "777"
    session.add(worker)
    session.commit()
    chat = bot.chat(1011)
    out = chat.say("A小区1 3号楼电梯困人了，有人出不来，快来人")
    texts = "\n".join(c.text for c in out)
    assert notify.EMERGENCY_NUMBERS in texts
    request = _request_of(session, 1011)
    assert request.urgent and request.ticket in texts
    assert not any(c.button_data for c in out)  # no questions before help is on its way
    alerts = bot.fake.sent_to(777)  # sent right after the update, not at the next outbox round
    assert alerts and request.ticket in alerts[0].text and "紧急" in alerts[0].text
    assert session.get(StaffUser, worker.id).on_duty


def test_a_queued_photo_goes_out_with_send_photo(bot, session, places, with_model):
    chat = bot.chat(1012)
    _submit_simple(chat, places)
    request = _request_of(session, 1012)
    session.add(Outbox(channel="telegram", address="1012", resident_id=request.resident_id, request_id=request.id,
                       purpose="reply", text="修好了，请看照片", payload={"photo": "https://example.org/fixed.jpg"}))
    session.commit()
    bot.fake.wait_for(lambda calls: any(c.method == "sendPhoto" for c in bot.fake.sent_to(1012)))
    call = next(c for c in bot.fake.sent_to(1012) if c.method == "sendPhoto")
    assert call.params["photo"] == "https://example.org/fixed.jpg" and call.text == "修好了，请看照片"


def test_a_flood_is_rate_limited_with_one_friendly_answer(bot, session, with_model):
    bot.restart(rate_limit=3)
    chat = bot.chat(1013)
    for _ in range(3):
        assert "不认识" in chat.say("/x")[0].text
    out = chat.say("/x")
    assert "消息太多" in out[0].text and notify.EMERGENCY_NUMBERS in out[0].text
    assert chat.say("/x") == []  # silence for the rest of the window
    assert chat.say("/x") == []


def test_a_survey_is_answered_in_chat_with_buttons_and_typed_answers(bot, session, places, with_model):
    from survey.service import requests_of
    from tests.survey.factories import make_survey

    survey = make_survey(session)
    chat = bot.chat(1015)
    out = chat.say("/survey")
    assert out[0].button_data == [f"s:{survey.id}"]
    out = chat.press(out[0], f"s:{survey.id}")
    assert "测试问卷" in out[0].text and out[1].button_data == ["a:0:u35", "a:0:o60"]
    age = out[1]
    out = chat.press(age, "a:0:o60")  # shows the elder-services question (skip logic)
    assert out[0].method == "editMessageText" and "60岁及以上" in out[0].text
    assert out[1].button_data == ["a:1:meal", "a:1:bath", "a:1:_other", "a:1:."]
    out = chat.press(out[1], "a:1:meal")
    assert out[0].method == "editMessageText" and "✓ 助餐" in str(out[0].buttons)
    out = chat.press(out[0], "a:1:_other")
    assert "写下" in out[0].text
    out = chat.say("理发")
    out = chat.press(out[-1], "a:1:.")
    assert out[-1].button_data == [f"a:2:{n}" for n in range(1, 6)]
    stale = chat.press(age, "a:0:u35")  # an old question's button no longer counts
    assert stale == []
    out = chat.press(out[-1], "a:2:4")
    assert len(out[-1].button_data) == 12  # 0..10 and skip
    out = chat.press(out[-1], "a:3:9")
    assert "小区安全" in out[-1].text
    out = chat.press(out[-1], "a:4:4")
    assert "环境整洁" in out[-1].text
    out = chat.press(out[-1], "a:4:5")
    assert "家庭人数" in out[-1].text
    assert "数字" in chat.say("很多")[0].text
    assert "太大" in chat.say("99")[0].text
    out = chat.say("3")
    assert "入住日期" in out[-1].text
    out = chat.say("2020-05-01")
    out = chat.press(out[-1], f"a:7:{places['compound_A1'].id}")
    assert "最需要" in out[-1].text
    out = chat.say("希望小区里有老年食堂，每天中午能吃上热饭")
    assert "谢谢您的参与" in out[-1].text

    session.expire_all()
    from core.models import SurveyResponse

    response = session.exec(select(SurveyResponse).where(SurveyResponse.survey_id == survey.id)).one()
    assert response.channel == "telegram"
    assert response.answers["age"] == "o60"
    assert response.answers["elder_help"] == ["meal", "_other"] and response.answers["elder_help_other"] == "理发"
    assert (response.answers["overall"], response.answers["recommend"]) == (4, 9)
    assert response.answers["agree"] == {"safe": 4, "clean": 5}
    assert response.answers["household"] == 3 and response.answers["since"] == "2020-05-01"
    assert response.answers["home"] == places["compound_A1"].id
    assert [r.text for r in requests_of(session, response)] == ["希望小区里有老年食堂，每天中午能吃上热饭"]
