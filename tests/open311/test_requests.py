"""Filing and following service requests: POST and GET requests, one request, tokens; errors,
paging defaults, date filters, re-delivery, personal data."""

from __future__ import annotations

import datetime as dt

from sqlmodel import select

from core.models import (
    ApiKey,
    AuditLog,
    Category,
    Channel,
    EventType,
    Place,
    RequestEvent,
    ServiceRequest,
    utcnow,
)
from open311.keys import hash_key
from tests.open311.conftest import BASE, assert_error, errors, file, xml
from tests.open311.schemas import validate
from tests.open311.test_services import ask_attributes


def stored(session, ticket: str) -> ServiceRequest:
    session.expire_all()
    return session.exec(select(ServiceRequest).where(ServiceRequest.ticket == ticket)).one()


def key_row(session, raw: str) -> ApiKey:
    return session.exec(select(ApiKey).where(ApiKey.key_hash == hash_key(raw))).one()


def insert_filed(session, raw: str, n: int, created_at: dt.datetime, **fields) -> list[ServiceRequest]:
    """Requests as if this key had filed them at `created_at` (for paging and date filters)."""
    key = key_row(session, raw)
    rows = [ServiceRequest(ticket=f"T{created_at:%y%m%d}-{i:05d}"[:20], text=f"第{i}条", channel=Channel.open311,
                external_id=f"{key.id}:bulk-{created_at:%Y%m%d%H%M}-{i}", created_at=created_at,
                updated_at=created_at, **fields) for i in range(n)]
    session.add_all(rows)
    session.commit()
    return rows


def test_a_filed_request_goes_through_intake_and_answers_its_id_token_and_notice(client, session, places,
                                                                               with_model, api_key):
    response = file(client, api_key, token="city-4711", phone="13800001111", first_name="Wang", email="w@example.cn")
    assert response.status_code == 200, response.text
    body = response.json()
    validate(body, "swagger#RequestResponse")
    (answer,) = body
    assert answer["token"] == "city-4711"
    assert "A社区" in answer["service_notice"] and answer["service_request_id"] in answer["service_notice"]

    req = stored(session, answer["service_request_id"])
    assert req.channel == Channel.open311 and req.place_id == places["compound_A1"].id
    assert req.community_id == places["community_A"].id
    assert req.category_code == "facility_repair" and req.model_version  # classified like any channel
    assert req.contact == "Wang 13800001111 w@example.cn"  # kept for workers
    events = [e.type for e in session.exec(select(RequestEvent).where(RequestEvent.request_id == req.id))]
    assert EventType.created in events and EventType.classified in events
    (entry,) = session.exec(select(AuditLog).where(AuditLog.action == "open311.request")).all()
    assert entry.detail["key"] == "city-app" and entry.target_id == str(req.id) and entry.detail["created"] is True


def test_a_request_is_filed_in_xml_too(client, session, places, with_model, api_key):
    root = xml(file(client, api_key, fmt="xml", token="x-1"))
    assert root.tag == "service_requests"
    ticket = root.findtext("request/service_request_id")
    assert root.findtext("request/token") == "x-1" and root.findtext("request/service_notice")
    assert stored(session, ticket).channel == Channel.open311


def test_the_same_token_delivered_again_is_stored_once_per_key(client, session, places, with_model, api_key,
                                                                other_key):
    first = file(client, api_key, token="retry-1").json()[0]
    again = file(client, api_key, token="retry-1", description="重发的同一条").json()[0]
    assert again["service_request_id"] == first["service_request_id"]
    assert session.exec(select(ServiceRequest).where(ServiceRequest.channel == Channel.open311)).all().__len__() == 1
    other = file(client, other_key, token="retry-1").json()[0]  # another client's own id space
    assert other["service_request_id"] != first["service_request_id"]
    audited = session.exec(select(AuditLog).where(AuditLog.action == "open311.request")).all()
    assert [(a.detail["key"], a.detail["created"]) for a in audited] == \
        [("city-app", True), ("city-app", False), ("volunteer-app", True)]

    found = client.get(f"{BASE}/tokens/retry-1.json", params={"api_key": api_key}).json()
    validate(found, "swagger#TokenResponse")
    assert found == [{"service_request_id": first["service_request_id"], "token": "retry-1"}]
    root = xml(client.get(f"{BASE}/tokens/retry-1.xml", params={"api_key": other_key}))
    assert root.findtext("request/service_request_id") == other["service_request_id"]
    assert_error(client.get(f"{BASE}/tokens/nothing.json", params={"api_key": api_key}), 404)
    assert_error(client.get(f"{BASE}/tokens/retry-1.xml"), 403)


