import pytest
from sqlmodel import select

from core.models import (
    Channel,
    Organization,
    Rating,
    ServiceProject,
    ServiceRequest,
    SurveyResponse,
)
from survey.service import (
    SurveyError,
    expresses_need,
    open_surveys,
    requests_of,
    submit_response,
    validate_answers,
    visible_questions,
)
from tests.survey.factories import future, make_survey, past

GOOD = {"age": "o60", "elder_help": ["meal"], "elder_help_other": "理发", "overall": "4", "recommend": "9",
        "agree": {"safe": "4", "clean": "2"}, "household": "3", "since": "2020-05-01", "need": ""}


def test_skip_logic_hides_a_question_until_its_condition_holds(session):
    survey = make_survey(session)
    ids = [q["id"] for q in visible_questions(survey, {"age": "u35"})]
    assert "elder_help" not in ids and "overall" in ids
    assert "elder_help" in [q["id"] for q in visible_questions(survey, {"age": "o60"})]


def test_answers_of_every_type_are_cleaned_and_typed(session, places):
    survey = make_survey(session)
    cleaned = validate_answers(survey, {**GOOD, "home": str(places["compound_A1"].id)}, session)
    assert cleaned == {"age": "o60", "elder_help": ["meal", "_other"], "elder_help_other": "理发", "overall": 4,
                       "recommend": 9, "agree": {"safe": 4, "clean": 2}, "household": 3, "since": "2020-05-01",
                       "home": places["compound_A1"].id}


def test_answers_to_hidden_questions_are_dropped(session):
    survey = make_survey(session)
    cleaned = validate_answers(survey, {**GOOD, "age": "u35"})
    assert "elder_help" not in cleaned and "elder_help_other" not in cleaned


def test_every_problem_is_reported_per_question(session, places):
    survey = make_survey(session)
    bad = {"age": "o60", "elder_help": ["_other"], "overall": "6", "recommend": "11", "agree": {"safe": "9"},
           "household": "99", "since": "2020-13-01", "home": "999999"}
    with pytest.raises(SurveyError) as exc:
        validate_answers(survey, bad, session)
    assert exc.value.code == "invalid_answers"
    assert exc.value.errors == {"elder_help": "other_text_required", "overall": "bad_rating", "recommend": "bad_nps",
                                "agree": "bad_choice", "household": "number_too_large", "since": "bad_date",
                                "home": "bad_place"}
    assert "1 到 5" in exc.value.field_messages("zh")["overall"]
    assert "1 to 5" in exc.value.field_messages("en")["overall"]


def test_required_questions_must_be_answered(session):
    survey = make_survey(session)
    with pytest.raises(SurveyError) as exc:
        validate_answers(survey, {})
    assert exc.value.errors == {"age": "required", "overall": "required"}


def test_a_broken_definition_is_refused_with_a_clear_message(session):
    survey = make_survey(session, questions=[{"id": "a", "type": "single", "label": {"zh": "甲"}, "options": []}])
    with pytest.raises(SurveyError) as exc:
        validate_answers(survey, {})
    assert exc.value.code == "bad_definition" and "at least two options" in exc.value.message("en")


def test_only_open_surveys_in_their_dates_and_places_are_listed(session, places):
    a = make_survey(session, slug="a")
    make_survey(session, slug="draft", status="draft")
    make_survey(session, slug="later", opens_at=future())
    make_survey(session, slug="over", closes_at=past())
    b = make_survey(session, slug="b-only", target_place_ids=[places["community_B"].id])
    assert {s.slug for s in open_surveys(session)} == {"a", "b-only"}
    assert [s.id for s in open_surveys(session, place_id=places["compound_A1"].id)] == [a.id]
    assert {s.id for s in open_surveys(session, place_id=places["compound_B2"].id)} == {a.id, b.id}


def test_a_closed_or_unopened_survey_refuses_submissions(session):
    for slug, kw, code in [("c", {"status": "closed"}, "closed"), ("d", {"closes_at": past()}, "closed"),
                           ("e", {"opens_at": future()}, "not_open"), ("f", {"status": "draft"}, "not_open")]:
        survey = make_survey(session, slug=slug, **kw)
        with pytest.raises(SurveyError) as exc:
            submit_response(session, survey, GOOD, respondent_key="k", channel="web")
        assert exc.value.code == code
    assert session.exec(select(SurveyResponse)).all() == []


