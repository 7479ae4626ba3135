"""Staff sessions end on the server: logout, a new password and deactivation end every session of
the account, even a copied cookie; logins wait longer after each failure, by account and by
address, and nobody can keep another person out for long."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from core.accounts import (
    ACCOUNT_MAX_WAIT,
    LoginThrottled,
    authenticate,
    create_user,
    login_wait,
    set_active,
    set_password,
)
from core.models import LoginAttempt, StaffSession, utcnow
from tests.security.conftest import PASSWORDS, csrf_of, login, user


@pytest.fixture
def admin(session, engine):
    return create_user(session, "admin", PASSWORDS["admin"], "admin")


def _signed_in(client: TestClient) -> bool:
    return client.get("/admin", follow_redirects=False).status_code == 200


def _copy(app, client: TestClient) -> TestClient:
    thief = TestClient(app)
    thief.cookies.set("needs_session", client.cookies.get("needs_session"))
    return thief


def test_logout_ends_every_session_of_the_account_even_a_copied_cookie(app, admin):
    laptop, phone = login(app, "admin"), login(app, "admin")
    copied = _copy(app, laptop)
    assert _signed_in(laptop) and _signed_in(phone) and _signed_in(copied)
    laptop.post("/logout", data={"csrf_token": csrf_of(laptop)})
    assert not _signed_in(copied)
    assert not _signed_in(phone)
    assert _signed_in(login(app, "admin"))  # a new login works


def test_a_new_password_or_deactivation_ends_the_sessions(app, admin, session):
    before = login(app, "admin")
    set_password(session, user(session, "admin"), "a-brand-new-password")
    assert not _signed_in(before)
    after = TestClient(app)
    after.post("/login", data={"username": "admin", "password": "a-brand-new-password", "csrf_token": csrf_of(after)})
    assert _signed_in(after)
    set_active(session, user(session, "admin"), False)
    assert not _signed_in(after)


def test_a_session_ends_when_it_expires_and_the_row_says_who_and_when(app, admin, session):
    client = login(app, "admin")
    row = session.exec(select(StaffSession)).one()
    assert row.user_id == admin.id and row.revoked_at is None and row.expires_at > utcnow()
    assert row.expires_at - row.created_at == dt.timedelta(hours=8)
    row.expires_at = utcnow() - dt.timedelta(seconds=1)
    session.add(row)
    session.commit()
    assert not _signed_in(client)


def test_the_cookie_carries_no_user_id_only_a_random_session_id(app, admin, session):
    import base64
    import json

    client = login(app, "admin")
    payload = client.cookies.get("needs_session").split(".")[0]
    data = json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4)))
    assert "uid" not in data and len(data["sid"]) >= 40
    assert session.exec(select(StaffSession)).one().token_hash != data["sid"]  # only its digest is kept


def _age(session, seconds: float) -> None:
    """Move every recorded attempt `seconds` into the past (waiting without sleeping)."""
    for attempt in session.exec(select(LoginAttempt)):
        attempt.created_at -= dt.timedelta(seconds=seconds)
        session.add(attempt)
    session.commit()


def test_waits_grow_after_each_failure_and_refused_tries_check_no_password(admin, session):
    for _ in range(5):
        assert authenticate(session, "admin", "wrong", "10.0.0.1") is None
    waits = []
    for _ in range(3):
        with pytest.raises(LoginThrottled) as refused:
            authenticate(session, "admin", PASSWORDS["admin"], "10.0.0.1")  # even the right password waits
        waits.append(refused.value.retry_after)
        _age(session, refused.value.retry_after)
        assert authenticate(session, "admin", "wrong", "10.0.0.1") is None
    assert waits[0] >= 5 and waits[1] > waits[0] and waits[2] > waits[1]
    assert len(session.exec(select(LoginAttempt)).all()) == 8  # refused tries are not attempts


def test_nobody_can_keep_the_owner_out_for_longer_than_a_minute(admin, session):
    for n in range(30):  # an attacker fails from many addresses, waiting out every wait, far past any lockout
        try:
            authenticate(session, "admin", "wrong", f"10.1.{n}.1")
        except LoginThrottled as refused:
            _age(session, refused.retry_after)
            authenticate(session, "admin", "wrong", f"10.1.{n}.1")
    assert len(session.exec(select(LoginAttempt)).all()) == 30
    wait = login_wait(session, "admin", "192.168.7.7")
    assert 0 < wait <= ACCOUNT_MAX_WAIT.total_seconds()
    _age(session, ACCOUNT_MAX_WAIT.total_seconds())
    assert authenticate(session, "admin", PASSWORDS["admin"], "192.168.7.7") is not None
    assert login_wait(session, "admin", "192.168.7.7") == 0


def test_a_password_spray_from_one_address_is_slowed(session, engine):
    for n in range(20):
        assert authenticate(session, f"user{n}", "Winter2026!", "10.9.9.9") is None
    with pytest.raises(LoginThrottled):
        authenticate(session, "someone-else", "Winter2026!", "10.9.9.9")
    assert login_wait(session, "someone-else", "10.9.9.10") == 0  # other addresses are not slowed


def test_a_throttled_login_page_says_when_to_try_again(app, admin):
    client = TestClient(app)
    for _ in range(5):
        token = csrf_of(client)
        assert client.post("/login", data={"username": "admin", "password": "wrong", "csrf_token": token}).status_code == 401
    token = csrf_of(client)
    resp = client.post("/login?lang=en", data={"username": "admin", "password": PASSWORDS["admin"], "csrf_token": token})
    assert resp.status_code == 429 and int(resp.headers["retry-after"]) >= 1
    assert "Too many attempts" in resp.text
