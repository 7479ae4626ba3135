"""Every route of the app, as every role, against another community's and another organization's
objects: reads and writes are refused (403, 404, or the way to the login page), nothing is
written, and no page shows a word of an object outside the reader's scope.

The table below is checked against `create_app().routes`: a route missing from it fails the
test, so a new route cannot be forgotten. For each route, say who may use it and how to call it.
"""

from __future__ import annotations

import io
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from fastapi.routing import iter_route_contexts

from core.models import CallTask
from core.settings import get_settings
from open311.keys import create_key
from tests.security.conftest import csrf_of, digest, login

PUBLIC, STAFF, ADMIN, ORG, SESSION = "public", "staff", "admin", "org", "session"
ROLES = ("anonymous", "orgx", "wa", "wb", "admin")  # the admin last: its writes are allowed and change things
FOREIGN = {"anonymous": "B", "orgx": "B", "wa": "B", "wb": "A", "admin": "B"}  # the side each role is tested against
OWN = {side: ("B" if side == "A" else "A") for side in ("A", "B")}  # the other side of a foreign side

# words that name an object of a side (conftest.world); what each role must never be shown
KINDS = ("request", "cluster", "round", "project", "doc", "survey", "draft", "comment")
NEVER_PUBLIC = {f"zq{s}{k}" for s in "ab" for k in KINDS if k != "survey"}  # published surveys are public


def forbidden(role: str) -> set[str]:
    f = FOREIGN[role].lower()
    if role == "admin":
        return set()
    if role == "anonymous":
        return NEVER_PUBLIC
    if role == "orgx":  # no raw request, nothing of organization Y, no staff tools
        return {"zqarequest", "zqbrequest", "zqbproject", "zqbcomment", "zqacluster", "zqbcluster", "zqbround",
                "zqbdoc", "zqadraft", "zqbdraft"}
    return {f"zq{f}{k}" for k in KINDS}


@dataclass(frozen=True)
class Ref:
    """An attribute of an object of the world: of the foreign side (F) or the tester's own (O)."""

    foreign: bool
    key: str
    attr: str = "id"

    def __call__(self, w, foreign, own):
        return getattr(w[foreign if self.foreign else own][self.key], self.attr)

    def mine(self) -> Ref:
        return Ref(False, self.key, self.attr)


def F(key: str, attr: str = "id") -> Ref:
    return Ref(True, key, attr)


def O(key: str, attr: str = "id") -> Ref:  # noqa: E743  a one-letter name, like F
    return Ref(False, key, attr)


@dataclass
class Case:
    who: str  # PUBLIC, STAFF (admins and workers in scope), ADMIN, ORG, SESSION (login, logout)
    params: dict = field(default_factory=dict)  # path parameter -> value (or a function of the world)
    data: dict | None = None  # form fields of a POST (values may be functions of the world)
    json: dict | None = None
    files: Callable | None = None
    query: str = ""
    listing: bool = False  # a page over many objects: open to its roles, shows only what each may see


def survey_file(w, foreign, own):
    definition = {"slug": f"imported-{uuid.uuid4().hex[:6]}", "title": {"zh": "导入问卷", "en": "Imported"},
                  "target_places": [w[foreign]["community"].code],
                  "questions": [{"id": "q", "type": "text", "label": {"zh": "问题", "en": "Q"}}]}
    return {"file": ("s.json", json.dumps(definition).encode(), "application/json")}


SURVEY_FORM = {"slug": "x-edit", "title": "改过", "purpose": "needs", "questions": "[]"}

