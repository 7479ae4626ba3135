"""deadline indexes: what is late or due today, read from the index alone

Revision ID: 0010_deadline_indexes
Revises: 0009_setup

The inbox's "now" list, the supervision page and the escalation (督办) read open requests by their
next deadline (core.deadlines.waiting). The two partial indexes of 0008_workday gain the columns
those queries filter on (status, urgent, escalated_at, responded_at), so a backlog of thousands is
read along the index instead of the table; the index of duplicates covers only the duplicates (an
index of every NULL led SQLite's planner to it for unrelated queries).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_deadline_indexes"
down_revision: str | Sequence[str] | None = "0009_setup"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNANSWERED = "responded_at IS NULL AND duplicate_of_id IS NULL"
OPEN_UNIQUE = "status IN ('received', 'accepted', 'in_progress') AND duplicate_of_id IS NULL"
DUPLICATES = "duplicate_of_id IS NOT NULL"
COLUMNS = ["created_at", "community_id", "category_code", "assignee_id", "project_id"]


def _indexes(unanswered: list[str], open_deadline: list[str], duplicates_only: bool) -> None:
    for name in ("ix_request_unanswered", "ix_request_open_deadline", "ix_request_duplicate_of_id"):
        op.drop_index(name, table_name="request")
    op.create_index("ix_request_unanswered", "request", unanswered, unique=False,
                    sqlite_where=sa.text(UNANSWERED), postgresql_where=sa.text(UNANSWERED))
    op.create_index("ix_request_open_deadline", "request", open_deadline, unique=False,
                    sqlite_where=sa.text(OPEN_UNIQUE), postgresql_where=sa.text(OPEN_UNIQUE))
    where = {"sqlite_where": sa.text(DUPLICATES), "postgresql_where": sa.text(DUPLICATES)} if duplicates_only else {}
    op.create_index("ix_request_duplicate_of_id", "request", ["duplicate_of_id"], unique=False, **where)


def upgrade() -> None:
    _indexes(["respond_by", *COLUMNS, "status", "urgent", "escalated_at"],
             ["resolve_by", *COLUMNS, "responded_at", "urgent", "escalated_at"], duplicates_only=True)


def downgrade() -> None:
    _indexes(["respond_by", *COLUMNS], ["resolve_by", *COLUMNS], duplicates_only=False)
