"""The admin pages of a street's own data: places, their import, records import with its progress,
staff accounts, one's own password, organizations and projects, categories and retraining."""

from __future__ import annotations

import io
import re

import pytest
from sqlmodel import func, select

from core.accounts import create_user
from core.models import (
    AuditLog,
    Category,
    Job,
    Organization,
    Place,
    Role,
    ServiceProject,
    ServiceRequest,
    StaffUser,
)
from tests.factories import form_token, login
from tests.setup.conftest import GEOGRAPHY, PLACE_HEADER


@pytest.fixture
def admin(session, street):
    return create_user(session, "boss", "boss-pass-1", Role.admin)


@pytest.fixture
def as_admin(client, admin):
    assert login(client, "boss", "boss-pass-1").status_code == 303
    return client


def token(client, path):
    return form_token(client.get(path).text)


def csv_bytes(header, rows) -> bytes:
    buf = io.StringIO()
    import csv

    w = csv.writer(buf)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def audited(session, action) -> int:
    return session.exec(select(func.count()).select_from(AuditLog).where(AuditLog.action == action)).one()


def test_only_admins_reach_the_setup_pages(client, session, admin, places):
    create_user(session, "w", "worker-pass-1", Role.worker, communities=["T-A"])
    assert login(client, "w", "worker-pass-1").status_code == 303
    for path in ("/admin/setup", "/admin/places", "/admin/staff", "/admin/organizations", "/admin/categories",
                 "/admin/imports/requests", "/admin/places/import"):
        assert client.get(path).status_code == 403, path


def test_places_are_imported_through_a_preview(as_admin, session, tmp_path):
    data = csv_bytes(PLACE_HEADER, [*GEOGRAPHY, ["grid", "一网格", "G1", "NOPE", ""]])
    page = as_admin.post("/admin/places/import", data={"csrf_token": token(as_admin, "/admin/places/import")},
                         files={"file": ("places.csv", data, "text/csv")})
    assert page.status_code == 200
    assert re.search(r'id="created">7<', page.text) and re.search(r'id="refused">1<', page.text)
    assert "NOPE" in page.text and session.exec(select(func.count()).select_from(Place)).one() == 1  # dry run
    action = re.search(r'action="(/admin/places/import/[^"]+)"', page.text).group(1)
    done = as_admin.post(action, data={"csrf_token": form_token(page.text), "name": "places.csv"})
    assert re.search(r'id="created">7<', done.text)
    assert session.exec(select(func.count()).select_from(Place)).one() == 8
    assert audited(session, "places.import") == 1
    bad = as_admin.post("/admin/places/import", data={"csrf_token": token(as_admin, "/admin/places/import")},
                        files={"file": ("places.txt", b"x", "text/plain")})
    assert bad.status_code == 422 and "xlsx" in bad.text


def test_a_place_is_renamed_moved_aliased_and_retired_with_its_history(as_admin, session, places):
    compound = places["compound_A1"]
    page = as_admin.get(f"/admin/places/{compound.id}")
    assert page.status_code == 200 and compound.name in page.text
    as_admin.post(f"/admin/places/{compound.id}", data={
        "csrf_token": form_token(page.text), "kind": "compound", "name": "A小区一期", "code": "T-A-1",
        "parent_code": "T-B", "aliases": "一期|yq"}, follow_redirects=False)
    session.refresh(compound)
    assert (compound.name, compound.parent_id, compound.aliases) == ("A小区一期", places["community_B"].id,
                                                                      ["一期", "yq"])
    from intake.service import IntakeIn, submit

    submit(session, IntakeIn(text="楼道灯坏了", place_id=compound.id), classify=False)
    as_admin.post(f"/admin/places/{compound.id}/retire", data={"csrf_token": form_token(page.text)})
    session.refresh(compound)
    assert compound.retired_at is not None
    page = as_admin.get(f"/admin/places/{compound.id}")
    assert 'id="retired"' in page.text
    assert session.exec(select(func.count()).select_from(ServiceRequest).where(ServiceRequest.place_id == compound.id)).one() == 1
    refused = as_admin.post(f"/admin/places/{places['community_A'].id}/retire",
                            data={"csrf_token": form_token(page.text)})
    assert "A小区2" in refused.text  # retire its compounds first
    assert {audited(session, "place.update"), audited(session, "place.retire")} == {1}
    listing = as_admin.get("/admin/places")
    assert listing.status_code == 200 and "A小区一期" in listing.text and "一期 | yq" in listing.text


