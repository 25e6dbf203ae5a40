"""The highlight report's figures, read with a handful of aggregate queries (docs/domain.md).

Cumulative figures run from the programme's first cycle (``[programme] first_cycle``, else the
first cycle allocated) to the report's month. Audits are never loaded one by one: every count
comes from a GROUP BY, so at a million audits the report costs little more than the bare
aggregate SQL. Two passes over the cycles' audits give every cumulative figure:
:func:`read_tally` (compliance and judgements by month) and :func:`compliance_rows` (by service
area and team); two, not one, because PostgreSQL cannot tell that both groupings together are
still few, and sorts a million rows on disk instead of hashing. The sections of the month
(themes, feedback, reflections, recommendations) and the pauses are read in
``models.report_sections``; safeguarding concerns, moderation and practitioner responses in
``models.report_oversight``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Label, SQLColumnExpression, and_, func, literal_column, select
from sqlmodel import Session, col

from models import quote_store
from models.figures import (
    Compliance,
    ComplianceRow,
    MonthCompliance,
    ReportFigures,
    TrendFigures,
)
from models.finding_store import tag_counts
from models.programme import Audit, Cycle
from models.report_oversight import oversight_fields
from models.report_sections import (
    feedback_lines,
    pause_lines,
    recommendations,
    reflections,
    theme_sections,
)
from rules import compliance as rules
from rules.grouping import grouped_counts
from rules.months import MonthError, add_months, format_month, parse_month
from rules.policy import Policy
from rules.recurring import recurring_findings, trend_months


class ReportError(ValueError):
    """The report cannot be compiled as asked; the message says why in one line."""


class Tally(NamedTuple):
    """Audits counted by cycle, kind, status, judgement and whether completed by the due date
    (None with no completion date). A named tuple: made about twice as fast as a frozen
    dataclass, for the tally's 2,000 rows at 95 months."""

    cycle: str
    kind: str
    status: str
    judgement: str | None
    on_time: bool | None
    audits: int  # how many (not ``count``: a tuple has a method of that name)


def report_figures(session: Session, policy: Policy, month: str) -> ReportFigures:
    """Every figure of the highlight report of ``month`` (YYYY-MM)."""
    month = _checked(month)
    first = first_month(session, policy, month)
    tally = read_tally(session, first, month)
    months = rules.months_from(first, month)
    strengths, improvements = feedback_lines(session, month)
    pauses = pause_lines(session, first, month)
    answers = reflections(session, month)
    rows = compliance_rows(session, first, month)
    return ReportFigures(
        month=month,
        first_month=first,
        programme_name=policy.name,
        audits=_compliance(tally, "audit"),
        reaudits=_compliance(tally, "reaudit"),
        first_reaudit_month=min((t.cycle for t in tally if t.kind == "reaudit"), default=None),
        month_audits=_compliance(tally, "audit", month),
        pauses=pauses,
        judgements_by_month=_judgements(tally, "audit", months),
        reaudit_judgements_by_month=_judgements(tally, "reaudit", months),
        inadequate_pct=_inadequate(tally, month),
        inadequate_pct_last_month=_inadequate(tally, add_months(month, -1)),
        themes=theme_sections(session, month),
        strengths=strengths,
        improvements=improvements,
        reflections=answers,
        recommendations=recommendations(session, month),
        compliance_rows=rows,
        author=policy.report.author,
        contact=policy.report.contact,
        reflection_counts={key: grouped_counts(texts) for key, texts in answers.items()},
        feedback_counts={
            "strength": grouped_counts(line.text for line in strengths),
            "improvement": grouped_counts(line.text for line in improvements),
        },
        featured_quotes=quote_store.featured_quotes(session, month),
        quotes_shown=policy.report.quotes_shown,
        compliance_by_month=_by_month(tally, months),
        compliance_total=compliance_total(rows),
        paused_months=rules.paused_months(((p.starts_on, p.ends_on) for p in pauses), first, month),
        recurring_findings=recurring_findings(
            tag_counts(session, trend_months(month)), month, policy.finding_tags
        ),
        **oversight_fields(session, month),
    )


def trend_figures(session: Session, policy: Policy, month: str) -> TrendFigures:
    """The dashboard's figures over time up to ``month``: compliance and judgements by cycle,
    the pauses, and compliance by service area (the same queries as the report's)."""
    month = _checked(month)
    first = first_month(session, policy, month)
    tally = read_tally(session, first, month)
    months = rules.months_from(first, month)
    pauses = pause_lines(session, first, month)
    rows = compliance_rows(session, first, month)
    return TrendFigures(
        month=month,
        first_month=first,
        compliance_by_month=_by_month(tally, months),
        judgements_by_month=_judgements(tally, "audit", months),
        pauses=pauses,
        paused_months=rules.paused_months(((p.starts_on, p.ends_on) for p in pauses), first, month),
        area_rows=(*(row for row in rows if row.team is None), compliance_total(rows)),
    )


def first_month(session: Session, policy: Policy, month: str) -> str:
    """The programme's first cycle: the programme file's, else the first allocated (up to
    ``month``), else ``month`` itself."""
    month = _checked(month)
    first: str | None
    if policy.first_cycle:
        first = _checked(policy.first_cycle)
    else:
        first = session.connection().scalar(
            select(func.min(col(Cycle.month))).where(
                col(Cycle.status) == "allocated", col(Cycle.month) <= month
            )
        )
    if first is None:
        return month
    if first > month:
        raise ReportError(f"the programme's first cycle is {first}: there is no report of {month}")
    return str(first)


def _checked(month: str) -> str:
    try:
        return format_month(*parse_month(month))
    except MonthError as error:
        raise ReportError(str(error)) from None


