"""The programme policy: programme.toml, its defaults (docs/domain.md) and the checks on it."""

from __future__ import annotations

import copy
import dataclasses
import re
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from rules.cohorts import COHORTS
from rules.policy import (
    AllocationPolicy,
    DueDatePolicy,
    Policy,
    PolicyError,
    ReauditPolicy,
    ReminderPolicy,
    policy_from_dict,
)

PROGRAMME_TOML = Path(__file__).resolve().parents[2] / "config" / "programme.toml"


@pytest.fixture(scope="module")
def programme() -> dict[str, Any]:
    with PROGRAMME_TOML.open("rb") as file:
        return tomllib.load(file)


def assert_design_defaults(policy: Policy) -> None:
    """The defaults docs/domain.md gives for every number of the programme."""
    assert policy.allocation.audits_per_auditor == 1
    assert policy.allocation.fill_from_all_open_cases is True
    assert policy.allocation.exclusion_cycles == 11
    assert policy.due_dates.policy == "last_working_day"
    assert policy.max_extension_working_days == 10
    assert policy.reminders.before_due_working_days == (5, 1)
    assert policy.reminders.overdue_after_working_days == 1
    assert policy.reminders.escalate_after_working_days == 5
    assert policy.reminders.repeat_every_working_days == 5
    assert set(policy.reaudits.reaudit_on) == {"inadequate", "requires_improvement"}
    assert policy.reaudits.reaudit_after_months == 3
    assert policy.move_due_dates_on_pause is True


# --- programme.toml ------------------------------------------------------------------------------


def test_programme_file_parses_to_the_design_defaults(programme: dict[str, Any]) -> None:
    policy = policy_from_dict(programme)
    assert_design_defaults(policy)
    # Every section the file writes out is exactly the code's defaults.
    assert policy.allocation == AllocationPolicy()
    assert policy.due_dates == DueDatePolicy()
    assert policy.reminders == ReminderPolicy()
    assert policy.reaudits == ReauditPolicy()
    assert policy.name == Policy().name
    assert policy.first_cycle is None
    assert policy.report.title == "Audit Highlights Report"
    assert policy.report.distribution == ()


def test_programme_file_writes_out_every_setting(programme: dict[str, Any]) -> None:
    """The file documents each setting with its default: none is left to the code alone."""
    sections: list[tuple[str, Any]] = [
        ("allocation", AllocationPolicy),
        ("due_dates", DueDatePolicy),
        ("reminders", ReminderPolicy),
        ("reaudits", ReauditPolicy),
    ]
    for section, settings in sections:
        fields = {field.name for field in dataclasses.fields(settings)}
        assert set(programme[section]) == fields, section
    assert "max_extension_working_days" in programme["extensions"]
    assert "move_due_dates" in programme["pauses"]


def test_programme_file_themes(programme: dict[str, Any]) -> None:
    policy = policy_from_dict(programme)
    assert policy.themes == {
        "2026-09": "cin",
        "2026-10": "cp_under_5",
        "2026-11": "missing_and_cse",
        "2026-12": "cse",
        "2027-01": "missing",
        "2027-02": "cp_sexual_abuse",
    }
    assert set(policy.themes.values()) <= set(COHORTS)


@pytest.mark.parametrize(
    ("month", "theme"),
    [
        ("2026-09", "cin"),
        ("2026-10", "cp_under_5"),
        ("2026-11", "missing_and_cse"),
        ("2026-12", "cse"),
        ("2027-01", "missing"),
        ("2027-02", "cp_sexual_abuse"),
        ("2026-08", "all"),
        ("2027-03", "all"),
        ("2025-09", "all"),
    ],
)
def test_theme_for(programme: dict[str, Any], month: str, theme: str) -> None:
    assert policy_from_dict(programme).theme_for(month) == theme


def test_policy_from_dict_leaves_its_argument_alone(programme: dict[str, Any]) -> None:
    before = copy.deepcopy(programme)
    policy_from_dict(programme)
    assert programme == before


# --- defaults and valid settings -----------------------------------------------------------------


def test_empty_dict_gives_the_defaults() -> None:
    policy = policy_from_dict({})
    assert policy == Policy()
    assert_design_defaults(policy)
    assert policy.themes == {}
    assert policy.theme_for("2026-09") == "all"


def test_the_report_is_signed_off_unless_the_file_says_not() -> None:
    assert policy_from_dict({}).report.sign_off is True
    assert policy_from_dict({"report": {"sign_off": False}}).report.sign_off is False


def test_empty_sections_give_the_defaults() -> None:
    sections = ["programme", "allocation", "due_dates", "extensions", "reminders", "reaudits"]
    sections += ["pauses", "report", "themes"]
    assert policy_from_dict({name: {} for name in sections}) == Policy()


