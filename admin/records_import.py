"""Existing work orders from a spreadsheet (a community's ledger 台账, a hotline export) into requests.

Every row goes through the one intake service (intake.service.submit_many) on the `import` channel
with its original date and status, and is classified and clustered like any request; a category
the file gives is kept as given (and is training data, nlp/dataset.py). Re-importing is harmless:
each row's key is its `external_id`, or else a hash of its text, date and place, and a key already
stored is counted as unchanged, so the same file twice creates nothing and an interrupted import
can simply be run again. A dry run reads and checks every row exactly as the import would, and
writes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session, select

from admin.tabular import TableError, read_table, text_of
from core.audit import audit
from core.i18n import N_, gettext
from core.localtime import parse_local, zone
from core.models import Category, Channel, StaffUser, Status, utcnow
from core.places import community_of, norm, place_index
from core.settings import get_settings
from core.text import IntakeError, clean_text
from intake.service import IntakeIn, existing_external_ids, submit_many
from nlp.bulk import Assigner

FIELDS = ("text", "created_at", "place", "category", "status", "reply", "contact", "external_id")
# headers that mean a field without a --column, in the order they are tried (Chinese ledgers, hotline
# exports, English sheets)
HEADERS: dict[str, tuple[str, ...]] = {
    "text": ("text", "诉求内容", "内容", "诉求", "反映内容", "来电内容", "问题描述", "事项内容", "工单内容", "主要内容",
             "需求内容", "需求", "content", "request", "description", "message"),
    "created_at": ("created_at", "来电时间", "受理时间", "登记时间", "反映时间", "提交时间", "创建时间", "发生时间", "日期",
                   "时间", "date", "time", "created", "submitted"),
    "place": ("place", "地址", "地点", "小区", "所在小区", "事发地址", "事发地点", "所属社区", "社区", "网格", "address",
              "location", "compound", "community"),
    "category": ("category", "类别", "分类", "诉求类别", "问题分类", "事项类别", "服务类别", "type"),
    "status": ("status", "状态", "办理状态", "处理状态", "工单状态", "办结情况", "state"),
    "reply": ("reply", "答复", "回复", "答复内容", "回复内容", "办理结果", "处理结果", "处理意见", "answer", "response"),
    "contact": ("contact", "联系方式", "联系电话", "电话", "手机", "手机号", "phone", "telephone", "mobile"),
    "external_id": ("external_id", "工单编号", "工单号", "编号", "单号", "id", "ticket", "reference"),
}
STATUS_WORDS = {
    "received": Status.received, "已收到": Status.received, "待受理": Status.received, "未处理": Status.received,
    "新建": Status.received, "待处理": Status.received, "open": Status.received, "new": Status.received,
    "accepted": Status.accepted, "已受理": Status.accepted, "受理": Status.accepted, "已派单": Status.accepted,
    "in_progress": Status.in_progress, "in progress": Status.in_progress, "办理中": Status.in_progress,
    "处理中": Status.in_progress, "正在办理": Status.in_progress,
    "resolved": Status.resolved, "已办结": Status.resolved, "办结": Status.resolved, "已完成": Status.resolved,
    "完成": Status.resolved, "已解决": Status.resolved, "已处理": Status.resolved, "closed": Status.resolved,
    "done": Status.resolved, "not_actionable": Status.not_actionable, "not actionable": Status.not_actionable,
    "无法办理": Status.not_actionable, "不予受理": Status.not_actionable, "无法解决": Status.not_actionable,
}
REASONS = {
    "empty_text": N_("the text is empty"),
    "text_too_long": N_("the text is longer than {limit} characters"),
    "bad_encoding": N_("the text holds characters that cannot be read"),
    "bad_date": N_("“{value}” is not a date"),
    "future_date": N_("the date {value} is in the future"),
    "unknown_place": N_("unknown place “{value}” (add it, or an alias, on the places page)"),
    "unknown_category": N_("unknown category “{value}”"),
    "unknown_status": N_("unknown status “{value}”"),
    "contact_too_long": N_("the contact is longer than 120 characters"),
    "id_too_long": N_("the external_id is longer than 128 characters"),
    "failed": N_("could not be stored: {value}"),
}
BATCH = 1000


class ColumnError(TableError):
    pass


@dataclass
class Refusal:
    row: int
    code: str
    params: dict = field(default_factory=dict)

    def message(self, lang: str = "en") -> str:
        return gettext(lang)(REASONS[self.code]).format(**self.params)


@dataclass
class RecordsReport:
    total: int = 0  # data rows read
    created: int = 0
    unchanged: int = 0
    refused: list[Refusal] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)  # of the rows created (or to be created)
    first: dt.datetime | None = None  # earliest and latest date of those rows
    last: dt.datetime | None = None

    def summary(self) -> str:
        return f"created={self.created} unchanged={self.unchanged} refused={len(self.refused)}"

    def as_counts(self) -> dict:
        return {"created": self.created, "unchanged": self.unchanged, "refused": len(self.refused),
                "statuses": self.statuses}


def column_map(header: list[str], columns: dict[str, str] | None = None) -> dict[str, str]:
    """Field → header: `columns` first (a header, or "" to leave a field out), then the known names."""
    columns = dict(columns or {})
    unknown = sorted(set(columns) - set(FIELDS))
    if unknown:
        raise ColumnError(N_("unknown field(s) {unknown}: the fields are {fields}"), unknown=", ".join(unknown),
                          fields=", ".join(FIELDS))
    by_norm = {norm(h): h for h in header if h}
    out: dict[str, str] = {}
    for fld, wanted in columns.items():
        if not wanted:
            continue
        if norm(wanted) not in by_norm:
            raise ColumnError(N_("{field}: the file has no column “{wanted}” (its columns: {columns})"),
                              field=fld, wanted=wanted, columns=", ".join(header))
        out[fld] = by_norm[norm(wanted)]
    taken = set(out.values())
    for fld in FIELDS:
        if fld in out or fld in columns:
            continue
        for name in HEADERS[fld]:
            header_name = by_norm.get(norm(name))
            if header_name and header_name not in taken:
                out[fld] = header_name
                taken.add(header_name)
                break
    if "text" not in out:
        raise ColumnError(N_("no column of request text found among {columns}: choose the one that holds it "
                             "(on the command line: --column text=HEADER)"), columns=", ".join(header))
    return out


def parse_columns(values: Iterable[str]) -> dict[str, str]:
    """`FIELD=HEADER` options as a dict (an empty HEADER leaves the field out)."""
    out = {}
    for value in values:
        fld, sep, header = value.partition("=")
        if not sep:
            raise ColumnError(N_("--column {value}: write it as FIELD=HEADER, e.g. text=诉求内容"), value=value)
        out[fld.strip()] = header.strip()
    return out


class RowReader:
    """Turns one spreadsheet row into an IntakeIn for the import channel, or a Refusal."""

    def __init__(self, session: Session, cols: dict[str, str]):
        self.cols = cols
        self.places = place_index(session, include_retired=True)  # history may name a retired compound
        self.categories: dict[str, str] = {}
        for c in session.exec(select(Category)):
            for name in (c.code, c.name_zh, c.name_en):
                self.categories.setdefault(norm(name), c.code)
        self.status_words = {norm(k): v for k, v in STATUS_WORDS.items()}
        self.limit = get_settings().max_text_length
        self.now = utcnow()

    def cell(self, raw: dict, fld: str):
        header = self.cols.get(fld)
        return raw.get(header, "") if header else ""

    def read(self, number: int, raw: dict) -> IntakeIn | Refusal:
        try:
            text = clean_text(text_of(self.cell(raw, "text")), self.limit)
        except IntakeError as exc:
            return Refusal(number, exc.code, exc.params)
        created_at = None
        raw_date = self.cell(raw, "created_at")
        if raw_date not in ("", None):
            created_at = _date(raw_date)
            if created_at is None:
                return Refusal(number, "bad_date", {"value": text_of(raw_date)[:40]})
            if created_at > self.now + dt.timedelta(minutes=5):
                return Refusal(number, "future_date", {"value": text_of(raw_date)[:40]})
        place_text = text_of(self.cell(raw, "place"))
        place_id = None
        if place_text:
            place_id = self.places.find(place_text)
            if place_id is None:
                return Refusal(number, "unknown_place", {"value": place_text[:60]})
        category = None
        category_text = text_of(self.cell(raw, "category"))
        if category_text:
            category = self.categories.get(norm(category_text))
            if category is None:
                return Refusal(number, "unknown_category", {"value": category_text[:60]})
        status = Status.received
        status_text = text_of(self.cell(raw, "status"))
        if status_text:
            found = self.status_words.get(norm(status_text))
            if found is None:
                return Refusal(number, "unknown_status", {"value": status_text[:40]})
            status = found
        contact = " ".join(text_of(self.cell(raw, "contact")).split()) or None
        if contact and len(contact) > 120:
            return Refusal(number, "contact_too_long")
        reply = text_of(self.cell(raw, "reply"))[:4000] or None
        external_id = text_of(self.cell(raw, "external_id"))
        if len(external_id) > 128:
            return Refusal(number, "id_too_long")
        if not external_id:  # the row's own content names it: the same row in any file, any order
            basis = "\x1f".join(text_of(self.cell(raw, f)) for f in ("text", "created_at", "place"))
            external_id = "sha:" + hashlib.sha256(basis.encode("utf-8")).hexdigest()[:40]
        return IntakeIn(text=text, channel=Channel.import_, external_id=external_id, place_id=place_id,
                        contact=contact, created_at=created_at, status=status, category=category, reply=reply)


def _date(value) -> dt.datetime | None:
    """A cell as a UTC instant: spreadsheet dates are local wall-clock time, like typed ones."""
    if isinstance(value, dt.datetime):
        return (value if value.tzinfo else value.replace(tzinfo=zone())).astimezone(dt.UTC)
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(), tzinfo=zone()).astimezone(dt.UTC)
    try:
        return parse_local(str(value))
    except ValueError:
        return None


Progress = Callable[[int, int | None], None]


def import_records(session: Session, path: Path, name: str | None = None, columns: dict[str, str] | None = None,
                   dry_run: bool = False, user: StaffUser | None = None, progress: Progress | None = None,
                   batch: int = BATCH, ip: str = "", parallel: bool = False) -> RecordsReport:
    """Import (or, with dry_run, check) a records file; `progress(rows read, total rows)` after each batch.

    parallel: classify and compute the clustering signatures of the next batch in a second process
    while this one writes the current batch (the command line; a web process does it in place)."""
    table = read_table(path, name)
    cols = column_map(table.header, columns)
    reader = RowReader(session, cols)
    report = RecordsReport()
    seen: set[str | None] = set()  # keys of this file: a repeated row is counted once
    clusters = Assigner()  # the clusters stay in memory from one batch to the next
    pipeline = _Pipeline(session) if parallel and not dry_run else None
    waiting: list = []  # the batch whose analysis runs while the one before is written
    chunk: list[tuple[int, IntakeIn]] = []

    def new_rows() -> list[tuple[int, IntakeIn]]:
        """The rows of the chunk not stored yet and not seen before in this file."""
        stored = existing_external_ids(session, Channel.import_, [i.external_id for _, i in chunk if i.external_id])
        fresh = []
        for number, item in chunk:
            if item.external_id in stored or item.external_id in seen:
                report.unchanged += 1
            else:
                fresh.append((number, item))
            seen.add(item.external_id)
        chunk.clear()
        return fresh

    def write(fresh: list[tuple[int, IntakeIn]], analysed) -> None:
        results = submit_many(session, [i for _, i in fresh], notify=False, keywords=False, clusters=clusters,
                              analysed=analysed.result() if analysed is not None else None)
        for (number, item), result in zip(fresh, results, strict=True):
            if isinstance(result, Exception):
                report.refused.append(Refusal(number, "failed", {"value": str(result)[:200]}))
            elif result.created:
                _count(report, item)
            else:
                report.unchanged += 1

    def flush() -> None:
        if not chunk:
            return
        fresh = new_rows()
        if dry_run:
            for _, item in fresh:
                _count(report, item)
        elif pipeline is None:
            if fresh:
                write(fresh, None)
        else:
            waiting.append((fresh, pipeline.analyse(fresh) if fresh else None))
            if len(waiting) > 1:
                write(*waiting.pop(0))
        if progress:
            progress(report.total, table.total)

    try:
        for number, raw in table.rows:
            report.total += 1
            item = reader.read(number, raw)
            if isinstance(item, Refusal):
                report.refused.append(item)
            else:
                chunk.append((number, item))
            if len(chunk) >= batch:
                flush()
        flush()
        while waiting:
            fresh, analysed = waiting.pop(0)
            if fresh:
                write(fresh, analysed)
    finally:
        if pipeline is not None:
            pipeline.close()
    if progress:
        progress(report.total, report.total)
    report.refused.sort(key=lambda r: r.row)
    if not dry_run:
        audit(session, user, "requests.import", "file", name or Path(path).name, ip=ip, **report.as_counts())
        session.commit()
    return report


class _Pipeline:
    """Analysis (classifier and clustering signatures) in a second process, one batch ahead."""

    def __init__(self, session: Session):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        from nlp.cluster import PlaceTable
        from nlp.registry import active_model

        self.session = session
        model, self.retired = active_model(session)
        self.model = str(model) if model else None
        self.table = PlaceTable.from_session(session)
        self.communities: dict[int | None, int | None] = {}
        # fork: the worker starts with the tokeniser and tables this process has loaded already
        self.pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) if self.model else None

    def analyse(self, rows: list[tuple[int, IntakeIn]]):
        from nlp.bulk import Item, analyse

        if self.pool is None or self.model is None:
            return None  # no model: submit_many records every request as unclassified
        items = [Item(i.text, i.place_id, self._community(i.place_id), i.category) for _, i in rows]
        return self.pool.submit(analyse, self.model, self.table, items, False, self.retired)

    def _community(self, place_id: int | None) -> int | None:
        if place_id not in self.communities:
            self.communities[place_id] = community_of(self.session, place_id)
        return self.communities[place_id]

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)


def _count(report: RecordsReport, item: IntakeIn) -> None:
    report.created += 1
    status = item.status or Status.received  # what submit_many stores
    report.statuses[status] = report.statuses.get(status, 0) + 1
    if item.created_at is not None:
        report.first = min(report.first or item.created_at, item.created_at)
        report.last = max(report.last or item.created_at, item.created_at)