ROUTES: dict[tuple[str, str], list[Case]] = {
    # public: the same for everyone
    ("GET", "/openapi.json"): [Case(PUBLIC)],
    ("GET", "/docs"): [Case(PUBLIC)],
    ("GET", "/healthz"): [Case(PUBLIC)],
    ("GET", "/"): [Case(PUBLIC)],
    ("POST", "/"): [Case(PUBLIC, data={"text": "楼道灯坏了"})],
    ("GET", "/t/{ticket}"): [Case(PUBLIC, {"ticket": F("req", "ticket")})],
    ("GET", "/track"): [Case(PUBLIC)],
    ("POST", "/track"): [Case(PUBLIC, data={"ticket": F("req", "ticket"), "digits": "0000"})],
    ("GET", "/t/{ticket}/{key}"): [Case(PUBLIC, {"ticket": F("req", "ticket"), "key": "not-the-key"})],
    ("POST", "/t/{ticket}/{key}/rate"): [Case(PUBLIC, {"ticket": F("req", "ticket"), "key": "not-the-key"},
                                             data={"score": "1"})],
    ("POST", "/api/v1/requests"): [Case(PUBLIC, json={"text": "路灯坏了"})],
    ("GET", "/api/v1/requests/{ticket}"): [Case(PUBLIC, {"ticket": F("req", "ticket")})],
    ("GET", "/s"): [Case(PUBLIC)],
    ("GET", "/s/{slug}"): [Case(PUBLIC, {"slug": F("survey", "slug")}), Case(PUBLIC, {"slug": F("draft", "slug")})],
    ("POST", "/s/{slug}"): [Case(PUBLIC, {"slug": F("draft", "slug")}, data={"need": "助餐"})],
    ("GET", "/s/{slug}/thanks/{response_id}"): [Case(PUBLIC, {"slug": F("survey", "slug"),
                                                              "response_id": F("response")})],
    ("GET", "/s/{slug}/qr.png"): [Case(PUBLIC, {"slug": F("survey", "slug")})],
    ("GET", "/s/{slug}/poster"): [Case(PUBLIC, {"slug": F("survey", "slug")})],
    ("GET", "/api/v1/surveys"): [Case(PUBLIC)],
    ("GET", "/api/v1/surveys/{survey_id}"): [Case(PUBLIC, {"survey_id": F("survey")}),
                                             Case(PUBLIC, {"survey_id": F("draft")})],
    ("POST", "/api/v1/surveys/{survey_id}/responses"): [Case(PUBLIC, {"survey_id": F("draft")},
                                                             json={"answers": {}})],
    ("GET", "/chat"): [Case(PUBLIC)],
    ("POST", "/chat"): [Case(PUBLIC, data={"text": "你好"})],
    ("POST", "/telegram/webhook/{framework}"): [Case(PUBLIC, {"framework": "aiogram"}, json={"update_id": 1})],
    ("GET", "/open311/v2/discovery.{fmt}"): [Case(PUBLIC, {"fmt": "json"})],
    ("GET", "/open311/v2/services.{fmt}"): [Case(PUBLIC, {"fmt": "json"})],
    ("GET", "/open311/v2/services/{service_code}.{fmt}"): [Case(PUBLIC, {"service_code": "elderly_care", "fmt": "xml"})],
    ("POST", "/open311/v2/requests.{fmt}"): [Case(PUBLIC, {"fmt": "json"}, data={"description": "路灯坏了"})],
    ("GET", "/open311/v2/requests.{fmt}"): [Case(PUBLIC, {"fmt": "json"})],
    ("GET", "/open311/v2/requests/{service_request_id}.{fmt}"): [Case(PUBLIC, {"service_request_id": F("req", "ticket"),
                                                                              "fmt": "json"})],
    ("GET", "/open311/v2/tokens/{token}.{fmt}"): [Case(PUBLIC, {"token": "abc", "fmt": "json"})],
    ("GET", "/open311/v2/{rest:path}"): [Case(PUBLIC, {"rest": "nothing/here"})],
    ("POST", "/open311/v2/{rest:path}"): [Case(PUBLIC, {"rest": "nothing/here"})],
    # the staff inbox and requests
    ("GET", "/login"): [Case(SESSION)],
    ("POST", "/login"): [Case(SESSION, data={"username": "nobody", "password": "wrong-password"})],
    ("POST", "/logout"): [Case(SESSION)],
    ("GET", "/admin"): [Case(STAFF, listing=True), Case(STAFF, listing=True, query="community={c}&status=open"),
                        Case(STAFF, listing=True, query="cluster={cl}"), Case(STAFF, listing=True, query="q=zq")],
    ("GET", "/admin/requests/{request_id}"): [Case(STAFF, {"request_id": F("req")})],
    ("POST", "/admin/requests/{request_id}"): [
        Case(STAFF, {"request_id": F("req")}, data={"action": "status", "value": "accepted"}),
        Case(STAFF, {"request_id": F("req")}, data={"action": "reply", "value": "已处理"}),
        Case(STAFF, {"request_id": O("req")}, data={"action": "cluster", "value": F("cluster")}),
        Case(STAFF, {"request_id": O("req")}, data={"action": "project", "value": F("project")}),
        Case(STAFF, {"request_id": O("req")}, data={"action": "assign", "value": F("worker")})],
    ("POST", "/admin/calls/{task_id}"): [Case(STAFF, {"task_id": F("task")}, data={"outcome": "reached"})],
    ("POST", "/admin/bulk"): [
        Case(STAFF, data={"action": "status", "value": "accepted", "ids": [F("req")]}),
        Case(STAFF, data={"action": "cluster", "value": F("cluster"), "ids": [O("req")]}),
        Case(STAFF, data={"action": "project", "value": F("project"), "ids": [O("req")]})],
    ("GET", "/admin/dashboard"): [Case(STAFF, listing=True), Case(STAFF, listing=True, query="community={c}")],
    ("GET", "/admin/dashboard/print"): [Case(STAFF, listing=True, query="community={c}")],
    ("GET", "/admin/dashboard.xlsx"): [Case(STAFF, listing=True), Case(STAFF, listing=True, query="community={c}")],
    ("GET", "/admin/rates.xlsx"): [Case(STAFF, listing=True)],
    # purchase rounds and projects
    ("GET", "/admin/rounds"): [Case(STAFF, listing=True)],
    ("POST", "/admin/rounds"): [Case(STAFF, data={"name": "新一轮", "place_id": F("community"), "budget_yuan": "100"})],
    ("GET", "/admin/rounds/{round_id}"): [Case(STAFF, {"round_id": F("round")})],
    ("GET", "/admin/rounds/{round_id}/print"): [Case(STAFF, {"round_id": F("round")})],
    ("GET", "/admin/rounds/{round_id}/plan.xlsx"): [Case(STAFF, {"round_id": F("round")})],
    ("POST", "/admin/rounds/{round_id}/propose"): [Case(STAFF, {"round_id": F("round")}, data={})],
    ("POST", "/admin/rounds/{round_id}/decide"): [Case(STAFF, {"round_id": F("round")}, data={"note": "定了"})],
    ("POST", "/admin/rounds/{round_id}/stage"): [Case(STAFF, {"round_id": F("round")}, data={"stage": "review"})],
    ("POST", "/admin/rounds/{round_id}/documents"): [Case(STAFF, {"round_id": F("round")},
                                                          data={"stage": "review", "title": "评审纪要"})],
    ("GET", "/admin/projects"): [Case(STAFF, listing=True)],
    ("POST", "/admin/projects"): [Case(ADMIN, data={"name": "新项目", "organization_id": F("project", "organization_id"),
                                                    "budget_yuan": "inf", "place_ids": ["999999"]})],
    ("GET", "/admin/projects/{project_id}"): [Case(STAFF, {"project_id": F("project")})],
    ("POST", "/admin/projects/{project_id}/assess"): [Case(STAFF, {"project_id": F("project")}, data={"score": "3"})],
    ("GET", "/org"): [Case(ORG, listing=True)],
    ("GET", "/org/projects/{project_id}"): [Case(ORG, {"project_id": F("project")})],
    ("GET", "/admin/audit"): [Case(ADMIN)],
    ("GET", "/admin/supervision"): [Case(ADMIN)],
    ("POST", "/admin/supervision/rules"): [Case(ADMIN, data={"respond_hours": "24"})],
    # clusters
    ("GET", "/admin/clusters"): [Case(STAFF, listing=True)],
    ("GET", "/admin/clusters/{cluster_id}"): [Case(STAFF, {"cluster_id": F("cluster")})],
    ("POST", "/admin/clusters/{cluster_id}/merge"): [
        Case(STAFF, {"cluster_id": F("cluster")}, data={"target_id": O("cluster")}),
        Case(STAFF, {"cluster_id": O("cluster")}, data={"target_id": F("cluster")})],
    ("POST", "/admin/clusters/{cluster_id}/split"): [
        Case(STAFF, {"cluster_id": F("cluster")}, data={"request_ids": [F("req")]}),
        Case(STAFF, {"cluster_id": O("cluster")}, data={"request_ids": [F("req")]})],
    # surveys
    ("GET", "/admin/surveys"): [Case(STAFF, listing=True)],
    ("GET", "/admin/surveys/new"): [Case(STAFF, listing=True)],
    ("POST", "/admin/surveys/new"): [Case(STAFF, data={**SURVEY_FORM, "slug": "new-x", "targets": [F("community")]}),
                                     Case(STAFF, data={**SURVEY_FORM, "slug": "new-y", "targets": [O("community")],
                                                       "project_id": F("project")})],
    ("GET", "/admin/surveys/{survey_id}/edit"): [Case(STAFF, {"survey_id": F("draft")})],
    ("POST", "/admin/surveys/{survey_id}/edit"): [
        Case(STAFF, {"survey_id": F("draft")}, data={**SURVEY_FORM, "targets": [F("community")]}),
        Case(STAFF, {"survey_id": O("draft")}, data={**SURVEY_FORM, "targets": [O("community")],
                                                     "project_id": F("project")})],
    ("POST", "/admin/surveys/{survey_id}/status"): [Case(STAFF, {"survey_id": F("draft")}, data={"status": "open"})],
    ("POST", "/admin/surveys/import"): [Case(STAFF, data={}, files=survey_file)],
    ("GET", "/admin/surveys/{survey_id}/definition.json"): [Case(STAFF, {"survey_id": F("draft")})],
    ("GET", "/admin/surveys/{survey_id}/links.csv"): [Case(STAFF, {"survey_id": F("draft")})],
    ("GET", "/admin/surveys/{survey_id}/results"): [Case(STAFF, {"survey_id": F("survey")})],
    ("GET", "/admin/surveys/{survey_id}/responses.{fmt}"): [Case(STAFF, {"survey_id": F("survey"), "fmt": "csv"})],
    ("POST", "/admin/surveys/{survey_id}/questions"): [Case(STAFF, {"survey_id": F("draft")},
                                                            data={"qid": "extra", "qtype": "text", "label_zh": "补充"})],
    ("POST", "/admin/surveys/{survey_id}/questions/{qid}/remove"): [Case(STAFF, {"survey_id": F("draft"),
                                                                                  "qid": "need"}, data={})],
    ("GET", "/admin/surveys/satisfaction"): [Case(STAFF, listing=True)],
    # Open311 client keys, for admins
    ("GET", "/admin/api-keys"): [Case(ADMIN)],
    ("POST", "/admin/api-keys"): [Case(ADMIN, data={"name": "another-system"})],
    ("POST", "/admin/api-keys/{key_id}/revoke"): [Case(ADMIN, {"key_id": lambda w, f, o: w["key"].id}, data={})],
    # a street office's own data: places, staff, organizations, categories, imports (admins)
    ("GET", "/account/password"): [Case(SESSION)],
    ("POST", "/account/password"): [Case(SESSION, data={"current": "wrong-password", "new": "x", "again": "y"})],
    ("GET", "/admin/setup"): [Case(ADMIN)],
    ("GET", "/admin/places"): [Case(ADMIN)],
    ("POST", "/admin/places"): [Case(ADMIN, data={})],
    ("GET", "/admin/places/import"): [Case(ADMIN)],
    ("POST", "/admin/places/import"): [Case(ADMIN, data={})],
    ("POST", "/admin/places/import/{token}"): [Case(ADMIN, {"token": "unknown"}, data={})],
    ("GET", "/admin/places/{place_id:int}"): [Case(ADMIN, {"place_id": F("community")})],
    ("POST", "/admin/places/{place_id:int}"): [Case(ADMIN, {"place_id": F("community")}, data={})],
    ("POST", "/admin/places/{place_id:int}/retire"): [Case(ADMIN, {"place_id": F("community")}, data={})],
    ("GET", "/admin/staff"): [Case(ADMIN)],
    ("POST", "/admin/staff"): [Case(ADMIN, data={})],
    ("GET", "/admin/staff/{user_id:int}"): [Case(ADMIN, {"user_id": F("worker")})],
    ("POST", "/admin/staff/{user_id:int}"): [Case(ADMIN, {"user_id": F("worker")}, data={})],
    ("POST", "/admin/staff/{user_id:int}/active"): [Case(ADMIN, {"user_id": F("worker")}, data={})],
    ("POST", "/admin/staff/{user_id:int}/reset"): [Case(ADMIN, {"user_id": F("worker")}, data={})],
    ("GET", "/admin/organizations"): [Case(ADMIN)],
    ("POST", "/admin/organizations"): [Case(ADMIN, data={})],
    ("GET", "/admin/organizations/{org_id:int}"): [Case(ADMIN, {"org_id": F("project", "organization_id")})],
    ("POST", "/admin/organizations/{org_id:int}"): [Case(ADMIN, {"org_id": F("project", "organization_id")},
                                                          data={})],
    ("GET", "/admin/projects/{project_id:int}/edit"): [Case(ADMIN, {"project_id": F("project")})],
    ("POST", "/admin/projects/{project_id:int}/edit"): [Case(ADMIN, {"project_id": F("project")}, data={})],
    ("GET", "/admin/categories"): [Case(ADMIN)],
    ("POST", "/admin/categories"): [Case(ADMIN, data={})],
    ("POST", "/admin/categories-retrain"): [Case(ADMIN, data={})],
    ("POST", "/admin/categories/{code}"): [Case(ADMIN, {"code": "elderly_care"}, data={})],
    ("GET", "/admin/imports/requests"): [Case(ADMIN)],
    ("POST", "/admin/imports/requests"): [Case(ADMIN, data={})],
    # an import's or a job's page by an unknown token: nobody is shown anything
    ("GET", "/admin/imports/requests/{token}"): [Case(PUBLIC, {"token": "unknown"})],
    ("POST", "/admin/imports/requests/{token}"): [Case(ADMIN, {"token": "unknown"}, data={})],
    ("GET", "/admin/jobs/{job_id}"): [Case(PUBLIC, {"job_id": "999999"})],
}
MOUNTS = {"/static", "/admin/static", "/survey-static", "/docs-static", "/docs-own"}  # files, no data


