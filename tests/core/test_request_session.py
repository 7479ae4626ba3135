"""The web's session dependency (core.db.get_session) runs on the event loop and still gives every
connection back, whatever the route did with its session."""

import asyncio

from sqlalchemy import text
from sqlmodel import create_engine

import core.db
from core.models import Place


def _through_dependency(engine, monkeypatch, use) -> None:
    monkeypatch.setattr(core.db, "get_engine", lambda: engine)

    async def request():
        dependency = core.db.get_session()
        session = await dependency.__anext__()
        use(session)
        await dependency.aclose()  # what FastAPI does once the route has answered

    asyncio.run(request())


def test_a_session_that_read_gives_its_connection_back(tmp_path, monkeypatch):
    engine = create_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    _through_dependency(engine, monkeypatch, lambda s: s.execute(text("SELECT 1")))
    assert engine.pool.checkedout() == 0


def test_a_session_that_only_took_an_object_over_holds_no_connection(tmp_path, monkeypatch):
    engine = create_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    seen = {}

    def use(session):
        session.add(Place(code="X", name="x", kind="community"))  # begins a transaction, takes no connection
        seen["holds"] = core.db._holds_connection(session)
        session.expunge_all()

    _through_dependency(engine, monkeypatch, use)
    assert seen == {"holds": False} and engine.pool.checkedout() == 0
