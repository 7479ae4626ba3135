"""Shared fixtures: real SQLite files and a real PostgreSQL database, a model trained once per run.

PostgreSQL tests run against 127.0.0.1:5432 (override with TEST_POSTGRES_URL). Without a
reachable server they are skipped, except under CI=true, where they are required and fail.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"


def _pg_available() -> bool:
    try:
        with create_engine(PG_ADMIN_URL).connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def pg_database_url():
    """A throw-away PostgreSQL database for this test run (parallel runs do not collide)."""
    if not _pg_available():
        if IN_CI:
            pytest.fail(f"PostgreSQL is required under CI=true but {PG_ADMIN_URL} is unreachable")
        pytest.skip("PostgreSQL not reachable")
    name = f"needs_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def reset_postgres(url: str) -> None:
    eng = create_engine(url, isolation_level="AUTOCOMMIT")
    with eng.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    eng.dispose()


@pytest.fixture(scope="session")
def trained_model(tmp_path_factory) -> Path:
    """The real first classifier trained on the shipped seed set, once per test run."""
    from nlp.dataset import SEED_TRAIN, read_jsonl
    from nlp.train import train

    return train(read_jsonl(SEED_TRAIN), tmp_path_factory.mktemp("models"))


def _configure(monkeypatch, tmp_path: Path, url: str) -> None:
    from core.db import get_engine
    from core.settings import get_settings

    monkeypatch.setenv("VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("MODEL_PATH", raising=False)
    monkeypatch.setenv("ENVIRONMENT", "test")
    get_settings.cache_clear()
    get_engine.cache_clear()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.sqlite3'}"
    url = request.getfixturevalue("pg_database_url")
    reset_postgres(url)
    return url


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'test.sqlite3'}"


@pytest.fixture
def engine(db_url, tmp_path, monkeypatch):
    """A migrated database with the default categories, configured as the app's database."""
    from sqlmodel import Session

    from core.db import get_engine
    from core.migrate import upgrade
    from core.taxonomy import sync_categories

    _configure(monkeypatch, tmp_path, db_url)
    eng = get_engine()
    upgrade(eng)
    with Session(eng) as s:
        sync_categories(s)
    yield eng
    eng.dispose()
    get_engine.cache_clear()


@pytest.fixture
def session(engine):
    from sqlmodel import Session

    with Session(engine) as s:
        yield s


@pytest.fixture
def with_model(session, trained_model):
    """Register and activate the session-wide trained model in this database."""
    from nlp.registry import register

    return register(session, trained_model)


@pytest.fixture
def client(engine):
    from fastapi.testclient import TestClient

    from app.main import create_app

    with TestClient(create_app()) as c:
        yield c


@pytest.fixture
def places(session):
    """A street with two communities of two compounds each."""
    from tests.factories import make_places

    return make_places(session)


CHROMIUM = "/usr/bin/chromium"  # Debian's package; browsers are never downloaded


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium driven by Playwright, with the flags this closed network needs."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--no-first-run", "--disable-sync"])
        yield b
        b.close()
