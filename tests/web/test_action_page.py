"""The action-done page an owner reaches from their email: the link opens it for its owner only,
once; the owner (or their line manager, or APS) marks the action done with a note
(post-redirect-get); a bad form is shown again with the error beside its field and nothing
changed; anyone else is refused. On the council's SQLite copy (TODAY is 10 November 2026)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from config.signed_links import make_link
from models.action_store import add_action
from models.actions import AuditAction
from models.db import session_scope
from models.people import Staff
from rules.actions import ActionDraft
from tests.web.live import SECRET, post_form, signed_in


def _set_action(engine: Engine, people: dict[str, str]) -> tuple[int, str, str]:
    """An action on the audit owned by a Team Manager with a line manager (neither the auditor
    nor ``other_manager``, the stranger here); (id, owner, their line manager)."""
    audit_id, auditor = int(people["audit"]), people["auditor"]
    with session_scope(engine) as session:
        owner = session.scalars(
            select(Staff)
            .where(
                col(Staff.role) == "team_manager",
                col(Staff.staff_id).not_in([auditor, people["other_manager"]]),
                col(Staff.line_manager_id).is_not(None),
                col(Staff.active),
            )
            .order_by(col(Staff.staff_id))
        ).first()
        assert owner is not None and owner.line_manager_id
        draft = ActionDraft(owner.staff_id, date(2026, 11, 20), "Hold a core group")
        action = add_action(session, audit_id, draft, date(2026, 11, 6), auditor)
        assert action.id is not None
        return action.id, owner.staff_id, owner.line_manager_id


def _row(engine: Engine, action_id: int) -> AuditAction:
    with Session(engine) as session:
        found = session.get(AuditAction, action_id)
        assert found is not None
        return found


def test_the_owner_follows_the_link_and_marks_it_done(
    web_engine: Engine, base_url: str, people: dict[str, str]
) -> None:
    action_id, owner, _ = _set_action(web_engine, people)
    link = make_link(
        base_url, "action-done", action_id, owner, datetime.now(UTC), timedelta(days=1), SECRET
    )
    path = link.removeprefix(base_url)
    stranger = signed_in(base_url, people["other_manager"])
    blocked = stranger.get(path)
    assert blocked.status_code == 403, blocked.headers  # sent to someone else: not used up
    client = signed_in(base_url, owner)
    opened = client.get(path)
    assert opened.status_code == 303 and opened.headers["location"] == f"/actions/{action_id}/done"
    page = client.get(opened.headers["location"])
    assert "Hold a core group" in page.text and "Mark as done" in page.text
    again = client.get(path)
    assert again.status_code == 400 and "already been used" in again.text

    empty = post_form(
        client,
        f"/actions/{action_id}/done",
        {"on-day": "9", "on-month": "11", "on-year": "2026", "note": "  "},
    )
    assert empty.status_code == 400 and "Enter what was done" in empty.text
    early = post_form(
        client,
        f"/actions/{action_id}/done",
        {"on-day": "1", "on-month": "11", "on-year": "2026", "note": "Held"},
    )
    assert early.status_code == 400 and "before it was set" in early.text
    future = post_form(  # the page's today is 10 November 2026
        client,
        f"/actions/{action_id}/done",
        {"on-day": "11", "on-month": "11", "on-year": "2026", "note": "Held"},
    )
    assert future.status_code == 400 and "future day" in future.text
    assert 'href="#on-day"' in future.text  # the error points at the date
    assert _row(web_engine, action_id).status == "open"

    done = post_form(
        client,
        f"/actions/{action_id}/done",
        {"on-day": "9", "on-month": "11", "on-year": "2026", "note": "Core group held"},
    )
    assert done.status_code == 303 and done.headers["location"] == f"/actions/{action_id}/done"
    shown = client.get(done.headers["location"]).text
    assert "marked done" in shown and "Core group held" in shown and "Mark as done" not in shown
    row = _row(web_engine, action_id)
    assert (row.status, row.done_on, row.done_note, row.done_by) == (
        "done",
        date(2026, 11, 9),
        "Core group held",
        owner,
    )


@pytest.mark.parametrize("who", ["line_manager", "aps"])
def test_the_owners_line_manager_or_aps_may_mark_it_done(
    web_engine: Engine, base_url: str, people: dict[str, str], who: str
) -> None:
    action_id, _, manager = _set_action(web_engine, people)
    client = signed_in(base_url, manager if who == "line_manager" else people["aps"])
    done = post_form(
        client,
        f"/actions/{action_id}/done",
        {"on-day": "10", "on-month": "11", "on-year": "2026", "note": "Checked"},
    )
    assert done.status_code == 303
    assert _row(web_engine, action_id).status == "done"


def test_anyone_else_and_a_bad_link_are_refused(
    web_engine: Engine, base_url: str, people: dict[str, str]
) -> None:
    action_id, _, _ = _set_action(web_engine, people)
    stranger = signed_in(base_url, people["other_manager"])
    assert stranger.get(f"/actions/{action_id}/done").status_code == 403
    refused = stranger.post(f"/actions/{action_id}/done", data={"note": "x"})
    assert refused.status_code in (400, 403)  # no CSRF token, and not theirs either way
    assert _row(web_engine, action_id).status == "open"
    assert stranger.get("/actions/999999/done").status_code == 403
    forged = stranger.get("/links/not.a.token")
    assert forged.status_code == 400 and "cannot be used" in forged.text


def test_the_audit_page_lists_its_actions(
    web_engine: Engine, base_url: str, people: dict[str, str]
) -> None:
    action_id, owner, _ = _set_action(web_engine, people)
    with session_scope(web_engine) as session:
        late = add_action(
            session,
            int(people["audit"]),
            ActionDraft(owner, date(2026, 11, 9), "Update the chronology"),
            date(2026, 11, 6),
            people["auditor"],
        )
        owner_name = session.get(Staff, owner).name  # type: ignore[union-attr]
        late_id = late.id
    client = signed_in(base_url, people["auditor"])
    before = client.get(f"/audits/{people['audit']}").text
    assert "No action has been set" not in before
    assert "Update the chronology" in before and owner_name in before
    row = before.split(f'id="action-{late_id}"')[1].split("</tr>")[0]
    assert "Overdue" in row  # due 9 November, the page's day is 10 November
    manager = signed_in(base_url, owner)
    post_form(
        manager,
        f"/actions/{action_id}/done",
        {"on-day": "10", "on-month": "11", "on-year": "2026", "note": "Core group held"},
    )
    after = client.get(f"/audits/{people['audit']}").text
    done_row = after.split(f'id="action-{action_id}"')[1].split("</tr>")[0]
    assert "Done" in done_row and "Core group held" in done_row and "10 Nov 2026" in done_row


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    day=st.text(max_size=3),
    month=st.text(max_size=3),
    year=st.text(max_size=5),
    note=st.text(max_size=30),
)
def test_any_mark_done_form_gets_a_page_never_a_server_error(
    web_engine: Engine,
    base_url: str,
    people: dict[str, str],
    day: str,
    month: str,
    year: str,
    note: str,
) -> None:
    with Session(web_engine) as session:
        found = session.scalars(select(AuditAction).order_by(col(AuditAction.id))).first()
    action_id = found.id if found is not None and found.id else _set_action(web_engine, people)[0]
    client = signed_in(base_url, people["aps"])
    answer = post_form(
        client,
        f"/actions/{action_id}/done",
        {"on-day": day, "on-month": month, "on-year": year, "note": note},
    )
    assert answer.status_code in (303, 400), answer.text
    was = found.status if found is not None else "open"
    now = _row(web_engine, action_id).status
    if answer.status_code == 303:
        assert (was, now) == ("open", "done")
    else:
        assert now == was and 'class="govuk-error-summary' in answer.text
