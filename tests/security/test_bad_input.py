"""No input gives a 500: the kinds an outside fuzzing run found, each a clear 4xx, with `{code, message}`
on the API (as the OpenAPI schema says) and a page in the person's language elsewhere."""

from __future__ import annotations

import json
import re

from sqlmodel import func, select

from core.models import ServiceRequest
from core.settings import get_settings
from tests.security.conftest import csrf_of, login

BIG = [2**31, 2**63, 2**64 + 5]


def cases(w) -> list[tuple]:
    """(role, method, url, keyword arguments for the client) for each kind of bad input."""
    a = w["A"]
    req, cluster, survey = a["req"].id, a["cluster"].id, a["survey"].id
    out = []
    for n in BIG:
        out += [
            ("admin", "GET", f"/admin/requests/{n}", {}), ("admin", "GET", f"/admin/rounds/{n}", {}),
            ("admin", "GET", f"/admin/clusters/{n}", {}), ("admin", "GET", f"/admin/projects/{n}", {}),
            ("admin", "GET", f"/admin/surveys/{n}/results", {}), ("admin", "GET", f"/admin/surveys/{n}/edit", {}),
            ("orgx", "GET", f"/org/projects/{n}", {}), ("anonymous", "GET", f"/api/v1/surveys/{n}", {}),
            ("anonymous", "GET", f"/s/survey-a/thanks/{n}", {}), ("admin", "POST", f"/admin/calls/{n}",
                                                                  {"data": {"outcome": "reached"}}),
            ("admin", "GET", f"/admin?community={n}", {}), ("admin", "GET", f"/admin?cluster={n}&project={n}", {}),
            ("admin", "GET", f"/admin/dashboard?community={n}", {}), ("anonymous", "GET", f"/api/v1/surveys?place_id={n}", {}),
            ("admin", "GET", f"/admin/surveys/{survey}/results?community={n}", {}),
            ("admin", "POST", "/admin/bulk", {"data": {"action": "status", "value": "accepted", "ids": [str(n)]}}),
            *[("admin", "POST", f"/admin/requests/{req}", {"data": {"action": action, "value": str(n)}})
              for action in ("assign", "cluster", "project")],
            ("admin", "POST", "/admin/rounds", {"data": {"name": "x", "place_id": str(n), "budget_yuan": "1"}}),
            ("anonymous", "POST", "/", {"data": {"text": "楼道灯坏了", "place_id": str(n)}}),
            ("admin", "POST", f"/admin/clusters/{cluster}/merge", {"data": {"target_id": str(n)}}),
            ("admin", "POST", f"/admin/clusters/{cluster}/split", {"data": {"request_ids": [str(n)]}}),
            ("admin", "POST", "/admin/surveys/new", {"data": {"slug": "big-ids", "title": "t", "targets": [str(n)],
                                                             "project_id": str(n), "questions": "[]"}}),
            ("admin", "POST", "/admin/projects", {"data": {"name": "p", "organization_id": str(n), "round_id": str(n),
                                                           "place_ids": [str(n)], "budget_yuan": "1"}}),
            ("anonymous", "POST", "/api/v1/requests", {"json": {"text": "路灯坏了", "place_id": n}}),
            ("anonymous", "POST", f"/api/v1/surveys/{survey}/responses", {"json": {"answers": {}, "place_id": n}}),
        ]
    out += [
        # a csrf_token that is not ASCII
        ("anonymous", "POST", "/login", {"data": {"username": "admin", "password": "x", "csrf_token": "令牌"}}),
        ("anonymous", "POST", "/", {"data": {"text": "楼道灯坏了", "csrf_token": "é"}}),
        ("admin", "POST", f"/admin/requests/{req}", {"data": {"action": "urgent", "value": "1", "csrf_token": "ü"}}),
        # delivery keys as long as the schema allows: the stored prefix must not push them past the column
        *[("anonymous", "POST", "/api/v1/requests", {"json": {"text": "路灯坏了", "external_id": "e" * n}})
          for n in (125, 126, 127, 128)],
        ("anonymous", "POST", "/api/v1/requests", {"json": {"text": "路灯坏了"}, "headers": {"Idempotency-Key": "k" * 128}}),
        ("anonymous", "POST", "/api/v1/requests", {"json": {"text": "路灯坏了"}, "headers": {"Idempotency-Key": "k" * 129}}),
        ("anonymous", "POST", f"/api/v1/surveys/{survey}/responses",
         {"json": {"answers": {"age": "u35", "overall": 4}}, "headers": {"Idempotency-Key": "k" * 100}}),
        # NaN and Infinity are not JSON
        *[("anonymous", "POST", "/api/v1/requests", {"content": body, "headers": {"content-type": "application/json"}})
          for body in (b'{"text": "x", "place_id": NaN}', b'{"text": Infinity}', b'{"text": "x", "confidence": -Infinity}')],
        ("anonymous", "POST", f"/api/v1/surveys/{survey}/responses",
         {"content": b'{"answers": {"overall": NaN, "household": Infinity}}', "headers": {"content-type": "application/json"}}),
        ("anonymous", "POST", "/api/v1/requests", {"content": b"[" * 100_000, "headers": {"content-type": "application/json"}}),
        ("anonymous", "POST", "/api/v1/requests", {"content": b'{"text": "\xff\xfe"}', "headers": {"content-type": "application/json"}}),
        # dates no calendar reaches
        ("admin", "GET", "/admin?month=9999-12", {}), ("admin", "GET", "/admin?since=9999-12-31&until=0001-01-01", {}),
        ("admin", "GET", f"/admin/surveys/{survey}/results?date_from=9999-12-31&date_to=0000-00-00", {}),
        # survey definitions nested too deeply, or not UTF-8
        ("admin", "POST", "/admin/surveys/import", {"files": {"file": ("s.json", b'{"slug": ' + b"[" * 50_000, "application/json")}}),
        ("admin", "POST", "/admin/surveys/import", {"files": {"file": ("s.json", '{"slug": "ü"}'.encode("latin-1"), "application/json")}}),
        ("admin", "POST", "/admin/surveys/import", {"files": {"file": ("s.json", json.dumps(
            {"slug": "deep", "title": {"zh": "t"}, "questions": [{"id": "q", "type": "text", "label": {"zh": "q"},
                                                                 "x": [[[[[[[[[[[[[[]]]]]]]]]]]]]]}]}).encode(), "application/json")}}),
        # projects with an unknown place or an amount no column holds
        ("admin", "POST", "/admin/projects", {"data": {"name": "p", "organization": "X社工中心", "place_ids": ["999999"],
                                                       "budget_yuan": "1"}}),
        *[("admin", "POST", "/admin/projects", {"data": {"name": "p", "organization": "X社工中心", "budget_yuan": v}})
          for v in ("inf", "nan", "1e300", "-1")],
        ("admin", "POST", "/admin/rounds", {"data": {"name": "r", "place_id": str(a["community"].id), "budget_yuan": "inf"}}),
        # NUL, which PostgreSQL refuses in text, wherever a string reaches the database
        ("anonymous", "POST", "/api/v1/requests", {"json": {"text": "路灯坏了", "external_id": "a\x00b"}}),
        ("anonymous", "POST", "/api/v1/requests", {"json": {"text": "路灯坏了", "place_code": "T-A\x00"}}),
        ("anonymous", "POST", "/api/v1/requests", {"json": {"text": "路灯\x00坏了"}}),
        ("anonymous", "POST", "/api/v1/requests", {"json": {"text": "路灯坏了"}, "headers": {"Idempotency-Key": "a\x00b"}}),
        ("anonymous", "GET", "/api/v1/requests/AB%00CD", {}), ("anonymous", "GET", "/t/AB%00CD", {}),
        ("anonymous", "GET", "/s/survey%00-a", {}), ("anonymous", "GET", "/s/survey-a?t=a%00b", {}),
        ("anonymous", "POST", "/", {"data": {"text": "楼道灯坏了", "nonce": "n\x00n"}}),
        ("anonymous", "POST", "/chat", {"data": {"text": "你好", "nonce": "n\x00n"}}),
        ("anonymous", "POST", "/s/survey-a", {"data": {"age": "u35", "overall": "4", "nonce": "n\x00n"}}),
        ("anonymous", "POST", "/login", {"data": {"username": "ad\x00min", "password": "x"}}),
        ("anonymous", "POST", "/track", {"data": {"ticket": "AB\x00CD", "digits": "1234"}}),
        ("anonymous", "GET", "/open311/v2/services/elder%00ly.json", {}),
        ("anonymous", "GET", "/open311/v2/requests.json?jurisdiction_id=a%00b", {}),
        ("admin", "GET", "/admin?q=%00", {}),
    ]
    return out


