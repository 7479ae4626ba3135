"""workday: deadlines, assignment, duplicates, follow-up calls, urgent corrections

Revision ID: 0008_workday
Revises: 0007_hardening

Requests gain their response and resolution deadlines, the time of the first response, the
escalation marker (督办) and the ticket they duplicate; `deadlinerule` is the table the deadlines
come from (seeded with the defaults below); `calltask` holds the calls a worker must make.

A duplicate counts once in the demand rollup, so the rollup's update trigger of 0004_rollup must
also fire when `duplicate_of_id` changes: it is replaced here (and restored on downgrade). The new
columns are added with plain ALTER TABLE (no foreign key on duplicate_of_id), because a batch
rebuild of `request` on SQLite would drop the rollup's triggers.
"""
# ruff: noqa: S608 (the SQL below is built from constants only)
import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_workday"
down_revision: str | Sequence[str] | None = "0007_hardening"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (urgent, category, respond hours, resolve hours): ordinary 24 h / 7 days, urgent 2 h, complex 15 days
DEFAULT_RULES = [(None, None, 24, 7 * 24), (True, None, 2, None),
                 (None, "property_management", None, 15 * 24), (None, "legal_mediation", None, 15 * 24)]

CHANGED_BEFORE = ("OLD.created_at IS NOT NEW.created_at OR OLD.community_id IS NOT NEW.community_id "
                  "OR OLD.category_code IS NOT NEW.category_code OR OLD.status IS NOT NEW.status "
                  "OR OLD.text IS NOT NEW.text")
CHANGED_NOW = CHANGED_BEFORE + " OR OLD.duplicate_of_id IS NOT NEW.duplicate_of_id"
SQLITE_UPDATE = ("CREATE TRIGGER demand_request_update AFTER UPDATE ON request WHEN {changed} BEGIN "
                 "INSERT INTO demanddirty (day) VALUES (substr(OLD.created_at, 1, 10)), (substr(NEW.created_at, 1, 10)); "
                 "INSERT INTO demanddirty (day) SELECT DISTINCT substr(created_at, 1, 10) FROM rating "
                 "WHERE request_id = NEW.id; END")

DAY = "(({col}) AT TIME ZONE 'UTC')::date"
PG_COLUMNS_BEFORE = "created_at, community_id, category_code, status, text"
PG_COLUMNS_NOW = PG_COLUMNS_BEFORE + ", duplicate_of_id"


def _pg_update_function(columns: str) -> str:
    old = ", ".join(f"o.{c}" for c in columns.split(", "))
    new = ", ".join(f"n.{c}" for c in columns.split(", "))
    body = ("WITH changed AS (SELECT o.id, o.created_at AS old_at, n.created_at AS new_at "
            "FROM old_rows o JOIN new_rows n ON n.id = o.id "
            f"WHERE ({old}) IS DISTINCT FROM ({new})) "
            "INSERT INTO demanddirty (day) SELECT DISTINCT d FROM ("
            "SELECT " + DAY.format(col="old_at") + " AS d FROM changed UNION ALL "
            "SELECT " + DAY.format(col="new_at") + " FROM changed UNION ALL "
            "SELECT " + DAY.format(col="r.created_at") + " FROM rating r JOIN changed c ON r.request_id = c.id) s")
    return (f"CREATE OR REPLACE FUNCTION demand_request_update() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN {body}; RETURN NULL; END $$")


def _update_trigger(now: bool) -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS demand_request_update")
        op.execute(SQLITE_UPDATE.format(changed=CHANGED_NOW if now else CHANGED_BEFORE))
    else:
        op.execute(_pg_update_function(PG_COLUMNS_NOW if now else PG_COLUMNS_BEFORE))


