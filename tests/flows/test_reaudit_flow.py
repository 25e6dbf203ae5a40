"""Re-audits end to end: made by the allocation flow's reconciliation and by the
``schedule-reaudit`` flow, allocated on top of a month's audits, and chased like audits."""

from __future__ import annotations

import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from flows.allocate import AllocationOutcome, allocate_cycle
from flows.chase import decide_run, plan_today
from flows.reaudits import ReauditOutcome, schedule_reaudit
from models.base import saved_id
from models.db import session_scope
from models.outbox import Notification
from models.programme import Audit, Cycle
from tests.flows.council import POLICY
from tests.models.test_reaudit_store import allocated, audits, complete, schedule
from tests.rules.labelled_dates import day
from tests.settings_env import SettingsEnv

BASE_URL = "https://audits.example.gov.uk"


@pytest.fixture
def council(engine: Engine, tmp_path: Path) -> Engine:
    return allocated(engine, tmp_path)


def allocate(engine: Engine, month: str) -> AllocationOutcome:
    with session_scope(engine, write_lock=True) as session:
        return allocate_cycle(session, POLICY, month, None)


def test_the_allocation_makes_the_reaudits_a_lost_event_missed(council: Engine) -> None:
    [parent] = complete(council, ["inadequate"])
    december = allocate(council, "2026-12")  # no event was ever handled: reconciled here
    [(reaudit_id, cycle)] = december.reaudits_scheduled.items()
    assert cycle == "2027-02" and not december.already_allocated
    [reaudit] = audits(council, "reaudit")
    assert (reaudit.id, reaudit.parent_audit_id) == (reaudit_id, parent.id)
    assert allocate(council, "2026-12").reaudits_scheduled == {}  # never twice
    assert schedule(council, day("Tue 2026-12-01")) == []


def eligible_auditors(engine: Engine, month: str) -> int:
    with Session(engine) as session:
        cycle = session.get(Cycle, month)
        assert cycle is not None and cycle.explanation is not None
        return int(cycle.explanation["eligible_auditors"])


def test_a_month_planned_for_reaudits_is_allocated_in_full_with_them_on_top(
    council: Engine,
) -> None:
    parents = complete(council, ["inadequate", "requires_improvement", "good"])
    reaudits = schedule(council)
    assert [a.cycle for a in reaudits] == ["2027-02", "2027-02"]

    february = allocate(council, "2027-02")
    assert not february.already_allocated and february.paused is None
    assert not february.shortfalls
    normal = audits(council, "audit", cycle="2027-02")
    # Every eligible Team Manager gets audits_per_auditor audits, re-audit or not.
    assert len(normal) == eligible_auditors(council, "2027-02") * 1
    per_auditor = Counter(a.auditor_id for a in normal)
    assert set(per_auditor.values()) == {1}
    for reaudit, parent in zip(reaudits, parents, strict=False):
        assert per_auditor[reaudit.auditor_id] == 1  # and the re-audit besides
        assert reaudit.case_ref not in {a.case_ref for a in normal}  # never twice in a month
        assert reaudit.auditor_id == parent.auditor_id
    # The month's allocation lists the re-audits with their kind; its explanation only audits.
    kinds = Counter(row["kind"] for row in february.audits)
    assert kinds == {"audit": len(normal), "reaudit": 2}
    with Session(council) as session:
        cycle = session.get(Cycle, "2027-02")
        assert cycle is not None and cycle.status == "allocated"
        assert cycle.explanation is not None
        assert len(cycle.explanation["allocations"]) == len(normal)
    assert allocate(council, "2027-02").already_allocated


def test_concurrent_allocations_of_a_planned_month_allocate_it_once(council: Engine) -> None:
    complete(council, ["inadequate"])
    schedule(council)
    outcomes: list[AllocationOutcome] = []

    def one() -> None:
        outcomes.append(allocate(council, "2027-02"))

    threads = [threading.Thread(target=one) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(o.already_allocated for o in outcomes) == [False, True, True]
    assert len(audits(council, "audit", cycle="2027-02")) == eligible_auditors(council, "2027-02")
    assert len(audits(council, "reaudit")) == 1


@pytest.mark.postgres
def test_concurrent_allocations_of_a_planned_month_on_postgresql(
    pg_engine: Engine, tmp_path: Path
) -> None:
    allocated(pg_engine, tmp_path)
    complete(pg_engine, ["inadequate", "requires_improvement"])
    outcomes: list[AllocationOutcome] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(3)

    def one() -> None:
        try:
            barrier.wait(timeout=60)
            outcomes.append(allocate(pg_engine, "2027-02"))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=one) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert sorted(o.already_allocated for o in outcomes) == [False, True, True]
    reaudits = audits(pg_engine, "reaudit")
    assert len(reaudits) == 2 and all(a.cycle == "2027-02" for a in reaudits)
    normal = audits(pg_engine, "audit", cycle="2027-02")
    assert len(normal) == eligible_auditors(pg_engine, "2027-02")


