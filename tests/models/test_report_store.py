"""The highlight report's figures, read from a small programme built by hand, on SQLite and on
PostgreSQL. Every expected number is worked out in the comments from the tables below.

The programme runs from January 2026; the report is June 2026's. March and April were paused
(no audits; March's cycle row exists, April has none). December 2025 (before the programme's
first cycle) and July 2026 (after the report's month) have audits that must not be counted.

Teams and service areas: North A and North B in North; South A in South. Four Team Managers;
TM4 was in South A when allocated and has since moved to North B: the report goes by the
snapshot on the audit (South A).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from models.cases import Case
from models.db import make_engine, migrate
from models.figures import Compliance, ComplianceRow, FeedbackLine, PauseLine, ReportFigures
from models.figures import Recommendation as RecommendationLine
from models.findings import Feedback, Reflection, ThemeFinding
from models.people import Staff, Team
from models.programme import Audit, Cycle, Pause, Recommendation, ThemeCommentary
from models.report_store import ReportError, first_month, report_figures
from rules.compliance import timeliness
from rules.policy import Policy, ReportPolicy
from tests.postgres import fresh_database

AREAS = {"North A": "North", "North B": "North", "South A": "South"}
# The team each Team Manager was in when allocated (the audit's snapshot).
AUDITORS = {"TM1": "North A", "TM2": "North B", "TM3": "South A", "TM4": "South A"}
CURRENT_TEAM = {**AUDITORS, "TM4": "North B"}

POLICY = Policy(
    name="Test audit programme",
    first_cycle="2026-01",
    report=ReportPolicy(author="APS Manager (test)", contact="aps-team@example.gov.uk"),
)
SINCE_FIRST_ALLOCATED = replace(POLICY, first_cycle=None)


def d(text: str) -> date:
    return date.fromisoformat(text)


def maybe(text: str) -> date | None:
    return None if text == "-" else d(text)


# Every audit of the programme. "-" is nothing; a case of "-" is the audit's own case (a
# reallocation and a re-audit share their case).
AUDITS_TABLE = """
key cycle   kind    auditor status    due_on     completed  judgement            cohort  case
# December 2025: before the programme's first cycle.
Z1  2025-12 audit   TM1     completed 2025-12-31 2025-12-10 good                 cin     -
R0  2025-12 reaudit TM2     completed 2025-12-31 2025-12-15 inadequate           cin     -
# January 2026, due Fri 30 Jan. A2 on the due date itself (on time), A3 after it (late).
A1  2026-01 audit   TM1     completed 2026-01-30 2026-01-28 good                 cin     -
A2  2026-01 audit   TM2     completed 2026-01-30 2026-01-30 requires_improvement cin     -
A3  2026-01 audit   TM3     completed 2026-01-30 2026-02-03 inadequate           cin     -
# A4 released by an approved exemption, reallocated as A5 (same case, same due date), late.
A4  2026-01 audit   TM4     exempted  2026-01-30 -          -                    cin     case-A4
A5  2026-01 audit   TM1     completed 2026-01-30 2026-02-05 good                 cin     case-A4
# February 2026, due Fri 27 Feb. B2 extended to Fri 6 Mar, done Thu 5 Mar: on time.
B1  2026-02 audit   TM1     completed 2026-02-27 2026-02-20 outstanding          cse     -
B2  2026-02 audit   TM2     completed 2026-03-06 2026-03-05 inadequate           cse     -
B3  2026-02 audit   TM3     withdrawn 2026-02-27 -          -                    cse     -
B4  2026-02 audit   TM4     allocated 2026-02-27 -          -                    cse     -
# March and April 2026: paused. May 2026, due Fri 29 May; C2 done Mon 1 Jun (late).
C1  2026-05 audit   TM1     completed 2026-05-29 2026-05-29 good                 missing -
C2  2026-05 audit   TM2     completed 2026-05-29 2026-06-01 good                 missing -
C3  2026-05 audit   TM3     completed 2026-05-29 2026-05-20 requires_improvement missing -
C4  2026-05 audit   TM4     completed 2026-05-29 2026-05-21 inadequate           cse     -
R1  2026-05 reaudit TM1     completed 2026-05-29 2026-05-27 good                 cin     case-A3
R2  2026-05 reaudit TM3     allocated 2026-05-29 -          -                    cse     case-B2
# June 2026, the report's month, due Tue 30 Jun; D8 done Thu 2 Jul (late).
D1  2026-06 audit   TM1     completed 2026-06-30 2026-06-10 good                 cin     -
D2  2026-06 audit   TM2     completed 2026-06-30 2026-06-11 good                 cin     -
D3  2026-06 audit   TM3     completed 2026-06-30 2026-06-12 requires_improvement cin     -
D4  2026-06 audit   TM4     completed 2026-06-30 2026-06-15 inadequate           cin     -
D5  2026-06 audit   TM1     completed 2026-06-30 2026-06-16 good                 all     -
D6  2026-06 audit   TM2     completed 2026-06-30 2026-06-17 outstanding          cin     -
D7  2026-06 audit   TM3     completed 2026-06-30 2026-06-18 good                 all     -
D8  2026-06 audit   TM4     completed 2026-06-30 2026-07-02 good                 cin     -
D9  2026-06 audit   TM1     allocated 2026-06-30 -          -                    cin     -
D10 2026-06 audit   TM2     exempted  2026-06-30 -          -                    cin     -
R3  2026-06 reaudit TM2     completed 2026-06-30 2026-06-19 requires_improvement cin     case-B1
R4  2026-06 reaudit TM4     withdrawn 2026-06-30 -          -                    cin     case-C4
# July 2026: after the report's month.
Y1  2026-07 audit   TM1     allocated 2026-07-31 -          -                    cse     -
Y2  2026-07 audit   TM2     completed 2026-07-31 2026-07-10 inadequate           cse     -
"""
AUDITS = [
    line.split() for line in AUDITS_TABLE.strip().splitlines()[1:] if not line.startswith("#")
]
ORIGINAL_DUE = {"B2": "2026-02-27"}
CYCLES = {
    "2025-12": ("cin", "allocated"),
    "2026-01": ("cin", "allocated"),
    "2026-02": ("cse", "allocated"),
    "2026-03": ("cin", "planned"),  # paused: never allocated
    "2026-05": ("missing", "allocated"),
    "2026-06": ("cin", "allocated"),
    "2026-07": ("cse", "allocated"),
}


def _people(session: Session) -> None:
    session.add_all(Team(name=team, service_area=area) for team, area in AREAS.items())
    session.flush()
    for staff_id, team in CURRENT_TEAM.items():
        email = f"{staff_id.lower()}@example.gov.uk"
        session.add(
            Staff(
                staff_id=staff_id,
                name=f"Manager {staff_id}",
                email=email,
                role="team_manager",
                team=team,
            )
        )
    for month, (theme, status) in CYCLES.items():
        session.add(Cycle(month=month, theme=theme, status=status))
    session.flush()


def _audits(session: Session) -> dict[str, int]:
    ids: dict[str, int] = {}
    for key, cycle, kind, auditor, status, due, done, judgement, cohort, case_ref in AUDITS:
        team = AUDITORS[auditor]
        case_team = "North A" if AREAS[team] == "South" else "South A"
        case_ref = f"case-{key}" if case_ref == "-" else case_ref
        if session.get(Case, case_ref) is None:
            session.add(Case(case_ref=case_ref, team=case_team, status="open"))
            session.flush()
        audit = Audit(
            cycle=cycle, kind=kind, case_ref=case_ref, auditor_id=auditor, cohort=cohort,
            status=status, allocated_on=date.fromisoformat(cycle + "-01"), due_on=d(due),
            original_due_on=d(ORIGINAL_DUE.get(key, due)), completed_on=maybe(done),
            judgement=None if judgement == "-" else judgement, auditor_team=team,
            auditor_service_area=AREAS[team], case_team=case_team,
            case_service_area=AREAS[case_team],
        )  # fmt: skip
        session.add(audit)
        session.flush()
        assert audit.id is not None
        ids[key] = audit.id
    return ids


def _findings(session: Session, ids: dict[str, int]) -> None:
    for key, theme, descriptor in [
        ("D1", "cin", "Visits on time and purposeful"),
        ("D3", "cin", "Some drift between reviews"),
        ("D2", "cin", "Supervision drives the plan"),
        ("D2", "cin", "   "),  # blank: left out
        ("D4", "cin", "Reviews not held"),
        ("D9", "cin", "Draft note on an audit not yet done"),  # not completed: left out
        ("R3", "cin", "Re-audit finding"),  # a re-audit: not a theme of the month's audits
        ("C1", "missing", "Timely return home interviews"),  # May
    ]:
        session.add(ThemeFinding(audit_id=ids[key], theme=theme, descriptor=descriptor))
    for key, source, kind, text in [
        ("D1", "parent", "strength", "Parent praised the worker's honesty"),
        ("D3", "partner_agency", "improvement", "School asked for more updates"),
        ("R3", "child", "strength", "Young person felt listened to"),  # a re-audit of June
        ("D9", "carer", "strength", "Not yet completed"),  # left out
        ("C1", "parent", "improvement", "May's feedback"),  # May: left out of June
        ("D2", "carer", "strength", "Carer felt supported"),
    ]:
        session.add(Feedback(audit_id=ids[key], source=source, kind=kind, text=text))
    for key, answers in [
        ("D2", ("Joint visits", "  ", "Yes, with training", "")),
        ("D1", ("Built trust", "Caseload", "", "Earlier plan")),
        ("C1", ("May's reflection", "", "", "")),  # May: left out of June
        ("D9", ("Not yet completed", "", "", "")),  # left out
    ]:
        done_well, challenges, enough_tools, do_differently = answers
        session.add(
            Reflection(audit_id=ids[key], done_well=done_well, challenges=challenges,
                       enough_tools=enough_tools, do_differently=do_differently)
        )  # fmt: skip


def _programme(session: Session) -> None:
    for cycle, theme, text in [
        ("2026-06", "cin", "CiN commentary one"),
        ("2026-06", "cse", "CSE commentary"),
        ("2026-06", "cin", "CiN commentary two"),
        ("2026-05", "cin", "May's commentary"),
    ]:
        session.add(ThemeCommentary(cycle=cycle, theme=theme, text=text, created_by="APS1"))
    for cycle, number, text, high in [
        ("2026-06", 2, "Second recommendation", False),
        ("2026-06", 1, "First recommendation", True),
        ("2026-05", 1, "May's recommendation", True),
    ]:
        session.add(
            Recommendation(cycle=cycle, number=number, text=text, high_priority=high,
                           created_by="APS1")
        )  # fmt: skip
    for starts, ends, resumed, reason in [
        # Planned to 15 May, resumed early on 1 May: last paused day 30 April.
        ("2026-03-10", "2026-05-15", "2026-05-01", "Service-wide recovery work"),
        ("2025-06-01", "2025-06-30", "-", "Before the programme"),
        ("2026-08-03", "2026-08-14", "-", "After the report's month"),
    ]:
        session.add(
            Pause(starts_on=d(starts), ends_on=d(ends), resumed_on=maybe(resumed), reason=reason,
                  created_by="APS1")
        )  # fmt: skip


def build_programme(engine: Engine) -> None:
    with Session(engine) as session:
        _people(session)
        ids = _audits(session)
        _findings(session, ids)
        _programme(session)
        session.commit()


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def programme(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """The programme above, built once per database for the whole module (read-only tests)."""
    yield from built_once(request, tmp_path_factory, build_programme)


def built_once(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    *builders: Callable[[Engine], None],
) -> Iterator[Engine]:
    """A migrated database of the fixture's kind (``request.param``: sqlite or postgres) with
    ``builders`` run on it in turn, for a module's read-only tests."""
    with ExitStack() as stack:
        if request.param == "sqlite":
            folder: Path = tmp_path_factory.mktemp("report")
            url = f"sqlite:///{folder / 'audits.db'}"
        else:
            server = request.getfixturevalue("postgres_server_url")
            url = stack.enter_context(fresh_database(server))
        engine = make_engine(url)
        migrate(engine)
        for build in builders:
            build(engine)
        yield engine
        engine.dispose()


