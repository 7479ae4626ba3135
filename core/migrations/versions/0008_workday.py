"""workday: deadlines, assignment, duplicates, follow-up calls, urgent corrections, the rates' rollup

Revision ID: 0008_workday
Revises: 0007_hardening

Requests gain their response and resolution deadlines, the time of the first response, the
escalation marker (督办) and the ticket they duplicate; `deadlinerule` is the table the deadlines
come from (seeded with the defaults below); `calltask` holds the calls a worker must make.

`rateday` is the rollup of the response, resolution and satisfaction rates (admin/rates.py), kept
exact like 0004's `demandday` by the same stale-day marks: the request trigger now also fires on
what the rates read (assignee, project, response and resolution times, deadlines) and on
`duplicate_of_id` (a duplicate counts once in demand), and the rating triggers also mark the rated
request's day of receipt. Those triggers are replaced here and restored on downgrade. The new
columns are added with plain ALTER TABLE (no foreign key on duplicate_of_id), because a batch
rebuild of `request` on SQLite would drop the triggers. Stored requests get their deadlines by the
default rules, and every day with data is marked, so the first read builds the new rollup.
"""
# ruff: noqa: S608 (the SQL below is built from constants only)
import datetime as dt
import importlib.util
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision: str = "0008_workday"
down_revision: str | Sequence[str] | None = "0007_hardening"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (urgent, category, respond hours, resolve hours): ordinary 24 h / 7 days, urgent 2 h, complex 15 days
DEFAULT_RULES = [(None, None, 24, 7 * 24), (True, None, 2, None),
                 (None, "property_management", None, 15 * 24), (None, "legal_mediation", None, 15 * 24)]
UNANSWERED = "responded_at IS NULL AND duplicate_of_id IS NULL"
OPEN_UNIQUE = "status IN ('received', 'accepted', 'in_progress') AND duplicate_of_id IS NULL"
RATE_COLUMNS = ("duplicate_of_id", "assignee_id", "project_id", "responded_at", "resolved_at", "respond_by",
                "resolve_by")


