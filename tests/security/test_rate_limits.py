"""Every public write is limited per client address (PUBLIC_RATE_LIMIT a minute); over the limit the
answer is 429 with Retry-After, in the resident's language, and nothing accepted before is lost.
The client address believes X-Forwarded-For only from TRUSTED_PROXIES."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlmodel import func, select
from starlette.requests import Request as StarletteRequest

from core.deps import client_ip
from core.models import ServiceRequest, SurveyResponse
from core.ratelimit import hit
from core.settings import get_settings
from intake.lookup import PER_ADDRESS, PER_TICKET
from tests.factories import make_places
from tests.survey.factories import make_survey

STAFF_OR_MACHINE = ("/admin", "/account/", "/login", "/logout", "/telegram/", "/open311/")  # limited otherwise (login waits,
# webhook secret, Open311 keys) or not public at all (a signed-in staff member's own password)


def _form_token(client: TestClient, path: str) -> dict:
    html = client.get(path).text
    fields = dict(re.findall(r'name="(csrf_token|nonce)" value="([^"]*)"', html))
    return fields


def _need_form(client, n):
    return client.post("/", data={**_form_token(client, "/"), "text": f"楼道灯坏了第{n}次"}, follow_redirects=False)


def _api_request(client, n):
    return client.post("/api/v1/requests", json={"text": f"路灯坏了第{n}次"})


def _lookup(client, n):
    return client.get(f"/api/v1/requests/NO{n:02d}-SUCH")


def _chat(client, n):
    return client.post("/chat", data={**_form_token(client, "/chat"), "text": f"你好{n}"}, follow_redirects=False)


def _survey_form(client, n):
    fields = _form_token(client, "/s/rl")
    return client.post("/s/rl", data={**fields, "need": f"需要助餐{n}"}, follow_redirects=False)


def _survey_api(client, n, survey_id=None):
    return client.post(f"/api/v1/surveys/{survey_id}/responses", json={"answers": {"need": f"需要助餐{n}"}})


def _track(client, n):
    return client.post("/track", data={"ticket": f"NO{n:02d}-SUCH", "digits": "1234"}, follow_redirects=False)


def _rate(client, n):
    return client.post("/t/NO00-SUCH/wrong-key/rate", data={**_form_token(client, "/"), "score": "5"},
                       follow_redirects=False)


# every public write, how to make one, and how many one address gets before the 429 (PUBLIC_RATE_LIMIT
# is 2 here; ticket guessing has limits of its own); a new public route that writes must be added here
PUBLIC_WRITES = {
    ("POST", "/"): (_need_form, 2),
    ("POST", "/api/v1/requests"): (_api_request, 2),
    ("GET", "/api/v1/requests/{ticket}"): (_lookup, 2),  # ticket guessing through the API
    ("POST", "/chat"): (_chat, 2),
    ("POST", "/s/{slug}"): (_survey_form, 2),
    ("POST", "/api/v1/surveys/{survey_id}/responses"): (_survey_api, 2),
    ("POST", "/track"): (_track, PER_ADDRESS[0]),
    ("POST", "/t/{ticket}/{key}/rate"): (_rate, PER_TICKET[0]),  # wrong keys: guesses at a private link
}


def public_write_routes(app) -> set[tuple[str, str]]:
    found = set()
    for route in iter_route_contexts(app.routes):
        for method in route.methods or ():
            if method == "POST" and not route.path.startswith(STAFF_OR_MACHINE):
                found.add((method, route.path))
    return found | {("GET", "/api/v1/requests/{ticket}")}


@pytest.fixture
def limited(engine, monkeypatch):
    monkeypatch.setenv("PUBLIC_RATE_LIMIT", "2")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def survey(session, places):
    questions = [{"id": "need", "type": "text", "label": {"zh": "您需要什么", "en": "What do you need"}}]
    return make_survey(session, slug="rl", questions=questions)


def test_every_public_write_has_a_limit_case(client):
    assert public_write_routes(client.app) == set(PUBLIC_WRITES), "a public write route without a rate limit case"


@pytest.mark.parametrize("route", sorted(PUBLIC_WRITES), ids=lambda r: f"{r[0]} {r[1]}")
def test_a_public_write_over_the_limit_gets_429_with_retry_after(route, limited, client, survey, session):
    send, allowed = PUBLIC_WRITES[route]
    call = (lambda n: send(client, n, survey.id)) if send is _survey_api else (lambda n: send(client, n))
    first = [call(n) for n in range(allowed)]
    assert all(r.status_code < 400 or r.status_code == 404 for r in first), [r.text[:200] for r in first]
    refused = call(allowed)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 2 * 3600  # at most two windows (the longest is an hour)
    if route[1].startswith("/api/"):
        assert refused.json()["code"] == "rate_limited" and "秒后再试" in refused.json()["message"]
    else:
        assert "text/html" in refused.headers["content-type"] and "秒后再试" in refused.text


def test_the_refusal_speaks_english_to_an_english_reader(limited, client, places):
    client.get("/?lang=en")
    for n in range(2):
        _need_form(client, n)
    resp = _need_form(client, 2)
    assert resp.status_code == 429 and "Too many submissions" in resp.text


def test_nothing_accepted_is_lost_and_the_refused_text_is_kept(limited, client, places, session):
    tickets = [_need_form(client, n).headers["location"] for n in range(2)]
    refused = _need_form(client, 2)
    assert refused.status_code == 429 and "楼道灯坏了第2次" in refused.text  # the resident's words come back
    assert session.exec(select(func.count()).select_from(ServiceRequest)).one() == 2
    assert all(t.startswith("/t/") for t in tickets)
    api = [_api_request(client, n) for n in range(3)]
    assert [r.status_code for r in api] == [201, 201, 429]
    assert session.exec(select(func.count()).select_from(ServiceRequest)).one() == 4


def test_limits_are_per_address_and_per_kind_of_write(limited, engine, places):
    from app.main import create_app

    app = create_app()
    one, other = TestClient(app, client=("10.0.0.1", 5000)), TestClient(app, client=("10.0.0.2", 5000))
    assert [_api_request(one, n).status_code for n in range(3)] == [201, 201, 429]
    assert _api_request(other, 0).status_code == 201
    assert _lookup(one, 0).status_code == 404  # lookups count apart from submissions


def test_a_rotating_forwarded_for_header_does_not_reset_the_limit(limited, engine, places, session):
    from app.main import create_app

    client = TestClient(create_app(), client=("127.0.0.1", 5000))
    codes = [client.post("/api/v1/requests", json={"text": "路灯坏了"},
                         headers={"X-Forwarded-For": f"203.0.113.{n}"}).status_code for n in range(5)]
    assert codes == [201, 201, 429, 429, 429]


def test_limit_zero_turns_the_limits_off(engine, monkeypatch, places):
    from app.main import create_app

    monkeypatch.setenv("PUBLIC_RATE_LIMIT", "0")
    get_settings.cache_clear()
    client = TestClient(create_app())
    assert {_api_request(client, n).status_code for n in range(40)} == {201}


def _request(peer: str, forwarded: list[str]) -> StarletteRequest:
    headers = [(b"x-forwarded-for", v.encode()) for v in forwarded]
    return StarletteRequest({"type": "http", "client": (peer, 1234), "headers": headers, "path": "/"})


def test_client_address_believes_forwarded_for_only_from_trusted_proxies(engine, monkeypatch):
    assert client_ip(_request("172.30.0.2", ["198.51.100.7"])) == "172.30.0.2"  # nothing trusted by default
    monkeypatch.setenv("TRUSTED_PROXIES", "172.30.0.0/24, 10.1.2.3")
    get_settings.cache_clear()
    assert client_ip(_request("172.30.0.2", ["198.51.100.7"])) == "198.51.100.7"
    # what the client wrote itself stands left of what our proxy appended: never believed
    assert client_ip(_request("172.30.0.2", ["6.6.6.6, 198.51.100.7"])) == "198.51.100.7"
    assert client_ip(_request("172.30.0.2", ["6.6.6.6", "198.51.100.7, 10.1.2.3"])) == "198.51.100.7"
    assert client_ip(_request("198.51.100.9", ["6.6.6.6"])) == "198.51.100.9"  # not from a proxy
    assert client_ip(_request("172.30.0.2", ["not-an-address"])) == "172.30.0.2"
    get_settings.cache_clear()


def test_the_server_does_not_let_uvicorn_rewrite_the_client_address(engine, monkeypatch):
    import uvicorn

    from app.cli import serve

    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: seen.update(kw))
    serve(host="127.0.0.1", port=1, workers=1, reload=False)
    assert seen["proxy_headers"] is False


def test_the_sliding_window_counts_the_previous_minute_too(session):
    t0 = 1_800_000_000  # a window boundary
    assert [hit(session, "t", "k", 3, 60, now=t0 + s) for s in (50, 51, 52)] == [None] * 3
    refused = hit(session, "t", "k", 3, 60, now=t0 + 53)
    assert refused is not None and refused.seconds >= 7  # not free again at the boundary
    assert hit(session, "t", "k", 3, 60, now=t0 + 61) is not None  # 4 hits weigh 59/60 just after it
    assert hit(session, "t", "k", 3, 60, now=t0 + 115) is None
    assert hit(session, "t", "other", 3, 60, now=t0 + 53) is None


def test_survey_submissions_are_limited_whatever_the_forwarded_header(limited, client, survey, session):
    codes = [client.post(f"/api/v1/surveys/{survey.id}/responses", json={"answers": {"need": f"助餐{n}"}},
                         headers={"X-Forwarded-For": f"198.51.100.{n}"}).status_code for n in range(4)]
    assert codes == [201, 201, 429, 429]
    assert session.exec(select(func.count()).select_from(SurveyResponse)).one() == 2


@pytest.fixture
def places(session):
    return make_places(session)
