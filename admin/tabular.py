"""Reading the spreadsheets street offices keep: CSV (UTF-8, or GB18030 as Chinese Excel saves it)
and XLSX, as a header and numbered rows. Row numbers are the spreadsheet's own (the header is row 1),
so a refused row can be found in the file."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from core.i18n import N_, gettext

MAX_COLUMNS = 200


class TableError(ValueError):
    """The file cannot be read as a table at all. `template` is a catalogue message (N_) with {named}
    fields: str() gives it in English, message(lang) in the reader's language."""

    def __init__(self, template: str, **params: object):
        self.template, self.params = template, params
        super().__init__(template.format(**params))

    def message(self, lang: str = "en") -> str:
        return gettext(lang)(self.template).format(**self.params)


@dataclass
class Table:
    header: list[str]
    rows: Iterator[tuple[int, dict[str, object]]]  # (row number, header → value)
    total: int | None = None  # data rows, where known without reading them all


def read_table(path: Path, name: str | None = None) -> Table:
    """The table in a .csv or .xlsx file (by its name's suffix, else by content)."""
    path = Path(path)
    suffix = Path(name or path.name).suffix.lower()
    with path.open("rb") as f:
        magic = f.read(4)
    if suffix == ".xlsx" or (suffix != ".csv" and magic == b"PK\x03\x04"):
        return _xlsx(path)
    if suffix in (".xls", ".numbers", ".ods"):
        raise TableError(N_("cannot read {suffix} files: save the sheet as .xlsx or .csv"), suffix=suffix)
    return _csv(path)


def _clean_header(cells) -> list[str]:
    header = [" ".join(str(c).split()) if c is not None else "" for c in cells][:MAX_COLUMNS]
    while header and not header[-1]:
        header.pop()
    if not any(header):
        raise TableError(N_("the first row must name the columns"))
    seen: dict[str, int] = {}
    for i, h in enumerate(header):  # a repeated column name gets a suffix so that no value is lost
        if h in seen:
            seen[h] += 1
            header[i] = f"{h} ({seen[h]})"
        else:
            seen[h] = 1
    return header


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TableError(N_("the file is neither UTF-8 nor GB18030 text: save it as CSV UTF-8 or as .xlsx"))


def _csv(path: Path) -> Table:
    text = _decode(path.read_bytes())
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = _clean_header(next(reader))
    except StopIteration as exc:
        raise TableError(N_("the file is empty")) from exc
    total = max(0, sum(1 for cells in csv.reader(io.StringIO(text, newline=""), dialect)
                       if any(c.strip() for c in cells)) - 1)

    def rows():
        for number, cells in enumerate(reader, 2):
            if any(c.strip() for c in cells):
                yield number, dict(zip(header, cells, strict=False))

    return Table(header, rows(), total)


def _xlsx(path: Path) -> Table:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException...
        raise TableError(N_("the file is not a readable .xlsx workbook")) from exc
    ws = wb.worksheets[0]
    it = ws.iter_rows(values_only=True)
    try:
        header = _clean_header(next(it))
    except StopIteration as exc:
        wb.close()
        raise TableError(N_("the first sheet is empty")) from exc
    total = max(0, (ws.max_row or 1) - 1) if ws.max_row else None

    def rows():
        try:
            for number, cells in enumerate(it, 2):
                if any(c not in (None, "") for c in cells):
                    yield number, {h: _cell(c) for h, c in zip(header, cells, strict=False)}
        finally:
            wb.close()

    return Table(header, rows(), total)


def _cell(value):
    """Spreadsheet values as the importers expect them: dates stay dates, numbers that are whole
    become their digits (a code or phone number typed as a number), the rest text."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def text_of(value) -> str:
    """A cell as one line of text."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    return str(value).strip()
