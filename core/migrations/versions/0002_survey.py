"""survey: English title and description, and a client hash on responses for rate limiting

Revision ID: 0002_survey
Revises: 0001
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0002_survey"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("survey") as batch_op:
        batch_op.add_column(sa.Column("title_en", sqlmodel.sql.sqltypes.AutoString(length=200),
                                      nullable=False, server_default=""))
        batch_op.add_column(sa.Column("description_en", sqlmodel.sql.sqltypes.AutoString(),
                                      nullable=False, server_default=""))
    with op.batch_alter_table("surveyresponse") as batch_op:
        batch_op.add_column(sa.Column("client_hash", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.create_index(batch_op.f("ix_surveyresponse_client_hash"), ["client_hash"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("surveyresponse") as batch_op:
        batch_op.drop_index(batch_op.f("ix_surveyresponse_client_hash"))
        batch_op.drop_column("client_hash")
    with op.batch_alter_table("survey") as batch_op:
        batch_op.drop_column("description_en")
        batch_op.drop_column("title_en")
