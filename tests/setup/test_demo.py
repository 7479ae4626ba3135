"""`needs demo`: six months of a street, stored by the intake service as if each request had arrived then."""

import datetime as dt

from sqlmodel import select

from core.models import Cluster, EventType, RequestEvent, ServiceRequest, Status, utcnow


def _aware(t: dt.datetime) -> dt.datetime:
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


def test_the_demo_dates_every_request_its_history_and_deadlines_from_its_receipt(session, with_model):
    from app.demo import seed_demo

    seed_demo(n_requests=300, seed=5, echo=lambda _msg: None)
    requests = session.exec(select(ServiceRequest).where(ServiceRequest.external_id.startswith("demo-"))).all()
    assert len(requests) == 300
    now = utcnow()
    ages = [(now - _aware(r.created_at)).days for r in requests]
    assert max(ages) >= 120 and min(ages) <= 7  # spread over six months, more lately
    assert all(r.category_code and r.model_version for r in requests)  # classified by the active model
    by_id = {r.id: r for r in requests}
    events = session.exec(select(RequestEvent).where(RequestEvent.request_id.in_(list(by_id)))).all()
    for e in events:
        received = _aware(by_id[e.request_id].created_at)
        if e.type in (EventType.created, EventType.classified, EventType.cluster_linked):
            assert _aware(e.created_at) == received, e.type
        else:
            assert _aware(e.created_at) >= received
    for r in requests:
        assert _aware(r.respond_by) > _aware(r.created_at) and _aware(r.respond_by) - _aware(r.created_at) < dt.timedelta(days=30)
    statuses = {r.status for r in requests}
    assert {Status.resolved, Status.received} <= statuses or {Status.resolved, Status.accepted} <= statuses
    old_resolved = [r for r in requests if (now - _aware(r.created_at)).days > 60 and r.status == Status.resolved]
    assert all(r.resolved_at is not None for r in old_resolved) and old_resolved
    assert sum(1 for r in requests if r.cluster_id is not None) >= 290
    sizes = {c.id: c.size for c in session.exec(select(Cluster)).all()}
    members: dict[int, int] = {}
    for r in requests:
        if r.cluster_id is not None:
            members[r.cluster_id] = members.get(r.cluster_id, 0) + 1
    assert all(sizes[cid] >= n for cid, n in members.items())  # every cluster counts its members

    stored = len(session.exec(select(ServiceRequest.id)).all())
    assert seed_demo(n_requests=300, seed=5, echo=lambda _msg: None).startswith("demo data exists already")
    assert len(session.exec(select(ServiceRequest.id)).all()) == stored
