"""``[notify]`` in the programme file: GOV.UK Notify's template ids, checked when the file is
loaded rather than when the first email (or the month-end report) fails."""

from __future__ import annotations

import re
from typing import Any

import pytest

from rules.policy import PolicyError, policy_from_dict

DEFAULT = "f33517ff-2a88-4f6e-b855-c550268ce08a"
REPORT = "9d751e0e-f929-4891-82a1-a3e1c3c18ee3"
DIGEST = "64415853-cb86-4cc4-b597-2aaa94ef8c39"
EMAILED = {"report": {"distribution": ["directors@example.gov.uk"]}}


def test_no_notify_section_needs_no_templates() -> None:
    assert policy_from_dict(EMAILED).notify_templates == {}


def test_template_ids_by_kind() -> None:
    policy = policy_from_dict(
        {**EMAILED, "notify": {"default": DEFAULT, "report": REPORT, "digest": DIGEST}}
    )
    assert policy.notify_templates == {"default": DEFAULT, "report": REPORT, "digest": DIGEST}


def test_no_report_template_is_needed_when_the_report_is_emailed_to_nobody() -> None:
    assert policy_from_dict({"notify": {"default": DEFAULT}}).notify_templates == {
        "default": DEFAULT
    }


REFUSED: list[tuple[str, dict[str, Any], str]] = [
    ("not a UUID", {"default": "my-template"}, "[notify] default must be a GOV.UK Notify template"),
    ("a number", {"default": DEFAULT, "report": 7}, "[notify] report must be a GOV.UK Notify"),
    ("no default", {"report": REPORT}, "[notify] needs a default template id"),
    ("no report template", {"default": DEFAULT}, "[notify] needs a report template id"),
    ("report is default", {"default": DEFAULT, "report": DEFAULT.upper()}, "must not be the"),
]


@pytest.mark.parametrize(
    ("notify", "message"), [row[1:] for row in REFUSED], ids=[row[0] for row in REFUSED]
)
def test_refused(notify: dict[str, Any], message: str) -> None:
    with pytest.raises(PolicyError, match=re.escape(message)):
        policy_from_dict({**EMAILED, "notify": notify})


def test_the_report_template_refusal_says_what_the_template_needs() -> None:
    with pytest.raises(PolicyError) as caught:
        policy_from_dict({**EMAILED, "notify": {"default": DEFAULT}})
    assert "((link_to_file))" in str(caught.value)
