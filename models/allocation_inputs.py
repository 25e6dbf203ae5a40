"""Reading what allocation chooses from: one query per kind of fact.

A county has 100,000 open cases and a million is planned for, so the case query is the cost of
an allocation: only the cases the rules could choose are read with their facts, filtered in SQL
rather than after reading (see :func:`_not_audited`). The many rows (the candidate cases, the
year's audited references) come gathered by the database into one JSON document each
(:func:`models.bulk.gathered_rows`), not a row at a time through the driver, and each case
becomes a :class:`~rules.cohorts.CaseFacts` without SQLAlchemy's row machinery.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    exists,
    literal_column,
    not_,
    or_,
    select,
)
from sqlmodel import Session, col

from models.allocation_store import cycle_exemptions, leave_in_window, staff_facts
from models.bulk import as_date, gathered, gathered_rows, json_list, plain_rows
from models.cases import Case
from models.people import Team
from models.programme import Audit
from rules.cohorts import CaseFacts
from rules.eligibility import StaffFacts
from rules.months import months_before


@dataclass
class AllocationInputs:
    staff: list[StaffFacts]
    cases: list[CaseFacts]
    #: The references audited in each cycle of the window before this one, by cycle.
    recent_audits: dict[str, list[str]]
    in_this_cycle: set[str]
    exemptions: dict[str, str]
    leave: dict[str, list[tuple[date, date]]]


def load_allocation_inputs(
    session: Session, month: str, window: tuple[date, date], exclusion_cycles: int
) -> AllocationInputs:
    first = months_before(month, exclusion_cycles)[-1] if exclusion_cycles else month
    audited = _audited_by_cycle(session, first, month)
    in_this_cycle = set(audited.pop(month, ()))
    return AllocationInputs(
        staff=staff_facts(session),
        cases=_candidate_cases(session, first, month) + _closed_or_missing_cases(session),
        recent_audits=audited,
        in_this_cycle=in_this_cycle,
        exemptions=cycle_exemptions(session, month),
        leave=leave_in_window(session, window),
    )


def _audits_between(first: str, last: str) -> Select[str, str]:
    """Audits that count as the case having been audited (withdrawn ones never happened)."""
    return select(col(Audit.case_ref), col(Audit.cycle)).where(
        col(Audit.cycle) >= first, col(Audit.cycle) <= last, col(Audit.status) != "withdrawn"
    )


def _audited_by_cycle(session: Session, first: str, last: str) -> dict[str, list[str]]:
    """The references of the cases audited in each cycle from ``first`` to ``last``, in cycle
    order, each cycle's sorted.

    The database gathers each cycle's references into one JSON array: a county audits 50,000
    cases a year, and one row a cycle spares the driver 50,000 rows.
    """
    query = (
        _audits_between(first, last)
        .with_only_columns(col(Audit.cycle), gathered(session, col(Audit.case_ref)))
        .group_by(col(Audit.cycle))
        .order_by(col(Audit.cycle))
    )
    return {cycle: sorted(json_list(refs)) for cycle, refs in plain_rows(session, query)}


def _not_audited(session: Session, first: str, last: str) -> ColumnElement[bool]:
    """The case has no audit from ``first`` to ``last`` (those :func:`_audits_between` reads)."""
    audited = _audits_between(first, last).with_only_columns(col(Audit.case_ref))
    if session.get_bind().dialect.name == "sqlite":
        # SQLite lists the audited references once and looks each case up in that list; its
        # NOT EXISTS would search the audit table's index once per case instead (half as slow).
        return col(Case.case_ref).not_in(audited)
    # PostgreSQL plans NOT EXISTS as an anti-join; NOT IN it cannot (NULLs), and once the list
    # outgrows work_mem it would scan the subquery once per case.
    return not_(exists(audited.where(col(Audit.case_ref) == col(Case.case_ref))))


def _candidate_cases(session: Session, first: str, last: str) -> list[CaseFacts]:
    """Open cases in the latest export and not audited from ``first`` to ``last``, with their
    facts.

    The rules decide eligibility (:func:`rules.eligibility.eligible_cases` checks every case
    again); leaving out the audited ones here only spares reading cases that cannot be chosen.
    """
    areas: dict[str, str] = dict(
        plain_rows(session, select(col(Team.name), col(Team.service_area)))
    )
    query = select(
        col(Case.case_ref),
        col(Case.team),
        col(Case.date_of_birth),
        col(Case.cin),
        col(Case.cp_category),
        col(Case.cla),
        col(Case.cse_risk),
        col(Case.missing_episodes_6m),
    ).where(
        col(Case.status) == "open", col(Case.in_latest_export), _not_audited(session, first, last)
    )
    day = _dates()
    # CaseFacts._make takes the whole tuple at once: a third faster than the keyword
    # constructor, at 100,000 cases. The rows come gathered as one JSON document: a sixth
    # less time than 50,000 rows through the driver.
    make = CaseFacts._make
    return [
        make(
            (
                ref,
                team,
                areas[team],
                day(born),
                bool(cin),
                cp,
                bool(cla),
                cse,
                missing,
                "open",
                True,
            )
        )
        for ref, team, born, cin, cp, cla, cse, missing in gathered_rows(session, query)
    ]


def _dates() -> Callable[[Any], date | None]:
    """:func:`models.bulk.as_date`, remembering each date: a council's children share birth
    dates (a few thousand days among 100,000 cases), so each is parsed once."""
    seen: dict[Any, date | None] = {}

    def day(value: Any) -> date | None:
        try:
            return seen[value]
        except KeyError:
            seen[value] = parsed = as_date(value)
            return parsed

    return day


def _closed_or_missing_cases(session: Session) -> list[CaseFacts]:
    """Cases that are closed or left out of the latest export: only what their exclusion needs."""
    return [
        CaseFacts(ref, "", "", status=status, in_latest_export=bool(in_export))
        for ref, status, in_export in plain_rows(session, closed_or_missing_query())
    ]


def closed_or_missing_query() -> Select[str, str, bool]:
    """The query of :func:`_closed_or_missing_cases`. 'open' is written into the SQL, not
    bound: only then do the databases see that the condition is the partial index's
    (``models.cases.NOT_ALLOCATABLE``) and read that index alone."""
    return select(col(Case.case_ref), col(Case.status), col(Case.in_latest_export)).where(
        or_(col(Case.status) != literal_column("'open'"), not_(col(Case.in_latest_export)))
    )
