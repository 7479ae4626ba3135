"""categories: the vulnerable-group flag is data on the category, not a list in the planner

Revision ID: 0005_categories
Revises: 0004_rollup
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_categories"
down_revision: str | Sequence[str] | None = "0004_rollup"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# the planner's list before this revision (admin/plan.py VULNERABLE_CATEGORIES)
VULNERABLE = ("elderly_care", "disability", "social_assistance", "child_youth")


def upgrade() -> None:
    with op.batch_alter_table("category") as batch:
        batch.add_column(sa.Column("vulnerable", sa.Boolean(), nullable=False, server_default=sa.false()))
    category = sa.table("category", sa.column("code", sa.String), sa.column("vulnerable", sa.Boolean))
    op.execute(category.update().where(category.c.code.in_(VULNERABLE)).values(vulnerable=True))


def downgrade() -> None:
    with op.batch_alter_table("category") as batch:
        batch.drop_column("vulnerable")