def test_without_a_token_each_post_is_a_new_request_with_a_token_of_its_own(client, session, places, with_model,
                                                                             api_key):
    one, two = (file(client, api_key).json()[0] for _ in range(2))
    assert one["token"] != two["token"] and one["service_request_id"] != two["service_request_id"]
    found = client.get(f"{BASE}/tokens/{two['token']}.json", params={"api_key": api_key}).json()
    assert found[0]["service_request_id"] == two["service_request_id"]


def test_a_given_service_code_is_kept_and_flags_review_where_the_model_disagrees(client, session, places,
                                                                                with_model, api_key):
    plain = stored(session, file(client, api_key).json()[0]["service_request_id"])
    agreed = file(client, api_key, service_code="facility_repair").json()[0]
    req = stored(session, agreed["service_request_id"])
    assert plain.category_code == req.category_code == "facility_repair"
    assert req.needs_review == plain.needs_review  # the model's own doubt, nothing added
    assert not session.exec(select(RequestEvent).where(RequestEvent.request_id == req.id,
                                                       RequestEvent.type == EventType.note)).all()

    chosen = file(client, api_key, service_code="elderly_care").json()[0]
    req = stored(session, chosen["service_request_id"])
    assert req.category_code == "elderly_care" and req.needs_review
    note = session.exec(select(RequestEvent).where(RequestEvent.request_id == req.id,
                                                   RequestEvent.type == EventType.note)).one()
    assert (note.from_value, note.to_value) == ("facility_repair", "elderly_care")

    unknown = file(client, api_key, service_code="no-such-code").json()[0]
    req = stored(session, unknown["service_request_id"])
    assert req.category_code == "facility_repair"  # classified like any other


def test_answers_to_a_services_questions_are_checked_and_kept_in_the_history(client, session, places,
                                                                             with_model, api_key):
    ask_attributes(session)
    missing = file(client, api_key, service_code="facility_repair")
    assert "building" in assert_error(missing, 400)
    bad = file(client, api_key, service_code="facility_repair", **{"attribute[building]": "3",
                                                                    "attribute[since]": "year"})
    assert "since" in assert_error(bad, 400)
    good = file(client, api_key, service_code="facility_repair", **{"attribute[building]": "3号楼",
                                                                     "attribute[since]": "week"})
    req = stored(session, good.json()[0]["service_request_id"])
    notes = [e.message for e in session.exec(select(RequestEvent).where(RequestEvent.request_id == req.id,
                                                                        RequestEvent.type == EventType.note))]
    assert notes == ["Open311 附加信息：楼号：3号楼；多久了：一周以上"]