def figures(engine: Engine, month: str = "2026-06", policy: Policy = POLICY) -> ReportFigures:
    with Session(engine) as session:
        return report_figures(session, policy, month)


@pytest.fixture(scope="module")
def june(programme: Engine) -> ReportFigures:
    return figures(programme)


# --- headline compliance -------------------------------------------------------------------------


def test_cumulative_audits(june: ReportFigures) -> None:
    # January to June, kind audit:
    #   Jan A1 A2 A3 A5 completed, A4 exempted        -> 4 completed, 1 released
    #   Feb B1 B2 completed, B3 withdrawn, B4 to do   -> 2 completed, 1 released, 1 to do
    #   May C1-C4 completed                           -> 4 completed
    #   Jun D1-D8 completed, D9 to do, D10 exempted   -> 8 completed, 1 released, 1 to do
    # completed 18, allocated 18 + 2 = 20, released 3: 18 of 20 = 90%; with released
    # 18 of 23 = 78.26% -> 78%. On time: A1 A2 B1 B2 C1 C3 C4 D1-D7 = 14 of 20 = 70%.
    assert june.audits == Compliance(
        allocated=20, completed=18, released=3, pct=90, allocated_with_released=23,
        pct_with_released=78, on_time=14, on_time_pct=70,
    )  # fmt: skip


