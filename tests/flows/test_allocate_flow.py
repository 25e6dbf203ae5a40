"""The allocation flow through the real Prefect engine (Prefect's test harness server)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from flows.allocate import AllocationOutcome, allocate_monthly_audits
from models import allocation_store as store
from models.db import session_scope
from tests.flows.council import seed_council
from tests.settings_env import SettingsEnv


@pytest.fixture
def app_database(
    engine: Engine, sqlite_url: str, tmp_path: Path, settings_env: SettingsEnv
) -> Engine:
    """The flow finds its database through AUDITS_DATABASE_URL, as in production."""
    settings_env(DATABASE_URL=sqlite_url)
    seed_council(engine, tmp_path)
    return engine


@pytest.mark.prefect
def test_flow_allocates_and_a_rerun_changes_nothing(
    prefect_server: None, app_database: Engine
) -> None:
    assert allocate_monthly_audits.name == "allocate-monthly-audits"
    state = allocate_monthly_audits(month="2026-11", theme="cin", return_state=True)
    assert state.is_completed()
    outcome = state.result()
    assert isinstance(outcome, AllocationOutcome) and outcome.audits
    with session_scope(app_database) as session:
        assert store.allocation_rows(session, "2026-11") == outcome.audits

    again = allocate_monthly_audits(month="2026-11")
    assert again.already_allocated and again.audits == outcome.audits


@pytest.mark.prefect
def test_flow_fails_on_a_bad_month(prefect_server: None, app_database: Engine) -> None:
    state = allocate_monthly_audits(month="2026-13", return_state=True)
    assert state.is_failed()
    with pytest.raises(Exception, match="YYYY-MM"):
        state.result()
