"""Staff survey pages: roles, CSRF, create/edit/import/export, token links, results and exports."""

import io
import json

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from core.accounts import create_user
from core.localtime import to_local
from core.models import AuditLog, Organization, Rating, ServiceProject, Survey
from survey.io import check_token, template_definition
from survey.service import submit_response
from tests.factories import form_token, login
from tests.survey.factories import make_survey


@pytest.fixture
def staff(session, places):
    create_user(session, "boss", "password-1", "admin")
    create_user(session, "wa", "password-1", "worker", communities=["T-A"])
    create_user(session, "viewer", "password-1", "org", org="乐龄")
    return places


def _csrf(client, path="/admin/surveys"):
    return form_token(client.get(path).text)


def test_staff_pages_need_a_login_and_a_staff_role(client, staff):
    assert client.get("/admin/surveys", follow_redirects=False).status_code == 303
    login(client, "viewer", "password-1")
    assert client.get("/admin/surveys").status_code == 403


def test_an_admin_creates_a_survey_from_a_template_and_publishes_it(client, session, staff):
    login(client, "boss", "password-1")
    page = client.get("/admin/surveys/new?template=resident-participation")
    assert page.status_code == 200 and "居民参与社区事务调查" in page.text
    questions = template_definition("resident-participation").questions
    data = {"csrf_token": form_token(page.text), "slug": "canyu-2026", "title": "参与调查", "title_en": "Participation",
            "purpose": "participation", "anonymous": "1", "closes_at": "2030-01-31",
            "questions": json.dumps(questions, ensure_ascii=False)}
    r = client.post("/admin/surveys/new", data=data, follow_redirects=False)
    assert r.status_code == 303
    survey = session.exec(select(Survey).where(Survey.slug == "canyu-2026")).one()
    assert survey.status == "draft" and len(survey.questions) == 9 and survey.closes_at.year == 2030
    r = client.post(f"/admin/surveys/{survey.id}/status", data={"csrf_token": data["csrf_token"], "status": "open"},
                    follow_redirects=False)
    assert r.status_code == 303
    session.refresh(survey)
    assert survey.status == "open"
    actions = session.exec(select(AuditLog.action)).all()
    assert "survey_created" in actions and "survey_status" in actions


def test_a_broken_question_list_is_refused_with_the_reason_and_nothing_saved(client, session, staff):
    login(client, "boss", "password-1")
    data = {"csrf_token": _csrf(client, "/admin/surveys/new"), "slug": "bad-one", "title": "坏问卷",
            "questions": json.dumps([{"id": "q", "type": "rating", "label": {"zh": "评分"}, "show_if": {"question": "x", "equals": 1}}])}
    r = client.post("/admin/surveys/new", data=data)
    assert r.status_code == 422 and "earlier question" in r.text and "坏问卷" in r.text
    assert session.exec(select(Survey)).all() == []


def test_posts_without_a_csrf_token_are_refused(client, session, staff):
    survey = make_survey(session)
    login(client, "boss", "password-1")
    r = client.post(f"/admin/surveys/{survey.id}/status", data={"status": "closed"})
    assert r.status_code == 403
    session.refresh(survey)
    assert survey.status == "open"


def test_a_worker_edits_only_surveys_of_their_own_communities(client, session, staff):
    street_wide = make_survey(session, slug="street")
    mine = make_survey(session, slug="mine", target_place_ids=[staff["community_A"].id])
    login(client, "wa", "password-1")
    assert client.get(f"/admin/surveys/{street_wide.id}/edit").status_code == 403
    assert client.get(f"/admin/surveys/{mine.id}/edit").status_code == 200
    token = _csrf(client)
    assert client.post(f"/admin/surveys/{street_wide.id}/status",
                       data={"csrf_token": token, "status": "closed"}).status_code == 403


def test_a_definition_exported_and_imported_again_is_the_same_survey(client, session, staff):
    survey = make_survey(session, target_place_ids=[staff["community_B"].id], title_en="Test survey")
    login(client, "boss", "password-1")
    exported = client.get(f"/admin/surveys/{survey.id}/definition.json").json()
    assert exported["target_places"] == ["T-B"] and exported["title"] == {"zh": "测试问卷", "en": "Test survey"}
    exported["slug"] = "copy"
    files = {"file": ("copy.json", json.dumps(exported, ensure_ascii=False).encode(), "application/json")}
    r = client.post("/admin/surveys/import", data={"csrf_token": _csrf(client)}, files=files, follow_redirects=False)
    assert r.status_code == 303
    copy = session.exec(select(Survey).where(Survey.slug == "copy")).one()
    assert copy.questions == survey.questions and copy.target_place_ids == [staff["community_B"].id]
    assert copy.status == "draft"


