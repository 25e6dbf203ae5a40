"""``rules.eligibility.eligible_cases``: which cases a cycle may allocate, and every other case
listed once with its reason, whether the caller passed it in or only its recent audit."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from rules.cohorts import CaseFacts
from rules.eligibility import IN_THIS_CYCLE, eligible_cases

RECENT = "allocated in {}, within the last 11 cycles"


def case(ref: str, status: str = "open", in_export: bool = True) -> CaseFacts:
    return CaseFacts(ref, "Team A", "North", status=status, in_latest_export=in_export)


def test_each_case_is_eligible_or_excluded_with_its_reason() -> None:
    cases = [
        case("C1"),
        case("C2", status="closed"),
        case("C3", in_export=False),
        case("C4"),  # audited in this cycle already
        case("C5"),  # audited in October
        case("C6", status="closed"),  # closed and audited in October: closed comes first
    ]
    eligible, excluded = eligible_cases(
        cases,
        recent_audits={"2026-10": ["C5", "C6", "C7"], "2026-09": ["C8", "C7"]},
        in_this_cycle={"C4", "C9"},
        exclusion_cycles=11,
    )
    assert [c.case_ref for c in eligible] == ["C1"]
    assert excluded == {
        "closed": ["C2", "C6"],
        "not in the latest case export": ["C3"],
        IN_THIS_CYCLE: ["C4", "C9"],
        # C7, audited in September and October and not passed in, under its latest cycle.
        RECENT.format("2026-10"): ["C5", "C7"],
        RECENT.format("2026-09"): ["C8"],
    }


def test_a_reference_audited_twice_in_a_cycle_is_listed_once() -> None:
    _, excluded = eligible_cases(
        [], recent_audits={"2026-10": ["C5", "C5"]}, in_this_cycle=(), exclusion_cycles=11
    )
    assert excluded == {RECENT.format("2026-10"): ["C5"]}


REFS = st.sampled_from([f"C{i}" for i in range(12)])
CYCLES = st.sampled_from(["2026-08", "2026-09", "2026-10"])


@given(
    given_cases=st.lists(
        st.tuples(REFS, st.sampled_from(["open", "closed"]), st.booleans()),
        unique_by=lambda c: c[0],
    ),
    recent=st.dictionaries(CYCLES, st.lists(REFS)),
    this_cycle=st.sets(REFS),
)
def test_every_reference_is_accounted_for_once(
    given_cases: list[tuple[str, str, bool]],
    recent: dict[str, list[str]],
    this_cycle: set[str],
) -> None:
    cases = [case(ref, status, in_export) for ref, status, in_export in given_cases]
    eligible, excluded = eligible_cases(
        cases, recent_audits=recent, in_this_cycle=this_cycle, exclusion_cycles=11
    )
    listed = [c.case_ref for c in eligible] + [r for refs in excluded.values() for r in refs]
    everyone = (
        {c.case_ref for c in cases} | this_cycle | {r for refs in recent.values() for r in refs}
    )
    assert sorted(listed) == sorted(everyone)  # each exactly once
    latest = {
        r: max(c for c, refs in recent.items() if r in refs)
        for r in everyone
        if any(r in refs for refs in recent.values())
    }
    for ref in (c.case_ref for c in eligible):
        assert ref not in this_cycle and ref not in latest
    reason_of = {r: reason for reason, refs in excluded.items() for r in refs}
    for c in cases:
        if c.case_ref in reason_of and c.status == "open" and c.in_latest_export:
            expected = (
                IN_THIS_CYCLE if c.case_ref in this_cycle else RECENT.format(latest[c.case_ref])
            )
            assert reason_of[c.case_ref] == expected
    for ref, cycle in latest.items():
        if ref not in this_cycle and ref not in {c.case_ref for c in cases}:
            assert reason_of[ref] == RECENT.format(cycle)
