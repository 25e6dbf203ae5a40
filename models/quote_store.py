"""The quotes the APS team features in a month's highlight report, per section.

The report shows each section's most frequent answers (``[report] quotes_shown``), then these:
answers the APS team chose because they say something the counts do not. A section's choice is
replaced whole each time (the review page sends the full list); at most ``[report]
featured_quotes`` per section, and only answers given in that section that month.

Section keys (``rules.grouping.section_keys``): ``theme:<cohort>`` (the theme's descriptors, any
judgement), ``feedback:strength``, ``feedback:improvement``, ``reflection:<question_key>``
(``done_well``, ``challenges``, ``enough_tools``, ``do_differently``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlmodel import Session, col

from models.people import check_active_aps
from models.quotes import FeaturedQuote
from models.report_sections import answers_of
from models.trail import TrailEntry
from rules.grouping import QuoteError, check_featured, check_section_key
from rules.months import MonthError, parse_programme_month
from rules.policy import ReportPolicy

DEFAULT_LIMIT = ReportPolicy.featured_quotes


def featured_quotes(session: Session, month: str) -> dict[str, tuple[str, ...]]:
    """The month's featured quotes: section key -> texts in the order chosen (sections with
    none are absent). Each text is spelt as first given in its section that month."""
    query = (
        select(col(FeaturedQuote.section_key), col(FeaturedQuote.text))
        .where(col(FeaturedQuote.cycle) == month)
        .order_by(col(FeaturedQuote.section_key), col(FeaturedQuote.position))
    )
    found: dict[str, list[str]] = defaultdict(list)
    for section_key, text in session.execute(query):
        found[section_key].append(text)
    return {key: tuple(texts) for key, texts in found.items()}


def set_featured_quotes(
    session: Session,
    month: str,
    section_key: str,
    texts: Sequence[str],
    by: str,
    now: datetime,
    *,
    limit: int = DEFAULT_LIMIT,
) -> tuple[str, ...]:
    """Replace the featured quotes of one section of ``month``'s report with ``texts`` (in that
    order; an empty list removes them). Returns the texts stored, each as first spelt among the
    section's answers (matched trimmed and case-folded), duplicates dropped.

    ``by`` must be an active APS member; ``now`` (timezone-aware) is recorded as ``chosen_at``;
    ``limit`` is ``policy.report.featured_quotes``. Raises ``rules.grouping.QuoteError`` (a
    ``RuleError`` with ``field`` ``month``, ``section_key`` or ``texts``) for an unknown section,
    more than ``limit`` texts, or a text that is not an answer of that section that month; and
    the staff check's error for anyone but APS. Nothing changes when it raises. The caller
    commits."""
    try:
        month = parse_programme_month(month)
    except MonthError as error:
        raise QuoteError(str(error), field="month") from None
    check_section_key(section_key)
    check_active_aps(session, by, QuoteError)
    chosen = check_featured(texts, answers_of(session, month, section_key), limit)
    session.execute(
        delete(FeaturedQuote).where(
            col(FeaturedQuote.cycle) == month, col(FeaturedQuote.section_key) == section_key
        )
    )
    session.add_all(
        FeaturedQuote(
            cycle=month,
            section_key=section_key,
            text=text,
            position=position,
            chosen_by=by,
            chosen_at=now,
        )
        for position, text in enumerate(chosen, start=1)
    )
    session.add(
        TrailEntry(
            actor=by,
            action="report.quotes_featured",
            subject_type="cycle",
            subject_id=month,
            detail={"section_key": section_key, "texts": list(chosen)},
        )
    )
    session.flush()
    return chosen
