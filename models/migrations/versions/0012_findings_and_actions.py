"""finding_tag: the recurring practice findings a completion carries; audit_action and
action_reminder: the actions an audit sets and the reminders that chase them

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.base

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_text = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "finding_tag",
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("tag", _text(length=30), nullable=False),
        sa.ForeignKeyConstraint(["audit_id"], ["audit.id"]),
        sa.PrimaryKeyConstraint("audit_id", "tag"),
    )
    op.create_index("ix_finding_tag_tag", "finding_tag", ["tag"], unique=False)
    op.create_table(
        "audit_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("text", _text(), nullable=False),
        sa.Column("owner_id", _text(length=40), nullable=False),
        sa.Column("set_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("set_by", _text(length=40), nullable=False),
        sa.Column("status", _text(length=10), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("done_by", _text(length=40), nullable=True),
        sa.Column("done_note", _text(), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["audit_id"], ["audit.id"]),
        sa.ForeignKeyConstraint(["owner_id"], ["staff.staff_id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_action_audit_id", "audit_action", ["audit_id"], unique=False)
    op.create_index("ix_audit_action_status", "audit_action", ["status"], unique=False)
    op.create_index(
        "ix_audit_action_owner_status", "audit_action", ["owner_id", "status"], unique=False
    )
    op.create_table(
        "action_reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("stage", _text(length=20), nullable=False),
        sa.Column("outcome", _text(length=12), nullable=False),
        sa.Column("notification_id", sa.Integer(), nullable=True),
        sa.Column("recorded_on", sa.Date(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["action_id"], ["audit_action.id"]),
        sa.ForeignKeyConstraint(["notification_id"], ["notification.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("action_id", "due_on", "stage"),
    )
    op.create_index("ix_action_reminder_action_id", "action_reminder", ["action_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_action_reminder_action_id", table_name="action_reminder")
    op.drop_table("action_reminder")
    op.drop_index("ix_audit_action_owner_status", table_name="audit_action")
    op.drop_index("ix_audit_action_status", table_name="audit_action")
    op.drop_index("ix_audit_action_audit_id", table_name="audit_action")
    op.drop_table("audit_action")
    op.drop_index("ix_finding_tag_tag", table_name="finding_tag")
    op.drop_table("finding_tag")