def _rollup_revision():
    """Migration 0004_rollup, whose trigger definitions are extended here and restored on downgrade."""
    spec = importlib.util.spec_from_file_location("rollup_0004", Path(__file__).with_name("0004_rollup.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


R = _rollup_revision()
ROW_DAY = "INSERT INTO demanddirty (day) SELECT substr(created_at, 1, 10) FROM request WHERE id = {ref}.request_id; "
SQLITE_TRIGGERS = {
    **R.SQLITE_TRIGGERS,
    "demand_request_update": R.SQLITE_TRIGGERS["demand_request_update"].replace(
        R.REQUEST_CHANGED_SQLITE, R.REQUEST_CHANGED_SQLITE + "".join(
            f" OR OLD.{c} IS NOT NEW.{c}" for c in RATE_COLUMNS)),
    "demand_rating_insert": R.SQLITE_TRIGGERS["demand_rating_insert"].replace(" END", " " + ROW_DAY.format(ref="NEW")
                                                                               + "END"),
    "demand_rating_update": R.SQLITE_TRIGGERS["demand_rating_update"].replace(
        " END", " " + ROW_DAY.format(ref="OLD") + ROW_DAY.format(ref="NEW") + "END"),
    "demand_rating_delete": R.SQLITE_TRIGGERS["demand_rating_delete"].replace(" END", " " + ROW_DAY.format(ref="OLD")
                                                                               + "END"),
}
CHANGED = {"demand_request_update", "demand_rating_insert", "demand_rating_update", "demand_rating_delete"}

REQUEST_COLUMNS = "(o.created_at, o.community_id, o.category_code, o.status, o.text)"
PG_ROW_DAY = ("; INSERT INTO demanddirty (day) SELECT DISTINCT " + R.DAY.format(col="r.created_at")
              + " FROM {rows} x JOIN request r ON r.id = x.request_id")
PG_FUNCTIONS = {
    **R.PG_FUNCTIONS,
    "demand_request_update": R.PG_FUNCTIONS["demand_request_update"].replace(
        REQUEST_COLUMNS, REQUEST_COLUMNS[:-1] + "".join(f", o.{c}" for c in RATE_COLUMNS) + ")").replace(
        REQUEST_COLUMNS.replace("o.", "n."),
        REQUEST_COLUMNS.replace("o.", "n.")[:-1] + "".join(f", n.{c}" for c in RATE_COLUMNS) + ")"),
    "demand_rating_insert": R.PG_FUNCTIONS["demand_rating_insert"] + PG_ROW_DAY.format(rows="new_rows"),
    "demand_rating_update": R.PG_FUNCTIONS["demand_rating_update"] + PG_ROW_DAY.format(rows="old_rows")
    + PG_ROW_DAY.format(rows="new_rows"),
    "demand_rating_delete": R.PG_FUNCTIONS["demand_rating_delete"] + PG_ROW_DAY.format(rows="old_rows"),
}


def _triggers(sqlite: dict, pg: dict) -> None:
    """Replace the changed triggers (SQLite) or their functions (PostgreSQL) with these definitions."""
    for name in sorted(CHANGED):
        if op.get_bind().dialect.name == "sqlite":
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
            op.execute(f"CREATE TRIGGER {name} {sqlite[name]}")
        else:
            function, _trigger = R._pg_trigger(name)
            original = R.PG_FUNCTIONS[name]
            op.execute(function.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION").replace(original, pg[name]))


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
    op.create_table(
        "rateday",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("category_code", sa.String(length=40), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in
          ("responded", "responded_in_time", "closed", "resolved_in_time", "ratings", "satisfied")],
        sa.Column("unanswered", sa.Integer(), nullable=False),
        sa.Column("unanswered_first", sa.DateTime(timezone=True), nullable=True),
        sa.Column("unanswered_last", sa.DateTime(timezone=True), nullable=True),
        sa.Column("open", sa.Integer(), nullable=False),
        sa.Column("open_first", sa.DateTime(timezone=True), nullable=True),
        sa.Column("open_last", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("day", "community_id", "category_code", "assignee_id", "project_id",
                                name=op.f("pk_rateday")),
    )
    now = dt.datetime.now(dt.UTC)
    op.bulk_insert(rules, [{"urgent": u, "category_code": c, "respond_hours": r, "resolve_hours": h, "updated_at": now}
                           for u, c, r, h in DEFAULT_RULES])
    _backfill()  # before the triggers watch the deadlines: the days are marked once below
    with op.batch_alter_table("request") as batch_op:
        columns = ["created_at", "community_id", "category_code", "assignee_id", "project_id"]
        batch_op.create_index("ix_request_unanswered", ["respond_by", *columns], unique=False,
                              sqlite_where=sa.text(UNANSWERED), postgresql_where=sa.text(UNANSWERED))
        batch_op.create_index("ix_request_open_deadline", ["resolve_by", *columns], unique=False,
                              sqlite_where=sa.text(OPEN_UNIQUE), postgresql_where=sa.text(OPEN_UNIQUE))
    _triggers(SQLITE_TRIGGERS, PG_FUNCTIONS)
    day = "substr(created_at, 1, 10)" if op.get_bind().dialect.name == "sqlite" else R.DAY.format(col="created_at")
    op.execute(f"INSERT INTO demanddirty (day) SELECT DISTINCT {day} FROM request")  # the first read builds rateday


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
    _triggers(R.SQLITE_TRIGGERS, R.PG_FUNCTIONS)
    with op.batch_alter_table("request", recreate="never") as batch_op:  # DROP COLUMN: keeps the triggers
        batch_op.drop_index("ix_request_open_deadline")
        batch_op.drop_index("ix_request_unanswered")
    op.drop_table("rateday")
    op.drop_index(op.f("ix_calltask_assignee_id"), table_name="calltask")
    op.drop_index(op.f("ix_calltask_request_id"), table_name="calltask")
    op.drop_table("calltask")
    op.drop_table("deadlinerule")
    with op.batch_alter_table("request", recreate="never") as batch_op:
        batch_op.drop_index("ix_request_duplicate_of_id")
        batch_op.drop_column("duplicate_of_id")
        batch_op.drop_column("escalated_at")
        batch_op.drop_column("responded_at")
        batch_op.drop_column("resolve_by")
        batch_op.drop_column("respond_by")
