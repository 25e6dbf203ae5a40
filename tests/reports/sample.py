"""A report's figures worked out by hand, for the renderers' tests (no database needed)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from models.figures import (
    Compliance,
    ComplianceRow,
    ConcernFigures,
    FeedbackLine,
    ModerationFigures,
    MonthCompliance,
    MonthModeration,
    PauseLine,
    Recommendation,
    RecurringFinding,
    ReportFigures,
    ResponseFigures,
    ThemeSection,
)
from rules.grouping import grouped_counts
from rules.policy import JUDGEMENTS


def _month(o: int, g: int, r: int, i: int) -> dict[str, int]:
    return {"outstanding": o, "good": g, "requires_improvement": r, "inadequate": i}


def with_counts(figures: ReportFigures) -> ReportFigures:
    """The figures' grouped answers, worked out from their answers word for word."""
    themes = tuple(
        replace(t, descriptor_counts={j: grouped_counts(d) for j, d in t.descriptors.items()})
        for t in figures.themes
    )
    return replace(
        figures,
        themes=themes,
        reflection_counts={k: grouped_counts(v) for k, v in figures.reflections.items()},
        feedback_counts={
            "strength": grouped_counts(line.text for line in figures.strengths),
            "improvement": grouped_counts(line.text for line in figures.improvements),
        },
    )


def _by_month(months: list[str]) -> dict[str, dict[str, MonthCompliance]]:
    none = MonthCompliance(0, 0, 0, None, None)
    audits = MonthCompliance(30, 24, 20, 80, 67)
    reaudits = MonthCompliance(5, 4, 4, 80, 80)
    return {
        m: {
            "audits": none if m in PAUSED else audits,
            "reaudits": reaudits if m >= "2020-06" else none,
        }
        for m in months
    }


def _finding(tag: str, label: str, counts: list[int], judged: tuple[int, ...]) -> RecurringFinding:
    """A tag's counts for the 12 cycles October 2019 to September 2020, and September's by
    judgement (outstanding, good, requires improvement, inadequate)."""
    months = [f"2019-{m:02d}" for m in (10, 11, 12)] + [f"2020-{m:02d}" for m in range(1, 10)]
    by_judgement = dict(zip(JUDGEMENTS, judged, strict=True))
    return RecurringFinding(
        tag, label, counts[-1], sum(counts), dict(zip(months, counts, strict=True)), by_judgement
    )


# Supervision: 4 in September (1 good, 2 requires improvement, 1 inadequate), 21 in 12 months.
RECURRING = (
    _finding("supervision", "Supervision", [1, 2, 3, 2, 3, 0, 0, 0, 2, 1, 3, 4], (0, 1, 2, 1)),
    _finding(
        "drift_and_delay", "Drift and delay", [0, 0, 1, 1, 0, 0, 0, 0, 0, 2, 1, 2], (0, 0, 1, 1)
    ),
    _finding("recording", "Recording", [0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], (0, 0, 0, 0)),
    _finding("planning", "Planning", [0] * 12, (0, 0, 0, 0)),
)
# Moderated and agreed in each of the 12 cycles October 2019 to September 2020 (none while
# paused, nor in December): 21 moderated, 17 agreed (81.0%), 4 changed.
MODERATED = dict(
    zip(
        [f"2019-{m:02d}" for m in (10, 11, 12)] + [f"2020-{m:02d}" for m in range(1, 10)],
        [(2, 2), (3, 2), (0, 0), (3, 3), (2, 1), (0, 0), (0, 0), (0, 0), (3, 2), (2, 2), (3, 3),
         (3, 2)],
        strict=True,
    )
)  # fmt: skip
# Auditors' staff ids, which the report must never show (the JSON's by_auditor has them).
AUDITOR_IDS = ("AUD-QX7", "AUD-QX9")


def _moderated(moderated: int, agreed: int) -> MonthModeration:
    pct = round(100 * agreed / moderated, 1) if moderated else None
    return MonthModeration(moderated, agreed, pct, moderated - agreed)


