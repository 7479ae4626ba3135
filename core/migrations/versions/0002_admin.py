"""admin: round documents, project assessments, and the indexes behind the dashboard

Revision ID: 0002_admin
Revises: 0001

The dashboard groups requests by month, community and category and counts open requests;
covering indexes let both databases answer from the index alone (timings in docs/admin.md).
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import core.models

revision: str = "0002_admin"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# UTC datetimes are stored as ISO text on SQLite and as timestamptz on PostgreSQL.
MONTH_SQL = {"sqlite": "substr(created_at, 1, 7)"}


def upgrade() -> None:
    op.create_table(
        "rounddocument",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("stage", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("reference", sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["added_by_id"], ["staffuser.id"],
                                name=op.f("fk_rounddocument_added_by_id_staffuser")),
        sa.ForeignKeyConstraint(["round_id"], ["purchaseround.id"],
                                name=op.f("fk_rounddocument_round_id_purchaseround")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rounddocument")),
    )
    with op.batch_alter_table("rounddocument") as batch_op:
        batch_op.create_index(batch_op.f("ix_rounddocument_round_id"), ["round_id"], unique=False)

    op.create_table(
        "projectassessment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("assessor_id", sa.Integer(), nullable=True),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("achieved", sa.JSON(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["assessor_id"], ["staffuser.id"],
                                name=op.f("fk_projectassessment_assessor_id_staffuser")),
        sa.ForeignKeyConstraint(["project_id"], ["serviceproject.id"],
                                name=op.f("fk_projectassessment_project_id_serviceproject")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projectassessment")),
    )
    with op.batch_alter_table("projectassessment") as batch_op:
        batch_op.create_index(batch_op.f("ix_projectassessment_project_id"), ["project_id"], unique=False)

    open_only = sa.text("status IN ('received', 'accepted', 'in_progress')")
    with op.batch_alter_table("request") as batch_op:
        # demand per month × community × category over a window, read from the index alone
        batch_op.create_index("ix_request_created_community_category",
                              ["created_at", "community_id", "category_code"], unique=False)
        # open and overdue counts per community × category: only the open rows are indexed
        batch_op.create_index("ix_request_open_community_category",
                              ["community_id", "category_code", "created_at"], unique=False,
                              sqlite_where=open_only, postgresql_where=open_only)
    with op.batch_alter_table("rating") as batch_op:
        batch_op.create_index("ix_rating_created_request", ["created_at", "request_id", "score"], unique=False)
    if op.get_bind().dialect.name == "sqlite":
        # SQLite groups by the month text straight from this index (PostgreSQL reflects expression
        # indexes, which the model comparison would flag, and does well with the covering index)
        op.execute(f"CREATE INDEX ix_request_month_community_category ON request "
                   f"({MONTH_SQL['sqlite']}, community_id, category_code)")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_request_month_community_category")
    with op.batch_alter_table("rating") as batch_op:
        batch_op.drop_index("ix_rating_created_request")
    with op.batch_alter_table("request") as batch_op:
        batch_op.drop_index("ix_request_open_community_category")
        batch_op.drop_index("ix_request_created_community_category")
    with op.batch_alter_table("projectassessment") as batch_op:
        batch_op.drop_index(batch_op.f("ix_projectassessment_project_id"))
    op.drop_table("projectassessment")
    with op.batch_alter_table("rounddocument") as batch_op:
        batch_op.drop_index(batch_op.f("ix_rounddocument_round_id"))
    op.drop_table("rounddocument")
