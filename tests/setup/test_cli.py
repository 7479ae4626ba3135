"""`needs setup`, and the one-line answers of every command when the database or the model is missing."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import Session, select

from core.models import AuditLog, Place, PlaceKind, Role, StaffUser


@pytest.fixture
def model_env(trained_model, monkeypatch):
    """An active model without training one per test: the documented MODEL_PATH override."""
    monkeypatch.setenv("MODEL_PATH", str(trained_model))


def _setup(needs, tmp_path, *extra):
    (tmp_path / "pw").write_text("first-admin-pass\n")
    return needs("setup", "--admin", "chief", "--password-file", str(tmp_path / "pw"), "--street", "青枫街道",
                 "--street-code", "QF", "--yes", *extra)


def test_setup_with_flags_migrates_and_creates_the_admin_and_the_street(empty_db, model_env, needs, tmp_path):
    result = _setup(needs, tmp_path)
    assert result.exit_code == 0, result.output
    assert "street 青枫街道 created (code QF)" in result.stdout
    assert "administrator 'chief' created" in result.stdout
    from core.accounts import authenticate
    from core.db import get_engine

    with Session(get_engine()) as s:
        assert authenticate(s, "chief", "first-admin-pass") is not None  # the file's trailing newline is not part of it
        street = s.exec(select(Place).where(Place.kind == PlaceKind.street)).one()
        assert (street.name, street.code) == ("青枫街道", "QF")
        assert s.exec(select(AuditLog).where(AuditLog.action == "staff.create")).first() is not None


def test_running_setup_twice_changes_nothing(empty_db, model_env, needs, tmp_path):
    assert _setup(needs, tmp_path).exit_code == 0
    from core.db import get_engine

    def snapshot():
        with Session(get_engine()) as s:
            return (s.exec(select(StaffUser.username, StaffUser.password_hash)).all(),
                    s.exec(select(Place.id, Place.name, Place.code)).all(),
                    len(s.exec(select(AuditLog)).all()))

    before = snapshot()
    again = _setup(needs, tmp_path)
    assert again.exit_code == 0, again.output
    assert "exists already (password unchanged)" in again.stdout and "street 青枫街道 (code QF)" in again.stdout
    assert snapshot() == before
    assert not (tmp_path / ".env").exists()  # the default time zone needs no setting


def test_setup_asks_when_not_told_and_never_echoes_the_password(empty_db, model_env, needs):
    answers = "\n".join(["boss", "桐泾街道", "TJ", "Asia/Shanghai", "typed-twice-1", "typed-twice-1", "y"]) + "\n"
    result = needs("setup", input=answers)
    assert result.exit_code == 0, result.output
    assert "typed-twice-1" not in result.output
    assert "Password for the admin" in result.output and "Set up now?" in result.output
    from core.db import get_engine

    with Session(get_engine()) as s:
        assert s.exec(select(StaffUser.role).where(StaffUser.username == "boss")).one() == Role.admin


def test_two_different_passwords_are_asked_again(empty_db, model_env, needs):
    answers = "\n".join(["boss", "桐泾街道", "TJ", "Asia/Shanghai", "first-try-11", "other-try-22",
                         "second-ok-33", "second-ok-33", "y"]) + "\n"
    result = needs("setup", input=answers)
    assert result.exit_code == 0, result.output
    assert "do not match" in result.output.lower() or "error" in result.output.lower()
    from core.accounts import authenticate
    from core.db import get_engine

    with Session(get_engine()) as s:
        assert authenticate(s, "boss", "second-ok-33") is not None


def test_the_password_may_come_from_the_environment(empty_db, model_env, needs):
    result = needs("setup", "--admin", "envadmin", "--street", "青枫街道", "--yes",
                   env={"NEEDS_ADMIN_PASSWORD": "from-the-env-1"})
    assert result.exit_code == 0, result.output
    from core.accounts import authenticate
    from core.db import get_engine

    with Session(get_engine()) as s:
        assert authenticate(s, "envadmin", "from-the-env-1") is not None


def test_setup_with_yes_refuses_what_it_cannot_ask(empty_db, model_env, needs, tmp_path):
    no_password = needs("setup", "--admin", "chief", "--street", "青枫街道", "--yes")
    assert no_password.exit_code == 2 and "--password-file" in no_password.stderr
    (tmp_path / "short").write_text("short")
    short = needs("setup", "--admin", "chief", "--password-file", str(tmp_path / "short"), "--street", "X", "--yes")
    assert short.exit_code == 2 and "at least 8" in short.stderr
    zone = _setup(needs, tmp_path, "--time-zone", "Mars/Olympus")
    assert zone.exit_code == 2 and "unknown time zone" in zone.stderr
    (tmp_path / "pw").write_text("long-enough-pass")
    no_street = needs("setup", "--admin", "chief", "--password-file", str(tmp_path / "pw"), "--yes")
    assert no_street.exit_code == 2 and "--street" in no_street.stderr


def test_another_time_zone_is_written_to_the_settings_file(empty_db, model_env, needs, tmp_path):
    result = _setup(needs, tmp_path, "--time-zone", "Asia/Urumqi")
    assert result.exit_code == 0, result.output
    assert "TIME_ZONE=Asia/Urumqi" in (tmp_path / ".env").read_text()
    from core.settings import get_settings

    get_settings.cache_clear()
    assert get_settings().time_zone == "Asia/Urumqi"


def test_a_new_time_zone_recounts_the_demand_by_its_days(empty_db, model_env, needs, tmp_path):
    import datetime as dt

    from admin.demand import refresh
    from core.db import get_engine
    from core.models import DemandDay, ServiceRequest
    from intake.service import IntakeIn, submit

    assert _setup(needs, tmp_path).exit_code == 0
    with Session(get_engine()) as s:
        req = submit(s, IntakeIn(text="路灯坏了"), classify=False).request
        req.created_at = dt.datetime(2026, 5, 31, 17, 30, tzinfo=dt.UTC)  # 1 June in Shanghai, 31 May in Urumqi
        s.add(req)
        s.commit()
        refresh(s)
        assert {d.day for d in s.exec(select(DemandDay))} == {dt.date(2026, 6, 1)}
    assert _setup(needs, tmp_path, "--time-zone", "Asia/Urumqi").exit_code == 0
    with Session(get_engine()) as s:
        refresh(s)
        assert {d.day for d in s.exec(select(DemandDay))} == {dt.date(2026, 5, 31)}
        assert s.exec(select(ServiceRequest)).one().created_at.hour == 17  # the database keeps UTC


def _one_line(result) -> str:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    return lines[0]


def test_commands_on_a_database_never_set_up_say_what_to_run(empty_db, needs):
    line = _one_line(needs("user", "create", "--username", "a", "--password", "long-enough-1", "--role", "admin"))
    assert line.startswith("error:") and "needs setup" in line
    assert "needs setup" in _one_line(needs("nlp", "recluster"))
    assert "needs setup" in _one_line(needs("import", "requests", __file__, "--dry-run"))


def test_a_database_behind_the_latest_migration_says_upgrade(empty_db, needs):
    from core.db import get_engine
    from core.migrate import upgrade

    upgrade(get_engine(), "0008_workday")
    get_engine().dispose()
    line = _one_line(needs("places", "import", __file__, "--dry-run"))
    assert "not migrated" in line and "needs db upgrade" in line and "0008_workday" in line


def test_serve_refuses_to_start_on_a_database_not_set_up(empty_db, needs):
    assert "needs setup" in _one_line(needs("serve", "--port", "1"))


def test_a_missing_sqlite_file_is_not_created_by_a_command(tmp_path, monkeypatch, needs):
    from core.db import get_engine
    from core.settings import get_settings

    monkeypatch.setenv("VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'never.sqlite3'}")
    get_settings.cache_clear()
    get_engine.cache_clear()
    line = _one_line(needs("nlp", "hot"))
    assert "no database at" in line and "needs setup" in line
    assert not (tmp_path / "never.sqlite3").exists()
    get_engine.cache_clear()


@pytest.mark.postgres
def test_an_unreachable_or_missing_postgres_database_is_one_line(pg_database_url, tmp_path, monkeypatch, needs):
    from core.db import get_engine
    from core.settings import get_settings

    monkeypatch.setenv("VAR_DIR", str(tmp_path / "var"))
    for url, words in [("postgresql+psycopg://postgres@127.0.0.1:1/x", "cannot reach the database"),
                       (pg_database_url.rsplit("/", 1)[0] + "/no_such_database_here", "does not exist")]:
        monkeypatch.setenv("DATABASE_URL", url)
        get_settings.cache_clear()
        get_engine.cache_clear()
        assert words in _one_line(needs("train"))
        assert words in _one_line(needs("db", "current"))
    get_engine.cache_clear()


def test_a_command_that_needs_no_database_still_runs_without_one(tmp_path, monkeypatch, needs, trained_model):
    from core.db import get_engine
    from core.settings import get_settings

    monkeypatch.setenv("VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'never.sqlite3'}")
    get_settings.cache_clear()
    get_engine.cache_clear()
    result = needs("nlp", "predict", "--model", str(trained_model), input='{"text": "楼道灯坏了"}\n')
    assert result.exit_code == 0 and '"category"' in result.stdout
    get_engine.cache_clear()


def test_a_missing_model_is_one_line_too(engine, needs, tmp_path):
    (tmp_path / "r.csv").write_text("text\n路灯坏了\n", encoding="utf-8")
    line = _one_line(needs("import", "requests", str(tmp_path / "r.csv")))
    assert "no trained model is active" in line and "needs nlp ensure-model" in line


def test_a_model_of_an_older_format_is_one_line(engine, session, needs, tmp_path):
    import json

    from core.models import ModelVersion

    old = tmp_path / "old-model"
    old.mkdir()
    (old / "meta.json").write_text(json.dumps({"version": "old", "review_threshold": 0.5, "urgent_threshold": 0.5}))
    session.add(ModelVersion(version="old", path=str(old), active=True))
    session.commit()
    line = _one_line(needs("nlp", "predict", input='{"text": "楼道灯坏了"}\n'))
    assert "train a new model" in line


def test_db_upgrade_still_works_on_an_empty_database(empty_db, needs):
    result = needs("db", "upgrade")
    assert result.exit_code == 0, result.output
    with create_engine(empty_db).connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM category")).scalar() > 0
