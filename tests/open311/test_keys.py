"""API keys: the command line, the admin page, how they are stored, and the per-key rate limit."""

from __future__ import annotations

import re

from sqlmodel import select
from typer.testing import CliRunner

from core.models import ApiKey, AuditLog
from open311.keys import hash_key
from tests.factories import form_token, login
from tests.open311.conftest import BASE, PASSWORDS, assert_error, file


def cli(*args):
    from app.cli import app

    return CliRunner().invoke(app, list(args))


def test_the_command_line_creates_lists_and_revokes_keys(client, session, places):
    created = cli("api-key", "create", "--name", "city-app")
    assert created.exit_code == 0, created.output
    raw = created.output.strip().splitlines()[-1]
    assert re.fullmatch(r"o311_[A-Za-z0-9_-]{43}", raw)  # alone on its last line
    row = session.exec(select(ApiKey)).one()
    assert row.key_hash == hash_key(raw) and raw not in (row.key_hash, row.prefix) and raw.startswith(row.prefix)

    assert cli("api-key", "create", "--name", "city-app").exit_code == 2  # names are unique
    listed = cli("api-key", "list").output
    assert "city-app" in listed and row.prefix in listed and raw not in listed and "active" in listed

    assert file(client, raw).status_code == 200  # the key is accepted...
    assert cli("api-key", "revoke", "city-app").exit_code == 0
    assert_error(file(client, raw), 403)  # ...until it is revoked
    assert "revoked" in cli("api-key", "list").output
    assert cli("api-key", "revoke", "city-app").exit_code == 2
    assert cli("api-key", "revoke", "nobody").exit_code == 2
    actions = [a.action for a in session.exec(select(AuditLog).order_by(AuditLog.id))]
    assert actions[0] == "open311.key_created" and actions[-1] == "open311.key_revoked"


def test_admins_create_list_and_revoke_keys_on_the_admin_page(client, session, staff):
    assert login(client, "admin", PASSWORDS["admin"]).status_code == 303
    assert 'href="/admin/api-keys"' in client.get("/admin").text  # in the admin's navigation
    page = client.get("/admin/api-keys")
    assert page.status_code == 200 and "API 密钥" in page.text
    token = form_token(page.text)
    created = client.post("/admin/api-keys", data={"csrf_token": token, "name": "district-system"})
    assert created.status_code == 200
    raw = re.search(r'<code id="raw-key">([^<]+)</code>', created.text).group(1)
    row = session.exec(select(ApiKey)).one()
    assert row.key_hash == hash_key(raw) and row.created_by_id == staff["admin"].id
    again = client.get("/admin/api-keys").text
    assert raw not in again and row.prefix in again  # shown once only
    assert raw not in str(client.cookies)

    duplicate = client.post("/admin/api-keys", data={"csrf_token": token, "name": "district-system"})
    assert duplicate.status_code == 422 and "district-system" in duplicate.text
    assert client.post("/admin/api-keys", data={"name": "no-csrf"}).status_code == 403
    assert client.post(f"/admin/api-keys/{row.id}/revoke", data={}).status_code == 403

    revoked = client.post(f"/admin/api-keys/{row.id}/revoke", data={"csrf_token": token})
    assert revoked.status_code == 200 and "已吊销密钥" in revoked.text  # after the redirect
    session.expire_all()
    assert session.get(ApiKey, row.id).revoked_at is not None
    entries = session.exec(select(AuditLog).where(AuditLog.action.like("open311.key_%"))).all()
    assert [(a.action, a.actor_id) for a in entries] == [("open311.key_created", staff["admin"].id),
                                                         ("open311.key_revoked", staff["admin"].id)]
    english = client.get("/admin/api-keys?lang=en").text
    assert "API keys" in english and "revoked" in english


def test_workers_cannot_see_or_make_keys(client, session, staff):
    assert login(client, "wa", PASSWORDS["wa"]).status_code == 303
    assert 'href="/admin/api-keys"' not in client.get("/admin").text
    assert client.get("/admin/api-keys").status_code == 403
    token = form_token(client.get("/admin").text)
    assert client.post("/admin/api-keys", data={"csrf_token": token, "name": "mine"}).status_code == 403
    assert session.exec(select(ApiKey)).all() == []
    client.cookies.clear()
    assert client.get("/admin/api-keys", follow_redirects=False).status_code == 303  # to the login page


def test_each_key_is_rate_limited_on_its_own(client, session, places, monkeypatch, api_key, other_key):
    from core.settings import get_settings

    monkeypatch.setenv("OPEN311_RATE_LIMIT", "2")
    get_settings.cache_clear()
    for i in range(2):
        assert file(client, api_key, token=f"r{i}").status_code == 200
    limited = file(client, api_key, token="r2")
    assert "秒" in assert_error(limited, 429)
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert file(client, other_key, token="r0").status_code == 200

    monkeypatch.setenv("OPEN311_RATE_LIMIT", "0")  # off
    get_settings.cache_clear()
    assert file(client, api_key, token="r2").status_code == 200


def test_a_used_key_records_when(client, session, places, api_key):
    row = session.exec(select(ApiKey)).one()
    assert row.last_used_at is None
    client.get(f"{BASE}/requests.json", params={"api_key": api_key})
    session.expire_all()
    assert session.get(ApiKey, row.id).last_used_at is not None
