"""Migrations 0009_setup and 0010_deadline_indexes on a database that already holds a street's data, both ways."""

from __future__ import annotations

from sqlalchemy import inspect, text

from core.migrate import current_heads, downgrade, script_heads, upgrade


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
    assert current_heads(engine) == script_heads()
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT aliases, updated_at = created_at, retired_at FROM place")).all()
    assert len(rows) == 7 and all(r[1] and r[2] is None and r[0] in ("[]", []) for r in rows)


def test_0010_gives_the_deadline_indexes_their_columns_and_takes_them_back(engine, session, places):
    from intake.service import IntakeIn, submit

    def columns(name):
        return next(ix["column_names"] for ix in inspect(engine).get_indexes("request") if ix["name"] == name)

    submit(session, IntakeIn(text="楼道灯坏了", place_id=places["compound_A1"].id), classify=False)
    session.close()
    assert columns("ix_request_unanswered")[-3:] == ["status", "urgent", "escalated_at"]
    assert columns("ix_request_open_deadline")[-3:] == ["responded_at", "urgent", "escalated_at"]
    downgrade(engine, "0009_setup")
    assert columns("ix_request_unanswered")[-1] == "project_id"
    assert columns("ix_request_open_deadline")[-1] == "project_id"
    upgrade(engine)
    assert columns("ix_request_unanswered")[-3:] == ["status", "urgent", "escalated_at"]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM request")).scalar() == 1
