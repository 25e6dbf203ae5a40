"""The scheduled flows act only on their day, and say why not on the others."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from flows.scheduled import run_day, scheduled_allocation, scheduled_report
from rules.schedule import allocation_skip_reason
from tests.flows.test_report_flow import programme_db  # noqa: F401 (fixture)
from tests.settings_env import SettingsEnv


@pytest.mark.prefect
@pytest.mark.parametrize(
    ("flow", "day", "why"),
    [
        (scheduled_allocation, "2026-08-04", "2026-08-03 is"),  # Tue; Mon 3rd was first
        (scheduled_allocation, "2026-05-04", "2026-05-01 is"),  # bank holiday Monday
        (scheduled_report, "2026-08-31", "2026-08-28 is"),  # Summer bank holiday
        (scheduled_report, "2026-12-24", "2026-12-31 is"),
    ],
)
def test_not_the_day_does_nothing_and_says_why(prefect_server: None, flow, day, why) -> None:
    result = flow(day=day)
    assert result["day"] == day and why in result["skipped"]


@pytest.mark.prefect
def test_the_last_working_day_compiles_the_month(
    prefect_server: None,
    programme_db,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)  # the report's default folder is var/reports, relative
    result = scheduled_report(day="2026-06-30")
    assert result["month"] == "2026-06" and "skipped" not in result
    assert (tmp_path / "var" / "reports" / "highlight-report-2026-06.pdf").exists()


@pytest.mark.parametrize(
    ("given", "scheduled_for", "acts_for"),
    [
        ("2026-08-03", datetime(2026, 8, 4, 6, 0, tzinfo=UTC), date(2026, 8, 3)),  # given wins
        # 07:00 BST on Tue 1 Dec is 07:00 GMT; started a day late, it still allocates for the 1st
        (None, datetime(2026, 12, 1, 7, 0, tzinfo=UTC), date(2026, 12, 1)),
        # 00:30 BST on Wed 1 Apr is 23:30 UTC on Tue 31 Mar: London's date counts
        (None, datetime(2026, 3, 31, 23, 30, tzinfo=UTC), date(2026, 4, 1)),
        # 17:00 BST on Fri 28 Aug 2026 (the report's day) is 16:00 UTC
        (None, datetime(2026, 8, 28, 16, 0, tzinfo=UTC), date(2026, 8, 28)),
    ],
)
def test_a_run_acts_for_the_day_it_was_scheduled_for(
    given: str | None, scheduled_for: datetime, acts_for: date
) -> None:
    assert run_day(given, scheduled_for) == acts_for


def test_a_run_scheduled_for_the_first_working_day_allocates_even_when_it_starts_late() -> None:
    late_start_for_1_december = run_day(None, datetime(2026, 12, 1, 7, 0, tzinfo=UTC))
    assert allocation_skip_reason(late_start_for_1_december) is None


@pytest.mark.prefect
def test_a_scheduled_allocation_that_failed_is_retried_for_the_day_it_was_scheduled_for(
    prefect_server: None, tmp_path: Path, settings_env: SettingsEnv
) -> None:
    """Scheduled for Mon 2 Nov 2026 07:00 London and run later: the first attempt finds no
    database (it is being restored), the retry finds it and allocates November."""
    import threading
    import time
    from zoneinfo import ZoneInfo

    from prefect.client.orchestration import get_client
    from prefect.flow_engine import run_flow
    from prefect.states import Scheduled, State

    from models.db import make_engine, migrate
    from tests.flows.council import seed_council

    url = f"sqlite:///{tmp_path / 'audits.db'}"
    settings_env(DATABASE_URL=url, OUTBOX_DIR=str(tmp_path / "outbox"))
    due = datetime(2026, 11, 2, 7, 0, tzinfo=ZoneInfo("Europe/London"))
    with get_client(sync_client=True) as client:
        flow_id = client.create_flow_from_name("scheduled-allocation")
        deployment = client.create_deployment(flow_id=flow_id, name="monthly-allocation-retry")
        run = client.create_flow_run_from_deployment(
            deployment, state=Scheduled(scheduled_time=due)
        )
    flow = scheduled_allocation.with_options(retries=1, retry_delay_seconds=5)
    states: list[Any] = []
    worker = threading.Thread(
        target=lambda: states.append(run_flow(flow, flow_run=run, return_type="state"))
    )
    worker.start()
    with get_client(sync_client=True) as client:
        deadline = time.monotonic() + 120
        while client.read_flow_run(run.id).state_name != "AwaitingRetry":
            assert worker.is_alive() and time.monotonic() < deadline, "it never failed once"
            time.sleep(0.1)
    engine = make_engine(url)  # the database is back before the retry
    migrate(engine)
    seed_council(engine, tmp_path, cases=200)
    worker.join(120)
    [state] = states
    assert isinstance(state, State) and state.is_completed(), state
    result = state.result()
    assert (result["day"], result["month"]) == ("2026-11-02", "2026-11")
    assert result["allocated"] > 0
    engine.dispose()