def upgrade() -> None:
    with op.batch_alter_table("request") as batch_op:  # ADD COLUMN only: no table rebuild on SQLite
        batch_op.add_column(sa.Column("respond_by", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("resolve_by", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("duplicate_of_id", sa.Integer(), nullable=True))
        batch_op.create_index("ix_request_duplicate_of_id", ["duplicate_of_id"], unique=False)
    rules = op.create_table(
        "deadlinerule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=True),
        sa.Column("category_code", sa.String(length=40), nullable=True),
        sa.Column("respond_hours", sa.Integer(), nullable=True),
        sa.Column("resolve_hours", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["updated_by_id"], ["staffuser.id"], name=op.f("fk_deadlinerule_updated_by_id_staffuser")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deadlinerule")),
    )
    op.create_table(
        "calltask",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("message", sa.String(), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("note", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["request_id"], ["request.id"], name=op.f("fk_calltask_request_id_request")),
        sa.ForeignKeyConstraint(["assignee_id"], ["staffuser.id"], name=op.f("fk_calltask_assignee_id_staffuser")),
        sa.ForeignKeyConstraint(["created_by_id"], ["staffuser.id"], name=op.f("fk_calltask_created_by_id_staffuser")),
        sa.ForeignKeyConstraint(["done_by_id"], ["staffuser.id"], name=op.f("fk_calltask_done_by_id_staffuser")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calltask")),
    )
    op.create_index(op.f("ix_calltask_request_id"), "calltask", ["request_id"], unique=False)
    op.create_index(op.f("ix_calltask_assignee_id"), "calltask", ["assignee_id"], unique=False)
    now = dt.datetime.now(dt.UTC)
    op.bulk_insert(rules, [{"urgent": u, "category_code": c, "respond_hours": r, "resolve_hours": h, "updated_at": now}
                           for u, c, r, h in DEFAULT_RULES])
    _update_trigger(now=True)
    _backfill()


def _backfill(batch: int = 10_000) -> None:
    """Deadlines of the requests stored before, by the default rules from their receipt; their first
    response from their history (a status change or a reply)."""
    conn = op.get_bind()
    ts = sa.DateTime(timezone=True)
    request = sa.table("request", sa.column("id", sa.Integer), sa.column("created_at", ts),
                       sa.column("urgent", sa.Boolean), sa.column("category_code", sa.String),
                       sa.column("respond_by", ts), sa.column("resolve_by", ts), sa.column("responded_at", ts))
    complex_ = {c: h for u, c, r, h in DEFAULT_RULES if c}
    set_deadlines = (sa.update(request).where(request.c.id == sa.bindparam("rid"))
                     .values(respond_by=sa.bindparam("rb"), resolve_by=sa.bindparam("sb")))
    last = 0
    while True:
        rows = conn.execute(sa.select(request.c.id, request.c.created_at, request.c.urgent, request.c.category_code)
                            .where(request.c.id > last).order_by(request.c.id).limit(batch)).all()
        if not rows:
            break
        conn.execute(set_deadlines, [
            {"rid": rid, "rb": created + dt.timedelta(hours=2 if urgent else 24),
             "sb": created + dt.timedelta(hours=complex_.get(code, 7 * 24))} for rid, created, urgent, code in rows])
        last = rows[-1][0]
    op.execute("UPDATE request SET responded_at = (SELECT min(e.created_at) FROM requestevent e "
               "WHERE e.request_id = request.id AND e.type IN ('status_changed', 'reply'))")


def downgrade() -> None:
    _update_trigger(now=False)
    op.drop_index(op.f("ix_calltask_assignee_id"), table_name="calltask")
    op.drop_index(op.f("ix_calltask_request_id"), table_name="calltask")
    op.drop_table("calltask")
    op.drop_table("deadlinerule")
    with op.batch_alter_table("request", recreate="never") as batch_op:  # DROP COLUMN: keeps the triggers
        batch_op.drop_index("ix_request_duplicate_of_id")
        batch_op.drop_column("duplicate_of_id")
        batch_op.drop_column("escalated_at")
        batch_op.drop_column("responded_at")
        batch_op.drop_column("resolve_by")
        batch_op.drop_column("respond_by")
