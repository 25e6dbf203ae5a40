"""The report's grouped answers, featured quotes, compliance by month, all-areas total, partly
paused months and pause notes, read from the hand-built programme of test_report_store (June
2026's report) with repeated answers added, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from models import quote_store
from models.figures import ComplianceRow, MonthCompliance, ReportFigures, TextCount, figures_json
from models.findings import Feedback, Reflection, ThemeFinding
from models.people import Staff
from models.programme import Audit, Pause
from models.quotes import FeaturedQuote
from models.report_store import report_figures
from reports.html import render_report_html
from rules.grouping import QuoteError
from tests.models.test_report_store import POLICY, build_programme, built_once

NOW = datetime(2026, 7, 1, 9, 30, tzinfo=UTC)


def _ids(session: Session) -> dict[str, int]:
    """The audits of build_programme by their key (D1 ...): June's in id order, R3."""
    june = session.scalars(
        select(Audit).where(col(Audit.cycle) == "2026-06").order_by(col(Audit.id))
    ).all()
    keys = [f"D{n}" for n in range(1, 11)] + ["R3", "R4"]
    return {key: audit.id for key, audit in zip(keys, june, strict=True) if audit.id}


def add_repeats(engine: Engine) -> None:
    """Answers that repeat, added after build_programme's (so after them in first-seen order)."""
    with Session(engine) as session:
        ids = _ids(session)
        for key, theme, text in [
            ("D2", "cin", "visits on time and purposeful"),  # good, as D1's
            ("D8", "cin", "  VISITS ON TIME AND PURPOSEFUL "),  # good
            ("R3", "cin", "Some drift between reviews"),  # requires improvement, a re-audit
            ("D4", "cin", "Plan not reviewed"),  # inadequate: a tie with "Reviews not held"
        ]:
            session.add(ThemeFinding(audit_id=ids[key], theme=theme, descriptor=text))
        for key, text in [("D5", "CARER FELT SUPPORTED"), ("D6", "Carer felt supported")]:
            session.add(Feedback(audit_id=ids[key], source="parent", kind="strength", text=text))
        for key, done_well, challenges in [
            ("D3", "joint visits", "Caseload"),
            ("D4", "Joint Visits ", "caseload "),
        ]:
            session.add(Reflection(audit_id=ids[key], done_well=done_well, challenges=challenges))
        session.add(
            Staff(staff_id="APS1", name="APS member", email="aps1@example.gov.uk", role="aps",
                  team="North A")
        )  # fmt: skip
        session.execute(update(Pause).values(note="RAG ratings of open cases"))
        session.commit()


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def programme(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    yield from built_once(request, tmp_path_factory, build_programme, add_repeats)


def june(engine: Engine) -> ReportFigures:
    with Session(engine) as session:
        return report_figures(session, POLICY, "2026-06")


def test_descriptors_grouped_per_judgement(programme: Engine) -> None:
    cin = june(programme).themes[0]
    assert cin.descriptor_counts == {
        # D1, D2's and D8's spellings of it: the first seen shown.
        "good": (
            TextCount("Visits on time and purposeful", 3),
            TextCount("Supervision drives the plan", 1),
        ),
        # D3's and the re-audit R3's.
        "requires_improvement": (
            TextCount("Some drift between reviews", 2),
            TextCount("Re-audit finding", 1),
        ),
        # A tie: in the order first seen.
        "inadequate": (TextCount("Reviews not held", 1), TextCount("Plan not reviewed", 1)),
    }


def test_feedback_and_reflections_grouped(programme: Engine) -> None:
    figures = june(programme)
    assert figures.feedback_counts == {
        "strength": (
            TextCount("Carer felt supported", 3),  # D2's, D5's, D6's
            TextCount("Parent praised the worker's honesty", 1),
            TextCount("Young person felt listened to", 1),
        ),
        "improvement": (TextCount("School asked for more updates", 1),),
    }
    # By audit: D1 "Built trust", D2 "Joint visits", D3 and D4 the same again; blanks left out.
    assert figures.reflection_counts["done_well"] == (
        TextCount("Joint visits", 3),
        TextCount("Built trust", 1),
    )
    assert figures.reflection_counts["challenges"] == (TextCount("Caseload", 3),)
    assert figures.reflection_counts["do_differently"] == (TextCount("Earlier plan", 1),)


def test_compliance_by_month(programme: Engine) -> None:
    by_month = june(programme).compliance_by_month
    none = MonthCompliance(0, 0, 0, None, None)
    assert list(by_month) == ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]
    # January: A1 A2 on time, A3 A5 late, A4 released: 4 of 4, 2 on time = 50%.
    assert by_month["2026-01"] == {"audits": MonthCompliance(4, 4, 2, 100, 50), "reaudits": none}
    # February: B1 B2 (extended) on time, B3 withdrawn, B4 to do: 2 of 3 = 67%, both on time.
    assert by_month["2026-02"]["audits"] == MonthCompliance(3, 2, 2, 67, 67)
    assert by_month["2026-03"] == by_month["2026-04"] == {"audits": none, "reaudits": none}
    # May: C2 late; re-audits R1 on time, R2 to do: 1 of 2.
    assert by_month["2026-05"] == {
        "audits": MonthCompliance(4, 4, 3, 100, 75),
        "reaudits": MonthCompliance(2, 1, 1, 50, 50),
    }
    # June: D1-D8 done (D8 late), D9 to do, D10 released; R3 on time, R4 withdrawn.
    assert by_month["2026-06"] == {
        "audits": MonthCompliance(9, 8, 7, 89, 78),
        "reaudits": MonthCompliance(1, 1, 1, 100, 100),
    }