def test_settings_other_than_the_defaults() -> None:
    policy = policy_from_dict(
        tomllib.loads(
            """
            [programme]
            name = "Case audits"
            first_cycle = "2025-01"
            [allocation]
            audits_per_auditor = 2
            fill_from_all_open_cases = false
            exclusion_cycles = 0
            [due_dates]
            policy = "working_days_after_allocation"
            working_days_after_allocation = 10
            [extensions]
            max_extension_working_days = 0
            [reminders]
            before_due_working_days = [3]
            repeat_every_working_days = 2
            [reaudits]
            reaudit_on = ["inadequate"]
            reaudit_after_months = 6
            [pauses]
            move_due_dates = false
            [report]
            distribution = ["directors@example.gov.uk"]
            [themes]
            "2027-04" = "cse"
            """
        )
    )
    assert policy.name == "Case audits"
    assert policy.first_cycle == "2025-01"
    assert policy.allocation.audits_per_auditor == 2
    assert policy.allocation.fill_from_all_open_cases is False
    assert policy.allocation.exclusion_cycles == 0
    assert policy.due_dates == DueDatePolicy("working_days_after_allocation", 10)
    assert policy.max_extension_working_days == 0
    assert policy.reminders.before_due_working_days == (3,)
    assert policy.reminders.repeat_every_working_days == 2
    assert policy.reminders.escalate_after_working_days == 5
    assert policy.reaudits == ReauditPolicy(("inadequate",), 6)
    assert policy.move_due_dates_on_pause is False
    assert policy.report.distribution == ("directors@example.gov.uk",)
    assert policy.theme_for("2027-04") == "cse"
    assert policy.theme_for("2027-05") == "all"


def test_policy_is_immutable() -> None:
    policy = policy_from_dict({})
    # The assignments mypy refuses (frozen dataclasses) are the point: refused at run time too.
    with pytest.raises(AttributeError):
        policy.max_extension_working_days = 20  # type: ignore[misc]
    with pytest.raises(AttributeError):
        policy.allocation.audits_per_auditor = 2  # type: ignore[misc]


# --- refusals ------------------------------------------------------------------------------------

