"""The report's safeguarding, moderation and practitioner response figures
(``models.report_oversight``), against hand counts, on SQLite and on PostgreSQL; and that no
concern's, response's or moderation note's text, nor any auditor, reaches the report.

The programme is tests/models/test_report_store.py's (December 2025 to July 2026, March and April
paused), with the concerns, moderations and responses below. The report is June 2026's: its 12
cycles run from July 2025 to June 2026. Every figure counts by the audit's cycle: a concern
raised in July on an audit of June's cycle is June's.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.concerns import SafeguardingConcern
from models.figures import (
    ConcernFigures,
    ModerationFigures,
    MonthModeration,
    ReportFigures,
    ResponseFigures,
    figures_json,
)
from models.moderation import Moderation
from models.people import Staff
from models.programme import Audit
from models.report_oversight import concern_figures, moderation_of, response_figures
from models.report_store import report_figures
from models.responses import PractitionerResponse
from reports.html import render_report_html
from reports.markdown import artifact_markdown
from reports.pdf import html_to_pdf
from tests.models.test_recurring_findings import audit_ids
from tests.models.test_report_store import POLICY, build_programme, built_once

# Distinctive texts that may describe a child: never in the report, its JSON or its artifact.
CONCERN_TEXT = "Zebracrossing concern about the child at home"
ACK_NOTE = "Quagga acknowledgement note"
RESPONSE_TEXT = "Okapiresponse from the social worker"
MODERATION_NOTE = "Narwhalnote on the audit"
SECRETS = (CONCERN_TEXT, ACK_NOTE, RESPONSE_TEXT, MODERATION_NOTE)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# key (AUDITS_TABLE's), raised at (UTC), hours to acknowledge (None: still open).
CONCERNS = [
    ("D1", "2026-06-10 09:00", 2),  # June: acknowledged after 2 hours
    ("D3", "2026-06-12 08:00", 5),  # June: after 5 hours
    ("D9", "2026-07-01 10:00", None),  # raised in July on an audit of June's cycle: June's, open
    ("C1", "2026-06-02 09:00", 26),  # raised in June on an audit of May's cycle: May's
    ("Y1", "2026-07-03 09:00", 1),  # July's: after the report's month
]
# key, the auditor's judgement (AUDITS_TABLE's), the moderator's. Comments: cycle, auditor.
MODERATIONS = [
    ("Z1", "good", "good"),  # 2025-12 TM1 agreed
    ("A1", "good", "good"),  # 2026-01 TM1 agreed
    ("A2", "requires_improvement", "requires_improvement"),  # 2026-01 TM2 agreed
    ("A3", "inadequate", "requires_improvement"),  # 2026-01 TM3 changed
    ("C3", "requires_improvement", "requires_improvement"),  # 2026-05 TM3 agreed
    ("D2", "good", "inadequate"),  # 2026-06 TM2 changed
    ("D4", "inadequate", "inadequate"),  # 2026-06 TM4 agreed
    ("D6", "outstanding", "outstanding"),  # 2026-06 TM2 agreed
    ("Y2", "inadequate", "requires_improvement"),  # 2026-07 TM2 changed: after the report
]
# key, responses. May: C1 (twice) and R1 (a re-audit) of C1 C2 C3 C4 R1 completed: 2 of 5.
# June: D1 of D1 to D8 and R3 completed (D9 is not): 1 of 9. July's Y2: not June's.
RESPONSES = {"C1": 2, "R1": 1, "D1": 1, "Y2": 1}


def oversee(engine: Engine) -> None:
    """Concerns, moderations and responses, written as their commands write them: a moderation
    replaces the audit's judgement with the moderator's."""
    with Session(engine) as session:
        ids = audit_ids(session)
        session.add(
            Staff(staff_id="SW1", name="Worker SW1", email="sw1@example.gov.uk",
                  role="social_worker", team="North A")
        )  # fmt: skip
        for key, raised, hours in CONCERNS:
            raised_at = at(raised)
            done = None if hours is None else raised_at + timedelta(hours=hours)
            session.add(
                SafeguardingConcern(
                    audit_id=ids[key], text=CONCERN_TEXT, raised_by="APS1", raised_at=raised_at,
                    raised_on=raised_at.date(), status="open" if done is None else "acknowledged",
                    acknowledged_at=done, acknowledged_by=None if done is None else "TM1",
                    acknowledged_note=None if done is None else ACK_NOTE,
                )
            )  # fmt: skip
        for key, auditors, moderators in MODERATIONS:
            audit = session.get(Audit, ids[key])
            assert audit is not None and audit.judgement == auditors
            audit.judgement = moderators
            session.add(audit)
            session.add(
                Moderation(
                    audit_id=ids[key], cycle=audit.cycle, auditor_id=audit.auditor_id,
                    auditor_judgement=auditors, moderated_judgement=moderators,
                    agreed=auditors == moderators, note=MODERATION_NOTE, moderated_by="APS1",
                    moderated_on=date(2026, 7, 6),
                )
            )  # fmt: skip
        for key, count in RESPONSES.items():
            for _ in range(count):
                session.add(
                    PractitionerResponse(audit_id=ids[key], staff_id="SW1", text=RESPONSE_TEXT)
                )
        session.commit()


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def programme(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    yield from built_once(request, tmp_path_factory, build_programme, oversee)


@pytest.fixture(scope="module")
def june(programme: Engine) -> ReportFigures:
    with Session(programme) as session:
        return report_figures(session, POLICY, "2026-06")


def test_junes_concerns(june: ReportFigures) -> None:
    # D1 (2 hours), D3 (5 hours) acknowledged; D9's open (raised in July, but June's cycle).
    # C1's is May's, Y1's July's. Median of 2 and 5: 3.5.
    assert june.concerns == ConcernFigures(
        raised=3, acknowledged=2, open=1, median_hours_to_acknowledge=3.5
    )


def test_concerns_of_other_cycles(programme: Engine) -> None:
    with Session(programme) as session:
        assert concern_figures(session, "2026-05") == ConcernFigures(1, 1, 0, 26.0)  # C1
        assert concern_figures(session, "2026-07") == ConcernFigures(1, 1, 0, 1.0)  # Y1
        # April: paused, no audits and so no concerns; no median.
        assert concern_figures(session, "2026-04") == ConcernFigures(0, 0, 0, None)


def test_junes_moderation(june: ReportFigures) -> None:
    # D2 (TM2) changed, D4 (TM4) and D6 (TM2) agreed: 2 of 3.
    assert june.moderation == ModerationFigures(
        moderated=3, agreed=2, agreement_pct=66.7, changed=1,
        by_auditor={"TM2": {"moderated": 2, "agreed": 1}, "TM4": {"moderated": 1, "agreed": 1}},
    )  # fmt: skip


def test_moderation_over_12_cycles(june: ReportFigures) -> None:
    # July 2025 to June 2026: Z1 A1 A2 C3 D4 D6 agreed, A3 D2 changed (Y2 is July 2026's): 6 of 8.
    assert june.moderation_12_months == ModerationFigures(
        moderated=8, agreed=6, agreement_pct=75.0, changed=2,
        by_auditor={
            "TM1": {"moderated": 2, "agreed": 2},  # Z1 A1
            "TM2": {"moderated": 3, "agreed": 2},  # A2 D6; D2 changed
            "TM3": {"moderated": 2, "agreed": 1},  # C3; A3 changed
            "TM4": {"moderated": 1, "agreed": 1},  # D4
        },
    )  # fmt: skip


def test_moderation_by_cycle_has_every_cycle(june: ReportFigures) -> None:
    by_month = june.moderation_by_month
    assert list(by_month) == [f"2025-{m:02d}" for m in range(7, 13)] + [
        f"2026-{m:02d}" for m in range(1, 7)
    ]
    assert {m: v for m, v in by_month.items() if v.moderated} == {
        "2025-12": MonthModeration(1, 1, 100.0, 0),  # Z1
        "2026-01": MonthModeration(3, 2, 66.7, 1),  # A1 A2 agreed, A3 changed
        "2026-05": MonthModeration(1, 1, 100.0, 0),  # C3
        "2026-06": MonthModeration(3, 2, 66.7, 1),  # D2 changed, D4 D6 agreed
    }
    assert by_month["2026-04"] == MonthModeration(0, 0, None, 0)  # paused
    assert all(not hasattr(v, "by_auditor") for v in by_month.values())


def test_a_window_leaves_out_older_cycles(programme: Engine) -> None:
    # December 2026's 12 cycles are January to December 2026: Z1 (December 2025) is out, Y2
    # (July 2026) in. A1 A2 C3 D4 D6 agreed, A3 D2 Y2 changed: 5 of 8.
    with Session(programme) as session:
        month, year, by_month = moderation_of(session, "2026-12")
    assert month == ModerationFigures()
    assert (year.moderated, year.agreed, year.agreement_pct, year.changed) == (8, 5, 62.5, 3)
    assert by_month["2026-07"] == MonthModeration(1, 0, 0.0, 1)


def test_moderated_judgements_are_the_reports_judgements(june: ReportFigures) -> None:
    # As test_report_store's, with A3 inadequate -> requires improvement (January) and D2
    # good -> inadequate (June); the agreed ones are unchanged.
    assert june.judgements_by_month["2026-01"] == {
        "outstanding": 0, "good": 2, "requires_improvement": 2, "inadequate": 0,
    }  # fmt: skip
    assert june.judgements_by_month["2026-06"] == {
        "outstanding": 1, "good": 4, "requires_improvement": 1, "inadequate": 2,
    }  # fmt: skip
    assert june.inadequate_pct == 25  # 2 of June's 8 completed audits (13% before moderation)


def test_practitioner_responses(june: ReportFigures, programme: Engine) -> None:
    assert june.practitioner_responses == ResponseFigures(completed=9, with_response=1)
    with Session(programme) as session:
        # C1 (two responses count once) and R1, a re-audit, of 5.
        assert response_figures(session, "2026-05") == ResponseFigures(5, 2)
        assert response_figures(session, "2026-04") == ResponseFigures(0, 0)


def test_the_reports_json_has_the_contracts_keys(june: ReportFigures) -> None:
    data = json.loads(json.dumps(figures_json(june), default=str))
    assert list(data["moderation"]) == [
        "moderated", "agreed", "agreement_pct", "changed", "by_auditor",
    ]  # fmt: skip
    assert data["moderation"]["by_auditor"]["TM2"] == {"moderated": 2, "agreed": 1}
    assert list(data["moderation_12_months"]) == list(data["moderation"])
    assert data["moderation_12_months"]["agreement_pct"] == 75.0
    assert data["concerns"] == {
        "raised": 3, "acknowledged": 2, "open": 1, "median_hours_to_acknowledge": 3.5,
    }  # fmt: skip
    assert data["practitioner_responses"] == {"completed": 9, "with_response": 1}
    assert data["moderation_by_month"]["2026-06"] == {
        "moderated": 3, "agreed": 2, "agreement_pct": 66.7, "changed": 1,
    }  # fmt: skip


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_no_text_of_a_concern_response_or_moderation_reaches_the_report(
    june: ReportFigures,
) -> None:
    html = render_report_html(june)
    pdf = PdfReader(io.BytesIO(html_to_pdf(html)))
    pdf_text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in pdf.pages))
    shown = {
        "json": json.dumps(figures_json(june), default=str),
        "html": html,
        "pdf": pdf_text,
        "markdown": artifact_markdown(june),
    }
    for where, text in shown.items():
        for secret in SECRETS:
            assert secret.lower() not in text.lower(), (where, secret)
    # The section is there, with June's figures, and names no auditor.
    assert "3 safeguarding concerns were raised during audits of June 2026" in pdf_text
    section = html.split('<section id="oversight">')[1].split("</section>")[0]
    assert "moderated 3 of June 2026's completed audits" in _text(section)
    words = set(re.findall(r"[\w-]+", _text(re.sub(r"<svg.*?</svg>", "", section, flags=re.S))))
    assert not words & {"TM1", "TM2", "TM3", "TM4", "APS1", "SW1", "Manager", "Worker"}
