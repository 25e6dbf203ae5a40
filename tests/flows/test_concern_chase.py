"""Safeguarding concerns in the daily chase, on SQLite and PostgreSQL: the synthetic council's
November audits done, two concerns raised through ``concern_store.raise_concern``, then a chase
run on every day from Tue 1 Dec to Fri 11 Dec 2026 (Tue 8 Dec paused), each day's emails read
back from the outbox. Then the setting of 2 working days, a bank holiday, and the real Prefect
flow over SMTP during a pause.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from flows.chase import chase_outstanding_audits, decide_run
from models import Audit, Pause
from models.audit_store import complete_audit
from models.chase_store import Person
from models.concern_store import acknowledge, raise_concern
from models.db import session_scope
from rules.policy import ConcernPolicy
from tests.flows.council import POLICY
from tests.flows.smtp_server import SmtpServer, plain_smtp_settings
from tests.flows.test_chase import BASE_URL, SENDER, allocate, notifications, people, seed
from tests.rules.labelled_dates import day
from tests.settings_env import SettingsEnv

TEXT = "CONCERNTEXT she has bruises she would not explain"
NONE = {"concern_open": 0, "concern_escalation": 0}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Engine:
    engine: Engine = request.getfixturevalue("engine" if request.param == "sqlite" else "pg_engine")
    seed(engine, tmp_path)
    return engine


def done_audits(engine: Engine) -> list[Audit]:
    """November allocated and every audit completed: the audits' own ladder sends nothing."""
    every = allocate(engine)
    with session_scope(engine) as session:
        for audit in every:
            assert audit.id is not None
            complete_audit(session, audit.id, day("Fri 2026-11-27"), "good", day("Fri 2026-11-27"))
    return every


def raise_on(engine: Engine, audit: Audit, on: str) -> int:
    assert audit.id is not None
    moment = datetime.combine(day(on), datetime.min.time(), UTC) + timedelta(hours=10)
    with session_scope(engine) as session:
        concern = raise_concern(session, audit.id, TEXT, audit.auditor_id, day(on), moment)
        assert concern.id is not None
        return concern.id


def paused(starts: str, ends: str) -> Pause:
    return Pause(starts_on=day(starts), ends_on=day(ends), reason="Ofsted inspection",
                 created_by="APS01", move_due_dates=False)  # fmt: skip


def told_of(directory: dict[str, Person], team: str) -> set[str]:
    """Who a concern on a case of ``team`` goes to, worked out here apart from the code: the
    team's active Team and Service Managers, the Service Managers above its Team Managers,
    and active APS."""
    managers = [p for p in directory.values() if p.active and p.team == team
                and p.role in ("team_manager", "service_manager")]  # fmt: skip
    above = [directory[p.line_manager_id] for p in managers if p.line_manager_id]
    return (
        {p.email for p in managers}
        | {p.email for p in above if p.active and p.role == "service_manager"}
        | {p.email for p in directory.values() if p.active and p.role == "aps"}
    )


def directors(directory: dict[str, Person]) -> set[str]:
    found = {p.email for p in directory.values() if p.active and p.role == "director"}
    assert found  # the synthetic council has one
    return found


def run_day(engine: Engine, today: date, policy: object = POLICY) -> tuple[dict[str, int], dict]:
    """One run's concern counts, and the concern emails it wrote, {(concern id, to): kind}."""
    before = {n.id for n in notifications(engine)}
    summary = decide_run(engine, policy, today, BASE_URL)  # type: ignore[arg-type]
    counts = {k: summary.as_json()["items_by_stage"][k] for k in NONE}
    new = [n for n in notifications(engine) if n.id not in before]
    assert all(n.key.startswith("concern:") for n in new)  # no audit is outstanding
    return counts, {(int(n.key.split(":")[1]), n.recipient): n.kind for n in new}


