"""Moderation's pages on the council's SQLite copy (TODAY is 10 November 2026): an APS member
follows the sample email's link to ``/audits/{id}/moderate`` and records a judgement and a note
(post-redirect-get, errors beside their fields); the auditor is emailed the note when the
moderator disagrees; ``/aps/moderation`` shows the sample and the agreement figures; every other
role gets 403, on both pages and on the form; any form or month is a page or a refusal."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from config.signed_links import make_link
from models.audit_store import complete_audit
from models.db import session_scope
from models.moderation import Moderation
from models.moderation_store import draw_sample
from models.outbox import Notification
from models.programme import Audit
from tests.flows.council import POLICY
from tests.web.live import SECRET, TODAY, csrf_of, post_form, signed_in


def _completed(engine: Engine, audit_id: int, judgement: str = "good") -> None:
    """The audit completed on 6 November, and November's sample drawn."""
    with session_scope(engine) as session:
        complete_audit(session, audit_id, date(2026, 11, 6), judgement, TODAY)
        draw_sample(session, "2026-11", POLICY, TODAY)


def _moderation(engine: Engine, audit_id: int) -> Moderation | None:
    with Session(engine) as session:
        return session.scalars(
            select(Moderation).where(col(Moderation.audit_id) == audit_id)
        ).first()


def test_aps_follows_the_link_and_moderates(
    web_engine: Engine, base_url: str, people: dict[str, str]
) -> None:
    audit_id, aps = int(people["audit"]), people["aps"]
    _completed(web_engine, audit_id)
    path = f"/audits/{audit_id}/moderate"
    link = make_link(
        base_url, "moderate-audit", audit_id, aps, datetime.now(UTC), timedelta(days=1), SECRET
    ).removeprefix(base_url)
    assert signed_in(base_url, people["auditor"]).get(link).status_code == 403  # not theirs
    client = signed_in(base_url, aps)
    opened = client.get(link)
    assert opened.status_code == 303 and opened.headers["location"] == path
    form = client.get(path)
    assert "Save moderation" in form.text and "Judgement now" in form.text

    empty = post_form(client, path, {"note": " "})
    assert empty.status_code == 400
    assert "Select your judgement" in empty.text and "Enter a note: why" in empty.text
    assert _moderation(web_engine, audit_id) is None

    done = post_form(client, path, {"judgement": "inadequate", "note": "No plan for visits"})
    assert done.status_code == 303 and done.headers["location"] == path
    shown = client.get(path).text
    assert "you changed the auditor&#39;s judgement" in shown and 'id="moderation"' in shown
    assert "Save moderation" not in shown and "No plan for visits" in shown
    moderation = _moderation(web_engine, audit_id)
    assert moderation is not None
    assert (moderation.auditor_judgement, moderation.moderated_judgement) == ("good", "inadequate")
    assert (moderation.moderated_by, moderation.moderated_on) == (aps, TODAY)
    with Session(web_engine) as session:
        audit = session.get(Audit, audit_id)
        assert audit is not None and audit.judgement == "inadequate"
        reaudit = session.scalars(select(Audit).where(col(Audit.parent_audit_id) == audit_id))
        assert [r.kind for r in reaudit] == ["reaudit"]  # moderated into reaudit_on
        told = session.scalars(
            select(Notification).where(col(Notification.cause) == f"moderation:{audit_id}")
        ).all()
    assert len(told) == 1 and "No plan for visits" in told[0].text_body
    assert told[0].kind == "moderation" and f"/audits/{audit_id}" in told[0].text_body

    # Moderating again is refused beside the note, and changes nothing.
    token = csrf_of(client.get("/aps/moderation").text)
    again = client.post(path, data={"judgement": "good", "note": "x", "csrf_token": token})
    assert again.status_code == 400 and "moderated once" in again.text
    assert _moderation(web_engine, audit_id) == moderation