def test_cumulative_reaudits_are_counted_apart(june: ReportFigures) -> None:
    # R1 completed, R2 to do (May); R3 completed, R4 withdrawn (June); R0 is December 2025.
    # 2 of 3 = 66.7% -> 67%; with released 2 of 4 = 50%. Both on time: 67%.
    assert june.reaudits == Compliance(3, 2, 1, 67, 4, 50, 2, 67)
    assert june.first_reaudit_month == "2026-05"


def test_this_months_audits(june: ReportFigures) -> None:
    # D1-D8 completed, D9 to do: 8 of 9 = 88.9% -> 89%; D10 released: 8 of 10 = 80%.
    # D8 came in on 2 July, after the due date: 7 on time of 9 = 77.8% -> 78%.
    assert june.month_audits == Compliance(9, 8, 1, 89, 10, 80, 7, 78)


def test_headline_figures(june: ReportFigures) -> None:
    assert (june.month, june.first_month) == ("2026-06", "2026-01")
    assert june.programme_name == "Test audit programme"
    assert (june.author, june.contact) == ("APS Manager (test)", "aps-team@example.gov.uk")


# --- judgements by month -------------------------------------------------------------------------


def test_judgements_by_month_has_every_month_with_the_paused_ones_at_zero(
    june: ReportFigures,
) -> None:
    zero = {"outstanding": 0, "good": 0, "requires_improvement": 0, "inadequate": 0}
    assert june.judgements_by_month == {
        # A1 A5 good, A2 requires improvement, A3 inadequate (A4 exempted: no judgement).
        "2026-01": {"outstanding": 0, "good": 2, "requires_improvement": 1, "inadequate": 1},
        # B1 outstanding, B2 inadequate.
        "2026-02": {"outstanding": 1, "good": 0, "requires_improvement": 0, "inadequate": 1},
        "2026-03": zero,  # paused (a planned cycle row, no audits)
        "2026-04": zero,  # paused (no cycle row at all)
        # C1 C2 good (C2 late: judgements go by the cycle, not the completion date).
        "2026-05": {"outstanding": 0, "good": 2, "requires_improvement": 1, "inadequate": 1},
        # D1 D2 D5 D7 D8 good, D3 requires improvement, D4 inadequate, D6 outstanding.
        "2026-06": {"outstanding": 1, "good": 5, "requires_improvement": 1, "inadequate": 1},
    }
    assert list(june.judgements_by_month) == sorted(june.judgements_by_month)


