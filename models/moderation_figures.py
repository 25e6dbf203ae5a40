"""How often moderators agree with auditors, over a set of cycles (``rules.moderation.agreement``).

Shared by the highlight report (``audits report --json``'s ``moderation`` and
``moderation_12_months``) and the APS-only moderation page, so both count alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from models.moderation import Moderation
from rules.moderation import agreement, window_cycles


def moderation_figures(session: Session, cycles: Sequence[str]) -> dict[str, Any]:
    """``{moderated, agreed, agreement_pct, changed, by_auditor}`` over the audits of ``cycles``."""
    query = select(col(Moderation.auditor_id), col(Moderation.agreed)).where(
        col(Moderation.cycle).in_(list(cycles))
    )
    return agreement((auditor_id, bool(agreed)) for auditor_id, agreed in session.execute(query))


def moderation_by_cycle(session: Session, month: str, count: int = 12) -> dict[str, dict[str, Any]]:
    """Each of the ``count`` cycles ending with ``month``, oldest first, with its figures (for
    the agreement rate over time)."""
    cycles = window_cycles(month, count)
    query = select(col(Moderation.cycle), col(Moderation.auditor_id), col(Moderation.agreed)).where(
        col(Moderation.cycle).in_(cycles)
    )
    rows: dict[str, list[tuple[str, bool]]] = {cycle: [] for cycle in cycles}
    for cycle, auditor_id, agreed in session.execute(query):
        rows[cycle].append((auditor_id, bool(agreed)))
    return {cycle: agreement(pairs) for cycle, pairs in rows.items()}
