"""setup: place aliases and retirement, staff account management, imported records

Revision ID: 0009_setup
Revises: 0008_workday

Places gain the other names residents use (aliases) and a retirement date (a retired place keeps
its requests); staff accounts can be told to change a temporary password; organizations get a
description; `job` records the progress of imports and retraining started from the admin view.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_setup"
down_revision: str | Sequence[str] | None = "0008_workday"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("place") as batch_op:
        batch_op.add_column(sa.Column("aliases", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
        batch_op.add_column(sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False,
                                      server_default=sa.func.current_timestamp()))
    with op.batch_alter_table("staffuser") as batch_op:
        batch_op.add_column(sa.Column("must_change_password", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
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


def downgrade() -> None:
    op.drop_table("job")
    with op.batch_alter_table("organization") as batch_op:
        batch_op.drop_column("description")
    with op.batch_alter_table("staffuser") as batch_op:
        batch_op.drop_column("password_changed_at")
        batch_op.drop_column("must_change_password")
    with op.batch_alter_table("place") as batch_op:
        batch_op.drop_column("updated_at")
        batch_op.drop_column("retired_at")
        batch_op.drop_column("aliases")
