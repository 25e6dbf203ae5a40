"""Extension and exemption requests and decisions against real databases.

A small council is imported and November 2026 allocated (due Mon 30 Nov 2026); requests and
decisions then go through ``models.request_store`` as the CLI and the web app use it.
"""

from __future__ import annotations

import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from flows.allocate import allocate_cycle
from flows.chase import decide_run
from models import request_store
from models.audit_store import complete_audit
from models.base import saved_id
from models.db import make_engine, session_scope
from models.people import Staff
from models.programme import Audit
from models.requests import ExemptionRequest, ExtensionRequest
from models.trail import TrailEntry
from rules.reminders import next_step
from rules.requests import RequestError
from tests.flows.council import POLICY, seed_council
from tests.rules.labelled_dates import day

DUE = day("Mon 2026-11-30")
MID_MONTH = day("Mon 2026-11-16")
NEXT_DAY = day("Tue 2026-11-17")
BASE_URL = "https://audits.example.gov.uk"


def allocated(engine: Engine, folder: Path) -> Engine:
    seed_council(engine, folder, cases=300)
    with session_scope(engine, write_lock=True) as session:
        allocate_cycle(session, POLICY, "2026-11", "all")
    return engine


@pytest.fixture
def council(engine: Engine, tmp_path: Path) -> Engine:
    return allocated(engine, tmp_path)


def audit(engine: Engine, audit_id: int = 1) -> Audit:
    with Session(engine) as session:
        found = session.get(Audit, audit_id)
        assert found is not None
        return found


def trail(engine: Engine, action: str) -> list[TrailEntry]:
    with Session(engine) as session:
        return list(session.scalars(select(TrailEntry).where(col(TrailEntry.action) == action)))


def ask_extension(
    engine: Engine,
    until: str = "Fri 2026-12-04",
    on: date = MID_MONTH,
    by: str | None = None,
    audit_id: int = 1,
) -> ExtensionRequest:
    with session_scope(engine, write_lock=True) as session:
        return request_store.request_extension(
            session,
            audit_id,
            day(until),
            "waiting for the case file",
            by or audit(engine, audit_id).auditor_id,
            on,
            POLICY,
        )


def decide_extension(
    engine: Engine,
    request_id: int,
    approve: bool = True,
    until: str | None = None,
    by: str = "APS01",
    on: date = NEXT_DAY,
) -> ExtensionRequest:
    with session_scope(engine, write_lock=True) as session:
        return request_store.decide_extension(
            session,
            request_id,
            approve,
            day(until) if until else None,
            "agreed with the service manager",
            by,
            on,
            POLICY,
        )


def ask_exemption(
    engine: Engine, audit_id: int = 1, on: date = MID_MONTH, category: str = "leave"
) -> ExemptionRequest:
    with session_scope(engine, write_lock=True) as session:
        return request_store.request_exemption(
            session, audit_id, category, "annual leave", audit(engine, audit_id).auditor_id, on
        )


def decide_exemption(
    engine: Engine,
    request_id: int,
    approve: bool = True,
    reallocate_to: str | None = None,
    on: date = NEXT_DAY,
    by: str = "APS01",
) -> ExemptionRequest:
    with session_scope(engine, write_lock=True) as session:
        return request_store.decide_exemption(
            session, request_id, approve, reallocate_to, "cover arranged", by, on
        )


def suggestions(engine: Engine, audit_id: int = 1) -> list[str]:
    with Session(engine) as session:
        found = session.get(Audit, audit_id)
        assert found is not None
        return [c.staff_id for c in request_store.suggested_auditors(session, found)]


def test_an_extension_request_is_recorded_with_its_trail(council: Engine) -> None:
    before = audit(council)
    request = ask_extension(council)
    assert request.id is not None
    assert (request.status, request.requested_until, request.late) == (
        "pending",
        day("Fri 2026-12-04"),
        False,
    )
    assert (request.requested_by, request.requested_on) == (before.auditor_id, MID_MONTH)
    [entry] = trail(council, "extension.requested")
    assert (entry.actor, entry.subject_type, entry.subject_id) == (
        before.auditor_id,
        "extension_request",
        str(request.id),
    )
    assert entry.detail == {
        "audit_id": 1,
        "until": "2026-12-04",
        "reason": "waiting for the case file",
        "late": False,
        "on": "2026-11-16",
    }
    assert audit(council).due_on == DUE  # nothing changes until APS decide