def app_routes(app) -> set[tuple[str, str]]:
    found = set()
    for route in iter_route_contexts(app.routes):
        if route.methods is None:
            assert route.path in MOUNTS, f"a mount that is not a known static directory: {route.path}"
            continue
        for method in route.methods - {"HEAD"}:
            found.add((method, route.path))
    return found


def test_the_table_names_every_route_of_the_app(app):
    routes = app_routes(app)
    missing, stale = routes - set(ROUTES), set(ROUTES) - routes
    assert not missing, f"routes without scope expectations (add them to ROUTES): {sorted(missing)}"
    assert not stale, f"expectations for routes that are gone: {sorted(stale)}"


def _value(value, w, foreign, own):
    if callable(value):
        return value(w, foreign, own)
    if isinstance(value, list):
        return [_value(v, w, foreign, own) for v in value]
    return value


def _text(resp) -> str:
    """What a person would read in the response, xlsx workbooks included."""
    if "spreadsheetml" in resp.headers.get("content-type", ""):
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(resp.content))
        return " ".join(str(c.value) for sheet in book for row in sheet.iter_rows() for c in row if c.value is not None)
    if resp.headers.get("content-type", "").startswith("image/"):
        return ""
    return resp.text


def _call(client, method, path, case: Case, w, foreign, own):
    params = {k: _value(v, w, foreign, own) for k, v in case.params.items()}
    url = re.sub(r"\{(\w+):\w+\}", r"{\1}", path).format(**params)  # {place_id:int} → {place_id}
    if case.query:
        url += "?" + case.query.format(c=w[foreign]["community"].id, cl=w[foreign]["cluster"].id)
    if method == "GET":
        return client.get(url, follow_redirects=False)
    if case.json is not None:
        return client.post(url, json=case.json, follow_redirects=False)
    data = {k: _value(v, w, foreign, own) for k, v in (case.data or {}).items()}
    data = {k: ([str(x) for x in v] if isinstance(v, list) else str(v)) for k, v in data.items()}
    data.setdefault("csrf_token", csrf_of(client))
    data.setdefault("nonce", uuid.uuid4().hex)
    files = case.files(w, foreign, own) if case.files else None
    return client.post(url, data=data, files=files, follow_redirects=False)