def test_reaudit_judgements_by_month(june: ReportFigures) -> None:
    zero = {"outstanding": 0, "good": 0, "requires_improvement": 0, "inadequate": 0}
    assert june.reaudit_judgements_by_month == {
        "2026-01": zero,
        "2026-02": zero,
        "2026-03": zero,
        "2026-04": zero,
        "2026-05": {**zero, "good": 1},  # R1 (R2 not done)
        "2026-06": {**zero, "requires_improvement": 1},  # R3 (R4 withdrawn)
    }


def test_inadequate_share_this_month_and_last(june: ReportFigures) -> None:
    # June: D4 of the 8 completed = 12.5% -> 13%. May: C4 of C1-C4 = 25%.
    assert (june.inadequate_pct, june.inadequate_pct_last_month) == (13, 25)


def test_inadequate_share_after_a_paused_month_is_none(programme: Engine) -> None:
    may = figures(programme, "2026-05")
    # May 25%; April was paused: nothing completed, no share.
    assert (may.inadequate_pct, may.inadequate_pct_last_month) == (25, None)


def test_a_paused_months_report(programme: Engine) -> None:
    march = figures(programme, "2026-03")
    assert march.month_audits == Compliance(0, 0, 0, None, 0, None, 0, None)
    # February: B2 inadequate of B1 B2 = 50%.
    assert (march.inadequate_pct, march.inadequate_pct_last_month) == (None, 50)
    assert list(march.judgements_by_month) == ["2026-01", "2026-02", "2026-03"]
    # Cumulative to March: January's and February's (4 + 2 completed of 6 + 1 allocated).
    assert (march.audits.allocated, march.audits.completed, march.audits.pct) == (7, 6, 86)
    # Only the pause's months up to the report's month.
    assert [p.months for p in march.pauses] == [("2026-03",)]


