"""Merge the admin, nlp and survey branches of 0002 into one line.

Revision ID: 0003
Revises: 0002_admin, 0002_nlp, 0002_survey
"""
from collections.abc import Sequence

revision: str = "0003"
down_revision: str | Sequence[str] | None = ("0002_admin", "0002_nlp", "0002_survey")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