def _to_login(resp) -> bool:
    return resp.status_code == 303 and resp.headers["location"].startswith("/login")


def _refused(resp, method: str, role: str) -> bool:
    """403/404, or the way to the login page (anonymous) or to the organization's home (org viewers);
    a form refused with a message on the page it came from is a 303 too (nothing is written either)."""
    if resp.status_code in (403, 404):
        return True
    if role == "anonymous":
        return _to_login(resp)
    if role == "orgx" and resp.status_code == 303 and resp.headers["location"].startswith("/org"):
        return True
    return method == "POST" and resp.status_code in (303, 400, 422)


def _check(role, method, path, case: Case, resp, changed: bool) -> list[str]:
    where = f"{role} {method} {path} {case.params or ''}{case.data or case.json or ''}{case.query}"
    problems = []
    if resp.status_code >= 500:
        return [f"{where}: {resp.status_code}"]
    shown = _text(resp)
    hidden = forbidden(role) & NEVER_PUBLIC if case.who == PUBLIC else forbidden(role)
    seen = sorted(word for word in hidden if word in shown)
    if seen:
        problems.append(f"{where}: shows {seen}")
    allowed = (case.who == PUBLIC or case.who == SESSION or role == "admin" and case.who in (STAFF, ADMIN)
               or case.listing and role in ("wa", "wb") and case.who == STAFF
               or case.listing and role == "orgx" and case.who == ORG)
    if allowed:
        if role == "admin" and method == "GET" and resp.status_code != 200 and case.who != PUBLIC:
            problems.append(f"{where}: {resp.status_code} for the admin")
        if case.listing and method == "GET" and resp.status_code != 200:
            problems.append(f"{where}: {resp.status_code} for a reader of this list")
        return problems
    if not _refused(resp, method, role):
        problems.append(f"{where}: {resp.status_code} {resp.headers.get('location', '')} not refused")
    if changed:
        problems.append(f"{where}: wrote to the database ({resp.status_code})")
    return problems


