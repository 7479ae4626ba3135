"""The demand dashboard counts what the user may read, and every number leads to the requests behind it."""

from __future__ import annotations

import datetime as dt
import io
import re

from openpyxl import load_workbook

from core.localtime import to_local
from core.localtime import today as local_today
from core.models import Cluster, Rating, Status
from tests.admin.conftest import as_user, make_request


def _ago(days):
    return dt.datetime.now(dt.UTC) - dt.timedelta(days=days)


def _seed(session, places):
    a1, b1 = places["compound_A1"], places["compound_B1"]
    made = []
    for i in range(3):  # this month, community A, repair; one resolved and rated
        made.append(make_request(session, a1, text=f"路灯坏了{i}", category="facility_repair", external_id=f"a{i}"))
    old = make_request(session, a1, text="电梯坏了一个月", category="facility_repair", external_id="old",
                       created_at=_ago(40))  # open and overdue
    done = make_request(session, b1, text="想要四点半课堂", category="child_youth", external_id="b0",
                        status=Status.resolved, resolved_at=_ago(1))
    session.add(Rating(request_id=done.id, score=2, comment="还可以"))
    session.add(Rating(request_id=made[0].id, score=5))
    lamps = Cluster(title="A小区路灯", place_id=a1.id, size=3, category_code="facility_repair")
    care = Cluster(title="B小区托管", place_id=b1.id, size=1, category_code="child_youth")
    session.add_all([lamps, care])
    session.flush()
    for r in made:
        r.cluster_id = lamps.id
        session.add(r)
    done.cluster_id = care.id
    session.add(done)
    session.commit()
    return made, old, done


def test_admin_dashboard_counts_every_community(client, session, places, staff):
    _seed(session, places)
    as_user(client, "admin")
    page = client.get("/admin/dashboard?lang=en").text
    assert re.search(r'id="tile-total"[^>]*>5<', page)
    assert re.search(r'id="tile-open"[^>]*>4<', page)  # the resolved one is not open
    assert re.search(r'id="tile-overdue"[^>]*>1<', page)
    assert re.search(r'id="tile-satisfaction">3.50<', page)
    by_month = page.split('id="by-month"')[1].split("</table>")[0]
    this_month = local_today().strftime("%Y-%m")
    assert f"category=facility_repair&amp;month={this_month}" in by_month
    # hot clusters: three residents or more (nlp.heat.MIN_SUPPORTERS); one request is not a hot issue
    assert "A小区路灯" in page and "B小区托管" not in page
    assert "<svg" in page and 'src="http' not in page and "href=\"http" not in page


def test_worker_dashboard_shows_only_their_communities(client, session, places, staff):
    _seed(session, places)
    as_user(client, "wa")
    page = client.get("/admin/dashboard").text
    assert re.search(r'id="tile-total"[^>]*>4<', page)
    assert "B小区托管" not in page and "B社区" not in page.split('id="by-community"')[1]
    # asking for community B directly gives nothing of B
    page = client.get(f"/admin/dashboard?community={places['community_B'].id}").text
    assert re.search(r'id="tile-total"[^>]*>0<', page)


def test_drill_down_links_list_exactly_the_requests_counted(client, session, places, staff):
    made, old, done = _seed(session, places)
    as_user(client, "admin")
    page = client.get("/admin/dashboard").text
    overdue_link = re.search(r'id="tile-overdue" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    listed = client.get(overdue_link).text.split('id="requests"')[1]
    assert old.ticket in listed and all(r.ticket not in listed for r in made)
    month = local_today().strftime("%Y-%m")
    link = re.search(rf'href="(/admin\?category=facility_repair&amp;month={month}[^"]*)"', page).group(1)
    listed = client.get(link.replace("&amp;", "&")).text.split('id="requests"')[1]
    assert {r.ticket for r in made} <= set(re.findall(r"<code>([A-Z0-9-]+)</code>", listed))
    assert old.ticket not in listed or to_local(old.created_at).strftime("%Y-%m") == month


def test_demand_report_exports_as_xlsx_with_charts_and_as_a_printable_page(client, session, places, staff):
    _seed(session, places)
    as_user(client, "admin")
    resp = client.get("/admin/dashboard.xlsx?lang=en")
    assert resp.status_code == 200 and resp.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    wb = load_workbook(io.BytesIO(resp.content))
    assert wb.sheetnames == ["By month", "By community", "Satisfaction", "Hot clusters"]
    rows = {r[0].value: r for r in wb["By month"].iter_rows(min_row=2)}
    assert rows["Facilities and repair"][-2].value == 4  # total over the window
    assert len(wb["By month"]._charts) == 1 and len(wb["Satisfaction"]._charts) == 1
    printable = client.get("/admin/dashboard/print")
    assert printable.status_code == 200 and "data-print" in printable.text and "<svg" in printable.text
    assert client.get("/admin/static/admin.css").text.count("@media print") == 1


def test_organization_viewers_cannot_open_the_dashboard_or_its_exports(client, session, places, staff):
    as_user(client, "org1")
    assert client.get("/admin/dashboard", follow_redirects=False).status_code == 303
    assert client.get("/admin/dashboard.xlsx").status_code == 403
    assert client.get("/admin/dashboard/print").status_code == 403
    client.cookies.clear()
    assert client.get("/admin/dashboard.xlsx", follow_redirects=False).status_code == 303
