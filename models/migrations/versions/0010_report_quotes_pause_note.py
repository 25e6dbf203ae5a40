"""featured_quote: the APS team's chosen quotes per report section; pause.note: what was done
instead while paused

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.base

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "featured_quote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column("section_key", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("chosen_by", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("chosen_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["cycle"], ["cycle.month"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("cycle", "section_key", "position"),
    )
    with op.batch_alter_table("featured_quote", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_featured_quote_cycle"), ["cycle"], unique=False)
    with op.batch_alter_table("pause", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("pause", schema=None) as batch_op:
        batch_op.drop_column("note")
    with op.batch_alter_table("featured_quote", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_featured_quote_cycle"))
    op.drop_table("featured_quote")
