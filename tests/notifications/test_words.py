"""Each email's wording, rendered and read as its reader would: the greeting, the article before
a request, the allocation sentence, the digest's singular, the APS digest's pending requests (by
name and date), the cohort's title; and never a dangling comma or a raw key."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from flows.allocate import allocate_cycle
from models import chase_store, request_store
from models.base import saved_id
from models.db import session_scope
from models.people import Staff
from models.programme import Audit
from notifications.digest import pending_line
from notifications.email_context import EmailContext
from notifications.messages import Digest, Notice
from notifications.render import render_allocation, render_digest, render_notice
from notifications.request_emails import decision_notices, request_notices
from rules.cohorts import cohort_title
from tests.flows.council import POLICY, seed_council
from tests.notifications.test_render import PROGRAMME, RUN, item, notice

CONTEXT = EmailContext(
    "https://audits.test",
    "audits@example.gov.uk",
    PROGRAMME,
    "k" * 40,
    datetime(2026, 11, 9, tzinfo=UTC),
)
ASKED_ON = date(2026, 11, 9)


@pytest.fixture
def council(engine: Engine, tmp_path: Path) -> Engine:
    seed_council(engine, tmp_path, cases=300)
    with session_scope(engine, write_lock=True) as session:
        allocate_cycle(session, POLICY, "2026-11", "cin")
    return engine


def _first_audit(engine: Engine) -> chase_store.OutstandingAudit:
    with session_scope(engine) as session:
        return min(chase_store.outstanding_audits(session), key=lambda a: a.audit_id)


def test_a_known_person_is_greeted_by_name() -> None:
    email = render_notice(Notice("a@x.example", "Sam Example", "S", (), "M", "https://l", "L"), "P")
    assert "Hello Sam Example,\n\nM" in email.text
    assert "Hello Sam Example,</p>" in email.html


def test_an_address_with_no_name_gets_a_greeting_without_a_dangling_comma() -> None:
    email = render_notice(Notice("list@x.example", "", "S", (), "M", "https://l", "L"), "P")
    assert "Hello,\n\nM" in email.text and ">Hello,</p>" in email.html
    assert "Hello ," not in email.text + email.html


def test_the_allocation_email_names_the_cycle_not_the_programme_mid_sentence() -> None:
    email = render_allocation(notice(), PROGRAMME)
    sentence = "You have been allocated a case to audit in the November 2026 cycle."
    assert sentence in email.text and sentence in email.html
    assert f"cycle of {PROGRAMME}" not in email.text + email.html
    reaudit = render_allocation(notice(kind="reaudit"), PROGRAMME)
    assert "You have been allocated a case to re-audit in the November 2026 cycle." in reaudit.text


def test_one_audit_to_do_is_it_not_each_one() -> None:
    due = render_digest(Digest("a@x", "Pat", "auditor", RUN, (item(),)), PROGRAMME)
    assert "You have 1 audit to complete. Please complete it by its due date." in due.text
    late = item(stage="overdue", days_overdue=2, due_on=date(2026, 11, 27))
    overdue = render_digest(Digest("a@x", "Pat", "auditor", RUN, (late,)), PROGRAMME)
    assert "You have 1 audit to complete. It is overdue: please complete it now." in overdue.text
    two = render_digest(Digest("a@x", "Pat", "auditor", RUN, (item(1), item(2))), PROGRAMME)
    assert "You have 2 audits to complete. Please complete each one by its due date." in two.text
    assert "each one" not in due.text + overdue.text


def test_an_extension_request_takes_an_and_a_late_one_takes_a(council: Engine) -> None:
    audit = _first_audit(council)
    with session_scope(council) as session:
        on_time = request_store.request_extension(
            session, audit.audit_id, date(2026, 12, 4), "r", audit.auditor_id, ASKED_ON, POLICY
        )
        asked = request_notices(session, "extension", saved_id(on_time), CONTEXT)
        auditor = session.get(Staff, audit.auditor_id)
        assert auditor is not None
    email = render_notice(asked[0], PROGRAMME)
    assert "An extension request is waiting for the APS team's decision." in email.text
    assert "A extension" not in email.text + email.html
    facts = dict(asked[0].facts)
    assert facts["Audit"] == f"{audit.audit_id} (audit, November 2026)"
    assert facts["Cohort"] == cohort_title("cin")
    assert facts["Auditor"] == f"{auditor.name}, {auditor.team}"
    assert facts["Due date asked for"] == "Fri 4 Dec 2026"
    with session_scope(council) as session:
        request_store.decide_extension(
            session, saved_id(on_time), False, None, "n", chase_store.aps_team(
                chase_store.people(session))[0], ASKED_ON, POLICY
        )  # fmt: skip
        late = request_store.request_exemption(
            session, audit.audit_id, "leave", "r", audit.auditor_id, date(2026, 12, 2)
        )
        assert late.late
        late_notice = request_notices(session, "exemption", saved_id(late), CONTEXT)[0]
    assert "A late exemption request is waiting" in render_notice(late_notice, PROGRAMME).text


def test_a_decision_email_greets_the_auditor_by_name(council: Engine) -> None:
    audit = _first_audit(council)
    with session_scope(council) as session:
        made = request_store.request_extension(
            session, audit.audit_id, date(2026, 12, 4), "r", audit.auditor_id, ASKED_ON, POLICY
        )
        aps = chase_store.aps_team(chase_store.people(session))[0]
        request_store.decide_extension(
            session, saved_id(made), True, None, "n", aps, ASKED_ON, POLICY
        )
        auditor = session.get(Staff, audit.auditor_id)
        row = session.get(Audit, audit.audit_id)
        assert auditor is not None and row is not None
        told = decision_notices(session, "extension", made, row, auditor, CONTEXT)
    email = render_notice(told[0], PROGRAMME)
    assert email.text.startswith(f"Extension approved: audit {audit.audit_id}")
    assert f"Hello {auditor.name},\n\nThe APS team approved the extension." in email.text


def test_the_aps_digest_lists_pending_requests_by_name_and_date(council: Engine) -> None:
    audit = _first_audit(council)
    with session_scope(council) as session:
        made = request_store.request_exemption(
            session, audit.audit_id, "conflict_of_interest", "r", audit.auditor_id, ASKED_ON
        )
        pending = chase_store.pending_requests(session)
        auditor = session.get(Staff, audit.auditor_id)
        assert auditor is not None
    assert [p.request_id for p in pending] == [made.id]
    line = pending_line(pending[0])
    assert line == (
        f"Exemption request {made.id} for conflict of interest, audit {audit.audit_id} (case "
        f"{audit.case_ref}), asked by {auditor.name} on Mon 9 Nov 2026"
    )
    assert audit.auditor_id not in line
    digest = render_digest(Digest("aps@x", "Ash", "aps", RUN, (), pending_requests=(line,)), "P")
    assert line in digest.text
    assert "What needs the APS team's attention on Tue 1 Dec 2026" in digest.text


def test_counts_are_words_never_a_bracketed_plural() -> None:
    from notifications.render import counted

    assert counted(1, "address", "addresses") == "1 address"
    assert counted(2, "address", "addresses") == "2 addresses"
    assert counted(0, "working day") == "0 working days"
