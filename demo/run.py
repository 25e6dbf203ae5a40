"""``make demo``: a synthetic council, imported and allocated through the real paths."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

from sqlmodel import select

from config.clock import today_in_london, write_demo_today
from config.settings import load_policy
from demo.chase import time_travel
from demo.synthetic import (
    CASE_COLUMNS,
    STAFF_COLUMNS,
    add_social_workers,
    make_council,
    write_csv,
)
from flows.allocate import AllocationOutcome
from importer import import_cases, import_staff
from models import allocation_store as store
from models.db import get_engine, migrate, session_scope
from models.people import Staff
from models.programme import Audit
from rules.cohorts import cohort_title
from rules.months import month_of


class DemoRefused(Exception):
    pass


def run_demo(out: Path, month: str | None, seed: int, *, history: bool = True) -> int:
    """``make demo``: this month allocated and chased day by day; then (``history``) the
    2018-2020 history replayed in a database of its own and its report compiled."""
    started = time.perf_counter()
    today = today_in_london()
    month = month or month_of(today)
    council = make_council(seed, today)
    add_social_workers(council, seed)
    staff_csv = write_csv(out / "staff.csv", STAFF_COLUMNS, council.staff)
    cases_csv = write_csv(out / "cases.csv", CASE_COLUMNS, council.cases)
    print(f"Synthetic council written to {staff_csv} and {cases_csv}")

    engine = get_engine()
    migrate(engine)
    with session_scope(engine) as session:
        if session.exec(select(Staff.staff_id).limit(1)).first() is not None:
            url = engine.url.render_as_string(hide_password=True)
            # The demo's staff list would mark every real member of staff as missing.
            raise DemoRefused(
                f"the database at {url} already holds staff: the demo needs an empty database "
                "(`make demo` uses var/demo/audits.db)"
            )
    for path, do_import in ((staff_csv, import_staff), (cases_csv, import_cases)):
        with session_scope(engine) as session:
            result = do_import(session, path, today, display_name=str(path))
        print(
            f"Imported {result.rows:,} rows from {path.name}: {result.created:,} new, "
            f"{result.updated:,} updated, {result.unchanged:,} unchanged"
        )

    from flows.allocate import allocate_monthly_audits
    from flows.in_process import in_process_settings

    with in_process_settings():
        outcome = allocate_monthly_audits(month=month)
    with session_scope(engine) as session:
        audits = store.cycle_audits(session, month)
    policy = load_policy()
    _summarise(outcome, audits, policy.choose_theme(month, None))
    last_day = today
    if audits and not outcome.paused:
        print(f"\nTime travel through {month}: the chase runs every working day at 08:00")
        last_day = time_travel(engine, policy, audits[0].allocated_on, audits[0].due_on, seed)
    # The web pages on this database (make web, make serve: development sign-in) act on the
    # demo's last day, not the real date, which the month's requests and completions ran past.
    write_demo_today(engine.url.render_as_string(hide_password=False), last_day)
    if history:
        from demo.report import run_history

        run_history(out, seed)
    print(
        f"\nDemo finished in {time.perf_counter() - started:.1f} s. The highlight report is in "
        f"{out / 'report'}. Explore this month's programme with:\n"
        f"  AUDITS_DATABASE_URL={engine.url} .venv/bin/audits list --month {month}\n"
        f"  AUDITS_DATABASE_URL={engine.url} .venv/bin/audits explain --month {month}\n"
        f"  AUDITS_DATABASE_URL={engine.url} .venv/bin/audits outbox\n"
        "and in the web pages, with development sign-in (sign in as APS01 for the decision queue\n"
        "and the dashboard, or as a Team Manager for their audits and requests):\n"
        "  make web      # then open http://127.0.0.1:8000/\n"
        "  make web-history  # the 2018-2020 history: sign in as D001 (a Director) for the\n"
        "                    # dashboard over time and /reports, or APS01 for the review page\n"
        f"The pages say today is {last_day:%A} {last_day.day} {last_day:%B %Y}, the demo's last "
        "day, not the real date."
    )
    return 0


def _summarise(outcome: AllocationOutcome, audits: list[Audit], theme: str) -> None:
    print(f"\n{outcome.month}: theme {theme} ({cohort_title(theme)})")
    if outcome.paused:
        print(f"  nothing allocated: {outcome.paused}")
        return
    if outcome.already_allocated:
        print("  already allocated before this run; nothing changed")
    due = sorted({a.due_on.strftime("%a %d %b %Y") for a in audits})
    print(f"  {len(audits)} audits allocated, due {', '.join(due) or '-'}")
    print(
        f"  {outcome.excluded_auditors} team manager(s) left out; "
        f"{outcome.excluded_cases:,} case(s) not eligible (see `audits explain`)"
    )
    print("  by cohort:")
    for cohort, count in sorted(Counter(a.cohort for a in audits).items()):
        label = "filled from all open cases" if cohort == "all" and theme != "all" else cohort
        print(f"    {label:<28} {count:>4}")
    print("  by service area:              cases  auditors")
    cases_by_area = Counter(a.case_service_area for a in audits)
    auditors_by_area = Counter(a.auditor_service_area for a in audits)
    for area in sorted(cases_by_area | auditors_by_area):
        print(f"    {area:<28} {cases_by_area[area]:>5} {auditors_by_area[area]:>9}")
    crossing = sum(a.case_service_area != a.auditor_service_area for a in audits)
    print(f"  {crossing} of {len(audits)} audits cross service areas")
    if outcome.shortfalls:
        print("  short of cases:")
        for short in outcome.shortfalls:
            print(
                f"    {short['auditor_id']}: {short['allocated']} of {short['wanted']} "
                f"({short['reason']})"
            )
    else:
        print("  every eligible team manager got their full allocation")
