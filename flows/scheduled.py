"""The flows that schedules start: each asks its guard (rules/schedule.py) first.

Prefect's cron schedules run on every candidate day (Europe/London); only the month's first
working day allocates and only its last working day compiles the report. On any other day the
run ends at once and its log says why, so an operator reading the Prefect UI sees that nothing
was missed.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect import flow, get_run_logger

from audits.clock import today_in_london
from flows.allocate import allocate_monthly_audits
from flows.report import compile_highlight_report
from rules.months import month_of
from rules.schedule import allocation_skip_reason, report_skip_reason


def _day(text: str | None) -> date:
    return date.fromisoformat(text) if text else today_in_london()


@flow(name="scheduled-allocation")
def scheduled_allocation(day: str | None = None) -> dict[str, Any]:
    """Allocate this month's audits if ``day`` (default today) is its first working day."""
    today = _day(day)
    reason = allocation_skip_reason(today)
    if reason:
        get_run_logger().info("Nothing to allocate today: %s", reason)
        return {"day": today.isoformat(), "skipped": reason}
    outcome = allocate_monthly_audits(month=month_of(today))
    return {"day": today.isoformat(), "month": outcome.month, "allocated": len(outcome.audits)}


@flow(name="scheduled-report")
def scheduled_report(day: str | None = None) -> dict[str, Any]:
    """Compile this month's highlight report if ``day`` (default today) is its last working day."""
    today = _day(day)
    reason = report_skip_reason(today)
    if reason:
        get_run_logger().info("No report today: %s", reason)
        return {"day": today.isoformat(), "skipped": reason}
    result = compile_highlight_report(month=month_of(today))
    return {"day": today.isoformat(), "month": result["month"], "pdf": result["pdf"]}
