"""rollup: demand per day × community × category, kept exact by triggers that mark stale days

Revision ID: 0004_rollup
Revises: 0003

Triggers on request and rating write the UTC days whose figures changed into demanddirty;
admin.demand.refresh recomputes those days of demandday from the rows before reading it
(docs/admin.md, "Speed"). Every existing day is marked stale here, so the first read builds it.
"""
# ruff: noqa: S608 (the SQL below is built from constants only)
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_rollup"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# what moves a request's figures: its day, community, category, status, or text (vulnerable-group mentions)
REQUEST_CHANGED_SQLITE = ("OLD.created_at IS NOT NEW.created_at OR OLD.community_id IS NOT NEW.community_id "
                          "OR OLD.category_code IS NOT NEW.category_code OR OLD.status IS NOT NEW.status "
                          "OR OLD.text IS NOT NEW.text")
RATING_CHANGED_SQLITE = ("OLD.created_at IS NOT NEW.created_at OR OLD.request_id IS NOT NEW.request_id "
                         "OR OLD.score IS NOT NEW.score")

SQLITE_TRIGGERS = {
    "demand_request_insert": "AFTER INSERT ON request BEGIN "
    "INSERT INTO demanddirty (day) VALUES (substr(NEW.created_at, 1, 10)); END",
    "demand_request_update": f"AFTER UPDATE ON request WHEN {REQUEST_CHANGED_SQLITE} BEGIN "
    "INSERT INTO demanddirty (day) VALUES (substr(OLD.created_at, 1, 10)), (substr(NEW.created_at, 1, 10)); "
    "INSERT INTO demanddirty (day) SELECT DISTINCT substr(created_at, 1, 10) FROM rating WHERE request_id = NEW.id; "
    "END",
    "demand_request_delete": "AFTER DELETE ON request BEGIN "
    "INSERT INTO demanddirty (day) VALUES (substr(OLD.created_at, 1, 10)); END",
    "demand_rating_insert": "AFTER INSERT ON rating WHEN NEW.request_id IS NOT NULL BEGIN "
    "INSERT INTO demanddirty (day) VALUES (substr(NEW.created_at, 1, 10)); END",
    "demand_rating_update": f"AFTER UPDATE ON rating WHEN {RATING_CHANGED_SQLITE} BEGIN "
    "INSERT INTO demanddirty (day) VALUES (substr(OLD.created_at, 1, 10)), (substr(NEW.created_at, 1, 10)); END",
    "demand_rating_delete": "AFTER DELETE ON rating WHEN OLD.request_id IS NOT NULL BEGIN "
    "INSERT INTO demanddirty (day) VALUES (substr(OLD.created_at, 1, 10)); END",
}

# PostgreSQL: statement-level triggers with transition tables, so a bulk statement marks each day once
DAY = "(({col}) AT TIME ZONE 'UTC')::date"
PG_FUNCTIONS = {
    "demand_request_insert": "INSERT INTO demanddirty (day) SELECT DISTINCT " + DAY.format(col="created_at")
    + " FROM new_rows",
    "demand_request_delete": "INSERT INTO demanddirty (day) SELECT DISTINCT " + DAY.format(col="created_at")
    + " FROM old_rows",
    "demand_request_update": "WITH changed AS (SELECT o.id, o.created_at AS old_at, n.created_at AS new_at "
    "FROM old_rows o JOIN new_rows n ON n.id = o.id "
    "WHERE (o.created_at, o.community_id, o.category_code, o.status, o.text) IS DISTINCT FROM "
    "(n.created_at, n.community_id, n.category_code, n.status, n.text)) "
    "INSERT INTO demanddirty (day) SELECT DISTINCT d FROM ("
    "SELECT " + DAY.format(col="old_at") + " AS d FROM changed UNION ALL "
    "SELECT " + DAY.format(col="new_at") + " FROM changed UNION ALL "
    "SELECT " + DAY.format(col="r.created_at") + " FROM rating r JOIN changed c ON r.request_id = c.id) s",
    "demand_rating_insert": "INSERT INTO demanddirty (day) SELECT DISTINCT " + DAY.format(col="created_at")
    + " FROM new_rows WHERE request_id IS NOT NULL",
    "demand_rating_delete": "INSERT INTO demanddirty (day) SELECT DISTINCT " + DAY.format(col="created_at")
    + " FROM old_rows WHERE request_id IS NOT NULL",
    "demand_rating_update": "INSERT INTO demanddirty (day) SELECT DISTINCT d FROM ("
    "SELECT " + DAY.format(col="o.created_at") + " AS d FROM old_rows o JOIN new_rows n ON n.id = o.id "
    "WHERE (o.created_at, o.request_id, o.score) IS DISTINCT FROM (n.created_at, n.request_id, n.score) "
    "UNION ALL SELECT " + DAY.format(col="n.created_at") + " FROM old_rows o JOIN new_rows n ON n.id = o.id "
    "WHERE (o.created_at, o.request_id, o.score) IS DISTINCT FROM (n.created_at, n.request_id, n.score)) s",
}


def _pg_trigger(name: str) -> tuple[str, str]:
    table = name.split("_")[1]
    event = name.split("_")[2]
    transition = {"insert": "NEW TABLE AS new_rows", "delete": "OLD TABLE AS old_rows",
                  "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows"}[event]
    function = (f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {PG_FUNCTIONS[name]}; "
                "RETURN NULL; END $$")
    trigger = (f"CREATE TRIGGER {name} AFTER {event.upper()} ON {table} REFERENCING {transition} "
               f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()")
    return function, trigger


def upgrade() -> None:
    op.create_table(
        "demandday",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("category_code", sa.String(length=40), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("open", sa.Integer(), nullable=False),
        sa.Column("mentions", sa.Integer(), nullable=False),
        sa.Column("ratings", sa.Integer(), nullable=False),
        sa.Column("score_sum", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "community_id", "category_code", name=op.f("pk_demandday")),
    )
    op.create_table(
        "demanddirty",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_demanddirty")),
    )
    with op.batch_alter_table("request") as batch_op:
        batch_op.create_index("ix_request_category_resident",
                              ["category_code", "resident_id", "community_id", "created_at"], unique=False)
        clustered = sa.text("cluster_id IS NOT NULL")
        batch_op.create_index("ix_request_cluster_heat",
                              ["cluster_id", "created_at", "community_id", "resident_id", "id", "urgent", "status"],
                              unique=False, sqlite_where=clustered, postgresql_where=clustered)
    if op.get_bind().dialect.name == "sqlite":
        for name, body in SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")
        day = "substr(created_at, 1, 10)"
    else:
        for name in PG_FUNCTIONS:
            for statement in _pg_trigger(name):
                op.execute(statement)
        day = DAY.format(col="created_at")
    # every day with data is stale: the first read of the rollup builds it
    op.execute(f"INSERT INTO demanddirty (day) SELECT {day} FROM request UNION "
               f"SELECT {day} FROM rating WHERE request_id IS NOT NULL")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    else:
        for name in PG_FUNCTIONS:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {name.split('_')[1]}")
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    with op.batch_alter_table("request") as batch_op:
        batch_op.drop_index("ix_request_cluster_heat")
        batch_op.drop_index("ix_request_category_resident")
    op.drop_table("demanddirty")
    op.drop_table("demandday")
