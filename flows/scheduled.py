"""The flows that schedules start: each asks its guard (rules/schedule.py) first.

Prefect's cron schedules run on every candidate day (Europe/London); only the month's first
working day allocates and only its last working day compiles the report. On any other day the
run ends at once and its log says why, so an operator reading the Prefect UI sees that nothing
was missed. A run that fails is tried again (``flows.failures``) for the same day: Prefect keeps a
run's expected start time across its retries.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from prefect import flow, get_run_logger

from config.clock import LONDON, today_in_london
from flows.allocate import allocate_monthly_audits
from flows.failures import retried_and_told
from flows.report import compile_highlight_report
from rules.months import month_of
from rules.schedule import allocation_skip_reason, report_skip_reason
from rules.values import parse_iso_date


def run_day(given: str | None, scheduled_for: datetime | None) -> date:
    """The day a run acts for: ``given`` (YYYY-MM-DD) if any, else the London date the run was
    scheduled for. Not the day it starts: a run that waited while the workers were down (an
    upgrade, an outage) still allocates or reports for its own day when it runs the next."""
    if given:
        return parse_iso_date(given)
    if scheduled_for is None:
        return today_in_london()
    return scheduled_for.astimezone(LONDON).date()


def _day(text: str | None) -> date:
    from prefect.runtime import flow_run

    return run_day(text, flow_run.scheduled_start_time)


@flow(name="scheduled-allocation", **retried_and_told())
def scheduled_allocation(day: str | None = None) -> dict[str, Any]:
    """Allocate the month's audits if ``day`` (default: the day the run was scheduled for) is
    its first working day."""
    today = _day(day)
    reason = allocation_skip_reason(today)
    if reason:
        get_run_logger().info("Nothing to allocate today: %s", reason)
        return {"day": today.isoformat(), "skipped": reason}
    outcome = allocate_monthly_audits(month=month_of(today))
    return {"day": today.isoformat(), "month": outcome.month, "allocated": len(outcome.audits)}


@flow(name="scheduled-report", **retried_and_told())
def scheduled_report(day: str | None = None) -> dict[str, Any]:
    """Compile the month's highlight report if ``day`` (default: the day the run was scheduled
    for) is its last working day."""
    today = _day(day)
    reason = report_skip_reason(today)
    if reason:
        get_run_logger().info("No report today: %s", reason)
        return {"day": today.isoformat(), "skipped": reason}
    result = compile_highlight_report(month=month_of(today))
    return {"day": today.isoformat(), "month": result["month"], "pdf": result["pdf"]}
