"""Scheduling re-audits against real databases: the cycle, the auditor, never twice.

A small council is imported and November 2026 allocated; audits are completed through
``models.audit_store`` and re-audits scheduled through ``models.reaudit_store`` as the flows do.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from flows.allocate import allocate_cycle
from models import reaudit_store, request_store
from models.audit_store import complete_audit
from models.base import saved_id
from models.db import session_scope
from models.people import Staff
from models.programme import Audit, Cycle
from models.trail import TrailEntry
from tests.flows.council import POLICY, seed_council
from tests.importer.helpers import dump
from tests.rules.labelled_dates import day

NOV_20 = day("Fri 2026-11-20")
FEB_1, FEB_26 = day("Mon 2027-02-01"), day("Fri 2027-02-26")


def allocated(engine: Engine, folder: Path) -> Engine:
    seed_council(engine, folder, cases=300)
    with session_scope(engine, write_lock=True) as session:
        allocate_cycle(session, POLICY, "2026-11", "all")
    return engine


@pytest.fixture
def council(engine: Engine, tmp_path: Path) -> Engine:
    return allocated(engine, tmp_path)


def audits(engine: Engine, kind: str = "audit", cycle: str | None = None) -> list[Audit]:
    query = select(Audit).where(col(Audit.kind) == kind).order_by(col(Audit.id))
    if cycle is not None:
        query = query.where(col(Audit.cycle) == cycle)
    with Session(engine) as session:
        return list(session.scalars(query))


def complete(engine: Engine, judgements: list[str], on: date = NOV_20) -> list[Audit]:
    """Complete November's first audits with ``judgements``, in order."""
    chosen = audits(engine, cycle="2026-11")[: len(judgements)]
    with session_scope(engine) as session:
        return [
            complete_audit(session, saved_id(audit), on, judgement, on)
            for audit, judgement in zip(chosen, judgements, strict=True)
        ]


def schedule(engine: Engine, today: date = NOV_20) -> list[Audit]:
    with session_scope(engine, write_lock=True) as session:
        return reaudit_store.schedule_reaudits(session, POLICY, today)


def test_a_poor_judgement_schedules_a_reaudit_three_months_on_for_the_same_auditor(
    council: Engine,
) -> None:
    inadequate, improve, good, outstanding = complete(
        council, ["inadequate", "requires_improvement", "good", "outstanding"]
    )
    made = schedule(council)
    assert [a.parent_audit_id for a in made] == [inadequate.id, improve.id]
    for reaudit, parent in zip(made, (inadequate, improve), strict=True):
        assert (reaudit.kind, reaudit.status, reaudit.cycle) == ("reaudit", "allocated", "2027-02")
        assert (reaudit.case_ref, reaudit.auditor_id) == (parent.case_ref, parent.auditor_id)
        assert (reaudit.allocated_on, reaudit.due_on, reaudit.original_due_on) == (
            FEB_1,
            FEB_26,
            FEB_26,
        )
        assert (reaudit.cohort, reaudit.case_team) == (parent.cohort, parent.case_team)
        assert reaudit.auditor_team == parent.auditor_team
        assert reaudit.reason == (
            f"re-audit of audit {parent.id} (2026-11, {parent.judgement}): the auditor of the "
            f"audit, {parent.auditor_id}, audits it again"
        )
    # February's cycle row now exists, planned (not allocated), with the programme's theme.
    with Session(council) as session:
        february = session.get(Cycle, "2027-02")
        assert february is not None
        assert (february.status, february.theme, february.allocated_on) == (
            "planned",
            POLICY.theme_for("2027-02"),
            None,
        )
        trail = list(
            session.scalars(select(TrailEntry).where(col(TrailEntry.action) == "reaudit.scheduled"))
        )
    assert [t.detail["parent_audit_id"] for t in trail if t.detail] == [
        inadequate.id,
        improve.id,
    ]
    assert good.id and outstanding.id  # completed well: nothing to re-audit


def test_reconciling_again_makes_nothing_twice(council: Engine) -> None:
    complete(council, ["inadequate", "requires_improvement"])
    assert len(schedule(council)) == 2
    before = dump(council)
    assert schedule(council) == []
    assert schedule(council, day("Mon 2026-12-14")) == []
    assert dump(council) == before


@pytest.mark.parametrize("gone", ["active", "in_latest_export"])
def test_an_auditor_who_left_is_replaced_by_the_allocation_rules(
    council: Engine, gone: str
) -> None:
    [parent] = complete(council, ["inadequate"])
    with session_scope(council) as session:
        session.execute(
            update(Staff).where(col(Staff.staff_id) == parent.auditor_id).values({gone: False})
        )
    [reaudit] = schedule(council)
    with Session(council) as session:
        replacement = session.get(Staff, reaudit.auditor_id)
    assert replacement is not None and reaudit.auditor_id != parent.auditor_id
    assert replacement.role == "team_manager" and replacement.active
    assert replacement.team != parent.case_team  # never the case's own team
    reason = "marked inactive" if gone == "active" else "not in the latest staff export"
    assert f"{parent.auditor_id} cannot: {reason}" in reaudit.reason
    assert reaudit.auditor_team == replacement.team


