"""The core loop through the real ASGI app: form → ticket → stored and classified → admin page."""

import re

from sqlmodel import select

from core.accounts import create_user
from core.models import Role, ServiceRequest
from tests.factories import form_token, login


def _submit_form(client, text, **fields):
    page = client.get("/")
    assert page.status_code == 200
    data = {"text": text, "csrf_token": form_token(page.text), "nonce": form_token(page.text, "nonce"), **fields}
    return client.post("/", data=data, follow_redirects=True), data


def test_form_to_ticket_to_admin_page(client, session, places, with_model):
    create_user(session, "admin", "admin-pass-1", Role.admin)
    text = "锦绣花园5号楼的电梯又坏了，老人上不了楼，请尽快维修"
    resp, _ = _submit_form(client, text, place_id=str(places["compound_A1"].id))
    assert resp.status_code == 200
    ticket = re.search(r'id="ticket">([A-Z0-9-]+)<', resp.text).group(1)
    assert "设施维修" in resp.text  # the category understood, in Chinese by default

    stored = session.exec(select(ServiceRequest).where(ServiceRequest.ticket == ticket)).one()
    assert stored.text == text and stored.category_code == "facility_repair"
    assert stored.community_id == places["community_A"].id

    anonymous = client.get("/admin", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
    assert ticket not in client.get("/admin").text

    assert login(client, "admin", "admin-pass-1").status_code == 303
    admin = client.get("/admin")
    assert admin.status_code == 200
    assert ticket in admin.text and text in admin.text
    counts = admin.text.split('id="counts"')[1]
    assert "设施维修" in counts and "A社区" in counts


def test_form_in_english(client, with_model):
    page = client.get("/?lang=en")
    assert "Tell your community what you need" in page.text
    resp, _ = _submit_form(client, "The street light outside building 3 has been broken for a week")
    assert "Received, thank you!" in resp.text


def test_resident_html_is_escaped_on_the_admin_page(client, session, with_model):
    create_user(session, "admin", "admin-pass-1", Role.admin)
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)> 路灯坏了'
    resp, _ = _submit_form(client, evil)
    assert resp.status_code == 200
    login(client, "admin", "admin-pass-1")
    page = client.get("/admin").text
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page


def test_double_submit_of_the_same_form_stores_one_request(client, session, with_model):
    page = client.get("/")
    data = {"text": "小区门口垃圾堆了三天没人清运", "csrf_token": form_token(page.text),
            "nonce": form_token(page.text, "nonce")}
    first = client.post("/", data=data, follow_redirects=False)
    second = client.post("/", data=data, follow_redirects=False)
    assert first.headers["location"] == second.headers["location"]
    assert len(session.exec(select(ServiceRequest)).all()) == 1


def test_form_errors_are_clear_and_keep_what_was_typed(client, session):
    resp, _ = _submit_form(client, "   ")
    assert resp.status_code == 422 and "内容不能为空" in resp.text
    long_text = "楼" * 2001
    resp, _ = _submit_form(client, long_text)
    assert resp.status_code == 422 and "最多 2000 字" in resp.text and long_text in resp.text
    resp, _ = _submit_form(client, "需要帮助", contact="13800000000")
    assert resp.status_code == 422 and "同意" in resp.text
    assert session.exec(select(ServiceRequest)).all() == []


def test_form_without_csrf_token_is_refused(client, session):
    resp = client.post("/", data={"text": "路灯坏了", "nonce": "n1"})
    assert resp.status_code == 403
    assert session.exec(select(ServiceRequest)).all() == []


def test_api_creates_a_request(client, session, places, with_model):
    resp = client.post("/api/v1/requests", json={"text": "希望社区开办四点半课堂，孩子放学没人接",
                                                 "place_code": "T-B-1"})
    assert resp.status_code == 201
    body = resp.json()
    assert set(body) >= {"ticket", "category", "kind", "urgent", "confidence"}
    assert body["category"] == "child_youth"
    status = client.get(f"/api/v1/requests/{body['ticket']}").json()
    assert status["status"] == "received" and "text" not in status


def test_api_repeated_delivery_returns_the_same_ticket(client, session, with_model):
    payload = {"text": "路灯不亮", "external_id": "partner-77"}
    a = client.post("/api/v1/requests", json=payload)
    b = client.post("/api/v1/requests", json=payload)
    assert (a.status_code, b.status_code) == (201, 200)
    assert a.json()["ticket"] == b.json()["ticket"]
    c = client.post("/api/v1/requests", json={"text": "路灯不亮"}, headers={"Idempotency-Key": "k1"})
    d = client.post("/api/v1/requests", json={"text": "路灯不亮"}, headers={"Idempotency-Key": "k1"})
    assert c.json()["ticket"] == d.json()["ticket"]
    assert len(session.exec(select(ServiceRequest)).all()) == 2


def test_api_errors(client, session):
    assert client.post("/api/v1/requests", json={"text": ""}).json()["code"] == "empty_text"
    too_long = client.post("/api/v1/requests", json={"text": "x" * 2001})
    assert too_long.status_code == 422 and too_long.json()["code"] == "text_too_long"
    assert client.post("/api/v1/requests", json={"text": "hi", "place_code": "nowhere"}).status_code == 422
    broken = client.post("/api/v1/requests", content=b'{"text": "\xff\xfe bad"}',
                         headers={"content-type": "application/json"})
    assert broken.status_code == 400  # not valid UTF-8 JSON: refused before it reaches intake
    assert session.exec(select(ServiceRequest)).all() == []


def test_openapi_describes_the_api(client):
    schema = client.get("/openapi.json").json()
    post = schema["paths"]["/api/v1/requests"]["post"]
    assert "201" in post["responses"]
    assert "/healthz" in schema["paths"]


def test_healthz_reports_database_and_model(client, with_model):
    body = client.get("/healthz").json()
    assert body["database"]["ok"] and body["database"]["migrations_current"]
    assert body["model"] == {"loaded": True, "version": with_model.version}
    assert body["status"] == "ok"


def test_healthz_without_a_model_is_degraded(client):
    body = client.get("/healthz").json()
    assert body["status"] == "degraded" and body["model"]["loaded"] is False


def test_static_assets_are_local(client):
    page = client.get("/").text
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert client.get("/static/app.css").status_code == 200


def test_ticket_page_is_private_to_the_submitting_browser(client, with_model):
    resp, _ = _submit_form(client, "路灯坏了")
    ticket = re.search(r'id="ticket">([A-Z0-9-]+)<', resp.text).group(1)
    client.cookies.clear()
    assert client.get(f"/t/{ticket}").status_code == 404
