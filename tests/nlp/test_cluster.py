import json
from pathlib import Path

from sqlmodel import select

from core.models import Cluster, ClusterTerm, EventType, RequestEvent, Status
from intake.service import IntakeIn, submit
from nlp import cluster as C

EVAL = Path(__file__).resolve().parents[2] / "nlp" / "data" / "cluster_eval.jsonl"


def _submit(session, text, place):
    return submit(session, IntakeIn(text=text, place_id=place.id)).request


def test_requests_about_the_same_issue_in_the_same_compound_share_a_cluster(session, places, with_model):
    a = _submit(session, "3号楼电梯又坏了，老人下不了楼", places["compound_A1"])
    b = _submit(session, "三号楼的电梯停了两天了，什么时候修", places["compound_A1"])
    c = _submit(session, "小区北门垃圾桶满了好几天没人清运", places["compound_A1"])
    assert a.cluster_id and a.cluster_id == b.cluster_id
    assert c.cluster_id and c.cluster_id != a.cluster_id
    cluster = session.get(Cluster, a.cluster_id)
    assert cluster.size == 2 and "电梯" in cluster.keywords and cluster.title
    assert cluster.place_id == places["community_A"].id
    linked = session.exec(select(RequestEvent).where(RequestEvent.request_id == b.id,
                                                     RequestEvent.type == EventType.cluster_linked)).all()
    assert [e.to_value for e in linked] == [str(a.cluster_id)]


def test_the_same_issue_in_another_compound_of_the_community_starts_its_own_cluster(session, places, with_model):
    a = _submit(session, "3号楼电梯又坏了，老人下不了楼", places["compound_A1"])
    b = _submit(session, "三号楼的电梯停了两天了，什么时候修", places["compound_A2"])
    assert a.cluster_id != b.cluster_id
    assert session.get(Cluster, b.cluster_id).place_id == places["community_A"].id


def test_a_compound_named_in_the_text_is_the_place_of_the_issue(session, places, with_model):
    a = _submit(session, "3号楼电梯又坏了，老人下不了楼", places["compound_A1"])
    b = _submit(session, "A小区1的三号楼电梯停了两天", places["community_A"])
    c = _submit(session, "A小区2的三号楼电梯停了两天", places["community_A"])
    assert b.cluster_id == a.cluster_id and c.cluster_id != a.cluster_id


def test_a_request_without_a_place_stays_alone(session, places, with_model):
    a = submit(session, IntakeIn(text="3号楼电梯又坏了，老人下不了楼")).request
    b = submit(session, IntakeIn(text="3号楼电梯又坏了，老人下不了楼")).request
    assert a.cluster_id and b.cluster_id and a.cluster_id != b.cluster_id
    assert session.exec(select(ClusterTerm).where(ClusterTerm.cluster_id.in_([a.cluster_id, b.cluster_id]))).all() == []


def test_another_building_or_another_thing_in_the_same_compound_is_another_issue(session, places, with_model):
    lift = _submit(session, "3号楼电梯又坏了，老人下不了楼", places["compound_A1"])
    other_building = _submit(session, "5号楼电梯又坏了，老人下不了楼", places["compound_A1"])
    other_thing = _submit(session, "3号楼楼道灯又坏了，晚上黑漆漆的", places["compound_A1"])
    same = _submit(session, "3栋的电梯停了，我妈下不了楼", places["compound_A1"])
    assert len({lift.cluster_id, other_building.cluster_id, other_thing.cluster_id}) == 3
    assert same.cluster_id == lift.cluster_id


def test_the_same_issue_in_another_community_starts_its_own_cluster(session, places, with_model):
    a = _submit(session, "3号楼电梯又坏了，老人下不了楼", places["compound_A1"])
    b = _submit(session, "3号楼电梯又坏了，老人下不了楼", places["compound_B1"])
    assert a.cluster_id != b.cluster_id


def test_a_clustering_failure_loses_nothing(session, places, with_model, monkeypatch):
    def broken(*a, **k):
        raise RuntimeError("index unavailable")

    monkeypatch.setattr(C, "best_cluster", broken)
    r = _submit(session, "5号楼楼道灯不亮", places["compound_A1"])
    session.refresh(r)
    assert r.id and r.cluster_id is None and r.category_code is not None
    assert session.exec(select(Cluster)).all() == []


def test_a_failure_after_the_cluster_row_is_written_rolls_the_cluster_back_and_keeps_the_request(
        session, places, with_model, monkeypatch):
    import intake.service

    def broken(session, request, found):
        C.join(session, request, found)  # the cluster and its sums are written...
        assert session.exec(select(Cluster)).all() != []
        raise RuntimeError("disk full")  # ...then something fails

    monkeypatch.setattr(intake.service, "join", broken)
    r = _submit(session, "5号楼楼道灯不亮", places["compound_A1"])
    session.expire_all()
    assert session.get(type(r), r.id).cluster_id is None
    assert session.exec(select(Cluster)).all() == []
    types = [e.type for e in session.exec(select(RequestEvent).where(RequestEvent.request_id == r.id))]
    assert EventType.created in types and EventType.cluster_linked not in types