REFUSED = [
    # unknown sections and settings
    ("unknown section", {"alocation": {}}, "alocation"),
    ("unknown sections", {"email": {}, "zzz": {}}, "email, zzz"),
    ("unknown programme setting", {"programme": {"owner": "x"}}, "[programme]: owner"),
    (
        "misspelt allocation setting",
        {"allocation": {"audits_per_audtor": 2}},
        "[allocation]: audits_per_audtor",
    ),
    ("unknown due_dates setting", {"due_dates": {"days": 3}}, "[due_dates]: days"),
    ("unknown extensions setting", {"extensions": {"max": 3}}, "[extensions]: max"),
    ("unknown reminders setting", {"reminders": {"at": [1]}}, "[reminders]: at"),
    ("unknown reaudits setting", {"reaudits": {"after": 3}}, "[reaudits]: after"),
    ("unknown pauses setting", {"pauses": {"move": True}}, "[pauses]: move"),
    ("unknown report setting", {"report": {"logo": "x"}}, "[report]: logo"),
    ("section that is not a table", {"allocation": 2}, "[allocation]"),
    ("themes that is not a table", {"themes": ["cin"]}, "[themes]"),
    # due-date policy
    ("bad due-date policy", {"due_dates": {"policy": "end_of_month"}}, "due_dates.policy"),
    (
        "due-date policy wrong case",
        {"due_dates": {"policy": "Last_Working_Day"}},
        "due_dates.policy",
    ),
    # themes
    ("theme month 13", {"themes": {"2026-13": "cin"}}, "[themes]"),
    ("theme month in words", {"themes": {"September 2026": "cin"}}, "September 2026"),
    ("theme month without zero", {"themes": {"2026-9": "cin"}}, "2026-9"),
    ("unknown cohort", {"themes": {"2026-09": "looked_after"}}, "2026-09: unknown cohort"),
    ("cohort wrong case", {"themes": {"2026-09": "CIN"}}, "'CIN'"),
    # first cycle
    ("bad first_cycle", {"programme": {"first_cycle": "2025/01"}}, "programme.first_cycle"),
    (
        "first_cycle written as a TOML date",
        {"programme": {"first_cycle": date(2025, 1, 1)}},
        "programme.first_cycle",
    ),
    # re-audits
    ("unknown judgement", {"reaudits": {"reaudit_on": ["poor"]}}, "reaudits.reaudit_on"),
    ("judgement not a list", {"reaudits": {"reaudit_on": "inadequate"}}, "reaudits.reaudit_on"),
    # zero and negative numbers
    ("zero audits", {"allocation": {"audits_per_auditor": 0}}, "allocation.audits_per_auditor"),
    (
        "negative audits",
        {"allocation": {"audits_per_auditor": -1}},
        "allocation.audits_per_auditor",
    ),
    (
        "negative exclusion cycles",
        {"allocation": {"exclusion_cycles": -1}},
        "allocation.exclusion_cycles",
    ),
    (
        "negative available days",
        {"allocation": {"min_available_working_days": -2}},
        "allocation.min_available_working_days",
    ),
    (
        "zero working days after allocation",
        {"due_dates": {"working_days_after_allocation": 0}},
        "due_dates.working_days_after_allocation",
    ),
    (
        "negative working days after allocation",
        {"due_dates": {"working_days_after_allocation": -3}},
        "due_dates.working_days_after_allocation",
    ),
    (
        "negative extension",
        {"extensions": {"max_extension_working_days": -1}},
        "extensions.max_extension_working_days",
    ),
    (
        "zero reminder",
        {"reminders": {"before_due_working_days": [5, 0]}},
        "reminders.before_due_working_days",
    ),
    (
        "negative reminder",
        {"reminders": {"before_due_working_days": [-1]}},
        "reminders.before_due_working_days",
    ),
    (
        "reminders not a list",
        {"reminders": {"before_due_working_days": 5}},
        "reminders.before_due_working_days",
    ),
    (
        "zero overdue chase",
        {"reminders": {"overdue_after_working_days": 0}},
        "reminders.overdue_after_working_days",
    ),
    (
        "negative escalation",
        {"reminders": {"escalate_after_working_days": -5}},
        "reminders.escalate_after_working_days",
    ),
    (
        "zero repeat",
        {"reminders": {"repeat_every_working_days": 0}},
        "reminders.repeat_every_working_days",
    ),
    (
        "zero re-audit months",
        {"reaudits": {"reaudit_after_months": 0}},
        "reaudits.reaudit_after_months",
    ),
    (
        "negative re-audit months",
        {"reaudits": {"reaudit_after_months": -3}},
        "reaudits.reaudit_after_months",
    ),
    # a bool (or a float, or text) where a whole number is expected
    (
        "bool audits",
        {"allocation": {"audits_per_auditor": True}},
        "allocation.audits_per_auditor",
    ),
    (
        "bool exclusion cycles",
        {"allocation": {"exclusion_cycles": False}},
        "allocation.exclusion_cycles",
    ),
    (
        "bool working days after allocation",
        {"due_dates": {"working_days_after_allocation": True}},
        "due_dates.working_days_after_allocation",
    ),
    (
        "bool extension",
        {"extensions": {"max_extension_working_days": True}},
        "extensions.max_extension_working_days",
    ),
    (
        "bool reminder",
        {"reminders": {"before_due_working_days": [True]}},
        "reminders.before_due_working_days",
    ),
    (
        "bool repeat",
        {"reminders": {"repeat_every_working_days": True}},
        "reminders.repeat_every_working_days",
    ),
    (
        "bool re-audit months",
        {"reaudits": {"reaudit_after_months": True}},
        "reaudits.reaudit_after_months",
    ),
    ("float audits", {"allocation": {"audits_per_auditor": 1.5}}, "allocation.audits_per_auditor"),
    ("text audits", {"allocation": {"audits_per_auditor": "2"}}, "allocation.audits_per_auditor"),
    # something else where true/false is expected
    (
        "text for a switch",
        {"allocation": {"fill_from_all_open_cases": "no"}},
        "allocation.fill_from_all_open_cases",
    ),
    (
        "number for a switch",
        {"allocation": {"spread_across_service_areas": 0}},
        "allocation.spread_across_service_areas",
    ),
    ("number for move_due_dates", {"pauses": {"move_due_dates": 1}}, "pauses.move_due_dates"),
    # text settings
    ("number for the name", {"programme": {"name": 7}}, "programme.name"),
    ("number for the title", {"report": {"title": 2026}}, "report.title"),
    ("distribution not a list", {"report": {"distribution": "a@x.gov.uk"}}, "report.distribution"),
    ("number in distribution", {"report": {"distribution": [1]}}, "report.distribution"),
    ("sign_off as text", {"report": {"sign_off": "yes"}}, "report.sign_off"),
]


@pytest.mark.parametrize(
    ("data", "names"), [row[1:] for row in REFUSED], ids=[row[0] for row in REFUSED]
)
def test_refused(data: dict[str, Any], names: str) -> None:
    with pytest.raises(PolicyError, match=re.escape(names)):
        policy_from_dict(data)


@pytest.mark.parametrize(
    ("section", "setting", "bad"),
    [
        ("allocation", "audits_per_auditor", 0),
        ("due_dates", "policy", "fortnightly"),
        ("reminders", "repeat_every_working_days", True),
        ("themes", "2026-09", "everyone"),
    ],
)
def test_a_bad_setting_in_the_real_file_is_refused(
    programme: dict[str, Any], section: str, setting: str, bad: Any
) -> None:
    data = copy.deepcopy(programme)
    data[section][setting] = bad
    with pytest.raises(PolicyError, match=re.escape(setting)):
        policy_from_dict(data)


def test_policy_error_is_a_value_error() -> None:
    assert issubclass(PolicyError, ValueError)
