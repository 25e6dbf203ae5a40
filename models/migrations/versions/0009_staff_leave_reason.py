"""staff leave: a reason (the old, unused "note") and who recorded it

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009"
# 0007 and 0008 are being written alongside; the chain is put in order when they are merged.
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Leave recorded before this revision (by hand: nothing in the product wrote it) has no author.
UNKNOWN_AUTHOR = "unknown"


def _rebuilt_on_sqlite() -> Any:
    """A batch that rebuilds the table on SQLite with AUTOINCREMENT (each rebuild needs it)."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    return op.batch_alter_table(
        "staff_leave",
        recreate="always" if sqlite else "auto",
        table_kwargs={"sqlite_autoincrement": True},
    )


def upgrade() -> None:
    # SQLite reuses the highest rowid after a delete, and leave is deleted (`audits leave
    # remove`): AUTOINCREMENT keeps a removed leave's id, named in the audit trail, from ever
    # naming another. The table is rebuilt for it (PostgreSQL's sequences never reuse an id).
    with _rebuilt_on_sqlite() as batch_op:
        batch_op.alter_column(
            "note",
            new_column_name="reason",
            existing_type=sa.String(length=500),
            existing_nullable=False,
        )
        batch_op.add_column(
            sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True)
        )
    op.execute(
        sa.text("UPDATE staff_leave SET created_by = :who WHERE created_by IS NULL").bindparams(
            who=UNKNOWN_AUTHOR
        )
    )
    with _rebuilt_on_sqlite() as batch_op:
        batch_op.alter_column(
            "created_by",
            existing_type=sa.String(length=40),
            nullable=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("staff_leave", schema=None) as batch_op:
        batch_op.drop_column("created_by")
        batch_op.alter_column(
            "reason",
            new_column_name="note",
            existing_type=sa.String(length=500),
            existing_nullable=False,
        )