def test_a_request_after_the_due_date_is_late(council: Engine) -> None:
    request = ask_extension(council, until="Fri 2026-12-04", on=day("Wed 2026-12-02"))
    assert request.late is True
    [entry] = trail(council, "extension.requested")
    assert entry.detail is not None and entry.detail["late"] is True


def test_aps_may_request_on_behalf_but_not_decide_their_own_request(council: Engine) -> None:
    request = ask_extension(council, by="APS02")
    assert request.id is not None and request.requested_by == "APS02"
    with pytest.raises(RequestError, match="APS02 made extension request"):
        decide_extension(council, request.id, by="APS02")
    with pytest.raises(RequestError, match="is not an active member of the APS team"):
        decide_extension(council, request.id, by=audit(council, 2).auditor_id)
    assert decide_extension(council, request.id, by="APS01").status == "approved"


def test_an_extension_beyond_the_limit_is_refused_and_nothing_is_written(council: Engine) -> None:
    with pytest.raises(RequestError, match="the latest date allowed is 2026-12-14"):
        ask_extension(council, until="Tue 2026-12-15")
    assert trail(council, "extension.requested") == []
    with Session(council) as session:
        assert list(session.scalars(select(ExtensionRequest))) == []


def test_approving_with_another_date_moves_the_due_date_and_keeps_the_original(
    council: Engine,
) -> None:
    request = ask_extension(council, until="Fri 2026-12-11")
    assert request.id is not None
    decided = decide_extension(council, request.id, until="Mon 2026-12-07")
    assert (decided.status, decided.approved_until, decided.decided_by) == (
        "approved",
        day("Mon 2026-12-07"),
        "APS01",
    )
    assert decided.decided_on == day("Tue 2026-11-17")
    assert decided.requested_until == day("Fri 2026-12-11")  # what was asked is kept
    changed = audit(council)
    assert (changed.due_on, changed.original_due_on) == (day("Mon 2026-12-07"), DUE)
    [entry] = trail(council, "extension.approved")
    assert (entry.actor, entry.subject_id) == ("APS01", str(request.id))
    assert entry.detail == {
        "audit_id": 1,
        "until": "2026-12-07",
        "note": "agreed with the service manager",
        "on": "2026-11-17",
    }


def test_approving_without_a_date_grants_the_date_asked_for(council: Engine) -> None:
    request = ask_extension(council, until="Thu 2026-12-10")
    assert request.id is not None
    assert decide_extension(council, request.id).approved_until == day("Thu 2026-12-10")
    assert audit(council).due_on == day("Thu 2026-12-10")


def test_approving_with_a_date_beyond_the_limit_is_refused(council: Engine) -> None:
    request = ask_extension(council)
    assert request.id is not None
    with pytest.raises(RequestError, match="latest date allowed is 2026-12-14"):
        decide_extension(council, request.id, until="Wed 2026-12-16")
    assert audit(council).due_on == DUE
    assert decide_extension(council, request.id, approve=False).status == "rejected"