def test_places_come_from_address_id_address_string_or_the_nearest_compound(client, session, places, with_model,
                                                                             api_key):
    a2 = places["compound_A2"]
    b1 = session.get(Place, places["compound_B1"].id)
    b1.latitude, b1.longitude = 31.3020, 120.5400
    session.add(b1)
    session.commit()

    def place_of(**fields):
        response = file(client, api_key, **{"address_string": None, **fields})
        assert response.status_code == 200, response.text
        return stored(session, response.json()[0]["service_request_id"])

    assert place_of(address_id="T-A-2").place_id == a2.id
    assert place_of(address_string="苏州市 A小区2 5栋门口").place_id == a2.id
    near = place_of(lat="31.3031", long="120.5405")  # about 130 m away
    assert near.place_id == b1.id and near.community_id == places["community_B"].id
    far = place_of(lat="31.3300", long="120.5400")  # about 3 km away: no place yet
    assert far.place_id is None and far.community_id is None
    assert place_of(address_string="somewhere else", lat="31.3031", long="120.5405").place_id == b1.id
    assert place_of(address_string="不认识的地方").place_id is None
    b1.aliases = ["星湖苑", "xhy"]
    session.add(b1)
    session.commit()
    assert place_of(address_string="星湖苑北门").place_id == b1.id  # aliases count, as everywhere
    assert place_of(address_string="XHY 3-201").place_id == b1.id
    b1.retired_at = utcnow()
    session.add(b1)
    session.commit()
    assert place_of(address_string="星湖苑北门").place_id is None  # a retired place takes no reports
    assert_error(file(client, api_key, address_id="T-B-1"), 400)


def test_bad_input_is_a_400_in_the_error_format(client, session, places, with_model, api_key):
    cases = [
        {"address_string": None},  # no location at all
        {"address_string": None, "lat": "31.3"},
        {"address_string": None, "lat": "north", "long": "120"},
        {"address_string": None, "lat": "nan", "long": "120"},
        {"address_string": None, "lat": "91", "long": "120"},
        {"address_id": "no-such-place"},
        {"description": "   "},
        {"description": "长" * 2001},
        {"token": "with space"},
        {"token": "x" * 65},
        {"media_url": "javascript:alert(1)"},
        {"phone": "1" * 121},
        {"address_string": "地" * 401},
    ]
    for fields in cases:
        for fmt in ("json", "xml"):
            assert_error(file(client, api_key, fmt=fmt, **fields), 400)
    assert session.exec(select(ServiceRequest)).all() == []
    chinese = assert_error(file(client, api_key, address_string=None, locale="zh_CN"), 400)
    assert "必须提供" in chinese
    english = assert_error(file(client, api_key, description="", locale="en"), 400)
    assert english.startswith("description:") and "empty" in english


def test_a_nul_byte_anywhere_is_refused_in_the_error_format_not_a_database_error(client, session, places, api_key):
    answers = [
        file(client, api_key, service_code="a\x00b"),
        file(client, api_key, address_id="T-A\x00"),
        file(client, api_key, **{"attribute[x]": "\x00"}),
        client.get(f"{BASE}/services/elderly%00care.json"),
        client.get(f"{BASE}/requests/AB%00C.xml", params={"api_key": api_key}),
        client.get(f"{BASE}/requests.json", params={"api_key": api_key, "service_code": "\x00"}),
        client.get(f"{BASE}/tokens/a%00.json", params={"api_key": api_key}),
    ]
    for response in answers:  # 400 from the routes; the app's input guard, where present, answers 422 first
        assert response.status_code in (400, 422), response.text
        assert [e["code"] for e in errors(response)] == [response.status_code]
    assert session.exec(select(ServiceRequest)).all() == []


def test_a_missing_wrong_or_revoked_key_is_403(client, session, places, api_key):
    assert "api_key" in assert_error(file(client, None), 403)
    assert_error(file(client, "o311_not-a-real-key"), 403)
    assert_error(file(client, None, fmt="xml"), 403)
    assert_error(client.get(f"{BASE}/requests.json"), 403)
    assert_error(client.get(f"{BASE}/requests/ABCD-EFGH.xml", params={"api_key": "wrong"}), 403)
    from open311.keys import revoke_key

    revoke_key(session, key_row(session, api_key))
    assert_error(file(client, api_key), 403)
    assert_error(client.get(f"{BASE}/requests.json", params={"api_key": api_key}), 403)
    assert session.exec(select(ServiceRequest)).all() == []


