"""The worker's inbox: what needs doing now first with a countdown, filters that take any empty field,
state kept across paging and a request page, and the "no place yet" queue."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from urllib.parse import urlencode

from sqlmodel import select

from core.accounts import create_user
from core.localtime import day_bounds
from core.models import EventType, Outbox, Place, PlaceKind, RequestEvent, ServiceRequest, utcnow
from intake.service import IntakeIn, submit
from tests.admin.conftest import PASSWORDS, as_user, make_request
from tests.factories import login

H = dt.timedelta(hours=1)


class _Forms(HTMLParser):
    """The GET forms of a page with the values the page itself offers (as a person submits them)."""

    def __init__(self):
        super().__init__()
        self.forms, self._form, self._select = [], None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "get") == "get":
            self._form = {"action": a.get("action") or "", "fields": []}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name") and a.get("type") not in ("checkbox", "submit"):
            self._form["fields"].append((a["name"], a.get("value") or ""))
        elif tag == "select":
            self._select = a["name"]
            self._form["fields"].append((a["name"], None))
        elif tag == "option" and self._select:
            name, value = self._form["fields"][-1]
            if value is None or "selected" in a:
                self._form["fields"][-1] = (name, a.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def _forms(html):
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def _listed(page, table="requests"):
    part = page.split(f'id="{table}"')[1].split("</table>")[0]
    return re.findall(r"<code>([A-Z0-9-]+)</code>", part)


def test_every_filter_form_works_with_any_field_left_empty(client, session, places, staff):
    req = make_request(session, places["compound_A1"], text="路灯不亮", category="facility_repair", confidence=0.9)
    as_user(client, "admin")
    for url in ("/admin", "/admin/dashboard"):
        for form in _forms(client.get(url).text):
            fields = dict(form["fields"])
            action = form["action"] or url
            resp = client.get(action.split("#")[0] + "?" + urlencode(fields))  # as it stands: mostly empty
            assert resp.status_code == 200, (url, fields, resp.text[:300])
            for name in fields:  # and every field empty on its own, the others as offered
                resp = client.get(action.split("#")[0] + "?" + urlencode({**fields, name: ""}))
                assert resp.status_code == 200 and "text/html" in resp.headers["content-type"], (url, name)
    every = {"q": "", "category": "", "kind": "", "status": "", "community": "", "place": "", "since": "", "until": "",
             "max_confidence": "", "month": "", "overdue_days": "", "cluster": "", "project": "", "assignee": "",
             "queue": "", "rate": "", "missed": "", "late": ""}
    assert req.ticket in _listed(client.get("/admin?" + urlencode(every)).text)
    assert client.get("/admin/dashboard?months=&community=&rates_by=").status_code == 200


def test_a_filter_that_cannot_be_read_is_named_on_a_page_in_the_workers_language(client, session, places, staff):
    make_request(session, places["compound_A1"])
    as_user(client, "wa")
    resp = client.get("/admin?community=abc&max_confidence=2&month=9999-12")
    assert resp.status_code == 422 and "text/html" in resp.headers["content-type"]
    assert "此筛选条件无法识别，已忽略：社区" in resp.text and "置信度不高于" in resp.text and 'id="requests"' in resp.text
    english = client.get("/admin?since=yesterday&lang=en")
    assert english.status_code == 422 and "This filter could not be read and was left out: From" in english.text


def _due(session, req, respond_by, urgent=False):
    req.respond_by, req.urgent = respond_by, urgent
    req.resolve_by = max(respond_by, req.created_at) + 7 * 24 * H
    session.add(req)
    session.commit()
    return req


def test_what_needs_doing_now_comes_first_with_a_countdown(client, session, places, staff):
    now = utcnow()
    end_of_today = day_bounds()[1]
    later = _due(session, make_request(session, places["compound_A1"], text="下周想办书法班", external_id="l"),
                 end_of_today + 30 * H)
    today = _due(session, make_request(session, places["compound_A1"], text="楼道灯今天要修", external_id="t"),
                 now + (end_of_today - now) / 2)
    overdue = _due(session, make_request(session, places["compound_A2"], text="垃圾三天没清", external_id="o"),
                   now - 5 * H)
    urgent = _due(session, make_request(session, places["compound_A1"], text="电梯困人", external_id="u"),
                  now + 2 * H, urgent=True)
    make_request(session, places["compound_B1"], text="B社区的急事", external_id="b", urgent=True)  # not wa's
    as_user(client, "wa")
    page = client.get("/admin").text
    assert _listed(page, "now-table") == [urgent.ticket, overdue.ticket, today.ticket]
    now_table = page.split('id="now-table"')[1].split("</table>")[0]
    assert "已超时 5 小时" in now_table and re.search("剩余 (1 小时 59 分|2 小时 0 分)", now_table)
    main = page.split('id="requests"')[1].split("</table>")[0]
    assert later.ticket in main and "剩余" in main  # every row shows its countdown
    # once handled, it is no longer "now": responded and the resolution a week away
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post(f"/admin/requests/{overdue.id}", data={"csrf_token": token, "action": "status", "value": "accepted"})
    assert overdue.ticket not in _listed(client.get("/admin").text, "now-table")


def test_filters_survive_paging_and_a_return_from_a_request_page(client, session, places, staff):
    made = [make_request(session, places["compound_A1"], text=f"停车位不够{i}", external_id=f"p{i}",
                         created_at=utcnow() - i * H) for i in range(55)]
    make_request(session, places["compound_A1"], text="别的事", external_id="other")
    as_user(client, "wa")
    first = client.get("/admin?q=停车位&status=open").text
    assert len(_listed(first)) == 50
    nxt = re.search(r'<a href="\?([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    assert "q=" in nxt and "status=open" in nxt and "page=2" in nxt
    second = client.get("/admin?" + nxt).text
    assert set(_listed(second)) == {r.ticket for r in made[50:]}
    detail = client.get(f"/admin/requests/{made[52].id}").text
    back = re.search(r'<a href="([^"]+)" id="back"', detail).group(1).replace("&amp;", "&")
    returned = client.get(back).text
    assert "page=2" in back and set(_listed(returned)) == set(_listed(second))
    assert 'value="停车位"' in returned  # the search box still holds the search


def test_requests_without_a_place_are_seen_by_the_street_and_passed_to_a_community(client, session, places, staff,
                                                                                  resident):
    other_street = Place(kind=PlaceKind.street, name="别的街道", code="X")
    session.add(other_street)
    session.flush()
    elsewhere = Place(kind=PlaceKind.community, name="X社区", code="X-C", parent_id=other_street.id)
    session.add(elsewhere)
    session.commit()
    create_user(session, "wx", "worker-pass-x", "worker", communities=["X-C"])
    # one names only the street; one names no place at all (any street's worker may be the one to place it)
    nowhere = submit(session, IntakeIn(text="不知道该找谁，路口的井盖丢了", channel="telegram", resident_id=resident.id,
                                       external_id="np", place_id=places["street"].id)).request
    anywhere = submit(session, IntakeIn(text="想问问哪里能办老年卡", external_id="any")).request
    assert nowhere.community_id is None and anywhere.community_id is None
    for who in ("admin", "wa", "wb"):
        as_user(client, who)
        page = client.get("/admin?queue=unplaced").text
        assert set(_listed(page)) == {nowhere.ticket, anywhere.ticket}, who
        assert re.search(r'id="unplaced-count">2<', page)
        assert client.get(f"/admin/requests/{nowhere.id}").status_code == 200
    login(client, "wx", "worker-pass-x")  # a worker of another street
    assert _listed(client.get("/admin?queue=unplaced").text) == [anywhere.ticket]
    assert client.get(f"/admin/requests/{nowhere.id}").status_code == 404

    login(client, "wa", PASSWORDS["wa"])
    detail = client.get(f"/admin/requests/{nowhere.id}").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', detail).group(1)
    resp = client.post(f"/admin/requests/{nowhere.id}", data={"csrf_token": token, "action": "transfer",
                                                               "value": str(places["community_B"].id)},
                       follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"] == "/admin"  # it left wa's list
    session.expire_all()
    moved = session.get(ServiceRequest, nowhere.id)
    assert moved.community_id == places["community_B"].id
    event = session.exec(select(RequestEvent).where(RequestEvent.request_id == moved.id,
                                                    RequestEvent.type == EventType.transferred)).one()
    assert (event.from_value, event.to_value, event.actor_id) == (None, str(places["community_B"].id), staff["wa"].id)
    told = session.exec(select(Outbox).where(Outbox.request_id == moved.id, Outbox.purpose == "assigned")).one()
    assert "B社区" in told.text and told.address == "4242"
    assert _listed(client.get("/admin?queue=unplaced").text) == [anywhere.ticket]
    as_user(client, "wb")
    assert nowhere.ticket in _listed(client.get("/admin").text)
