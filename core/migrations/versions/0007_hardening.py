"""hardening: server-side staff sessions, login throttling by address, Telegram de-duplication scoped by bot

Revision ID: 0007_hardening
Revises: 0006_open311
"""
from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision: str = "0007_hardening"
down_revision: str | Sequence[str] | None = "0006_open311"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
