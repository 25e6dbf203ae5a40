"""The month's recommendations and theme commentary against a real database."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from flows.allocate import allocate_cycle
from models import recommendation_store as store
from models.db import session_scope
from models.programme import Audit, Cycle, Recommendation, ThemeCommentary
from models.trail import TrailEntry
from rules.recommendations import RecommendationError
from tests.flows.council import POLICY, seed_council


@pytest.fixture
def council(engine: Engine, tmp_path: Path) -> Engine:
    seed_council(engine, tmp_path, cases=300)
    with session_scope(engine, write_lock=True) as session:
        allocate_cycle(session, POLICY, "2026-11", "all")
    return engine


def recommend(
    engine: Engine,
    text: str,
    number: int | None = None,
    high: bool = False,
    by: str = "APS01",
    month: str = "2026-11",
) -> str:
    with session_scope(engine, write_lock=True) as session:
        row, action = store.recommend(session, month, text, high, number, by, POLICY)
        return f"{row.number} {action}"


def listed(engine: Engine, month: str = "2026-11") -> list[tuple[int, str, bool]]:
    with Session(engine) as session:
        return [(r.number, r.text, r.high_priority) for r in store.recommendations(session, month)]


def trail(engine: Engine, prefix: str) -> list[TrailEntry]:
    with Session(engine) as session:
        return list(
            session.scalars(
                select(TrailEntry)
                .where(col(TrailEntry.action).startswith(prefix))
                .order_by(col(TrailEntry.id))
            )
        )


def test_numbered_added_replaced_and_removed(council: Engine) -> None:
    assert recommend(council, "Supervision within timescales", high=True) == "1 added"
    assert recommend(council, "Management oversight recorded") == "2 added"
    assert recommend(council, "Planning and review on time", number=3) == "3 added"
    assert recommend(council, "  Oversight with rationale  ", number=2, high=True) == "2 replaced"
    assert listed(council) == [
        (1, "Supervision within timescales", True),
        (2, "Oversight with rationale", True),
        (3, "Planning and review on time", False),
    ]
    with session_scope(council, write_lock=True) as session:
        moves = store.remove_recommendation(session, "2026-11", 1, "APS02", POLICY)
    assert moves == {2: 1, 3: 2}
    assert listed(council) == [
        (1, "Oversight with rationale", True),
        (2, "Planning and review on time", False),
    ]
    entries = trail(council, "recommendation.")
    assert [e.action for e in entries] == [
        "recommendation.added",
        "recommendation.added",
        "recommendation.added",
        "recommendation.replaced",
        "recommendation.removed",
    ]
    assert entries[3].detail is not None
    assert entries[3].detail["previous"] == {
        "text": "Management oversight recorded",
        "high_priority": False,
    }
    assert entries[4].actor == "APS02" and entries[4].subject_id == "2026-11"


@pytest.mark.parametrize(
    ("text", "number", "by", "error"),
    [
        ("x", 3, "APS01", "number 3 is out of range: 2026-11 has 1"),
        ("x", 0, "APS01", "number 0 is out of range"),
        ("   ", None, "APS01", "the recommendation's text is required"),
        ("x", None, "TM001", "TM001 is not an active member of the APS team"),
        ("x", None, "NOBODY", "there is no member of staff NOBODY"),
    ],
)
def test_refused_recommendations_change_nothing(
    council: Engine, text: str, number: int | None, by: str, error: str
) -> None:
    recommend(council, "First")
    before = (listed(council), len(trail(council, "")))
    with pytest.raises(RecommendationError, match=error):
        recommend(council, text, number=number, by=by)
    assert (listed(council), len(trail(council, ""))) == before


def test_removing_a_number_that_is_not_there_is_refused(council: Engine) -> None:
    recommend(council, "First")
    with (
        pytest.raises(RecommendationError, match="2026-11 has no recommendation 2"),
        session_scope(council, write_lock=True) as session,
    ):
        store.remove_recommendation(session, "2026-11", 2, "APS01", POLICY)
    assert listed(council) == [(1, "First", False)]


def test_a_month_with_no_cycle_gets_a_planned_one_that_allocation_takes_over(
    council: Engine,
) -> None:
    assert recommend(council, "Plan ahead", month="2026-12") == "1 added"
    with Session(council) as session:
        cycle = session.get(Cycle, "2026-12")
        assert cycle is not None
        assert (cycle.status, cycle.theme) == ("planned", POLICY.theme_for("2026-12"))
    assert [e.action for e in trail(council, "cycle.planned")] == ["cycle.planned"]
    with session_scope(council, write_lock=True) as session:
        outcome = allocate_cycle(session, POLICY, "2026-12", None)
    assert not outcome.already_allocated and outcome.audits
    with Session(council) as session:
        cycle = session.get(Cycle, "2026-12")
        assert cycle is not None and cycle.status == "allocated"
        allocated = session.execute(
            select(func.count()).select_from(Audit).where(col(Audit.cycle) == "2026-12")
        ).scalar_one()
    assert allocated == len(outcome.audits)
    assert listed(council, "2026-12") == [(1, "Plan ahead", False)]


def test_commentary_one_per_theme_replaced_and_removed(council: Engine) -> None:
    def write(theme: str, text: str | None) -> str:
        with session_scope(council, write_lock=True) as session:
            return store.set_commentary(session, "2026-11", theme, text, "APS01", POLICY)[1]

    assert write("cin", "CiN visits late") == "added"
    assert write("cse", "CSE risk assessments improving") == "added"
    assert write("cin", "CiN visits and reviews late") == "replaced"
    with Session(council) as session:
        rows = [(c.theme, c.text) for c in store.commentary(session, "2026-11")]
    assert rows == [
        ("cin", "CiN visits and reviews late"),
        ("cse", "CSE risk assessments improving"),
    ]
    assert write("cse", None) == "removed"
    with Session(council) as session:
        count = session.execute(select(func.count()).select_from(ThemeCommentary)).scalar_one()
    assert count == 1
    with pytest.raises(RecommendationError, match="no commentary on cse to remove"):
        write("cse", None)
    with pytest.raises(RecommendationError, match="unknown practice theme 'nope'"):
        write("nope", "x")
    assert [e.action for e in trail(council, "commentary.")] == [
        "commentary.added",
        "commentary.added",
        "commentary.replaced",
        "commentary.removed",
    ]


@pytest.mark.postgres
def test_recommendations_on_postgres(pg_engine: Engine, tmp_path: Path) -> None:
    seed_council(pg_engine, tmp_path, cases=100)
    assert recommend(pg_engine, "First", month="2027-01") == "1 added"
    assert recommend(pg_engine, "Second", high=True, month="2027-01") == "2 added"
    with session_scope(pg_engine, write_lock=True) as session:
        store.remove_recommendation(session, "2027-01", 1, "APS01", POLICY)
    assert listed(pg_engine, "2027-01") == [(1, "Second", True)]
    with Session(pg_engine) as session:
        assert session.execute(select(func.count()).select_from(Recommendation)).scalar_one() == 1