def test_one_response_per_respondent_key(session):
    survey = make_survey(session, one_response_per_resident=True)
    first = submit_response(session, survey, GOOD, respondent_key="telegram:42", channel="telegram")
    with pytest.raises(SurveyError) as exc:
        submit_response(session, survey, {**GOOD, "overall": "1"}, respondent_key="telegram:42", channel="telegram")
    assert exc.value.code == "already_answered" and exc.value.existing.id == first.id
    assert len(session.exec(select(SurveyResponse)).all()) == 1


def test_a_need_in_free_text_becomes_a_classified_request_linked_to_place_and_resident(session, places, with_model):
    from core.models import Resident

    resident = Resident()
    session.add(resident)
    session.commit()
    survey = make_survey(session, anonymous=False)
    text = "小区3号楼楼道灯坏了一个多星期，晚上老人上下楼很危险，希望尽快修好"
    response = submit_response(session, survey, {**GOOD, "home": places["compound_A2"].id, "need": text},
                               respondent_key="n1", channel="web", resident_id=resident.id)
    [req] = requests_of(session, response)
    assert req.channel == Channel.survey and req.external_id == f"survey:{response.id}:need"
    assert req.text == text and req.place_id == places["compound_A2"].id
    assert req.community_id == places["community_A"].id and req.resident_id == resident.id
    assert req.category_code is not None or req.needs_review
    # handing the same response over again makes no second request
    from survey.service import hand_needs_to_intake

    hand_needs_to_intake(session, survey, response)
    assert len(session.exec(select(ServiceRequest)).all()) == 1


def test_polite_nothing_is_not_a_need(session):
    assert not expresses_need("无")
    assert not expresses_need("没有意见。")
    assert not expresses_need("No.")
    assert not expresses_need("都挺好")
    assert expresses_need("希望增加老年助餐点")
    assert expresses_need("More benches in the park please")


def test_an_anonymous_survey_never_stores_the_resident(session):
    from core.models import Resident

    resident = Resident()
    session.add(resident)
    session.commit()
    survey = make_survey(session, anonymous=True)
    response = submit_response(session, survey, GOOD, respondent_key="x", channel="web", resident_id=resident.id)
    assert response.resident_id is None


def test_satisfaction_ratings_feed_the_linked_project(session):
    org = Organization(name="乐龄")
    session.add(org)
    session.flush()
    project = ServiceProject(name="助餐", organization_id=org.id)
    session.add(project)
    session.commit()
    survey = make_survey(session, project_id=project.id, purpose="satisfaction")
    submit_response(session, survey, GOOD, respondent_key="r1", channel="web")
    submit_response(session, survey, {**GOOD, "overall": 2}, respondent_key="r2", channel="telegram")
    ratings = session.exec(select(Rating).where(Rating.project_id == project.id).order_by(Rating.id)).all()
    assert [(r.score, r.channel) for r in ratings] == [(4, "survey"), (2, "survey")]


def test_a_place_outside_the_target_communities_is_refused(session, places):
    survey = make_survey(session, target_place_ids=[places["community_B"].id])
    with pytest.raises(SurveyError) as exc:
        submit_response(session, survey, {**GOOD, "home": places["compound_A1"].id}, respondent_key="z", channel="web")
    assert exc.value.code == "place_not_targeted"


def test_too_many_submissions_from_one_client_are_refused(session):
    survey = make_survey(session)
    for i in range(3):
        submit_response(session, survey, GOOD, respondent_key=f"k{i}", channel="web", client_hash="c1", rate_limit=3)
    with pytest.raises(SurveyError) as exc:
        submit_response(session, survey, GOOD, respondent_key="k9", channel="web", client_hash="c1", rate_limit=3)
    assert exc.value.code == "rate_limited"
    submit_response(session, survey, GOOD, respondent_key="k10", channel="web", client_hash="c2", rate_limit=3)
