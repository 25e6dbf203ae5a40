"""Every figure of the highlight report, as plain data: what the store reads and the page shows.

``models/report_store.py`` fills these from the database (cumulative from the programme's first
cycle to the report's month); the HTML, the PDF, the Prefect artifact and ``audits report
--json`` all show the same values, so they can never disagree.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from rules.grouping import TextCount
from rules.recurring import RecurringFinding

__all__ = [
    "Compliance",
    "ComplianceRow",
    "ConcernFigures",
    "FeedbackLine",
    "ModerationFigures",
    "MonthCompliance",
    "MonthModeration",
    "PauseLine",
    "Recommendation",
    "RecurringFinding",
    "ReportFigures",
    "ResponseFigures",
    "TextCount",
    "ThemeSection",
]


@dataclass(frozen=True)
class Compliance:
    """completed of allocated, as a whole per cent (half up, as the seed: 1,298 of 1,632 is 80%).

    ``allocated`` leaves out audits released by an approved exemption or withdrawn; they are
    ``released``. ``pct`` is None when nothing was allocated."""

    allocated: int
    completed: int
    released: int
    pct: int | None
    # Compliance counting released audits as allocated and not completed (the stricter view).
    allocated_with_released: int
    pct_with_released: int | None
    # Of ``completed``, those completed by the (extended) due date; on_time / allocated.
    on_time: int = 0
    on_time_pct: int | None = None


@dataclass(frozen=True)
class MonthCompliance:
    """One cycle's audits (or re-audits): ``compliance_by_month`` of the report's JSON."""

    allocated: int  # less those released
    completed: int
    on_time: int  # completed by the (extended) due date
    pct: int | None  # completed / allocated, whole per cent
    on_time_pct: int | None  # on_time / allocated


@dataclass(frozen=True)
class PauseLine:
    starts_on: date
    ends_on: date  # the last paused day (an early resume shortens it)
    reason: str
    months: tuple[str, ...]  # the cycles (YYYY-MM) it covers, for marking the chart
    note: str | None = None  # what was done instead while paused


@dataclass(frozen=True)
class ComplianceRow:
    """One service area or team, audits of kind ``audit`` from the first cycle to this month."""

    service_area: str
    team: str | None  # None for the service area's own total row
    allocated: int  # as Compliance.allocated
    on_time: int  # completed by the (extended) due date
    late: int  # completed after it
    outstanding: int  # still to do
    released: int  # exempted or withdrawn
    pct: int | None  # (on_time + late) / allocated, whole per cent


@dataclass(frozen=True)
class ThemeSection:
    """One cohort (practice theme) audited in the report's month."""

    theme: str  # cohort key, e.g. "cin"
    title: str  # e.g. "Children in Need"
    judgements: dict[str, int]  # JUDGEMENTS -> count, this month's completed audits of it
    descriptors: dict[str, tuple[str, ...]]  # judgement -> the auditors' descriptors
    commentary: tuple[str, ...]  # the APS team's commentary on the theme this month
    # judgement -> the descriptors grouped (rules.grouping), most frequent first; audits and
    # re-audits of the month, as ``descriptors``.
    descriptor_counts: dict[str, tuple[TextCount, ...]] = field(default_factory=dict)
    # JUDGEMENTS -> count, this month's completed re-audits of the cohort.
    reaudit_judgements: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class FeedbackLine:
    source: str  # parent, child, carer, partner_agency
    text: str


@dataclass(frozen=True)
class Recommendation:
    number: int
    text: str
    high_priority: bool


@dataclass(frozen=True)
class ConcernFigures:
    """Safeguarding concerns raised on the audits of the report's cycle (counted by the audit's
    cycle, as every figure is), never their text."""

    raised: int = 0
    acknowledged: int = 0
    open: int = 0
    # Median hours from raising to acknowledging, one decimal place; None when none acknowledged.
    median_hours_to_acknowledge: float | None = None


@dataclass(frozen=True)
class MonthModeration:
    """One cycle's moderated audits, for the agreement rate over time (never by auditor)."""

    moderated: int = 0
    agreed: int = 0  # the moderator gave the auditor's judgement
    agreement_pct: float | None = None  # agreed / moderated, one decimal place
    changed: int = 0  # moderated - agreed: the audit's judgement is now the moderator's


@dataclass(frozen=True)
class ModerationFigures(MonthModeration):
    """``audits report --json``'s ``moderation`` and ``moderation_12_months``: as
    MonthModeration, with each auditor's counts (JSON only: the report never names an auditor;
    the table by auditor is on an APS-only page)."""

    by_auditor: dict[str, dict[str, int]] = field(default_factory=dict)


@dataclass(frozen=True)
class ResponseFigures:
    """The cycle's completed audits and re-audits, and how many of them the case's social
    worker responded to (at least once)."""

    completed: int = 0
    with_response: int = 0


