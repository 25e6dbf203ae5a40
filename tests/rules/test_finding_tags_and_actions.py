"""The programme's finding tags ([findings.tags]) and the rules for setting and closing actions."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from rules.actions import (
    ActionDraft,
    ActionError,
    Owner,
    check_done,
    check_new_action,
    parse_action_option,
    shown_status,
)
from rules.policy import DEFAULT_FINDING_TAGS, PolicyError, policy_from_dict
from rules.recurring import TagError, check_tags, split_tags
from tests.rules.labelled_dates import day

TM = Owner("tm1", "team_manager", active=True)
MON = day("Mon 2026-12-07")


def test_default_tags_are_the_issues_ten_in_order() -> None:
    assert list(policy_from_dict({}).finding_tags) == [
        "supervision",
        "management_oversight",
        "drift_and_delay",
        "core_groups",
        "recording",
        "chronology",
        "voice_of_the_child",
        "assessment",
        "planning",
        "multi_agency",
    ]
    assert policy_from_dict({}).finding_tags == DEFAULT_FINDING_TAGS


def test_a_council_sets_its_own_tags_and_labels() -> None:
    policy = policy_from_dict({"findings": {"tags": {"neglect": "Neglect", "supervision": "Sup"}}})
    assert policy.finding_tags == {"neglect": "Neglect", "supervision": "Sup"}


@pytest.mark.parametrize(
    ("findings", "says"),
    [
        ({"tags": ["supervision"]}, "table"),
        ({"tags": {"Supervision": "x"}}, "'Supervision'"),
        ({"tags": {"has space": "x"}}, "'has space'"),
        ({"tags": {"x" * 31: "x"}}, "at most 30"),
        ({"tags": {"supervision": ""}}, "findings.tags.supervision"),
        ({"tags": {"supervision": 3}}, "findings.tags.supervision"),
        ({"labels": {}}, "unknown setting"),
    ],
)
def test_bad_tags_are_refused(findings: dict[str, Any], says: str) -> None:
    with pytest.raises(PolicyError, match=says.replace("(", r"\(")):
        policy_from_dict({"findings": findings})


def test_check_tags_tidies_and_orders_as_the_file() -> None:
    known = {"a_tag": "A", "b_tag": "B", "c_tag": "C"}
    assert check_tags([" C_TAG", "a_tag", "c_tag", ""], known) == ("a_tag", "c_tag")
    with pytest.raises(TagError, match="'zz'") as refused:
        check_tags(["a_tag", "zz"], known)
    assert refused.value.field == "tags"
    assert split_tags("a_tag; b_tag;;") == ["a_tag", " b_tag"]


def test_a_new_action_is_checked() -> None:
    assert check_new_action("  Hold a core group  ", TM, MON, MON) == "Hold a core group"
    refusals = [
        (("", TM, MON, MON), "text"),
        (("x" * 2001, TM, MON, MON), "text"),
        (("x", None, MON, MON), "owner"),
        (("x", Owner("d1", "director", True), MON, MON), "owner"),
        (("x", Owner("tm2", "team_manager", False), MON, MON), "owner"),
        (("x", TM, day("Fri 2026-12-25 Christmas Day"), MON), "due_on"),
        (("x", TM, day("Sat 2026-12-12"), MON), "due_on"),
        (("x", TM, day("Fri 2026-12-04"), MON), "due_on"),
    ]
    for args, field in refusals:
        with pytest.raises(ActionError) as refused:
            check_new_action(*args)
        assert refused.value.field == field, args


def test_marking_done() -> None:
    assert check_done("open", MON, MON, " held ", True, "tm1", MON) == "held"
    with pytest.raises(ActionError, match="already done"):
        check_done("done", MON, MON, "x", True, "tm1", MON)
    with pytest.raises(ActionError, match="tm9 cannot mark"):
        check_done("open", MON, MON, "x", False, "tm9", MON)
    with pytest.raises(ActionError, match="before it was set"):
        check_done("open", MON, date(2026, 12, 4), "x", True, "tm1", MON)
    with pytest.raises(ActionError, match="note"):
        check_done("open", MON, MON, "  ", True, "tm1", MON)
    with pytest.raises(ActionError, match="future day") as refused:
        check_done("open", MON, day("Tue 2026-12-08"), "x", True, "tm1", MON)
    assert refused.value.field == "on"


def test_overdue_is_open_after_the_due_date() -> None:
    assert shown_status("open", MON, MON) == "open"
    assert shown_status("open", MON, day("Tue 2026-12-08")) == "overdue"
    assert shown_status("done", MON, day("Tue 2026-12-08")) == "done"


def test_the_action_option() -> None:
    assert parse_action_option("tm1|2026-12-07|Review | plan") == ActionDraft(
        "tm1", MON, "Review | plan"
    )
    for bad, field in [("tm1|2026-12-07", "action"), ("tm1|07/12/2026|x", "due_on")]:
        with pytest.raises(ActionError) as refused:
            parse_action_option(bad)
        assert refused.value.field == field
