"""The highlight report's sections: pauses, practice themes, feedback, reflections and
recommendations.

Each is one or two small queries. The month's sections read the completed audits of that cycle
only; the cumulative figures are ``models.report_store``'s.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import TypeVarTuple

from sqlalchemy import ColumnElement, Row, Select, and_, func, select
from sqlmodel import Session, col

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
from rules.grouping import grouped_counts
from rules.pauses import PauseSpell
from rules.policy import JUDGEMENTS

Columns = TypeVarTuple("Columns")


def _rows(session: Session, query: Select[*Columns]) -> Sequence[Row[*Columns]]:
    return session.connection().execute(query).all()


def _completed_in(month: str, kind: str | None = None) -> ColumnElement[bool]:
    """The condition for the completed audits of cycle ``month`` (of ``kind`` if given)."""
    condition = and_(col(Audit.cycle) == month, col(Audit.status) == "completed")
    return condition if kind is None else and_(condition, col(Audit.kind) == kind)


# --- pauses --------------------------------------------------------------------------------------


def pause_lines(session: Session, first: str, last: str) -> tuple[PauseLine, ...]:
    """The pauses that touch cycles ``first`` to ``last``, earliest first, with those cycles."""
    query = select(
        col(Pause.starts_on),
        col(Pause.ends_on),
        col(Pause.reason),
        col(Pause.resumed_on),
        col(Pause.note),
    ).order_by(col(Pause.starts_on), col(Pause.id))
    lines = []
    for starts_on, ends_on, reason, resumed_on, note in _rows(session, query):
        spell = PauseSpell(starts_on, ends_on, reason, resumed_on)
        months = months_covered(spell.starts_on, spell.last_day, first, last)
        if months:
            lines.append(PauseLine(spell.starts_on, spell.last_day, spell.reason, months, note))
    return tuple(lines)


# --- practice themes -----------------------------------------------------------------------------


def theme_sections(session: Session, month: str) -> tuple[ThemeSection, ...]:
    """One section per practice theme audited or re-audited in the month: the judgements of the
    month's completed audits (and, apart, re-audits) of that cohort, the auditors' descriptors
    of both by judgement (word for word, and grouped with their counts), the APS commentary."""
    judgements = _theme_judgements(session, month, "audit")
    reaudit_judgements = _theme_judgements(session, month, "reaudit")
    descriptors = _descriptors(session, month)
    commentary = _commentary(session, month)
    themes = set(judgements) | set(reaudit_judgements) | set(descriptors) | set(commentary)
    return tuple(
        ThemeSection(
            theme=theme,
            title=cohort_title(theme) if theme in COHORTS else theme,
            judgements=judgements.get(theme, no_judgements()),
            descriptors=descriptors.get(theme, {}),
            commentary=tuple(commentary.get(theme, ())),
            descriptor_counts={
                j: grouped_counts(texts) for j, texts in descriptors.get(theme, {}).items()
            },
            reaudit_judgements=reaudit_judgements.get(theme, no_judgements()),
        )
        for theme in sorted(themes, key=_theme_order)
    )


def _theme_order(theme: str) -> tuple[int, str]:
    order = list(COHORTS)
    return (order.index(theme) if theme in COHORTS else len(order), theme)


def _theme_judgements(session: Session, month: str, kind: str) -> dict[str, dict[str, int]]:
    query = (
        select(col(Audit.cohort), col(Audit.judgement), func.count())
        .where(_completed_in(month, kind))
        .group_by(col(Audit.cohort), col(Audit.judgement))
    )
    table: dict[str, dict[str, int]] = {}
    for cohort, judgement, count in _rows(session, query):
        if judgement is not None:  # an audit completed without one counts in no theme
            table.setdefault(cohort, no_judgements())[judgement] += count
    return table


def _descriptors(session: Session, month: str) -> dict[str, dict[str, tuple[str, ...]]]:
    """Theme -> judgement -> the descriptors of the month's completed audits and re-audits."""
    query = (
        select(col(ThemeFinding.theme), col(Audit.judgement), col(ThemeFinding.descriptor))
        .join(Audit, col(Audit.id) == col(ThemeFinding.audit_id))
        .where(_completed_in(month))
        .order_by(col(ThemeFinding.id))
    )
    found: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for theme, judgement, descriptor in _rows(session, query):
        if judgement is not None and descriptor.strip():
            found[theme][judgement].append(descriptor.strip())
    return {
        theme: {j: tuple(by_judgement[j]) for j in JUDGEMENTS if by_judgement.get(j)}
        for theme, by_judgement in found.items()
    }


def _commentary(session: Session, month: str) -> dict[str, list[str]]:
    query = (
        select(col(ThemeCommentary.theme), col(ThemeCommentary.text))
        .where(col(ThemeCommentary.cycle) == month)
        .order_by(col(ThemeCommentary.id))
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
        select(col(Feedback.kind), col(Feedback.source), col(Feedback.text))
        .join(Audit, col(Audit.id) == col(Feedback.audit_id))
        .where(_completed_in(month))
        .order_by(col(Feedback.id))
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
        .join(Audit, col(Audit.id) == col(Reflection.audit_id))
        .where(_completed_in(month))
        .order_by(col(Reflection.audit_id))
    )
    answers: dict[str, list[str]] = {key: [] for key in REFLECTION_QUESTIONS}
    for row in _rows(session, query):
        for key, answer in zip(REFLECTION_QUESTIONS, row, strict=True):
            if answer and answer.strip():
                answers[key].append(answer.strip())
    return {key: tuple(found) for key, found in answers.items()}


def answers_of(session: Session, month: str, section_key: str) -> list[str]:
    """Every answer of a report section (``theme:<cohort>``, ``feedback:<kind>``,
    ``reflection:<question>``) in the month, word for word: what a featured quote must be."""
    kind, _, key = section_key.partition(":")
    if kind == "theme":
        by_judgement = _descriptors(session, month).get(key, {})
        return [text for j in JUDGEMENTS for text in by_judgement.get(j, ())]
    if kind == "feedback":
        strengths, improvements = feedback_lines(session, month)
        lines = {"strength": strengths, "improvement": improvements}.get(key, ())
        return [line.text for line in lines]
    return list(reflections(session, month).get(key, ()))


def recommendations(session: Session, month: str) -> tuple[Recommendation, ...]:
    query = (
        select(
            col(RecommendationRow.number),
            col(RecommendationRow.text),
            col(RecommendationRow.high_priority),
        )
        .where(col(RecommendationRow.cycle) == month)
        .order_by(col(RecommendationRow.number), col(RecommendationRow.id))
    )
    return tuple(Recommendation(n, text, bool(high)) for n, text, high in _rows(session, query))
