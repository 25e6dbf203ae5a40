"""Audit actions in the daily chase, end to end on SQLite and PostgreSQL: the synthetic council's
November audits done, actions set through ``action_store.add_action``, then a chase run on every
day from Tue 1 Dec 2026 to Tue 19 Jan 2027 (Christmas Day Fri 25 Dec, Boxing Day observed
Mon 28 Dec and New Year's Day Fri 1 Jan are bank holidays; Mon 11 Jan is paused), each day's
digests read back from the outbox. Then the digests' content over SMTP, and the real Prefect flow.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from config.secret import get_secret_key
from config.signed_links import read_token, target_path
from flows.chase import chase_outstanding_audits, decide_run
from models import ActionReminder, Audit, Pause, Staff
from models.action_store import add_action, mark_done
from models.audit_store import complete_audit
from models.chase_store import Person
from models.db import session_scope
from rules.actions import ActionDraft
from tests.flows.council import POLICY
from tests.flows.smtp_server import Received, SmtpServer, plain_smtp_settings
from tests.flows.test_chase import (
    APS_TEAM,
    BASE_URL,
    SENDER,
    Council,
    allocate,
    assert_no_child_names,
    by_recipient,
    chase,
    notifications,
    people,
    seed,
)
from tests.rules.labelled_dates import day
from tests.settings_env import SettingsEnv

NONE = {
    stage: 0
    for stage in (
        *("due_in_5", "due_in_1", "overdue", "escalation"),
        *("action_due_in_5", "action_due_in_1", "action_overdue", "action_escalation"),
        *("concern_open", "concern_escalation"),
    )
}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Engine:
    engine: Engine = request.getfixturevalue("engine" if request.param == "sqlite" else "pg_engine")
    seed(engine, tmp_path)
    return engine


def owners(directory: dict[str, Person], count: int) -> list[Person]:
    """Active Team Managers with a line manager on record, each in a different team."""
    found: dict[str | None, Person] = {}
    for person in sorted(directory.values(), key=lambda p: p.staff_id):
        if person.role == "team_manager" and person.active and person.line_manager_id:
            found.setdefault(person.team, person)
    assert len(found) >= count
    return list(found.values())[:count]


def set_action(engine: Engine, audit: Audit, owner: str, set_on: str, due_on: str) -> int:
    assert audit.id is not None
    text = f"ACTIONTEXT Hold a core group for case {audit.case_ref} and record it"
    with session_scope(engine) as session:
        action = add_action(
            session, audit.id, ActionDraft(owner, day(due_on), text), day(set_on), audit.auditor_id
        )
        assert action.id is not None
        return action.id


def done(engine: Engine, action_id: int, on: str, by: str) -> None:
    with session_scope(engine) as session:
        mark_done(session, action_id, day(on), "Core group held and recorded", by, day(on))


# The hand-worked month


@dataclass
class Month:
    """Three actions on completed audits, and who owns them."""

    long: int  # set Tue 1 Dec, due Thu 24 Dec; done Wed 13 Jan
    short: int  # set Mon 21 Dec, due Wed 23 Dec: its 5-day reminder falls before it was set
    early: int  # set Tue 1 Dec, due Fri 18 Dec; done Mon 14 Dec, after its first reminder
    owner1: Person  # owns long and early
    owner2: Person  # owns short
    aps: set[str]


def month_of_actions(engine: Engine) -> Month:
    every = allocate(engine)
    with session_scope(engine) as session:
        for audit in every:
            assert audit.id is not None
            complete_audit(session, audit.id, day("Fri 2026-11-27"), "good", day("Fri 2026-11-27"))
    directory = people(engine)
    owner1, owner2 = owners(directory, 2)
    return Month(
        long=set_action(engine, every[0], owner1.staff_id, "Tue 2026-12-01", "Thu 2026-12-24"),
        short=set_action(engine, every[1], owner2.staff_id, "Mon 2026-12-21", "Wed 2026-12-23"),
        early=set_action(engine, every[2], owner1.staff_id, "Tue 2026-12-01", "Fri 2026-12-18"),
        owner1=owner1,
        owner2=owner2,
        aps={directory[s].email for s in APS_TEAM},
    )


def test_a_month_of_actions_on_the_ladder_with_bank_holidays(db: Engine) -> None:
    month = month_of_actions(db)
    directory = people(db)
    o1, o2 = month.owner1, month.owner2
    lm1, lm2 = (directory[p.line_manager_id or ""].email for p in (o1, o2))
    with session_scope(db) as session:
        session.add(
            Pause(
                starts_on=day("Mon 2027-01-11"),
                ends_on=day("Mon 2027-01-11"),
                reason="Ofsted inspection",
                created_by="APS01",
                move_due_dates=False,
            )
        )

    # Each working day's rungs (by action) and who gets a digest; every other day, nothing.
    expected: dict[str, tuple[dict[int, str], set[str]]] = {
        "Fri 2026-12-11": ({month.early: "due_in_5"}, {o1.email}),
        "Thu 2026-12-17": ({month.long: "due_in_5"}, {o1.email}),  # early is done: not chased
        "Tue 2026-12-22": ({month.short: "due_in_1"}, {o2.email}),
        "Wed 2026-12-23": ({month.long: "due_in_1"}, {o1.email}),
        "Thu 2026-12-24": ({month.short: "overdue"}, {o2.email} | month.aps),
        # Fri 25 Christmas Day and Mon 28 Boxing Day (observed) are bank holidays.
        "Tue 2026-12-29": ({month.long: "overdue"}, {o1.email} | month.aps),
        # short: 5 working days overdue (24, 29, 30, 31 Dec, 4 Jan; Fri 1 Jan New Year's Day).
        "Mon 2027-01-04": ({month.short: "escalation"}, {o2.email, lm2} | month.aps),
        "Tue 2027-01-05": ({month.long: "escalation"}, {o1.email, lm1} | month.aps),
        # Mon 11 Jan, short's second escalation, is paused: it goes on Tue 12 Jan with long's.
        "Tue 2027-01-12": (
            {month.short: "escalation_10", month.long: "escalation_10"},
            {o1.email, o2.email, lm1, lm2} | month.aps,
        ),
        # long is done on Wed 13 Jan: short alone is escalated a third time.
        "Mon 2027-01-18": ({month.short: "escalation_15"}, {o2.email, lm2} | month.aps),
    }
    seen: dict[date, tuple[dict[str, int], set[str]] | str] = {}
    today = day("Tue 2026-12-01")
    while today <= day("Tue 2027-01-19"):
        if today == day("Mon 2026-12-14"):
            done(db, month.early, "Mon 2026-12-14", o1.staff_id)
        if today == day("Wed 2027-01-13"):
            done(db, month.long, "Wed 2027-01-13", o1.line_manager_id or "")  # their manager
        before = {n.id for n in notifications(db)}
        summary = decide_run(db, POLICY, today, BASE_URL)
        if summary.skipped:
            seen[today] = summary.skipped
        else:
            new = [n for n in notifications(db) if n.id not in before]
            assert len(new) == summary.recipients
            assert all(n.key.startswith(f"digest:{today}:") for n in new)
            seen[today] = ({k: v for k, v in summary.as_json()["items_by_stage"].items() if v}, {
                n.recipient for n in new
            })  # fmt: skip
            assert len({n.recipient for n in new}) == len(new)  # one digest each
        today += timedelta(days=1)

    for when, outcome in seen.items():
        label = f"{when:%a} {when}"
        if label in expected:
            rungs, recipients = expected[label]
            stages: dict[str, int] = defaultdict(int)
            for key in rungs.values():  # "escalation_10" is an escalation
                stages["action_" + ("escalation" if key.startswith("escalation") else key)] += 1
            assert outcome == (dict(stages), recipients), label
        elif when == day("Mon 2027-01-11"):
            assert isinstance(outcome, str) and "paused" in outcome and "Ofsted" in outcome
        elif when.weekday() >= 5 or when in (
            day("Fri 2026-12-25"),
            day("Mon 2026-12-28"),
            day("Fri 2027-01-01"),
        ):
            assert isinstance(outcome, str), label
        else:
            assert outcome == ({}, set()), label

    # Each rung once, on the day it went (superseded: none, as no run was missed).
    with Session(db) as session:
        rows = session.scalars(select(ActionReminder).order_by(col(ActionReminder.id))).all()
    assert {(r.action_id, r.stage, r.recorded_on, r.outcome) for r in rows} == {
        (action_id, stage, day(label), "sent")
        for label, (rungs, _) in expected.items()
        for action_id, stage in rungs.items()
    }
    assert len(rows) == len({(r.action_id, r.due_on, r.stage) for r in rows})
    assert all(r.notification_id is not None for r in rows)

    # A rerun on a day that sent finds every rung recorded: nothing twice.
    count = len(notifications(db))
    again = decide_run(db, POLICY, day("Mon 2027-01-18"), BASE_URL)
    assert again.as_json()["items_by_stage"] == NONE and again.recipients == 0
    assert len(notifications(db)) == count


def test_missed_runs_send_only_the_most_advanced_rung(db: Engine) -> None:
    month = month_of_actions(db)
    # No run from Tue 1 Dec until Tue 29 Dec: long's two reminders are passed over.
    summary = decide_run(db, POLICY, day("Tue 2026-12-29"), BASE_URL)
    assert {k: v for k, v in summary.as_json()["items_by_stage"].items() if v} == {
        "action_overdue": 2,  # long, and short (overdue since Thu 24 Dec)
        "action_escalation": 1,  # early: 5 working days after Fri 18 Dec (21-24, 29 Dec)
    }
    with Session(db) as session:
        rows = session.scalars(select(ActionReminder)).all()
    assert {(r.action_id, r.stage, r.outcome) for r in rows} == {
        (month.long, "due_in_5", "superseded"),
        (month.long, "due_in_1", "superseded"),
        (month.long, "overdue", "sent"),
        (month.short, "due_in_1", "superseded"),
        (month.short, "overdue", "sent"),
        # early was never marked done in this story: escalated, the rest passed over.
        (month.early, "due_in_5", "superseded"),
        (month.early, "due_in_1", "superseded"),
        (month.early, "overdue", "superseded"),
        (month.early, "escalation", "sent"),
    }


def test_an_owner_who_has_left_is_chased_as_an_auditor_who_has_left_is(db: Engine) -> None:
    """The chase writes to whoever owns the action, active or not, as it does for an auditor;
    the escalation still reaches their line manager and APS (docs/emails.md)."""
    month = month_of_actions(db)
    for action_id in (month.long, month.early):
        done(db, action_id, "Wed 2026-12-30", month.owner1.staff_id)
    with session_scope(db) as session:
        session.execute(
            update(Staff).where(col(Staff.staff_id) == month.owner2.staff_id).values(active=False)
        )
    summary = decide_run(db, POLICY, day("Mon 2027-01-04"), BASE_URL)  # short: escalation
    assert {k: v for k, v in summary.as_json()["items_by_stage"].items() if v} == {
        "action_escalation": 1
    }
    manager = people(db)[month.owner2.line_manager_id or ""]
    assert {n.recipient for n in notifications(db)} == {month.owner2.email, manager.email} | (
        month.aps
    )


# What the digests say


LINK = re.compile(re.escape(BASE_URL) + r"/links/([A-Za-z0-9_.\-]+)")


def done_links(part: str, now: datetime) -> dict[int, str]:
    """The action-done links in ``part``: {action id: the staff id it was signed for}."""
    found = {}
    for token in LINK.findall(part):
        claims = read_token(token, now, get_secret_key())
        if claims.purpose == "action-done":
            assert target_path(claims) == f"/actions/{claims.subject_id}/done"
            found[claims.subject_id] = claims.staff_id
    return found


def test_the_digest_lists_actions_beside_audits_one_email_each(db: Engine) -> None:
    every = allocate(db)
    directory = people(db)
    council = Council(db, every, directory)
    with_audit = every[0]  # its auditor also owns an action due the same day
    sm = next(p for p in sorted(directory.values(), key=lambda p: p.staff_id)
              if p.role == "service_manager" and p.active)  # fmt: skip
    assert sm.staff_id not in {a.auditor_id for a in every}  # owns an action, audits nothing
    mine = set_action(db, with_audit, with_audit.auditor_id, "Tue 2026-11-03", "Mon 2026-11-30")
    theirs = set_action(db, every[1], sm.staff_id, "Tue 2026-11-03", "Mon 2026-11-30")

    with SmtpServer() as mail:
        summary, report = chase(db, day("Tue 2026-12-01"), mail.port)
        received = by_recipient(mail.take())
    now = datetime.now(UTC)
    assert {k: v for k, v in summary.as_json()["items_by_stage"].items() if v} == {
        "overdue": len(every),
        "action_overdue": 2,
    }
    assert set(received) == {council.auditor_email(a) for a in every} | council.aps_emails | {
        sm.email
    }
    assert report.sent == summary.recipients == len(every) + len(APS_TEAM) + 1

    # The auditor who owns an action: one email, the audit and the action.
    message = received[council.auditor_email(with_audit)]
    assert message.subject == (
        f"Overdue: audit {with_audit.case_ref} was due Mon 30 Nov 2026 — please complete it now"
        " (and 1 action to do)"
    )
    text, html = message.part("plain"), message.part("html")
    assert "Action: case " + with_audit.case_ref in text
    # Free text stays behind the link, as request reasons do: never in an email.
    assert "ACTIONTEXT" not in text + html
    assert "Working days overdue: 1" in text and "Due date: Mon 30 Nov 2026" in text
    assert f"Mark action {mine} (case {with_audit.case_ref}) done" in text
    assert done_links(text, now) == {mine: with_audit.auditor_id} == done_links(html, now)
    assert f"{BASE_URL}/audits/{with_audit.id}" in text

    # The Service Manager with only an action: one owner's digest.
    message = received[sm.email]
    assert message.subject == (
        f"Overdue: action for case {every[1].case_ref} was due Mon 30 Nov 2026 — please do it now"
    )
    assert done_links(message.part("plain"), now) == {theirs: sm.staff_id}
    assert "audits to complete" not in message.part("plain")
    assert f"{BASE_URL}/audits/" not in message.part("plain")

    # Each APS member: every audit and both actions, with links signed for them alone.
    for staff_id in APS_TEAM:
        message = received[directory[staff_id].email]
        assert message.subject == (
            f"Audit programme digest for Tue 1 Dec 2026: {len(every)} overdue, 2 actions overdue"
        )
        assert done_links(message.part("plain"), now) == {mine: staff_id, theirs: staff_id}
        assert "Owner: " + sm.name in message.part("plain")
    assert_no_child_names(list(received.values()))


# The real Prefect flow


@pytest.mark.prefect
def test_the_prefect_flow_counts_the_action_stages(
    prefect_server: None,
    engine: Engine,
    tmp_path: Path,
    sqlite_url: str,
    settings_env: SettingsEnv,
) -> None:
    seed(engine, tmp_path)
    month = month_of_actions(engine)
    with SmtpServer() as mail:
        settings_env(**plain_smtp_settings(mail, sqlite_url, SENDER, BASE_URL))
        result = chase_outstanding_audits(date="2027-01-05")
        received: list[Received] = mail.take()
        again = chase_outstanding_audits(date="2027-01-05")
    # Missed runs: each action's most advanced rung (early was never marked done here).
    assert result["items_by_stage"] == {**NONE, "action_escalation": 3}
    directory = people(engine)
    managers = {directory[p.line_manager_id or ""].email for p in (month.owner1, month.owner2)}
    assert {m.to for m in received} == {month.owner1.email, month.owner2.email} | managers | (
        month.aps
    )
    assert result["emails_sent"] == result["recipients"] == len(received)
    assert (again["items_by_stage"], again["emails_sent"]) == (NONE, 0)
