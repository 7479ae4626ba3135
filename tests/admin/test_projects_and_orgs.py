"""Service projects carry scorecards; organization viewers see only their own projects, comments redacted."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlmodel import select

from admin.scorecard import scorecard
from core.models import Organization, ProjectAssessment, Rating, ServiceProject
from tests.admin.conftest import as_user, make_request


@pytest.fixture
def projects(session, staff, places):
    org1 = session.get(Organization, staff["org1"].organization_id)
    org2 = session.get(Organization, staff["org2"].organization_id)
    from core.models import ProjectPlace

    meals = ServiceProject(name="老年助餐", organization_id=org1.id, category_code="elderly_care",
                           budget_cents=180_000_00, targets={"每周送餐份数": 120})
    tutoring = ServiceProject(name="四点半课堂", organization_id=org2.id, category_code="child_youth",
                              budget_cents=90_000_00)
    session.add_all([meals, tutoring])
    session.flush()
    session.add(ProjectPlace(project_id=meals.id, place_id=places["community_A"].id))
    session.add(ProjectPlace(project_id=tutoring.id, place_id=places["community_B"].id))
    req = make_request(session, places["compound_A1"], text="张阿姨说送餐很准时，电话13812345678")
    last_month = dt.datetime.now(dt.UTC) - dt.timedelta(days=35)
    session.add_all([
        Rating(request_id=req.id, project_id=meals.id, score=5, created_at=last_month,
               comment="送餐准时，谢谢李秀英社工，住3栋2单元501室，电话13812345678，身份证110101199003071234"),
        Rating(project_id=meals.id, score=3, comment="饭菜偏咸"),
        Rating(project_id=tutoring.id, score=1, comment="乙机构的秘密意见"),
    ])
    session.commit()
    return {"meals": meals, "tutoring": tutoring, "request": req}


def test_scorecard_combines_satisfaction_targets_and_assessment(session, projects, staff):
    meals = projects["meals"]
    card = scorecard(session, meals)
    assert card.rating_mean == 4.0 and card.ratings == 2 and card.overall == 75.0  # satisfaction only
    session.add(ProjectAssessment(project_id=meals.id, assessor_id=staff["wa"].id, score=4,
                                  achieved={"每周送餐份数": 96}))
    session.commit()
    card = scorecard(session, meals)
    assert card.parts == {"satisfaction": 0.75, "targets": 0.8, "assessment": 0.75}
    assert card.overall == pytest.approx(100 * (0.4 * 0.75 + 0.3 * 0.8 + 0.3 * 0.75), abs=0.05)


def test_worker_records_an_assessment_seen_on_the_scorecard(client, session, projects, staff):
    meals = projects["meals"]
    as_user(client, "wa")
    page = client.get(f"/admin/projects/{meals.id}").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post(f"/admin/projects/{meals.id}/assess", data={"csrf_token": token, "score": "4",
                                                            "achieved_每周送餐份数": "96", "note": "按时"})
    row = session.exec(select(ProjectAssessment)).one()
    assert (row.score, row.achieved, row.assessor_id) == (4, {"每周送餐份数": 96.0}, staff["wa"].id)
    page = client.get(f"/admin/projects/{meals.id}").text
    assert "96.0 / 120.0" in page
    client.post(f"/admin/projects/{meals.id}/assess", data={"csrf_token": token, "score": "9"})
    assert len(session.exec(select(ProjectAssessment)).all()) == 1
    # community A's worker does not see community B's project
    assert client.get(f"/admin/projects/{projects['tutoring'].id}").status_code == 404


def test_login_sends_organization_viewers_to_their_own_projects(client, session, projects, staff):
    resp = as_user(client, "org1")
    assert resp.headers["location"] == "/org"
    home = client.get("/org").text
    assert "老年助餐" in home and "四点半课堂" not in home
    page = client.get(f"/org/projects/{projects['meals'].id}").text
    assert "送餐准时" in page and "饭菜偏咸" in page
    for secret in ("13812345678", "501室", "110101199003071234", "李秀英"):
        assert secret not in page
    assert "[电话]" in page and "[身份证号]" in page and "[门牌]" in page and "[姓名]" in page
    assert "乙机构的秘密意见" not in page and "张阿姨" not in page


def test_organization_viewers_get_404_for_other_projects_and_never_reach_requests(client, session, projects, staff):
    as_user(client, "org1")
    assert client.get(f"/org/projects/{projects['tutoring'].id}").status_code == 404
    assert client.get("/org/projects/999999").status_code == 404
    req = projects["request"]
    assert client.get(f"/admin/requests/{req.id}").status_code == 403
    assert client.get("/admin/projects").status_code == 403
    assert client.get(f"/admin/projects/{projects['meals'].id}").status_code == 403
    assert client.get("/admin/rounds").status_code == 403


def test_staff_cannot_use_the_organization_pages(client, session, projects, staff):
    as_user(client, "admin")
    assert client.get("/org").status_code == 403


def test_admin_records_a_project_with_targets_and_places(client, session, places, staff):
    as_user(client, "admin")
    page = client.get("/admin/projects").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/admin/projects", data={"csrf_token": token, "name": "独居老人探访", "organization": "甲社工中心",
                                         "category_code": "elderly_care", "budget_yuan": "60000",
                                         "period_start": "2027-03-01", "period_end": "2027-12-31",
                                         "stage": "implementation", "targets": "每月探访人次 = 200",
                                         "place_ids": [str(places["community_A"].id)]})
    project = session.exec(select(ServiceProject).where(ServiceProject.name == "独居老人探访")).one()
    assert project.targets == {"每月探访人次": 200.0} and project.budget_cents == 60_000_00
    assert project.organization_id == staff["org1"].organization_id
    bad = client.post("/admin/projects", data={"csrf_token": token, "name": "x", "organization": "y",
                                               "targets": "lots of visits"})
    assert "name = number" in bad.text
    as_user(client, "wa")
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/admin/projects").text).group(1)
    assert client.post("/admin/projects", data={"csrf_token": token, "name": "z", "organization": "y"}).status_code == 403
    assert session.exec(select(ServiceProject).where(ServiceProject.name == "z")).first() is None
