"""The PostgreSQL pool holds as many connections as the web server has threads, so a busy server
reuses them instead of opening a new backend for a request (docs/performance.md, the soak)."""

import threading

import pytest
from sqlalchemy import text

pytestmark = pytest.mark.postgres

THREADS = 30  # more than the pool of 10 (+20 overflow that closed after use) that churned


def _started_since(engine, since) -> int:
    """Backends of this database that started after `since` (PostgreSQL's clock)."""
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                                 " AND backend_start > :since"), {"since": since}).scalar_one()


def test_concurrent_sessions_reuse_their_connections(pg_database_url):
    from sqlmodel import Session

    from core.db import make_engine

    engine = make_engine(pg_database_url)
    barrier = threading.Barrier(THREADS)

    def work():
        with Session(engine) as session:
            session.execute(text("SELECT 1"))
            barrier.wait(10)  # all threads hold a connection at the same time

    def burst():
        threads = [threading.Thread(target=work) for _ in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    try:
        burst()
        with engine.connect() as conn:
            since = conn.execute(text("SELECT clock_timestamp()")).scalar_one()
        for _ in range(3):
            burst()
        assert _started_since(engine, since) == 0  # the later bursts ran on the first one's connections
    finally:
        engine.dispose()
