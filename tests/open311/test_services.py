"""Discovery, the service list and service definitions, in JSON and XML."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError
from sqlmodel import select

from core.models import Category
from tests.open311.conftest import BASE, assert_error, xml
from tests.open311.schemas import SCHEMA_DIR, available, validate

ATTRIBUTES = [
    {"code": "building", "datatype": "string", "required": True, "order": 1,
     "description_zh": "楼号", "description_en": "Building"},
    {"code": "since", "datatype": "singlevaluelist", "required": False, "order": 2,
     "description_zh": "多久了", "description_en": "Since when",
     "values": [{"key": "day", "name_zh": "一天内", "name_en": "within a day"},
                {"key": "week", "name_zh": "一周以上", "name_en": "over a week"}]},
]


def ask_attributes(session, code="facility_repair"):
    category = session.get(Category, code)
    category.attributes = ATTRIBUTES
    session.add(category)
    session.commit()


def test_the_published_schemas_are_there():
    """Without them the answers are checked by the tests' own assertions only."""
    if not available():
        pytest.skip(f"the Open311 GeoReport v2 schemas are not in {SCHEMA_DIR} (docs/open311.md)")
    validate([], "services.json")
    with pytest.raises(ValidationError):
        validate([{"service_code": "x"}], "services.json")  # no name, metadata or type


def test_discovery_names_the_v2_endpoint_and_its_formats(client):
    body = client.get(f"{BASE}/discovery.json").json()
    (endpoint,) = body["endpoints"]
    assert endpoint["url"].endswith("/open311/v2") and endpoint["specification"].endswith("GeoReport_v2")
    assert set(endpoint["formats"]) == {"application/json", "text/xml"}
    root = xml(client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    assert [f.text for f in root.find("endpoints/endpoint/formats")] == ["application/json", "text/xml"]


def test_services_are_the_active_categories_named_in_the_requested_language(client, session):
    retired = session.get(Category, "other")
    retired.active = False
    session.add(retired)
    session.commit()
    active = session.exec(select(Category).where(Category.active)).all()

    body = client.get(f"{BASE}/services.json").json()
    validate(body, "services.json")
    assert {s["service_code"] for s in body} == {c.code for c in active}
    by_code = {s["service_code"]: s for s in body}
    care = by_code["elderly_care"]
    assert care["service_name"] == "养老服务" and care["type"] == "realtime" and care["metadata"] is False
    assert "老年助餐" in care["keywords"].split(",") and care["group"] == "人群服务"

    english = {s["service_code"]: s for s in client.get(f"{BASE}/services.json?locale=en_US").json()}
    assert english["elderly_care"]["service_name"] == "Elderly care"
    assert english["elderly_care"]["group"] == "Services for people"
    by_header = client.get(f"{BASE}/services.json", headers={"Accept-Language": "en-GB,en;q=0.8"}).json()
    assert by_header[0]["service_name"] == english[by_header[0]["service_code"]]["service_name"]

    root = xml(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services" and len(root) == len(active)
    first = root.find("service")
    assert first.findtext("service_code") == body[0]["service_code"]
    assert first.findtext("metadata") == "false" and first.findtext("type") == "realtime"


def test_a_category_that_asks_questions_has_metadata_and_a_definition(client, session):
    ask_attributes(session)
    services = {s["service_code"]: s for s in client.get(f"{BASE}/services.json").json()}
    assert services["facility_repair"]["metadata"] is True

    definition = client.get(f"{BASE}/services/facility_repair.json").json()
    validate(definition, "service-definition.json")
    assert definition["service_code"] == "facility_repair"
    building, since = definition["attributes"]
    assert (building["code"], building["datatype"], building["required"], building["description"]) == \
        ("building", "string", True, "楼号")
    assert since["values"] == [{"key": "day", "name": "一天内"}, {"key": "week", "name": "一周以上"}]
    english = client.get(f"{BASE}/services/facility_repair.json?locale=en").json()
    assert english["attributes"][1]["values"][1]["name"] == "over a week"

    root = xml(client.get(f"{BASE}/services/facility_repair.xml"))
    assert root.tag == "service_definition"
    attributes = root.findall("attributes/attribute")
    assert [a.findtext("code") for a in attributes] == ["building", "since"]
    assert [v.findtext("key") for v in attributes[1].findall("values/value")] == ["day", "week"]
    assert attributes[0].findtext("required") == "true"


def test_a_category_without_questions_has_an_empty_definition(client):
    definition = client.get(f"{BASE}/services/elderly_care.json").json()
    validate(definition, "service-definition.json")
    assert definition == {"service_code": "elderly_care", "attributes": []}


def test_unknown_or_retired_services_are_404_in_the_error_format(client, session):
    assert "nothing" in assert_error(client.get(f"{BASE}/services/nothing.json"), 404)
    assert_error(client.get(f"{BASE}/services/nothing.xml"), 404)
    retired = session.get(Category, "other")
    retired.active = False
    session.add(retired)
    session.commit()
    assert_error(client.get(f"{BASE}/services/other.json"), 404)


def test_other_formats_and_paths_are_404_in_the_error_format(client):
    assert_error(client.get(f"{BASE}/services.html"), 404)
    assert_error(client.get(f"{BASE}/nothing/here.xml"), 404)
    assert_error(client.get(f"{BASE}/"), 404)
    described = assert_error(client.get(f"{BASE}/nothing.json?locale=zh"), 404)
    assert described == "没有这个资源"


def test_jurisdiction_id_is_checked_against_the_street(client, places, monkeypatch):
    assert client.get(f"{BASE}/services.json?jurisdiction_id=T").status_code == 200
    assert "elsewhere" in assert_error(client.get(f"{BASE}/services.json?jurisdiction_id=elsewhere"), 404)
    assert_error(client.get(f"{BASE}/services/elderly_care.xml?jurisdiction_id=T-A"), 404)  # a community, not the street

    from core.settings import get_settings

    monkeypatch.setenv("OPEN311_JURISDICTION_ID", "qingfeng.example.cn")
    get_settings.cache_clear()
    assert client.get(f"{BASE}/services.json?jurisdiction_id=qingfeng.example.cn").status_code == 200
    assert_error(client.get(f"{BASE}/services.json?jurisdiction_id=T"), 404)
