"""Is the database there, reachable and migrated, and is a model active? Answers of one line that
say what is wrong and what to run, for the `needs` command (app/cli.py) instead of a traceback.

`watch(engine)` makes the engine check the schema on its first connection, so a command that
never touches the database (`needs nlp predict --model DIR`) is never stopped by one.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError


class NotReady(Exception):
    """Something to set up first; the message is one line: what is wrong, and what to run."""


class DatabaseNotReady(NotReady):
    pass


class ModelMissing(NotReady):
    def __init__(self, message: str = "no trained model is active: run `needs nlp ensure-model` (or `needs setup`)"):
        super().__init__(message)


def describe(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def sqlite_file(url: URL) -> Path | None:
    """The file of an SQLite URL (None for other backends and for in-memory databases)."""
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def connection_problem(url: URL, exc: BaseException) -> DatabaseNotReady:
    """The one line for a database that cannot be opened."""
    detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if "does not exist" in detail and "database" in detail:
        return DatabaseNotReady(f"the database {url.database!r} does not exist on {url.host or 'the server'}: "
                                f"create it (createdb {url.database}), then run `needs setup`")
    path = sqlite_file(url)
    if path is not None:
        return DatabaseNotReady(f"cannot open the database file {path} ({detail}): check VAR_DIR or DATABASE_URL")
    return DatabaseNotReady(f"cannot reach the database at {describe(url)} ({detail}): start it or set "
                            "DATABASE_URL, then run `needs setup`")


def schema_problem(url: URL, applied: set[str]) -> DatabaseNotReady | None:
    """None when every migration is applied; else the one line that says what to run."""
    from core.migrate import script_heads

    latest = script_heads()
    if applied == latest:
        return None
    if not applied:
        return DatabaseNotReady(f"the database at {describe(url)} is not set up yet: run `needs setup` "
                                "(or `needs db upgrade`)")
    return DatabaseNotReady(f"the database at {describe(url)} is not migrated (at {', '.join(sorted(applied))}, "
                            f"latest {', '.join(sorted(latest))}): run `needs db upgrade`")


def check_database(engine: Engine) -> None:
    """Raise DatabaseNotReady unless the database exists, answers and has every migration."""
    from core.migrate import current_heads

    path = sqlite_file(engine.url)
    if path is not None and not path.exists():
        raise DatabaseNotReady(f"no database at {path}: run `needs setup` (or set DATABASE_URL)")
    try:
        applied = current_heads(engine)
    except (OperationalError, DBAPIError) as exc:
        raise connection_problem(engine.url, exc) from exc
    problem = schema_problem(engine.url, applied)
    if problem is not None:
        raise problem


def _applied(dbapi_connection) -> set[str]:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("SELECT version_num FROM alembic_version")
        return {row[0] for row in cursor.fetchall()}
    except Exception:  # no such table: nothing applied yet
        return set()
    finally:
        cursor.close()
        dbapi_connection.rollback()


def watch(engine: Engine) -> None:
    """Check the database on the engine's first connection instead of failing later with a traceback."""
    state = {"checked": False}

    @event.listens_for(engine, "do_connect")
    def _before(dialect, conn_rec, cargs, cparams):
        path = sqlite_file(engine.url)
        if not state["checked"] and path is not None and not path.exists():
            raise DatabaseNotReady(f"no database at {path}: run `needs setup` (or set DATABASE_URL)")

    @event.listens_for(engine, "connect")
    def _after(dbapi_connection, _record):
        if state["checked"]:
            return
        problem = schema_problem(engine.url, _applied(dbapi_connection))
        if problem is not None:
            raise problem
        state["checked"] = True


def is_database_error(exc: BaseException) -> bool:
    """An error of the database itself (unreachable, missing table) rather than of the command."""
    return isinstance(exc, OperationalError | ProgrammingError)
