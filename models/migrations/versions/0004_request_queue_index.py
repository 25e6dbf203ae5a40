"""request queue indexes: the APS decision queue reads pending requests oldest first

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ["status", "requested_on", "created_at", "id"]


def upgrade() -> None:
    for table in ("extension_request", "exemption_request"):
        op.create_index(f"ix_{table}_queue", table, COLUMNS)


def downgrade() -> None:
    for table in ("extension_request", "exemption_request"):
        op.drop_index(f"ix_{table}_queue", table_name=table)
