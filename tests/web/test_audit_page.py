"""A completed audit's page, as each of its readers sees it, and refused to everyone else."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy.engine import Engine

from tests.web.live import serve, signed_in
from tests.web.roles_story import DETAILS, Story, tell_story


@pytest.fixture
def story(web_engine: Engine, people: dict[str, str]) -> Story:
    return tell_story(web_engine, people)


@pytest.fixture
def as_who(story: Story, web_engine: Engine) -> Iterator[dict[str, httpx.Client]]:
    with serve(web_engine) as url:
        clients = {
            role: signed_in(url, getattr(story, role))
            for role in (
                "auditor",
                "aps",
                "line_manager",
                "director",
                "reauditor",
                "unrelated_manager",
                "unrelated_service_manager",
            )
        }
        yield clients
        for client in clients.values():
            client.close()


def _text(html: str) -> str:
    """The page's words, tags removed and spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize("role", ["auditor", "aps", "line_manager", "director"])
def test_a_completed_audit_shows_everything_to_its_readers(as_who, story: Story, role) -> None:
    response = as_who[role].get(f"/audits/{story.audit_id}")
    assert response.status_code == 200, response.text[-400:]
    page = _text(response.text)
    assert f"Case {story.case_ref}" in page
    assert "Judgement Inadequate" in page
    # Findings by the theme's title, the four reflection answers, the feedback.
    assert "Children in Need (CiN) Plan reviewed late; visits on time" in page
    assert "Children identified at risk of CSE Risk screening missing" in page
    assert DETAILS.reflection is not None
    for answer in (
        DETAILS.reflection.done_well,
        DETAILS.reflection.challenges,
        DETAILS.reflection.enough_tools,
        DETAILS.reflection.do_differently,
    ):
        assert answer in page
    assert "Parent Strength The social worker kept in touch every week" in page
    assert "Partner agency To improve Minutes came a month late" in page
    # The extension and its decision, by name; the re-audit, linked.
    assert "Extension until 3 Dec 2026" in page and "Annual leave" in page
    assert f"{story.aps_name}, 9 Nov 2026 : due 3 Dec 2026" in page
    assert f'href="/audits/{story.reaudit_id}"' in response.text
    # The auditor by name, never by staff id.
    assert f"Auditor {story.auditor_name}" in page
    assert story.auditor not in page.replace(f"({story.auditor})", "")  # the header's own
    # Nothing to do on a completed audit.
    assert "Record as completed" not in page and "Ask for an extension" not in page


def test_the_trail_says_who_did_what_and_when_in_london_time(as_who, story: Story) -> None:
    page = _text(as_who["line_manager"].get(f"/audits/{story.audit_id}").text)
    history = page[page.index("History") :]
    asked = history.index(f"{story.auditor_name} Asked for an extension")
    approved = history.index(f"{story.aps_name} Approved the extension: due 3 Dec 2026")
    completed = history.index(f"{story.auditor_name} Recorded as completed: judgement inadequate")
    assert asked < approved < completed
    # The trail's timestamps are today's (the test's real clock), shown in London time.
    assert re.search(r"(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday) "
                     r"\d{1,2} \w+ \d{4}, \d{2}:\d{2}", history)  # fmt: skip


def test_a_reauditor_reads_the_audit_they_reaudit(as_who, story: Story) -> None:
    reaudit = as_who["reauditor"].get(f"/audits/{story.reaudit_id}")
    assert reaudit.status_code == 200
    assert f'href="/audits/{story.audit_id}"' in reaudit.text
    assert "Re-audit of" in _text(reaudit.text)
    parent = as_who["reauditor"].get(f"/audits/{story.audit_id}")
    assert parent.status_code == 200
    assert "Risk screening missing" in parent.text
    # Theirs to act on is the re-audit, not the audit they read.
    assert "Record as completed" in reaudit.text


@pytest.mark.parametrize("role", ["unrelated_manager", "unrelated_service_manager"])
def test_anyone_else_is_refused(as_who, story: Story, role: str) -> None:
    for audit_id in (story.audit_id, story.reaudit_id):
        response = as_who[role].get(f"/audits/{audit_id}")
        assert response.status_code == 403
        assert story.case_ref not in response.text


def test_readers_who_may_not_act_see_no_actions_on_an_outstanding_audit(
    as_who, story: Story
) -> None:
    """The re-audit is outstanding: its auditor and APS may act; a Director only reads it."""
    director = as_who["director"].get(f"/audits/{story.reaudit_id}")
    assert director.status_code == 200 and "Record as completed" not in director.text
    aps = as_who["aps"].get(f"/audits/{story.reaudit_id}")
    assert "Record as completed" in aps.text and "Ask for an extension" in aps.text
    refused = as_who["director"].get(f"/audits/{story.reaudit_id}/complete")
    assert refused.status_code == 403
