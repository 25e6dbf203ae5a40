"""What the evidence export for inspection reads (docs/export.md): the audits and re-audits of a
range of cycles with their tags and action counts, the actions set on them, each cycle's
compliance (the highlight report's own figures: ``report_store.cycle_compliance``) and the
recurring findings by cycle.

Audits and actions are read in pages of :data:`PAGE` by keyset (cycle, id), each page's tags and
action counts in one query each, so that an export of a million audits holds one page at a time
and never passes more ids in one query than PostgreSQL takes (65,535 parameters).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select, tuple_
from sqlmodel import Session, col

from models.actions import AuditAction
from models.finding_store import tag_counts, tags_of
from models.programme import Audit, Cycle
from models.report_store import cycle_compliance
from rules.compliance import timeliness
from rules.policy import JUDGEMENTS, Policy

PAGE = 5000


@dataclass(frozen=True)
class AuditRow:
    """A row of the ``Audits`` sheet, its fields in the sheet's column order."""

    audit_id: int
    cycle: str
    kind: str
    case_ref: str
    case_team: str
    service_area: str  # the case's, as at allocation
    cohort: str
    auditor_id: str
    auditor_team: str
    allocated_on: date
    due_on: date
    original_due_on: date
    status: str
    completed_on: date | None
    on_time: bool | None  # as the report counts it; None when not completed
    judgement: str | None
    tags: str  # ";"-joined
    actions_open: int
    actions_done: int


@dataclass(frozen=True)
class ActionRow:
    """A row of the ``Actions`` sheet."""

    action_id: int
    audit_id: int
    case_ref: str
    owner_id: str
    set_on: date
    due_on: date
    status: str  # as stored: open or done
    done_on: date | None


@dataclass(frozen=True)
class ComplianceLine:
    """A row of the ``Compliance`` sheet: one cycle's own audits and re-audits."""

    cycle: str
    allocated: int
    completed: int
    on_time: int
    released: int
    compliance_pct: int | None
    reaudits_allocated: int
    reaudits_completed: int
    reaudit_compliance_pct: int | None


@dataclass(frozen=True)
class FindingLine:
    """A row of the ``Recurring findings`` sheet: a tag's completed audits in one cycle."""

    cycle: str
    tag: str
    label: str
    count: int
    by_judgement: tuple[int, ...]  # in the order of rules.policy.JUDGEMENTS


@dataclass(frozen=True)
class Evidence:
    """The export's rows; ``audits`` and ``actions`` are read as they are iterated, inside the
    session they were loaded with."""

    cycles: tuple[str, ...]  # the cycles of the range that exist
    audits: Iterator[AuditRow]
    actions: Iterator[ActionRow]
    compliance: tuple[ComplianceLine, ...]
    findings: tuple[FindingLine, ...]


def load_evidence(session: Session, policy: Policy, first: str, last: str) -> Evidence:
    """The evidence of cycles ``first`` to ``last`` (YYYY-MM, first <= last). A month without a
    cycle has no rows."""
    cycles = tuple(
        session.execute(
            select(col(Cycle.month))
            .where(col(Cycle.month) >= first, col(Cycle.month) <= last)
            .order_by(col(Cycle.month))
        ).scalars()
    )
    return Evidence(
        cycles=cycles,
        audits=audit_rows(session, first, last),
        actions=action_rows(session, first, last),
        compliance=compliance_lines(session, cycles),
        findings=finding_lines(session, policy, cycles),
    )


def audit_rows(session: Session, first: str, last: str) -> Iterator[AuditRow]:
    """Every audit and re-audit of the cycles, by cycle then id, a page at a time."""
    after: tuple[str, int] = ("", 0)
    while True:
        query = (
            select(Audit)
            .where(col(Audit.cycle) >= first, col(Audit.cycle) <= last)
            .where(tuple_(col(Audit.cycle), col(Audit.id)) > after)
            .order_by(col(Audit.cycle), col(Audit.id))
            .limit(PAGE)
        )
        page = list(session.execute(query).scalars())
        if not page:
            return
        ids = [audit.id for audit in page if audit.id is not None]
        tags, counts = tags_of(session, ids), _action_counts(session, ids)
        for audit in page:
            assert audit.id is not None
            yield _audit_row(audit, tags.get(audit.id, []), counts)
        after = (page[-1].cycle, ids[-1])
        session.expunge_all()  # the page is written: do not keep it in the identity map


