"""The demo's replayed history (November 2018 to September 2020) and its report's figures,
checked against counts taken straight from the database."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from audits.demo_history import FIRST, LAST, history_programme, replay
from audits.demo_report import IMPORTED_ON
from audits.settings import REPO, load_policy
from audits.synthetic import CASE_COLUMNS, STAFF_COLUMNS, make_council, write_csv
from importer import import_cases, import_staff
from models.db import make_engine, migrate, session_scope
from models.programme import Audit, Pause
from models.report_store import report_figures


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory):
    folder: Path = tmp_path_factory.mktemp("history")
    programme = folder / "programme.toml"
    programme.write_text(history_programme((REPO / "programme.toml").read_text()))
    policy = load_policy(programme)
    engine = make_engine(f"sqlite:///{folder / 'audits.db'}")
    migrate(engine)
    council = make_council(7, IMPORTED_ON, cases=3000, teams_per_area=5)
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
    assert _count(engine, Audit.cycle.in_(["2020-04", "2020-05"]), Audit.kind == "audit") == 0
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
    kind = (Audit.kind == "audit", Audit.cycle <= LAST)
    assert figures.first_month == FIRST and figures.month == LAST
    assert figures.audits.allocated == _count(engine, *kind, Audit.status.not_in(released))
    assert figures.audits.released == _count(engine, *kind, Audit.status.in_(released)) > 0
    assert figures.audits.completed == _count(engine, *kind, Audit.status == "completed")
    reaudits = (Audit.kind == "reaudit", Audit.cycle <= LAST)
    assert figures.reaudits.allocated == _count(engine, *reaudits, Audit.status.not_in(released))
    assert _count(engine, Audit.kind == "reaudit", Audit.cycle > LAST) > 0
    assert figures.reaudits.allocated > 0 and figures.first_reaudit_month == "2019-02"
    assert 60 <= (figures.audits.pct or 0) <= 95
    months = list(figures.judgements_by_month)
    assert months[0] == FIRST and months[-1] == LAST and len(months) == 23


def test_the_report_month_has_its_sections(history) -> None:
    _, figures = history
    assert [t.theme for t in figures.themes][:1] == ["missing"]  # September 2020's theme
    assert figures.recommendations and figures.recommendations[0].high_priority
    assert all(figures.reflections.get(key) for key in ("done_well", "do_differently"))
    assert figures.strengths
