"""The scheduled flows act only on their day, and say why not on the others."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from prefect.testing.utilities import prefect_test_harness

from flows.scheduled import scheduled_allocation, scheduled_report
from tests.flows.test_report_flow import programme_db  # noqa: F401 (fixture)


@pytest.fixture(scope="module")
def prefect_server() -> Iterator[None]:
    with prefect_test_harness(server_startup_timeout=60):
        yield


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