def test_the_all_areas_total_and_the_paused_months(programme: Engine) -> None:
    figures = june(programme)
    # North 12 (9 on time, 2 late, 1 to do, 1 released) + South 8 (5, 2, 1, 2): 18 of 20.
    assert figures.compliance_total == ComplianceRow("All service areas", None, 20, 14, 4, 2, 3, 90)
    # Paused 10 March to 30 April (resumed on 1 May): March only in part.
    assert figures.paused_months == {"2026-03": "partly paused", "2026-04": "paused"}
    assert figures.pauses[0].note == "RAG ratings of open cases"


def test_the_json_keeps_every_key_and_adds_the_new_ones(programme: Engine) -> None:
    data = json.loads(json.dumps(figures_json(june(programme)), default=str))
    for kept in ("allocated", "compliance_pct", "judgements_by_month", "themes", "strengths",
                 "improvements", "reflections", "compliance_rows", "pauses"):  # fmt: skip
        assert kept in data
    cin = data["themes"][0]
    assert cin["descriptors"]["good"][0] == "Visits on time and purposeful"
    assert cin["descriptor_counts"]["good"][0] == {
        "text": "Visits on time and purposeful",
        "count": 3,
    }
    assert cin["reaudit_judgements"]["requires_improvement"] == 1
    assert data["reflection_counts"]["done_well"][0] == {"text": "Joint visits", "count": 3}
    assert data["feedback_counts"]["strength"][0] == {"text": "Carer felt supported", "count": 3}
    assert data["compliance_by_month"]["2026-05"]["reaudits"] == {
        "allocated": 2, "completed": 1, "on_time": 1, "pct": 50, "on_time_pct": 50,
    }  # fmt: skip
    assert data["pauses"][0]["note"] == "RAG ratings of open cases"
    assert data["compliance_total"]["pct"] == 90


# --- featured quotes -----------------------------------------------------------------------------


def _feature(engine: Engine, section: str, texts: list[str], by: str = "APS1", limit: int = 3):
    with Session(engine) as session:
        chosen = quote_store.set_featured_quotes(
            session, "2026-06", section, texts, by, NOW, limit=limit
        )
        session.commit()
        return chosen


def _stored(engine: Engine) -> dict[str, tuple[str, ...]]:
    with Session(engine) as session:
        return quote_store.featured_quotes(session, "2026-06")


def test_featured_quotes_are_stored_replaced_and_shown(programme: Engine) -> None:
    section = "feedback:strength"
    assert _feature(programme, section, ["young person felt listened to", "CARER felt supported"]) \
        == ("Young person felt listened to", "Carer felt supported")  # fmt: skip
    assert _stored(programme)[section] == (
        "Young person felt listened to",
        "Carer felt supported",
    )
    # Replaced whole; a theme's section takes any of its judgements' descriptors.
    _feature(programme, section, ["Parent praised the worker's honesty"])
    _feature(programme, "theme:cin", ["re-audit finding"])
    assert _stored(programme) == {
        section: ("Parent praised the worker's honesty",),
        "theme:cin": ("Re-audit finding",),
    }
    with Session(programme) as session:
        row = session.scalars(
            select(FeaturedQuote).where(col(FeaturedQuote.section_key) == "theme:cin")
        ).one()
    assert (row.cycle, row.position, row.chosen_by, row.chosen_at) == ("2026-06", 1, "APS1", NOW)
    # The report: with one answer shown per group, the featured one follows it.
    figures = june(programme)
    assert figures.featured_quotes["theme:cin"] == ("Re-audit finding",)
    html = render_report_html(replace(figures, quotes_shown=1))
    strengths = html.split("Practice strengths")[1].split("Areas for improvement")[0]
    assert "Carer felt supported" in strengths
    assert "Chosen by the APS team" in strengths and "Parent praised" in strengths
    assert "Young person felt listened to" not in strengths
    assert "and 1 more answer: see the appendix" in strengths
    # Removing them all.
    _feature(programme, section, [])
    _feature(programme, "theme:cin", [])
    assert _stored(programme) == {}


@pytest.mark.parametrize(
    ("section", "texts", "by", "limit", "message"),
    [
        ("feedback:strength", ["Something nobody said"], "APS1", 3, "not an answer in this"),
        # An answer of another section, or of May.
        ("feedback:strength", ["School asked for more updates"], "APS1", 3, "not an answer"),
        ("reflection:done_well", ["May's reflection"], "APS1", 3, "not an answer"),
        (
            "feedback:strength",
            ["Carer felt supported", "Young person felt listened to"],
            "APS1",
            1,
            "at most 1",
        ),  # fmt: skip
        ("theme:nobody", ["Reviews not held"], "APS1", 3, "unknown report section"),
        ("feedback:strength", ["Carer felt supported"], "TM1", 3, "not an active member"),
    ],
)
def test_featured_quotes_refused_change_nothing(
    programme: Engine, section: str, texts: list[str], by: str, limit: int, message: str
) -> None:
    _feature(programme, "feedback:strength", ["Carer felt supported"])
    with pytest.raises(QuoteError, match=message):
        _feature(programme, section, texts, by, limit)
    assert _stored(programme) == {"feedback:strength": ("Carer felt supported",)}
    _feature(programme, "feedback:strength", [])
