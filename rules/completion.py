"""Whether an audit can be recorded as completed, as asked, and what a completion carries.

A completion records the date and overall judgement and, beside them, the auditor's descriptor
for each practice theme (a cohort), the four reflection answers and any feedback gathered. Free
text is about practice, never a child's name: nothing here asks for one, and the import leaves
out any column that looks like one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from rules.actions import ActionDraft
from rules.cohorts import COHORTS
from rules.errors import RuleError
from rules.policy import JUDGEMENTS

FEEDBACK_SOURCES = ("parent", "child", "carer", "partner_agency")
FEEDBACK_KINDS = ("strength", "improvement")
#: The reflection sheet's four questions, as stored on ``Reflection``.
REFLECTION_QUESTIONS = ("done_well", "challenges", "enough_tools", "do_differently")
#: The longest free text kept from one answer, descriptor or piece of feedback: a paragraph or
#: a few, never a case file pasted in.
MAX_TEXT = 4000


class CompletionError(RuleError):
    """The completion cannot be recorded; the message says why in one line."""


@dataclass(frozen=True)
class ReflectionAnswers:
    done_well: str
    challenges: str
    enough_tools: str
    do_differently: str


@dataclass(frozen=True)
class FeedbackEntry:
    source: str
    kind: str
    text: str


@dataclass(frozen=True)
class CompletionDetails:
    """What a completion records beyond its date and judgement; all of it optional."""

    findings: tuple[tuple[str, str], ...] = ()  # (theme, descriptor)
    reflection: ReflectionAnswers | None = None
    feedback: tuple[FeedbackEntry, ...] = ()
    #: Recurring findings ([findings.tags]), checked by the caller against the programme's list
    #: (``rules.recurring.check_tags``).
    tags: tuple[str, ...] = ()
    #: Actions set with the completion (each checked when it is recorded, ``models.action_store``).
    actions: tuple[ActionDraft, ...] = ()


def completion_problems(
    audit_id: int, status: str, allocated_on: date, on: date, judgement: str, today: date
) -> list[tuple[str, str]]:
    """Every reason the completion cannot be recorded, as (what it is about, message): "what"
    is ``judgement``, ``status`` or ``on``, so that an import can point at the column."""
    problems = []
    if judgement not in JUDGEMENTS:
        message = f"judgement must be one of {', '.join(JUDGEMENTS)}, not {judgement!r}"
        problems.append(("judgement", message))
    if status != "allocated":
        message = f"audit {audit_id} is {status}: only an allocated audit can be completed"
        problems.append(("status", message))
    if on < allocated_on:
        message = (
            f"audit {audit_id} was allocated on {allocated_on}: it cannot be completed on {on}"
        )
        problems.append(("on", message))
    if on > today:
        problems.append(("on", f"{on} is in the future: a completion is recorded once it happens"))
    return problems


def check_completion(
    audit_id: int, status: str, allocated_on: date, on: date, judgement: str, today: date
) -> None:
    """Raise :class:`CompletionError` with the first problem of :func:`completion_problems`
    (about the argument ``on`` or ``judgement``, or about no argument: the audit's status)."""
    problems = completion_problems(audit_id, status, allocated_on, on, judgement, today)
    if problems:
        what, message = problems[0]
        raise CompletionError(message, field=None if what == "status" else what)


def check_text(what: str, value: str, field: str) -> str:
    """``value`` without surrounding spaces; refused (about ``field``) when blank or too long."""
    value = value.strip()
    if not value:
        raise CompletionError(f"{what} is blank", field=field)
    if len(value) > MAX_TEXT:
        raise CompletionError(f"{what} is longer than {MAX_TEXT} characters", field=field)
    return value


def check_theme(theme: str) -> str:
    theme = theme.strip().lower()
    if theme not in COHORTS:
        raise CompletionError(
            f"unknown theme {theme!r} (one of {', '.join(COHORTS)})", field="findings"
        )
    return theme


def check_findings(findings: Sequence[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """One descriptor per theme, each theme a cohort."""
    checked: dict[str, str] = {}
    for theme, descriptor in findings:
        name = check_theme(theme)
        if name in checked:
            raise CompletionError(
                f"theme {name} is given twice: one descriptor per theme", field="findings"
            )
        checked[name] = check_text(f"the descriptor for {name}", descriptor, "findings")
    return tuple(checked.items())


def check_feedback(entry: FeedbackEntry) -> FeedbackEntry:
    source, kind = entry.source.strip().lower(), entry.kind.strip().lower()
    if source not in FEEDBACK_SOURCES:
        raise CompletionError(
            f"feedback source must be one of {', '.join(FEEDBACK_SOURCES)}, not {source!r}",
            field="feedback",
        )
    if kind not in FEEDBACK_KINDS:
        raise CompletionError(
            f"feedback kind must be one of {', '.join(FEEDBACK_KINDS)}, not {kind!r}",
            field="feedback",
        )
    return FeedbackEntry(source, kind, check_text(f"{source} feedback", entry.text, "feedback"))


def reflection_from(answers: dict[str, str | None]) -> ReflectionAnswers | None:
    """The four answers, or None when none is given. Some but not all is refused: a reflection
    conversation answers every question (an answer may be "none")."""
    given = {q: (answers.get(q) or "").strip() for q in REFLECTION_QUESTIONS}
    if not any(given.values()):
        return None
    missing = [q for q, text in given.items() if not text]
    if missing:
        raise CompletionError(
            f"the reflection needs all four answers: {', '.join(missing)} missing",
            field="reflection",
        )
    return ReflectionAnswers(*(check_text(q, given[q], "reflection") for q in REFLECTION_QUESTIONS))


def check_details(details: CompletionDetails) -> CompletionDetails:
    """``details`` with every value checked and tidied (raises on the first problem)."""
    reflection = details.reflection
    if reflection is not None:
        reflection = reflection_from({q: getattr(reflection, q) for q in REFLECTION_QUESTIONS})
    return CompletionDetails(
        findings=check_findings(details.findings),
        reflection=reflection,
        feedback=tuple(check_feedback(entry) for entry in details.feedback),
        tags=details.tags,
        actions=details.actions,
    )
