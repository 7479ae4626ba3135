"""hardening: server-side staff sessions, login throttling by address, rate counters, Telegram keys per bot

Revision ID: 0007_hardening
Revises: 0006_open311

A staff cookie now carries a session id whose row can be revoked (logout, new password,
deactivation); login failures are counted per client address too (an index on loginattempt.ip);
rate counters for the public writes live in the database so that every web process shares them.

Telegram counts update ids and message ids per bot, so de-duplication keys now name the bot:
`tg:{bot_id}:{update_id}` (processed updates) and `tg:{bot_id}:{chat_id}:{message_id}` (requests
from a chat). Existing keys are given the id of the bot in TELEGRAM_BOT_TOKEN, the bot that
received them; without a token set when migrating they are left as they are (they then match no new
key: an old update redelivered after the upgrade would be handled once more).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core.settings import get_settings

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
    bot = _bot_id()
    if bot:
        op.execute(sa.text("UPDATE processedupdate SET update_key = :prefix || substr(update_key, 4) "
                           "WHERE channel = 'telegram' AND update_key LIKE 'tg:%' AND update_key NOT LIKE 'tg:%:%'")
                   .bindparams(prefix=f"tg:{bot}:"))
        op.execute(sa.text("UPDATE request SET external_id = :prefix || substr(external_id, 4) "
                           "WHERE external_id LIKE 'tg:%:%' AND external_id NOT LIKE 'tg:%:%:%'")
                   .bindparams(prefix=f"tg:{bot}:"))


def _bot_id() -> str:
    """The bot of TELEGRAM_BOT_TOKEN (the part before the colon), or "" without one."""
    token = get_settings().telegram_bot_token
    return token.split(":", 1)[0] if ":" in token else ""


def downgrade() -> None:
    bot = _bot_id()
    if bot:  # this bot's keys as they were; another bot's stay (the old code never makes such keys)
        prefix = f"tg:{bot}:"
        op.execute(sa.text("UPDATE processedupdate SET update_key = 'tg:' || substr(update_key, :cut) "
                           "WHERE channel = 'telegram' AND substr(update_key, 1, :n) = :prefix")
                   .bindparams(cut=len(prefix) + 1, n=len(prefix), prefix=prefix))
        op.execute(sa.text("UPDATE request SET external_id = 'tg:' || substr(external_id, :cut) "
                           "WHERE substr(external_id, 1, :n) = :prefix AND external_id LIKE 'tg:%:%:%'")
                   .bindparams(cut=len(prefix) + 1, n=len(prefix), prefix=prefix))
    op.drop_index(op.f("ix_loginattempt_ip"), table_name="loginattempt")
    op.drop_table("ratecounter")
    op.drop_index(op.f("ix_staffsession_user_id"), table_name="staffsession")
    op.drop_table("staffsession")
