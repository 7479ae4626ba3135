"""Local time: the database keeps UTC; people read times, and count days and months, in the
street's time zone (the TIME_ZONE setting, Asia/Shanghai by default).

A street office's "today" starts at local midnight, eight hours before UTC's in Shanghai: a request
filed at 07:00 local time on the 1st belongs to the 1st and to its month, not to the last day of the
month before. Every cut-off ("today", "this month", "overdue since") is computed here as a local
calendar boundary and handed to queries as a UTC instant.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import overload
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.settings import get_settings

DEFAULT_FORMAT = "%Y-%m-%d %H:%M"


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def valid_zone(name: str) -> bool:
    """Whether `name` is an IANA time zone this machine knows (tzdata)."""
    try:
        _zone(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def zone() -> ZoneInfo:
    """The configured time zone."""
    return _zone(get_settings().time_zone)


@overload
def to_local(value: dt.datetime) -> dt.datetime: ...


@overload
def to_local(value: None) -> None: ...


def to_local(value: dt.datetime | None) -> dt.datetime | None:
    """A stored instant in local time; a naive datetime is taken to be UTC (SQLite forgets the zone)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(zone())


def format_local(value: dt.datetime | dt.date | None, fmt: str = DEFAULT_FORMAT) -> str:
    """The Jinja filter `local`: an instant as local wall-clock text ("" for none); a date as it is."""
    if value is None:
        return ""
    if not isinstance(value, dt.datetime):
        return value.isoformat()  # a calendar date has no time zone
    return to_local(value).strftime(fmt)


def now() -> dt.datetime:
    """The current local time (aware)."""
    return dt.datetime.now(zone())


def today() -> dt.date:
    """Today's date where the street is."""
    return now().date()


def local_date(value: dt.datetime) -> dt.date:
    """The local calendar day of a stored instant."""
    return to_local(value).date()


def start_of_day(day: dt.date) -> dt.datetime:
    """Local midnight at the start of `day`, as a UTC instant (correct across daylight-saving changes)."""
    return dt.datetime.combine(day, dt.time(), tzinfo=zone()).astimezone(dt.UTC)


def day_bounds(day: dt.date | None = None) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a local day (today by default) as UTC instants."""
    day = day or today()
    return start_of_day(day), start_of_day(day + dt.timedelta(days=1))


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, n: int) -> dt.date:
    """The first day of the month `n` months after `day`'s month."""
    y, m = divmod(day.year * 12 + day.month - 1 + n, 12)
    return dt.date(y, m + 1, 1)


def month_bounds(day: dt.date | None = None) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of the local month containing `day` (this month by default) as UTC instants."""
    first = month_start(day or today())
    return start_of_day(first), start_of_day(add_months(first, 1))


def parse_local(value: str) -> dt.datetime:
    """A date or date-time typed by a person or read from a file, as a UTC instant.

    Without an offset it is local wall-clock time ("2025-03-01 09:30", "2025/3/1", "2025-03-01");
    with one ("...+08:00", "...Z") it is taken as written.
    """
    text = value.strip().replace("/", "-").replace("T", " ")
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    parsed = None
    for candidate in (text, _pad_date(text)):
        try:
            parsed = dt.datetime.fromisoformat(candidate)
            break
        except ValueError:
            continue
    if parsed is None:
        raise ValueError(f"not a date: {value!r}")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone())
    return parsed.astimezone(dt.UTC)


def _pad_date(text: str) -> str:
    """"2025-3-1 9:05" → "2025-03-01 09:05": spreadsheets and people drop leading zeros."""
    date, _, time = text.partition(" ")
    parts = date.split("-")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        date = f"{int(parts[0]):04d}-{int(parts[1]):02d}-{int(parts[2]):02d}"
    if time:
        bits = time.split(":")
        if all(b.isdigit() for b in bits):
            time = ":".join(f"{int(b):02d}" for b in bits)
        return f"{date} {time}"
    return date


def sql_month(column, dialect: str):
    """A timestamp column's local month as 'YYYY-MM' text, in SQL. Exact on PostgreSQL (its time zone
    rules); on SQLite the zone's offset of today is used, exact for zones without daylight saving
    time such as China's (a DST zone's monthly figures on SQLite may move an hour's requests)."""
    from sqlalchemy import func, literal_column

    if dialect == "postgresql":
        return func.to_char(func.timezone(get_settings().time_zone, column), literal_column("'YYYY-MM'"))
    minutes = int((now().utcoffset() or dt.timedelta()).total_seconds() // 60)
    return func.strftime("%Y-%m", column, f"{minutes:+d} minutes")


def local_days(utc_days) -> set[dt.date]:
    """The local days that overlap the given UTC calendar days (what a change on those days touches)."""
    out = set()
    for day in utc_days:
        start = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
        out.add(local_date(start))
        out.add(local_date(start + dt.timedelta(days=1) - dt.timedelta(microseconds=1)))
    return out
