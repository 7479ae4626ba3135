"""Local time: stored instants read in the street's time zone; days and months cut at local midnight."""

from __future__ import annotations

import datetime as dt

import pytest

from core import localtime
from core.settings import get_settings


@pytest.fixture
def zone(monkeypatch):
    def use(name: str) -> None:
        monkeypatch.setenv("TIME_ZONE", name)
        get_settings.cache_clear()

    yield use
    get_settings.cache_clear()


def test_the_default_time_zone_is_shanghai(monkeypatch, zone):
    monkeypatch.delenv("TIME_ZONE", raising=False)
    get_settings.cache_clear()
    assert get_settings().time_zone == "Asia/Shanghai"
    assert localtime.to_local(dt.datetime(2026, 5, 31, 17, 30, tzinfo=dt.UTC)).isoformat() == \
        "2026-06-01T01:30:00+08:00"


def test_a_naive_stored_time_is_utc(zone):
    zone("Asia/Shanghai")
    assert localtime.format_local(dt.datetime(2026, 1, 1, 0, 5)) == "2026-01-01 08:05"
    assert localtime.format_local(None) == ""
    assert localtime.format_local(dt.date(2026, 1, 1)) == "2026-01-01"


def test_an_unknown_time_zone_is_refused(monkeypatch):
    monkeypatch.setenv("TIME_ZONE", "Mars/Olympus")
    get_settings.cache_clear()
    with pytest.raises(ValueError, match="Mars/Olympus"):
        get_settings()
    get_settings.cache_clear()


def test_day_and_month_bounds_are_local_midnights_in_utc(zone):
    zone("Asia/Shanghai")
    start, end = localtime.day_bounds(dt.date(2026, 6, 1))
    assert (start, end) == (dt.datetime(2026, 5, 31, 16, tzinfo=dt.UTC), dt.datetime(2026, 6, 1, 16, tzinfo=dt.UTC))
    start, end = localtime.month_bounds(dt.date(2026, 12, 15))
    assert (start, end) == (dt.datetime(2026, 11, 30, 16, tzinfo=dt.UTC), dt.datetime(2026, 12, 31, 16, tzinfo=dt.UTC))


def test_bounds_follow_daylight_saving_time(zone):
    zone("Europe/Berlin")  # 29 March 2026: clocks go from 02:00 to 03:00, the day has 23 hours
    start, end = localtime.day_bounds(dt.date(2026, 3, 29))
    assert end - start == dt.timedelta(hours=23)
    assert start == dt.datetime(2026, 3, 28, 23, tzinfo=dt.UTC)


def test_today_is_the_local_date(zone):
    zone("Pacific/Kiritimati")  # UTC+14: mostly a day ahead of UTC
    utc_today = dt.datetime.now(dt.UTC).date()
    assert localtime.today() in (utc_today, utc_today + dt.timedelta(days=1))
    assert localtime.today() == dt.datetime.now(dt.timezone(dt.timedelta(hours=14))).date()


@pytest.mark.parametrize(("text", "utc"), [
    ("2025-03-01 09:30", dt.datetime(2025, 3, 1, 1, 30, tzinfo=dt.UTC)),
    ("2025/3/1 9:05", dt.datetime(2025, 3, 1, 1, 5, tzinfo=dt.UTC)),
    ("2025-03-01", dt.datetime(2025, 2, 28, 16, tzinfo=dt.UTC)),
    ("2025-03-01T09:30:00Z", dt.datetime(2025, 3, 1, 9, 30, tzinfo=dt.UTC)),
    ("2025-03-01 09:30+01:00", dt.datetime(2025, 3, 1, 8, 30, tzinfo=dt.UTC)),
])
def test_typed_dates_are_local_unless_they_say_otherwise(zone, text, utc):
    zone("Asia/Shanghai")
    assert localtime.parse_local(text) == utc


def test_a_date_that_is_no_date_is_refused(zone):
    zone("Asia/Shanghai")
    with pytest.raises(ValueError):
        localtime.parse_local("last Tuesday")


def test_templates_show_stored_times_in_local_time(zone):
    from core.templating import templates

    zone("Asia/Shanghai")
    out = templates.env.from_string("{{ t|local }}").render(t=dt.datetime(2026, 5, 31, 17, 30, tzinfo=dt.UTC))
    assert out == "2026-06-01 01:30"
