"""The record of each month's highlight report on SQLite and PostgreSQL: compiled as a draft,
approved once (a draft compiled meanwhile never turns it back), listed newest first, its
themes, and the approval rules of ``rules.signoff``."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from models import report_issue_store as store
from models.db import in_transaction, session_scope
from models.programme import Cycle, ThemeCommentary
from models.trail import TrailEntry
from rules.signoff import SignOffError, check_regenerate, needs_approval, status_to_compile


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest) -> Engine:
    engine: Engine = request.getfixturevalue("engine" if request.param == "sqlite" else "pg_engine")
    with session_scope(engine) as session:
        for month, theme in (("2026-05", "missing"), ("2026-06", "cin"), ("2026-07", "cse")):
            session.add(Cycle(month=month, theme=theme, status="allocated"))
        session.flush()
        session.add(ThemeCommentary(cycle="2026-06", theme="cse", text="x", created_by="APS1"))
    return engine


def test_a_draft_is_approved_once_and_stays_final(db: Engine) -> None:
    with session_scope(db) as session:
        row = store.record_compiled(session, "2026-06", "draft", "/srv/reports")
        assert (row.status, row.sent, row.approved_by) == ("draft", 0, None)
    with session_scope(db) as session:
        locked = store.issue(session, "2026-06", lock=True)
        assert locked is not None
        store.record_approved(session, locked, "APS1", 3)
    with session_scope(db) as session:  # the month-end run again, as a draft: stays final
        again = store.record_compiled(session, "2026-06", "draft", "/elsewhere")
        assert (again.status, again.approved_by, again.sent) == ("final", "APS1", 3)
        assert again.out_dir == "/srv/reports" and again.approved_at is not None
        assert again.approved_at.tzinfo is not None
    with Session(db) as session:
        actions = session.scalars(
            select(col(TrailEntry.action)).where(col(TrailEntry.subject_type) == "report")
        ).all()
    assert list(actions) == ["report.compiled.draft", "report.approved"]


def test_final_without_sign_off_records_what_was_sent(db: Engine) -> None:
    with session_scope(db) as session:
        row = store.record_compiled(session, "2026-05", "final", "/srv/r", sent=2)
        assert (row.status, row.sent, row.approved_by) == ("final", 2, None)
    with session_scope(db) as session:  # a rerun keeps the count it went to
        assert store.record_compiled(session, "2026-05", "final", "/srv/r", sent=0).sent == 2


def test_listed_newest_first_with_the_months_themes(db: Engine) -> None:
    with session_scope(db) as session:
        for month in ("2026-05", "2026-07", "2026-06"):
            store.record_compiled(session, month, "draft", f"/srv/{month}")
    with Session(db) as session:
        assert [r.month for r in store.issues(session)] == ["2026-07", "2026-06", "2026-05"]
        assert store.month_themes(session, "2026-06") == ["cin", "cse"]
        assert store.cycle_exists(session, "2026-06") and not store.cycle_exists(session, "2031-01")


def test_drafts_recorded_at_once_make_one_row(db: Engine) -> None:
    def record(n: int) -> str:
        return in_transaction(
            db, lambda s: store.record_compiled(s, "2026-07", "draft", f"/srv/{n}").month
        )

    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(record, range(4))) == ["2026-07"] * 4
    with Session(db) as session:
        assert [r.month for r in store.issues(session)] == ["2026-07"]


def test_the_rules_of_sign_off() -> None:
    assert status_to_compile(True, None) == "draft"
    assert status_to_compile(True, "draft") == "draft"
    assert status_to_compile(True, "final") == "final"
    assert status_to_compile(False, None) == "final"
    assert needs_approval("2026-06", True, "draft") is True
    assert needs_approval("2026-06", True, "final") is False
    with pytest.raises(SignOffError, match="no cycle 2031-01"):
        needs_approval("2031-01", False, None)
    with pytest.raises(SignOffError, match="no draft report for 2026-06"):
        needs_approval("2026-06", True, None)
    with pytest.raises(SignOffError, match="already approved"):
        check_regenerate("2026-06", "final")
    check_regenerate("2026-06", "draft")
