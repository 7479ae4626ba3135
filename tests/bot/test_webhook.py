"""Webhook mode inside the FastAPI app, for both frameworks, replying through the fake Bot API server."""

from __future__ import annotations

import pytest
from sqlmodel import select

from core.models import ProcessedUpdate
from tests.bot.conftest import FRAMEWORKS

SECRET = "s3cret-token_for-webhooks"


@pytest.fixture
def webhook_client(engine, fake, monkeypatch):
    from fastapi.testclient import TestClient

    from app.main import create_app
    from core.settings import get_settings

    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", fake.token)
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", fake.base_url)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", SECRET)
    get_settings.cache_clear()
    with TestClient(create_app()) as client:
        yield client
    get_settings.cache_clear()


def _update(update_id: int, text: str, user_id: int = 2001) -> dict:
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": 1_790_000_000, "text": text,
        "chat": {"id": user_id, "type": "private", "first_name": "居民"},
        "from": {"id": user_id, "is_bot": False, "first_name": "居民"},
        "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}] if text.startswith("/") else []}}


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_a_forged_update_without_the_secret_token_is_refused(webhook_client, fake, session, framework):
    url = f"/telegram/webhook/{framework}"
    assert webhook_client.post(url, json=_update(1, "/status")).status_code == 403
    forged = webhook_client.post(url, json=_update(2, "/status"),
                                 headers={"X-Telegram-Bot-Api-Secret-Token": SECRET[:-1] + "x"})
    assert forged.status_code == 403
    assert fake.calls == [] and session.exec(select(ProcessedUpdate)).all() == []


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_an_update_with_the_secret_is_answered_once_even_when_retried(webhook_client, fake, session, framework):
    url = f"/telegram/webhook/{framework}"
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    assert webhook_client.post(url, json=_update(10, "/status"), headers=headers).status_code == 200
    assert webhook_client.post(url, json=_update(10, "/status"), headers=headers).status_code == 200
    sent = fake.sent_to(2001)
    assert len(sent) == 1 and "还没有提交过需求" in sent[0].text
    assert session.exec(select(ProcessedUpdate.update_key)).all() == [f"tg:{fake.token.split(':')[0]}:10"]


def test_a_webhook_is_refused_while_no_secret_is_configured(engine, fake, monkeypatch):
    from fastapi.testclient import TestClient

    from app.main import create_app
    from core.settings import get_settings

    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", fake.token)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "")
    get_settings.cache_clear()
    with TestClient(create_app()) as client:
        response = client.post("/telegram/webhook/ptb", json=_update(3, "/status"),
                               headers={"X-Telegram-Bot-Api-Secret-Token": ""})
    assert response.status_code == 403


def test_malformed_bodies_and_unknown_frameworks_get_clear_errors(webhook_client):
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    assert webhook_client.post("/telegram/webhook/other", json=_update(4, "/x"), headers=headers).status_code == 404
    assert webhook_client.post("/telegram/webhook/ptb", content=b"not json", headers=headers).status_code == 400
    assert webhook_client.post("/telegram/webhook/ptb", json={"no": "id"}, headers=headers).status_code == 400


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_the_cli_registers_the_webhook_with_the_secret(engine, fake, monkeypatch, framework):
    from typer.testing import CliRunner

    from app.cli import app
    from core.settings import get_settings

    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", fake.token)
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", fake.base_url)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", SECRET)
    get_settings.cache_clear()
    url = f"https://needs.example.org/telegram/webhook/{framework}"
    result = CliRunner().invoke(app, ["bot", "--framework", framework, "--set-webhook", url])
    assert result.exit_code == 0, result.output
    assert fake.webhook == {"url": url, "secret_token": SECRET}