def test_an_approved_extension_moves_the_chase_ladder(council: Engine) -> None:
    # The usual D-5 reminder for Mon 30 Nov goes on Mon 23 Nov and is recorded.
    first = decide_run(council, POLICY, day("Mon 2026-11-23"), BASE_URL)
    assert first.items_by_stage == {"due_in_5": 31}
    request = ask_extension(council, until="Mon 2026-12-07", on=day("Tue 2026-11-24"))
    assert request.id is not None
    decide_extension(council, request.id, on=day("Wed 2026-11-25"))
    extended = audit(council)
    # The new due date's D-5 is Mon 30 Nov: a fresh ladder, so its due_in_5 goes again.
    step = next_step(extended.due_on, DUE, set(), POLICY.reminders, extended.allocated_on)
    assert step.send is not None and (step.send.stage, step.send.on) == ("due_in_5", DUE)
    on_old_due_date = decide_run(council, POLICY, DUE, BASE_URL, dry_run=True)
    assert on_old_due_date.items_by_stage == {"due_in_5": 1, "due_in_1": 30}
    # On Tue 1 Dec the others are overdue; the extended audit is not.
    after = decide_run(council, POLICY, day("Tue 2026-12-01"), BASE_URL, dry_run=True)
    assert after.items_by_stage.get("overdue") == 30


def test_rejecting_leaves_the_due_date(council: Engine) -> None:
    request = ask_extension(council)
    assert request.id is not None
    decided = decide_extension(council, request.id, approve=False)
    assert (decided.status, decided.approved_until) == ("rejected", None)
    assert (audit(council).due_on, audit(council).original_due_on) == (DUE, DUE)
    [entry] = trail(council, "extension.rejected")
    assert entry.detail is not None and entry.detail["until"] is None
    with pytest.raises(RequestError, match=f"extension request {request.id} was already rejected"):
        decide_extension(council, request.id, by="APS02")
    # Decided, so no longer open: the auditor may ask again.
    assert ask_extension(council, until="Wed 2026-12-02").status == "pending"


def test_one_open_request_at_a_time_across_both_kinds(council: Engine) -> None:
    extension = ask_extension(council)
    with pytest.raises(RequestError, match=f"open request \\(extension request {extension.id}\\)"):
        ask_exemption(council)
    with pytest.raises(RequestError, match="one at a time"):
        ask_extension(council, until="Tue 2026-12-08")
    assert ask_extension(council, audit_id=2).status == "pending"  # other audits are free
    assert extension.id is not None
    decide_extension(council, extension.id, approve=False)
    exemption = ask_exemption(council)
    with pytest.raises(RequestError, match=f"open request \\(exemption request {exemption.id}\\)"):
        ask_extension(council)


def test_an_exemption_request_is_recorded_with_its_trail(council: Engine) -> None:
    request = ask_exemption(council, category="conflict_of_interest", on=day("Tue 2026-12-01"))
    released = audit(council)
    assert (request.status, request.category, request.late) == (
        "pending",
        "conflict_of_interest",
        True,
    )
    assert (request.staff_id, request.cycle) == (released.auditor_id, "2026-11")
    [entry] = trail(council, "exemption.requested")
    assert entry.subject_id == str(request.id) and entry.detail is not None
    assert entry.detail["category"] == "conflict_of_interest"
    with pytest.raises(RequestError, match="category must be one of"):
        ask_exemption(council, audit_id=2, category="holiday")


def test_reallocating_to_the_cases_team_is_refused_with_suggestions(council: Engine) -> None:
    released = audit(council)
    request = ask_exemption(council)
    assert request.id is not None
    suggested = suggestions(council)
    with Session(council) as session:
        colleague = session.scalars(
            select(col(Staff.staff_id)).where(
                col(Staff.team) == released.case_team, col(Staff.role) == "team_manager"
            )
        ).first()
    assert colleague is not None and colleague not in suggested
    with pytest.raises(RequestError) as refused:
        decide_exemption(council, request.id, reallocate_to=colleague)
    message = str(refused.value)
    assert f"{colleague} cannot take audit 1" in message and released.case_team in message
    assert f"suggested: {', '.join(suggested[:5])}" in message
    with pytest.raises(RequestError, match="cannot take audit 1"):
        decide_exemption(council, request.id, reallocate_to=released.auditor_id)
    assert audit(council).status == "allocated"  # nothing changed
    with Session(council) as session:
        unchanged = session.get(ExemptionRequest, request.id)
        assert unchanged is not None and unchanged.status == "pending"


