"""Places from a spreadsheet: `kind,name,code,parent_code,aliases` (aliases separated by `|`).

A row whose code exists updates that place (rename, move, new aliases); a new code creates one.
Parents are applied before their children whatever the order of the rows. The whole file is one
transaction, so a dry run is the same work rolled back: it reports exactly what the import would do.

    kind,name,code,parent_code,aliases
    street,青枫街道,QF,,
    community,枫桥社区,QF-FQ,QF,枫桥
    compound,星湖苑,QF-FQ-01,QF-FQ,xhy|Xinghuyuan
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from admin import place_records
from admin.place_records import PlaceError, PlaceFields
from admin.tabular import TableError, read_table, text_of
from core.audit import audit
from core.i18n import N_, gettext
from core.models import Place, StaffUser
from core.places import norm

COLUMNS = ("kind", "name", "code", "parent_code", "aliases")
REQUIRED = ("kind", "name", "code")
HEADERS = {  # what a street office's own sheet may call the columns
    "kind": ("kind", "类型", "层级", "级别"),
    "name": ("name", "名称", "名字"),
    "code": ("code", "编码", "代码", "编号"),
    "parent_code": ("parent_code", "parent", "上级编码", "上级代码", "上级"),
    "aliases": ("aliases", "alias", "别名", "又名", "简称"),
}
EXAMPLE = """kind,name,code,parent_code,aliases
community,星湖社区,XH,ST,星湖
compound,星湖苑,XH-01,XH,xhy|Xinghuyuan"""
EXAMPLE_ZH = """类型,名称,编码,上级编码,别名
社区,星湖社区,XH,ST,星湖
小区,星湖苑,XH-01,XH,xhy|Xinghuyuan"""


def sheet_help(lang: str) -> dict[str, Any]:
    """The column names and an example sheet in the reader's language (both spellings are read)."""
    if lang.startswith("zh"):
        return {"columns": EXAMPLE_ZH.split("\n", 1)[0].split(","), "example": EXAMPLE_ZH}
    return {"columns": list(COLUMNS), "example": EXAMPLE}
DUPLICATE = N_("code “{value}” appears again (first in row {row})")


@dataclass
class PlacesReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    refused: list[tuple[int, PlaceError | tuple[str, dict[str, object]]]] = field(default_factory=list)  # (row, why)
    rows: list[tuple[int, str, str]] = field(default_factory=list)  # (row, outcome, code) for the preview

    def summary(self) -> str:
        return (f"created={self.created} updated={self.updated} unchanged={self.unchanged} "
                f"refused={len(self.refused)}")

    def reasons(self, lang: str = "en") -> list[tuple[int, str]]:
        return [(row, why.message(lang) if isinstance(why, PlaceError) else gettext(lang)(why[0]).format(**why[1]))
                for row, why in sorted(self.refused, key=lambda rw: rw[0])]


def column_map(header: list[str]) -> dict[str, str]:
    """Field → header of the file, for the columns found."""
    by_norm = {norm(h): h for h in header}
    out = {}
    for fld, names in HEADERS.items():
        for name in names:
            if norm(name) in by_norm:
                out[fld] = by_norm[norm(name)]
                break
    missing = [f for f in REQUIRED if f not in out]
    if missing:
        raise TableError(N_("missing column(s): {missing} (the columns are {columns})"), missing=", ".join(missing),
                         columns=",".join(COLUMNS))
    return out


def import_places(session: Session, path: Path, name: str | None = None, user: StaffUser | None = None,
                  dry_run: bool = False, ip: str = "") -> PlacesReport:
    """Apply a places file (or, with dry_run, only say what applying it would do)."""
    table = read_table(path, name)
    cols = column_map(table.header)
    report = PlacesReport()
    rows: list[tuple[int, PlaceFields]] = []
    first_row: dict[str, int] = {}
    for number, raw in table.rows:
        values = {f: text_of(raw.get(h, "")) for f, h in cols.items()}
        fields = PlaceFields(kind=values.get("kind", ""), name=values.get("name", ""), code=values.get("code", ""),
                             parent_code=values.get("parent_code", ""),
                             aliases=values.get("aliases", "") if "aliases" in cols else None)
        code = fields.code.strip()
        if code and code in first_row:
            report.refused.append((number, (DUPLICATE, {"value": code, "row": first_row[code]})))
            continue
        first_row.setdefault(code, number)
        rows.append((number, fields))

    file_codes = {f.code.strip() for _, f in rows}
    tried: set[str] = set()  # codes whose row has been applied or refused
    waiting = rows
    while waiting:
        ready = [(n, f) for n, f in waiting
                 if not (f.parent_code.strip() in file_codes and f.parent_code.strip() not in tried)]
        if not ready:  # a loop of parents: each row is refused with the reason check() gives
            ready = waiting
        for number, fields in ready:
            _apply(session, user, number, fields, report, ip)
            tried.add(fields.code.strip())
        done = {n for n, _ in ready}
        waiting = [(n, f) for n, f in waiting if n not in done]
    report.refused.sort(key=lambda rw: rw[0])
    report.rows.sort()
    if dry_run:
        session.rollback()
    else:
        audit(session, user, "places.import", "file", name or Path(path).name, ip=ip, created=report.created,
              updated=report.updated, unchanged=report.unchanged, refused=len(report.refused))
        session.commit()
    return report


def _apply(session: Session, user: StaffUser | None, number: int, fields: PlaceFields, report: PlacesReport,
           ip: str) -> None:
    try:
        place = session.exec(select(Place).where(Place.code == fields.code.strip())).first()
        if place is None:
            place_records.create(session, user, fields, ip=ip, commit=False)
            report.created += 1
            outcome = "created"
        elif place_records.update(session, user, place, fields, ip=ip, commit=False):
            report.updated += 1
            outcome = "updated"
        else:
            report.unchanged += 1
            outcome = "unchanged"
        report.rows.append((number, outcome, fields.code.strip()))
    except PlaceError as exc:
        report.refused.append((number, exc))
        report.rows.append((number, "refused", fields.code.strip()))
