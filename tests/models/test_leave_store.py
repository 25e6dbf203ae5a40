"""Recording and removing leave against real databases: the trail, refusals that change nothing,
and two records made at once for one person (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from models import leave_store
from models.db import session_scope
from models.people import StaffLeave
from models.trail import TrailEntry
from rules.leave import LeaveError
from tests.importer.helpers import dump
from tests.models.leave_people import import_people

NOV_2, NOV_6, NOV_9 = date(2026, 11, 2), date(2026, 11, 6), date(2026, 11, 9)


@pytest.fixture
def people(engine: Engine, tmp_path: Path) -> Engine:
    return import_people(engine, tmp_path)


def add(engine: Engine, staff: str, start: date, end: date, by: str, reason: str = "annual leave"):
    with session_scope(engine, write_lock=True) as session:
        return leave_store.leave_json(leave_store.add_leave(session, staff, start, end, reason, by))


def trail(engine: Engine) -> list[tuple[str, str, str, dict]]:
    with Session(engine) as session:
        entries = session.scalars(
            select(TrailEntry)
            .where(col(TrailEntry.subject_type) == "staff_leave")
            .order_by(col(TrailEntry.id))
        )
        return [(e.actor, e.action, e.subject_id, e.detail or {}) for e in entries]


def test_recording_and_removing_leave_goes_into_the_trail(people: Engine) -> None:
    shown = add(people, "TM001", NOV_2, NOV_6, "TM001", "  annual leave  ")
    assert shown == {
        "leave_id": 1, "staff_id": "TM001", "from": "2026-11-02", "to": "2026-11-06",
        "reason": "annual leave", "created_by": "TM001",
    }  # fmt: skip
    with session_scope(people, write_lock=True) as session:
        removed = leave_store.remove_leave(session, 1, "APS01")
        assert removed.staff_id == "TM001"
    with Session(people) as session:
        assert session.scalars(select(StaffLeave)).all() == []
    detail = {
        "staff_id": "TM001", "from": "2026-11-02", "to": "2026-11-06",
        "reason": "annual leave", "created_by": "TM001",
    }  # fmt: skip
    assert trail(people) == [
        ("TM001", "leave.recorded", "1", detail),
        ("APS01", "leave.removed", "1", detail),
    ]


@pytest.mark.parametrize(
    ("staff", "start", "end", "by", "reason", "message"),
    [
        ("TM002", NOV_9, NOV_9, "TM001", "x", "TM001 may record only their own leave"),
        ("TM001", NOV_9, NOV_9, "SM01", "x", "SM01 is a service_manager"),
        ("TM001", NOV_9, NOV_9, "APS02", "x", "APS02 is marked inactive"),
        ("TM001", NOV_9, NOV_9, "NOBODY", "x", "there is no member of staff NOBODY"),
        ("NOBODY", NOV_9, NOV_9, "APS01", "x", "there is no member of staff NOBODY"),
        ("TM001", NOV_9, NOV_2, "APS01", "x", r"ends \(2026-11-02\) before it starts"),
        ("TM001", NOV_9, NOV_9, "APS01", "\t", "a reason is required"),
        ("TM001", NOV_6, NOV_9, "APS01", "x", "TM001 already has leave 1 from 2026-11-02"),
    ],
)
def test_refused_leave_changes_nothing(
    people: Engine, staff: str, start: date, end: date, by: str, reason: str, message: str
) -> None:
    add(people, "TM001", NOV_2, NOV_6, "APS01")
    before = dump(people)
    with pytest.raises(LeaveError, match=message), session_scope(people) as session:
        leave_store.add_leave(session, staff, start, end, reason, by)
    assert dump(people) == before


def test_removing_someone_elses_leave_needs_aps(people: Engine) -> None:
    add(people, "TM002", NOV_2, NOV_6, "APS01")
    before = dump(people)
    for leave_id, by, message in [
        (1, "TM001", "TM001 may remove only their own leave: leave of TM002 needs"),
        (2, "APS01", "there is no leave 2"),
    ]:
        with pytest.raises(LeaveError, match=message), session_scope(people) as session:
            leave_store.remove_leave(session, leave_id, by)
    assert dump(people) == before
    with session_scope(people) as session:  # their own, though recorded by APS
        leave_store.remove_leave(session, 1, "TM002")


def test_adjacent_leave_is_recorded_and_listed_by_person_and_day(people: Engine) -> None:
    add(people, "TM001", NOV_2, NOV_6, "APS01")
    add(people, "TM001", date(2026, 11, 7), NOV_9, "TM001")
    add(people, "TM002", NOV_6, NOV_6, "TM002")
    with Session(people) as session:
        assert [x.id for x in leave_store.list_leave(session)] == [1, 3, 2]
        assert [x.id for x in leave_store.list_leave(session, "TM001")] == [1, 2]
        assert [x.id for x in leave_store.list_leave(session, on=NOV_6)] == [1, 3]
        assert leave_store.list_leave(session, "TM002", NOV_9) == []


def race(engine: Engine, attempts: list[tuple[date, date]]) -> list[BaseException | None]:
    """Record each of ``attempts`` for TM001 at the same moment, each in its own thread."""
    outcomes: list[BaseException | None] = []
    barrier = threading.Barrier(len(attempts))

    def one(start: date, end: date) -> None:
        barrier.wait(timeout=60)
        try:
            add(engine, "TM001", start, end, "APS01")
            outcomes.append(None)
        except BaseException as error:  # reported below, not lost in the thread
            outcomes.append(error)

    threads = [threading.Thread(target=one, args=attempt) for attempt in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def check_one_of_overlapping_leave_won(engine: Engine) -> None:
    attempts = [(NOV_2, NOV_9), (NOV_6, date(2026, 11, 13)), (date(2026, 11, 9), NOV_9)]
    outcomes = race(engine, attempts)
    assert len(outcomes) == 3 and outcomes.count(None) == 1, outcomes
    assert all(isinstance(o, LeaveError) for o in outcomes if o is not None), outcomes
    with Session(engine) as session:
        assert len(leave_store.list_leave(session, "TM001")) == 1


def test_overlapping_leave_recorded_at_once_on_sqlite_is_recorded_once(people: Engine) -> None:
    check_one_of_overlapping_leave_won(people)


@pytest.mark.postgres
def test_overlapping_leave_recorded_at_once_on_postgresql_is_recorded_once(
    pg_engine: Engine, tmp_path: Path
) -> None:
    import_people(pg_engine, tmp_path)
    check_one_of_overlapping_leave_won(pg_engine)
    # A reason in any script is stored and read back as written.
    add(pg_engine, "TM002", NOV_2, NOV_2, "TM002", "formation — congé")
    with Session(pg_engine) as session:
        assert [x.reason for x in leave_store.list_leave(session, "TM002")] == ["formation — congé"]
