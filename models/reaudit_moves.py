"""Moving re-audits out of months that will never be allocated (docs/domain.md, "Pauses").

A re-audit is planned into a month when its audit is completed. A pause entered later, or
entered after the fact, may cover that month's allocation day; a paused month is never
allocated, so the re-audit would stay there outstanding for ever, never emailed nor chased, and
counted as not done. :func:`move_paused_reaudits` moves each such re-audit to the month
:func:`rules.reaudits.cycle_after_pause` gives, with that month's allocation and due dates, and
returns the moves: one landing in a month already allocated missed that month's allocation
emails, and the caller writes its email (this module writes none).

It runs wherever pauses or re-audits change: when a pause is added or resumed
(:mod:`models.pause_store`, under the pauses' lock) and in the re-audit reconciliation the
allocation flow runs first (:func:`models.reaudit_store.reconcile_reaudits`), which also repairs
databases written before the rule. A move is not undone when a pause is later shortened.

The auditor: a moved re-audit is placed as a new one is. Its auditor keeps it while still
eligible in the new month (an active Team Manager outside the case's team, with no exemption or
leave that rules them out); otherwise it goes to the eligible Team Manager outside the case's
team with the fewest audits in that month. With nobody eligible it keeps its auditor: a re-audit
is never left in a month that will never be allocated.

Concurrency: each move is one conditional UPDATE (still outstanding, still in the month it was
read in), so of runs at once exactly one moves a re-audit and records it in the trail. The row
is updated in place: the index allowing one live re-audit per audit is never touched.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import select, update
from sqlmodel import Session, col

from models.allocation_store import load_pauses
from models.base import utcnow
from models.programme import Audit, Cycle
from models.reauditors import Reauditors, case_team_now, ensure_cycle
from models.trail import TrailEntry
from rules.due_dates import allocation_date, due_date
from rules.pauses import PauseSpell, pause_on
from rules.policy import Policy
from rules.reaudits import cycle_after_pause

MAX_REASON = 1000


@dataclass(frozen=True)
class ReauditMove:
    """One re-audit moved out of a paused month, as the caller needs it for the emails."""

    audit_id: int
    from_cycle: str
    to_cycle: str
    from_due_on: date
    to_due_on: date
    from_auditor_id: str
    auditor_id: str
    #: The new month is already allocated: its allocation emails have gone, so this
    #: re-audit's allocation email (with its invitation) is due at once.
    cycle_allocated: bool


class _Waiting(NamedTuple):
    """An outstanding re-audit in a month not allocated (plain columns, not an ORM object:
    the move is an UPDATE, and a loaded object would go stale in the caller's session)."""

    id: int
    cycle: str
    case_ref: str
    auditor_id: str
    auditor_team: str
    auditor_service_area: str
    case_team: str
    case_service_area: str
    allocated_on: date
    due_on: date
    reason: str


def move_paused_reaudits(
    session: Session, policy: Policy, today: date, actor: str
) -> list[ReauditMove]:
    """Move every outstanding re-audit out of a month not allocated whose allocation day falls
    in a pause (not committed); the moves made, by audit id. Call it holding the pauses' lock
    (:func:`models.pause_store.lock_pauses`), so that the pauses it reads stay as they are."""
    pauses = load_pauses(session)
    by_month: dict[str, list[_Waiting]] = defaultdict(list)
    for waiting in _waiting(session):
        month = cycle_after_pause(waiting.cycle, today, policy.due_dates, pauses)
        if month is not None:
            by_month[month].append(waiting)
    moves: list[ReauditMove] = []
    for month, waiting_ones in sorted(by_month.items()):
        target = _target(session, month, policy)
        for waiting in waiting_ones:
            move = _move_one(session, waiting, target, pauses, actor)
            if move is not None:
                moves.append(move)
    return sorted(moves, key=lambda m: m.audit_id)


@dataclass
class _Target:
    """The month re-audits move into: its dates, whether it is allocated, who may audit."""

    month: str
    starts: date
    due: date
    allocated: bool
    pool: Reauditors


def _target(session: Session, month: str, policy: Policy) -> _Target:
    ensure_cycle(session, month, policy.theme_for(month))
    status = session.scalar(select(col(Cycle.status)).where(col(Cycle.month) == month))
    return _Target(
        month,
        allocation_date(month),
        due_date(month, policy.due_dates),
        status == "allocated",
        Reauditors(session, month, policy),
    )


def _waiting(session: Session) -> list[_Waiting]:
    """Outstanding re-audits in months not allocated (planned): few, the months ahead."""
    query = (
        select(*(getattr(Audit, name) for name in _Waiting._fields))
        .join(Cycle, col(Cycle.month) == col(Audit.cycle))
        .where(
            col(Audit.kind) == "reaudit",
            col(Audit.status) == "allocated",
            col(Cycle.status) != "allocated",
        )
        .order_by(col(Audit.id))
    )
    return [_Waiting(*row) for row in session.execute(query)]


def _move_one(
    session: Session, waiting: _Waiting, to: _Target, pauses: list[PauseSpell], actor: str
) -> ReauditMove | None:
    snapshot = (waiting.case_team, waiting.case_service_area)
    case = case_team_now(session, waiting.case_ref, snapshot)
    auditor, why = _auditor(to, waiting, *case)
    pause = pause_on(allocation_date(waiting.cycle), pauses)
    paused_by = pause.name if pause else "a pause"
    note = f"moved from {waiting.cycle} to {to.month} ({waiting.cycle} is paused by {paused_by})"
    if not _claim(session, waiting, to, auditor, case, f"{waiting.reason}; {note}: {why}"):
        return None  # another run moved it (or it was completed or released) meanwhile
    if auditor[0] in to.pool.eligible:
        to.pool.took_one(auditor[0])
    detail = {
        "from_cycle": waiting.cycle, "to_cycle": to.month,
        "from_allocated_on": waiting.allocated_on.isoformat(),
        "to_allocated_on": to.starts.isoformat(),
        "from_due_on": waiting.due_on.isoformat(), "to_due_on": to.due.isoformat(),
        "from_auditor_id": waiting.auditor_id, "auditor_id": auditor[0],
        "pause_id": pause.pause_id if pause else None, "why": why,
    }  # fmt: skip
    _trail(session, actor, waiting.id, detail)
    return ReauditMove(
        waiting.id, waiting.cycle, to.month, waiting.due_on, to.due, waiting.auditor_id,
        auditor[0], to.allocated,
    )  # fmt: skip


def _claim(
    session: Session,
    waiting: _Waiting,
    to: _Target,
    auditor: tuple[str, str, str],
    case: tuple[str, str],
    reason: str,
) -> bool:
    """Move the row, if it is still outstanding in the month it was read in: one UPDATE, so
    that of runs at once exactly one moves it."""
    claim = (
        update(Audit)
        .where(
            col(Audit.id) == waiting.id,
            col(Audit.cycle) == waiting.cycle,
            col(Audit.status) == "allocated",
        )
        .values(
            cycle=to.month,
            allocated_on=to.starts,
            due_on=to.due,
            original_due_on=to.due,
            auditor_id=auditor[0],
            auditor_team=auditor[1],
            auditor_service_area=auditor[2],
            case_team=case[0],
            case_service_area=case[1],
            reason=reason[:MAX_REASON],
            updated_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    return session.exec(claim).rowcount == 1


def _auditor(
    to: _Target, waiting: _Waiting, case_team: str, case_area: str
) -> tuple[tuple[str, str, str], str]:
    """(staff id, team, service area) of the moved re-audit's auditor, and why."""
    choice = to.pool.choose(waiting.auditor_id, case_team, case_area)
    if choice is None:
        kept = (waiting.auditor_id, waiting.auditor_team, waiting.auditor_service_area)
        return kept, f"no Team Manager is eligible in {to.month}, so {waiting.auditor_id} keeps it"
    chosen = choice.auditor
    if chosen.staff_id == waiting.auditor_id:
        why = f"{chosen.staff_id} keeps it, still eligible in {to.month}"
    else:
        why = choice.why
    return (chosen.staff_id, chosen.team, chosen.service_area), why


def _trail(session: Session, actor: str, audit_id: int, detail: dict[str, Any]) -> None:
    session.add(
        TrailEntry(
            actor=actor,
            action="reaudit.moved",
            subject_type="audit",
            subject_id=str(audit_id),
            detail=detail,
        )
    )
