"""The workers' cluster pages: ranking, one cluster, merge and split, with roles, scopes and CSRF."""

import re

import pytest
from sqlmodel import select

from core.accounts import create_user
from core.models import AuditLog, Cluster, Role
from intake.service import IntakeIn, submit
from tests.factories import form_token, login


@pytest.fixture
def setup(session, places, with_model):
    create_user(session, "wa", "worker-pass-1", Role.worker, communities=["T-A"])
    create_user(session, "wb", "worker-pass-2", Role.worker, communities=["T-B"])
    create_user(session, "org1", "org-pass-1", Role.org, org="甲社工中心")

    def req(text, place):
        return submit(session, IntakeIn(text=text, place_id=places[place].id)).request

    # three residents: the hot list shows issues of at least three (nlp.heat.MIN_SUPPORTERS)
    lift = [req("3号楼电梯又坏了，老人下不了楼", "compound_A1"), req("三号楼电梯停了两天了", "compound_A1"),
            req("3栋的电梯门关不上", "compound_A1")]
    gate = req("北门垃圾桶满了没人清运<script>alert(1)</script>", "compound_A1")
    other = req("3号楼电梯又坏了，老人下不了楼", "compound_B1")
    return {"lift": lift, "gate": gate, "other": other}


def test_a_worker_sees_the_hot_clusters_of_their_own_communities_only(client, session, setup):
    assert login(client, "wa", "worker-pass-1").status_code == 303
    page = client.get("/admin/clusters")
    assert page.status_code == 200
    lift_id, other_id = setup["lift"][0].cluster_id, setup["other"].cluster_id
    assert f'href="/admin/clusters/{lift_id}"' in page.text
    assert f'href="/admin/clusters/{other_id}"' not in page.text
    rows = re.findall(r'<a href="/admin/clusters/(\d+)">', page.text)
    assert rows[0] == str(lift_id)  # three residents outrank one (who is not listed at all)
    assert f'href="/admin/clusters/{setup["gate"].cluster_id}"' not in page.text
    assert client.get(f"/admin/clusters/{other_id}").status_code == 404


def test_resident_text_is_escaped_on_the_cluster_page(client, session, setup):
    login(client, "wa", "worker-pass-1")
    page = client.get(f"/admin/clusters/{setup['gate'].cluster_id}")
    assert "<script>alert(1)</script>" not in page.text and "&lt;script&gt;" in page.text


def test_organisation_viewers_and_strangers_cannot_open_clusters(client, session, setup):
    assert client.get("/admin/clusters", follow_redirects=False).status_code in (302, 303, 307)
    login(client, "org1", "org-pass-1")
    assert client.get("/admin/clusters").status_code == 403


def test_a_worker_merges_two_clusters_and_the_action_is_audited(client, session, setup):
    login(client, "wa", "worker-pass-1")
    src, dst = setup["gate"].cluster_id, setup["lift"][0].cluster_id
    token = form_token(client.get(f"/admin/clusters/{src}").text)
    assert client.post(f"/admin/clusters/{src}/merge", data={"target_id": dst},
                       follow_redirects=False).status_code == 403  # no CSRF token
    resp = client.post(f"/admin/clusters/{src}/merge", data={"target_id": dst, "csrf_token": token},
                       follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"] == f"/admin/clusters/{dst}"
    session.expire_all()
    assert session.get(Cluster, dst).size == 4 and session.get(Cluster, src).merged_into_id == dst
    assert session.exec(select(AuditLog).where(AuditLog.action == "cluster_merge")).one().target_id == str(src)


def test_merging_into_another_communitys_cluster_is_refused(client, session, setup):
    login(client, "wa", "worker-pass-1")
    src = setup["gate"].cluster_id
    token = form_token(client.get(f"/admin/clusters/{src}").text)
    resp = client.post(f"/admin/clusters/{src}/merge", data={"target_id": setup["other"].cluster_id,
                                                             "csrf_token": token})
    assert resp.status_code == 404
    session.expire_all()
    assert session.get(Cluster, src).merged_into_id is None


def test_a_worker_splits_requests_off_into_a_new_cluster(client, session, setup):
    login(client, "wa", "worker-pass-1")
    cid, moved = setup["lift"][0].cluster_id, setup["lift"][1]
    token = form_token(client.get(f"/admin/clusters/{cid}").text)
    resp = client.post(f"/admin/clusters/{cid}/split", data={"request_ids": [moved.id], "csrf_token": token},
                       follow_redirects=False)
    assert resp.status_code == 303
    session.expire_all()
    session.refresh(moved)
    assert moved.cluster_id != cid and session.get(Cluster, cid).size == 2
    empty = client.post(f"/admin/clusters/{cid}/split", data={"csrf_token": token})
    assert empty.status_code == 400
