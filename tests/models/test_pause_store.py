"""Pauses against real databases: recording, resuming, and moving due dates once.

A small council is imported and November 2026 allocated on Mon 2 Nov (every audit due Mon 30 Nov
2026); pauses then go through ``models.pause_store`` as the CLI and the web page use it.
"""

from __future__ import annotations

import dataclasses
import threading
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from flows.allocate import allocate_cycle
from flows.chase import decide_run, plan_today
from models import pause_store, request_store
from models.base import saved_id
from models.db import make_engine, session_scope
from models.people import Staff
from models.programme import Audit, Pause
from models.trail import TrailEntry
from rules.pauses import PauseError
from rules.requests import RequestError
from tests.flows.council import POLICY, seed_council
from tests.rules.labelled_dates import day

DUE = day("Mon 2026-11-30")
BASE_URL = "https://audits.example.gov.uk"


def allocated(engine: Engine, folder: Path) -> Engine:
    seed_council(engine, folder, cases=300)
    with session_scope(engine, write_lock=True) as session:
        allocate_cycle(session, POLICY, "2026-11", "all")
    return engine


@pytest.fixture
def council(engine: Engine, tmp_path: Path) -> Engine:
    return allocated(engine, tmp_path)


def record(
    engine: Engine,
    starts: str,
    ends: str,
    today: str = "Tue 2026-11-10",
    by: str | None = "APS01",
    policy: Any = POLICY,
) -> tuple[Pause, pause_store.Effects]:
    with session_scope(engine, write_lock=True) as session:
        return pause_store.add_pause(
            session, day(starts), day(ends), "Ofsted inspection", by, day(today), policy
        )


def add(engine: Engine, starts: str, ends: str, **options: Any) -> Pause:
    return record(engine, starts, ends, **options)[0]


def resume(engine: Engine, on: str, today: str) -> tuple[Pause, list[pause_store.Applied]]:
    with session_scope(engine, write_lock=True) as session:
        pause, effects = pause_store.resume(session, day(on), "APS01", day(today), POLICY)
    return pause, effects.applied


def apply(engine: Engine, today: str) -> list[pause_store.Applied]:
    with session_scope(engine, write_lock=True) as session:
        return pause_store.apply_ended_pauses(session, day(today), "test")


def due_dates(engine: Engine) -> dict[int, tuple[date, date]]:
    with Session(engine) as session:
        rows = session.execute(
            select(col(Audit.id), col(Audit.due_on), col(Audit.original_due_on))
        ).all()
    return {audit_id: (due, original) for audit_id, due, original in rows}