def _with_auditors(month: MonthModeration, *by: tuple[int, int]) -> ModerationFigures:
    by_auditor = {
        a: {"moderated": m, "agreed": g} for a, (m, g) in zip(AUDITOR_IDS, by, strict=True)
    }
    return ModerationFigures(**vars(month), by_auditor=by_auditor)


PAUSED = {"2020-03": "partly paused", "2020-04": "paused", "2020-05": "paused"}


def sample_figures() -> ReportFigures:
    by_month = {
        "2020-01": _month(1, 10, 6, 3),
        "2020-02": _month(0, 12, 5, 2),
        "2020-03": _month(0, 0, 0, 0),
        "2020-04": _month(0, 0, 0, 0),
        "2020-05": _month(0, 0, 0, 0),
        "2020-06": _month(2, 9, 7, 1),
        "2020-07": _month(1, 11, 4, 4),
        "2020-08": _month(0, 8, 9, 3),
        "2020-09": _month(1, 14, 11, 2),
    }
    return with_counts(
        ReportFigures(
            month="2020-09",
            first_month="2020-01",
            programme_name="Synthetic Borough monthly case audit programme",
            audits=Compliance(240, 193, 12, 80, 252, 77),
            reaudits=Compliance(45, 36, 1, 80, 46, 78),
            first_reaudit_month="2020-04",
            month_audits=Compliance(32, 28, 2, 88, 34, 82),
            pauses=(
                PauseLine(
                    date(2020, 3, 24),
                    date(2020, 5, 31),
                    "stay-at-home order",
                    ("2020-03", "2020-04", "2020-05"),
                    "RAG ratings of open cases",
                ),
            ),
            judgements_by_month=by_month,
            reaudit_judgements_by_month={m: _month(0, 1, 1, 0) for m in by_month},
            inadequate_pct=7,
            inadequate_pct_last_month=15,
            themes=(
                ThemeSection(
                    "cin",
                    "Children in Need",
                    _month(1, 14, 11, 2),
                    {"good": ("Visits timely and purposeful.",), "inadequate": ("Reviews late.",)},
                    ("Supervision must address drift.",),
                ),
            ),
            strengths=(FeedbackLine("parent", "An open and honest relationship."),),
            improvements=(FeedbackLine("partner_agency", "Slow to share minutes."),),
            reflections={
                "done_well": ("Direct work with the young person.",),
                "challenges": ("Caseload pressures.",),
                "enough_tools": ("Yes, with more life story training.",),
                "do_differently": ("Earlier intervention.",),
            },
            recommendations=(
                Recommendation(1, "Supervision in line with timescales.", True),
                Recommendation(2, "Block out time for the audit each month.", False),
            ),
            compliance_rows=(
                ComplianceRow("North", "North Assessment", 120, 80, 17, 20, 6, 81),
                ComplianceRow("North", None, 120, 80, 17, 20, 6, 81),
                ComplianceRow("South", "South CIN", 120, 76, 20, 21, 3, 80),
                ComplianceRow("South", None, 120, 76, 20, 21, 3, 80),
            ),
            author="Audit and Practice Standards Manager (synthetic)",
            contact="aps-team@example.org",
            compliance_by_month=_by_month(list(by_month)),
            compliance_total=ComplianceRow("All service areas", None, 240, 156, 37, 41, 9, 80),
            paused_months=PAUSED,
            recurring_findings=RECURRING,
            # 3 concerns on September's audits, 2 acknowledged after 2 and 5 hours: median 3.5.
            concerns=ConcernFigures(
                raised=3, acknowledged=2, open=1, median_hours_to_acknowledge=3.5
            ),
            moderation=_with_auditors(_moderated(3, 2), (2, 1), (1, 1)),
            moderation_12_months=_with_auditors(_moderated(21, 17), (12, 9), (9, 8)),
            moderation_by_month={m: _moderated(*counts) for m, counts in MODERATED.items()},
            practitioner_responses=ResponseFigures(completed=30, with_response=12),
        )
    )