@pytest.fixture
def walk_world(world, session, engine, monkeypatch):
    monkeypatch.setenv("PUBLIC_RATE_LIMIT", "0")
    get_settings.cache_clear()
    for side in ("A", "B"):
        task = CallTask(request_id=world[side]["req"].id, purpose="reply", message="回电",
                        assignee_id=world[side]["worker"].id)
        session.add(task)
        session.commit()
        session.refresh(task)
        world[side]["task"] = task
    world["key"], _secret = create_key(session, "walk-key", created_by=world["users"]["admin"])
    session.commit()
    yield world
    get_settings.cache_clear()


def test_every_route_as_every_role_refuses_other_scopes(app, walk_world, engine):
    w = walk_world
    problems: list[str] = []
    ordered = sorted(ROUTES, key=lambda r: (ROUTES[r][0].who == SESSION, r))  # logout last: it ends the session
    for role in ROLES:
        client = login(app, role)
        foreign = FOREIGN[role]
        own = OWN[foreign]
        for method, path in ordered:
            for case in ROUTES[(method, path)]:
                before = digest(engine) if case.who not in (PUBLIC, SESSION) else None
                resp = _call(client, method, path, case, w, foreign, own)
                changed = before is not None and digest(engine) != before
                problems += _check(role, method, path, case, resp, changed)
    assert not problems, "\n".join(problems)


