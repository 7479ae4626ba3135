"""open311: API keys for client applications, place coordinates, category attributes

Revision ID: 0006_open311
Revises: 0005_categories

Keys are stored as their SHA-256 only (open311/keys.py). Coordinates let an Open311 client report
by latitude and longitude; attributes are the questions a category asks (Open311 service
definitions). Existing categories ask none.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_open311"
down_revision: str | Sequence[str] | None = "0005_categories"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "apikey",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["staffuser.id"], name=op.f("fk_apikey_created_by_id_staffuser")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_apikey")),
        sa.UniqueConstraint("name", name=op.f("uq_apikey_name")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_apikey_key_hash")),
    )
    with op.batch_alter_table("place") as batch_op:
        batch_op.add_column(sa.Column("latitude", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("longitude", sa.Float(), nullable=True))
    with op.batch_alter_table("category") as batch_op:
        batch_op.add_column(sa.Column("attributes", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))


def downgrade() -> None:
    with op.batch_alter_table("category") as batch_op:
        batch_op.drop_column("attributes")
    with op.batch_alter_table("place") as batch_op:
        batch_op.drop_column("longitude")
        batch_op.drop_column("latitude")
    op.drop_table("apikey")
