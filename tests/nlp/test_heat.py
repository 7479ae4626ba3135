import datetime as dt

from core.models import Resident, ServiceRequest
from intake.service import IntakeIn, submit
from nlp.heat import heat_index, rank, rank_rows


def test_heat_grows_with_residents_growth_and_urgency_and_fades_with_time():
    base = heat_index(4, days_since_last=0, recent=2, previous=2, urgent=False)
    assert base == 4
    assert heat_index(8, 0, 2, 2, False) == 2 * base
    assert heat_index(4, 14, 2, 2, False) == base / 2  # a fortnight without news halves it
    assert heat_index(4, 0, 6, 2, False) == 3 * base  # growth is capped at 2
    assert heat_index(4, 0, 2, 2, True) == 2 * base
    assert heat_index(4, 400, 0, 0, False, half_life=None) == base


def test_rank_orders_open_clusters_by_distinct_residents(session, places, with_model):
    people = [Resident() for _ in range(3)]
    session.add_all(people)
    session.commit()

    def req(text, who):
        return submit(session, IntakeIn(text=text, place_id=places["compound_A1"].id, resident_id=who.id)).request

    lift = [req("3号楼电梯又坏了，老人下不了楼", p) for p in people]
    gate = [req("北门垃圾桶满了没人清运", people[0]), req("北门垃圾桶满了没人清运，臭", people[0])]
    hot = rank(session, limit=5, min_supporters=1)
    assert [h.cluster_id for h in hot][:2] == [lift[0].cluster_id, gate[0].cluster_id]
    assert hot[0].supporters == 3 and hot[1].supporters == 1 and hot[1].requests == 2
    assert rank(session, scope=[places["community_B"].id]) == []
    # by default an issue needs three residents: one resident writing twice is not a hot issue
    assert [h.cluster_id for h in rank(session, limit=5)] == [lift[0].cluster_id]
    # an old issue fades: move the lift requests two months back
    for r in lift:
        r.created_at = r.created_at - dt.timedelta(days=60)
        session.add(r)
    session.commit()
    assert rank(session, limit=1, min_supporters=1)[0].cluster_id == gate[0].cluster_id
    assert session.get(ServiceRequest, lift[0].id).cluster_id == lift[0].cluster_id


def test_rank_rows_counts_likes_as_supporters():
    t0 = dt.datetime(2020, 1, 1)
    texts = ["小区北门垃圾没人清运", "北门垃圾没人清运臭气熏天", "地铁3号线出入口设置不合理"]
    hot = rank_rows(texts, ["u1", "u2", "u3"], [t0, t0, t0], likes=[0, 0, 10], half_life=None, min_supporters=1)
    assert hot[0].members == [2] and hot[0].supporters == 11
    assert hot[1].members == [0, 1] and hot[1].supporters == 2
    assert [h.members for h in rank_rows(texts, ["u1", "u2", "u3"], [t0, t0, t0], likes=[0, 0, 10])] == [[2]]
