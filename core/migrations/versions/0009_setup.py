"""setup: place aliases and retirement, staff account management, imported records

Revision ID: 0009_setup
Revises: 0008_workday

Places gain the other names residents use (aliases) and a retirement date (a retired place keeps
its requests); staff accounts can be told to change a temporary password; organizations get a
description; `job` records the progress of imports and retraining started from the admin view.
The demand rollup is marked stale: it counts local days from now on.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_setup"
down_revision: str | Sequence[str] | None = "0008_workday"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# (table, column) this revision adds, dropped again by downgrade
ADDED = [("place", "aliases"), ("place", "retired_at"), ("place", "updated_at"), ("staffuser", "must_change_password"),
         ("staffuser", "password_changed_at"), ("organization", "description")]


def upgrade() -> None:
    # Constant defaults only: SQLite then adds each column in place (ALTER TABLE ADD COLUMN) instead of
    # rebuilding the table, which the foreign keys pointing at these tables forbid once rows exist.
    with op.batch_alter_table("place") as batch_op:
        batch_op.add_column(sa.Column("aliases", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False,
                                      server_default="2000-01-01 00:00:00"))
    op.execute("UPDATE place SET updated_at = created_at")
    with op.batch_alter_table("staffuser") as batch_op:
        batch_op.add_column(sa.Column("must_change_password", sa.Boolean(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("organization") as batch_op:
        batch_op.add_column(sa.Column("description", sa.String(), nullable=False, server_default=""))
    op.create_table(
        "job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("message", sa.String(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["staffuser.id"], name=op.f("fk_job_created_by_id_staffuser")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job")),
    )
    # the rollup now counts the street's local days (admin/demand.py): every day is rebuilt on its next read
    op.execute("INSERT INTO demanddirty (day) SELECT DISTINCT day FROM demandday")


def downgrade() -> None:
    op.execute("INSERT INTO demanddirty (day) SELECT DISTINCT day FROM demandday")  # back to UTC days
    op.drop_table("job")
    for table, column in reversed(ADDED):
        if op.get_bind().dialect.name == "sqlite":  # in place (SQLite 3.35+): no rebuild, as in upgrade
            op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
        else:
            op.drop_column(table, column)
