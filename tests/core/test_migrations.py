from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from core.migrate import current_heads, downgrade, script_heads, upgrade
from core.models import metadata


def test_upgrade_downgrade_upgrade_round_trip(engine):
    assert current_heads(engine) == script_heads()
    downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(engine)
    tables = set(inspect(engine).get_table_names())
    assert {"request", "requestevent", "place", "staffuser", "serviceproject", "survey"} <= tables


def test_migrations_match_the_models(engine):
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), metadata)
    assert diff == []
