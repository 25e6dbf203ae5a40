"""outbox cause and invitation state: the emails of one change are found by what caused them,
and each audit's calendar invitation counts its revisions and knows the due date it shows

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cause", sa.String(length=120), nullable=True))
        batch_op.create_index("ix_notification_cause", ["cause"], unique=False)
    with op.batch_alter_table("audit", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("invite_sequence", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("invite_due_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit", schema=None) as batch_op:
        batch_op.drop_column("invite_due_on")
        batch_op.drop_column("invite_sequence")
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_cause")
        batch_op.drop_column("cause")
