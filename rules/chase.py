"""Who is told what in a chase run: each outstanding audit's ladder step, routed to people.

Reminders go to the auditor; the overdue chase to the auditor, copied to APS; escalations to the
auditor and their line manager, copied to APS. "Copied to APS" means the item appears in the APS
team's own digest. Everyone gets one digest a run, listing all their items. Audit actions are
routed the same way (``route``, used by ``rules.action_chase``), their owner in the auditor's place.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from rules.policy import ReminderPolicy
from rules.reminders import ESCALATION, OVERDUE, LadderStep, Rung, next_step, working_days_overdue

AUDITOR, LINE_MANAGER, APS = "auditor", "line_manager", "aps"


@dataclass(frozen=True, slots=True)
class OutstandingAudit:
    audit_id: int
    case_ref: str
    kind: str
    auditor_id: str
    allocated_on: date
    due_on: date
    original_due_on: date


@dataclass(frozen=True, slots=True)
class Notice:
    """One audit's rung, as it appears in someone's digest."""

    audit: OutstandingAudit
    rung: Rung
    days_overdue: int


@dataclass
class ChasePlan:
    """A run's decisions: each audit's step, and each recipient's items by (staff_id, role)."""

    steps: list[tuple[OutstandingAudit, LadderStep]] = field(default_factory=list)
    digests: dict[tuple[str, str], list[Notice]] = field(default_factory=dict)
    unrouted: list[Notice] = field(default_factory=list)  # escalations with no line manager

    def items_by_stage(self) -> dict[str, int]:
        return sent_by_stage(step for _, step in self.steps)


def plan_chase(
    audits: Sequence[OutstandingAudit],
    recorded: Mapping[tuple[int, date], set[str]],
    line_managers: Mapping[str, str | None],
    aps_team: Sequence[str],
    today: date,
    policy: ReminderPolicy,
) -> ChasePlan:
    """Decide the run for ``today``. ``recorded`` holds the rung keys already sent or superseded
    per (audit_id, due_on); ``line_managers`` maps an auditor to their line manager (or None)."""
    plan = ChasePlan()
    digests: dict[tuple[str, str], list[Notice]] = defaultdict(list)
    for audit in sorted(audits, key=lambda a: a.audit_id):
        done = recorded.get((audit.audit_id, audit.due_on), set())
        step = next_step(audit.due_on, today, done, policy, allocated_on=audit.allocated_on)
        if step.send is None and not step.superseded:
            continue
        plan.steps.append((audit, step))
        if step.send is None:
            continue
        notice = Notice(audit, step.send, working_days_overdue(audit.due_on, today))
        for recipient in _recipients(notice, line_managers, aps_team, plan):
            digests[recipient].append(notice)
    plan.digests = dict(sorted(digests.items()))
    return plan


def _recipients(
    notice: Notice,
    line_managers: Mapping[str, str | None],
    aps_team: Sequence[str],
    plan: ChasePlan,
) -> list[tuple[str, str]]:
    recipients, reached_manager = route(
        notice.rung.stage, notice.audit.auditor_id, AUDITOR, line_managers, aps_team
    )
    if not reached_manager:
        plan.unrouted.append(notice)  # APS still gets it, and sees that nobody else did
    return recipients


def route(
    stage: str,
    person_id: str,
    role: str,
    line_managers: Mapping[str, str | None],
    aps_team: Sequence[str],
) -> tuple[list[tuple[str, str]], bool]:
    """Who is told of one rung: the person whose item it is (in ``role``), their line manager on
    an escalation, and every APS member on the overdue chase and escalations; and ``False``
    for an escalation that found no line manager on record (``True`` otherwise)."""
    recipients = [(person_id, role)]
    reached_manager = True
    if stage == ESCALATION:
        manager = line_managers.get(person_id)
        if manager:
            recipients.append((manager, LINE_MANAGER))
        else:
            reached_manager = False
    if stage in (OVERDUE, ESCALATION):
        recipients.extend((member, APS) for member in aps_team)
    return recipients, reached_manager


def sent_by_stage(steps: Iterable[LadderStep], prefix: str = "") -> dict[str, int]:
    """How many of ``steps`` send a rung, by the rung's stage (named with ``prefix``)."""
    counts: dict[str, int] = defaultdict(int)
    for step in steps:
        if step.send is not None:
            counts[prefix + step.send.stage] += 1
    return dict(counts)
