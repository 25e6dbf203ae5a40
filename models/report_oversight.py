"""The highlight report's oversight figures: safeguarding concerns, moderation and practitioner
responses of the report's cycle (docs/report.md).

Each counts by the audit's cycle, as every other figure of the report does: a concern raised in
July on an audit of June's cycle is June's. Concerns' and responses' texts are never read here,
so they cannot reach the report, its JSON or a log. Moderation is counted by
``models.moderation_figures``, which the APS-only moderation page shares.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import distinct, func, select
from sqlmodel import Session, col

from models.concerns import SafeguardingConcern
from models.figures import ConcernFigures, ModerationFigures, MonthModeration, ResponseFigures
from models.moderation_figures import moderation_by_cycle, moderation_figures
from models.programme import Audit
from models.responses import PractitionerResponse
from rules.concerns import median_hours_to_acknowledge
from rules.moderation import window_cycles

#: The cycles the agreement rate over time covers, ending with the report's.
MODERATION_TREND_CYCLES = 12


def concern_figures(session: Session, month: str) -> ConcernFigures:
    """Concerns raised on audits of cycle ``month``: how many, how many acknowledged and still
    open, and the median hours to acknowledge (rules.concerns)."""
    query = (
        select(
            col(SafeguardingConcern.status),
            col(SafeguardingConcern.raised_at),
            col(SafeguardingConcern.acknowledged_at),
        )
        .join(Audit, col(Audit.id) == col(SafeguardingConcern.audit_id))
        .where(col(Audit.cycle) == month)
    )
    rows = session.connection().execute(query).all()
    acknowledged = [(raised, done) for status, raised, done in rows if done is not None]
    return ConcernFigures(
        raised=len(rows),
        acknowledged=sum(1 for status, _, _ in rows if status == "acknowledged"),
        open=sum(1 for status, _, _ in rows if status == "open"),
        median_hours_to_acknowledge=median_hours_to_acknowledge(acknowledged),
    )


def response_figures(session: Session, month: str) -> ResponseFigures:
    """The completed audits and re-audits of cycle ``month``, and those with at least one
    practitioner response (a second response to one audit counts it once)."""
    query = (
        select(
            func.count(distinct(col(Audit.id))),
            func.count(distinct(col(PractitionerResponse.audit_id))),
        )
        .select_from(Audit)
        .outerjoin(PractitionerResponse, col(PractitionerResponse.audit_id) == col(Audit.id))
        .where(col(Audit.cycle) == month, col(Audit.status) == "completed")
    )
    completed, with_response = session.connection().execute(query).one()
    return ResponseFigures(completed=int(completed), with_response=int(with_response))


def _moderation(counts: Mapping[str, Any]) -> ModerationFigures:
    return ModerationFigures(**counts)


def _month(counts: Mapping[str, Any]) -> MonthModeration:
    """A cycle's counts without its auditors: the report's trend never names one."""
    return MonthModeration(**{k: v for k, v in counts.items() if k != "by_auditor"})


def moderation_of(
    session: Session, month: str
) -> tuple[ModerationFigures, ModerationFigures, dict[str, MonthModeration]]:
    """Cycle ``month``'s moderation, the 12 cycles' ending with it, and each of those cycles'."""
    cycles = window_cycles(month, MODERATION_TREND_CYCLES)
    by_cycle = moderation_by_cycle(session, month, MODERATION_TREND_CYCLES)
    return (
        _moderation(by_cycle[month]),
        _moderation(moderation_figures(session, cycles)),
        {cycle: _month(by_cycle[cycle]) for cycle in cycles},
    )


def oversight_fields(session: Session, month: str) -> dict[str, Any]:
    """ReportFigures' oversight fields of cycle ``month``, by name."""
    moderation, last_12, by_month = moderation_of(session, month)
    return {
        "concerns": concern_figures(session, month),
        "moderation": moderation,
        "moderation_12_months": last_12,
        "moderation_by_month": by_month,
        "practitioner_responses": response_figures(session, month),
    }