def test_records_are_imported_with_a_dry_run_and_a_progress_page(as_admin, session, with_model, places):
    header = ["工单编号", "来电时间", "诉求内容", "地址", "状态"]
    rows = [[f"N{i}", f"2026-03-{i % 28 + 1:02d} 09:00", "楼道灯坏了好几天", "A小区1", "已办结"] for i in range(30)]
    rows.append(["BAD", "2026-03-01", "路灯坏了", "火星小区", ""])
    upload = as_admin.post("/admin/imports/requests", data={"csrf_token": token(as_admin, "/admin/imports/requests")},
                           files={"file": ("台账.csv", csv_bytes(header, rows), "text/csv")})
    assert upload.status_code == 200 and "诉求内容" in upload.text  # the columns page, after the redirect
    assert re.search(r'id="to-create">30<', upload.text) and "火星小区" in upload.text
    assert re.search(r'<option value="诉求内容" selected>', upload.text)
    assert session.exec(select(func.count()).select_from(ServiceRequest)).one() == 0
    start = re.search(r'action="(/admin/imports/requests/[^"]+)" id="start"', upload.text).group(1)
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', upload.text.split('id="start"')[1]))
    job_page = as_admin.post(start, data={**fields, "csrf_token": form_token(upload.text)})
    assert job_page.status_code == 200 and 'id="job"' in job_page.text
    job = session.exec(select(Job)).one()
    assert (job.status, job.done, job.total) == ("done", 31, 31)
    assert job.counts["created"] == 30 and job.counts["refused"] == 1
    assert re.search(r'id="created">30<', job_page.text) and "火星小区" in job_page.text
    assert session.exec(select(func.count()).select_from(ServiceRequest)).one() == 30


def test_staff_accounts_are_created_scoped_deactivated_and_reset(as_admin, session, places):
    page = as_admin.get("/admin/staff")
    community = places["community_A"]
    created = as_admin.post("/admin/staff", data={"csrf_token": form_token(page.text), "username": "li",
                                                   "password": "first-pass-1", "role": "worker",
                                                   "communities": [str(community.id)]})
    li = session.exec(select(StaffUser).where(StaffUser.username == "li")).one()
    assert created.status_code == 200 and li.role == Role.worker
    both = [str(community.id), str(places["community_B"].id)]
    as_admin.post(f"/admin/staff/{li.id}", data={"csrf_token": form_token(page.text), "role": "worker",
                                                 "communities": both, "display_name": "李"})
    from core.permissions import community_scope

    assert sorted(community_scope(session, li)) == sorted(int(c) for c in both)
    noscope = as_admin.post(f"/admin/staff/{li.id}", data={"csrf_token": form_token(page.text), "role": "worker"})
    assert "at least one community" in noscope.text or "至少" in noscope.text
    reset = as_admin.post(f"/admin/staff/{li.id}/reset", data={"csrf_token": form_token(page.text)})
    temporary = re.search(r'id="temporary">[^<]*?: ([\w-]{20,}) —', reset.text) or \
        re.search(r'id="temporary">[^<]*?：([\w-]{20,})', reset.text)
    assert temporary, reset.text
    session.refresh(li)
    assert li.must_change_password
    as_admin.post(f"/admin/staff/{li.id}/active", data={"csrf_token": form_token(page.text), "active": "0"})
    session.refresh(li)
    assert not li.is_active
    for action in ("staff.create", "staff.update", "staff.reset_password", "user.deactivate"):
        assert audited(session, action) == 1, action
    listing = as_admin.get("/admin/staff")
    assert "li" in listing.text


def test_a_temporary_password_opens_only_the_page_that_replaces_it(client, session, admin, places):
    from core.accounts import reset_password

    worker = create_user(session, "wang", "old-pass-11", Role.worker, communities=["T-A"])
    temporary = reset_password(session, worker, admin)
    assert login(client, "wang", "old-pass-11").status_code == 401
    assert login(client, "wang", temporary).status_code == 303
    inbox = client.get("/admin", follow_redirects=False)
    assert inbox.status_code == 303 and inbox.headers["location"] == "/account/password"
    page = client.get("/account/password")
    wrong = client.post("/account/password", data={"csrf_token": form_token(page.text), "current": temporary,
                                                   "new": "new-pass-22", "again": "new-pass-23"})
    assert wrong.status_code == 422
    ok = client.post("/account/password", data={"csrf_token": form_token(page.text), "current": temporary,
                                                "new": "new-pass-22", "again": "new-pass-22"}, follow_redirects=False)
    assert ok.status_code == 303
    assert client.get("/admin").status_code == 200
    session.refresh(worker)
    assert not worker.must_change_password and worker.last_login_at is not None


def test_a_worker_changes_their_own_password_and_other_sessions_end(client, session, places):
    from fastapi.testclient import TestClient

    from app.main import create_app

    create_user(session, "zhao", "zhao-pass-1", Role.worker, communities=["T-A"])
    with TestClient(create_app()) as other:
        assert login(other, "zhao", "zhao-pass-1").status_code == 303
        assert login(client, "zhao", "zhao-pass-1").status_code == 303
        page = client.get("/account/password")
        client.post("/account/password", data={"csrf_token": form_token(page.text), "current": "zhao-pass-1",
                                                "new": "zhao-pass-2", "again": "zhao-pass-2"})
        assert client.get("/admin").status_code == 200  # this browser stays signed in
        assert other.get("/admin", follow_redirects=False).status_code == 303  # the other session ended
    assert login(client, "zhao", "zhao-pass-2").status_code == 303


