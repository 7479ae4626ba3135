"""nlp: the inverted index of open clusters' centroid terms (assignment on intake)

Revision ID: 0002_nlp
Revises: 0001
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0002_nlp"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "clusterterm",
        sa.Column("cluster_id", sa.Integer(), nullable=False),
        sa.Column("term", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("scope_id", sa.Integer(), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["cluster_id"], ["cluster.id"], name=op.f("fk_clusterterm_cluster_id_cluster")),
        sa.PrimaryKeyConstraint("cluster_id", "term", name=op.f("pk_clusterterm")),
    )
    with op.batch_alter_table("clusterterm") as batch_op:
        batch_op.create_index("ix_clusterterm_scope_term", ["scope_id", "term"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("clusterterm") as batch_op:
        batch_op.drop_index("ix_clusterterm_scope_term")
    op.drop_table("clusterterm")