def test_jurisdiction_id_is_checked_on_requests(client, session, places, with_model, api_key):
    assert file(client, api_key, jurisdiction_id="T").status_code == 200
    assert_error(file(client, api_key, jurisdiction_id="other-city"), 404)
    assert_error(client.get(f"{BASE}/requests.xml", params={"api_key": api_key, "jurisdiction_id": "X"}), 404)


def test_one_request_in_json_and_xml_with_no_personal_data(client, session, places, with_model, api_key, other_key):
    filed = file(client, api_key, description="王阿姨说3号楼2单元501室漏水，电话13912345678", first_name="王",
                 last_name="芳", phone="13800001111", email="fang@example.cn").json()[0]
    ticket = filed["service_request_id"]
    response = client.get(f"{BASE}/requests/{ticket}.json", params={"api_key": api_key})
    body = response.json()
    validate(body, "requests.json")
    (item,) = body
    assert item["service_request_id"] == ticket and item["status"] == "open"
    assert item["address"] == "A小区1, A社区, 测试街道" and item["address_id"] == "T-A-1"
    assert item["agency_responsible"] == "A社区" and item["service_code"] == "facility_repair"
    assert item["service_name"] == "设施维修" and item["status_notes"] is None
    assert item["requested_datetime"].endswith("Z")
    resolve_by = stored(session, ticket).resolve_by
    assert resolve_by is not None and item["expected_datetime"] == resolve_by.isoformat(timespec="seconds").replace(
        "+00:00", "Z")  # the resolution deadline
    for secret in ("13912345678", "13800001111", "fang@example.cn", "王阿姨", "501", "芳"):
        assert secret not in response.text
    assert "漏水" in item["description"]

    root = xml(client.get(f"{BASE}/requests/{ticket.lower()}.xml", params={"api_key": api_key}))
    assert root.tag == "service_requests" and root.findtext("request/service_request_id") == ticket
    assert root.findtext("request/status") == "open" and root.find("request/status_notes").text is None

    assert_error(client.get(f"{BASE}/requests/{ticket}.json", params={"api_key": other_key}), 404)  # not theirs
    assert_error(client.get(f"{BASE}/requests/ZZZZ-ZZZZ.xml", params={"api_key": api_key}), 404)


def test_the_list_defaults_to_the_last_90_days_and_at_most_1000(client, session, places, api_key, other_key):
    now = utcnow()
    insert_filed(session, api_key, 1001, now - dt.timedelta(days=1))
    insert_filed(session, api_key, 3, now - dt.timedelta(days=100))
    insert_filed(session, other_key, 2, now - dt.timedelta(days=2))
    body = client.get(f"{BASE}/requests.json", params={"api_key": api_key}).json()
    assert len(body) == 1000
    validate(body[:50], "requests.json")
    assert all(item["description"].startswith("第") for item in body)
    root = xml(client.get(f"{BASE}/requests.xml", params={"api_key": api_key}))
    assert len(root.findall("request")) == 1000
    assert len(client.get(f"{BASE}/requests.json", params={"api_key": other_key}).json()) == 2


def test_date_filters_and_their_90_day_span(client, session, places, api_key):
    now = utcnow().replace(microsecond=0)
    old = insert_filed(session, api_key, 2, now - dt.timedelta(days=120))
    recent = insert_filed(session, api_key, 1, now - dt.timedelta(days=10))

    def tickets(**params):
        response = client.get(f"{BASE}/requests.json", params={"api_key": api_key, **params})
        assert response.status_code == 200, response.text
        return {item["service_request_id"] for item in response.json()}

    def w3c(when):
        return when.isoformat().replace("+00:00", "Z")

    assert tickets() == {r.ticket for r in recent}
    assert tickets(start_date=w3c(now - dt.timedelta(days=130)), end_date=w3c(now - dt.timedelta(days=110))) == \
        {r.ticket for r in old}
    assert tickets(start_date=w3c(now - dt.timedelta(days=125))) == {r.ticket for r in old}  # the 90 days after it
    assert tickets(end_date=w3c(now - dt.timedelta(days=100))) == {r.ticket for r in old}  # the 90 days before it
    local = (now - dt.timedelta(days=11)).astimezone(dt.timezone(dt.timedelta(hours=8)))
    assert tickets(start_date=local.isoformat()) == {r.ticket for r in recent}  # +08:00, sent unescaped
    assert tickets(start_date=w3c(now - dt.timedelta(days=9))) == set()
    assert "90" in assert_error(client.get(f"{BASE}/requests.json", params={
        "api_key": api_key, "start_date": w3c(now - dt.timedelta(days=130)), "end_date": w3c(now)}), 400)
    for bad in ("yesterday", "2026-13-01", "99999-01-01"):
        assert_error(client.get(f"{BASE}/requests.xml", params={"api_key": api_key, "start_date": bad}), 400)


