"""re-audit indexes: an audit's re-audit found by its parent, and at most one live one

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out rather than imported: a migration keeps meaning what it meant when written.
LIVE_REAUDIT = "kind = 'reaudit' AND status IN ('allocated', 'completed')"


def upgrade() -> None:
    op.create_index("ix_audit_parent_audit_id", "audit", ["parent_audit_id"])
    # Partial: a re-audit released by an approved exemption is replaced by a reallocated one
    # with the same parent, and both rows stay.
    op.create_index(
        "ux_audit_live_reaudit",
        "audit",
        ["parent_audit_id"],
        unique=True,
        sqlite_where=sa.text(LIVE_REAUDIT),
        postgresql_where=sa.text(LIVE_REAUDIT),
    )


def downgrade() -> None:
    op.drop_index("ux_audit_live_reaudit", table_name="audit")
    op.drop_index("ix_audit_parent_audit_id", table_name="audit")