def _send(client, method, url, kw):
    kw = dict(kw)
    if method == "POST" and "json" not in kw and "content" not in kw:
        data = dict(kw.pop("data", {}))
        data.setdefault("csrf_token", csrf_of(client))
        kw["data"] = data
    return client.request(method, url, follow_redirects=False, **kw)


def test_bad_input_gets_a_clear_4xx_never_a_500(app, world, engine, monkeypatch):
    monkeypatch.setenv("PUBLIC_RATE_LIMIT", "0")
    get_settings.cache_clear()
    clients = {role: login(app, role) for role in ("anonymous", "orgx", "admin")}
    problems = []
    for role, method, url, kw in cases(world):
        resp = _send(clients[role], method, url, kw)
        where = f"{role} {method} {url[:80]} {str(kw)[:120]}"
        if resp.status_code >= 500:
            problems.append(f"{where}: {resp.status_code}")
        elif url.startswith("/api/") and resp.status_code >= 400:
            body = resp.json()
            if not (isinstance(body, dict) and isinstance(body.get("code"), str) and isinstance(body.get("message"), str)):
                problems.append(f"{where}: error body {body!r}")
    get_settings.cache_clear()
    assert not problems, "\n".join(problems)


def test_long_delivery_keys_are_stored_once(client, world, session):
    for key in ("e" * 128, "f" * 126):
        codes = [client.post("/api/v1/requests", json={"text": "路灯坏了", "external_id": key}).status_code
                 for _ in range(2)]
        assert codes == [201, 200]
    assert session.exec(select(func.count()).select_from(ServiceRequest)).one() == 2 + 2  # the world's two and these