def test_daily_resend_escalation_acknowledgement_pause_and_weekend(db: Engine) -> None:
    every = done_audits(db)
    directory = people(db)
    first, second = every[0], every[5]
    a = raise_on(db, first, "Tue 2026-12-01")
    b = raise_on(db, second, "Wed 2026-12-02")
    to_a, to_b = told_of(directory, first.case_team), told_of(directory, second.case_team)
    bosses = directors(directory)
    assert len(to_a) > 4 and not bosses & (to_a | to_b)
    with session_scope(db) as session:
        session.add(paused("Tue 2026-12-08", "Tue 2026-12-08"))

    def sent(concern: int, people_: set[str]) -> dict[tuple[int, str], str]:
        return {(concern, email): "concern-chase" for email in people_}

    escalated_a, escalated_b = sent(a, to_a | bosses), sent(b, to_b | bosses)
    expected = {
        "Tue 2026-12-01": (NONE, {}),  # raised today: its emails went when it was raised
        # Past 1 working day (the default): re-sent to the same people, and to the Directors.
        "Wed 2026-12-02": ({**NONE, "concern_escalation": 1}, escalated_a),
        "Thu 2026-12-03": ({**NONE, "concern_escalation": 2}, escalated_a | escalated_b),
        "Fri 2026-12-04": ({**NONE, "concern_escalation": 2}, escalated_a | escalated_b),
        "Sat 2026-12-05": (NONE, {}),
        "Sun 2026-12-06": (NONE, {}),
        "Mon 2026-12-07": ({**NONE, "concern_escalation": 2}, escalated_a | escalated_b),
        # Paused: no audit is chased, but a pause never stops child protection.
        "Tue 2026-12-08": ({**NONE, "concern_escalation": 2}, escalated_a | escalated_b),
        # a is acknowledged on Wed 9 Dec, before the run: never sent again.
        "Wed 2026-12-09": ({**NONE, "concern_escalation": 1}, escalated_b),
        "Thu 2026-12-10": ({**NONE, "concern_escalation": 1}, escalated_b),
    }
    for label, want in expected.items():
        if label == "Wed 2026-12-09":
            manager = next(p for p in directory.values() if p.email in to_a
                           and p.role == "team_manager")  # fmt: skip
            with session_scope(db) as session:
                acknowledge(session, a, "Visited with police", manager.staff_id)
        assert run_day(db, day(label)) == want, label

    # A rerun on a day that sent writes nothing new; the pause's run said why audits waited.
    assert run_day(db, day("Thu 2026-12-10")) == ({**NONE, "concern_escalation": 1}, {})
    pause_run = decide_run(db, POLICY, day("Tue 2026-12-08"), BASE_URL)
    assert pause_run.skipped is not None and "Ofsted" in pause_run.skipped
    assert all(TEXT not in n.text_body + n.html_body + n.subject for n in notifications(db))
    escalation = next(n for n in notifications(db) if n.recipient in bosses)
    assert escalation.subject.startswith("Escalation: safeguarding concern on case")
    assert "This is an escalation" in escalation.text_body


def test_a_setting_of_2_working_days_and_a_bank_holiday(db: Engine) -> None:
    every = done_audits(db)
    directory = people(db)
    bosses, to_a = directors(directory), told_of(directory, every[0].case_team)
    a = raise_on(db, every[0], "Thu 2026-12-24")
    policy = dataclasses.replace(POLICY, concerns=ConcernPolicy(escalate_after_working_days=2))
    # Fri 25 Christmas Day and Mon 28 Boxing Day (observed): bank holidays, nothing goes.
    assert run_day(db, day("Fri 2026-12-25"), policy) == (NONE, {})
    assert run_day(db, day("Mon 2026-12-28"), policy) == (NONE, {})
    counts, emails = run_day(db, day("Tue 2026-12-29"), policy)  # 1 working day: not yet
    assert counts == {**NONE, "concern_open": 1}
    assert emails == {(a, email): "concern-chase" for email in to_a}
    counts, emails = run_day(db, day("Wed 2026-12-30"), policy)  # 2 working days
    assert counts == {**NONE, "concern_escalation": 1}
    assert emails == {(a, email): "concern-chase" for email in to_a | bosses}
    dry = decide_run(db, policy, day("Thu 2026-12-31"), BASE_URL, dry_run=True)
    assert dry.as_json()["items_by_stage"]["concern_escalation"] == 1
    assert run_day(db, day("Thu 2026-12-31"), policy)[0]["concern_escalation"] == 1


@pytest.mark.prefect
def test_the_prefect_flow_sends_concerns_during_a_pause(
    prefect_server: None,
    engine: Engine,
    tmp_path: Path,
    sqlite_url: str,
    settings_env: SettingsEnv,
) -> None:
    seed(engine, tmp_path)
    every = done_audits(engine)
    directory = people(engine)
    raise_on(engine, every[0], "Mon 2026-12-07")
    with session_scope(engine) as session:
        session.add(paused("Tue 2026-12-08", "Fri 2026-12-11"))
    with SmtpServer() as mail:
        settings_env(**plain_smtp_settings(mail, sqlite_url, SENDER, BASE_URL))
        result = chase_outstanding_audits(date="2026-12-08")
        received = mail.take()
        again = chase_outstanding_audits(date="2026-12-08")
    assert "paused" in (result["skipped"] or "")
    assert {k: result["items_by_stage"][k] for k in NONE} == {**NONE, "concern_escalation": 1}
    want = told_of(directory, every[0].case_team) | directors(directory)
    assert sorted(m.to for m in received) == sorted(want)  # one email each
    assert result["emails_sent"] == len(want) and again["emails_sent"] == 0
    for message in received:
        parsed = message_from_bytes(message.raw)
        assert parsed["Importance"] == "high" and parsed["X-Priority"] == "1"
        assert b"CONCERNTEXT" not in message.raw
        assert f"{BASE_URL}/links/" in message.part("plain")
