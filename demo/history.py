"""The demo's history: a synthetic programme replayed from November 2018 to September 2020,
with the March to May 2020 pause, completions (some late, some never), extensions, exemptions
and re-audits, through the real stores; then the September 2020 highlight report.

Every month: allocate (which also schedules due re-audits), record some requests and decisions,
then complete most of the month's audits and re-audits with their details. A pause is recorded
when it happens and applied when it ends, moving outstanding due dates on.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from demo.oversight_history import oversee_month
from demo.tags import with_demo_tags
from demo.texts import COMMENTARY, RECOMMENDATIONS, completion_details
from flows.allocate import allocate_cycle
from models import pause_store, recommendation_store, request_store
from models.audit_store import complete_audit
from models.base import saved_id
from models.db import session_scope
from models.people import Staff
from models.programme import Audit
from rules.due_dates import allocation_date
from rules.months import add_months
from rules.policy import Policy
from rules.requests import RequestError
from rules.working_days import add_working_days

FIRST, LAST = "2018-11", "2020-09"
PAUSE = (date(2020, 3, 24), date(2020, 5, 31), "COVID-19 stay-at-home order: audits on hold")
PAUSE_NOTE = "RAG ratings of every open case, and management oversight audits"
JUDGEMENT_WEIGHTS = {"outstanding": 5, "good": 60, "requires_improvement": 25, "inadequate": 10}


@dataclass
class Tally:
    allocated: int = 0
    completed: int = 0
    reaudits: int = 0
    requests: int = 0


def replay(engine: Engine, policy: Policy, seed: int) -> Tally:
    """Replay FIRST..LAST into ``engine`` (already holding the imported council)."""
    rng, tally, started = random.Random(seed), Tally(), time.perf_counter()
    aps = _aps(engine)
    month = FIRST
    while month <= LAST:
        start = allocation_date(month)
        with session_scope(engine, write_lock=True) as session:
            pause_store.apply_ended_pauses(session, start, "demo")
            outcome = allocate_cycle(session, policy, month, None)
        tally.allocated += len(outcome.audits)
        if month == "2020-03":
            with session_scope(engine, write_lock=True) as session:
                pause_store.add_pause(session, *PAUSE, aps, PAUSE[0], policy, PAUSE_NOTE)
        if outcome.paused:  # nothing happens in a paused month: its re-audits wait
            print(f"  {month}: paused ({PAUSE[2]})")
            month = add_months(month, 1)
            continue
        tally.requests += _requests(engine, policy, month, aps, rng)
        done, reaudits = _complete(engine, month, rng)
        tally.completed += done
        tally.reaudits += reaudits
        if month >= "2020-08":
            _recommend(engine, policy, month, aps)
        print(
            f"  {month}: {len(outcome.audits):>3} allocated, {done:>3} completed "
            f"({reaudits} re-audits)"
        )
        month = add_months(month, 1)
    # The last year's oversight, laid over the replay once it is done: moderation moves
    # re-audits, and doing it month by month would change every later month's draw.
    for month in (add_months(LAST, -offset) for offset in range(11, -1, -1)):
        with session_scope(engine, write_lock=True) as session:
            oversee_month(session, policy, month, seed)
    print(f"Replayed {FIRST} to {LAST} in {time.perf_counter() - started:.1f} s")
    return tally


def _aps(engine: Engine) -> str:
    with Session(engine) as session:
        found = session.scalars(
            select(col(Staff.staff_id))
            .where(col(Staff.role) == "aps")
            .order_by(col(Staff.staff_id))
        ).first()
    assert found is not None, "the synthetic council has an APS team"
    return found


def _cycle_audits(session: Session, month: str) -> list[Audit]:
    return list(
        session.scalars(
            select(Audit)
            .where(col(Audit.cycle) == month, col(Audit.status) == "allocated")
            .order_by(col(Audit.id))
        )
    )


def _requests(engine: Engine, policy: Policy, month: str, aps: str, rng: random.Random) -> int:
    """Two extensions (one approved, one rejected) and one exemption (reallocated or withdrawn)."""
    with session_scope(engine, write_lock=True) as session:
        audits = [a for a in _cycle_audits(session, month) if a.kind == "audit"]
        if len(audits) < 3:
            return 0
        first, second, third = rng.sample(audits, 3)
        asked_on = add_working_days(first.allocated_on, 8)
        try:
            for audit, approve in ((first, True), (second, False)):
                until = add_working_days(audit.due_on, 5)
                made = request_store.request_extension(
                    session,
                    saved_id(audit),
                    until,
                    "annual leave",
                    audit.auditor_id,
                    asked_on,
                    policy,
                )
                request_store.decide_extension(
                    session, saved_id(made), approve, None, "decided at the APS meeting", aps,
                    add_working_days(asked_on, 1), policy,
                )  # fmt: skip
            exempt = request_store.request_exemption(
                session, saved_id(third), "conflict_of_interest", "supervised the worker before",
                third.auditor_id, asked_on,
            )  # fmt: skip
            to = request_store.suggested_auditors(session, third)
            to_whom = to[0].staff_id if to and rng.random() < 0.7 else None
            request_store.decide_exemption(
                session, saved_id(exempt), True, to_whom, "conflict of interest", aps,
                add_working_days(asked_on, 1),
            )  # fmt: skip
        except RequestError:
            return 0  # e.g. a pause moved the dates: the demo just skips this month's requests
    return 3


def _complete(engine: Engine, month: str, rng: random.Random) -> tuple[int, int]:
    """Most audits done by the due date, some late, about one in five never."""
    done = reaudits = 0
    with session_scope(engine, write_lock=True) as session:
        for audit in _cycle_audits(session, month):
            roll = rng.random()
            if roll > 0.8:
                continue
            span = max(1, (audit.due_on - audit.allocated_on).days)
            on = (
                date.fromordinal(audit.allocated_on.toordinal() + rng.randint(3, span))
                if roll < 0.65
                else add_working_days(audit.due_on, rng.randint(1, 8))
            )
            judgement = rng.choices(list(JUDGEMENT_WEIGHTS), list(JUDGEMENT_WEIGHTS.values()))[0]
            complete_audit(
                session,
                saved_id(audit),
                on,
                judgement,
                on,
                audit.auditor_id,  # the auditor records their own audit
                details=with_demo_tags(
                    completion_details(audit.cohort, judgement, rng),
                    saved_id(audit),
                    month,
                    judgement,
                ),
            )
            done += 1
            reaudits += audit.kind == "reaudit"
    return done, reaudits


def _recommend(engine: Engine, policy: Policy, month: str, aps: str) -> None:
    with session_scope(engine, write_lock=True) as session:
        for high_priority, text in RECOMMENDATIONS:
            recommendation_store.recommend(session, month, text, high_priority, None, aps, policy)
        theme = policy.choose_theme(month, None)
        recommendation_store.set_commentary(session, month, theme, COMMENTARY, aps, policy)


THEMES = ("cin", "cp_under_5", "cp_sexual_abuse", "cse", "missing", "missing_and_cse")
DISTRIBUTION = ("directors@example.org", "frontline-teams@example.org")


def history_programme(base: str) -> str:
    """The programme file for the replay: first cycle November 2018, a theme a month, and a
    distribution list for the report (synthetic addresses)."""
    text = base.replace('# first_cycle = "2025-01"', f'first_cycle = "{FIRST}"')
    addresses = ", ".join(f'"{a}"' for a in DISTRIBUTION)
    text = text.replace("distribution = []", f"distribution = [{addresses}]")
    months, month = [], FIRST
    while month <= LAST:
        months.append(month)
        month = add_months(month, 1)
    lines = [f'"{m}" = "{THEMES[n % len(THEMES)]}"' for n, m in enumerate(months)]
    assert text.rstrip().splitlines()[-1].startswith('"'), "[themes] must end the file"
    return text.rstrip() + "\n" + "\n".join(lines) + "\n"
