"""Allocation and re-audits honour recorded leave (docs/domain.md), on SQLite and PostgreSQL.

Leave is recorded through the leave store, as ``audits leave add`` does; months are allocated
through ``allocate_cycle``, the allocation flow's whole job.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from flows.allocate import allocate_cycle
from models import allocation_store as store
from models import leave_store
from models.db import session_scope
from models.programme import Audit, Cycle
from models.trail import TrailEntry
from tests.flows.council import POLICY, seed_council
from tests.models.test_reaudit_store import allocated, audits, complete, schedule


def record_leave(engine: Engine, staff_id: str, start: date, end: date) -> None:
    with session_scope(engine, write_lock=True) as session:
        leave_store.add_leave(session, staff_id, start, end, "annual leave", "APS01")


def explanation(engine: Engine, month: str) -> dict:
    with Session(engine) as session:
        cycle = session.get(Cycle, month)
        assert cycle is not None
        return store.explanation(cycle)


def check_leave_for_the_cycle_is_honoured(engine: Engine, folder: Path) -> None:
    """November 2026: allocated Mon 2 Nov, due Mon 30 Nov."""
    seed_council(engine, folder, cases=300)
    record_leave(engine, "TM001", date(2026, 10, 26), date(2026, 11, 30))  # the whole cycle
    record_leave(engine, "TM002", date(2026, 11, 2), date(2026, 11, 23))  # leaves Nov 24-30
    record_leave(engine, "TM003", date(2026, 11, 2), date(2026, 11, 24))  # leaves Nov 25-30
    with session_scope(engine, write_lock=True) as session:
        outcome = allocate_cycle(session, POLICY, "2026-11", "all")
    allocated_to = {row["auditor_id"] for row in outcome.audits}
    assert "TM001" not in allocated_to and "TM003" not in allocated_to
    assert "TM002" in allocated_to  # 5 working days free: the policy's minimum
    left_out = {
        p["staff_id"]: p["reason"] for p in explanation(engine, "2026-11")["excluded_auditors"]
    }
    assert left_out["TM001"] == (
        "on recorded leave 2026-10-26 to 2026-11-30: 0 working day(s) free between allocation "
        "(2026-11-02) and the due date (2026-11-30), fewer than 5"
    )
    assert left_out["TM003"].startswith("on recorded leave 2026-11-02 to 2026-11-24: 4 working")


def test_a_team_manager_on_leave_for_the_cycle_is_not_allocated_sqlite(
    engine: Engine, tmp_path: Path
) -> None:
    check_leave_for_the_cycle_is_honoured(engine, tmp_path)


@pytest.mark.postgres
def test_a_team_manager_on_leave_for_the_cycle_is_not_allocated_postgresql(
    pg_engine: Engine, tmp_path: Path
) -> None:
    check_leave_for_the_cycle_is_honoured(pg_engine, tmp_path)


FEB_1, FEB_26 = date(2027, 2, 1), date(2027, 2, 26)  # February 2027's allocation and due date


def test_a_reaudit_is_not_scheduled_to_an_auditor_on_leave_for_its_month(
    engine: Engine, tmp_path: Path
) -> None:
    council = allocated(engine, tmp_path)
    [parent] = audits(council, cycle="2026-11")[:1]
    record_leave(council, parent.auditor_id, date(2027, 1, 25), date(2027, 3, 5))
    complete(council, ["inadequate"])
    [reaudit] = schedule(council)
    assert reaudit.cycle == "2027-02" and reaudit.auditor_id != parent.auditor_id
    assert (
        f"{parent.auditor_id} cannot: on recorded leave 2027-01-25 to 2027-03-05: 0 working "
        "day(s) free" in reaudit.reason
    )


def check_a_reaudit_is_handed_over_when_its_auditor_records_leave(engine: Engine) -> None:
    complete(engine, ["inadequate", "requires_improvement"])
    first, second = schedule(engine)
    assert first.auditor_id != second.auditor_id
    # Months later, the first re-audit's auditor books leave over February.
    record_leave(engine, first.auditor_id, FEB_1, FEB_26)
    with session_scope(engine, write_lock=True) as session:
        allocate_cycle(session, POLICY, "2027-02", None)
    handed, kept = audits(engine, "reaudit")
    assert kept.auditor_id == second.auditor_id  # still eligible: left alone
    assert handed.auditor_id != first.auditor_id and handed.status == "allocated"
    assert handed.auditor_team != handed.case_team
    assert handed.reason.startswith(first.reason + "; handed over on allocation: ")
    ordinary = {a.auditor_id for a in audits(engine, "audit", cycle="2027-02")}
    assert first.auditor_id not in ordinary and handed.auditor_id in ordinary
    [record] = explanation(engine, "2027-02")["reaudits_handed_over"]
    assert (record["audit_id"], record["auditor_id"], record["handed_to"]) == (
        first.id,
        first.auditor_id,
        handed.auditor_id,
    )
    assert record["why"].startswith(
        f"{first.auditor_id} cannot: on recorded leave 2027-02-01 to 2027-02-26: 0 working"
    )
    with Session(engine) as session:
        [entry] = session.scalars(
            select(TrailEntry).where(col(TrailEntry.action) == "reaudit.handed_over")
        ).all()
    assert (entry.subject_id, entry.detail) == (
        str(first.id),
        {
            "cycle": "2027-02",
            "from": first.auditor_id,
            "to": handed.auditor_id,
            "why": record["why"],
        },
    )


def test_a_reaudit_is_handed_over_when_its_auditor_records_leave_sqlite(
    engine: Engine, tmp_path: Path
) -> None:
    check_a_reaudit_is_handed_over_when_its_auditor_records_leave(allocated(engine, tmp_path))


@pytest.mark.postgres
def test_a_reaudit_is_handed_over_when_its_auditor_records_leave_postgresql(
    pg_engine: Engine, tmp_path: Path
) -> None:
    check_a_reaudit_is_handed_over_when_its_auditor_records_leave(allocated(pg_engine, tmp_path))


def test_a_month_already_allocated_is_not_changed_by_later_leave(
    engine: Engine, tmp_path: Path
) -> None:
    council = allocated(engine, tmp_path)
    [audit] = audits(council, cycle="2026-11")[:1]
    record_leave(council, audit.auditor_id, date(2026, 11, 2), date(2026, 11, 30))
    with session_scope(council, write_lock=True) as session:
        assert allocate_cycle(session, POLICY, "2026-11", "all").already_allocated
    with Session(council) as session:
        again = session.get(Audit, audit.id)
        assert again is not None and (again.auditor_id, again.status) == (
            audit.auditor_id,
            "allocated",
        )