def test_workers_and_organizations_can_still_read_their_own(app, walk_world):
    """The refusals above are scope, not a closed door: each reads their own side's objects."""
    w = walk_world
    problems = []
    for role, side in (("wa", "A"), ("wb", "B")):
        client = login(app, role)
        for (method, path), cases in ROUTES.items():
            for case in cases:
                if method != "GET" or case.who != STAFF or case.listing:
                    continue
                own_case = Case(STAFF, {k: v.mine() if isinstance(v, Ref) else v for k, v in case.params.items()})
                resp = _call(client, method, path, own_case, w, OWN[side], side)
                if resp.status_code != 200:
                    problems.append(f"{role} {path} own: {resp.status_code}")
    org = login(app, "orgx")
    resp = org.get(f"/org/projects/{w['A']['project'].id}")
    if resp.status_code != 200 or "zqaproject" not in resp.text:
        problems.append(f"orgx own project: {resp.status_code}")
    assert not problems, "\n".join(problems)


def test_a_worker_cannot_link_a_request_to_another_communitys_cluster_or_project(app, walk_world, session):
    w = walk_world
    client = login(app, "wa")
    req = w["A"]["req"]
    for action, value in (("cluster", w["B"]["cluster"].id), ("project", w["B"]["project"].id)):
        client.post(f"/admin/requests/{req.id}", data={"action": action, "value": str(value),
                                                      "csrf_token": csrf_of(client)})
    session.expire_all()
    assert session.get(type(req), req.id).cluster_id == w["A"]["cluster"].id
    assert session.get(type(req), req.id).project_id is None
    assert session.get(type(w["B"]["cluster"]), w["B"]["cluster"].id).size == 1
    page = client.get(f"/admin/requests/{req.id}").text
    assert "zqbproject" not in page and "zqbcluster" not in page


def test_round_document_links_to_other_hosts_are_not_links(app, walk_world):
    client = login(app, "admin")
    page = client.get(f"/admin/rounds/{walk_world['B']['round'].id}").text
    assert "zqbdoc" in page and 'href="//evil.example' not in page
    for reference, link in (("/\\evil.example", False), ("//evil.example", False), ("/files/plan.pdf", True),
                            ("https://gov.example/notice", True), ("苏财购〔2026〕12号", False)):
        from core.security import document_link

        assert (document_link(reference) is not None) == link, reference
