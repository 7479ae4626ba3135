"""One engine per process and one session per unit of work."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager, nullcontext
from functools import lru_cache

from sqlalchemy import Table, event, inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, create_engine
from starlette.concurrency import run_in_threadpool

from core.settings import get_settings


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        # no cap on connections (each is a file handle): threads that hold one while they wait for the
        # process's write lock (write_lock below) must never leave the lock's holder waiting for one
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                               pool_size=10, max_overflow=-1)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # why: WAL lets readers run beside the writer
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    # A pool as large as the web server's thread pool: at 10 (+20 overflow), a saturated server opened
    # and closed several PostgreSQL connections a second, each a new backend (docs/performance.md).
    size = get_settings().database_pool_size
    return create_engine(url, pool_pre_ping=True, pool_size=size, max_overflow=max(size // 4, 1))


@lru_cache
def get_engine() -> Engine:
    return make_engine(get_settings().database_url)


async def get_session() -> AsyncIterator[Session]:
    """FastAPI dependency: one session per request. Made on the event loop, because a sync dependency
    costs two thread hops a request (a sixth of the intake API's time, docs/performance.md): opening a
    session does no I/O, and closing one does only while it still holds a connection."""
    session = Session(get_engine())
    try:
        yield session
    finally:
        if _holds_connection(session):
            await run_in_threadpool(session.close)  # a rollback: I/O, kept off the event loop
        else:
            session.close()


def _holds_connection(session: Session) -> bool:
    """Whether the session's transaction has a connection (one that only took objects over has none).
    SQLAlchemy has no public question for it; its transaction's map of connections is the answer."""
    transaction = session.get_transaction()
    return transaction is not None and bool(transaction._connections)  # noqa: SLF001


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A session for scripts and background work."""
    with Session(engine or get_engine()) as session:
        yield session


_sqlite_writer = threading.Lock()


def write_lock(session: Session):
    """One writer at a time per process on SQLite: threads racing for its file lock make p99 latency
    explode (see docs/performance.md); PostgreSQL needs no such lock."""
    return _sqlite_writer if session.get_bind().dialect.name == "sqlite" else nullcontext()


def commit_keeping_state(session: Session) -> None:
    """Commit without expiring what the session holds, for a commit of work done by plain statements
    or of objects whose values are what was written: expiry would make every object read afterwards
    (a page's rows as it renders) one SELECT each."""
    keep, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = keep


def holds_uncommitted_writes(session: Session) -> bool:
    """Whether the session has written (or is about to write) something it has not committed: work
    that another connection cannot see yet and a commit elsewhere would not include."""
    if session.new or session.dirty or session.deleted:
        return True
    if not session.in_transaction():
        return False
    conn = session.connection()
    if conn.dialect.name == "sqlite":  # the driver opens a transaction only for a write (or a savepoint)
        return bool(getattr(conn.connection.dbapi_connection, "in_transaction", True))
    # PostgreSQL gives a transaction an id only when it first writes; reads alone leave it without
    return conn.execute(_ASSIGNED_XID).scalar() is not None


_ASSIGNED_XID = text("SELECT txid_current_if_assigned()")


def begin_writing(session: Session) -> None:
    """Take SQLite's write lock now, for a unit of work that reads what it is about to write over
    (intake's clustering): a transaction that begins with a read cannot write once another connection
    has committed ("database is locked" at once, whatever the busy timeout). One that holds the lock
    already, or has begun otherwise, is left as it is; PostgreSQL needs nothing of this."""
    conn = session.connection()
    if conn.dialect.name == "sqlite" and not getattr(conn.connection.dbapi_connection, "in_transaction", True):
        conn.exec_driver_sql("BEGIN IMMEDIATE")


@contextmanager
def savepoint(session: Session, name: str = "unit") -> Iterator[None]:
    """A savepoint for plain statements that the ORM does not track (intake's cluster rows): rolled
    back to if the block fails, and otherwise left for the commit to release, which saves the round
    trip of a RELEASE on PostgreSQL (SQLAlchemy's `begin_nested` always sends one)."""
    conn = session.connection()
    conn.exec_driver_sql(f"SAVEPOINT {name}")
    try:
        yield
    except BaseException:
        conn.exec_driver_sql(f"ROLLBACK TO SAVEPOINT {name}")
        raise


def row_id(row: SQLModel) -> int:
    """The primary key of a stored row. SQLModel types `id` as `int | None` because a row has none
    until it is flushed; reaching for it before then is a bug, so it fails here, not as a NULL."""
    value = getattr(row, "id", None)
    if value is None:
        raise ValueError(f"{type(row).__name__} has no id yet: add and flush it first")
    return int(value)


def table_of(model: type[SQLModel]) -> Table:
    """A table model's Core table, for plain statements (SQLModel sets `__table__` without declaring it)."""
    table = inspect(model).local_table
    assert isinstance(table, Table), f"{model.__name__} is not a table model"
    return table
