"""Handing over, on a month's allocation day, the re-audits whose auditor can no longer do them.

A re-audit is given its auditor when it is scheduled, months before its cycle. By the cycle's
allocation the auditor may have recorded leave over it, been exempted from the cycle, left, or
moved into the case's team. The allocation judges every Team Manager's eligibility on that day
(``rules.eligibility``), and this module gives each such re-audit to an eligible Team Manager by
the re-audit rules (``rules.reaudits.choose_reauditor``: outside the case's team, the fewest
audits in the cycle first), in the allocation's transaction and before its emails, so the new
auditor is the one told. A re-audit nobody eligible can take stays where it is, and is listed.

Only months being allocated are touched: once a month is allocated, releasing an audit is an
exemption's job (docs/domain.md).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from models.base import utcnow
from models.programme import Audit
from models.trail import TrailEntry
from rules.eligibility import Auditor, Exclusion
from rules.reaudits import choose_reauditor
from rules.requests import Candidate

REASON_WIDTH = 1000  # Audit.reason


def hand_over_reaudits(
    session: Session, month: str, auditors: list[Auditor], excluded: list[Exclusion], actor: str
) -> list[dict[str, Any]]:
    """Give ``month``'s re-audits whose auditor is not among ``auditors`` (the eligible Team
    Managers), or is now in the case's team, to another eligible one; one record per re-audit
    looked at, for the cycle's explanation (``handed_to`` None when nobody could take it)."""
    reaudits = session.scalars(
        select(Audit)
        .where(
            col(Audit.cycle) == month,
            col(Audit.kind) == "reaudit",
            col(Audit.status) == "allocated",
        )
        .order_by(col(Audit.id))
    ).all()
    teams = {a.staff_id: a.team for a in auditors}
    stranded = [r for r in reaudits if _stranded(r, teams.get(r.auditor_id))]
    if not stranded:
        return []
    load = Counter(r.auditor_id for r in reaudits)
    pool = {
        a.staff_id: Candidate(a.staff_id, a.team, a.service_area, load[a.staff_id])
        for a in auditors
    }
    reasons = {e.subject: e.reason for e in excluded}
    return [_hand_over(session, reaudit, pool, reasons, actor) for reaudit in stranded]


def _stranded(reaudit: Audit, auditor_team: str | None) -> bool:
    """Its auditor is not eligible (no team among the eligible), or now in the case's team."""
    return auditor_team is None or auditor_team == reaudit.case_team


def _hand_over(
    session: Session,
    reaudit: Audit,
    pool: dict[str, Candidate],
    reasons: dict[str, str],
    actor: str,
) -> dict[str, Any]:
    previous = reaudit.auditor_id
    choice = choose_reauditor(
        previous, reaudit.case_team, reaudit.case_service_area, list(pool.values()), reasons
    )
    record: dict[str, Any] = {
        "audit_id": reaudit.id,
        "case_ref": reaudit.case_ref,
        "auditor_id": previous,
        "handed_to": None,
        "why": f"{previous} cannot: {reasons.get(previous, 'not an eligible Team Manager')}; "
        "no eligible Team Manager outside the case's team to take it",
    }
    if choice is None:
        return record
    new = choice.auditor
    reaudit.auditor_id, reaudit.auditor_team = new.staff_id, new.team
    reaudit.auditor_service_area = new.service_area
    # Cut to the column's width: a long leave reason (many short spells) must not fail the write.
    reaudit.reason = f"{reaudit.reason}; handed over on allocation: {choice.why}"[:REASON_WIDTH]
    reaudit.updated_at = utcnow()
    session.add(reaudit)
    pool[new.staff_id] = replace(new, open_audits=new.open_audits + 1)
    record.update(handed_to=new.staff_id, why=choice.why)
    session.add(
        TrailEntry(
            actor=actor,
            action="reaudit.handed_over",
            subject_type="audit",
            subject_id=str(reaudit.id),
            detail={
                "cycle": reaudit.cycle,
                "from": previous,
                "to": new.staff_id,
                "why": choice.why,
            },
        )
    )
    return record
