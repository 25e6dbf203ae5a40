"""prefect.yaml deployed to a real Prefect server: the schedules it registers, read back from the
server and expanded by Prefect's own cron engine, and what the flows' guards make of them in
August 2026 (Saturday 1st, Summer bank holiday Monday 31st)."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from prefect.client.orchestration import SyncPrefectClient
from prefect.client.schemas.filters import (
    DeploymentFilter,
    DeploymentFilterName,
    FlowRunFilter,
    FlowRunFilterDeploymentId,
)
from prefect.server.schemas.schedules import CronSchedule

from deployments.specs import DEPLOYMENTS, flow_name
from rules.schedule import allocation_skip_reason, chase_skip_reason, report_skip_reason
from tests.deployments.conftest import REPO, prefect_cli, wait_for

LONDON = ZoneInfo("Europe/London")
SCHEDULED = [spec.name for spec in DEPLOYMENTS if spec.cron]


@pytest.fixture(scope="module")
def deployed(prefect_api: str) -> str:
    """prefect.yaml deployed as an operator deploys it (work pool first)."""
    prefect_cli(prefect_api, "work-pool", "create", "audits", "--type", "process", "--overwrite")
    prefect_cli(
        prefect_api,
        *("deploy", "--all", "--prefect-file", "deployments/prefect.yaml"),
        AUDITS_HOME=str(REPO),
    )
    return prefect_api


def registered(client: SyncPrefectClient, name: str) -> Any:
    [deployment] = client.read_deployments(
        deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=[name]))
    )
    return deployment


def august_2026(schedule: Any) -> list[datetime]:
    """The run times Prefect's own cron engine gives the registered schedule in August 2026."""
    server_side = CronSchedule(
        cron=schedule.cron, timezone=schedule.timezone, day_or=schedule.day_or
    )
    start, end = datetime(2026, 8, 1, tzinfo=LONDON), datetime(2026, 9, 1, tzinfo=LONDON)
    dates = asyncio.run(server_side.get_dates(n=100, start=start, end=end))
    return [moment.astimezone(LONDON) for moment in dates]


def test_every_deployment_is_registered_with_its_flow_and_pool(
    deployed: str, client: SyncPrefectClient
) -> None:
    for spec in DEPLOYMENTS:
        deployment = registered(client, spec.name)
        assert client.read_flow(deployment.flow_id).name == flow_name(spec)
        assert deployment.work_pool_name == "audits"
        assert deployment.entrypoint == spec.entrypoint
        assert deployment.pull_steps == [
            {"prefect.deployments.steps.set_working_directory": {"directory": str(REPO)}}
        ]
        assert not deployment.paused


@pytest.mark.parametrize("name", SCHEDULED)
def test_schedules_are_cron_in_london_on_days_matching_both_fields(
    deployed: str, client: SyncPrefectClient, name: str
) -> None:
    [schedule] = registered(client, name).schedules
    assert schedule.active
    assert schedule.schedule.timezone == "Europe/London"
    assert schedule.schedule.day_or is False


def test_allocation_runs_on_the_first_seven_weekdays_and_acts_on_monday_3_august(
    deployed: str, client: SyncPrefectClient
) -> None:
    [schedule] = registered(client, "monthly-allocation").schedules
    runs = august_2026(schedule.schedule)
    assert [(r.day, r.strftime("%a %H:%M %Z")) for r in runs] == [
        (3, "Mon 07:00 BST"),
        (4, "Tue 07:00 BST"),
        (5, "Wed 07:00 BST"),
        (6, "Thu 07:00 BST"),
        (7, "Fri 07:00 BST"),
    ]
    acting = [r.date() for r in runs if allocation_skip_reason(r.date()) is None]
    assert acting == [date(2026, 8, 3)]
    assert allocation_skip_reason(date(2026, 8, 4)) == (
        "2026-08-04 is not the first working day of the month (2026-08-03 is)"
    )


def test_report_runs_on_late_weekdays_and_acts_on_friday_28_before_the_bank_holiday(
    deployed: str, client: SyncPrefectClient
) -> None:
    [schedule] = registered(client, "month-end-report").schedules
    runs = august_2026(schedule.schedule)
    assert [r.day for r in runs] == [24, 25, 26, 27, 28, 31]
    assert {r.strftime("%H:%M %Z") for r in runs} == {"17:00 BST"}
    acting = [r.date() for r in runs if report_skip_reason(r.date()) is None]
    assert acting == [date(2026, 8, 28)]
    assert report_skip_reason(date(2026, 8, 31)) == (
        "2026-08-31 is not the last working day of the month (2026-08-28 is)"
    )


def test_chase_runs_every_weekday_and_skips_the_bank_holiday(
    deployed: str, client: SyncPrefectClient
) -> None:
    [schedule] = registered(client, "daily-chase").schedules
    runs = august_2026(schedule.schedule)
    assert len(runs) == 21 and {r.strftime("%a") for r in runs} <= {
        "Mon",
        "Tue",
        "Wed",
        "Thu",
        "Fri",
    }
    assert {r.strftime("%H:%M %Z") for r in runs} == {"08:00 BST"}
    skipped = [r.date() for r in runs if chase_skip_reason(r.date())]
    assert skipped == [date(2026, 8, 31)]


def test_the_server_s_scheduler_creates_the_coming_runs_at_those_times(
    deployed: str, client: SyncPrefectClient
) -> None:
    """Not just the schedule's arithmetic: the server itself has put runs in the diary, in
    London time (08:00 is 08:00 GMT in winter, 07:00 UTC in summer)."""
    for name, hour in (("daily-chase", 8), ("monthly-allocation", 7), ("month-end-report", 17)):
        deployment = registered(client, name)

        def coming(deployment_id: Any = deployment.id) -> list[Any]:
            of_it = FlowRunFilter(deployment_id=FlowRunFilterDeploymentId(any_=[deployment_id]))
            runs = client.read_flow_runs(flow_run_filter=of_it, limit=50)
            return [r for r in runs if r.state_name == "Scheduled"]

        runs = wait_for(f"scheduled runs of {name}", coming, 60)
        for run in runs:
            local = run.expected_start_time.astimezone(LONDON)
            assert (local.hour, local.minute) == (hour, 0)
            assert local.weekday() < 5
