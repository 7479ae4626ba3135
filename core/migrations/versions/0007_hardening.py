"""hardening: server-side staff sessions, login throttling by address, rate counters

Revision ID: 0007_hardening
Revises: 0006_open311

A staff cookie now carries a session id whose row can be revoked (logout, new password,
deactivation); login failures are counted per client address too (an index on loginattempt.ip);
rate counters for the public writes live in the database so that every web process shares them.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_hardening"
down_revision: str | Sequence[str] | None = "0006_open311"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "staffsession",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["staffuser.id"], name=op.f("fk_staffsession_user_id_staffuser")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staffsession")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_staffsession_token_hash")),
    )
    op.create_index(op.f("ix_staffsession_user_id"), "staffsession", ["user_id"])
    op.create_table(
        "ratecounter",
        sa.Column("bucket", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("window_start", sa.BigInteger(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("bucket", "key", "window_start", name=op.f("pk_ratecounter")),
    )
    op.create_index(op.f("ix_loginattempt_ip"), "loginattempt", ["ip"])


def downgrade() -> None:
    op.drop_index(op.f("ix_loginattempt_ip"), table_name="loginattempt")
    op.drop_table("ratecounter")
    op.drop_index(op.f("ix_staffsession_user_id"), table_name="staffsession")
    op.drop_table("staffsession")