# --- pauses --------------------------------------------------------------------------------------


def test_pauses_within_the_programme(june: ReportFigures) -> None:
    # Resumed on 1 May: the last paused day is 30 April. The 2025 and August pauses fall
    # outside January to June.
    assert june.pauses == (
        PauseLine(
            starts_on=date(2026, 3, 10),
            ends_on=date(2026, 4, 30),
            reason="Service-wide recovery work",
            months=("2026-03", "2026-04"),
        ),
    )


# --- practice themes -----------------------------------------------------------------------------


def test_june_themes(june: ReportFigures) -> None:
    cin, cse, every = june.themes
    # cin: D1 D2 D8 good, D3 requires improvement, D4 inadequate, D6 outstanding (D9 not done,
    # D10 exempted, R3 a re-audit: counted apart).
    assert (cin.theme, cin.title) == ("cin", "Children in Need (CiN)")
    assert cin.judgements == {
        "outstanding": 1,
        "good": 3,
        "requires_improvement": 1,
        "inadequate": 1,
    }
    # R3, a re-audit of a cin case completed in June, requires improvement (R4 withdrawn).
    assert cin.reaudit_judgements == {
        "outstanding": 0,
        "good": 0,
        "requires_improvement": 1,
        "inadequate": 0,
    }
    # In the order recorded, re-audits' too (R3's); D2's blank one and D9's (not done) left out.
    assert cin.descriptors == {
        "good": ("Visits on time and purposeful", "Supervision drives the plan"),
        "requires_improvement": ("Some drift between reviews", "Re-audit finding"),
        "inadequate": ("Reviews not held",),
    }
    assert cin.commentary == ("CiN commentary one", "CiN commentary two")
    # cse: commentary only, no audits of it this month.
    assert (cse.theme, cse.title) == ("cse", "Children identified at risk of CSE")
    assert sum(cse.judgements.values()) == 0 and cse.descriptors == {}
    assert cse.commentary == ("CSE commentary",)
    # all: D5 D7 good (the cases filled from all open cases).
    assert (every.theme, every.title) == ("all", "All open cases")
    assert every.judgements == {
        "outstanding": 0,
        "good": 2,
        "requires_improvement": 0,
        "inadequate": 0,
    }
    assert (every.descriptors, every.commentary) == ({}, ())


