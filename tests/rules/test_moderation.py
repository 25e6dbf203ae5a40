"""``rules.moderation`` against a cycle worked by hand.

May 2026: 23 completed audits (101 to 123) by nine auditors, A to I:

    A 101-105   B 106-109   C 110-112   D 113-115   E 116-117
    F 118-119   G 120-121   H 122       I 123

Moderated before: B (an audit of April), D (of March), F (of May itself), and G (of February:
three cycles back, so outside the default window of March to May; G is NOT covered).

The draw order is sha256("moderation:2026-05:<id>"); its first eight hex digits, smallest first:

    114 D 1bd84a4f   119 F 21010f13   106 B 4e160317   111 C 50002115   107 B 662463dc
    101 A 6c4feeb3   108 B 80c702da   116 E a1c5d589   102 A a5b490be   112 C a74a076c
    121 G b46a7e7e   ...              123 I df0c30da   ...              122 H fd14ada0

10% of 23 rounded up is 3: 114, 119 and 106 (D, F, B). Covered then: B, D, F (moderated lately
and picked). Each other auditor's first audit in the draw order is added: C 111, A 101, E 116,
G 121, I 123, H 122. The sample is the nine audits 101, 106, 111, 114, 116, 119, 121, 122, 123.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from rules.moderation import (
    Candidate,
    ModerationError,
    agreement,
    check_moderation,
    draw_order,
    pick_sample,
    reaudit_change,
    sample_size,
    window_cycles,
)
from rules.policy import ReauditPolicy

MAY = "2026-05"
OWNERS = {
    **dict.fromkeys(range(101, 106), "A"),
    **dict.fromkeys(range(106, 110), "B"),
    **dict.fromkeys(range(110, 113), "C"),
    **dict.fromkeys(range(113, 116), "D"),
    **dict.fromkeys((116, 117), "E"),
    **dict.fromkeys((118, 119), "F"),
    **dict.fromkeys((120, 121), "G"),
    122: "H",
    123: "I",
}
CYCLE = [Candidate(i, f"C-{i}", auditor, "good") for i, auditor in OWNERS.items()]
#: Moderations of earlier audits: (auditor, the audit's cycle).
EARLIER = [("B", "2026-04"), ("D", "2026-03"), ("F", "2026-05"), ("G", "2026-02")]


def covered(every_months: int) -> set[str]:
    window = window_cycles(MAY, every_months)
    return {auditor for auditor, cycle in EARLIER if cycle in window}


def picked(percent: int = 10, every_months: int = 3, cycle: list[Candidate] = CYCLE) -> list:
    return [
        (p.candidate.audit_id, p.reason)
        for p in pick_sample(MAY, cycle, covered(every_months), percent)
    ]


def test_the_worked_draw_order() -> None:
    first = sorted(OWNERS, key=lambda i: draw_order(MAY, i))[:6]
    assert first == [114, 119, 106, 111, 107, 101]
    assert draw_order(MAY, 114).startswith("1bd84a4f")


def test_the_hand_worked_cycle() -> None:
    assert len(CYCLE) == 23 and len(set(OWNERS.values())) == 9
    assert sample_size(23, 10) == 3
    assert covered(3) == {"B", "D", "F"}  # G's February audit is outside March to May
    assert picked() == [
        (101, "auditor"),  # A
        (106, "percent"),  # B: picked by the draw, though moderated in April
        (111, "auditor"),  # C
        (114, "percent"),  # D
        (116, "auditor"),  # E
        (119, "percent"),  # F
        (121, "auditor"),  # G: moderated three cycles ago, not covered
        (122, "auditor"),  # H
        (123, "auditor"),  # I
    ]


def test_the_same_inputs_give_the_same_sample_in_any_order() -> None:
    expected = picked()
    for seed in range(20):
        shuffled = CYCLE.copy()
        random.Random(seed).shuffle(shuffled)
        recently = sorted(covered(3), key=lambda _: random.Random(seed).random())
        again = pick_sample(MAY, shuffled, recently, 10)
        assert [(p.candidate.audit_id, p.reason) for p in again] == expected


def test_sample_percent_zero_and_a_hundred() -> None:
    assert picked(percent=0) == [
        (101, "auditor"), (111, "auditor"), (116, "auditor"),
        (121, "auditor"), (122, "auditor"), (123, "auditor"),
    ]  # fmt: skip
    everything = picked(percent=100)
    assert everything == [(i, "percent") for i in range(101, 124)]


def test_every_months_one_counts_this_cycle_only() -> None:
    assert window_cycles(MAY, 1) == [MAY]
    assert covered(1) == {"F"}
    # Nothing by the share: every auditor but F gets their first audit in the draw order.
    assert picked(percent=0, every_months=1) == [
        (101, "auditor"), (106, "auditor"), (111, "auditor"), (114, "auditor"),
        (116, "auditor"), (121, "auditor"), (122, "auditor"), (123, "auditor"),
    ]  # fmt: skip


def test_window_and_size_edges() -> None:
    assert window_cycles(MAY, 3) == ["2026-03", "2026-04", "2026-05"]
    assert window_cycles("2026-01", 3) == ["2025-11", "2025-12", "2026-01"]
    assert [sample_size(n, 10) for n in (0, 1, 10, 11, 20, 21)] == [0, 1, 1, 2, 2, 3]
    assert sample_size(7, 0) == 0 and sample_size(7, 100) == 7
    assert pick_sample(MAY, [], ["A"], 10) == []


ALLOWED: dict[str, Any] = {
    "by": "APS1", "by_is_active_aps": True, "auditor_id": "TM1", "status": "completed"
}  # fmt: skip


def test_check_moderation_returns_the_trimmed_note() -> None:
    assert check_moderation("good", "  Plan was clear  ", **ALLOWED) == "Plan was clear"


@pytest.mark.parametrize(
    ("change", "words", "field"),
    [
        ({"by_is_active_aps": False}, "only the APS team moderates", "by"),
        ({"by": "TM1"}, "never moderates their own", "by"),
        ({"status": "allocated"}, "the audit is allocated", None),
        ({"judgement": "fine"}, "judgement must be one of", "judgement"),
        ({"note": "   "}, "a note is needed", "note"),
        ({"note": "x" * 2001}, "at most 2000 characters", "note"),
    ],
)
def test_check_moderation_refuses(change: dict, words: str, field: str | None) -> None:
    arguments = {"judgement": "good", "note": "Read again", **ALLOWED, **change}
    with pytest.raises(ModerationError, match=words) as refused:
        check_moderation(**arguments)
    assert refused.value.field == field


def test_reaudit_change_follows_reaudit_on() -> None:
    calls = ReauditPolicy().reaudit_on
    assert set(calls) == {"inadequate", "requires_improvement"}
    assert reaudit_change("good", "inadequate", calls) == "schedule"
    assert reaudit_change("outstanding", "requires_improvement", calls) == "schedule"
    assert reaudit_change("inadequate", "good", calls) == "withdraw"
    assert reaudit_change("requires_improvement", "outstanding", calls) == "withdraw"
    assert reaudit_change("inadequate", "requires_improvement", calls) is None  # still one
    assert reaudit_change("good", "outstanding", calls) is None
    assert reaudit_change("good", "good", calls) is None
    assert reaudit_change("good", "inadequate", []) is None  # re-audits switched off


def test_agreement_maths() -> None:
    assert agreement([]) == {
        "moderated": 0, "agreed": 0, "agreement_pct": None, "changed": 0, "by_auditor": {}
    }  # fmt: skip
    figures = agreement([("TM2", True), ("TM1", False), ("TM1", True)])
    assert figures == {
        "moderated": 3,
        "agreed": 2,
        "agreement_pct": 66.7,
        "changed": 1,
        "by_auditor": {"TM1": {"moderated": 2, "agreed": 1}, "TM2": {"moderated": 1, "agreed": 1}},
    }
    assert list(figures["by_auditor"]) == ["TM1", "TM2"]  # sorted, whatever the input order
    assert agreement([("A", True)] + [("A", False)] * 7)["agreement_pct"] == 12.5