def _audit_row(audit: Audit, tags: list[str], counts: Counter[tuple[int, str]]) -> AuditRow:
    assert audit.id is not None
    shown = timeliness(audit.status, audit.completed_on, audit.due_on)
    return AuditRow(
        audit_id=audit.id,
        cycle=audit.cycle,
        kind=audit.kind,
        case_ref=audit.case_ref,
        case_team=audit.case_team,
        service_area=audit.case_service_area,
        cohort=audit.cohort,
        auditor_id=audit.auditor_id,
        auditor_team=audit.auditor_team,
        allocated_on=audit.allocated_on,
        due_on=audit.due_on,
        original_due_on=audit.original_due_on,
        status=audit.status,
        completed_on=audit.completed_on,
        on_time={"on_time": True, "late": False}.get(shown),
        judgement=audit.judgement,
        tags=";".join(tags),
        actions_open=counts[(audit.id, "open")],
        actions_done=counts[(audit.id, "done")],
    )


def _action_counts(session: Session, audit_ids: Sequence[int]) -> Counter[tuple[int, str]]:
    query = (
        select(col(AuditAction.audit_id), col(AuditAction.status), func.count())
        .where(col(AuditAction.audit_id).in_(audit_ids))
        .group_by(col(AuditAction.audit_id), col(AuditAction.status))
    )
    return Counter({(audit_id, status): n for audit_id, status, n in session.execute(query)})


def action_rows(session: Session, first: str, last: str) -> Iterator[ActionRow]:
    """The actions set on the cycles' audits, by action id, a page at a time."""
    after = 0
    while True:
        query = (
            select(AuditAction, col(Audit.case_ref))
            .join(Audit, col(Audit.id) == col(AuditAction.audit_id))
            .where(col(Audit.cycle) >= first, col(Audit.cycle) <= last)
            .where(col(AuditAction.id) > after)
            .order_by(col(AuditAction.id))
            .limit(PAGE)
        )
        page = list(session.execute(query))
        if not page:
            return
        for action, case_ref in page:
            assert action.id is not None
            yield ActionRow(
                action.id, action.audit_id, case_ref, action.owner_id, action.set_on,
                action.due_on, action.status, action.done_on,
            )  # fmt: skip
            after = action.id
        session.expunge_all()


def compliance_lines(session: Session, cycles: Sequence[str]) -> tuple[ComplianceLine, ...]:
    """Each cycle's figures as the highlight report of that month computes them."""
    lines = []
    for cycle, (audits, reaudits) in cycle_compliance(session, cycles).items():
        lines.append(
            ComplianceLine(
                cycle,
                audits.allocated,
                audits.completed,
                audits.on_time,
                audits.released,
                audits.pct,
                reaudits.allocated,
                reaudits.completed,
                reaudits.pct,
            )
        )
    return tuple(lines)


def finding_lines(
    session: Session, policy: Policy, cycles: Sequence[str]
) -> tuple[FindingLine, ...]:
    """Every configured tag in every cycle (0 where none, so a trend reads straight across),
    then any tag found that the programme file no longer lists, with the tag as its label."""
    counts = tag_counts(session, cycles)
    retired = sorted({tag for _, tag, _ in counts} - set(policy.finding_tags))
    labels = {**policy.finding_tags, **{tag: tag for tag in retired}}
    lines = []
    for cycle in cycles:
        for tag, label in labels.items():
            split = tuple(counts.get((cycle, tag, judgement), 0) for judgement in JUDGEMENTS)
            # A completion always has a judgement; counted in the total whatever it is.
            total = sum(n for (c, t, _), n in counts.items() if c == cycle and t == tag)
            if tag in retired and not total:
                continue
            lines.append(FindingLine(cycle, tag, label, total, split))
    return tuple(lines)
