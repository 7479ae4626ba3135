from sqlmodel import select

from core.accounts import create_user
from core.models import AuditLog, Role
from tests.factories import form_token, login


def test_wrong_password_is_refused_and_attempts_are_throttled(client, session):
    create_user(session, "w", "right-password", Role.admin)
    for _ in range(5):
        assert login(client, "w", "wrong-password").status_code == 401
    assert login(client, "w", "right-password").status_code == 429


def test_login_post_without_csrf_fails(client, session):
    create_user(session, "w", "right-password", Role.admin)
    resp = client.post("/login", data={"username": "w", "password": "right-password"})
    assert resp.status_code == 403


def test_passwords_are_argon2_hashed_and_logins_audited(client, session):
    user = create_user(session, "w", "right-password", Role.admin)
    assert user.password_hash.startswith("$argon2id$")
    login(client, "w", "right-password")
    assert len(session.exec(select(AuditLog).where(AuditLog.action == "login")).all()) == 1


def test_session_cookie_flags(client, session):
    create_user(session, "w", "right-password", Role.admin)
    resp = login(client, "w", "right-password")
    cookie = resp.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


def test_no_open_redirect_after_login(client, session):
    create_user(session, "w", "right-password", Role.admin)
    page = client.get("/login?next=//evil.example/x")
    assert 'value="/admin"' in page.text
    resp = client.post("/login", data={"username": "w", "password": "right-password", "next": "https://evil.example",
                                       "csrf_token": form_token(page.text)}, follow_redirects=False)
    assert resp.headers["location"] == "/admin"


def test_worker_sees_only_their_communities(client, session, places, with_model):
    from intake.service import IntakeIn, submit

    create_user(session, "wa", "worker-pass-1", Role.worker, communities=["T-A"])
    a = submit(session, IntakeIn(text="A小区路灯坏了", place_id=places["compound_A1"].id)).request
    b = submit(session, IntakeIn(text="B小区垃圾没清", place_id=places["compound_B1"].id)).request
    login(client, "wa", "worker-pass-1")
    page = client.get("/admin").text
    assert a.ticket in page and b.ticket not in page
    assert b.ticket not in client.get(f"/admin?community={places['community_B'].id}").text


def test_logout_needs_csrf_and_ends_the_session(client, session):
    create_user(session, "w", "right-password", Role.admin)
    login(client, "w", "right-password")
    assert client.post("/logout").status_code == 403
    page = client.get("/admin")
    client.post("/logout", data={"csrf_token": form_token(page.text)})
    assert client.get("/admin", follow_redirects=False).status_code == 303
