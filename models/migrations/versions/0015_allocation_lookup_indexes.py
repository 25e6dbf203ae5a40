"""indexes for the few rows an allocation looks up among a county's years of audits and cases

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07

Every allocation (and every re-audit scheduling) asks for completed audits judged poorly that
have no re-audit, and for outstanding re-audits in months not yet allocated; and it lists the
cases closed or left out of the latest export. Without these indexes each of those read the
whole audit or case table: a million audits after eight years. The cases' index is partial
(only such cases are in it), so the allocation's query, which names the same condition, reads
that index and nothing else.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out rather than imported: a migration keeps meaning what it meant when written.
# Each database's own spelling of the condition, as SQLAlchemy writes the query's.
SQLITE_NOT_ALLOCATABLE = "status != 'open' OR in_latest_export = 0"
POSTGRESQL_NOT_ALLOCATABLE = "status <> 'open' OR NOT in_latest_export"


def upgrade() -> None:
    op.create_index("ix_audit_kind_status_judgement", "audit", ["kind", "status", "judgement"])
    op.create_index(
        "ix_case_record_not_allocatable",
        "case_record",
        ["case_ref"],
        sqlite_where=sa.text(SQLITE_NOT_ALLOCATABLE),
        postgresql_where=sa.text(POSTGRESQL_NOT_ALLOCATABLE),
    )


def downgrade() -> None:
    op.drop_index("ix_case_record_not_allocatable", table_name="case_record")
    op.drop_index("ix_audit_kind_status_judgement", table_name="audit")
