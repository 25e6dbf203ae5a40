"""pause applied: a pause's move of due dates is recorded on it, so it is applied once

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("pause", schema=None) as batch_op:
        batch_op.add_column(sa.Column("applied_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("moved_working_days", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("pause", schema=None) as batch_op:
        batch_op.drop_column("moved_working_days")
        batch_op.drop_column("applied_on")
