"""The highlight report's sections: pauses, practice themes, feedback, reflections and
recommendations.

Each is one or two small queries. The month's sections read the completed audits of that cycle
only; the cumulative figures are ``models.report_store``'s.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import and_, func, select
from sqlmodel import Session

from models.figures import (
    REFLECTION_QUESTIONS,
    FeedbackLine,
    PauseLine,
    Recommendation,
    ThemeSection,
)
from models.findings import Feedback, Reflection, ThemeFinding
from models.programme import Audit, Pause, ThemeCommentary
from models.programme import Recommendation as RecommendationRow
from rules.cohorts import COHORTS, cohort_title
from rules.compliance import months_covered, no_judgements
from rules.pauses import PauseSpell
from rules.policy import JUDGEMENTS


def _rows(session: Session, query: Any) -> list[Any]:
    return list(session.connection().execute(query).all())


def _completed_in(month: str, kind: str | None = None) -> Any:
    """The condition for the completed audits of cycle ``month`` (of ``kind`` if given)."""
    condition = and_(Audit.cycle == month, Audit.status == "completed")
    return condition if kind is None else and_(condition, Audit.kind == kind)


# --- pauses --------------------------------------------------------------------------------------


def pause_lines(session: Session, first: str, last: str) -> tuple[PauseLine, ...]:
    """The pauses that touch cycles ``first`` to ``last``, earliest first, with those cycles."""
    query = select(Pause.starts_on, Pause.ends_on, Pause.reason, Pause.resumed_on).order_by(
        Pause.starts_on, Pause.id
    )
    lines = []
    for row in _rows(session, query):
        spell = PauseSpell(*row)
        months = months_covered(spell.starts_on, spell.last_day, first, last)
        if months:
            lines.append(PauseLine(spell.starts_on, spell.last_day, spell.reason, months))
    return tuple(lines)


# --- practice themes -----------------------------------------------------------------------------


def theme_sections(session: Session, month: str) -> tuple[ThemeSection, ...]:
    """One section per practice theme of the month: the judgements of the month's completed
    audits of that cohort, the auditors' descriptors by judgement, the APS commentary."""
    judgements = _theme_judgements(session, month)
    descriptors = _descriptors(session, month)
    commentary = _commentary(session, month)
    themes = set(judgements) | set(descriptors) | set(commentary)
    return tuple(
        ThemeSection(
            theme=theme,
            title=cohort_title(theme) if theme in COHORTS else theme,
            judgements=judgements.get(theme, no_judgements()),
            descriptors=descriptors.get(theme, {}),
            commentary=tuple(commentary.get(theme, ())),
        )
        for theme in sorted(themes, key=_theme_order)
    )


def _theme_order(theme: str) -> tuple[int, str]:
    order = list(COHORTS)
    return (order.index(theme) if theme in COHORTS else len(order), theme)


def _theme_judgements(session: Session, month: str) -> dict[str, dict[str, int]]:
    query = (
        select(Audit.cohort, Audit.judgement, func.count())
        .where(_completed_in(month, "audit"), Audit.judgement.is_not(None))
        .group_by(Audit.cohort, Audit.judgement)
    )
    table: dict[str, dict[str, int]] = {}
    for cohort, judgement, count in _rows(session, query):
        table.setdefault(cohort, no_judgements())[judgement] += count
    return table


def _descriptors(session: Session, month: str) -> dict[str, dict[str, tuple[str, ...]]]:
    query = (
        select(ThemeFinding.theme, Audit.judgement, ThemeFinding.descriptor)
        .join(Audit, Audit.id == ThemeFinding.audit_id)
        .where(_completed_in(month, "audit"), Audit.judgement.is_not(None))
        .order_by(ThemeFinding.id)
    )
    found: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for theme, judgement, descriptor in _rows(session, query):
        if descriptor.strip():
            found[theme][judgement].append(descriptor.strip())
    return {
        theme: {j: tuple(by_judgement[j]) for j in JUDGEMENTS if by_judgement.get(j)}
        for theme, by_judgement in found.items()
    }


def _commentary(session: Session, month: str) -> dict[str, list[str]]:
    query = (
        select(ThemeCommentary.theme, ThemeCommentary.text)
        .where(ThemeCommentary.cycle == month)
        .order_by(ThemeCommentary.id)
    )
    found: dict[str, list[str]] = defaultdict(list)
    for theme, text in _rows(session, query):
        found[theme].append(text)
    return found


# --- feedback, reflections, recommendations ------------------------------------------------------


def feedback_lines(
    session: Session, month: str
) -> tuple[tuple[FeedbackLine, ...], tuple[FeedbackLine, ...]]:
    """The feedback gathered in the month's completed audits and re-audits: (strengths,
    improvements), each in the order recorded."""
    query = (
        select(Feedback.kind, Feedback.source, Feedback.text)
        .join(Audit, Audit.id == Feedback.audit_id)
        .where(_completed_in(month))
        .order_by(Feedback.id)
    )
    kinds: dict[str, list[FeedbackLine]] = {"strength": [], "improvement": []}
    for kind, source, text in _rows(session, query):
        if kind in kinds and text.strip():
            kinds[kind].append(FeedbackLine(source, text.strip()))
    return tuple(kinds["strength"]), tuple(kinds["improvement"])


def reflections(session: Session, month: str) -> dict[str, tuple[str, ...]]:
    """The month's reflection answers by question (every question present; blanks left out)."""
    columns = [getattr(Reflection, key) for key in REFLECTION_QUESTIONS]
    query = (
        select(*columns)
        .join(Audit, Audit.id == Reflection.audit_id)
        .where(_completed_in(month))
        .order_by(Reflection.audit_id)
    )
    answers: dict[str, list[str]] = {key: [] for key in REFLECTION_QUESTIONS}
    for row in _rows(session, query):
        for key, answer in zip(REFLECTION_QUESTIONS, row, strict=True):
            if answer and answer.strip():
                answers[key].append(answer.strip())
    return {key: tuple(found) for key, found in answers.items()}


def recommendations(session: Session, month: str) -> tuple[Recommendation, ...]:
    query = (
        select(RecommendationRow.number, RecommendationRow.text, RecommendationRow.high_priority)
        .where(RecommendationRow.cycle == month)
        .order_by(RecommendationRow.number, RecommendationRow.id)
    )
    return tuple(Recommendation(n, text, bool(high)) for n, text, high in _rows(session, query))
