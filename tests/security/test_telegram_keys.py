"""Telegram counts update ids per bot: de-duplication keys name the bot, so two bots on one database
(or a new token) never drop each other's updates as repeats; the migration gives old keys their bot."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from core.models import ProcessedUpdate, ServiceRequest
from core.settings import get_settings
from tests.bot.fake_telegram import FakeTelegram

SECRET = "per-bot-webhook-secret"


def _update(update_id: int, user_id: int) -> dict:
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": 1_790_000_000, "text": "/status",
        "chat": {"id": user_id, "type": "private", "first_name": "居民"},
        "from": {"id": user_id, "is_bot": False, "first_name": "居民"},
        "entities": [{"type": "bot_command", "offset": 0, "length": 7}]}}


@pytest.fixture
def two_bots():
    bots = [FakeTelegram(token="111111:first-bot-token").start(), FakeTelegram(token="222222:second-bot-token").start()]
    yield bots
    for fake in bots:
        fake.stop()


def _app_for(fake, monkeypatch):
    from app.main import create_app

    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", fake.token)
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", fake.base_url)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", SECRET)
    get_settings.cache_clear()
    return TestClient(create_app())


def test_the_same_update_id_from_two_bots_is_handled_by_each(engine, session, two_bots, monkeypatch):
    first, second = two_bots
    for fake, user in ((first, 3001), (second, 3002)):
        client = _app_for(fake, monkeypatch)
        for _ in range(2):  # each bot's retry is still answered once
            resp = client.post("/telegram/webhook/aiogram", json=_update(7, user),
                               headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
            assert resp.status_code == 200
        assert len(fake.sent_to(user)) == 1
    keys = sorted(session.exec(select(ProcessedUpdate.update_key)).all())
    assert keys == ["tg:111111:7", "tg:222222:7"]
    get_settings.cache_clear()


def test_the_migration_gives_existing_keys_the_configured_bot(engine, session, monkeypatch):
    from core.migrate import downgrade, upgrade
    from intake.service import IntakeIn, submit

    session.add(ProcessedUpdate(channel="telegram", update_key="tg:5"))
    session.add(ProcessedUpdate(channel="webchat", update_key="wc:abc:n1"))
    request_id = submit(session, IntakeIn(text="楼道灯坏了", channel="telegram", external_id="tg:42:7")).request.id
    session.commit()
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "999999:token-of-the-bot")
    get_settings.cache_clear()
    session.close()  # no open transaction may hold the tables the migrations alter (PostgreSQL waits)
    downgrade(engine, "0006_open311")
    upgrade(engine)
    assert sorted(session.exec(select(ProcessedUpdate.update_key)).all()) == ["tg:999999:5", "wc:abc:n1"]
    assert session.get(ServiceRequest, request_id).external_id == "tg:999999:42:7"
    session.close()
    downgrade(engine, "0006_open311")  # and back
    assert sorted(session.exec(select(ProcessedUpdate.update_key)).all()) == ["tg:5", "wc:abc:n1"]
    session.close()
    upgrade(engine)
    get_settings.cache_clear()