def test_suggestions_leave_out_the_case_team_and_prefer_other_areas(council: Engine) -> None:
    released = audit(council)
    with Session(council) as session:
        candidates = request_store.suggested_auditors(session, released)
    assert candidates and released.auditor_id not in {c.staff_id for c in candidates}
    assert all(c.team != released.case_team for c in candidates)
    keys = [(c.open_audits, c.service_area == released.case_service_area) for c in candidates]
    assert keys == sorted(keys)
    assert candidates[0].service_area != released.case_service_area


@pytest.mark.parametrize(
    ("decided", "new_due"),
    [
        ("Mon 2026-11-23", "Mon 2026-11-30"),  # five working days left: the date stays
        ("Tue 2026-11-24", "Tue 2026-12-08"),  # four left: ten working days from the decision
    ],
)
def test_an_approved_exemption_reallocates_the_case(
    council: Engine, decided: str, new_due: str
) -> None:
    released = audit(council)
    request = ask_exemption(council, on=day("Mon 2026-11-23"))
    assert request.id is not None
    chosen = suggestions(council)[0]
    decision = decide_exemption(council, request.id, reallocate_to=chosen, on=day(decided))
    assert (decision.status, decision.outcome) == ("approved", "reallocated")
    assert decision.reallocated_audit_id is not None
    assert audit(council).status == "exempted"
    new = audit(council, decision.reallocated_audit_id)
    assert (new.case_ref, new.auditor_id, new.status, new.cycle) == (
        released.case_ref,
        chosen,
        "allocated",
        "2026-11",
    )
    assert (new.due_on, new.original_due_on, new.allocated_on) == (
        day(new_due),
        day(new_due),
        day(decided),
    )
    assert new.auditor_team != released.case_team and new.case_team == released.case_team
    [entry] = trail(council, "exemption.approved")
    assert entry.detail is not None
    assert (entry.detail["outcome"], entry.detail["reallocated_audit_id"]) == (
        "reallocated",
        new.id,
    )
    # The new audit is the chosen auditor's to do: they may ask for an extension of it.
    assert (
        ask_extension(council, audit_id=saved_id(new), until="Mon 2026-12-14").status == "pending"
    )


def test_an_approved_exemption_may_withdraw_the_audit(council: Engine) -> None:
    request = ask_exemption(council)
    assert request.id is not None
    decision = decide_exemption(council, request.id)
    assert (decision.status, decision.outcome, decision.reallocated_audit_id) == (
        "approved",
        "withdrawn",
        None,
    )
    assert audit(council).status == "withdrawn"
    with Session(council) as session:
        assert len(list(session.scalars(select(Audit)))) == 31  # no new audit
    [entry] = trail(council, "exemption.approved")
    assert entry.detail is not None and entry.detail["outcome"] == "withdrawn"
    with pytest.raises(RequestError, match="audit 1 is withdrawn"):
        ask_extension(council)


def test_a_rejected_exemption_leaves_the_audit(council: Engine) -> None:
    request = ask_exemption(council)
    assert request.id is not None
    decision = decide_exemption(council, request.id, approve=False)
    assert (decision.status, decision.outcome) == ("rejected", None)
    assert audit(council).status == "allocated"
    assert len(trail(council, "exemption.rejected")) == 1


def test_an_audit_completed_while_a_request_waited_cannot_be_released(council: Engine) -> None:
    """Approving would overwrite the completion; only rejecting is left."""
    exemption = ask_exemption(council)
    extension = ask_extension(council, audit_id=2)
    assert exemption.id is not None and extension.id is not None
    for audit_id in (1, 2):
        with session_scope(council, write_lock=True) as session:
            complete_audit(session, audit_id, day("Tue 2026-11-17"), "good", day("Tue 2026-11-17"))
    with pytest.raises(RequestError, match="audit 1 is completed: exemption request"):
        decide_exemption(council, exemption.id, on=day("Wed 2026-11-18"))
    with pytest.raises(RequestError, match="audit 2 is completed: extension request"):
        decide_extension(council, extension.id, on=day("Wed 2026-11-18"))
    assert (audit(council, 1).status, audit(council, 1).judgement) == ("completed", "good")
    assert (audit(council, 2).status, audit(council, 2).due_on) == ("completed", DUE)
    assert decide_exemption(council, exemption.id, approve=False).status == "rejected"


