"""The public survey pages and the JSON API, through the real app."""

import re

from sqlmodel import select

from core.models import SurveyResponse
from core.settings import get_settings
from survey.io import make_token, publish_templates
from tests.factories import form_token
from tests.survey.factories import make_survey, past


def _form(client, slug, **params):
    page = client.get(f"/s/{slug}", params=params)
    assert page.status_code == 200, page.text
    return page, {"csrf_token": form_token(page.text), "nonce": form_token(page.text, "nonce")}


def test_every_question_type_is_rendered_with_labels_and_fieldsets(client, session):
    make_survey(session)
    page, _ = _form(client, "all-types")
    html = page.text
    assert html.count("<fieldset") >= 6 and "<legend>" in html
    for qid in ("household", "since", "home", "need"):
        assert f'<label for="{qid}">' in html
    assert 'name="agree.safe"' in html and 'name="elder_help" value="_other"' in html
    assert 'type="date"' in html and 'type="number"' in html
    assert "仅当“您的年龄段”选择“60岁及以上”时回答" in html


def test_english_pages_follow_the_lang_parameter(client, session):
    make_survey(session)
    html = client.get("/s/all-types?lang=en").text
    assert "Test survey" in html and "Your age group" in html and "Submit" in html


def test_a_submission_is_stored_and_confirmed(client, session, places):
    make_survey(session)
    _, hidden = _form(client, "all-types")
    r = client.post("/s/all-types", data={**hidden, "age": "o60", "elder_help": ["meal", "bath"], "overall": "5",
                                          "agree.safe": "4", "agree.clean": "5", "home": str(places["compound_B1"].id)},
                    follow_redirects=False)
    assert r.status_code == 303
    thanks = client.get(r.headers["location"])
    assert "提交成功" in thanks.text
    [stored] = session.exec(select(SurveyResponse)).all()
    assert stored.answers["elder_help"] == ["meal", "bath"] and stored.place_id == places["compound_B1"].id


def test_errors_are_shown_per_question_and_answers_kept(client, session):
    make_survey(session)
    _, hidden = _form(client, "all-types")
    r = client.post("/s/all-types", data={**hidden, "age": "o60", "household": "50", "need": "<b>路灯</b>"})
    assert r.status_code == 422
    assert 'id="overall-error"' in r.text and 'id="household-error"' in r.text
    assert 'value="50"' in r.text and "&lt;b&gt;路灯&lt;/b&gt;" in r.text and "<b>路灯" not in r.text
    assert session.exec(select(SurveyResponse)).all() == []


def test_a_double_submit_stores_one_response(client, session):
    make_survey(session)
    _, hidden = _form(client, "all-types")
    data = {**hidden, "age": "u35", "overall": "3"}
    first = client.post("/s/all-types", data=data, follow_redirects=False)
    second = client.post("/s/all-types", data=data, follow_redirects=False)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert len(session.exec(select(SurveyResponse)).all()) == 1


def test_a_form_without_its_csrf_token_is_refused(client, session):
    make_survey(session)
    _form(client, "all-types")
    r = client.post("/s/all-types", data={"nonce": "x", "age": "u35", "overall": "3"})
    assert r.status_code == 403
    assert session.exec(select(SurveyResponse)).all() == []


def test_a_closed_survey_shows_a_clear_page_and_refuses_posts(client, session):
    make_survey(session, closes_at=past())
    page = client.get("/s/all-types")
    assert "问卷已结束" in page.text and 'data-state="closed"' in page.text and "<form" not in page.text
    r = client.post("/s/all-types", data={"csrf_token": "x", "age": "u35", "overall": "3"})
    assert r.status_code in (403, 409)


def test_a_draft_survey_is_not_public(client, session):
    make_survey(session, status="draft")
    assert client.get("/s/all-types").status_code == 404


def test_a_survey_for_one_response_per_resident_needs_a_valid_personal_link(client, session):
    survey = make_survey(session, one_response_per_resident=True)
    assert client.get("/s/all-types").status_code == 403
    assert client.get("/s/all-types", params={"t": "1-0000000000000000"}).status_code == 403
    token = make_token(survey.id, 7)
    page, hidden = _form(client, "all-types", t=token)
    # switching language drops the query string; the browser's session keeps the link
    assert client.get("/s/all-types?lang=en").status_code == 200
    data = {**hidden, "t": token, "age": "u35", "overall": "4"}
    assert client.post("/s/all-types", data=data, follow_redirects=False).status_code == 303
    # the same link from another browser says at once that it has been used, and a post is refused
    client.cookies.clear()
    used = client.get("/s/all-types", params={"t": token})
    assert used.status_code == 409 and "只能填写一次" in used.text and 'class="survey"' not in used.text
    csrf = form_token(client.get("/").text)
    again = client.post("/s/all-types", data={**data, "csrf_token": csrf, "nonce": "another"})
    assert again.status_code == 409 and "只能填写一次" in again.text
    [stored] = session.exec(select(SurveyResponse)).all()
    assert stored.respondent_key == "token:7"