def test_status_service_code_and_id_filters(client, session, places, api_key):
    now = utcnow()
    (open_one,) = insert_filed(session, api_key, 1, now - dt.timedelta(days=3), category_code="health")
    (closed_one,) = insert_filed(session, api_key, 1, now - dt.timedelta(days=2), status="resolved",
                                 category_code="environment")
    (dropped,) = insert_filed(session, api_key, 1, now - dt.timedelta(days=1), status="not_actionable")
    (ancient,) = insert_filed(session, api_key, 1, now - dt.timedelta(days=400))

    def tickets(**params):
        body = client.get(f"{BASE}/requests.json", params={"api_key": api_key, **params}).json()
        return [item["service_request_id"] for item in body]

    assert tickets(status="open") == [open_one.ticket]
    assert tickets(status="closed") == [dropped.ticket, closed_one.ticket]  # newest first
    assert set(tickets(status="open,closed")) == {open_one.ticket, closed_one.ticket, dropped.ticket}
    assert tickets(service_code="environment") == [closed_one.ticket]
    assert_error(client.get(f"{BASE}/requests.json", params={"api_key": api_key, "status": "pending"}), 400)
    # a list of ids overrides every other filter, the 90 days included
    ids = f"{ancient.ticket}, {open_one.ticket.lower()},NOPE-NOPE"
    assert set(tickets(service_request_id=ids, status="closed")) == {ancient.ticket, open_one.ticket}
    closed = client.get(f"{BASE}/requests.json", params={"api_key": api_key, "service_request_id": closed_one.ticket})
    (item,) = closed.json()
    assert item["status"] == "closed" and item["service_name"] == "环境卫生"
    assert item["service_code"] == "environment"
    english = client.get(f"{BASE}/requests.json", params={"api_key": api_key, "service_request_id": closed_one.ticket,
                                                          "locale": "en"}).json()
    assert english[0]["service_name"] == session.get(Category, "environment").name_en


def test_a_duplicate_reads_the_status_and_replies_of_the_ticket_it_follows(client, session, places, with_model,
                                                                           api_key):
    from admin import actions
    from core.accounts import create_user
    from core.models import Role

    worker = create_user(session, "wa", "worker-pass-1", Role.worker, communities=["T-A"])
    first, second = (file(client, api_key, token=f"dup-{i}").json()[0]["service_request_id"] for i in (1, 2))
    survivor, duplicate = stored(session, first), stored(session, second)
    actions.mark_duplicate(session, worker, duplicate, survivor.ticket)
    actions.reply(session, worker, survivor, "已报修，明天上午修好。")
    actions.change_status(session, worker, survivor, "resolved")
    session.commit()

    body = client.get(f"{BASE}/requests.json", params={"api_key": api_key, "service_request_id": f"{first},{second}"})
    by_id = {item["service_request_id"]: item for item in body.json()}
    assert by_id[second]["status"] == by_id[first]["status"] == "closed"
    assert by_id[second]["status_notes"] == by_id[first]["status_notes"] == "已报修，明天上午修好。"
