"""From another system into a worker's inbox and back: POST → the worker of that community sees
it → the worker replies and resolves it (the staff side's own actions) → GET says closed, with
the reply as status_notes."""

from __future__ import annotations

import re

from sqlmodel import select

from core.models import ServiceRequest
from tests.factories import form_token, login
from tests.open311.conftest import BASE, PASSWORDS, file, xml
from tests.open311.schemas import validate


def test_a_filed_request_is_worked_in_the_inbox_and_reads_closed_with_the_reply(client, session, places, staff,
                                                                               with_model, api_key):
    filed = file(client, api_key, address_string="A小区2", description="小区门口的路灯坏了三天了",
                 phone="13800001111", token="rt-1").json()[0]
    ticket = filed["service_request_id"]

    assert login(client, "wb", PASSWORDS["wb"]).status_code == 303
    assert ticket not in client.get("/admin").text  # another community's worker does not see it
    client.cookies.clear()
    assert login(client, "wa", PASSWORDS["wa"]).status_code == 303
    inbox = client.get("/admin").text
    assert ticket in inbox

    req = session.exec(select(ServiceRequest).where(ServiceRequest.ticket == ticket)).one()
    token = form_token(client.get(f"/admin/requests/{req.id}").text)
    reply = "已联系路灯维修单位，今天下午修好了。"
    for action, value in (("reply", reply), ("status", "resolved")):
        done = client.post(f"/admin/requests/{req.id}", data={"csrf_token": token, "action": action,
                                                               "value": value}, follow_redirects=False)
        assert done.status_code == 303
    session.expire_all()
    assert session.get(ServiceRequest, req.id).status == "resolved"

    body = client.get(f"{BASE}/requests/{ticket}.json", params={"api_key": api_key}).json()
    validate(body, "requests.json")
    (item,) = body
    assert item["status"] == "closed" and item["status_notes"] == reply
    assert item["agency_responsible"] == "A社区"
    assert "13800001111" not in str(body)
    root = xml(client.get(f"{BASE}/requests/{ticket}.xml", params={"api_key": api_key}))
    assert root.findtext("request/status") == "closed" and root.findtext("request/status_notes") == reply
    listed = client.get(f"{BASE}/requests.json", params={"api_key": api_key, "status": "closed"}).json()
    assert [i["service_request_id"] for i in listed] == [ticket]
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", item["updated_datetime"])
