"""`needs demo`: a fictional street (青枫街道) with six months of life, for newcomers and screenshots.

Every request goes through the same intake service as real ones; only its timestamps are moved
into the past afterwards, and its later history (status changes, replies, ratings) is generated.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Callable

from sqlmodel import Session, select

from core.db import get_engine, row_id
from core.migrate import upgrade
from core.models import (
    Channel,
    EventType,
    Organization,
    Place,
    PlaceKind,
    PurchaseRound,
    Rating,
    RequestEvent,
    Resident,
    RoundStage,
    ServiceProject,
    ServiceRequest,
    Status,
    utcnow,
)
from core.taxonomy import sync_categories
from intake.service import IntakeIn, IntakeResult, submit_many
from nlp.bulk import Assigner

STREET = ("青枫街道", "QF")
COMMUNITIES = {
    "枫桥社区": ("QF-FQ", ["枫桥一村", "枫桥二村", "锦绣花园", "运河人家"]),
    "桐泾社区": ("QF-TJ", ["桐泾新村", "桐泾苑", "南门公寓"]),
    "白莲社区": ("QF-BL", ["白莲小区", "莲香苑", "荷塘月色", "工人新村"]),
    "新湖社区": ("QF-XH", ["新湖花园", "湖畔名邸", "星湖湾"]),
}
# Documented demo accounts (README): never use these outside a demo database.
DEMO_USERS = [
    ("admin", "demo-admin-2026", "admin", [], None),
    ("worker_fq", "demo-worker-2026", "worker", ["QF-FQ"], None),
    ("worker_tj", "demo-worker-2026", "worker", ["QF-TJ", "QF-BL"], None),
    ("worker_xh", "demo-worker-2026", "worker", ["QF-XH"], None),
    ("org_leling", "demo-org-2026", "org", [], "乐龄社工服务中心"),
    ("org_qingmiao", "demo-org-2026", "org", [], "青苗儿童发展中心"),
]
PROJECTS = [
    ("乐龄社工服务中心", "老年助餐与上门送餐", "elderly_care", 180_000_00, {"每周送餐份数": 120}),
    ("乐龄社工服务中心", "独居老人探访", "elderly_care", 60_000_00, {"每月探访人次": 200}),
    ("青苗儿童发展中心", "四点半课堂", "child_youth", 90_000_00, {"每周开班天数": 5}),
    ("青苗儿童发展中心", "暑期托管班", "child_youth", 50_000_00, {"托管儿童人数": 60}),
    ("邻里和调解工作室", "邻里纠纷调解驿站", "legal_mediation", 40_000_00, {"每月接待场次": 8}),
    ("悦动文体服务社", "社区文体活动", "culture_sports", 45_000_00, {"每季度活动场次": 12}),
]
_BATCH = 500
COMMENTS = ["服务很及时，谢谢社区", "态度好，但等了比较久", "问题解决了", "希望以后能更快一点",
            "工作人员很耐心", "还可以", "没有完全解决", "非常满意！"]


def seed_texts() -> list[dict]:
    from nlp.dataset import SEED_TEST, SEED_TRAIN

    rows = []
    for path in (SEED_TRAIN, SEED_TEST):
        if path.exists():
            rows += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if not rows:
        raise RuntimeError("no seed texts found in nlp/data")
    return rows


def _places(session: Session) -> dict[str, list[Place]]:
    street = Place(kind=PlaceKind.street, name=STREET[0], code=STREET[1])
    session.add(street)
    session.flush()
    out = {}
    for name, (code, compounds) in COMMUNITIES.items():
        community = Place(kind=PlaceKind.community, name=name, code=code, parent_id=street.id)
        session.add(community)
        session.flush()
        out[code] = [community]
        for i, compound in enumerate(compounds, 1):
            p = Place(kind=PlaceKind.compound, name=compound, code=f"{code}-{i:02d}", parent_id=community.id,
                      households=random.randint(300, 1800))
            session.add(p)
            out[code].append(p)
    session.commit()
    return out


def seed_demo(n_requests: int = 3000, seed: int = 7, echo: Callable[[str], None] = print) -> str:
    from core.accounts import create_user
    from nlp.registry import get_classifier
    from survey.io import publish_demo

    random.seed(seed)
    engine = get_engine()
    upgrade(engine)
    with Session(engine) as session:
        sync_categories(session)
        if session.exec(select(Place).where(Place.code == STREET[1])).first():
            return "demo data exists already: nothing to do"
        if get_classifier(session) is None:
            echo("no trained model yet: run `needs train` first for classified demo requests")
        places = _places(session)
        for username, password, role, communities, org in DEMO_USERS:
            create_user(session, username, password, role, communities=communities, org=org)
        orgs = {o.name: o for o in session.exec(select(Organization)).all()}
        street = session.exec(select(Place).where(Place.code == STREET[1])).one()
        today = utcnow().date()
        rnd = PurchaseRound(name=f"{today.year}年度为民服务专项经费项目", place_id=row_id(street),
                            budget_cents=800_000_00, stage=RoundStage.implementation,
                            application_start=today - dt.timedelta(days=200),
                            review_start=today - dt.timedelta(days=170),
                            implementation_start=today - dt.timedelta(days=150),
                            evaluation_start=today + dt.timedelta(days=30),
                            end_date=today + dt.timedelta(days=60))
        session.add(rnd)
        session.flush()
        projects: dict[str, list[ServiceProject]] = {}
        for org_name, name, category, budget, targets in PROJECTS:
            organization = orgs.get(org_name) or Organization(name=org_name)
            session.add(organization)
            session.flush()
            orgs[org_name] = organization
            projects.setdefault(category, []).append(ServiceProject(
                name=name, organization_id=row_id(organization), round_id=rnd.id, category_code=category,
                budget_cents=budget, period_start=rnd.implementation_start, period_end=rnd.end_date,
                stage=RoundStage.implementation, targets=targets))
            session.add(projects[category][-1])
        session.commit()

        texts = seed_texts()
        weights = {"QF-FQ": 0.34, "QF-TJ": 0.22, "QF-BL": 0.28, "QF-XH": 0.16}
        codes = list(weights)
        now = utcnow()
        residents = [Resident(language="zh") for _ in range(max(50, n_requests // 3))]
        session.add_all(residents)
        session.commit()
        resident_ids = [row_id(r) for r in residents]
        compounds = {code: [row_id(p) for p in ps[1:]] for code, ps in places.items()}
        project_ids = {category: [row_id(p) for p in ps] for category, ps in projects.items()}
        items = []
        for i in range(n_requests):
            row = random.choice(texts)
            code = random.choices(codes, [weights[c] for c in codes])[0]
            days = random.triangular(0, 182, 182)  # more requests lately: demand grows
            items.append(IntakeIn(
                text=row["text"], channel=random.choice([Channel.web, Channel.web, Channel.telegram, Channel.survey]),
                external_id=f"demo-{seed}-{i}", place_id=random.choice(compounds[code]),
                resident_id=random.choice(resident_ids), language="zh",
                created_at=now - dt.timedelta(days=182 - days, hours=random.randint(0, 23), minutes=random.randint(0, 59))))
        # Oldest first, as they would have arrived; in batches through the intake service, which dates
        # each request, its history and its deadlines from its receipt time.
        items.sort(key=lambda item: item.created_at or now)
        clusters = Assigner()
        for start in range(0, len(items), _BATCH):
            results = submit_many(session, items[start:start + _BATCH], clusters=clusters)
            stored = [r.request for r in results if isinstance(r, IntakeResult)]
            for request in stored:
                _age(session, request, now, project_ids, random.random())
            session.commit()
            session.expunge_all()  # a small identity map keeps each commit cheap
            echo(f"  {start + len(stored)} requests")
        street = session.exec(select(Place).where(Place.code == STREET[1])).one()
        publish_demo(session, [row["text"] for row in texts])  # the three ready surveys, open, with sample answers
        _assess_and_plan(session, street, today)  # assessments of this year's projects, next year's plan
    lines = [f"demo street {STREET[0]}: {len(COMMUNITIES)} communities, {n_requests} requests over six months",
             "demo accounts (username / password / role):"]
    lines += [f"  {u} / {p} / {r}" + (f" ({', '.join(c)})" if c else "") + (f" ({o})" if o else "")
              for u, p, r, c, o in DEMO_USERS]
    return "\n".join(lines)


def _assess_and_plan(session: Session, street: Place, today: dt.date) -> None:
    """Workers' assessments of this year's projects and a ranked plan for next year's round."""
    from admin import plan
    from core.models import ProjectAssessment, RoundItem, StaffUser

    admin = session.exec(select(StaffUser).where(StaffUser.username == "admin")).one()
    for project in session.exec(select(ServiceProject)).all():
        achieved = {name: round(goal * random.uniform(0.6, 1.05)) for name, goal in project.targets.items()}
        session.add(ProjectAssessment(project_id=row_id(project), assessor_id=admin.id, score=random.choice([3, 4, 4, 5]),
                                      achieved=achieved, note="年中检查"))
    year = today.year + 1
    nxt = PurchaseRound(name=f"{year}年度为民服务专项经费项目", place_id=row_id(street), budget_cents=850_000_00,
                        stage=RoundStage.application, application_start=dt.date(year, 1, 5),
                        review_start=dt.date(year, 2, 1), implementation_start=dt.date(year, 3, 1),
                        evaluation_start=dt.date(year, 10, 8), end_date=dt.date(year, 12, 31))
    session.add(nxt)
    session.flush()
    candidates = plan.score(plan.gather(session, admin, nxt), plan.DEFAULT_WEIGHTS)
    plan.split_budget(candidates, nxt.budget_cents)
    for c in candidates:
        session.add(RoundItem(round_id=row_id(nxt), category_code=c.category_code, place_id=street.id,
                              score=round(c.score, 4), evidence=c.evidence(plan.DEFAULT_WEIGHTS, 12, 6),
                              proposed_cents=c.proposed_cents))
    session.commit()


