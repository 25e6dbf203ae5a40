"""The chase end to end: a synthetic council, a month's allocation, then day after day of chase
runs sending to a real SMTP server on loopback (aiosmtpd), read back as they arrived.

Runs are driven as the flow drives them, without the Prefect engine: ``decide_run`` then
``send_outbox``. One test at the end goes through the real Prefect flow.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from demo.synthetic import CASE_COLUMNS, STAFF_COLUMNS, make_council, write_csv
from flows.allocate import allocate_cycle
from flows.chase import ChaseSummary, chase_outstanding_audits, decide_run
from flows.outbox import SendReport, send_outbox
from importer import import_cases, import_staff
from models import Audit, Pause, chase_store, outbox_store
from models.audit_store import complete_audit
from models.chase_store import Person
from models.db import make_engine, session_scope
from models.outbox import Notification, ReminderStage
from notifications.transports import SmtpTransport
from tests.flows.council import POLICY, TODAY
from tests.flows.smtp_server import Received, SmtpServer, plain_smtp_settings
from tests.rules.labelled_dates import day
from tests.settings_env import SettingsEnv

BASE_URL = "https://audits.council.example"
SENDER = "audits@example.gov.uk"
MONTH = "2026-11"
DUE = day("Mon 2026-11-30")
CHILD = "Zebediah"  # every child's name in the case file starts with this
APS_TEAM = ("APS01", "APS02", "APS03", "APS04")


# The council, its month, and a chase run


def seed(engine: Engine, folder: Path, cases: int = 400) -> None:
    """The synthetic council, imported through the real import, its case file carrying a
    ``child_name`` column as some exports do."""
    council = make_council(11, TODAY, cases=cases, teams_per_area=4, managers_per_team=2)
    # Someone who has left the APS team: never sent its digest.
    gone = {**next(s for s in council.staff if s["staff_id"] == "APS04"), "staff_id": "APS05"}
    council.staff.append({**gone, "email": "aps.left@example.gov.uk", "active": "no"})
    rows = [{**case, "child_name": f"{CHILD} Quux-{n}"} for n, case in enumerate(council.cases)]
    staff_csv = write_csv(folder / "staff.csv", STAFF_COLUMNS, council.staff)
    cases_csv = write_csv(folder / "cases.csv", [*CASE_COLUMNS, "child_name"], rows)
    assert CHILD in cases_csv.read_text()
    with session_scope(engine) as session:
        import_staff(session, staff_csv, TODAY)
    with session_scope(engine) as session:
        result = import_cases(session, cases_csv, TODAY)
    assert result.ignored_columns == ["child_name"]


def allocate(engine: Engine, month: str = MONTH, theme: str = "cin") -> list[Audit]:
    with session_scope(engine, write_lock=True) as session:
        outcome = allocate_cycle(session, POLICY, month, theme)
    assert outcome.audits and not outcome.shortfalls
    return audits(engine, month)


def audits(engine: Engine, month: str = MONTH) -> list[Audit]:
    with Session(engine) as session:
        return list(
            session.scalars(select(Audit).where(col(Audit.cycle) == month).order_by(col(Audit.id)))
        )


def people(engine: Engine) -> dict[str, Person]:
    with Session(engine) as session:
        return chase_store.people(session)


@dataclass
class Council:
    engine: Engine
    audits: list[Audit]
    people: dict[str, Person]

    def email(self, staff_id: str) -> str:
        return self.people[staff_id].email

    def auditor_email(self, audit: Audit) -> str:
        return self.email(audit.auditor_id)

    @property
    def aps_emails(self) -> set[str]:
        return {self.email(s) for s in APS_TEAM}

    def audit_by_auditor_email(self) -> dict[str, Audit]:
        return {self.auditor_email(a): a for a in self.audits}


@pytest.fixture
def council(engine: Engine, tmp_path: Path) -> Council:
    seed(engine, tmp_path)
    allocated = allocate(engine)
    assert {a.due_on for a in allocated} == {DUE}
    assert len({a.auditor_id for a in allocated}) == len(allocated)  # one audit each
    directory = people(engine)
    assert all(directory[s].role == "aps" and directory[s].active for s in APS_TEAM)
    assert sorted(chase_store.aps_team(directory)) == list(APS_TEAM)
    return Council(engine, allocated, directory)


@pytest.fixture
def mail() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


def chase(
    engine: Engine, today: date, port: int, waits: list[float] | None = None
) -> tuple[ChaseSummary, SendReport]:
    """One chase run, as the flow does it: decide and record, then send the outbox (not on a
    day the flow skips)."""
    summary = decide_run(engine, POLICY, today, BASE_URL)
    if summary.skipped:
        return summary, SendReport()
    report = send_outbox(
        engine,
        lambda: SmtpTransport("127.0.0.1", port, SENDER, timeout=5),
        sleep=(waits.append if waits is not None else lambda seconds: None),
    )
    return summary, report


def notifications(engine: Engine, status: str | None = None) -> list[Notification]:
    with Session(engine) as session:
        return outbox_store.notifications(session, status)


def stages(engine: Engine) -> list[ReminderStage]:
    with Session(engine) as session:
        return list(session.scalars(select(ReminderStage).order_by(col(ReminderStage.id))))


def by_recipient(messages: list[Received]) -> dict[str, Received]:
    """The messages of one run by recipient, checking nobody got two."""
    counts = Counter(m.to for m in messages)
    assert all(n == 1 for n in counts.values()), f"more than one email: {counts}"
    for message in messages:
        assert message.rcpt_tos == (message.to,)
        assert message.mail_from == SENDER
    return {m.to: m for m in messages}


def link(audit: Audit) -> str:
    return f"{BASE_URL}/audits/{audit.id}"


def has_link(part: str, audit: Audit) -> bool:
    """Whether ``part`` links to the audit (``/audits/1`` is not ``/audits/12``)."""
    return re.search(re.escape(link(audit)) + r"(?![0-9])", part) is not None


def assert_lists(message: Received, listed: list[Audit], not_listed: list[Audit]) -> None:
    """The text and the HTML part both show each listed audit (case ref, due date, link), and
    none of the others."""
    text, html = message.part("plain"), message.part("html")
    for audit in listed:
        for part in (text, html):
            assert audit.case_ref in part
            assert has_link(part, audit)
    due_dates = {f"{a.due_on:%a} {a.due_on.day} {a.due_on:%b %Y}" for a in listed}
    assert all(due in text and due in html for due in due_dates)
    for audit in not_listed:
        assert audit.case_ref not in text and audit.case_ref not in html
        assert not has_link(text, audit) and not has_link(html, audit)


def assert_no_child_names(messages: list[Received]) -> None:
    for message in messages:
        assert CHILD.encode() not in message.raw
        assert CHILD not in message.subject
        assert CHILD not in message.part("plain") and CHILD not in message.part("html")


# The month end to end


def test_a_month_of_chasing_end_to_end(council: Council, mail: SmtpServer) -> None:
    engine, every = council.engine, council.audits
    auditors = council.audit_by_auditor_email()
    done = every[0]
    outstanding = every[1:]
    quiet_days = []

    # Mon 23 Nov: five working days to go. Each auditor one email, with their own item only.
    summary, report = chase(engine, day("Mon 2026-11-23"), mail.port)
    assert summary.items_by_stage == {"due_in_5": len(every)}
    assert summary.recipients == report.sent == len(every)
    assert (report.failed, report.deferred, summary.skipped) == (0, 0, None)
    received = by_recipient(mail.take())
    assert set(received) == set(auditors)
    for to, message in received.items():
        audit = auditors[to]
        assert message.subject == f"Audit {audit.case_ref} due Mon 30 Nov 2026: 5 working days left"
        assert_lists(message, [audit], [a for a in every if a is not audit])
        assert "Due in 5 working days" in message.part("plain")

    # Completed on Wed 25 Nov: never chased again.
    with session_scope(engine) as session:
        assert done.id is not None
        complete_audit(session, done.id, day("Wed 2026-11-25"), "good", day("Wed 2026-11-25"))

    for quiet in ("Tue 2026-11-24", "Wed 2026-11-25", "Thu 2026-11-26"):
        summary, report = chase(engine, day(quiet), mail.port)
        quiet_days.append((quiet, summary.items_by_stage, report.sent))

    # Fri 27 Nov: one working day to go.
    summary, report = chase(engine, day("Fri 2026-11-27"), mail.port)
    assert summary.items_by_stage == {"due_in_1": len(outstanding)}
    received = by_recipient(mail.take())
    assert set(received) == {council.auditor_email(a) for a in outstanding}
    for to, message in received.items():
        assert message.subject.endswith("due Mon 30 Nov 2026: 1 working day left")
        assert_lists(message, [auditors[to]], [done])

    # Sat 28 Nov: a weekend, nothing at all.
    summary, report = chase(engine, day("Sat 2026-11-28"), mail.port)
    assert summary.skipped == "Sat 28 Nov 2026 is a weekend"
    assert summary.items_by_stage == {} and report.sent == 0
    assert not mail.take()

    # Mon 30 Nov, the due date: nothing.
    summary, report = chase(engine, DUE, mail.port)
    quiet_days.append(("Mon 2026-11-30", summary.items_by_stage, report.sent))

    # Tue 1 Dec: overdue. Each auditor their own; each APS member one digest of all of them.
    summary, report = chase(engine, day("Tue 2026-12-01"), mail.port)
    assert summary.items_by_stage == {"overdue": len(outstanding)}
    received = by_recipient(mail.take())
    assert set(received) == {council.auditor_email(a) for a in outstanding} | council.aps_emails
    assert summary.recipients == report.sent == len(outstanding) + len(APS_TEAM)
    for to in council.aps_emails:
        message = received[to]
        assert message.subject == (
            f"Audit programme digest for Tue 1 Dec 2026: {len(outstanding)} overdue"
        )
        assert_lists(message, outstanding, [done])
    for audit in outstanding:
        message = received[council.auditor_email(audit)]
        assert message.subject.startswith(f"Overdue: audit {audit.case_ref} was due Mon 30 Nov")
        assert_lists(message, [audit], [a for a in every if a is not audit])

    for quiet in ("Wed 2026-12-02", "Thu 2026-12-03", "Fri 2026-12-04"):
        summary, report = chase(engine, day(quiet), mail.port)
        quiet_days.append((quiet, summary.items_by_stage, report.sent))

    # Mon 7 Dec: five working days overdue. The auditor, their line manager (the service
    # manager in the staff file), and APS.
    summary, report = chase(engine, day("Mon 2026-12-07"), mail.port)
    assert summary.items_by_stage == {"escalation": len(outstanding)}
    managed: dict[str, list[Audit]] = {}
    for audit in outstanding:
        manager = council.people[audit.auditor_id].line_manager_id
        assert manager is not None and council.people[manager].role == "service_manager"
        managed.setdefault(council.email(manager), []).append(audit)
    received = by_recipient(mail.take())
    auditor_emails = {council.auditor_email(a) for a in outstanding}
    assert set(received) == auditor_emails | set(managed) | council.aps_emails
    assert report.sent == len(auditor_emails) + len(managed) + len(APS_TEAM)
    for to, theirs in managed.items():
        assert_lists(received[to], theirs, [a for a in every if a not in theirs])
        assert received[to].subject.startswith("Escalation:")
        assert received[to].part("plain").count("Working days overdue: 5") == len(theirs)
    for to in council.aps_emails:
        assert_lists(received[to], outstanding, [done])
        assert f"{len(outstanding)} escalated" in received[to].subject

    # Nothing on the quiet days, and nothing ever twice.
    assert all(items == {} and sent == 0 for _, items, sent in quiet_days), quiet_days
    assert not mail.take()
    everything = mail.messages
    assert len(everything) == len(notifications(engine, "sent")) == len(notifications(engine))
    assert_no_child_names(everything)
    assert {(s.audit_id, s.stage) for s in stages(engine) if s.audit_id == done.id} == {
        (done.id, "due_in_5")
    }


# The ladder on the calendar


LADDER = {
    "Fri 2026-08-21": "due_in_5",
    "Thu 2026-08-27": "due_in_1",
    "Tue 2026-09-01": "overdue",  # Mon 31 Aug is the Late Summer Bank Holiday
    "Mon 2026-09-07": "escalation",
}


def test_the_ladder_for_a_due_date_next_to_a_bank_holiday(engine: Engine, tmp_path: Path) -> None:
    seed(engine, tmp_path)
    august = allocate(engine, "2026-08", "all")
    assert {a.due_on for a in august} == {day("Fri 2026-08-28")}  # the last working day
    expected = {day(label): stage for label, stage in LADDER.items()}
    seen: dict[date, object] = {}
    today = day("Mon 2026-08-17")
    while today <= day("Tue 2026-09-08"):
        summary = decide_run(engine, POLICY, today, BASE_URL)
        if summary.skipped:
            seen[today] = summary.skipped
        else:
            seen[today] = summary.items_by_stage
        today += timedelta(days=1)
    for when, outcome in seen.items():
        if when in expected:
            assert outcome == {expected[when]: len(august)}, when
        elif when.weekday() >= 5:
            assert outcome == f"{when:%a} {when.day} {when:%b %Y} is a weekend"
        elif when == day("Mon 2026-08-31"):
            assert outcome == "Mon 31 Aug 2026 is a bank holiday (Late Summer Bank Holiday)"
        else:
            assert outcome == {}, when
    recorded = {(s.audit_id, s.stage): (s.recorded_on, s.outcome) for s in stages(engine)}
    assert recorded == {
        (a.id, stage): (when, "sent") for a in august for when, stage in expected.items()
    }
    directory = people(engine)
    managers = {directory[a.auditor_id].line_manager_id for a in august}
    assert len(notifications(engine)) == 4 * len(august) + 2 * len(APS_TEAM) + len(managers)


# Twice on the same day


def test_running_twice_on_the_same_day_sends_nothing_the_second_time(
    council: Council, mail: SmtpServer
) -> None:
    engine = council.engine
    for label in ("Mon 2026-11-23", "Tue 2026-12-01"):
        first, report = chase(engine, day(label), mail.port)
        assert first.items_by_stage and report.sent == len(mail.take()) > 0
        before = len(notifications(engine)), len(stages(engine))
        again, report = chase(engine, day(label), mail.port)
        assert again.items_by_stage == {} and again.recipients == 0
        assert (report.sent, report.failed, report.deferred) == (0, 0, 0)
        assert not mail.take()
        assert (len(notifications(engine)), len(stages(engine))) == before


# Missed runs


def test_after_missed_runs_only_the_most_advanced_stage_goes(
    council: Council, mail: SmtpServer
) -> None:
    engine, every = council.engine, council.audits
    chase(engine, day("Mon 2026-11-23"), mail.port)
    mail.take()
    # The service is down on Fri 27 Nov and Tue 1 Dec; it runs again on Wed 2 Dec.
    summary, report = chase(engine, day("Wed 2026-12-02"), mail.port)
    assert summary.items_by_stage == {"overdue": len(every)}
    received = by_recipient(mail.take())
    assert set(received) == {council.auditor_email(a) for a in every} | council.aps_emails
    for audit in every:
        message = received[council.auditor_email(audit)]
        assert message.subject.startswith(f"Overdue: audit {audit.case_ref}")
        assert "Working days overdue: 2" in message.part("plain")
    later = [s for s in stages(engine) if s.recorded_on == day("Wed 2026-12-02")]
    assert {(s.audit_id, s.stage, s.outcome) for s in later} == {
        (a.id, stage, outcome)
        for a in every
        for stage, outcome in (("due_in_1", "superseded"), ("overdue", "sent"))
    }
    assert all(s.notification_id is None for s in later if s.outcome == "superseded")
    assert all(s.notification_id is not None for s in later if s.outcome == "sent")
    summary, report = chase(engine, day("Thu 2026-12-03"), mail.port)
    assert summary.items_by_stage == {} and not mail.take()


# An extension


def test_an_extension_gives_the_audit_a_new_ladder(council: Council, mail: SmtpServer) -> None:
    engine, every = council.engine, council.audits
    extended, others = every[0], every[1:]
    new_due = day("Mon 2026-12-14")
    chase(engine, day("Mon 2026-11-23"), mail.port)
    assert council.auditor_email(extended) in by_recipient(mail.take())
    with session_scope(engine) as session:
        session.execute(update(Audit).where(col(Audit.id) == extended.id).values(due_on=new_due))

    for label in ("Fri 2026-11-27", "Tue 2026-12-01"):
        summary, _ = chase(engine, day(label), mail.port)
        assert sum(summary.items_by_stage.values()) == len(others)
        received = by_recipient(mail.take())
        assert council.auditor_email(extended) not in received
        assert all(extended.case_ref not in m.part("plain") for m in received.values())

    summary, _ = chase(engine, day("Mon 2026-12-07"), mail.port)  # 5 working days before 14 Dec
    assert summary.items_by_stage == {"escalation": len(others), "due_in_5": 1}
    message = by_recipient(mail.take())[council.auditor_email(extended)]
    assert message.subject == f"Audit {extended.case_ref} due Mon 14 Dec 2026: 5 working days left"
    assert "Mon 14 Dec 2026 (extended from Mon 30 Nov 2026)" in message.part("plain")
    rows = {(s.due_on, s.stage) for s in stages(engine) if s.audit_id == extended.id}
    assert rows == {(DUE, "due_in_5"), (new_due, "due_in_5")}


# Faults


def test_smtp_server_down_then_up_loses_nothing(council: Council, mail: SmtpServer) -> None:
    engine, every = council.engine, council.audits
    mail.stop()
    summary, report = chase(engine, day("Mon 2026-11-23"), mail.port)
    assert summary.items_by_stage == {"due_in_5": len(every)}
    assert (report.sent, report.failed, report.deferred) == (0, 0, len(every))
    assert all("cannot connect" in error for error in report.errors)
    pending = notifications(engine, "pending")
    assert len(pending) == len(notifications(engine)) == len(every)
    assert all(n.attempts == 1 and n.last_error for n in pending)

    mail.start()
    summary, report = chase(engine, day("Tue 2026-11-24"), mail.port)
    assert summary.items_by_stage == {}  # nothing new to decide: the digests were kept
    assert (report.sent, report.deferred) == (len(every), 0)
    received = by_recipient(mail.take())
    assert set(received) == set(council.audit_by_auditor_email())
    assert all("5 working days left" in m.subject for m in received.values())
    assert len(notifications(engine, "sent")) == len(every)
    assert chase(engine, day("Tue 2026-11-24"), mail.port)[1].sent == 0


def test_a_4xx_reply_is_retried_and_delivered(council: Council, mail: SmtpServer) -> None:
    mail.mailbox.rcpt_failures = 1
    waits: list[float] = []
    _, report = chase(council.engine, day("Mon 2026-11-23"), mail.port, waits)
    assert (report.sent, report.failed, report.deferred) == (len(council.audits), 0, 0)
    assert waits == [0.5]  # one backoff, then accepted
    assert len(mail.mailbox.refusals) == 1 and mail.mailbox.refusals[0][1] == "451"
    assert set(mail.per_recipient().values()) == {1}
    assert len(mail.per_recipient()) == len(council.audits)


def test_a_5xx_for_one_recipient_fails_it_and_the_next_aps_digest_says_so(
    council: Council, mail: SmtpServer
) -> None:
    engine, every = council.engine, council.audits
    gone = council.auditor_email(every[0])
    mail.mailbox.refuse[gone] = "550 5.1.1 No such user here"
    waits: list[float] = []
    _, report = chase(engine, day("Mon 2026-11-23"), mail.port, waits)
    assert (report.sent, report.failed, report.deferred) == (len(every) - 1, 1, 0)
    assert waits == []  # not retried
    assert gone not in by_recipient(mail.take())
    [failed] = notifications(engine, "failed")
    assert failed.recipient == gone and "550" in (failed.last_error or "")
    assert not failed.failure_reported
    del mail.mailbox.refuse[gone]  # the address is put right

    # The next run: each APS member's digest lists the failure; the failed email is not resent.
    _, report = chase(engine, day("Fri 2026-11-27"), mail.port)
    received = by_recipient(mail.take())
    assert set(received) == set(council.audit_by_auditor_email()) | council.aps_emails
    assert "1 working day left" in received[gone].subject
    for to in council.aps_emails:
        message = received[to]
        assert message.subject == "Audit programme digest for Fri 27 Nov 2026: 1 failed email"
        for part in (message.part("plain"), message.part("html")):
            assert gone in part and "550" in part and "No such user here" in part
    assert [n.id for n in notifications(engine, "failed")] == [failed.id]
    assert notifications(engine, "failed")[0].failure_reported

    # ... and only that run's.
    chase(engine, day("Tue 2026-12-01"), mail.port)
    received = by_recipient(mail.take())
    for to in council.aps_emails:
        assert "failed" not in received[to].subject
        assert gone not in received[to].part("plain") and "550" not in received[to].part("plain")


def test_the_connection_cut_mid_message_is_resumed(council: Council, mail: SmtpServer) -> None:
    mail.mailbox.cut_after = 3  # the 4th message is cut off half way
    _, report = chase(council.engine, day("Mon 2026-11-23"), mail.port)
    assert mail.mailbox.cut.is_set()
    assert (report.sent, report.failed, report.deferred) == (len(council.audits), 0, 0)
    assert mail.mailbox.connections == 2  # reconnected once
    counts = mail.per_recipient()
    assert set(counts) == set(council.audit_by_auditor_email()) and set(counts.values()) == {1}


def test_the_server_lost_mid_run_delivers_the_rest_next_run_exactly_once(
    council: Council, mail: SmtpServer
) -> None:
    engine, every = council.engine, council.audits
    mail.mailbox.cut_after, mail.mailbox.go_down_on_cut = 5, True
    _, report = chase(engine, day("Mon 2026-11-23"), mail.port)
    assert mail.mailbox.cut.is_set()
    assert (report.sent, report.failed, report.deferred) == (5, 0, len(every) - 5)
    assert len(mail.messages) == 5 and len(notifications(engine, "pending")) == len(every) - 5
    mail.stop()
    mail.start()
    _, report = chase(engine, day("Mon 2026-11-23"), mail.port)
    assert (report.sent, report.deferred) == (len(every) - 5, 0)
    counts = mail.per_recipient()
    assert set(counts) == set(council.audit_by_auditor_email()) and set(counts.values()) == {1}
    assert len(notifications(engine, "sent")) == len(every)


# Two runs at once on PostgreSQL


@pytest.mark.postgres
def test_two_runs_at_once_on_postgres_send_each_email_once(
    pg_engine: Engine, postgres_url: str, tmp_path: Path, mail: SmtpServer
) -> None:
    seed(pg_engine, tmp_path)
    every = allocate(pg_engine)
    directory = people(pg_engine)

    def both(today: date) -> list[tuple[ChaseSummary, SendReport]]:
        results: list[tuple[ChaseSummary, SendReport]] = []
        errors: list[BaseException] = []
        start = threading.Barrier(2)

        def run() -> None:
            engine = make_engine(postgres_url)
            try:
                start.wait()
                results.append(chase(engine, today, mail.port))
            except BaseException as error:  # noqa: BLE001  reported below
                errors.append(error)
            finally:
                engine.dispose()

        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert not errors, errors
        assert len(results) == 2
        return results

    results = both(day("Mon 2026-11-23"))
    assert sorted(sum(s.items_by_stage.values()) for s, _ in results) == [0, len(every)]
    assert sum(r.sent for _, r in results) == len(every)
    assert sum(r.deferred + r.failed for _, r in results) == 0

    results = both(day("Tue 2026-12-01"))
    assert sum(r.sent for _, r in results) == len(every) + len(APS_TEAM)

    counts = mail.per_recipient()
    auditor_emails = {directory[a.auditor_id].email for a in every}
    aps = {directory[s].email for s in APS_TEAM}
    assert set(counts) == auditor_emails | aps
    assert all(counts[e] == 2 for e in auditor_emails) and all(counts[e] == 1 for e in aps)
    assert len({m.message["Message-ID"] for m in mail.messages}) == len(mail.messages)
    rows = stages(pg_engine)
    assert len(rows) == len({(s.audit_id, s.due_on, s.stage) for s in rows})
    assert Counter((s.stage, s.outcome) for s in rows) == {
        ("due_in_5", "sent"): len(every),
        ("due_in_1", "superseded"): len(every),  # no run on Fri 27 Nov
        ("overdue", "sent"): len(every),
    }
    assert len(notifications(pg_engine, "sent")) == len(notifications(pg_engine))


@pytest.mark.postgres
def test_a_run_skips_what_another_run_has_claimed_on_postgres(
    pg_engine: Engine, tmp_path: Path, mail: SmtpServer
) -> None:
    seed(pg_engine, tmp_path)
    every = allocate(pg_engine)
    monday = day("Mon 2026-11-23")
    decide_run(pg_engine, POLICY, monday, BASE_URL)
    reports: list[SendReport] = []
    with session_scope(pg_engine) as held:
        # One run has claimed ten digests and is still in its transaction ...
        claimed = outbox_store.claim(held, "run-held", limit=10)
        held_to = {n.recipient for n in claimed}
        assert len(held_to) == 10
        # ... when another starts: it neither waits for those ten nor sends them.
        other = threading.Thread(
            target=lambda: reports.append(chase(pg_engine, monday, mail.port)[1])
        )
        other.start()
        other.join(30)
        alive = other.is_alive()
        held.rollback()  # the first run dies before sending: its claim is undone
    other.join(30)
    assert not alive, "the second run waited on the first run's claim"
    assert reports[0].sent == len(every) - 10
    assert not held_to & set(mail.per_recipient())
    # The next run sends the ten, once.
    assert chase(pg_engine, monday, mail.port)[1].sent == 10
    counts = mail.per_recipient()
    assert len(counts) == len(every) and set(counts.values()) == {1}


# Pauses, exemptions and withdrawals


def test_nothing_during_a_pause_or_for_exempted_and_withdrawn_audits(
    council: Council, mail: SmtpServer
) -> None:
    engine, every = council.engine, council.audits
    with session_scope(engine) as session:
        session.add(
            Pause(
                starts_on=day("Fri 2026-11-20"),
                ends_on=day("Fri 2026-11-27"),
                reason="Ofsted inspection",
                created_by="APS01",
                move_due_dates=False,  # due dates kept: moving them is tested in test_pause_store
            )
        )
    for label in ("Mon 2026-11-23", "Fri 2026-11-27"):
        summary, report = chase(engine, day(label), mail.port)
        assert summary.skipped and "paused" in summary.skipped and "Ofsted" in summary.skipped
        assert summary.items_by_stage == {} and report.sent == 0
    assert not mail.take() and not notifications(engine) and not stages(engine)

    exempted, withdrawn, chased = every[0], every[1], every[2:]
    with session_scope(engine) as session:
        session.execute(update(Audit).where(col(Audit.id) == exempted.id).values(status="exempted"))
        session.execute(
            update(Audit).where(col(Audit.id) == withdrawn.id).values(status="withdrawn")
        )

    # The pause is over: the most advanced reminder goes, to the audits still to be done.
    summary, _ = chase(engine, DUE, mail.port)
    assert summary.items_by_stage == {"due_in_1": len(chased)}
    summary, _ = chase(engine, day("Tue 2026-12-01"), mail.port)
    assert summary.items_by_stage == {"overdue": len(chased)}
    received = mail.take()
    quiet = {council.auditor_email(exempted), council.auditor_email(withdrawn)}
    assert not quiet & {m.to for m in received}
    for message in received:
        assert exempted.case_ref not in message.part("plain")
        assert withdrawn.case_ref not in message.part("plain")
    assert not {s.audit_id for s in stages(engine)} & {exempted.id, withdrawn.id}


# The real Prefect flow, once


@pytest.mark.prefect
def test_the_prefect_flow_chases_over_smtp(
    prefect_server: None,
    council: Council,
    sqlite_url: str,
    mail: SmtpServer,
    settings_env: SettingsEnv,
) -> None:
    settings_env(**plain_smtp_settings(mail, sqlite_url, SENDER, BASE_URL))
    assert chase_outstanding_audits.name == "chase-outstanding-audits"
    every = council.audits
    result = chase_outstanding_audits(date="2026-12-01")
    assert {"date", "emails_sent", "recipients", "items_by_stage", "failed"} <= set(result)
    assert result["date"] == "2026-12-01"
    none = {"due_in_5": 0, "due_in_1": 0, "overdue": 0, "escalation": 0}
    none |= {"action_due_in_5": 0, "action_due_in_1": 0, "action_overdue": 0}
    none["action_escalation"] = 0  # actions are chased too (tests/flows/test_action_chase.py)
    none |= {"concern_open": 0, "concern_escalation": 0}  # tests/flows/test_concern_chase.py
    assert result["items_by_stage"] == {**none, "overdue": len(every)}
    assert result["emails_sent"] == result["recipients"] == len(every) + len(APS_TEAM)
    assert result["failed"] == 0
    received = by_recipient(mail.take())
    assert set(received) == {council.auditor_email(a) for a in every} | council.aps_emails
    assert all(has_link(received[council.auditor_email(a)].part("plain"), a) for a in every)

    again = chase_outstanding_audits(date="2026-12-01")
    assert (again["emails_sent"], again["recipients"], again["items_by_stage"]) == (0, 0, none)
    weekend = chase_outstanding_audits(date="2026-12-05")
    assert weekend["emails_sent"] == 0 and "weekend" in weekend["skipped"]
    assert not mail.take()


def test_the_prefect_flow_shares_rendering_with_its_helper(
    prefect_server: None,
    council: Council,
    sqlite_url: str,
    mail: SmtpServer,
    settings_env: SettingsEnv,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A council this small renders its digests in the run alone; made to share (as 200
    digests or more do), the flow's helper renders some of them, and every email is as sent
    without it: each auditor's, with their audit's link, and the APS team's."""
    from flows import outbox_helpers, shared_rendering

    settings_env(**plain_smtp_settings(mail, sqlite_url, SENDER, BASE_URL))
    monkeypatch.setattr(shared_rendering, "SHARE_FROM", 1)
    monkeypatch.setattr(outbox_helpers, "helper_count", lambda: 1)  # (a 1-core machine has none)
    rendered_here: list[int] = []
    render_here = shared_rendering.render_here

    def counted(jobs: Any, programme_name: str) -> Any:
        rendered_here.append(len(jobs))
        return render_here(jobs, programme_name)

    monkeypatch.setattr(shared_rendering, "render_here", counted)
    every = council.audits
    result = chase_outstanding_audits(date="2026-12-01")
    assert result["emails_sent"] == result["recipients"] == len(every) + len(APS_TEAM)
    shared = int(result["recipients"] * shared_rendering.HELPER_SHARE)
    assert shared > 0 and rendered_here == [result["recipients"] - shared]
    received = by_recipient(mail.take())
    assert set(received) == {council.auditor_email(a) for a in every} | council.aps_emails
    assert all(has_link(received[council.auditor_email(a)].part("plain"), a) for a in every)
    assert all(has_link(received[council.auditor_email(a)].part("html"), a) for a in every)