def test_api_errors_have_code_and_message_and_pages_speak_the_readers_language(client, world):
    missing = client.post("/api/v1/requests", json={})
    assert missing.status_code == 422 and missing.json()["code"] == "invalid_input" and "text" in missing.json()["message"]
    assert client.get("/api/v1/requests/NOPE-NOPE").json() == {"code": "not_found", "message": "no such ticket"}
    assert "找不到" in client.get("/no/such/page").text
    page = client.get("/no/such/page?lang=en")
    assert page.status_code == 404 and "Not found." in page.text and 'lang="en"' in page.text
    nul = client.get("/s/a%00b?lang=en")
    assert nul.status_code == 422 and "cannot be stored" in nul.text


def test_a_body_past_the_limit_is_refused_before_the_route_reads_it(client, world, session, monkeypatch):
    monkeypatch.setenv("MAX_BODY_BYTES", "1000")
    get_settings.cache_clear()
    big = client.post("/api/v1/requests", json={"text": "路灯坏了", "unknown": "x" * 2000})
    assert big.status_code == 413 and big.json()["code"] == "too_large"
    streamed = client.post("/api/v1/requests", content=iter([b'{"text": "', b"x" * 2000, b'"}']),
                           headers={"content-type": "application/json"})
    assert streamed.status_code == 413
    form = client.post("/", data={"text": "x" * 2000})
    assert form.status_code == 413 and "提交的内容太大" in form.text
    assert session.exec(select(func.count()).select_from(ServiceRequest)).one() == 2  # only the world's
    get_settings.cache_clear()


def test_uploads_on_staff_pages_may_be_larger_than_other_bodies(app, world, monkeypatch):
    monkeypatch.setenv("MAX_BODY_BYTES", "1000")
    get_settings.cache_clear()
    admin = login(app, "admin")
    questions = [{"id": f"q{n}", "type": "text", "label": {"zh": f"第{n}个问题", "en": f"Question {n}"}} for n in range(40)]
    definition = json.dumps({"slug": "big-upload", "title": {"zh": "大文件", "en": "Big"}, "questions": questions}).encode()
    assert len(definition) > 2000
    resp = admin.post("/admin/surveys/import", data={"csrf_token": csrf_of(admin)},
                      files={"file": ("s.json", definition, "application/json")}, follow_redirects=False)
    assert resp.status_code == 303, re.findall(r"(?s)<main.*?</main>", resp.text)
    get_settings.cache_clear()
