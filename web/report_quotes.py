"""What the review page offers to feature in each section of a month's highlight report: the
section's distinct answers the report does not already show (beyond the ``[report]
quotes_shown`` most frequent of each group), with their counts, and the quotes featured now.

The answers are read and grouped as ``models.report_store.report_figures`` reads them (only the
month's sections, not the cumulative figures), and what counts as "already shown" is the
report's own ``rules.grouping.pick_quotes``, so the page offers exactly what the report would
add. Choices are saved by ``models.quote_store.set_featured_quotes``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from models.figures import REFLECTION_QUESTIONS
from models.quote_store import featured_quotes
from models.report_sections import feedback_lines, reflections, theme_sections
from rules.cohorts import COHORTS, cohort_title
from rules.grouping import TextCount, fold, grouped_counts, pick_quotes, section_keys

FEEDBACK_TITLES = {"strength": "Practice strengths", "improvement": "Areas for improvement"}


@dataclass(frozen=True)
class QuoteSection:
    """One section of the report whose quotes the APS team can feature."""

    key: str  # the section key: theme:<cohort>, feedback:<kind>, reflection:<question>
    title: str  # as the report heads it
    choices: tuple[TextCount, ...]  # the answers the report does not already show
    featured: tuple[str, ...]  # the quotes featured now, as stored
    answers: int  # distinct answers in the section this month

    @property
    def field(self) -> str:
        """The form field's id (and its checkboxes' ``idPrefix``)."""
        return quote_field(self.key)


def quote_field(section_key: str) -> str:
    return "quotes-" + section_key.replace(":", "-")


def known_section(section_key: str) -> bool:
    return section_key in section_keys()


def section_title(section_key: str) -> str:
    """A known section's heading in the report, e.g. "Children in Need", "Practice strengths"."""
    kind, _, key = section_key.partition(":")
    if kind == "theme":
        return cohort_title(key) if key in COHORTS else key
    return FEEDBACK_TITLES[key] if kind == "feedback" else REFLECTION_QUESTIONS[key]


def quote_sections(session: Session, month: str, shown: int) -> dict[str, QuoteSection]:
    """Every section of ``month``'s report with answers, by section key: the month's themes
    (``theme:<cohort>``), then feedback, then the reflection questions. ``shown`` is
    ``[report] quotes_shown``."""
    featured = featured_quotes(session, month)
    groups: dict[str, tuple[str, dict[str, tuple[TextCount, ...]]]] = {}
    for theme in theme_sections(session, month):
        groups[f"theme:{theme.theme}"] = (theme.title, theme.descriptor_counts)
    strengths, improvements = feedback_lines(session, month)
    for kind, lines in (("strength", strengths), ("improvement", improvements)):
        counts = grouped_counts(line.text for line in lines)
        groups[f"feedback:{kind}"] = (section_title(f"feedback:{kind}"), {"": counts})
    for question, texts in reflections(session, month).items():
        key = f"reflection:{question}"
        groups[key] = (section_title(key), {"": grouped_counts(texts)})
    sections = {}
    for key, (title, by_group) in groups.items():
        everything = [item.text for counts in by_group.values() for item in counts]
        # Every answer "featured": what the report would add beyond what it shows anyway.
        _, beyond = pick_quotes(by_group, shown, everything)
        distinct = len({fold(text) for text in everything})
        sections[key] = QuoteSection(key, title, beyond, featured.get(key, ()), distinct)
    return sections
