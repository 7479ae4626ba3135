"""The planner ranks services from demand with a transparent score and splits a budget; workers decide."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from admin import plan
from core.models import AuditLog, PurchaseRound, Rating, RoundDocument, RoundItem, Status
from tests.admin.conftest import as_user, make_request


def _cand(code, residents, recent=0, before=0, open_=0, vuln=0, n=None, rating=None):
    return plan.Candidate(code, n or residents, residents, recent, before, open_, vuln, rating, 1 if rating else 0)


def test_score_is_the_weighted_mean_of_signals_scaled_to_one():
    a = _cand("elderly_care", residents=40, recent=20, before=10, open_=20, vuln=40, rating=2.0)
    b = _cand("culture_sports", residents=20, recent=5, before=5, open_=0, vuln=0, rating=5.0)
    ranked = plan.score([b, a], plan.DEFAULT_WEIGHTS)
    assert [c.category_code for c in ranked] == ["elderly_care", "culture_sports"]
    assert a.signals == {"residents": 1.0, "growth": pytest.approx(2 / 3), "unresolved": 0.5, "vulnerable": 1.0,
                         "satisfaction": 0.75}
    expected = 0.35 * 1 + 0.15 * (2 / 3) + 0.2 * 0.5 + 0.2 * 1 + 0.1 * 0.75
    assert a.score == pytest.approx(expected)
    # only residents count: b gets exactly half of a
    plan.score([a, b], {"residents": 1, "growth": 0, "unresolved": 0, "vulnerable": 0, "satisfaction": 0})
    assert (a.score, b.score) == (1.0, 0.5)


def test_budget_is_split_by_score_in_whole_steps_and_adds_up():
    cands = [_cand(f"c{i}", residents=10) for i in range(4)]
    for c, s in zip(cands, (0.5, 0.3, 0.2, 0.1), strict=True):
        c.score = s
    plan.split_budget(cands, 100_000_00, top=3)
    assert [c.proposed_cents for c in cands] == [50_000_00, 30_000_00, 20_000_00, 0]
    plan.split_budget(cands, 99_999_00, top=3)
    assert sum(c.proposed_cents for c in cands) == 99_999_00 and cands[3].proposed_cents == 0
    assert all(c.proposed_cents % 1000_00 == 0 for c in cands[1:3])


def test_weights_from_the_form_are_checked():
    assert plan.parse_weights({"w_growth": "1"})["growth"] == 1.0
    for bad in ({"w_growth": "lots"}, {"w_growth": "-1"}):
        with pytest.raises(ValueError):
            plan.parse_weights(bad)
    with pytest.raises(ValueError):
        plan.parse_weights({f"w_{k}": "0" for k in plan.DEFAULT_WEIGHTS})


def _token(client, url):
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(url).text).group(1)


def _demand(session, places, resident):
    now = dt.datetime.now(dt.UTC)
    month = now.replace(day=15)
    a1, a2 = places["compound_A1"], places["compound_A2"]
    k = 0
    for i in range(6):  # elderly care: growing, half open, about older people
        created = month - dt.timedelta(days=30 * (1 + i % 2))
        make_request(session, a1 if i % 2 else a2, text=f"独居老人需要助餐{i}", category="elderly_care",
                     external_id=f"e{k}", created_at=created, status=Status.received if i < 3 else Status.resolved)
        k += 1
    for i in range(2):
        r = make_request(session, a1, text=f"想要广场舞场地{i}", category="culture_sports", external_id=f"e{k}",
                         created_at=month - dt.timedelta(days=100), status=Status.resolved)
        session.add(Rating(request_id=r.id, score=5))
        k += 1
    make_request(session, places["compound_B1"], text="B社区的需求", category="employment", external_id="b")
    session.commit()


def _round(session, places, place="community_A", budget=200_000_00):
    rnd = PurchaseRound(name="2027年度为民服务专项经费", place_id=places[place].id, budget_cents=budget)
    session.add(rnd)
    session.commit()
    return rnd


def test_worker_proposes_adjusts_and_records_the_decision(client, session, places, staff, resident):
    _demand(session, places, resident)
    rnd = _round(session, places)
    as_user(client, "wa")
    url = f"/admin/rounds/{rnd.id}"
    client.post(f"{url}/propose", data={"csrf_token": _token(client, url), "top": "2"})
    items = session.exec(select(RoundItem).where(RoundItem.round_id == rnd.id).order_by(RoundItem.score.desc())).all()
    assert [i.category_code for i in items] == ["elderly_care", "culture_sports"]  # B's employment is not A's
    assert sum(i.proposed_cents for i in items) == rnd.budget_cents
    e = items[0].evidence
    assert (e["requests"], e["open"], e["vulnerable"]) == (6, 3, 6) and e["weights"] == plan.DEFAULT_WEIGHTS
    page = client.get(url).text
    assert "6 条需求" in page and 'id="plan"' in page

    token = _token(client, url)
    first, second = items
    # a changed amount without a reason is refused, and nothing is recorded
    client.post(f"{url}/decide", data={"csrf_token": token, f"decided_{first.id}": "150000"})
    session.expire_all()
    assert session.get(RoundItem, first.id).decided_cents is None
    client.post(f"{url}/decide", data={"csrf_token": token, f"decided_{first.id}": "150000",
                                       f"reason_{first.id}": "助餐点租金已由街道承担",
                                       f"decided_{second.id}": "50000", f"reason_{second.id}": "场地可共用",
                                       "decision_note": "居民议事会 11 月 20 日通过"})
    session.expire_all()
    decided = session.get(RoundItem, first.id)
    assert decided.decided_cents == 150_000_00 and decided.decided_by_id == staff["wa"].id
    assert decided.decision_reason == "助餐点租金已由街道承担"
    assert session.get(PurchaseRound, rnd.id).decision_note == "居民议事会 11 月 20 日通过"
    audits = session.exec(select(AuditLog).where(AuditLog.action == "round.decide")).all()
    assert {a.detail["decided"] for a in audits} == {150_000_00, 50_000_00}
    # over budget: refused
    client.post(f"{url}/decide", data={"csrf_token": token, f"decided_{second.id}": "90000",
                                       f"reason_{second.id}": "more"})
    session.expire_all()
    assert session.get(RoundItem, second.id).decided_cents == 50_000_00
    # re-ranking with other weights keeps the decisions
    client.post(f"{url}/propose", data={"csrf_token": token, "w_residents": "0", "w_vulnerable": "0",
                                        "w_unresolved": "0", "w_growth": "0", "w_satisfaction": "1", "top": "2"})
    session.expire_all()
    items = session.exec(select(RoundItem).where(RoundItem.round_id == rnd.id)).all()
    assert {i.category_code: i.decided_cents for i in items} == {"elderly_care": 150_000_00,
                                                                 "culture_sports": 50_000_00}
    assert all(i.evidence["weights"]["satisfaction"] == 1 for i in items)


def test_stages_have_dates_and_documents(client, session, places, staff):
    as_user(client, "admin")
    token = _token(client, "/admin/rounds")
    resp = client.post("/admin/rounds", data={"csrf_token": token, "name": "2027 round",
                                              "place_id": places["street"].id, "budget_yuan": "800000",
                                              "application_start": "2027-01-05", "review_start": "2027-02-01",
                                              "implementation_start": "2027-03-01",
                                              "evaluation_start": "2027-10-01", "end_date": "2027-12-31"},
                       follow_redirects=False)
    url = resp.headers["location"]
    rnd = session.exec(select(PurchaseRound)).one()
    assert rnd.budget_cents == 800_000_00 and rnd.review_start == dt.date(2027, 2, 1)
    client.post(f"{url}/documents", data={"csrf_token": token, "stage": "review", "title": "评审会议纪要",
                                          "reference": "青枫街〔2027〕3号"})
    client.post(f"{url}/documents", data={"csrf_token": token, "stage": "review", "title": "<b>x</b>",
                                          "reference": "javascript:alert(1)"})
    client.post(f"{url}/stage", data={"csrf_token": token, "stage": "review"})
    page = client.get(url).text
    assert "评审会议纪要" in page and "青枫街〔2027〕3号" in page
    assert 'href="javascript:' not in page and "&lt;b&gt;x&lt;/b&gt;" in page
    assert session.exec(select(RoundDocument)).all()[0].stage == "review"
    session.expire_all()
    assert session.get(PurchaseRound, rnd.id).stage == "review"
    bad = client.post("/admin/rounds", data={"csrf_token": token, "name": "x", "place_id": places["street"].id,
                                             "budget_yuan": "1", "review_start": "2027-05-01",
                                             "implementation_start": "2027-01-01"})
    assert "follow each other" in bad.text and len(session.exec(select(PurchaseRound)).all()) == 1


def test_plan_exports_as_xlsx_and_printable_page(client, session, places, staff, resident):
    _demand(session, places, resident)
    rnd = _round(session, places)
    as_user(client, "admin")
    url = f"/admin/rounds/{rnd.id}"
    client.post(f"{url}/propose", data={"csrf_token": _token(client, url), "top": "3"})
    wb = load_workbook(io.BytesIO(client.get(f"{url}/plan.xlsx?lang=en").content))
    assert wb.sheetnames == ["Plan", "Stages"]
    rows = list(wb["Plan"].iter_rows(min_row=2, max_row=3, values_only=True))
    assert rows[0][0] == "Elderly care" and rows[0][2] == 6
    assert sum(r[9] for r in rows) == 200_000
    assert len(wb["Plan"]._charts) == 1
    page = client.get(f"{url}/print").text
    assert "data-print" in page and "<svg" in page and 'name="decided_' not in page


def test_rounds_of_other_communities_are_not_found_for_a_worker(client, session, places, staff):
    rnd = _round(session, places, place="community_B")
    street = _round(session, places, place="street")
    as_user(client, "wa")
    for r in (rnd, street):
        assert client.get(f"/admin/rounds/{r.id}").status_code == 404
        assert client.get(f"/admin/rounds/{r.id}/plan.xlsx").status_code == 404
    token = _token(client, "/admin/rounds")
    assert client.post(f"/admin/rounds/{rnd.id}/propose", data={"csrf_token": token}).status_code == 404
    assert client.post(f"/admin/rounds/{rnd.id}/decide", data={}).status_code == 403  # no CSRF token
    assert "2027年度为民服务专项经费<" not in client.get("/admin/rounds").text.split("id=\"rounds\"")[1]