def test_reaudits_of_one_cycle_are_spread_over_the_fewest_loaded(council: Engine) -> None:
    """Two re-audits whose auditor left: the replacements are two different Team Managers
    (each pick counts towards the next)."""
    parents = complete(council, ["inadequate", "inadequate"])
    with session_scope(council) as session:
        gone = [p.auditor_id for p in parents]
        session.execute(update(Staff).where(col(Staff.staff_id).in_(gone)).values(active=False))
    made = schedule(council)
    assert len({a.auditor_id for a in made}) == 2


def test_a_reaudit_released_by_an_exemption_is_reallocated_and_never_remade(
    council: Engine,
) -> None:
    [parent] = complete(council, ["inadequate"])
    [reaudit] = schedule(council)
    aps = "APS01"
    with session_scope(council, write_lock=True) as session:
        request = request_store.request_exemption(
            session, saved_id(reaudit), "leave", "long leave", reaudit.auditor_id, NOV_20
        )
        to = request_store.suggested_auditors(session, reaudit)[0].staff_id
        request_store.decide_exemption(session, saved_id(request), True, to, "ok", aps, NOV_20)
    released, successor = audits(council, "reaudit")
    assert (released.status, successor.status) == ("exempted", "allocated")
    assert successor.parent_audit_id == parent.id and successor.auditor_id == to
    assert schedule(council) == []
    # Withdrawn instead: the parent's re-audit was made and released on purpose; not remade.
    with session_scope(council, write_lock=True) as session:
        request = request_store.request_exemption(
            session, saved_id(successor), "other", "case closed", to, NOV_20
        )
        request_store.decide_exemption(session, saved_id(request), True, None, "ok", aps, NOV_20)
    assert schedule(council) == []
    assert [a.status for a in audits(council, "reaudit")] == ["exempted", "withdrawn"]


def second_live_reaudit(engine: Engine, reaudit: Audit) -> Callable[[], Any]:
    def insert_copy() -> Any:
        row = reaudit.model_dump(exclude={"id"})
        with session_scope(engine) as session:
            session.execute(insert(Audit).values(**row))

    return insert_copy


def test_the_database_refuses_a_second_live_reaudit(council: Engine) -> None:
    complete(council, ["inadequate"])
    [reaudit] = schedule(council)
    with pytest.raises(IntegrityError, match="UNIQUE"):
        second_live_reaudit(council, reaudit)()


def test_no_eligible_team_manager_leaves_it_for_the_next_run(council: Engine) -> None:
    complete(council, ["inadequate"])
    with session_scope(council) as session:
        session.execute(update(Staff).where(col(Staff.role) == "team_manager").values(active=False))
    assert schedule(council) == []
    with session_scope(council) as session:
        session.execute(update(Staff).where(col(Staff.role) == "team_manager").values(active=True))
    assert len(schedule(council)) == 1


def test_three_runs_at_once_on_sqlite_make_each_reaudit_once(council: Engine) -> None:
    complete(council, ["inadequate", "requires_improvement", "inadequate"])
    made = run_concurrently(council, 3)
    assert sorted(len(m) for m in made) == [0, 0, 3]
    assert len(audits(council, "reaudit")) == 3


def run_concurrently(engine: Engine, runs: int) -> list[list[int]]:
    results: list[list[int]] = []
    errors: list[BaseException] = []

    def one() -> None:
        try:
            results.append([saved_id(a) for a in schedule(engine)])
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=one) for _ in range(runs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results


@pytest.mark.postgres
def test_concurrent_runs_on_postgresql_make_each_reaudit_once(
    pg_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three runs read the same missing re-audits before any writes (a barrier holds them), then
    race to insert: the unique index makes the others wait and insert nothing."""
    allocated(pg_engine, tmp_path)
    complete(pg_engine, ["inadequate", "requires_improvement", "inadequate", "good"])
    found_missing = reaudit_store.audits_needing_reaudit
    barrier = threading.Barrier(3)

    def all_read_first(session: Session, policy: Any) -> list[Audit]:
        missing = found_missing(session, policy)
        barrier.wait(timeout=60)
        return missing

    monkeypatch.setattr(reaudit_store, "audits_needing_reaudit", all_read_first)
    made = run_concurrently(pg_engine, 3)
    assert sum(len(m) for m in made) == 3
    reaudits = audits(pg_engine, "reaudit")
    assert len(reaudits) == len({a.parent_audit_id for a in reaudits}) == 3
    monkeypatch.setattr(reaudit_store, "audits_needing_reaudit", found_missing)
    assert schedule(pg_engine) == []
    with pytest.raises(IntegrityError, match="ux_audit_live_reaudit"):
        second_live_reaudit(pg_engine, reaudits[0])()