def _in_cycles(session: Session, first: str, last: str) -> ColumnElement[bool]:
    """Audits of cycles ``first`` to ``last``. On SQLite the range is written ``+cycle`` so that
    the table is scanned: a report's range is nearly every audit, and reading them through the
    (cycle, case_ref, status) index costs a lookup per row, 2 to 3 times slower at a million."""
    cycle: SQLColumnExpression[str] = col(Audit.cycle)
    if session.get_bind().dialect.name == "sqlite":
        cycle = literal_column("+audit.cycle")
    return and_(cycle >= first, cycle <= last)


def _on_time() -> Label[bool]:
    """Completed by the (extended) due date; NULL with no completion date."""
    return (col(Audit.completed_on) <= col(Audit.due_on)).label("on_time")


def _flag(value: Any) -> bool | None:
    return None if value is None else bool(value)


def read_tally(session: Session, first: str, last: str) -> list[Tally]:
    """One GROUP BY over the audits of cycles ``first`` to ``last`` (cycle last, so SQLite does
    not walk the cycle index to group)."""
    columns = (
        col(Audit.kind),
        col(Audit.status),
        col(Audit.judgement),
        _on_time(),
        col(Audit.cycle),
    )
    query = (
        select(*columns, func.count()).where(_in_cycles(session, first, last)).group_by(*columns)
    )
    # All at once: iterating a result fetches it row by row, a call each through the driver.
    rows = session.connection().execute(query).all()
    return [Tally(c, k, s, j, _flag(t), n) for k, s, j, t, c, n in rows]


def _compliance(tally: list[Tally], kind: str, cycle: str | None = None) -> Compliance:
    return _compliance_of([t for t in tally if t.kind == kind and cycle in (None, t.cycle)])


def _by_kind_and_cycle(tally: list[Tally]) -> dict[tuple[str, str], list[Tally]]:
    """The tally's rows by kind and cycle, in their order: a cycle's figures are then read from
    its own rows rather than from a pass over the whole tally (95 cycles, twice each)."""
    groups: dict[tuple[str, str], list[Tally]] = defaultdict(list)
    for t in tally:
        groups[t.kind, t.cycle].append(t)
    return groups


def _compliance_of(chosen: list[Tally]) -> Compliance:
    statuses: Counter[str] = Counter()
    on_time = 0
    for t in chosen:
        statuses[t.status] += t.audits
        if rules.timeliness_of(t.status, t.on_time) == "on_time":
            on_time += t.audits
    return Compliance(**rules.compliance_from_statuses(statuses, on_time))


def cycle_compliance(
    session: Session, cycles: Sequence[str]
) -> dict[str, tuple[Compliance, Compliance]]:
    """Each of ``cycles`` (in order, YYYY-MM) with its own audits' and re-audits' figures: the
    report of that month's ``month_audits`` and ``compliance_by_month`` re-audits, read with
    the same tally (the evidence export's Compliance sheet)."""
    if not cycles:
        return {}
    groups = _by_kind_and_cycle(read_tally(session, cycles[0], cycles[-1]))
    found = {key: _compliance_of(rows) for key, rows in groups.items()}
    none = _compliance_of([])
    return {c: (found.get(("audit", c), none), found.get(("reaudit", c), none)) for c in cycles}


def _by_month(tally: list[Tally], months: list[str]) -> dict[str, dict[str, MonthCompliance]]:
    """Each cycle's audits and re-audits: allocated, completed, on time, and their per cents."""
    groups = _by_kind_and_cycle(tally)

    def of(kind: str, month: str) -> MonthCompliance:
        c = _compliance_of(groups.get((kind, month), []))
        return MonthCompliance(c.allocated, c.completed, c.on_time, c.pct, c.on_time_pct)

    return {m: {"audits": of("audit", m), "reaudits": of("reaudit", m)} for m in months}


def _completed(tally: list[Tally], kind: str) -> list[tuple[str, str, int]]:
    return [
        (t.cycle, t.judgement, t.audits)
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


def compliance_rows(session: Session, first: str, last: str) -> tuple[ComplianceRow, ...]:
    """Audits of kind ``audit`` of cycles ``first`` to ``last`` by the auditor's service area
    and team (as they were at allocation), by :func:`rules.compliance.timeliness`: each area's
    teams, then the area's total."""
    area, team, status = col(Audit.auditor_service_area), col(Audit.auditor_team), col(Audit.status)
    query = (
        select(area, team, status, _on_time(), func.count())
        .where(col(Audit.kind) == "audit", _in_cycles(session, first, last))
        .group_by(area, team, status, "on_time")
    )
    areas: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    found = session.connection().execute(query).all()  # all at once, as the tally's rows
    for area_name, team_name, status_name, on_time, count in found:
        areas[area_name][team_name][rules.timeliness_of(status_name, _flag(on_time))] += count
    rows: list[ComplianceRow] = []
    for area_name in sorted(areas):
        teams = areas[area_name]
        rows += [
            ComplianceRow(area_name, t, **rules.compliance_row(teams[t])) for t in sorted(teams)
        ]
        total = sum(teams.values(), Counter[str]())
        rows.append(ComplianceRow(area_name, None, **rules.compliance_row(total)))
    return tuple(rows)


ALL_AREAS = "All service areas"


def compliance_total(rows: tuple[ComplianceRow, ...]) -> ComplianceRow:
    """The compliance table's last row: every service area's total together."""
    total: Counter[str] = Counter()
    for row in rows:
        if row.team is None:
            total.update(on_time=row.on_time, late=row.late, outstanding=row.outstanding)
            total.update(released=row.released)
    return ComplianceRow(ALL_AREAS, None, **rules.compliance_row(total))