def _age(session: Session, req: ServiceRequest, now: dt.datetime, projects: dict[str, list[int]], luck: float) -> None:
    """Give a request received in the past a plausible history since then."""
    created = req.created_at
    age_days = (now - created).days
    steps = []
    if age_days > 2 or luck < 0.5:
        steps.append(Status.accepted)
    if age_days > 7 and luck < 0.85:
        steps.append(Status.in_progress)
    if age_days > 14 and luck < 0.7 + min(age_days / 180, 0.25):  # old requests are mostly done
        steps.append(Status.not_actionable if luck < 0.06 else Status.resolved)
    when = created
    prev = Status.received
    for status in steps:
        when = when + dt.timedelta(days=random.uniform(0.2, 4))
        if when > now:
            break
        session.add(RequestEvent(request_id=row_id(req), type=EventType.status_changed, from_value=prev,
                                 to_value=status, created_at=when))
        req.status, req.updated_at, prev = status, when, status
        req.responded_at = req.responded_at or when
    if req.status == Status.resolved:
        req.resolved_at = req.updated_at
        project_id = random.choice(projects[req.category_code]) if req.category_code in projects else None
        if project_id and random.random() < 0.8:
            req.project_id = project_id
        if random.random() < 0.55:
            score = random.choices([1, 2, 3, 4, 5], [0.04, 0.06, 0.15, 0.35, 0.40])[0]
            session.add(Rating(request_id=req.id, project_id=req.project_id, resident_id=req.resident_id,
                               score=score, comment=random.choice(COMMENTS), channel=req.channel,
                               created_at=req.updated_at + dt.timedelta(days=1)))
    session.add(req)