def test_intake_stores_the_link_and_its_history_row_with_the_request(session, places, with_model):
    a = _submit(session, "3号楼电梯又坏了，老人下不了楼", places["compound_A1"])
    b = _submit(session, "3号楼的电梯坏了好几天了，老人下不了楼", places["compound_A1"])
    session.expire_all()
    assert a.cluster_id is not None and a.cluster_id == b.cluster_id
    assert session.get(Cluster, a.cluster_id).size == 2
    for r in (a, b):
        linked = session.exec(select(RequestEvent).where(RequestEvent.request_id == r.id,
                                                         RequestEvent.type == EventType.cluster_linked)).all()
        assert [e.to_value for e in linked] == [str(a.cluster_id)]


def test_merge_moves_every_request_and_closes_the_source(session, places, with_model):
    a = _submit(session, "3号楼电梯又坏了", places["compound_A1"])
    b = _submit(session, "北门垃圾没人清运，臭气熏天", places["compound_A1"])
    src, dst = session.get(Cluster, b.cluster_id), session.get(Cluster, a.cluster_id)
    assert C.merge(session, src, dst, actor_id=None) == 1
    session.refresh(b)
    session.refresh(src)
    session.refresh(dst)
    assert b.cluster_id == dst.id and dst.size == 2
    assert src.merged_into_id == dst.id and not src.is_open and src.size == 0
    assert session.exec(select(ClusterTerm).where(ClusterTerm.cluster_id == src.id)).all() == []


def test_split_moves_the_chosen_requests_into_a_new_cluster(session, places, with_model):
    a = _submit(session, "3号楼电梯又坏了，老人下不了楼", places["compound_A1"])
    b = _submit(session, "三号楼电梯停了两天，老人下不了楼", places["compound_A1"])
    src = session.get(Cluster, a.cluster_id)
    new = C.split(session, src, [b.id], actor_id=None)
    session.refresh(b)
    session.refresh(src)
    assert b.cluster_id == new.id and new.size == 1 and src.size == 1
    import pytest

    with pytest.raises(ValueError):
        C.split(session, src, [a.id], actor_id=None)  # would empty it
    with pytest.raises(ValueError):
        C.split(session, src, [], actor_id=None)


def test_batch_reclustering_refines_clusters_but_keeps_what_a_worker_placed(session, places, with_model):
    from core.accounts import create_user

    worker = create_user(session, "w1", "password-123", "admin")
    a = _submit(session, "3号楼电梯又坏了，老人下不了楼", places["compound_A1"])
    b = _submit(session, "三号楼电梯停了两天，老人下不了楼", places["compound_A1"])
    c = _submit(session, "3号楼电梯故障一直没人修", places["compound_A1"])
    new = C.split(session, session.get(Cluster, a.cluster_id), [c.id], actor_id=worker.id)
    b.status = Status.resolved  # closed requests are not re-clustered
    session.add(b)
    session.commit()
    out = C.recluster(session)
    assert out["pinned"] == 1 and out["requests"] == 1
    session.refresh(c)
    assert c.cluster_id == new.id


def test_bcubed_scores_perfect_and_lumped_clusterings():
    gold = ["x", "x", "y", "z"]
    assert C.bcubed([1, 1, 2, 3], gold) == (1.0, 1.0, 1.0)
    p, r, f = C.bcubed([0, 0, 0, 0], gold)
    assert r == 1.0 and p == (2 / 4 * 2 + 1 / 4 * 2) / 4
    p, r, f = C.bcubed([0, 1, 2, 3], gold)
    assert p == 1.0 and r == (0.5 + 0.5 + 1 + 1) / 4


def test_clusters_on_the_labelled_set_reach_bcubed_f1_of_080():
    rows = [json.loads(line) for line in EVAL.read_text(encoding="utf-8").splitlines() if line.strip()]
    labels = C.cluster_texts([r["text"] for r in rows], [r["place"] for r in rows])
    p, r, f1 = C.bcubed(labels, [r["cluster"] for r in rows])
    assert f1 >= 0.80, (p, r, f1)


def test_titles_drop_personal_data():
    title = C.title_of("我电话13812345678，3栋2单元501室门口漏水")
    assert "13812345678" not in title and "501" not in title


def test_clusters_on_the_independent_validation_split_reach_pairwise_f1_of_090():
    from nlp import benchmark as B

    rows = B.load("val")
    p, r, f1 = C.pairwise(B.cluster_labels(rows, "val"), [x.cluster for x in rows])
    assert f1 >= 0.90 and p >= 0.90, (p, r, f1)