def test_the_qr_code_is_a_png_and_the_poster_shows_the_address(client, session):
    make_survey(session)
    png = client.get("/s/all-types/qr.png")
    assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    poster = client.get("/s/all-types/poster")
    # the address comes from PUBLIC_BASE_URL, not from the request's Host header
    root = get_settings().public_base_url.rstrip("/")
    assert f"{root}/s/all-types" in poster.text and "/s/all-types/qr.png" in poster.text
    assert "testserver" not in poster.text
    forged = client.get("/s/all-types/poster", headers={"Host": "evil.example"})
    assert "evil.example" not in forged.text


def test_the_api_lists_open_surveys_with_their_public_pages(client, session):
    publish_templates(session)
    make_survey(session, slug="hidden", status="draft")
    listed = client.get("/api/v1/surveys").json()
    assert {s["slug"] for s in listed} == {"community-needs", "project-satisfaction", "resident-participation"}
    root = get_settings().public_base_url.rstrip("/")
    assert all(s["url"] == f"{root}/s/{s['slug']}" and isinstance(s["id"], int) for s in listed)
    detail = client.get(f"/api/v1/surveys/{listed[0]['id']}").json()
    assert detail["state"] == "open" and detail["questions"][0]["id"]


def test_the_api_takes_a_response_and_reports_errors_per_question(client, session):
    survey = make_survey(session)
    bad = client.post(f"/api/v1/surveys/{survey.id}/responses", json={"answers": {"age": "o60", "overall": 9}})
    assert bad.status_code == 422
    assert bad.json()["code"] == "invalid_answers" and "overall" in bad.json()["errors"]
    body = {"answers": {"age": "o60", "overall": 4, "agree": {"safe": 5}}, "language": "en"}
    ok = client.post(f"/api/v1/surveys/{survey.id}/responses", json=body, headers={"Idempotency-Key": "abc"})
    again = client.post(f"/api/v1/surveys/{survey.id}/responses", json=body, headers={"Idempotency-Key": "abc"})
    assert ok.status_code == again.status_code == 201 and ok.json()["id"] == again.json()["id"]
    assert len(session.exec(select(SurveyResponse)).all()) == 1


def test_the_api_refuses_a_closed_survey(client, session):
    survey = make_survey(session, status="closed")
    r = client.post(f"/api/v1/surveys/{survey.id}/responses", json={"answers": {"age": "u35", "overall": 3}})
    assert r.status_code == 409 and r.json()["code"] == "closed"


def test_the_survey_api_is_in_the_openapi_schema(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/v1/surveys", "/api/v1/surveys/{survey_id}", "/api/v1/surveys/{survey_id}/responses"} <= set(paths)
    assert "post" in paths["/api/v1/surveys/{survey_id}/responses"]


def test_the_list_page_links_every_open_survey(client, session):
    publish_templates(session)
    html = client.get("/s").text
    assert len(re.findall(r'href="/s/[a-z-]+"', html)) == 3


def test_too_many_submissions_from_one_address_get_a_clear_429(client, session, monkeypatch):
    from core.settings import get_settings

    monkeypatch.setattr(get_settings(), "survey_rate_limit", 2)
    make_survey(session)
    for _ in range(2):
        _, hidden = _form(client, "all-types")
        assert client.post("/s/all-types", data={**hidden, "age": "u35", "overall": "3"},
                           follow_redirects=False).status_code == 303
    _, hidden = _form(client, "all-types")
    r = client.post("/s/all-types", data={**hidden, "age": "u35", "overall": "3"})
    assert r.status_code == 429 and "提交太频繁" in r.text
    assert len(session.exec(select(SurveyResponse)).all()) == 2


def test_a_survey_not_open_yet_says_when_it_opens(client, session):
    from tests.survey.factories import future

    make_survey(session, opens_at=future(3))
    page = client.get("/s/all-types?lang=en")
    assert "This survey has not opened yet" in page.text and "Opens: " in page.text and 'class="survey"' not in page.text
    assert client.get("/api/v1/surveys").json() == []
