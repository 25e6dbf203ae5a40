"""safeguarding_concern, moderation_sample, moderation, practitioner_response, and the case's
social worker (case_record.worker_id)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.base

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_text = sqlmodel.sql.sqltypes.AutoString
_stamp = models.base.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "safeguarding_concern",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("text", _text(), nullable=False),
        sa.Column("raised_by", _text(length=40), nullable=False),
        sa.Column("raised_at", _stamp(timezone=True), nullable=False),
        sa.Column("raised_on", sa.Date(), nullable=False),
        sa.Column("status", _text(length=14), nullable=False),
        sa.Column("acknowledged_at", _stamp(timezone=True), nullable=True),
        sa.Column("acknowledged_by", _text(length=40), nullable=True),
        sa.Column("acknowledged_note", _text(), nullable=True),
        sa.ForeignKeyConstraint(["audit_id"], ["audit.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_safeguarding_concern_audit_id", "safeguarding_concern", ["audit_id"], unique=False
    )
    op.create_index(
        "ix_safeguarding_concern_status", "safeguarding_concern", ["status"], unique=False
    )
    op.create_table(
        "moderation_sample",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle", _text(length=7), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("reason", _text(length=10), nullable=False),
        sa.Column("sampled_on", sa.Date(), nullable=False),
        sa.Column("created_at", _stamp(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["audit_id"], ["audit.id"]),
        sa.ForeignKeyConstraint(["cycle"], ["cycle.month"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("cycle", "audit_id"),
    )
    op.create_index("ix_moderation_sample_cycle", "moderation_sample", ["cycle"], unique=False)
    op.create_index(
        "ix_moderation_sample_audit_id", "moderation_sample", ["audit_id"], unique=False
    )
    op.create_table(
        "moderation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("cycle", _text(length=7), nullable=False),
        sa.Column("auditor_id", _text(length=40), nullable=False),
        sa.Column("auditor_judgement", _text(length=30), nullable=False),
        sa.Column("moderated_judgement", _text(length=30), nullable=False),
        sa.Column("agreed", sa.Boolean(), nullable=False),
        sa.Column("note", _text(), nullable=False),
        sa.Column("moderated_by", _text(length=40), nullable=False),
        sa.Column("moderated_on", sa.Date(), nullable=False),
        sa.Column("created_at", _stamp(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["audit_id"], ["audit.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("audit_id"),
    )
    op.create_index("ix_moderation_cycle", "moderation", ["cycle"], unique=False)
    op.create_index("ix_moderation_auditor_id", "moderation", ["auditor_id"], unique=False)
    op.create_table(
        "practitioner_response",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", _text(length=40), nullable=False),
        sa.Column("text", _text(), nullable=False),
        sa.Column("created_at", _stamp(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["audit_id"], ["audit.id"]),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.staff_id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_practitioner_response_audit_id", "practitioner_response", ["audit_id"], unique=False
    )
    with op.batch_alter_table("case_record") as batch:
        batch.add_column(sa.Column("worker_id", _text(length=40), nullable=True))
        batch.create_index("ix_case_record_worker_id", ["worker_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("case_record") as batch:
        batch.drop_index("ix_case_record_worker_id")
        batch.drop_column("worker_id")
    op.drop_index("ix_practitioner_response_audit_id", table_name="practitioner_response")
    op.drop_table("practitioner_response")
    op.drop_index("ix_moderation_auditor_id", table_name="moderation")
    op.drop_index("ix_moderation_cycle", table_name="moderation")
    op.drop_table("moderation")
    op.drop_index("ix_moderation_sample_audit_id", table_name="moderation_sample")
    op.drop_index("ix_moderation_sample_cycle", table_name="moderation_sample")
    op.drop_table("moderation_sample")
    op.drop_index("ix_safeguarding_concern_status", table_name="safeguarding_concern")
    op.drop_index("ix_safeguarding_concern_audit_id", table_name="safeguarding_concern")
    op.drop_table("safeguarding_concern")
