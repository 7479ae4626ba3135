"""Migration 0009_setup on a database that already holds a street's data, both ways."""

from __future__ import annotations

from sqlalchemy import inspect, text

from core.migrate import current_heads, downgrade, upgrade


def test_0009_upgrades_and_downgrades_a_database_with_places_and_requests(engine, session, places):
    from intake.service import IntakeIn, submit

    submit(session, IntakeIn(text="楼道灯坏了", place_id=places["compound_A1"].id), classify=False)
    session.close()
    downgrade(engine, "0008_workday")
    assert "aliases" not in {c["name"] for c in inspect(engine).get_columns("place")}
    assert "job" not in inspect(engine).get_table_names()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM request")).scalar() == 1
    upgrade(engine)
    assert current_heads(engine) == {"0009_setup"}
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT aliases, updated_at = created_at, retired_at FROM place")).all()
    assert len(rows) == 7 and all(r[1] and r[2] is None and r[0] in ("[]", []) for r in rows)