@dataclass(frozen=True)
class TrendFigures:
    """The programme over time, for the dashboard: the report's figures by cycle and by
    service area, from the first cycle to ``month``, without the month's written sections."""

    month: str
    first_month: str
    compliance_by_month: dict[str, dict[str, MonthCompliance]]
    judgements_by_month: dict[str, dict[str, int]]
    pauses: tuple[PauseLine, ...]
    paused_months: dict[str, str]  # YYYY-MM -> "paused" or "partly paused"
    area_rows: tuple[ComplianceRow, ...]  # each service area's total, then all areas'


@dataclass(frozen=True)
class ReportFigures:
    month: str  # YYYY-MM, the report's cycle
    first_month: str  # the programme's first cycle
    programme_name: str
    audits: Compliance  # kind "audit", cumulative first_month..month
    reaudits: Compliance  # kind "reaudit", cumulative
    first_reaudit_month: str | None  # the first cycle with a re-audit
    month_audits: Compliance  # kind "audit", this month's cycle only
    pauses: tuple[PauseLine, ...]
    # Judgements of completed audits by their cycle's month, every month first..month present.
    judgements_by_month: dict[str, dict[str, int]]
    reaudit_judgements_by_month: dict[str, dict[str, int]]
    inadequate_pct: int | None  # this month's completed audits judged inadequate, whole per cent
    inadequate_pct_last_month: int | None
    themes: tuple[ThemeSection, ...]
    strengths: tuple[FeedbackLine, ...]  # this month's feedback, kind strength
    improvements: tuple[FeedbackLine, ...]  # kind improvement
    # The 4 reflection questions -> this month's answers (empty answers left out).
    reflections: dict[str, tuple[str, ...]]
    recommendations: tuple[Recommendation, ...]
    compliance_rows: tuple[ComplianceRow, ...]  # areas and teams, cumulative
    author: str
    contact: str
    extra: dict[str, Any] = field(default_factory=dict)
    # The answers grouped (rules.grouping), most frequent first: question -> counts, and
    # "strength"/"improvement" -> counts.
    reflection_counts: dict[str, tuple[TextCount, ...]] = field(default_factory=dict)
    feedback_counts: dict[str, tuple[TextCount, ...]] = field(default_factory=dict)
    # The APS team's featured quotes by section key (models.quote_store).
    featured_quotes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    quotes_shown: int = 5  # [report] quotes_shown: the most frequent answers shown per group
    # Cycle -> {"audits": ..., "reaudits": ...}, every month first..month present.
    compliance_by_month: dict[str, dict[str, MonthCompliance]] = field(default_factory=dict)
    compliance_total: ComplianceRow | None = None  # every service area together
    # The cycles a pause touches: "paused" (every day of it) or "partly paused".
    paused_months: dict[str, str] = field(default_factory=dict)
    # Every finding tag of [findings.tags]: this month, the last 12 cycles, by judgement; most
    # frequent first (rules.recurring).
    recurring_findings: tuple[RecurringFinding, ...] = ()
    # Safeguarding, moderation and practitioner responses (models.report_oversight): the
    # report's cycle, the 12 cycles ending with it, and each of those cycles (oldest first).
    concerns: ConcernFigures = field(default_factory=ConcernFigures)
    moderation: ModerationFigures = field(default_factory=ModerationFigures)
    moderation_12_months: ModerationFigures = field(default_factory=ModerationFigures)
    moderation_by_month: dict[str, MonthModeration] = field(default_factory=dict)
    practitioner_responses: ResponseFigures = field(default_factory=ResponseFigures)


REFLECTION_QUESTIONS = {
    "done_well": "What was done well?",
    "challenges": "What were the challenges?",
    "enough_tools": "Do you have enough tools, skills, support and training to do your role?",
    "do_differently": "If you had a case like this again, what would you do differently?",
}


def figures_json(figures: ReportFigures) -> dict[str, Any]:
    """``audits report --json``: every figure, with the contract's keys at the top level."""
    data = asdict(figures)
    audits, reaudits = figures.audits, figures.reaudits
    return {
        "month": figures.month,
        "first_month": figures.first_month,
        "allocated": audits.allocated,
        "released": audits.released,
        "completed": audits.completed,
        "compliance_pct": audits.pct,
        "compliance_pct_with_released": audits.pct_with_released,
        "reaudits_allocated": reaudits.allocated,
        "reaudits_completed": reaudits.completed,
        "reaudits_released": reaudits.released,
        "reaudit_compliance_pct": reaudits.pct,
        "judgements_by_month": figures.judgements_by_month,
        "reaudit_judgements_by_month": figures.reaudit_judgements_by_month,
        **{
            k: v
            for k, v in data.items()
            if k not in ("judgements_by_month", "reaudit_judgements_by_month")
        },
    }
