"""Existing records into requests: headers mapped, dry run, refusals, idempotence, history kept,
the one intake service (classified, clustered, no notifications), training data and the dashboard."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import func, select

from admin.places_import import import_places
from admin.records_import import ColumnError, import_records
from core.models import Channel, EventType, Outbox, RequestEvent, ServiceRequest, Status
from nlp.dataset import SEED_TEST, read_jsonl
from tests.setup.conftest import write_csv

HEADER = ["工单编号", "来电时间", "诉求内容", "地址", "状态", "答复", "联系电话", "类别"]
TEXTS = [e.text for e in read_jsonl(SEED_TEST)]


@pytest.fixture
def geo(session, street, geography):
    import_places(session, geography)
    from core.models import Place

    return {p.code: p for p in session.exec(select(Place))}


def rows(n: int, start: int = 0) -> list[list[str]]:
    places = ["星湖苑", "xhy 3栋", "湖畔新村", "枫林一村", "二村", ""]
    statuses = ["已办结", "办理中", "已受理", ""]
    return [[f"GD{i:05d}", f"2026-{i % 9 + 1}-{i % 27 + 1} {8 + i % 10}:{i % 60:02d}", TEXTS[i % len(TEXTS)],
             places[i % len(places)], statuses[i % len(statuses)], "已安排处理" if i % 5 == 0 else "", "",
             "养老服务" if i % 7 == 0 else ""] for i in range(start, start + n)]


def count(session, *where) -> int:
    return session.exec(select(func.count()).select_from(ServiceRequest).where(*where)).one()


def test_chinese_headers_are_mapped_and_each_row_keeps_its_history(session, with_model, geo, tmp_path):
    path = write_csv(tmp_path / "台账.csv", HEADER, rows(40))
    report = import_records(session, path)
    assert report.summary() == "created=40 unchanged=0 refused=0"
    req = session.exec(select(ServiceRequest).where(ServiceRequest.external_id == "GD00000")).one()
    assert req.channel == Channel.import_
    assert req.created_at == dt.datetime(2026, 1, 1, 0, 0, tzinfo=dt.UTC)  # 08:00 in Shanghai
    assert (req.status, req.resolved_at) == (Status.resolved, req.created_at)
    assert req.place_id == geo["XH-01"].id and req.community_id == geo["XH"].id
    assert req.category_code == "elderly_care" and req.confidence is None and not req.needs_review
    kinds = [e.type for e in session.exec(select(RequestEvent).where(RequestEvent.request_id == req.id)
                                          .order_by(RequestEvent.id))]
    assert kinds[:5] == [EventType.created, EventType.classified, EventType.category_imported,
                         EventType.status_changed, EventType.reply]
    assert EventType.cluster_linked in kinds
    second = session.exec(select(ServiceRequest).where(ServiceRequest.external_id == "GD00001")).one()
    assert second.place_id == geo["XH-01"].id  # "xhy 3栋": the alias
    assert second.status == Status.in_progress and second.resolved_at is None
    assert second.category_code is not None and second.model_version == with_model.version  # classified


def test_a_dry_run_reports_exactly_what_the_import_does_and_writes_nothing(session, with_model, geo, tmp_path):
    bad = [["B1", "2026-02-30", "路灯坏了", "星湖苑", "", "", "", ""],
           ["B2", "2026-03-01", "", "星湖苑", "", "", "", ""],
           ["B3", "2026-03-01", "路灯坏了", "火星小区", "", "", "", ""],
           ["B4", "2026-03-01", "路灯坏了", "星湖苑", "搞定了", "", "", ""],
           ["B5", "2026-03-01", "路灯坏了", "星湖苑", "", "", "", "外星事务"],
           ["B6", "2099-03-01", "路灯坏了", "星湖苑", "", "", "", ""]]
    path = write_csv(tmp_path / "r.csv", HEADER, rows(30) + bad)
    dry = import_records(session, path, dry_run=True)
    assert count(session) == 0 and session.exec(select(func.count()).select_from(RequestEvent)).one() == 0
    assert dry.summary() == "created=30 unchanged=0 refused=6"
    reasons = {r.row: r.message("en") for r in dry.refused}
    assert sorted(reasons) == [32, 33, 34, 35, 36, 37]  # spreadsheet rows: the header is row 1
    assert "2026-02-30" in reasons[32] and "empty" in reasons[33] and "火星小区" in reasons[34]
    assert "搞定了" in reasons[35] and "外星事务" in reasons[36] and "future" in reasons[37]
    assert {r.row: r.message("zh") for r in dry.refused}[34].startswith("找不到地点")
    done = import_records(session, path)
    assert done.summary() == dry.summary() and done.statuses == dry.statuses
    assert count(session) == 30


def test_the_same_file_twice_creates_nothing_and_an_interrupted_import_can_be_run_again(session, with_model, geo,
                                                                                    tmp_path):
    half = write_csv(tmp_path / "half.csv", HEADER, rows(25))
    whole = write_csv(tmp_path / "whole.csv", HEADER, rows(60))
    assert import_records(session, half).summary() == "created=25 unchanged=0 refused=0"
    assert import_records(session, whole).summary() == "created=35 unchanged=25 refused=0"
    assert import_records(session, whole).summary() == "created=0 unchanged=60 refused=0"
    assert count(session) == 60


def test_rows_without_an_id_are_known_by_their_text_date_and_place_in_any_order(session, with_model, geo, tmp_path):
    header = ["内容", "日期", "小区"]
    data = [[TEXTS[i], f"2026-05-{i + 1:02d}", "星湖苑"] for i in range(12)]
    assert import_records(session, write_csv(tmp_path / "a.csv", header, data)).summary() == \
        "created=12 unchanged=0 refused=0"
    again = import_records(session, write_csv(tmp_path / "b.csv", header, list(reversed(data)) + [data[0]]))
    assert again.summary() == "created=0 unchanged=13 refused=0"


def test_columns_can_be_named_or_left_out(session, with_model, geo, tmp_path):
    path = write_csv(tmp_path / "odd.csv", ["事由", "登记日", "类别"], [["小区路灯坏了", "2026-04-01", "外星事务"]])
    with pytest.raises(ColumnError, match="--column text="):
        import_records(session, path)
    with pytest.raises(ColumnError, match="no column “nope”"):
        import_records(session, path, columns={"text": "nope"})
    report = import_records(session, path, columns={"text": "事由", "created_at": "登记日", "category": ""})
    assert report.summary() == "created=1 unchanged=0 refused=0"  # the unknown category column was left out
    req = session.exec(select(ServiceRequest)).one()
    assert req.created_at == dt.datetime(2026, 3, 31, 16, tzinfo=dt.UTC)


def test_imported_history_notifies_nobody(session, with_model, geo, tmp_path):
    from core.accounts import create_user

    worker = create_user(session, "duty", "duty-pass-1", "worker", communities=["XH"])
    worker.on_duty = True
    session.add(worker)
    session.commit()
    path = write_csv(tmp_path / "r.csv", HEADER, [["U1", "2026-01-05 09:00", "楼道里有很重的煤气味，快来人", "星湖苑",
                                                    "", "", "13800000000", ""]])
    import_records(session, path)
    req = session.exec(select(ServiceRequest)).one()
    assert req.urgent  # classified as urgent, as it was...
    assert session.exec(select(func.count()).select_from(Outbox)).one() == 0  # ...but long past


def test_imported_categories_are_training_data(session, with_model, geo, tmp_path):
    from nlp.dataset import corrections

    path = write_csv(tmp_path / "r.csv", HEADER, rows(14))
    import_records(session, path)
    given = {r.text for r in session.exec(select(ServiceRequest).where(ServiceRequest.external_id.in_(["GD00000", "GD00007"])))}
    assert given <= {e.text for e in corrections(session)}
    assert all(e.category == "elderly_care" for e in corrections(session) if e.text in given)


def test_batched_intake_clusters_exactly_as_one_request_at_a_time(session, with_model, geo):
    from core.models import Place, PlaceKind
    from intake.service import IntakeIn, submit, submit_many

    # the same compound twice (clusters never cross places): one filled one by one, one in batches
    twin = Place(kind=PlaceKind.compound, name="星湖苑二期", code="XH-09", parent_id=geo["XH"].id)
    session.add(twin)
    session.commit()
    texts = [t for t in TEXTS if "电梯" in t or "路灯" in t or "垃圾" in t][:60]
    for i, t in enumerate(texts):
        submit(session, IntakeIn(text=t, place_id=geo["XH-01"].id, external_id=f"one-{i}"))
    items = [IntakeIn(text=t, place_id=twin.id, channel=Channel.import_, external_id=f"many-{i}")
             for i, t in enumerate(texts)]
    from nlp.bulk import Assigner

    clusters = Assigner()
    for start in range(0, len(items), 25):
        submit_many(session, items[start:start + 25], notify=False, clusters=clusters)

    def partition(prefix):
        reqs = session.exec(select(ServiceRequest).where(ServiceRequest.external_id.like(f"{prefix}-%"))).all()
        groups: dict[int, set[int]] = {}
        for r in reqs:
            groups.setdefault(r.cluster_id, set()).add(int(r.external_id.split("-")[1]))
        return sorted(map(sorted, groups.values()))

    assert partition("one") == partition("many")
    assert len(partition("one")) < len(texts)  # some requests did share a cluster


def test_submit_many_is_idempotent_and_refuses_like_submit(session, with_model, geo):
    from core.text import IntakeError
    from intake.service import IntakeIn, submit_many

    items = [IntakeIn(text="路灯坏了", channel=Channel.import_, external_id="k1"),
             IntakeIn(text="   ", channel=Channel.import_, external_id="k2"),
             IntakeIn(text="路灯坏了", channel=Channel.import_, external_id="k1"),
             IntakeIn(text="垃圾没人收", channel=Channel.import_, external_id="k3", place_id=999999)]
    first = submit_many(session, items, notify=False)
    assert first[0].created and isinstance(first[1], IntakeError) and not first[2].created
    assert isinstance(first[3], IntakeError) and first[3].code == "unknown_place"
    again = submit_many(session, items[:1], notify=False)
    assert not again[0].created and again[0].request.id == first[0].request.id
    assert count(session) == 1


def test_the_dashboard_shows_the_imported_history_at_once(session, with_model, geo, tmp_path):
    from admin import demand
    from core.accounts import create_user

    admin = create_user(session, "boss", "boss-pass-1", "admin")
    before = demand.demand(session, admin, months=12, today=dt.date(2026, 10, 15)).total
    import_records(session, write_csv(tmp_path / "r.csv", HEADER, rows(50)))
    after = demand.demand(session, admin, months=12, today=dt.date(2026, 10, 15))
    live = demand.demand_live(session, admin, months=12, today=dt.date(2026, 10, 15))
    assert (before, after.total) == (0, 50)
    assert after.by_month == live.by_month and after.by_place == live.by_place


def test_the_cli_shows_progress_and_ends_with_the_counts(engine, with_model, geo, needs, tmp_path):
    path = write_csv(tmp_path / "r.csv", HEADER, rows(20) + [["X", "2026-01-01", "", "", "", "", "", ""]])
    dry = needs("import", "requests", str(path), "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "row 22: the text is empty" in dry.stdout.splitlines()
    assert dry.stdout.splitlines()[-1] == "created=20 unchanged=0 refused=1"
    done = needs("import", "requests", str(path))
    assert done.stdout.splitlines()[-1] == "created=20 unchanged=0 refused=1"
    assert "rows" in done.stderr  # the progress bar, beside the report
    again = needs("import", "requests", str(path), "--column", "contact=")
    assert again.stdout.splitlines()[-1] == "created=0 unchanged=20 refused=1"
    wrong = needs("import", "requests", str(path), "--column", "colour=红")
    assert wrong.exit_code == 2 and "unknown field" in wrong.stderr


def test_xlsx_dates_are_local_times(session, with_model, geo, tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["诉求内容", "受理时间", "小区"])
    ws.append(["楼道灯坏了", dt.datetime(2026, 3, 1, 9, 30), "星湖苑"])
    ws.append(["垃圾没人收", dt.date(2026, 3, 2), "湖畔新村"])
    wb.save(tmp_path / "r.xlsx")
    assert import_records(session, tmp_path / "r.xlsx").summary() == "created=2 unchanged=0 refused=0"
    times = sorted(r.created_at for r in session.exec(select(ServiceRequest)))
    assert times == [dt.datetime(2026, 3, 1, 1, 30, tzinfo=dt.UTC), dt.datetime(2026, 3, 1, 16, tzinfo=dt.UTC)]