def test_reaudits_are_chased_like_audits(council: Engine) -> None:
    complete(council, ["inadequate"])
    [reaudit] = schedule(council)
    allocate(council, "2027-02")
    five_before = day("Fri 2027-02-19")  # five working days before Fri 26 Feb
    with session_scope(council) as session:
        plan = plan_today(session, POLICY, five_before)
    stages = {audit.audit_id: step.send.stage for audit, step in plan.steps if step.send}
    assert stages[saved_id(reaudit)] == "due_in_5"
    # February's audits and the re-audit alike (November's, never done, are being escalated).
    due_in_5 = Counter(stages.values())["due_in_5"]
    assert due_in_5 == len(audits(council, cycle="2027-02")) + 1
    decide_run(council, POLICY, five_before, BASE_URL)
    with Session(council) as session:
        [digest] = session.scalars(
            select(Notification).where(
                col(Notification.kind) == "digest:auditor",
                col(Notification.text_body).contains(reaudit.case_ref),
            )
        ).all()
    assert f"Re-audit: case {reaudit.case_ref}" in digest.text_body


@pytest.fixture
def app_database(
    council: Engine, sqlite_url: str, tmp_path: Path, settings_env: SettingsEnv
) -> Engine:
    settings_env(DATABASE_URL=sqlite_url, OUTBOX_DIR=str(tmp_path / "outbox"))
    return council


@pytest.mark.prefect
def test_the_flow_schedules_missing_reaudits_once_and_tells_an_allocated_month(
    prefect_server: None, app_database: Engine, tmp_path: Path
) -> None:
    assert schedule_reaudit.name == "schedule-reaudit"
    allocate(app_database, "2027-02")  # February already allocated: its emails have gone
    [parent, _] = complete(app_database, ["inadequate", "good"])
    state = schedule_reaudit(audit_id=parent.id, date="2026-11-20", return_state=True)
    assert state.is_completed()
    outcome = state.result()
    assert isinstance(outcome, ReauditOutcome)
    [row] = outcome.scheduled
    assert (row["parent_audit_id"], row["cycle"], row["due_on"]) == (
        parent.id,
        "2027-02",
        "2027-02-26",
    )
    # Its month was allocated before it existed, so its allocation email goes now.
    assert outcome.emails_sent >= 1
    with Session(app_database) as session:
        sent = session.scalars(
            select(Notification).where(col(Notification.key) == f"allocation:{row['audit_id']}")
        ).one()
        reaudit = session.get(Audit, row["audit_id"])
    assert sent.subject.startswith("Re-audit allocated") and sent.status == "sent"
    assert reaudit is not None and reaudit.auditor_id == parent.auditor_id
    again = schedule_reaudit(audit_id=parent.id, date="2026-11-20")
    assert again.scheduled == [] and again.emails_sent == 0
    assert len(audits(app_database, "reaudit")) == 1


@pytest.mark.prefect
def test_a_completion_emits_audit_completed(
    prefect_server: None, app_database: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefect.client.orchestration import get_client
    from prefect.events.filters import EventFilter, EventNameFilter
    from prefect.settings import PREFECT_API_URL

    from flows.events import deliver_events, emit_audit_completed

    monkeypatch.setenv("PREFECT_API_URL", str(PREFECT_API_URL.value()))
    [parent] = complete(app_database, ["inadequate"])
    assert parent.id is not None
    assert emit_audit_completed(
        parent.id, "inadequate", cycle="2026-11", kind="audit", reaudit_due=True
    )
    deliver_events()
    found = []
    with get_client(sync_client=True) as client:
        for _ in range(40):
            page = client.read_events(
                EventFilter(event=EventNameFilter(name=["audit.completed"])), limit=50
            )
            found = [e for e in page.events if e.resource.id == f"audits.audit.{parent.id}"]
            if found:
                break
            time.sleep(0.25)
    assert found and found[0].resource["audits.judgement"] == "inadequate"
    assert found[0].resource["audits.reaudit-due"] == "yes"
    assert found[0].payload["judgement"] == "inadequate"
    monkeypatch.delenv("PREFECT_API_URL")
    assert not emit_audit_completed(
        parent.id, "inadequate", cycle="2026-11", kind="audit", reaudit_due=True
    )
