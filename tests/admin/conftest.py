"""Fixtures for the staff side: one account per role, requests from a resident reachable on Telegram."""

from __future__ import annotations

import pytest

from core.accounts import create_user
from core.models import Channel, Resident, ResidentIdentity, Role
from intake.service import IntakeIn, submit

PASSWORDS = {"admin": "admin-pass-1", "wa": "worker-pass-1", "wb": "worker-pass-2", "org1": "org-pass-1",
             "org2": "org-pass-2"}


@pytest.fixture
def staff(session, places):
    users = {
        "admin": create_user(session, "admin", PASSWORDS["admin"], Role.admin),
        "wa": create_user(session, "wa", PASSWORDS["wa"], Role.worker, communities=["T-A"]),
        "wb": create_user(session, "wb", PASSWORDS["wb"], Role.worker, communities=["T-B"]),
        "org1": create_user(session, "org1", PASSWORDS["org1"], Role.org, org="甲社工中心"),
        "org2": create_user(session, "org2", PASSWORDS["org2"], Role.org, org="乙服务社"),
    }
    return users


@pytest.fixture
def resident(session):
    """A resident who wrote in on Telegram, so replies have a channel to go to."""
    r = Resident(language="zh")
    session.add(r)
    session.flush()
    session.add(ResidentIdentity(resident_id=r.id, channel=Channel.telegram, external_user_id="tg-42",
                                 chat_id="4242"))
    session.commit()
    return r


def make_request(session, place, text="楼道灯坏了", category=None, resident=None, external_id=None, **fields):
    req = submit(session, IntakeIn(text=text, place_id=place.id, channel=Channel.telegram if resident else Channel.web,
                                   resident_id=resident.id if resident else None, external_id=external_id)).request
    if category is not None:
        req.category_code = category
    for key, value in fields.items():
        setattr(req, key, value)
    session.add(req)
    session.commit()
    session.refresh(req)
    return req


def as_user(client, name):
    from tests.factories import login

    resp = login(client, name, PASSWORDS[name])
    assert resp.status_code == 303, resp.text
    return resp