def test_may_themes_are_mays_own(programme: Engine) -> None:
    may = figures(programme, "2026-05")
    assert [t.theme for t in may.themes] == ["cin", "cse", "missing"]
    cin, cse, missing = may.themes
    assert (sum(cin.judgements.values()), cin.commentary) == (0, ("May's commentary",))
    assert cin.reaudit_judgements["good"] == 1  # R1, a re-audit: its theme is May's too
    assert cse.judgements["inadequate"] == 1  # C4
    # C1 C2 good, C3 requires improvement.
    assert (missing.judgements["good"], missing.judgements["requires_improvement"]) == (2, 1)
    assert missing.descriptors == {"good": ("Timely return home interviews",)}


# --- feedback, reflections, recommendations ------------------------------------------------------


def test_june_feedback_with_its_source(june: ReportFigures) -> None:
    # In the order recorded; R3 is a re-audit completed in June (kept); D9 not done and C1 of
    # May left out.
    assert june.strengths == (
        FeedbackLine("parent", "Parent praised the worker's honesty"),
        FeedbackLine("child", "Young person felt listened to"),
        FeedbackLine("carer", "Carer felt supported"),
    )
    assert june.improvements == (FeedbackLine("partner_agency", "School asked for more updates"),)


def test_june_reflections_by_question(june: ReportFigures) -> None:
    # D1 then D2 (by audit), blank answers left out; May's and D9's (not done) left out.
    assert june.reflections == {
        "done_well": ("Built trust", "Joint visits"),
        "challenges": ("Caseload",),
        "enough_tools": ("Yes, with training",),
        "do_differently": ("Earlier plan",),
    }


def test_june_recommendations_by_number(june: ReportFigures) -> None:
    assert june.recommendations == (
        RecommendationLine(1, "First recommendation", True),
        RecommendationLine(2, "Second recommendation", False),
    )


def test_a_month_without_sections_has_empty_ones(programme: Engine) -> None:
    march = figures(programme, "2026-03")
    assert (march.themes, march.strengths, march.improvements, march.recommendations) == (
        (), (), (), ()
    )  # fmt: skip
    assert march.reflections == {
        "done_well": (),
        "challenges": (),
        "enough_tools": (),
        "do_differently": (),
    }


# --- compliance by service area and team ---------------------------------------------------------


def test_compliance_rows_by_area_and_team(june: ReportFigures) -> None:
    assert june.compliance_rows == (
        # North A (TM1): A1 B1 C1 D1 D5 on time, A5 late (the reallocation), D9 to do:
        # 6 of 7 = 85.7% -> 86%.
        ComplianceRow("North", "North A", 7, 5, 1, 1, 0, 86),
        # North B (TM2): A2 B2 (extended) D2 D6 on time, C2 late, D10 released: 5 of 5.
        # Nothing of TM4, who moved here after allocation.
        ComplianceRow("North", "North B", 5, 4, 1, 0, 1, 100),
        # North: 11 of 12 = 91.7% -> 92%.
        ComplianceRow("North", None, 12, 9, 2, 1, 1, 92),
        # South A (TM3, TM4): C3 C4 D3 D4 D7 on time, A3 D8 late, B4 to do, A4 B3 released:
        # 7 of 8 = 87.5% -> 88%.
        ComplianceRow("South", "South A", 8, 5, 2, 1, 2, 88),
        ComplianceRow("South", None, 8, 5, 2, 1, 2, 88),
    )


def test_compliance_rows_add_up_to_the_headline(june: ReportFigures) -> None:
    totals = [row for row in june.compliance_rows if row.team is None]
    assert sum(row.allocated for row in totals) == june.audits.allocated
    assert sum(row.on_time + row.late for row in totals) == june.audits.completed
    assert sum(row.on_time for row in totals) == june.audits.on_time
    assert sum(row.released for row in totals) == june.audits.released


