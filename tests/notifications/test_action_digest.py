"""Audit actions in a digest: the subjects and both parts for each role, the signed done link,
and any case reference rendered inert (escaped in HTML, never breaking a subject). An
action's text is never in an email: it is read behind the signed link."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from config.signed_links import read_token, target_path
from notifications.action_links import action_done_link
from notifications.email_context import EmailContext
from notifications.messages import ActionItem, Digest
from notifications.render import digest_subject, render_digest
from tests.notifications.test_render import PROGRAMME, RUN, SENTINEL, every_part, item

SECRET = "s" * 48
NOW = datetime(2026, 12, 1, 8, tzinfo=UTC)


def action(action_id: int = 7, stage: str = "overdue", **changes: Any) -> ActionItem:
    values: dict[str, Any] = {
        "action_id": action_id,
        "audit_id": 40 + action_id,
        "case_ref": f"C2000{action_id}",
        "stage": stage,
        "due_on": date(2026, 11, 30),
        "owner_id": "TM1",
        "owner_name": "Alex Owner",
        "owner_team": "North CIN",
        "days_overdue": 1 if stage in ("overdue", "escalation") else 0,
        "link": f"https://audits.example/links/token-{action_id}",
    }
    values.update(changes)
    return ActionItem(**values)


def digest(role: str, *actions: ActionItem, items: tuple[Any, ...] = ()) -> Digest:
    return Digest("reader@anytown.example", "Pat Reader", role, RUN, items, actions=actions)


def test_an_owners_digest_of_one_action() -> None:
    email = render_digest(digest("owner", action()), PROGRAMME)
    assert email.subject == (
        "Overdue: action for case C20007 was due Mon 30 Nov 2026 — please do it now"
    )
    for part in (email.text, email.html):
        assert "C20007" in part and "Action 7" in email.html
        assert "Mark action 7 (case C20007) done" in part
        assert "https://audits.example/links/token-7" in part
    assert "Working days overdue: 1" in email.text and "audits to complete" not in email.text
    assert "Owner:" not in email.text  # it is theirs
    soon = action(stage="due_in_5", working_days_left=5)
    assert digest_subject(digest("owner", soon)) == (
        "Action for case C20007 due Mon 30 Nov 2026: 5 working days left"
    )
    two = digest("owner", action(7), action(8, due_on=date(2026, 11, 26), days_overdue=3))
    assert digest_subject(two) == "2 actions to do: 2 overdue, first was due Thu 26 Nov 2026"


def test_an_auditor_who_owns_actions_gets_both_in_one_digest() -> None:
    email = render_digest(digest("auditor", action(), items=(item(),)), PROGRAMME)
    assert email.subject == (
        "Audit C100001 due Fri 27 Nov 2026: 5 working days left (and 1 action to do)"
    )
    assert "You have 1 audit to complete" in email.text and "You also own an action" in email.text
    assert "C100001" in email.html and "C20007" in email.html


def test_line_manager_and_aps_digests_name_the_owner_and_count_actions() -> None:
    escalated = action(stage="escalation", days_overdue=5)
    manager = render_digest(digest("line_manager", escalated), PROGRAMME)
    assert manager.subject == (
        "Escalation: action for case C20007 owned by Alex Owner is 5 working days overdue"
    )
    assert "Owner: Alex Owner, North CIN" in manager.text and "These audits" not in manager.text
    both = digest("line_manager", escalated, items=(item(stage="escalation", days_overdue=5),))
    assert digest_subject(both) == "Escalation: 1 audit and 1 action overdue in your teams"
    aps = render_digest(digest("aps", action(), action(8, stage="escalation")), PROGRAMME)
    assert aps.subject == (
        "Audit programme digest for Tue 1 Dec 2026: 1 action overdue, 1 action escalated"
    )
    assert "No audits are overdue" not in aps.text and "Alex Owner" in aps.html


def test_the_done_link_is_signed_for_one_person_and_opens_the_done_page() -> None:
    context = EmailContext("https://audits.example/", "a@x", PROGRAMME, SECRET, NOW)
    link = action_done_link(context, 7, "TM1", date(2026, 11, 30))
    assert link.startswith("https://audits.example/links/")
    claims = read_token(link.rsplit("/", 1)[1], NOW + timedelta(days=10), SECRET)
    assert (claims.purpose, claims.subject_id, claims.staff_id) == ("action-done", 7, "TM1")
    assert target_path(claims) == "/actions/7/done"
    assert claims.expires_at == datetime(2026, 12, 31, 0, tzinfo=UTC)  # 30 days after due


def test_nothing_but_the_allowed_fields_reaches_the_email() -> None:
    leaky = action(owner_id=SENTINEL)
    for role in ("owner", "line_manager", "aps"):
        assert SENTINEL not in every_part(render_digest(digest(role, leaky), PROGRAMME))


@settings(max_examples=60, deadline=None)
@given(
    case_ref=st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1),
)
def test_any_case_reference_is_inert(case_ref: str) -> None:
    marked = "<b>REF</b>" + case_ref
    for role in ("owner", "line_manager", "aps"):
        email = render_digest(digest(role, action(case_ref=marked)), PROGRAMME)
        assert "\n" not in email.subject and "\r" not in email.subject
        assert "<b>REF</b>" not in email.html  # escaped, so never markup
        assert "&lt;b&gt;REF&lt;/b&gt;" in email.html