# --- PostgreSQL: two APS members deciding the same request at once --------------------------


def _decide_in_thread(
    url: str, request_id: int, approve: bool, by: str, results: dict[str, Any], start: Any
) -> None:
    engine = make_engine(url)
    try:
        start()
        with session_scope(engine, write_lock=True) as session:
            decided = request_store.decide_extension(
                session, request_id, approve, None, f"decided by {by}", by, DUE, POLICY
            )
            results[by] = decided.status
    except RequestError as error:
        results[by] = error
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_two_aps_members_racing_on_postgres_one_decision_stands(
    pg_engine: Engine, postgres_url: str, tmp_path: Path
) -> None:
    allocated(pg_engine, tmp_path)
    request = ask_extension(pg_engine, until="Mon 2026-12-07")
    assert request.id is not None
    barrier = threading.Barrier(2)
    results: dict[str, Any] = {}
    threads = [
        threading.Thread(
            target=_decide_in_thread,
            args=(postgres_url, request.id, approve, by, results, barrier.wait),
        )
        for approve, by in ((True, "APS01"), (False, "APS02"))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    errors = {by: r for by, r in results.items() if isinstance(r, RequestError)}
    stood = {by: r for by, r in results.items() if not isinstance(r, RequestError)}
    assert len(errors) == len(stood) == 1, results
    [(winner, status)] = stood.items()
    [(loser, error)] = errors.items()
    assert f"was already {status} by {winner}" in str(error)
    with Session(pg_engine) as session:
        stored = session.get(ExtensionRequest, request.id)
        assert stored is not None and (stored.status, stored.decided_by) == (status, winner)
        decisions = session.scalars(
            select(TrailEntry).where(
                col(TrailEntry.subject_type) == "extension_request",
                col(TrailEntry.subject_id) == str(request.id),
            )
        ).all()
        assert sorted(e.action for e in decisions) == [f"extension.{status}", "extension.requested"]
    expected_due = day("Mon 2026-12-07") if status == "approved" else DUE
    assert audit(pg_engine).due_on == expected_due


@pytest.mark.postgres
def test_the_second_decision_waits_for_the_first_then_is_refused(
    pg_engine: Engine, postgres_url: str, tmp_path: Path
) -> None:
    """APS01 holds the request (its transaction still open) when APS02 decides: APS02 waits on
    the row lock, and once APS01 commits sees that it was already approved."""
    allocated(pg_engine, tmp_path)
    request_id = ask_extension(pg_engine, until="Mon 2026-12-07").id
    assert request_id is not None
    first_holds, second_started = threading.Event(), threading.Event()
    results: dict[str, Any] = {}
    finished: dict[str, float] = {}

    def first() -> None:
        engine = make_engine(postgres_url)
        try:
            with session_scope(engine, write_lock=True) as session:
                decided = request_store.decide_extension(
                    session, request_id, True, None, "approved", "APS01", DUE, POLICY
                )
                session.flush()
                first_holds.set()
                second_started.wait(30)
                time.sleep(0.5)  # the second is now blocked on the row lock
                results["APS01"] = decided.status
            finished["APS01"] = time.monotonic()  # committed
        finally:
            engine.dispose()

    def second() -> None:
        first_holds.wait(30)
        second_started.set()
        _decide_in_thread(postgres_url, request_id, False, "APS02", results, lambda: None)
        finished["APS02"] = time.monotonic()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert results["APS01"] == "approved"
    assert isinstance(results["APS02"], RequestError)
    assert "was already approved by APS01" in str(results["APS02"])
    assert finished["APS02"] >= finished["APS01"]
    with Session(pg_engine) as session:
        stored = session.get(ExtensionRequest, request_id)
        assert stored is not None and (stored.status, stored.decided_by) == ("approved", "APS01")
    assert audit(pg_engine).due_on == day("Mon 2026-12-07")
