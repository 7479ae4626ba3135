"""setup: place aliases and retirement, staff account management, imported records

Revision ID: 0009_setup
Revises: 0008_workday
"""
from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision: str = "0009_setup"
down_revision: str | Sequence[str] | None = "0008_workday"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