def test_importing_a_file_that_is_not_a_definition_says_why(client, session, staff):
    login(client, "boss", "password-1")
    files = {"file": ("x.json", b'{"slug": "x1", "title": {"zh": "x"}, "questions": []}', "application/json")}
    r = client.post("/admin/surveys/import", data={"csrf_token": _csrf(client)}, files=files)
    assert r.status_code == 422 and "questions" in r.text
    files = {"file": ("x.json", b"not json", "application/json")}
    assert "not JSON" in client.post("/admin/surveys/import", data={"csrf_token": _csrf(client)}, files=files).text


def test_personal_links_carry_valid_tokens(client, session, staff):
    survey = make_survey(session, one_response_per_resident=True)
    login(client, "boss", "password-1")
    csv_text = client.get(f"/admin/surveys/{survey.id}/links.csv?start=5&count=3").text
    lines = csv_text.strip().splitlines()
    assert lines[0] == "number,url" and len(lines) == 4
    token = lines[1].split("t=")[1]
    assert check_token(survey.id, token) == "token:5" and check_token(survey.id + 1, token) is None


def _answer(session, survey, key, place, **extra):
    answers = {"age": "o60", "elder_help": ["meal"], "overall": 4, "home": place.id, **extra}
    return submit_response(session, survey, answers, respondent_key=key, channel="web")


def test_results_summarise_each_question_and_filter_by_community(client, session, staff):
    survey = make_survey(session)
    _answer(session, survey, "a1", staff["compound_A1"], overall=5, need="电话13912345678 楼道灯坏了")
    _answer(session, survey, "a2", staff["compound_A2"], overall=3)
    _answer(session, survey, "b1", staff["compound_B1"], overall=1)
    login(client, "boss", "password-1")
    page = client.get(f"/admin/surveys/{survey.id}/results").text
    assert '<strong id="total">3</strong>' in page and "均值 3.0" in page  # the statistic by its name
    assert "[电话]" in page and "13912345678" not in page
    only_a = client.get(f"/admin/surveys/{survey.id}/results?community={staff['community_A'].id}").text
    assert '<strong id="total">2</strong>' in only_a and "均值 4.0" in only_a


def test_a_worker_reads_only_responses_from_their_communities(client, session, staff):
    survey = make_survey(session)
    _answer(session, survey, "a1", staff["compound_A1"])
    _answer(session, survey, "b1", staff["compound_B1"])
    login(client, "wa", "password-1")
    page = client.get(f"/admin/surveys/{survey.id}/results?community={staff['community_B'].id}").text
    assert '<strong id="total">0</strong>' in page
    assert '<strong id="total">1</strong>' in client.get(f"/admin/surveys/{survey.id}/results").text
    assert len(client.get(f"/admin/surveys/{survey.id}/responses.csv").text.strip().splitlines()) == 2


