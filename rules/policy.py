"""The programme policy: every number of the programme that the APS team may change.

It is read from ``config/programme.toml`` (see that file for what each setting means) or a
council's copy of it. This module only turns the parsed TOML into a checked, immutable
:class:`Policy`; the caller reads the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from rules.cohorts import COHORTS
from rules.months import MonthError, parse_month

DUE_DATE_POLICIES = ("last_working_day", "working_days_after_allocation")
JUDGEMENTS = ("outstanding", "good", "requires_improvement", "inadequate")
#: Each judgement as people read it (pages, emails, the report, its charts).
JUDGEMENT_LABELS = {
    "outstanding": "Outstanding",
    "good": "Good",
    "requires_improvement": "Requires improvement",
    "inadequate": "Inadequate",
}


#: The recurring practice findings offered when the programme file has no ``[findings.tags]``.
DEFAULT_FINDING_TAGS = {
    "supervision": "Supervision",
    "management_oversight": "Management oversight",
    "drift_and_delay": "Drift and delay",
    "core_groups": "Core groups",
    "recording": "Recording",
    "chronology": "Chronology",
    "voice_of_the_child": "Voice of the child",
    "assessment": "Assessment",
    "planning": "Planning",
    "multi_agency": "Multi-agency working",
}
#: How a finding tag is written: lower case words joined by underscores, at most 30 characters.
FINDING_TAG_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,29}")


class PolicyError(ValueError):
    """The programme file says something the programme cannot do."""


@dataclass(frozen=True)
class AllocationPolicy:
    audits_per_auditor: int = 1
    fill_from_all_open_cases: bool = True
    exclusion_cycles: int = 11
    min_available_working_days: int = 5
    spread_across_service_areas: bool = True


@dataclass(frozen=True)
class DueDatePolicy:
    policy: str = "last_working_day"
    working_days_after_allocation: int = 15


@dataclass(frozen=True)
class ReminderPolicy:
    before_due_working_days: tuple[int, ...] = (5, 1)
    overdue_after_working_days: int = 1
    escalate_after_working_days: int = 5
    repeat_every_working_days: int = 5


@dataclass(frozen=True)
class ReauditPolicy:
    reaudit_on: tuple[str, ...] = ("inadequate", "requires_improvement")
    reaudit_after_months: int = 3


@dataclass(frozen=True)
class ReportPolicy:
    title: str = "Audit Highlights Report"
    author: str = ""
    contact: str = ""
    distribution: tuple[str, ...] = ()
    #: The most frequent answers shown per group (a theme's judgement, a feedback kind, a
    #: reflection question); the rest are counted and listed in the appendix CSV.
    quotes_shown: int = 5
    #: The quotes the APS team may feature per section, besides the most frequent.
    featured_quotes: int = 3
    #: The month-end report is a draft for the APS team to approve before it is distributed.
    sign_off: bool = True


@dataclass(frozen=True)
class ConcernPolicy:
    #: Working days a safeguarding concern may stay unacknowledged before the chase also sends
    #: it to the Directors.
    escalate_after_working_days: int = 1


@dataclass(frozen=True)
class ModerationPolicy:
    #: The share of a cycle's completed audits APS re-reads, rounded up.
    sample_percent: int = 10
    #: Every auditor has one audit of at least every this many cycles moderated.
    every_months: int = 3


@dataclass(frozen=True)
class Policy:
    name: str = "Monthly case audit programme"
    first_cycle: str | None = None
    allocation: AllocationPolicy = field(default_factory=AllocationPolicy)
    due_dates: DueDatePolicy = field(default_factory=DueDatePolicy)
    max_extension_working_days: int = 10
    reminders: ReminderPolicy = field(default_factory=ReminderPolicy)
    reaudits: ReauditPolicy = field(default_factory=ReauditPolicy)
    move_due_dates_on_pause: bool = True
    report: ReportPolicy = field(default_factory=ReportPolicy)
    themes: dict[str, str] = field(default_factory=dict)
    #: The recurring practice findings a completion may carry, tag -> label, in the file's order.
    finding_tags: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_FINDING_TAGS))
    concerns: ConcernPolicy = field(default_factory=ConcernPolicy)
    moderation: ModerationPolicy = field(default_factory=ModerationPolicy)
    #: GOV.UK Notify template ids by kind of email ("default", "digest", "allocation", "report").
    notify_templates: dict[str, str] = field(default_factory=dict)

    def theme_for(self, month: str) -> str:
        """The cohort the programme file sets for ``month``, else ``all``."""
        return self.themes.get(month, "all")

    def choose_theme(self, month: str, theme: str | None) -> str:
        """The cohort a cycle draws from: ``theme`` if given, else :meth:`theme_for`.

        Raises :class:`PolicyError` for a badly written month or an unknown cohort."""
        try:
            parse_month(month)
        except MonthError as error:
            raise PolicyError(str(error)) from None
        chosen = theme or self.theme_for(month)
        if chosen not in COHORTS:
            raise PolicyError(f"unknown cohort {chosen!r} (one of {', '.join(COHORTS)})")
        return chosen


def policy_from_dict(data: dict[str, Any]) -> Policy:
    """Build a :class:`Policy` from parsed TOML, refusing unknown keys and impossible values."""
    data = dict(data)
    programme = _section(data, "programme", ("name", "first_cycle"))
    allocation = _section(data, "allocation", tuple(AllocationPolicy.__dataclass_fields__))
    due = _section(data, "due_dates", tuple(DueDatePolicy.__dataclass_fields__))
    extensions = _section(data, "extensions", ("max_extension_working_days",))
    reminders = _section(data, "reminders", tuple(ReminderPolicy.__dataclass_fields__))
    reaudits = _section(data, "reaudits", tuple(ReauditPolicy.__dataclass_fields__))
    pauses = _section(data, "pauses", ("move_due_dates",))
    report = _section(data, "report", tuple(ReportPolicy.__dataclass_fields__))
    themes = _section(data, "themes", None)
    findings = _section(data, "findings", ("tags",))
    concerns = _section(data, "concerns", tuple(ConcernPolicy.__dataclass_fields__))
    moderation = _section(data, "moderation", tuple(ModerationPolicy.__dataclass_fields__))
    notify = _section(data, "notify", None)
    if data:
        raise PolicyError(f"unknown section(s) in programme file: {', '.join(sorted(data))}")

    policy = Policy(
        name=programme.get("name", Policy.name),
        first_cycle=programme.get("first_cycle"),
        allocation=AllocationPolicy(**allocation),
        due_dates=DueDatePolicy(**due),
        max_extension_working_days=extensions.get("max_extension_working_days", 10),
        reminders=ReminderPolicy(**_tuples(reminders)),
        reaudits=ReauditPolicy(**_tuples(reaudits)),
        move_due_dates_on_pause=pauses.get("move_due_dates", True),
        report=ReportPolicy(**_tuples(report)),
        themes={str(k): str(v) for k, v in themes.items()},
        finding_tags=_finding_tags(findings),
        concerns=ConcernPolicy(**concerns),
        moderation=ModerationPolicy(**moderation),
        notify_templates=dict(notify),  # checked below: text, and Notify's template ids
    )
    _check(policy)
    return policy


def _section(data: dict[str, Any], name: str, known: tuple[str, ...] | None) -> dict[str, Any]:
    section = data.pop(name, {})
    if not isinstance(section, dict):
        raise PolicyError(f"[{name}] must be a table")
    if known is not None:
        unknown = sorted(set(section) - set(known))
        if unknown:
            raise PolicyError(f"unknown setting(s) in [{name}]: {', '.join(unknown)}")
    return section


def _finding_tags(findings: dict[str, Any]) -> dict[str, str]:
    tags = findings.get("tags", DEFAULT_FINDING_TAGS)
    if not isinstance(tags, dict):
        raise PolicyError('[findings] tags must be a table of tag = "label"')
    for tag, label in tags.items():
        if not FINDING_TAG_PATTERN.fullmatch(tag):
            raise PolicyError(
                f"[findings.tags] {tag!r}: a tag is lower-case letters, digits and underscores, "
                "starting with a letter, at most 30 characters"
            )
        _text(f"findings.tags.{tag}", label)
        if not label.strip():
            raise PolicyError(f"findings.tags.{tag} needs a label people read")
    return dict(tags)


def _tuples(section: dict[str, Any]) -> dict[str, Any]:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in section.items()}


def _check(policy: Policy) -> None:
    _text("programme.name", policy.name)
    a = policy.allocation
    _positive("allocation.audits_per_auditor", a.audits_per_auditor, minimum=1)
    _boolean("allocation.fill_from_all_open_cases", a.fill_from_all_open_cases)
    _positive("allocation.exclusion_cycles", a.exclusion_cycles, minimum=0)
    _positive("allocation.min_available_working_days", a.min_available_working_days, minimum=0)
    _boolean("allocation.spread_across_service_areas", a.spread_across_service_areas)
    if policy.due_dates.policy not in DUE_DATE_POLICIES:
        raise PolicyError(
            f"due_dates.policy must be one of {', '.join(DUE_DATE_POLICIES)}, "
            f"not {policy.due_dates.policy!r}"
        )
    _positive(
        "due_dates.working_days_after_allocation",
        policy.due_dates.working_days_after_allocation,
        minimum=1,
    )
    _positive("extensions.max_extension_working_days", policy.max_extension_working_days, 0)
    r = policy.reminders
    if not isinstance(r.before_due_working_days, tuple):
        raise PolicyError(
            "reminders.before_due_working_days must be a list of whole numbers, "
            f"not {r.before_due_working_days!r}"
        )
    for days in r.before_due_working_days:
        _positive("reminders.before_due_working_days", days, minimum=1)
    _positive("reminders.overdue_after_working_days", r.overdue_after_working_days, minimum=1)
    _positive("reminders.escalate_after_working_days", r.escalate_after_working_days, minimum=1)
    _positive("reminders.repeat_every_working_days", r.repeat_every_working_days, minimum=1)
    if not isinstance(policy.reaudits.reaudit_on, tuple):
        raise PolicyError(
            f"reaudits.reaudit_on must be a list of judgements, not {policy.reaudits.reaudit_on!r}"
        )
    for judgement in policy.reaudits.reaudit_on:
        if judgement not in JUDGEMENTS:
            raise PolicyError(f"reaudits.reaudit_on: unknown judgement {judgement!r}")
    _positive("reaudits.reaudit_after_months", policy.reaudits.reaudit_after_months, minimum=1)
    for month, theme in policy.themes.items():
        try:
            parse_month(month)
        except MonthError as error:
            raise PolicyError(f"[themes] {error}") from None
        if theme not in COHORTS:
            raise PolicyError(
                f"[themes] {month}: unknown cohort {theme!r} (one of {', '.join(COHORTS)})"
            )
    if policy.first_cycle is not None:
        try:
            parse_month(policy.first_cycle)
        except MonthError as error:
            raise PolicyError(f"programme.first_cycle: {error}") from None
    _boolean("pauses.move_due_dates", policy.move_due_dates_on_pause)
    report = policy.report
    for name in ("title", "author", "contact"):
        _text(f"report.{name}", getattr(report, name))
    if not isinstance(report.distribution, tuple):
        raise PolicyError(
            f"report.distribution must be a list of email addresses, not {report.distribution!r}"
        )
    for address in report.distribution:
        _text("report.distribution", address)
    _positive("report.quotes_shown", report.quotes_shown, minimum=1)
    _positive("report.featured_quotes", report.featured_quotes, minimum=0)
    _boolean("report.sign_off", report.sign_off)
    _positive(
        "concerns.escalate_after_working_days",
        policy.concerns.escalate_after_working_days,
        minimum=1,
    )
    _positive("moderation.sample_percent", policy.moderation.sample_percent, minimum=0)
    if policy.moderation.sample_percent > 100:
        raise PolicyError(
            f"moderation.sample_percent is at most 100, not {policy.moderation.sample_percent}"
        )
    _positive("moderation.every_months", policy.moderation.every_months, minimum=1)
    _check_notify(policy.notify_templates, bool(report.distribution))


def _check_notify(templates: dict[str, Any], report_emailed: bool) -> None:
    """The GOV.UK Notify template ids, when there are any (they are used only with the notify
    transport, which needs a ``default`` one, and one of its own for the highlight report: Notify
    sends the report's PDF as a link, which only a template with ((link_to_file)) shows)."""
    if not templates:
        return
    for kind, template_id in templates.items():
        if not isinstance(template_id, str) or not _is_uuid(template_id):
            raise PolicyError(
                f"[notify] {kind} must be a GOV.UK Notify template id (a UUID such as "
                f"f33517ff-2a88-4f6e-b855-c550268ce08a), not {template_id!r}"
            )
    if "default" not in templates:
        raise PolicyError(
            "[notify] needs a default template id: an email template with ((subject)) and "
            "((body)), for every kind of email without one of its own"
        )
    if report_emailed and "report" not in templates:
        raise PolicyError(
            "[notify] needs a report template id: the highlight report is emailed to "
            "[report] distribution, and GOV.UK Notify sends its PDF only as a link, so the report "
            "needs a template with ((subject)), ((body)) and ((link_to_file))"
        )
    if templates.get("report", "").lower() == templates["default"].lower():
        raise PolicyError(
            "[notify] report must not be the default template: it has ((link_to_file)), which "
            "every other email would lack a file for"
        )


def _is_uuid(text: str) -> bool:
    try:
        UUID(text)
    except ValueError:
        return False
    return True


def _positive(name: str, value: Any, minimum: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise PolicyError(f"{name} must be a whole number ≥ {minimum}, not {value!r}")


def _boolean(name: str, value: Any) -> None:
    if not isinstance(value, bool):
        raise PolicyError(f"{name} must be true or false, not {value!r}")


def _text(name: str, value: Any) -> None:
    if not isinstance(value, str):
        raise PolicyError(f"{name} must be text, not {value!r}")
