"""Fixtures for a street setting itself up: an empty database, the `needs` command, data files."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner


@pytest.fixture
def empty_db(db_url, tmp_path, monkeypatch) -> str:
    """The app configured on a database that exists but holds nothing (not migrated)."""
    from core.db import get_engine
    from core.settings import get_settings

    monkeypatch.setenv("VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("ENVIRONMENT", "test")
    monkeypatch.delenv("MODEL_PATH", raising=False)
    monkeypatch.delenv("TIME_ZONE", raising=False)
    monkeypatch.chdir(tmp_path)  # setup writes .env into the working directory
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield db_url
    get_engine().dispose()
    get_engine.cache_clear()
    get_settings.cache_clear()


@pytest.fixture
def needs():
    """Run `needs ARGS...` in process; returns the click Result (exit_code, stdout, stderr)."""
    from app.cli import app

    runner = CliRunner()

    def run(*args: str, input: str | None = None, env: dict | None = None):
        return runner.invoke(app, list(args), input=input, env=env, catch_exceptions=False)

    return run


def write_csv(path: Path, header: list[str], rows: list[list]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


GEOGRAPHY = [  # two communities, five compounds, under the street `needs setup` creates (code ST)
    ["community", "星湖社区", "XH", "ST", "星湖"],
    ["compound", "星湖苑", "XH-01", "XH", "xhy|Xinghuyuan"],
    ["compound", "湖畔新村", "XH-02", "XH", ""],
    ["compound", "观澜花园", "XH-03", "XH", "观澜"],
    ["community", "枫林社区", "FL", "ST", ""],
    ["compound", "枫林一村", "FL-01", "FL", ""],
    ["compound", "枫林二村", "FL-02", "FL", "二村"],
]
PLACE_HEADER = ["kind", "name", "code", "parent_code", "aliases"]


@pytest.fixture
def geography(tmp_path) -> Path:
    return write_csv(tmp_path / "places.csv", PLACE_HEADER, GEOGRAPHY)


@pytest.fixture
def street(session):
    """The street a setup would have created."""
    from core.models import Place, PlaceKind

    place = Place(kind=PlaceKind.street, name="测试街道", code="ST")
    session.add(place)
    session.commit()
    return place
