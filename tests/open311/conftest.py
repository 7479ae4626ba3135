"""Fixtures of the Open311 tests: a client application's key, staff, helpers to file and parse."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from core.accounts import create_user
from core.models import Role
from open311.keys import create_key

BASE = "/open311/v2"
PASSWORDS = {"admin": "admin-pass-1", "wa": "worker-pass-1", "wb": "worker-pass-2"}


@pytest.fixture
def api_key(session) -> str:
    return create_key(session, "city-app")[1]


@pytest.fixture
def other_key(session) -> str:
    return create_key(session, "volunteer-app")[1]


@pytest.fixture
def staff(session, places):
    return {
        "admin": create_user(session, "admin", PASSWORDS["admin"], Role.admin),
        "wa": create_user(session, "wa", PASSWORDS["wa"], Role.worker, communities=["T-A"]),
        "wb": create_user(session, "wb", PASSWORDS["wb"], Role.worker, communities=["T-B"]),
    }


def file(client, key: str | None, fmt: str = "json", **fields):
    """POST requests.{fmt}, form-encoded as the specification says."""
    data = {"address_string": "A小区1", "description": "3号楼楼道灯坏了一个星期，晚上很黑", **fields}
    if key is not None:
        data["api_key"] = key
    return client.post(f"{BASE}/requests.{fmt}", data={k: v for k, v in data.items() if v is not None})


def xml(response) -> ET.Element:
    assert response.headers["content-type"].startswith("text/xml"), response.headers["content-type"]
    return ET.fromstring(response.content)  # noqa: S314  our own answer, not untrusted input


def errors(response) -> list[dict]:
    """The specification's error list, from JSON or XML."""
    if response.headers["content-type"].startswith("text/xml"):
        root = xml(response)
        assert root.tag == "errors"
        return [{"code": int(e.findtext("code")), "description": e.findtext("description")} for e in root]
    body = response.json()
    assert isinstance(body, list)
    return body


def assert_error(response, status: int) -> str:
    assert response.status_code == status, response.text
    items = errors(response)
    assert len(items) == 1 and items[0]["code"] == status and items[0]["description"], items
    return items[0]["description"]
