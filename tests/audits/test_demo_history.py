"""The demo's replayed history (November 2018 to September 2020) and its report's figures,
checked against counts taken straight from the database."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Select, func, select
from sqlmodel import Session, col

from config.settings import default_programme, load_policy
from demo.history import FIRST, LAST, PAUSE, history_programme, replay
from demo.report import IMPORTED_ON
from demo.synthetic import (
    CASE_COLUMNS,
    STAFF_COLUMNS,
    add_social_workers,
    make_council,
    write_csv,
)
from importer import import_cases, import_staff
from models.allocation_store import load_pauses
from models.db import make_engine, migrate, session_scope
from models.programme import Audit, Cycle, Pause
from models.report_store import report_figures
from models.trail import TrailEntry
from rules.compliance import whole_percent
from rules.due_dates import allocation_date
from rules.pauses import pause_on


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory):
    folder: Path = tmp_path_factory.mktemp("history")
    programme = folder / "programme.toml"
    programme.write_text(history_programme(default_programme()))
    policy = load_policy(programme)
    engine = make_engine(f"sqlite:///{folder / 'audits.db'}")
    migrate(engine)
    council = make_council(7, IMPORTED_ON, cases=3000, teams_per_area=5)
    add_social_workers(council, 7)
    with session_scope(engine) as session:
        import_staff(
            session, write_csv(folder / "s.csv", STAFF_COLUMNS, council.staff), IMPORTED_ON
        )
    with session_scope(engine) as session:
        import_cases(session, write_csv(folder / "c.csv", CASE_COLUMNS, council.cases), IMPORTED_ON)
    replay(engine, policy, 7)
    with Session(engine) as session:
        yield engine, report_figures(session, policy, LAST)
    engine.dispose()


def _count(engine, *where) -> int:
    with Session(engine) as session:
        return session.execute(select(func.count()).select_from(Audit).where(*where)).scalar_one()


def test_the_pause_is_recorded_and_nothing_was_allocated_in_april_and_may(history) -> None:
    engine, figures = history
    assert (
        _count(engine, col(Audit.cycle).in_(["2020-04", "2020-05"]), col(Audit.kind) == "audit")
        == 0
    )
    with Session(engine) as session:
        pause = session.scalars(select(Pause)).one()
    assert (pause.starts_on.isoformat(), pause.applied_on is not None) == ("2020-03-24", True)
    assert figures.pauses[0].months == ("2020-03", "2020-04", "2020-05")
    assert figures.judgements_by_month["2020-04"] == dict.fromkeys(
        ("outstanding", "good", "requires_improvement", "inadequate"), 0
    )


def test_the_reports_cumulative_figures_match_the_database(history) -> None:
    engine, figures = history
    released = ("exempted", "withdrawn")
    # Up to the report's month: re-audits of later cycles are already scheduled.
    kind = (col(Audit.kind) == "audit", col(Audit.cycle) <= LAST)
    assert figures.first_month == FIRST and figures.month == LAST
    assert figures.audits.allocated == _count(engine, *kind, col(Audit.status).not_in(released))
    assert figures.audits.released == _count(engine, *kind, col(Audit.status).in_(released)) > 0
    assert figures.audits.completed == _count(engine, *kind, col(Audit.status) == "completed")
    reaudits = (col(Audit.kind) == "reaudit", col(Audit.cycle) <= LAST)
    assert figures.reaudits.allocated == _count(
        engine, *reaudits, col(Audit.status).not_in(released)
    )
    assert _count(engine, col(Audit.kind) == "reaudit", col(Audit.cycle) > LAST) > 0
    assert figures.reaudits.allocated > 0 and figures.first_reaudit_month == "2019-02"
    assert 60 <= (figures.audits.pct or 0) <= 95
    months = list(figures.judgements_by_month)
    assert months[0] == FIRST and months[-1] == LAST and len(months) == 23


def test_the_report_month_has_its_sections(history) -> None:
    _, figures = history
    themes = {t.theme: t for t in figures.themes}
    assert sum(themes["missing"].judgements.values()) > 0  # September 2020's theme
    # Re-audits' themes too: the cohorts of June 2020's audits, re-audited in September.
    assert any(sum(t.reaudit_judgements.values()) for t in figures.themes)
    assert figures.recommendations and figures.recommendations[0].high_priority
    assert all(figures.reflections.get(key) for key in ("done_well", "do_differently"))
    assert figures.strengths


RELEASED = ("exempted", "withdrawn")


def _allocated_cycles() -> Select[str]:
    return select(col(Cycle.month)).where(col(Cycle.status) == "allocated")


def test_no_audit_is_left_outstanding_in_a_month_never_allocated(history) -> None:
    engine, _ = history
    with Session(engine) as session:
        pauses = load_pauses(session)
        waiting = session.execute(
            select(col(Audit.id), col(Audit.cycle)).where(
                col(Audit.status) == "allocated", col(Audit.cycle).not_in(_allocated_cycles())
            )
        ).all()
    assert waiting  # the re-audits planned into October and November 2020
    assert all(cycle > LAST for _, cycle in waiting), waiting
    assert not [c for _, c in waiting if pause_on(allocation_date(c), pauses)]
    # Up to the report's month every audit and re-audit is in a month that was allocated.
    assert (
        _count(engine, col(Audit.cycle) <= LAST, col(Audit.cycle).not_in(_allocated_cycles())) == 0
    )


def test_reaudits_planned_into_april_and_may_moved_to_june_once(history) -> None:
    engine, _ = history
    with Session(engine) as session:
        moves = session.scalars(select(TrailEntry).where(col(TrailEntry.action) == "reaudit.moved"))
        details = {m.subject_id: m.detail or {} for m in moves}
        june = set(session.scalars(select(col(Audit.id)).where(col(Audit.cycle) == "2020-06")))
    assert details, "the pause was entered after April's and May's re-audits were planned"
    assert {(d["from_cycle"], d["to_cycle"]) for d in details.values()} <= {
        ("2020-04", "2020-06"),
        ("2020-05", "2020-06"),
    }
    assert {d["to_due_on"] for d in details.values()} == {"2020-06-30"}
    assert {int(i) for i in details} <= june  # each moved once, and counted in June


def test_the_reports_reaudit_figures_count_allocated_months_only(history) -> None:
    engine, figures = history
    reaudits = (col(Audit.kind) == "reaudit", col(Audit.cycle) >= FIRST, col(Audit.cycle) <= LAST)
    in_allocated = col(Audit.cycle).in_(_allocated_cycles())
    allocated = _count(engine, *reaudits, in_allocated, col(Audit.status).not_in(RELEASED))
    completed = _count(engine, *reaudits, in_allocated, col(Audit.status) == "completed")
    assert (figures.reaudits.allocated, figures.reaudits.completed) == (allocated, completed)
    assert figures.reaudits.pct == whole_percent(completed, allocated)
    assert figures.reaudit_judgements_by_month["2020-04"] == dict.fromkeys(
        ("outstanding", "good", "requires_improvement", "inadequate"), 0
    )


def test_audits_overdue_when_the_pause_began_kept_their_due_dates(history) -> None:
    engine, _ = history
    first_day = PAUSE[0]
    with Session(engine) as session:
        moved = session.scalars(
            select(col(TrailEntry.detail)).where(col(TrailEntry.action) == "audit.due_date_moved")
        ).all()
        february_late = session.scalars(
            select(col(Audit.due_on)).where(
                col(Audit.cycle) == "2020-02", col(Audit.status) == "allocated"
            )
        ).all()
    assert moved and all(d is not None and d["from"] >= first_day.isoformat() for d in moved)
    assert february_late and max(february_late) < first_day  # overdue then: never moved


def test_the_last_year_was_overseen_and_the_report_counts_it(history) -> None:
    """demo/oversight_history.py: in each of the last 12 cycles a sample moderated (some
    judgements changed), a concern or two raised and acknowledged, one audit in three answered
    by the case's social worker."""
    _, figures = history
    month, year = figures.moderation, figures.moderation_12_months
    assert 0 < month.moderated < year.moderated and 0 < month.changed < month.moderated
    assert month.agreed + month.changed == month.moderated
    assert len([m for m in figures.moderation_by_month.values() if m.moderated]) == 10  # 2 paused
    assert 1 <= figures.concerns.raised <= 2 and figures.concerns.open == 0
    assert figures.concerns.median_hours_to_acknowledge is not None
    responses = figures.practitioner_responses
    assert 0 < responses.with_response < responses.completed