def actions(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return list(session.scalars(select(col(TrailEntry.action)).order_by(col(TrailEntry.id))))


def test_a_pause_moves_due_dates_once_when_it_is_over(council: Engine) -> None:
    pause = add(council, "Mon 2026-11-16", "Fri 2026-11-20")
    assert (pause.move_due_dates, pause.applied_on, pause.created_by) == (True, None, "APS01")
    before = due_dates(council)
    assert set(before.values()) == {(DUE, DUE)}
    assert apply(council, "Fri 2026-11-20") == []  # its last day: not over yet
    assert due_dates(council) == before

    [applied] = apply(council, "Mon 2026-11-23")
    assert (applied.working_days, applied.audits_moved) == (5, len(before))
    assert applied.moves == tuple(
        pause_store.DueDateMove(i, DUE, day("Mon 2026-12-07")) for i in sorted(before)
    )
    assert set(due_dates(council).values()) == {
        (day("Mon 2026-12-07"), day("Mon 2026-12-07"))
    }  # original too
    with Session(council) as session:
        stored = session.get(Pause, pause.id)
        assert stored is not None
        assert (stored.applied_on, stored.moved_working_days) == (day("Mon 2026-11-23"), 5)
        moves = session.scalars(
            select(TrailEntry).where(col(TrailEntry.action) == "audit.due_date_moved")
        ).all()
    assert len(moves) == len(before)
    assert {m.subject_id for m in moves} == {str(i) for i in before}
    assert moves[0].detail == {
        "pause_id": pause.id, "from": "2026-11-30", "to": "2026-12-07",
        "original_from": "2026-11-30", "original_to": "2026-12-07", "working_days": 5,
    }  # fmt: skip
    assert actions(council).count("pause.applied") == 1

    # Never twice: another run, however much later, changes nothing.
    trail_length = len(actions(council))
    assert apply(council, "Tue 2026-11-24") == []
    assert apply(council, "Mon 2027-01-04") == []
    assert set(due_dates(council).values()) == {(day("Mon 2026-12-07"), day("Mon 2026-12-07"))}
    assert len(actions(council)) == trail_length


def test_an_extension_after_a_pause_counts_its_limit_from_the_moved_date(council: Engine) -> None:
    """A pause is not an extension: once it has moved an audit on by 5 working days, the audit
    may still be extended by the policy's 10 working days from there (Mon 7 to Mon 21 Dec)."""
    add(council, "Mon 2026-11-16", "Fri 2026-11-20")
    apply(council, "Mon 2026-11-23")
    with Session(council) as session:
        audit = session.scalars(select(Audit).order_by(col(Audit.id))).first()
        assert audit is not None and audit.id is not None
        audit_id, auditor = audit.id, audit.auditor_id
    assert POLICY.max_extension_working_days == 10
    with (
        session_scope(council) as session,
        pytest.raises(RequestError, match="the latest date allowed is 2026-12-21"),
    ):
        request_store.request_extension(
            session, audit_id, day("Tue 2026-12-22"), "case file", auditor, day("Tue 2026-11-24"),
            POLICY,
        )  # fmt: skip
    with session_scope(council) as session:
        made = request_store.request_extension(
            session, audit_id, day("Mon 2026-12-21"), "case file", auditor, day("Tue 2026-11-24"),
            POLICY,
        )  # fmt: skip
        assert made.requested_until == day("Mon 2026-12-21")


def test_an_early_resume_moves_by_the_days_actually_paused(council: Engine) -> None:
    add(council, "Mon 2026-11-16", "Fri 2026-11-27")
    pause, applied = resume(council, on="Thu 2026-11-19", today="Thu 2026-11-19")
    assert pause.resumed_on == day("Thu 2026-11-19")
    assert [(a.working_days, a.audits_moved > 0) for a in applied] == [(3, True)]
    assert set(due_dates(council).values()) == {(day("Thu 2026-12-03"), day("Thu 2026-12-03"))}
    # The rest of the planned pause is free, and nothing is applied again.
    with pytest.raises(PauseError, match="no pause is in force on 2026-11-20"):
        resume(council, on="Fri 2026-11-20", today="Fri 2026-11-20")
    assert apply(council, "Mon 2026-11-30") == []
    assert set(due_dates(council).values()) == {(day("Thu 2026-12-03"), day("Thu 2026-12-03"))}
    trail = actions(council)
    assert trail.index("pause.resumed") < trail.index("audit.due_date_moved")
    assert trail[-1] == "pause.applied" and trail.count("pause.applied") == 1
    assert trail.count("audit.due_date_moved") == len(due_dates(council))


def test_a_resume_planned_ahead_waits_for_its_day(council: Engine) -> None:
    add(council, "Mon 2026-11-16", "Fri 2026-11-27")
    _, applied = resume(council, on="Mon 2026-11-23", today="Tue 2026-11-17")
    assert applied == []
    assert set(due_dates(council).values()) == {(DUE, DUE)}
    [later] = apply(council, "Mon 2026-11-23")
    assert later.working_days == 5
    assert set(due_dates(council).values()) == {(day("Mon 2026-12-07"), day("Mon 2026-12-07"))}


def test_an_applied_pause_cannot_be_shortened_afterwards(council: Engine) -> None:
    add(council, "Mon 2026-11-16", "Fri 2026-11-20")
    apply(council, "Mon 2026-11-23")
    with pytest.raises(PauseError, match="was applied on 2026-11-23: it can no longer be resumed"):
        resume(council, on="Wed 2026-11-18", today="Tue 2026-11-24")
    assert set(due_dates(council).values()) == {(day("Mon 2026-12-07"), day("Mon 2026-12-07"))}


def test_only_audits_outstanding_at_its_start_move(council: Engine) -> None:
    with session_scope(council) as session:
        audits = session.scalars(select(Audit).order_by(col(Audit.id))).all()
        before, during, released = audits[0], audits[1], audits[2]
        before.status, before.completed_on = "completed", day("Fri 2026-11-13")
        during.status, during.completed_on = "completed", day("Wed 2026-11-18")
        released.status = "withdrawn"
        late = Audit(
            **{**audits[3].model_dump(exclude={"id"}), "allocated_on": day("Tue 2026-11-17")}
        )
        session.add_all([before, during, released, late])
        session.flush()
        ids = {"before": before.id, "during": during.id, "released": released.id, "late": late.id}
    add(council, "Mon 2026-11-16", "Fri 2026-11-20")
    [applied] = apply(council, "Mon 2026-11-23")
    dates = due_dates(council)
    moved = {i for i, (due, _) in dates.items() if due == day("Mon 2026-12-07")}
    assert applied.audits_moved == len(dates) - 3
    assert ids["during"] in moved  # it was outstanding when the pause started
    assert not {ids["before"], ids["released"], ids["late"]} & moved


def test_an_audit_already_overdue_when_the_pause_starts_keeps_its_due_date(
    council: Engine,
) -> None:
    """Pause Mon 16 to Fri 20 Nov (5 working days). Due Fri 13 Nov: overdue on its first day,
    kept. Due Mon 16 Nov, its first day: not yet overdue, moved to Mon 23 Nov. Extended from Fri
    13 to Fri 20 Nov: not overdue, so both dates move and the extension's room is kept."""
    dates = {
        "overdue": (day("Fri 2026-11-13"), day("Fri 2026-11-13")),
        "first day": (day("Mon 2026-11-16"), day("Mon 2026-11-16")),
        "extended": (day("Fri 2026-11-20"), day("Fri 2026-11-13")),
    }
    with session_scope(council) as session:
        audits = session.scalars(select(Audit).order_by(col(Audit.id))).all()
        ids: dict[str, int] = {}
        for audit, (label, (due, original)) in zip(audits, dates.items(), strict=False):
            audit.due_on, audit.original_due_on = due, original
            ids[label] = saved_id(audit)
    add(council, "Mon 2026-11-16", "Fri 2026-11-20")
    [applied] = apply(council, "Mon 2026-11-23")
    now = due_dates(council)
    assert now[ids["overdue"]] == dates["overdue"]
    assert now[ids["first day"]] == (day("Mon 2026-11-23"), day("Mon 2026-11-23"))
    assert now[ids["extended"]] == (day("Fri 2026-11-27"), day("Fri 2026-11-20"))
    assert ids["overdue"] not in {m.audit_id for m in applied.moves}
    assert applied.audits_moved == len(now) - 1 == len(applied.moves)
    assert (
        pause_store.DueDateMove(ids["first day"], day("Mon 2026-11-16"), day("Mon 2026-11-23"))
        in applied.moves
    )
    with Session(council) as session:
        moved = session.scalars(
            select(col(TrailEntry.subject_id)).where(
                col(TrailEntry.action) == "audit.due_date_moved"
            )
        ).all()
    assert str(ids["overdue"]) not in moved and len(moved) == len(now) - 1


def test_with_the_policy_off_due_dates_are_kept(council: Engine) -> None:
    keep = dataclasses.replace(POLICY, move_due_dates_on_pause=False)
    pause = add(council, "Mon 2026-11-16", "Fri 2026-11-20", policy=keep)
    assert pause.move_due_dates is False
    [applied] = apply(council, "Mon 2026-11-23")
    assert (applied.working_days, applied.audits_moved, applied.move_due_dates) == (0, 0, False)
    assert set(due_dates(council).values()) == {(DUE, DUE)}
    with Session(council) as session:
        stored = session.get(Pause, pause.id)
        assert stored is not None and stored.applied_on == day("Mon 2026-11-23")
    assert "audit.due_date_moved" not in actions(council)


def test_a_pause_already_over_when_recorded_is_applied_at_once(council: Engine) -> None:
    pause, effects = record(council, "Mon 2026-11-16", "Fri 2026-11-20", today="Wed 2026-11-25")
    assert pause.applied_on == day("Wed 2026-11-25")
    [applied] = effects.applied
    assert [m.audit_id for m in effects.due_dates_moved] == sorted(due_dates(council))
    assert applied.moves == tuple(effects.due_dates_moved) and effects.reaudits_moved == []
    assert set(due_dates(council).values()) == {(day("Mon 2026-12-07"), day("Mon 2026-12-07"))}


@pytest.mark.parametrize(
    ("starts", "ends", "by", "error"),
    [
        ("Wed 2026-11-18", "Mon 2026-11-30", "APS01", "overlaps pause 1"),
        ("Mon 2026-12-07", "Fri 2026-12-04", "APS01", "must end after it starts"),
        ("Mon 2026-12-07", "Fri 2026-12-11", "TM001", "TM001 is not an active member of the APS"),
        ("Mon 2026-12-07", "Fri 2026-12-11", "NOBODY", "there is no member of staff NOBODY"),
    ],
)
def test_refused_pauses_change_nothing(
    council: Engine, starts: str, ends: str, by: str, error: str
) -> None:
    add(council, "Mon 2026-11-16", "Fri 2026-11-20")
    trail_length = len(actions(council))
    with pytest.raises(PauseError, match=error):
        add(council, starts, ends, by=by)
    with Session(council) as session:
        assert session.execute(select(func.count()).select_from(Pause)).scalar_one() == 1
    assert len(actions(council)) == trail_length


def test_an_inactive_aps_member_may_not_pause(council: Engine) -> None:
    with session_scope(council) as session:
        person = session.get(Staff, "APS02")
        assert person is not None and person.role == "aps"
        person.active = False
    with pytest.raises(PauseError, match="APS02 is not an active member"):
        add(council, "Mon 2026-12-07", "Fri 2026-12-11", by="APS02")


def test_the_chase_applies_the_pause_and_its_ladder_moves(council: Engine) -> None:
    """Without the pause the audits due Mon 30 Nov get their 5-day reminder on Mon 23 Nov; with
    it (Mon 16 to Fri 20 Nov) they are due Mon 7 Dec, so the reminder comes on Mon 30 Nov."""
    with Session(council) as session:
        unpaused = plan_today(session, POLICY, day("Mon 2026-11-23"))
    assert unpaused.items_by_stage() == {"due_in_5": len(due_dates(council))}
    add(council, "Mon 2026-11-16", "Fri 2026-11-20")
    paused = decide_run(council, POLICY, day("Fri 2026-11-20"), BASE_URL)
    assert paused.skipped and "paused" in paused.skipped
    assert set(due_dates(council).values()) == {(DUE, DUE)}  # not yet over

    summary = decide_run(council, POLICY, day("Mon 2026-11-23"), BASE_URL)
    assert summary.skipped is None and summary.items_by_stage == {}
    assert set(due_dates(council).values()) == {(day("Mon 2026-12-07"), day("Mon 2026-12-07"))}
    with Session(council) as session:
        later = plan_today(session, POLICY, day("Mon 2026-11-30"))
    assert later.items_by_stage() == {"due_in_5": len(due_dates(council))}
    assert {step.send.on for _, step in later.steps if step.send} == {day("Mon 2026-11-30")}


def test_a_dry_run_of_the_chase_applies_nothing(council: Engine) -> None:
    add(council, "Mon 2026-11-16", "Fri 2026-11-20")
    decide_run(council, POLICY, day("Mon 2026-11-23"), BASE_URL, dry_run=True)
    decide_run(council, POLICY, day("Sat 2026-11-28"), BASE_URL, dry_run=True)  # skipped day
    assert set(due_dates(council).values()) == {(DUE, DUE)}
    with Session(council) as session:
        assert session.scalars(select(col(Pause.applied_on))).one() is None


def _apply_in_thread(url: str, results: list[Any], wait: Any) -> None:
    engine = make_engine(url)
    try:
        wait()
        with session_scope(engine, write_lock=True) as session:
            results.append(pause_store.apply_ended_pauses(session, day("Mon 2026-11-23"), "t"))
    except Exception as error:  # reported by the test
        results.append(error)
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_runs_at_once_on_postgres_apply_a_pause_once(
    pg_engine: Engine, postgres_url: str, tmp_path: Path
) -> None:
    allocated(pg_engine, tmp_path)
    add(pg_engine, "Mon 2026-11-16", "Fri 2026-11-20")
    count = len(due_dates(pg_engine))
    barrier = threading.Barrier(3)
    results: list[Any] = []
    threads = [
        threading.Thread(target=_apply_in_thread, args=(postgres_url, results, barrier.wait))
        for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(len(r) for r in results) == [0, 0, 1], results
    [[applied]] = [r for r in results if r]
    assert (applied.working_days, applied.audits_moved) == (5, count)
    assert set(due_dates(pg_engine).values()) == {(day("Mon 2026-12-07"), day("Mon 2026-12-07"))}
    assert actions(pg_engine).count("audit.due_date_moved") == count