def test_pairwise_scores_count_every_pair_and_singletons_have_none():
    assert C.pairwise([1, 1, 2, 3], ["x", "x", None, None]) == (1.0, 1.0, 1.0)
    p, r, f = C.pairwise([0, 0, 0, 0], ["x", "x", None, None])
    assert (p, r) == (1 / 6, 1.0)
    assert C.pairwise([0, 1, 2, 3], ["x", "x", None, None])[:2] == (1.0, 0.0)


def _places_table():
    return C.PlaceTable.from_rows([
        {"code": "S", "name": "测试街道", "kind": "street", "parent": "", "aliases": ""},
        {"code": "S-C", "name": "河西社区", "kind": "community", "parent": "S", "aliases": ""},
        {"code": "S-C-1", "name": "望湖苑", "kind": "compound", "parent": "S-C", "aliases": "望湖小区|Wanghu"},
        {"code": "S-C-2", "name": "柳岸新村", "kind": "compound", "parent": "S-C", "aliases": "柳岸村"},
    ])


def test_synonyms_typos_and_english_meet_as_one_concept():
    from nlp.concepts import concepts

    for text in ("北门的道闸坏了", "北门抬杆不起来", "北门栏杆抬不起来", "The car barrier at the north gate is stuck"):
        assert "barrier" in concepts(text), text
    for text in ("充电桩坏了", "充电口都不能用", "充点桩坏了一半", "the e-bike charging points don't work"):
        assert "charger" in concepts(text), text
    assert "lift_install" in concepts("能不能加装电梯") and "elevator" not in concepts("能不能加装电梯")
    assert "property_fee" in concepts("物業費漲價了")  # traditional characters


def test_generic_words_never_join_two_requests():
    table = _places_table()
    texts = ["请问社区孩子的事找谁，望湖苑小区", "望湖苑小区的孩子，请问社区在哪"]
    assert len(set(C.cluster_texts(texts, ["S-C-1", "S-C-1"], table=table))) == 2


def test_the_places_table_resolves_names_aliases_and_the_given_place():
    table = _places_table()
    folded = C.fold("望湖小区3栋电梯坏了")
    assert table.resolve(None, folded)[0] == "S-C-1"
    assert table.resolve("S-C", C.fold("柳岸村门口的路灯不亮"))[0] == "S-C-2"
    assert table.resolve("S-C-1", C.fold("电梯坏了"))[0] == "S-C-1"
    assert table.resolve("S-C", C.fold("电梯坏了"))[0] == "S-C"
    assert table.resolve(None, C.fold("电梯坏了"))[0] is None
    assert C._aliases(["甲", " 乙 "]) == ["甲", "乙"] and C._aliases("甲|乙、丙") == ["甲", "乙", "丙"]


def test_a_catch_all_cluster_refuses_members_about_other_things():
    table = _places_table()
    texts = ["望湖苑3栋电梯坏了", "望湖苑3栋电梯又停了", "望湖苑3栋的电梯门关不上",
             "望湖苑3栋楼道灯不亮", "望湖苑3栋门口垃圾没人清运", "望湖苑3栋有人在楼道里抽烟"]
    labels = C.cluster_texts(texts, table=table)
    assert labels[0] == labels[1] == labels[2]
    assert len(set(labels[3:])) == 3 and labels[0] not in labels[3:]


def test_text_alone_still_clusters_when_no_request_has_a_place():
    labels = C.cluster_texts(["3号楼电梯又坏了", "三号楼电梯停了两天", "5号楼电梯又坏了", "北门垃圾没人清运"])
    assert labels[0] == labels[1] and len({labels[0], labels[2], labels[3]}) == 3


def test_clusters_on_the_independent_test_split_keep_pairwise_f1_of_082():
    # achieved 0.848 (P 0.913, R 0.792) with the shipped clusterer; the bar is that minus a margin
    from nlp import benchmark as B

    rows = B.load("test")
    p, r, f1 = C.pairwise(B.cluster_labels(rows, "test"), [x.cluster for x in rows])
    assert f1 >= 0.82 and p >= 0.88, (p, r, f1)


def test_two_long_words_that_share_the_stored_prefix_are_one_index_row(session, places, with_model):
    text = "3号楼电梯坏了，报修编号 " + "a" * 45 + "x " + "a" * 45 + "y"
    a = _submit(session, text, places["compound_A1"])
    b = _submit(session, text, places["compound_A1"])  # grows the cluster: the same row again
    assert a.cluster_id is not None and b.cluster_id == a.cluster_id
    rows = session.exec(select(ClusterTerm).where(ClusterTerm.cluster_id == a.cluster_id,
                                                  ClusterTerm.term == "a" * 40)).all()
    assert len(rows) == 1 and rows[0].weight > 0
