"""The dashboard's and the planner's rollup gives exactly the numbers of the live queries, after intake,
status changes, category corrections, ratings and bulk updates, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update
from sqlmodel import select

from admin import actions, plan
from admin.demand import demand, demand_live, refresh
from core.localtime import local_date
from core.localtime import today as local_today
from core.models import DemandDay, DemandDirty, PurchaseRound, ServiceRequest, Status
from core.residents import record_rating
from intake.service import IntakeIn, submit
from tests.admin.conftest import make_request

NOW = dt.datetime.now(dt.UTC)


def _ago(days, hours=0):
    return NOW - dt.timedelta(days=days, hours=hours)


def _same_report(session, staff, places):
    """Every figure of the dashboard and every planner candidate, fast path against live query."""
    for who in ("admin", "wa", "wb"):
        user = staff[who]
        for months, community in ((12, None), (3, None), (24, places["community_A"].id)):
            fast = demand(session, user, months=months, community=community, now=NOW)
            live = demand_live(session, user, months=months, community=community, now=NOW)
            assert (fast.months, fast.since) == (live.months, live.since)
            assert fast.by_month == live.by_month
            assert fast.by_place == live.by_place
            assert fast.open == live.open
            assert fast.satisfaction == live.satisfaction  # the same floats, not approximately
        for rnd in session.exec(select(PurchaseRound)).all():
            for months in (3, 12):
                key = lambda c: c.category_code  # noqa: E731
                fast = sorted(plan.gather(session, user, rnd, months=months), key=key)
                live = sorted(plan.gather_live(session, user, rnd, months=months), key=key)
                assert fast == live
                assert plan.score(fast, plan.DEFAULT_WEIGHTS) == plan.score(live, plan.DEFAULT_WEIGHTS)
    return demand_live(session, staff["admin"], months=24, now=NOW)


def _rounds(session, places):
    session.add(PurchaseRound(name="街道", place_id=places["street"].id, budget_cents=100_000_00))
    session.add(PurchaseRound(name="社区A", place_id=places["community_A"].id, budget_cents=50_000_00))
    session.commit()


def test_rollup_matches_the_live_queries_through_a_mix_of_changes(session, places, staff, resident):
    _rounds(session, places)
    a1, a2, b1 = places["compound_A1"], places["compound_A2"], places["compound_B1"]
    made = []
    specs = [  # (place, text, category, days ago, hours ago, status)
        (a1, "楼道灯坏了", "facility_repair", 0, 1, None),
        (a1, "独居老人需要助餐", "elderly_care", 2, 0, None),
        (a2, "孩子放学没人管", "child_youth", 35, 0, Status.resolved),
        (b1, "电梯坏了", "facility_repair", 14, -1, None),  # just inside the overdue cut-off
        (b1, "电梯又坏了", "facility_repair", 14, 1, None),  # just past it
        (a2, "垃圾没人清", None, 70, 0, None),  # unclassified
        (b1, "想要广场舞场地", "culture_sports", 100, 0, Status.resolved),
        (a1, "残疾人出行难", "parking_traffic", 200, 0, Status.accepted),
        (b1, "老年食堂太贵", "elderly_care", 400, 0, Status.resolved),
    ]
    for i, (place, text, category, days, hours, status) in enumerate(specs):
        fields = {"created_at": _ago(days, hours)}
        if status:
            fields["status"] = status
        made.append(make_request(session, place, text=text, category=category, external_id=f"mix{i}",
                                 resident=resident if i % 3 == 0 else None, **fields))
    nowhere = submit(session, IntakeIn(text="不知道找谁", external_id="nowhere")).request  # no community
    session.commit()
    first = _same_report(session, staff, places)
    assert sum(first.by_month.values()) == len(specs) + 1

    # ratings, then a category correction moves a rated request and its ratings to another category
    record_rating(session, made[2], 2, "一般")
    record_rating(session, made[6], 5)
    record_rating(session, made[8], 3)
    _same_report(session, staff, places)
    actions.correct_category(session, staff["admin"], made[2], "health")
    session.commit()
    actions.correct_category(session, staff["admin"], made[5], "environment")
    session.commit()
    # status changes: close an overdue one, reopen a resolved one, work the new one
    actions.change_status(session, staff["admin"], made[4], Status.resolved)
    session.commit()
    actions.change_status(session, staff["admin"], made[6], Status.in_progress)
    session.commit()
    actions.change_status(session, staff["admin"], made[0], Status.accepted)
    session.commit()
    # a correction of the place: the request moves to another community
    made[1].community_id = places["community_B"].id
    session.add(made[1])
    session.commit()
    after = _same_report(session, staff, places)
    assert after.by_month != first.by_month
    assert after.satisfaction and after.open != first.open

    # a bulk statement of the kind a script would run, around the ORM
    session.exec(update(ServiceRequest).where(ServiceRequest.category_code == "facility_repair").values(status=Status.not_actionable))
    session.exec(update(ServiceRequest).where(ServiceRequest.id == nowhere.id).values(text="老人摔倒了没人管"))
    session.commit()
    _same_report(session, staff, places)


def test_refresh_recomputes_only_the_days_marked_by_changes(session, places, staff):
    old = make_request(session, places["compound_A1"], text="路灯坏了", category="facility_repair",
                       external_id="o", created_at=_ago(50))
    refresh(session)
    assert session.exec(select(DemandDirty)).all() == []
    day = _ago(50).date()  # the UTC day the triggers mark
    local = local_date(_ago(50))  # the day the rollup counts it in (the street's time zone)
    row = session.get(DemandDay, (local, places["community_A"].id, "facility_repair"))
    assert (row.requests, row.open, row.ratings) == (1, 1, 0)

    actions.change_status(session, staff["admin"], old, Status.resolved)
    session.commit()
    assert {d.day for d in session.exec(select(DemandDirty))} == {day}
    record_rating(session, old, 4)
    assert refresh(session) == 2  # the request's day, and the rating's (today)
    row = session.get(DemandDay, (local, places["community_A"].id, "facility_repair"))
    session.refresh(row)
    assert (row.requests, row.open) == (1, 0)
    rated = session.get(DemandDay, (local_today(), places["community_A"].id, "facility_repair"))
    assert (rated.ratings, rated.score_sum) == (1, 4)

    # an update that changes none of the rollup's inputs marks nothing
    old.needs_review = not old.needs_review
    session.add(old)
    session.commit()
    assert session.exec(select(DemandDirty)).all() == []
    assert refresh(session) == 0


def test_upgrading_to_the_rollup_marks_every_existing_day(engine, session, places, staff):
    from core.migrate import downgrade, upgrade

    _rounds(session, places)
    for i, days in enumerate((0, 3, 40, 400)):
        make_request(session, places["compound_B2"], text=f"老人助餐{i}", category="elderly_care",
                     external_id=f"u{i}", created_at=_ago(days))
    record_rating(session, session.exec(select(ServiceRequest).order_by(ServiceRequest.id)).first(), 4)  # today, like the first
    session.commit()
    downgrade(engine, "0003")
    upgrade(engine)
    assert session.exec(select(DemandDay)).all() == []
    assert refresh(session) == 4
    _same_report(session, staff, places)