def test_organizations_and_their_projects_are_edited(as_admin, session):
    page = as_admin.get("/admin/organizations")
    as_admin.post("/admin/organizations", data={"csrf_token": form_token(page.text), "name": "乐龄社工",
                                                "contact": "0512-1234"})
    org = session.exec(select(Organization).where(Organization.name == "乐龄社工")).one()
    as_admin.post(f"/admin/organizations/{org.id}", data={"csrf_token": form_token(page.text),
                                                          "name": "乐龄社工服务中心", "contact": "0512-1234",
                                                          "description": "助老"})
    session.refresh(org)
    assert (org.name, org.description) == ("乐龄社工服务中心", "助老")
    dup = as_admin.post("/admin/organizations", data={"csrf_token": form_token(page.text), "name": "乐龄社工服务中心"})
    assert 'class="error"' in dup.text
    project = ServiceProject(name="助餐", organization_id=org.id, budget_cents=100_00)
    session.add(project)
    session.commit()
    form = as_admin.get(f"/admin/projects/{project.id}/edit")
    assert form.status_code == 200
    as_admin.post(f"/admin/projects/{project.id}/edit", data={
        "csrf_token": form_token(form.text), "name": "老年助餐", "organization_id": str(org.id),
        "category_code": "elderly_care", "budget_yuan": "180000", "stage": "implementation",
        "targets": "每周送餐份数 = 120", "period_start": "2026-03-01", "period_end": "2026-12-31"})
    session.refresh(project)
    assert (project.name, project.budget_cents, project.targets) == ("老年助餐", 180_000_00, {"每周送餐份数": 120.0})
    assert audited(session, "organization.create") == 1 and audited(session, "project.update") == 1
    bad = as_admin.post(f"/admin/projects/{project.id}/edit", data={
        "csrf_token": form_token(form.text), "name": "老年助餐", "organization_id": str(org.id),
        "period_start": "2026-12-01", "period_end": "2026-01-01"})
    assert bad.status_code == 200 and 'class="error"' in bad.text


def test_categories_are_added_renamed_marked_and_retired(as_admin, session, with_model):
    page = as_admin.get("/admin/categories")
    assert 'id="model-gap"' not in page.text
    as_admin.post("/admin/categories", data={"csrf_token": form_token(page.text), "code": "home_repair",
                                             "name_zh": "居家维修", "name_en": "Home repair", "vulnerable": "1"})
    added = session.get(Category, "home_repair")
    assert added.vulnerable and added.active
    as_admin.post("/admin/categories/other", data={"csrf_token": form_token(page.text), "name_zh": "其他诉求",
                                                   "name_en": "Other", "description": "", "active": "0"})
    session.expire_all()
    assert session.get(Category, "other").active is False and session.get(Category, "other").name_zh == "其他诉求"
    page = as_admin.get("/admin/categories")
    gap = page.text.split('id="model-gap"')[1].split("</div>")[0]
    assert "home_repair" in gap and "other" in gap and 'id="retrain"' in gap
    from core.taxonomy import vulnerable_categories

    assert "home_repair" in vulnerable_categories(session)
    assert audited(session, "category.create") == 1 and audited(session, "category.update") == 1
    assert as_admin.get("/admin/setup").status_code == 200


def test_the_model_never_predicts_a_retired_category(session, with_model):
    from nlp.registry import get_classifier

    text = "小区门口垃圾堆了三天没人清运，味道很大"
    first = get_classifier(session).predict([text])[0].category
    category = session.get(Category, first)
    category.active = False
    session.add(category)
    session.commit()
    again = get_classifier(session).predict([text])[0]
    assert again.category != first
    category.active = True
    session.add(category)
    session.commit()
    assert get_classifier(session).predict([text])[0].category == first


@pytest.mark.slow
def test_retraining_from_the_page_drops_retired_categories(as_admin, session, with_model):
    page = as_admin.get("/admin/categories")
    as_admin.post("/admin/categories/other", data={"csrf_token": form_token(page.text), "name_zh": "其他",
                                                   "name_en": "Other", "active": "0"})
    job_page = as_admin.post("/admin/categories-retrain", data={"csrf_token": form_token(page.text)})
    job = session.exec(select(Job).where(Job.kind == "train")).one()
    assert job.status == "done", job.message
    assert 'id="trained"' in job_page.text
    from nlp.registry import get_classifier

    clf = get_classifier(session)
    assert clf.version != with_model.version and "other" not in clf.categories
    assert 'id="model-gap"' not in as_admin.get("/admin/categories").text
