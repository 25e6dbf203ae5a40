"""The allocation job against real databases: SQLite files and a PostgreSQL server."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from flows.allocate import AllocationOutcome, allocate_cycle
from models import (
    Audit,
    Case,
    Cycle,
    ExemptionRequest,
    Pause,
    Staff,
    StaffLeave,
    TrailEntry,
)
from models import allocation_store as store
from models.allocation_inputs import AllocationInputs, load_allocation_inputs
from models.db import make_engine, session_scope
from rules.cohorts import CaseFacts
from rules.eligibility import eligible_cases
from tests.flows.council import POLICY, seed_council
from tests.importer.helpers import dump


def allocate(engine: Engine, month: str, theme: str | None = None) -> AllocationOutcome:
    with session_scope(engine, write_lock=True) as session:
        return allocate_cycle(session, POLICY, month, theme)


def audits_of(engine: Engine, month: str) -> list[Audit]:
    with Session(engine) as session:
        return store.cycle_audits(session, month)


@pytest.fixture
def council(engine: Engine, tmp_path: Path) -> Engine:
    seed_council(engine, tmp_path)
    return engine


def eligible_managers(engine: Engine) -> list[Staff]:
    with Session(engine) as session:
        return list(
            session.scalars(
                select(Staff).where(col(Staff.role) == "team_manager", col(Staff.active))
            )
        )


def test_allocates_every_eligible_manager_a_case_from_another_team(council: Engine) -> None:
    outcome = allocate(council, "2026-11", "cin")
    managers = eligible_managers(council)
    audits = audits_of(council, "2026-11")
    assert len(audits) == len(managers) == len(outcome.audits) > 0
    assert {a.auditor_id for a in audits} == {m.staff_id for m in managers}
    with Session(council) as session:
        team_of_case = dict(session.execute(select(col(Case.case_ref), col(Case.team))).all())
    for audit in audits:
        assert audit.case_team == team_of_case[audit.case_ref] != audit.auditor_team
        assert audit.allocated_on == date(2026, 11, 2)  # Sunday 1st, so Monday 2nd
        assert audit.due_on == audit.original_due_on == date(2026, 11, 30)
        assert (audit.kind, audit.status, audit.cohort) == ("audit", "allocated", "cin")
    assert len({a.case_ref for a in audits}) == len(audits)
    assert not outcome.shortfalls and not outcome.already_allocated


def test_json_rows_carry_the_contract_keys(council: Engine) -> None:
    outcome = allocate(council, "2026-11", "cin")
    keys = {
        "audit_id",
        "case_ref",
        "auditor_id",
        "auditor_team",
        "case_team",
        "cohort",
        "due_on",
        "kind",
    }
    assert outcome.audits and all(set(row) == keys for row in outcome.audits)
    assert all(tuple(row) == store.ALLOCATION_COLUMNS for row in outcome.audits)
    assert {row["due_on"] for row in outcome.audits} == {"2026-11-30"}


def test_theme_defaults_to_the_programme_file(council: Engine) -> None:
    assert POLICY.theme_for("2026-11") == "missing_and_cse"
    outcome = allocate(council, "2026-11")
    assert outcome.theme == "missing_and_cse"
    with Session(council) as session:
        cycle = session.get(Cycle, "2026-11")
        assert cycle is not None and cycle.theme == "missing_and_cse"
    assert allocate(council, "2027-03").theme == "all"  # not in the programme file


def test_allocating_again_changes_nothing(council: Engine) -> None:
    first = allocate(council, "2026-11", "cin")
    before = dump(council)
    again = allocate(council, "2026-11", "cse")
    assert again.already_allocated and again.theme == "cin"
    assert again.audits == first.audits
    assert dump(council) == before


def test_explanation_covers_every_allocation_and_exclusion(council: Engine) -> None:
    with session_scope(council) as session:
        session.execute(update(Case).where(col(Case.case_ref) == "C100000").values(status="closed"))
        session.execute(
            update(Case).where(col(Case.case_ref) == "C100001").values(in_latest_export=False)
        )
    outcome = allocate(council, "2026-11", "cin")
    with Session(council) as session:
        cycle = session.get(Cycle, "2026-11")
        assert cycle is not None
        explained = store.explanation(cycle)
        trail = session.scalars(
            select(TrailEntry).where(col(TrailEntry.action) == "cycle.allocated")
        ).all()
    assert [a["audit_id"] for a in explained["allocations"]] == [
        a["audit_id"] for a in outcome.audits
    ]
    assert all(a["why_case"] and a["why_auditor"] for a in explained["allocations"])
    reasons = {c["case_ref"]: c["reason"] for c in explained["excluded_cases"]}
    assert reasons["C100000"] == "closed"
    assert reasons["C100001"] == "not in the latest case export"
    inactive = {p["staff_id"]: p["reason"] for p in explained["excluded_auditors"]}
    assert inactive and all("inactive" in r for r in inactive.values())
    assert len(trail) == 1 and trail[0].subject_id == "2026-11"


def test_a_case_is_not_audited_again_within_twelve_months(council: Engine) -> None:
    november = {a.case_ref for a in audits_of(council, "2026-11")} or {
        a["case_ref"] for a in allocate(council, "2026-11", "all").audits
    }
    december = {a["case_ref"] for a in allocate(council, "2026-12", "all").audits}
    assert november and december and not november & december
    with Session(council) as session:
        cycle = session.get(Cycle, "2026-12")
        assert cycle is not None
        reasons = {c["case_ref"]: c["reason"] for c in store.explanation(cycle)["excluded_cases"]}
    assert all(
        reasons[ref] == "allocated in 2026-11, within the last 11 cycles" for ref in november
    )

    with session_scope(council) as session:
        inputs = load_allocation_inputs(
            session, "2027-10", (date(2027, 10, 1), date(2027, 10, 29)), 11
        )
        later = load_allocation_inputs(
            session, "2027-11", (date(2027, 11, 1), date(2027, 11, 30)), 11
        )
    assert november <= _recently_audited(inputs)  # 11 months on: still excluded
    assert not november & _recently_audited(later)  # 12 months on: may be audited again
    assert november <= {c.case_ref for c in later.cases}


def test_withdrawn_audits_do_not_count_as_audited(council: Engine) -> None:
    november = allocate(council, "2026-11", "all").audits
    withdrawn = november[0]["case_ref"]
    with session_scope(council) as session:
        session.execute(
            update(Audit).where(col(Audit.case_ref) == withdrawn).values(status="withdrawn")
        )
        inputs = load_allocation_inputs(
            session, "2026-12", (date(2026, 12, 1), date(2026, 12, 31)), 11
        )
    assert withdrawn not in _recently_audited(inputs)
    assert november[1]["case_ref"] in _recently_audited(inputs)


def _recently_audited(inputs: AllocationInputs) -> set[str]:
    return {ref for refs in inputs.recent_audits.values() for ref in refs}


def test_exempted_and_absent_managers_are_left_out_with_reasons(council: Engine) -> None:
    managers = sorted(m.staff_id for m in eligible_managers(council))
    exempt, away, back_soon = managers[:3]
    with session_scope(council) as session:
        session.add(
            ExemptionRequest(
                staff_id=exempt,
                cycle="2026-11",
                requested_by=exempt,
                requested_on=date(2026, 10, 20),
                category="leave",
                reason="annual leave",
                status="approved",
            )
        )
        session.add(
            StaffLeave(
                staff_id=away,
                starts_on=date(2026, 10, 26),
                ends_on=date(2026, 12, 4),
                created_by="APS01",
            )
        )
        # Away for the first two weeks only: still has enough working days, so still allocated.
        session.add(
            StaffLeave(
                staff_id=back_soon,
                starts_on=date(2026, 11, 2),
                ends_on=date(2026, 11, 13),
                created_by="APS01",
            )
        )
    outcome = allocate(council, "2026-11", "cin")
    allocated = {a["auditor_id"] for a in outcome.audits}
    assert exempt not in allocated and away not in allocated and back_soon in allocated
    with Session(council) as session:
        cycle = session.get(Cycle, "2026-11")
        assert cycle is not None
        reasons = {
            p["staff_id"]: p["reason"] for p in store.explanation(cycle)["excluded_auditors"]
        }
    assert reasons[exempt] == "approved exemption for this cycle (leave)"
    assert reasons[away] == (
        "on recorded leave 2026-10-26 to 2026-12-04: 0 working day(s) free between allocation "
        "(2026-11-02) and the due date (2026-11-30), fewer than 5"
    )
    assert back_soon not in reasons


def test_nothing_is_allocated_during_a_pause(council: Engine) -> None:
    with session_scope(council) as session:
        session.add(
            Pause(
                starts_on=date(2026, 10, 15),
                ends_on=date(2026, 11, 20),
                reason="service review",
                created_by="APS01",
            )
        )
    outcome = allocate(council, "2026-11", "cin")
    assert outcome.paused and "service review" in outcome.paused and not outcome.audits
    with Session(council) as session:
        assert session.get(Cycle, "2026-11") is None
    assert allocate(council, "2026-12", "cin").audits  # after the pause, allocation resumes


def test_a_case_already_in_the_cycle_is_not_allocated_again(council: Engine) -> None:
    with session_scope(council) as session:
        case = session.scalars(
            select(Case).where(col(Case.status) == "open", col(Case.cin))
        ).first()
        manager = session.scalars(select(Staff).where(col(Staff.role) == "team_manager")).first()
        assert case is not None and manager is not None
        session.add(Cycle(month="2026-11", theme="cin"))
        session.flush()
        session.add(
            Audit(
                cycle="2026-11",
                kind="reaudit",
                case_ref=case.case_ref,
                auditor_id=manager.staff_id,
                cohort="cin",
                allocated_on=date(2026, 11, 2),
                due_on=date(2026, 11, 30),
                original_due_on=date(2026, 11, 30),
                auditor_team="x",
                auditor_service_area="x",
                case_team=case.team,
                case_service_area="x",
            )
        )
    outcome = allocate(council, "2026-11", "cin")
    refs = [a["case_ref"] for a in outcome.audits]
    assert refs.count(case.case_ref) == 1  # the re-audit only
    assert {a["kind"] for a in outcome.audits} == {"audit", "reaudit"}


def test_the_store_reads_exactly_what_the_rules_would_choose_from(council: Engine) -> None:
    allocate(council, "2026-11", "all")
    with session_scope(council) as session:
        session.execute(update(Case).where(col(Case.case_ref) == "C100003").values(status="closed"))
        inputs = load_allocation_inputs(
            session, "2026-12", (date(2026, 12, 1), date(2026, 12, 31)), 11
        )
        every_case = [
            CaseFacts(c.case_ref, c.team, "", status=c.status, in_latest_export=c.in_latest_export)
            for c in session.scalars(select(Case))
        ]
    narrowed = eligible_cases(
        inputs.cases,
        recent_audits=inputs.recent_audits,
        in_this_cycle=inputs.in_this_cycle,
        exclusion_cycles=11,
    )
    naive = eligible_cases(
        every_case,
        recent_audits=inputs.recent_audits,
        in_this_cycle=inputs.in_this_cycle,
        exclusion_cycles=11,
    )
    assert {c.case_ref for c in narrowed[0]} == {c.case_ref for c in naive[0]}

    def by_reason(excluded: dict[str, list[str]]) -> dict[str, list[str]]:
        return {reason: sorted(refs) for reason, refs in excluded.items()}

    assert by_reason(narrowed[1]) == by_reason(naive[1])
    assert "closed" in narrowed[1] and any(r.startswith("allocated in") for r in narrowed[1])


@pytest.mark.postgres
def test_postgres_gives_the_same_allocation_as_sqlite(
    council: Engine, pg_engine: Engine, tmp_path: Path
) -> None:
    seed_council(pg_engine, tmp_path / "pg")
    on_sqlite = allocate(council, "2026-11", "cse")
    on_postgres = allocate(pg_engine, "2026-11", "cse")
    strip = lambda rows: [(r["case_ref"], r["auditor_id"], r["cohort"], r["due_on"]) for r in rows]  # noqa: E731
    assert strip(on_sqlite.audits) == strip(on_postgres.audits)
    assert allocate(pg_engine, "2026-11").already_allocated
    # The next month leaves out November's cases on both, for the same stated reason.
    december = [allocate(engine, "2026-12", "all") for engine in (council, pg_engine)]
    assert strip(december[0].audits) == strip(december[1].audits)
    explained = [_explained(engine, "2026-12") for engine in (council, pg_engine)]
    assert explained[0] == explained[1]
    recent = [e for e in explained[1] if e["reason"].startswith("allocated in 2026-11")]
    assert {e["case_ref"] for e in recent} == {r["case_ref"] for r in on_postgres.audits}


def _explained(engine: Engine, month: str) -> list[dict[str, str]]:
    with Session(engine) as session:
        cycle = session.get(Cycle, month)
        assert cycle is not None
        return store.explanation(cycle)["excluded_cases"]


def allocate_concurrently(url: str, runs: int = 3) -> list[AllocationOutcome]:
    """Start ``runs`` allocations of the same month at the same moment, each with its own
    engine (as separate workers would have)."""
    outcomes: list[AllocationOutcome] = []
    start = threading.Barrier(runs)

    def run() -> None:
        engine = make_engine(url)
        start.wait()
        outcomes.append(allocate(engine, "2026-11", "cin"))
        engine.dispose()

    threads = [threading.Thread(target=run) for _ in range(runs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.postgres
def test_concurrent_runs_on_postgres_allocate_once(
    pg_engine: Engine, postgres_url: str, tmp_path: Path
) -> None:
    seed_council(pg_engine, tmp_path)
    outcomes = allocate_concurrently(postgres_url)
    assert sorted(o.already_allocated for o in outcomes) == [False, True, True]
    audits = audits_of(pg_engine, "2026-11")
    assert len(audits) == len(eligible_managers(pg_engine))
    assert len({a.case_ref for a in audits}) == len(audits)


def test_concurrent_runs_on_sqlite_allocate_once(council: Engine) -> None:
    outcomes = allocate_concurrently(str(council.url))
    assert sorted(o.already_allocated for o in outcomes) == [False, True, True]
    assert len(audits_of(council, "2026-11")) == len(eligible_managers(council))
