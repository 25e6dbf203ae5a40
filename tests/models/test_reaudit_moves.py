"""Re-audits planned into a month that a pause keeps from being allocated, against real databases.

A small council is imported, November 2026 allocated, three audits completed on Fri 20 Nov with
poor judgements and their re-audits scheduled into February 2027 (allocated Mon 1 Feb, due Fri
26 Feb). A pause from Mon 25 Jan to Wed 10 Feb 2027 then covers February's allocation day: the
re-audits move to March (allocated Mon 1 Mar, due Wed 31 Mar), whenever and however the pause
is entered, and an existing database is repaired by the reconciliation.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from flows.allocate import allocate_cycle
from models import pause_store, reaudit_store
from models.audit_store import complete_audit
from models.base import saved_id
from models.db import make_engine, session_scope
from models.people import Staff
from models.programme import Audit, Cycle, Pause
from models.reaudit_moves import ReauditMove
from models.trail import TrailEntry
from rules.pauses import PauseError
from tests.flows.council import POLICY, seed_council
from tests.rules.labelled_dates import day

NOV_20, NOV_24 = day("Fri 2026-11-20"), day("Tue 2026-11-24")
FEB_26 = day("Fri 2027-02-26")
MAR_1, MAR_5, MAR_31 = day("Mon 2027-03-01"), day("Fri 2027-03-05"), day("Wed 2027-03-31")
PAUSE = (day("Mon 2027-01-25"), day("Wed 2027-02-10"))


@pytest.fixture
def council(engine: Engine, tmp_path: Path) -> Engine:
    return planned(engine, tmp_path)


def planned(engine: Engine, folder: Path) -> Engine:
    """November allocated; three re-audits planned into February 2027."""
    seed_council(engine, folder, cases=300)
    with session_scope(engine, write_lock=True) as session:
        allocate_cycle(session, POLICY, "2026-11", "all")
    with session_scope(engine, write_lock=True) as session:
        audits = session.scalars(select(Audit).order_by(col(Audit.id)).limit(3)).all()
        poor = ("inadequate", "requires_improvement", "inadequate")
        for audit, judgement in zip(audits, poor, strict=True):
            complete_audit(session, saved_id(audit), NOV_20, judgement, NOV_20)
    with session_scope(engine, write_lock=True) as session:
        made = reaudit_store.schedule_reaudits(session, POLICY, NOV_20)
    assert [a.cycle for a in made] == ["2027-02"] * 3
    return engine


def reaudits(engine: Engine) -> list[Audit]:
    with Session(engine) as session:
        query = select(Audit).where(col(Audit.kind) == "reaudit").order_by(col(Audit.id))
        return list(session.scalars(query))


def add_pause(engine: Engine, today: Any) -> pause_store.Effects:
    with session_scope(engine, write_lock=True) as session:
        _, effects = pause_store.add_pause(
            session, *PAUSE, "Ofsted inspection", "APS01", today, POLICY
        )
    return effects


def pause_recorded_before_the_rule(engine: Engine) -> None:
    """The pause as a database written before re-audits were moved holds it: recorded, with
    the re-audits still in February."""
    with session_scope(engine) as session:
        session.add(Pause(starts_on=PAUSE[0], ends_on=PAUSE[1], reason="Ofsted", created_by="cli"))


def reconcile(engine: Engine, today: Any) -> reaudit_store.Reconciled:
    with session_scope(engine, write_lock=True) as session:
        return reaudit_store.reconcile_reaudits(session, POLICY, today)


def moved_trail(engine: Engine) -> list[TrailEntry]:
    with Session(engine) as session:
        query = select(TrailEntry).where(col(TrailEntry.action) == "reaudit.moved")
        return list(session.scalars(query.order_by(col(TrailEntry.id))))


def test_a_pause_entered_after_reaudits_were_planned_moves_them_on(council: Engine) -> None:
    before = reaudits(council)
    effects = add_pause(council, NOV_24)
    assert effects.applied == []  # not over yet: no due date moves
    assert effects.reaudits_moved == [
        ReauditMove(saved_id(a), "2027-02", "2027-03", FEB_26, MAR_31, a.auditor_id, a.auditor_id,
                    cycle_allocated=False)
        for a in before
    ]  # fmt: skip
    for old, new in zip(before, reaudits(council), strict=True):
        assert (new.cycle, new.allocated_on, new.due_on, new.original_due_on) == (
            "2027-03", MAR_1, MAR_31, MAR_31,
        )  # fmt: skip
        assert (new.status, new.parent_audit_id, new.auditor_id) == (
            "allocated", old.parent_audit_id, old.auditor_id,
        )  # fmt: skip
        assert new.reason == (
            f"{old.reason}; moved from 2027-02 to 2027-03 (2027-02 is paused by pause 1): "
            f"{old.auditor_id} keeps it, still eligible in 2027-03"
        )
    with Session(council) as session:
        march = session.get(Cycle, "2027-03")
        assert march is not None and march.status == "planned"
    [first, *_] = moved_trail(council)
    assert (first.subject_id, first.actor) == (str(before[0].id), "APS01")
    assert first.detail == {
        "from_cycle": "2027-02", "to_cycle": "2027-03",
        "from_allocated_on": "2027-02-01", "to_allocated_on": "2027-03-01",
        "from_due_on": "2027-02-26", "to_due_on": "2027-03-31",
        "from_auditor_id": before[0].auditor_id, "auditor_id": before[0].auditor_id,
        "pause_id": 1, "why": f"{before[0].auditor_id} keeps it, still eligible in 2027-03",
    }  # fmt: skip
    # Nothing more to move, from anywhere: February's allocation is paused and moves nothing.
    assert reconcile(council, NOV_24) == reaudit_store.Reconciled([], [])
    with session_scope(council, write_lock=True) as session:
        outcome = allocate_cycle(session, POLICY, "2027-02", None)
    assert outcome.paused and outcome.reaudits_scheduled == {}
    assert len(moved_trail(council)) == 3


def test_march_is_allocated_with_the_moved_reaudits(council: Engine) -> None:
    add_pause(council, NOV_24)
    with session_scope(council, write_lock=True) as session:
        outcome = allocate_cycle(session, POLICY, "2027-03", None)
    assert outcome.audits and not outcome.already_allocated
    with Session(council) as session:
        march = session.scalars(select(Audit).where(col(Audit.cycle) == "2027-03")).all()
    moved = {a.case_ref for a in march if a.kind == "reaudit"}
    assert len(moved) == 3
    assert not moved & {a.case_ref for a in march if a.kind == "audit"}  # never twice a cycle


def test_a_pause_entered_after_the_fact_moves_them_into_the_cycle_under_way(
    council: Engine,
) -> None:
    """February was never allocated (the programme was on hold) and March was, on Mon 1 Mar;
    the pause is recorded on Fri 5 Mar: the re-audits join March, whose allocation emails have
    gone, so the caller is told to send theirs now."""
    with session_scope(council, write_lock=True) as session:
        allocate_cycle(session, POLICY, "2027-03", None)
    effects = add_pause(council, MAR_5)
    [applied] = effects.applied  # over: applied at once
    # November's audits still outstanding were overdue (due Mon 30 Nov) when it began: kept.
    assert applied.working_days > 0 and applied.moves == () and effects.due_dates_moved == []
    assert [(m.to_cycle, m.to_due_on, m.cycle_allocated) for m in effects.reaudits_moved] == [
        ("2027-03", MAR_31, True)
    ] * 3
    assert {a.cycle for a in reaudits(council)} == {"2027-03"}


def test_a_moved_reaudit_whose_auditor_is_no_longer_eligible_goes_to_another(
    council: Engine,
) -> None:
    first = reaudits(council)[0]
    with session_scope(council) as session:
        session.execute(
            update(Staff).where(col(Staff.staff_id) == first.auditor_id).values(active=False)
        )
    effects = add_pause(council, NOV_24)
    move = next(m for m in effects.reaudits_moved if m.audit_id == first.id)
    assert move.from_auditor_id == first.auditor_id != move.auditor_id
    with Session(council) as session:
        now = session.get(Audit, first.id)
        replacement = session.get(Staff, move.auditor_id)
    assert now is not None and replacement is not None
    assert (now.auditor_id, now.auditor_team) == (replacement.staff_id, replacement.team)
    assert replacement.active and replacement.team != now.case_team
    why = next(t.detail for t in moved_trail(council) if t.subject_id == str(first.id))
    assert why is not None and why["why"].startswith(f"{first.auditor_id} cannot: marked inactive")


def test_released_reaudits_stay_where_they_are(council: Engine) -> None:
    first = reaudits(council)[0]
    with session_scope(council) as session:
        session.execute(update(Audit).where(col(Audit.id) == first.id).values(status="withdrawn"))
    effects = add_pause(council, NOV_24)
    assert first.id not in {m.audit_id for m in effects.reaudits_moved}
    assert [a.cycle for a in reaudits(council)] == ["2027-02", "2027-03", "2027-03"]


def test_a_pause_leaving_them_nowhere_to_go_is_refused(council: Engine) -> None:
    nowhere = "could not move: no cycle without a pause within 120 months"
    # Raised through the session's scope, as from the CLI and the page: all rolled back.
    with pytest.raises(PauseError, match=nowhere), session_scope(council) as session:
        pause_store.add_pause(
            session, PAUSE[0], day("Fri 2099-01-02"), "indefinite", None, NOV_24, POLICY
        )
    with Session(council) as session:
        assert session.scalars(select(Pause)).all() == []
    assert {a.cycle for a in reaudits(council)} == {"2027-02"}


def test_the_reconciliation_repairs_a_database_written_before_the_rule(council: Engine) -> None:
    pause_recorded_before_the_rule(council)
    assert {a.cycle for a in reaudits(council)} == {"2027-02"}
    # The allocation of March, on its day, reconciles first: the re-audits join March, which it
    # then allocates (their allocation emails go with March's).
    with session_scope(council, write_lock=True) as session:
        outcome = allocate_cycle(session, POLICY, "2027-03", None)
    assert outcome.audits
    assert {(a.cycle, a.due_on) for a in reaudits(council)} == {("2027-03", MAR_31)}
    assert [t.actor for t in moved_trail(council)] == ["allocate-monthly-audits"] * 3
    assert reconcile(council, MAR_1).moved == []


def test_one_reconciliation_moves_and_creates(council: Engine) -> None:
    """Repaired long after (Thu 1 Apr, March over): into April, never into the past; and a
    re-audit missing meanwhile is made in the same run."""
    pause_recorded_before_the_rule(council)
    with session_scope(council, write_lock=True) as session:
        audit_id = session.scalars(
            select(col(Audit.id)).where(
                col(Audit.status) == "allocated", col(Audit.cycle) == "2026-11"
            )
        ).first()
        assert audit_id is not None
        on = day("Mon 2026-11-30")
        complete_audit(session, audit_id, on, "inadequate", on)
    done = reconcile(council, day("Thu 2027-04-01"))
    assert [(m.from_cycle, m.to_cycle) for m in done.moved] == [("2027-02", "2027-04")] * 3
    assert [a.cycle for a in done.created] == ["2027-04"]
    assert {a.cycle for a in reaudits(council)} == {"2027-04"}


def _in_thread(url: str, work: Callable[[Session], Any], results: list[Any], wait: Any) -> None:
    engine = make_engine(url)
    try:
        wait()
        with session_scope(engine, write_lock=True) as session:
            results.append(work(session))
    except Exception as error:  # reported by the test
        results.append(error)
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_a_pause_and_reconciliations_at_once_on_postgres_move_each_reaudit_once(
    pg_engine: Engine, postgres_url: str, tmp_path: Path
) -> None:
    """The pause is added while two reconciliations run: whichever comes first, each re-audit
    is moved once, by one of them, with one trail entry."""
    planned(pg_engine, tmp_path)

    def pause(session: Session) -> list[ReauditMove]:
        _, effects = pause_store.add_pause(session, *PAUSE, "Ofsted", "APS01", NOV_24, POLICY)
        return effects.reaudits_moved

    def repair(session: Session) -> list[ReauditMove]:
        return reaudit_store.reconcile_reaudits(session, POLICY, NOV_24).moved

    barrier = threading.Barrier(3)
    results: list[Any] = []
    threads = [
        threading.Thread(target=_in_thread, args=(postgres_url, work, results, barrier.wait))
        for work in (pause, repair, repair)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(results) == 3 and not [r for r in results if isinstance(r, Exception)], results
    moved = sorted(m.audit_id for r in results for m in r)
    assert moved == [a.id for a in reaudits(pg_engine)]
    assert {a.cycle for a in reaudits(pg_engine)} == {"2027-03"}
    assert len(moved_trail(pg_engine)) == 3