def test_the_aps_page_shows_the_sample_and_the_agreement(
    web_engine: Engine, base_url: str, people: dict[str, str]
) -> None:
    audit_id = int(people["audit"])
    _completed(web_engine, audit_id)
    client = signed_in(base_url, people["aps"])
    before = client.get("/aps/moderation?month=2026-11")
    assert before.status_code == 200
    assert f'href="/audits/{audit_id}/moderate"' in before.text
    post_form(client, f"/audits/{audit_id}/moderate", {"judgement": "good", "note": "Sound"})
    page = client.get("/aps/moderation?month=2026-11").text
    assert "November 2026: 1 moderated, 1 agreed, 0 changed (100.0%)" in page
    assert 'id="agreement-by-cycle"' in page and "December 2025" in page  # 12 cycles
    assert f"({people['auditor']})" in page  # the by-auditor table
    assert client.get("/aps/moderation?month=rubbish").status_code == 200  # this month's
    dashboard = client.get("/aps/dashboard?month=2026-11").text
    assert 'href="/aps/moderation?month=2026-11"' in dashboard


@pytest.mark.parametrize("role", ["auditor", "other_manager", "service_manager", "director"])
def test_everyone_but_aps_is_refused(
    web_engine: Engine, base_url: str, people: dict[str, str], role: str
) -> None:
    audit_id = int(people["audit"])
    _completed(web_engine, audit_id)
    client = signed_in(base_url, people[role])
    for path in (f"/audits/{audit_id}/moderate", "/aps/moderation?month=2026-11"):
        refused = client.get(path)
        assert refused.status_code == 403 and "You cannot do this" in refused.text
    token = csrf_of(client.get("/my-audits").text)
    posted = client.post(
        f"/audits/{audit_id}/moderate",
        data={"judgement": "good", "note": "x", "csrf_token": token},
    )
    assert posted.status_code == 403 and _moderation(web_engine, audit_id) is None


FORM_TEXT = st.one_of(
    st.sampled_from(["good", "inadequate", "", " ", "\x00", "x" * 2001, "GOOD", "good\n"]),
    st.text(max_size=20),
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(judgement=FORM_TEXT, note=FORM_TEXT, month=st.text(max_size=10))
def test_any_form_or_month_is_a_page_or_a_refusal(
    web_engine: Engine, base_url: str, people: dict[str, str], judgement: str, note: str,
    month: str,
) -> None:  # fmt: skip
    audit_id = int(people["audit"])
    with Session(web_engine) as session:
        audit = session.get(Audit, audit_id)
        ready = audit is not None and audit.status == "completed"
    if not ready:
        _completed(web_engine, audit_id)
    client = signed_in(base_url, people["aps"])
    assert client.get("/aps/moderation", params={"month": month}).status_code == 200
    before = _moderation(web_engine, audit_id)
    response = post_form(
        client, f"/audits/{audit_id}/moderate", {"judgement": judgement, "note": note}
    )
    assert response.status_code in (303, 400), response.text[-300:]
    after = _moderation(web_engine, audit_id)
    if response.status_code == 303:
        assert before is None and after is not None and after.moderated_judgement == judgement
    else:
        assert after == before


def test_the_audit_page_offers_moderation_to_aps_and_then_says_what_it_found(
    web_engine: Engine, base_url: str, people: dict[str, str]
) -> None:
    audit_id, aps = int(people["audit"]), people["aps"]
    _completed(web_engine, audit_id)
    page = f"/audits/{audit_id}"
    aps_client, auditor = signed_in(base_url, aps), signed_in(base_url, people["auditor"])
    assert 'id="moderate-link"' in aps_client.get(page).text
    assert 'id="moderate-link"' not in auditor.get(page).text  # never their own
    path = f"/audits/{audit_id}/moderate"
    post_form(aps_client, path, {"judgement": "requires_improvement", "note": "Visits late"})
    shown = auditor.get(page).text
    assert 'id="moderation"' in shown and "Visits late" in shown
    assert "Requires improvement, where the auditor judged" in " ".join(shown.split())
    assert 'id="moderate-link"' not in aps_client.get(page).text  # moderated once