def test_compliance_rows_agree_with_the_timeliness_rule(
    programme: Engine, june: ReportFigures
) -> None:
    # The SQL's CASE against rules.compliance.timeliness, audit by audit.
    with Session(programme) as session:
        audits = session.scalars(
            select(Audit).where(
                col(Audit.kind) == "audit",
                col(Audit.cycle) >= "2026-01",
                col(Audit.cycle) <= "2026-06",
            )
        ).all()
        expected: dict[str, Counter[str]] = defaultdict(Counter)
        for audit in audits:
            bucket = timeliness(audit.status, audit.completed_on, audit.due_on)
            expected[audit.auditor_team][bucket] += 1
    found = {row.team: row for row in june.compliance_rows if row.team is not None}
    assert len(audits) == 23
    for team, counts in expected.items():
        row = found[team]
        assert (row.on_time, row.late, row.outstanding, row.released) == (
            counts["on_time"], counts["late"], counts["outstanding"], counts["released"]
        )  # fmt: skip


# --- the programme's first cycle -----------------------------------------------------------------


def test_without_a_first_cycle_the_first_allocated_cycle_starts_the_programme(
    programme: Engine,
) -> None:
    found = figures(programme, policy=SINCE_FIRST_ALLOCATED)
    assert found.first_month == "2025-12"
    # December's Z1 (completed on time) joins: 19 of 21 = 90.5% -> 90%; 19 of 24 = 79.2% -> 79%.
    assert found.audits == Compliance(21, 19, 3, 90, 24, 79, 15, 71)
    # December's R0 (completed): 3 of 4 = 75%; with R4 released 3 of 5 = 60%.
    assert found.reaudits == Compliance(4, 3, 1, 75, 5, 60, 3, 75)
    assert found.first_reaudit_month == "2025-12"
    assert list(found.judgements_by_month)[0] == "2025-12"
    assert found.judgements_by_month["2025-12"]["good"] == 1
    assert found.reaudit_judgements_by_month["2025-12"]["inadequate"] == 1
    # North A gains Z1 on time: 7 of 8 = 87.5% -> 88%.
    assert found.compliance_rows[0] == ComplianceRow("North", "North A", 8, 6, 1, 1, 0, 88)


def test_before_any_cycle_was_allocated_the_report_starts_at_its_own_month(
    programme: Engine,
) -> None:
    found = figures(programme, "2025-11", SINCE_FIRST_ALLOCATED)
    assert found.first_month == "2025-11"
    assert found.audits == Compliance(0, 0, 0, None, 0, None, 0, None)
    assert found.first_reaudit_month is None
    assert list(found.judgements_by_month) == ["2025-11"]
    assert found.compliance_rows == ()
    assert found.pauses == ()


@pytest.mark.parametrize("month", [" 2026-06", "2026-06\n", "٢٠٢٦-٠٦"])
def test_a_month_is_written_exactly(programme: Engine, month: str) -> None:
    """No surrounding space or trailing newline, and ASCII digits: as everywhere else."""
    with pytest.raises(ReportError, match="YYYY-MM"):
        figures(programme, month)


def test_the_first_cycle_of_the_programme_file_wins(programme: Engine) -> None:
    with Session(programme) as session:
        assert first_month(session, POLICY, "2026-06") == "2026-01"
        assert first_month(session, SINCE_FIRST_ALLOCATED, "2026-06") == "2025-12"


@pytest.mark.parametrize(
    ("month", "policy", "message"),
    [
        ("2025-12", POLICY, "first cycle is 2026-01"),
        ("2026-13", POLICY, "YYYY-MM"),
        ("June 2026", SINCE_FIRST_ALLOCATED, "YYYY-MM"),
    ],
)
def test_a_report_that_cannot_be(
    programme: Engine, month: str, policy: Policy, message: str
) -> None:
    with pytest.raises(ReportError, match=message):
        figures(programme, month, policy)


@pytest.mark.parametrize(
    "engine_fixture", ["engine", pytest.param("pg_engine", marks=pytest.mark.postgres)]
)
def test_an_empty_database(request: pytest.FixtureRequest, engine_fixture: str) -> None:
    found = figures(request.getfixturevalue(engine_fixture), "2026-06", SINCE_FIRST_ALLOCATED)
    assert found.first_month == "2026-06"
    assert found.audits.pct is None and found.reaudits.pct is None
    assert found.judgements_by_month == {
        "2026-06": {"outstanding": 0, "good": 0, "requires_improvement": 0, "inadequate": 0}
    }
    assert (found.themes, found.compliance_rows, found.inadequate_pct) == ((), (), None)
