"""The highlight report's figures, read with a handful of aggregate queries (DESIGN §3).

Cumulative figures run from the programme's first cycle (``[programme] first_cycle``, else the
first cycle allocated) to the report's month. Audits are never loaded one by one: every count
comes from a GROUP BY, so the report costs about the same at a million audits as the bare
aggregate SQL. The sections of the month (themes, feedback, reflections, recommendations,
pauses, the compliance table) are read in ``models.report_sections``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlmodel import Session

from models.programme import Audit, Cycle
from models.report_sections import (
    compliance_rows,
    feedback_lines,
    pause_lines,
    recommendations,
    reflections,
    theme_sections,
)
from reports.figures import Compliance, ReportFigures
from rules import compliance as rules
from rules.months import MonthError, add_months, parse_month
from rules.policy import Policy


class ReportError(ValueError):
    """The report cannot be compiled as asked; the message says why in one line."""


@dataclass(frozen=True)
class Tally:
    """Audits counted by cycle, kind, status, judgement and whether completed on time."""

    cycle: str
    kind: str
    status: str
    judgement: str | None
    on_time: bool
    count: int


def report_figures(session: Session, policy: Policy, month: str) -> ReportFigures:
    """Every figure of the highlight report of ``month`` (YYYY-MM)."""
    first = first_month(session, policy, month)
    tally = read_tally(session, first, month)
    months = rules.months_from(first, month)
    strengths, improvements = feedback_lines(session, month)
    return ReportFigures(
        month=month,
        first_month=first,
        programme_name=policy.name,
        audits=_compliance(tally, "audit"),
        reaudits=_compliance(tally, "reaudit"),
        first_reaudit_month=min((t.cycle for t in tally if t.kind == "reaudit"), default=None),
        month_audits=_compliance(tally, "audit", month),
        pauses=pause_lines(session, first, month),
        judgements_by_month=_judgements(tally, "audit", months),
        reaudit_judgements_by_month=_judgements(tally, "reaudit", months),
        inadequate_pct=_inadequate(tally, month),
        inadequate_pct_last_month=_inadequate(tally, add_months(month, -1)),
        themes=theme_sections(session, month),
        strengths=strengths,
        improvements=improvements,
        reflections=reflections(session, month),
        recommendations=recommendations(session, month),
        compliance_rows=compliance_rows(session, first, month),
        author=policy.report.author,
        contact=policy.report.contact,
    )


def first_month(session: Session, policy: Policy, month: str) -> str:
    """The programme's first cycle: the programme file's, else the first allocated (up to
    ``month``), else ``month`` itself."""
    try:
        parse_month(month)
    except MonthError as error:
        raise ReportError(str(error)) from None
    first = policy.first_cycle or session.connection().scalar(
        select(func.min(Cycle.month)).where(Cycle.status == "allocated", Cycle.month <= month)
    )
    if first is None:
        return month
    if first > month:
        raise ReportError(f"the programme's first cycle is {first}: there is no report of {month}")
    return str(first)


def read_tally(session: Session, first: str, last: str) -> list[Tally]:
    """One GROUP BY over the audits of cycles ``first`` to ``last``."""
    on_time = (Audit.completed_on <= Audit.due_on).label("on_time")
    columns = (Audit.cycle, Audit.kind, Audit.status, Audit.judgement, on_time)
    query = (
        select(*columns, func.count())
        .where(Audit.cycle >= first, Audit.cycle <= last)
        .group_by(*columns)
    )
    rows = session.connection().execute(query)
    return [Tally(c, k, s, j, bool(t), n) for c, k, s, j, t, n in rows]


def _compliance(tally: list[Tally], kind: str, cycle: str | None = None) -> Compliance:
    chosen = [t for t in tally if t.kind == kind and cycle in (None, t.cycle)]
    statuses: Counter[str] = Counter()
    for t in chosen:
        statuses[t.status] += t.count
    on_time = sum(t.count for t in chosen if t.status == "completed" and t.on_time)
    return Compliance(**rules.compliance_from_statuses(statuses, on_time))


def _completed(tally: list[Tally], kind: str) -> list[tuple[str, str, int]]:
    return [
        (t.cycle, t.judgement, t.count)
        for t in tally
        if t.kind == kind and t.status == "completed" and t.judgement is not None
    ]


def _judgements(tally: list[Tally], kind: str, months: list[str]) -> dict[str, dict[str, int]]:
    return rules.judgements_by_month(_completed(tally, kind), months)


def _inadequate(tally: list[Tally], cycle: str) -> int | None:
    counts: Counter[str] = Counter()
    for month, judgement, count in _completed(tally, "audit"):
        if month == cycle:
            counts[judgement] += count
    return rules.inadequate_share(counts)
