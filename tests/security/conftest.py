"""A street with two communities (A, B) and two organizations (X, Y), every kind of object in each,
and one account per role: what the security tests walk the routes against."""

from __future__ import annotations

import hashlib
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect, text

from core.accounts import create_user
from core.models import (
    Cluster,
    ProjectPlace,
    PurchaseRound,
    Rating,
    RoundDocument,
    ServiceProject,
    ServiceRequest,
    StaffUser,
    SurveyResponse,
)
from intake.service import IntakeIn, submit
from survey.io import client_hash
from tests.factories import make_places
from tests.survey.factories import make_survey

PASSWORDS = {"admin": "admin-pass-1", "wa": "worker-pass-a", "wb": "worker-pass-b", "orgx": "org-pass-x",
             "orgy": "org-pass-y"}
# tables that every request may write (sessions, throttling): left out of "nothing changed"
BOOKKEEPING = {"staffsession", "loginattempt", "ratecounter", "alembic_version"}


@pytest.fixture
def app(engine):
    from app.main import create_app

    return create_app()


def login(app, name: str) -> TestClient:
    """A browser of its own, logged in through the real form."""
    client = TestClient(app)
    if name == "anonymous":
        return client
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    resp = client.post("/login", data={"username": name, "password": PASSWORDS[name], "csrf_token": token},
                       follow_redirects=False)
    assert resp.status_code == 303, resp.text
    return client


def csrf_of(client: TestClient) -> str:
    """The CSRF token of this browser's session (any page renders it)."""
    page = client.get("/login")
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def digest(engine) -> str:
    """Every row of every table but bookkeeping: equal digests mean nothing was written."""
    h = hashlib.sha256()
    with engine.connect() as conn:
        for table in sorted(set(inspect(engine).get_table_names()) - BOOKKEEPING):
            for row in conn.execute(text(f'SELECT * FROM "{table}" ORDER BY 1')):  # noqa: S608  our table names
                h.update(repr(tuple(row)).encode())
    return h.hexdigest()


@pytest.fixture
def world(session, engine):
    return build_world(session)


def build_world(session) -> dict:
    """Objects of community A / organization X and of community B / organization Y, each marked with
    a word that must never appear in a page shown to someone outside their scope."""
    places = make_places(session)
    users = {
        "admin": create_user(session, "admin", PASSWORDS["admin"], "admin"),
        "wa": create_user(session, "wa", PASSWORDS["wa"], "worker", communities=["T-A"]),
        "wb": create_user(session, "wb", PASSWORDS["wb"], "worker", communities=["T-B"]),
        "orgx": create_user(session, "orgx", PASSWORDS["orgx"], "org", org="X社工中心"),
        "orgy": create_user(session, "orgy", PASSWORDS["orgy"], "org", org="Y服务社"),
    }
    w: dict = {"places": places, "users": users, "A": {}, "B": {}}
    for side, org_user in (("A", "orgx"), ("B", "orgy")):
        community, compound = places[f"community_{side}"], places[f"compound_{side}1"]
        o = w[side]
        o["community"], o["compound"] = community, compound
        o["worker"] = users["wa" if side == "A" else "wb"]
        o["req"] = submit(session, IntakeIn(text=f"楼道灯坏了 zq{side.lower()}request", place_id=compound.id)).request
        o["cluster"] = Cluster(title=f"zq{side.lower()}cluster 路灯", place_id=community.id, size=1)
        o["round"] = PurchaseRound(name=f"zq{side.lower()}round 年度项目", place_id=community.id, budget_cents=100_000)
        session.add_all([o["cluster"], o["round"]])
        session.flush()
        o["req"].cluster_id = o["cluster"].id
        o["project"] = ServiceProject(name=f"zq{side.lower()}project 助餐", round_id=o["round"].id,
                                      organization_id=users[org_user].organization_id)
        session.add_all([o["req"], o["project"]])
        session.flush()
        session.add(ProjectPlace(project_id=o["project"].id, place_id=compound.id))
        session.add(Rating(request_id=o["req"].id, project_id=o["project"].id, score=4,
                           comment=f"zq{side.lower()}comment"))
        o["document"] = RoundDocument(round_id=o["round"].id, stage="application", title=f"zq{side.lower()}doc",
                                      reference="//evil.example/x")
        session.add(o["document"])
        o["survey"] = make_survey(session, slug=f"survey-{side.lower()}", title=f"zq{side.lower()}survey 问卷",
                                  target_place_ids=[community.id], status="open")
        o["draft"] = make_survey(session, slug=f"draft-{side.lower()}", title=f"zq{side.lower()}draft 草稿",
                                 target_place_ids=[community.id], status="draft")
        o["response"] = SurveyResponse(survey_id=o["survey"].id, respondent_key=f"web:{side}", place_id=compound.id,
                                       answers={"age": "u35", "overall": 4}, client_hash=client_hash("1.2.3.4"))
        session.add(o["response"])
        session.commit()
    for side in ("A", "B"):
        for key in ("req", "cluster", "round", "project", "document", "survey", "draft", "response"):
            session.refresh(w[side][key])
    return w


def user(session, name: str) -> StaffUser:
    from sqlmodel import select

    return session.exec(select(StaffUser).where(StaffUser.username == name)).one()


def request_row(session, req_id: int) -> ServiceRequest:
    session.expire_all()
    return session.get(ServiceRequest, req_id)
