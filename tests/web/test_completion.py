"""Completing an audit through the auditor's form."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlmodel import Session, col

from models.findings import Feedback, Reflection, ThemeFinding
from models.programme import Audit
from models.trail import TrailEntry
from tests.web.live import post_form, signed_in

GOOD = {
    "on-day": "9", "on-month": "11", "on-year": "2026",
    "judgement": "requires_improvement",
    "finding": "Plans reviewed on time; supervision thin.",
    "done_well": "Direct work", "challenges": "Caseload", "enough_tools": "Mostly",
    "do_differently": "Earlier review",
    "feedback-1-source": "parent", "feedback-1-kind": "strength", "feedback-1-text": "Listened",
    "feedback-2-source": "partner_agency", "feedback-2-kind": "improvement",
    "feedback-2-text": "Minutes late",
}  # fmt: skip


def _stored(engine, audit_id: int) -> tuple[object, ...]:
    with Session(engine) as session:
        audit = session.get(Audit, audit_id)
        assert audit is not None
        counts = tuple(
            session.execute(
                select(func.count()).select_from(t).where(col(t.audit_id) == audit_id)
            ).scalar_one()
            for t in (ThemeFinding, Reflection, Feedback)
        )
        trail = session.execute(select(func.count()).select_from(TrailEntry)).scalar_one()
    return (audit.status, audit.completed_on, audit.judgement, *counts, trail)


def test_the_auditor_records_a_completion_with_its_details(base_url, web_engine, people) -> None:
    audit_id = int(people["audit"])
    auditor = signed_in(base_url, people["auditor"])
    assert "Record as completed" in auditor.get(f"/audits/{audit_id}").text
    response = post_form(auditor, f"/audits/{audit_id}/complete", GOOD)
    assert response.status_code == 303 and response.headers["location"] == f"/audits/{audit_id}"
    status, on, judgement, findings, reflections, feedback, _ = _stored(web_engine, audit_id)
    assert (status, on, judgement) == ("completed", date(2026, 11, 9), "requires_improvement")
    assert (findings, reflections, feedback) == (1, 1, 2)
    with Session(web_engine) as session:
        finding = session.scalars(
            select(ThemeFinding).where(col(ThemeFinding.audit_id) == audit_id)
        ).one()
        audit = session.get(Audit, audit_id)
        assert audit is not None and finding.theme == audit.cohort
        kinds = sorted(f.kind for f in session.scalars(select(Feedback)))
    assert kinds == ["improvement", "strength"]
    page = auditor.get(f"/audits/{audit_id}").text
    assert "recorded as completed" in page and "Record as completed" not in page


def test_bad_completions_re_render_and_change_nothing(base_url, web_engine, people) -> None:
    audit_id = int(people["audit"])
    auditor = signed_in(base_url, people["auditor"])
    before = _stored(web_engine, audit_id)
    cases = [  # (form, message, the field it is shown by)
        ({**GOOD, "judgement": ""}, "Select the overall judgement", "judgement"),
        ({**GOOD, "on-day": "31", "on-month": "2"}, "must be a real date", "on-day"),
        # A rule (rules.completion) about the date: by the date, like the form's own checks.
        ({**GOOD, "on-day": "20", "on-month": "12"}, "is in the future", "on-day"),
        ({**GOOD, "challenges": ""}, "Answer all 4 reflection questions", "challenges"),
        ({**GOOD, "feedback-1-source": ""}, "Select who gave feedback 1", "feedback-1-source"),
        ({**GOOD, "finding": ""}, "Describe the practice for this theme", "finding"),
    ]
    for form, message, field in cases:
        response = post_form(auditor, f"/audits/{audit_id}/complete", form)
        assert response.status_code == 400, message
        summary = response.text.split('class="govuk-error-summary"')[1].split("</ul>")[0]
        assert summary.count("<li>") == 1, summary  # the one problem, linked to its field
        assert f'href="#{field}"' in summary and message in summary, summary
        assert _stored(web_engine, audit_id) == before


def test_someone_elses_audit_cannot_be_completed(base_url, web_engine, people) -> None:
    other = signed_in(base_url, people["other_manager"])
    before = _stored(web_engine, int(people["audit"]))
    token_page = other.get("/my-audits").text
    from tests.web.live import csrf_of

    response = other.post(
        f"/audits/{people['audit']}/complete", data={**GOOD, "csrf_token": csrf_of(token_page)}
    )
    assert response.status_code == 403
    assert _stored(web_engine, int(people["audit"])) == before