def test_csv_and_xlsx_exports_hold_every_response_with_formulas_defused(client, session, staff):
    survey = make_survey(session)
    _answer(session, survey, "a1", staff["compound_A1"], need="=HYPERLINK(\"x\")", agree={"safe": 5, "clean": 4})
    _answer(session, survey, "a2", staff["compound_B2"])
    login(client, "boss", "password-1")
    csv_text = client.get(f"/admin/surveys/{survey.id}/responses.csv").content.decode("utf-8-sig")
    header, *rows = csv_text.strip().splitlines()
    assert "agree.safe" in header and len(rows) == 2 and "'=HYPERLINK" in csv_text and "助餐" in csv_text
    xlsx = client.get(f"/admin/surveys/{survey.id}/responses.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = list(sheet.values)
    assert len(values) == 3 and values[0][0] == "response_id"
    assert "survey_export" in session.exec(select(AuditLog.action)).all()


def test_satisfaction_ratings_show_per_project_per_month(client, session, staff):
    org = Organization(name="青苗")
    session.add(org)
    session.flush()
    project = ServiceProject(name="四点半课堂", organization_id=org.id)
    session.add(project)
    session.commit()
    survey = make_survey(session, project_id=project.id, purpose="satisfaction")
    _answer(session, survey, "a1", staff["compound_A1"], overall=5)
    _answer(session, survey, "a2", staff["compound_A1"], overall=2)
    assert [r.score for r in session.exec(select(Rating).where(Rating.project_id == project.id))] == [5, 2]
    login(client, "boss", "password-1")
    page = client.get(f"/admin/surveys/{survey.id}/results").text
    assert 'id="project-trend"' in page and "四点半课堂" in page and "3.5" in page


def test_a_question_is_added_from_plain_fields_and_removed_again(client, session, staff):
    survey = make_survey(session, questions=[
        {"id": "used", "type": "single", "label": {"zh": "用过吗"},
         "options": [{"value": "yes", "label": {"zh": "用过"}}, {"value": "no", "label": {"zh": "没有"}}]}])
    login(client, "boss", "password-1")
    token = _csrf(client, f"/admin/surveys/{survey.id}/edit")
    r = client.post(f"/admin/surveys/{survey.id}/questions", data={
        "csrf_token": token, "qid": "aspects", "qtype": "likert", "label_zh": "您是否同意", "required": "1",
        "rows": "fast | 来得及时 | Came on time\nkind | 态度好", "show_if_question": "used", "show_if_values": "yes"},
        follow_redirects=False)
    assert r.status_code == 303
    session.refresh(survey)
    added = survey.questions[-1]
    assert added["rows"][1] == {"value": "kind", "label": {"zh": "态度好", "en": ""}}
    assert added["show_if"] == {"question": "used", "equals": "yes"} and added["required"] is True
    # the first question cannot go while the new one depends on it
    refused = client.post(f"/admin/surveys/{survey.id}/questions/used/remove", data={"csrf_token": token})
    assert refused.status_code == 422 and "earlier question" in refused.text
    ok = client.post(f"/admin/surveys/{survey.id}/questions/aspects/remove", data={"csrf_token": token},
                     follow_redirects=False)
    assert ok.status_code == 303
    session.refresh(survey)
    assert [q["id"] for q in survey.questions] == ["used"]


def test_a_question_with_a_mistake_is_refused_with_the_reason(client, session, staff):
    survey = make_survey(session)
    login(client, "boss", "password-1")
    token = _csrf(client, f"/admin/surveys/{survey.id}/edit")
    r = client.post(f"/admin/surveys/{survey.id}/questions", data={
        "csrf_token": token, "qid": "age", "qtype": "text", "label_zh": "重复编号"})
    assert r.status_code == 422 and "used twice" in r.text
    session.refresh(survey)
    assert len(survey.questions) == 9


def test_a_worker_creates_surveys_only_for_their_own_communities(client, session, staff):
    login(client, "wa", "password-1")
    page = client.get("/admin/surveys/new")
    base = {"csrf_token": form_token(page.text), "title": "A社区需求", "purpose": "needs",
            "questions": json.dumps(template_definition("community-needs").questions, ensure_ascii=False)}
    other = client.post("/admin/surveys/new", data={**base, "slug": "b-needs", "targets": [staff["community_B"].id]})
    assert other.status_code == 422
    mine = client.post("/admin/surveys/new", data={**base, "slug": "a-needs", "targets": [staff["community_A"].id]},
                       follow_redirects=False)
    assert mine.status_code == 303
    assert session.exec(select(Survey.slug)).all() == ["a-needs"]


def test_the_satisfaction_page_lists_each_rated_project_by_month(client, session, staff):
    org = Organization(name="乐龄助餐社")
    session.add(org)
    session.flush()
    project = ServiceProject(name="老年助餐", organization_id=org.id)
    session.add(project)
    session.commit()
    survey = make_survey(session, project_id=project.id, purpose="satisfaction")
    for key, score in (("a", 5), ("b", 4), ("c", 3)):
        _answer(session, survey, key, staff["compound_A1"], overall=score)
    login(client, "boss", "password-1")
    page = client.get("/admin/surveys/satisfaction").text
    month = to_local(session.exec(select(Rating.created_at)).first()).strftime("%Y-%m")
    assert "老年助餐" in page and month in page and "<td class=\"num\">4.0</td><td class=\"num\">3</td>" in page
