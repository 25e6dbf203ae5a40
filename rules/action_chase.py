"""Chasing audit actions: the audits' reminder ladder (``rules.reminders``) for each open action.

An action is chased as an audit is: reminders to its owner 5 and 1 working days before its due
date, the overdue chase after it (copied to APS), the escalation to the owner's line manager at
5 working days overdue (copied to APS), then again every 5 working days until it is marked done.
The ladder starts after the day the action was set, as an audit's starts after its allocation.
Routing is the audits' (``rules.chase.route``), with the owner in the auditor's place.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from rules.chase import route, sent_by_stage
from rules.policy import ReminderPolicy
from rules.reminders import LadderStep, Rung, next_step, working_days_overdue

OWNER = "owner"
#: How a rung of an action's ladder is counted in a run's ``items_by_stage``.
ACTION_STAGE_PREFIX = "action_"


@dataclass(frozen=True, slots=True)
class OpenAction:
    """An action still to be done, as the chase reads it."""

    action_id: int
    audit_id: int
    case_ref: str
    owner_id: str
    set_on: date
    due_on: date


@dataclass(frozen=True, slots=True)
class ActionNotice:
    """One action's rung, as it appears in someone's digest."""

    action: OpenAction
    rung: Rung
    days_overdue: int


@dataclass
class ActionPlan:
    """A run's decisions for actions: each action's step, and each recipient's items by
    (staff_id, role)."""

    steps: list[tuple[OpenAction, LadderStep]] = field(default_factory=list)
    digests: dict[tuple[str, str], list[ActionNotice]] = field(default_factory=dict)
    unrouted: list[ActionNotice] = field(default_factory=list)  # escalations, no line manager

    def items_by_stage(self) -> dict[str, int]:
        return sent_by_stage((step for _, step in self.steps), ACTION_STAGE_PREFIX)


def plan_action_chase(
    actions: Sequence[OpenAction],
    recorded: Mapping[tuple[int, date], set[str]],
    line_managers: Mapping[str, str | None],
    aps_team: Sequence[str],
    today: date,
    policy: ReminderPolicy,
) -> ActionPlan:
    """Decide the run for ``today``'s open actions. ``recorded`` holds the rung keys already
    sent or superseded per (action_id, due_on); ``line_managers`` maps an owner to their line
    manager (or None)."""
    plan = ActionPlan()
    digests: dict[tuple[str, str], list[ActionNotice]] = defaultdict(list)
    for action in sorted(actions, key=lambda a: a.action_id):
        done = recorded.get((action.action_id, action.due_on), set())
        step = next_step(action.due_on, today, done, policy, allocated_on=action.set_on)
        if step.send is None and not step.superseded:
            continue
        plan.steps.append((action, step))
        if step.send is None:
            continue
        notice = ActionNotice(action, step.send, working_days_overdue(action.due_on, today))
        recipients, reached_manager = route(
            notice.rung.stage, action.owner_id, OWNER, line_managers, aps_team
        )
        if not reached_manager:
            plan.unrouted.append(notice)
        for recipient in recipients:
            digests[recipient].append(notice)
    plan.digests = dict(sorted(digests.items()))
    return plan
