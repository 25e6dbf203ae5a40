"""Allocation invariants, as properties over generated councils, plus worked examples."""

from __future__ import annotations

import random
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from rules.allocation import AllocationPlan, allocate
from rules.cohorts import CaseFacts, in_cohort
from rules.eligibility import Auditor
from rules.policy import AllocationPolicy

ON = date(2026, 11, 2)
TEAM_AREA = {f"T{n}": f"A{n % 3}" for n in range(6)}


@st.composite
def councils(draw: st.DrawFn) -> tuple[list[Auditor], list[CaseFacts]]:
    teams = sorted(TEAM_AREA)
    n_auditors = draw(st.integers(0, 14))
    auditors = [
        Auditor(f"S{i:02d}", team, TEAM_AREA[team])
        for i, team in enumerate(
            draw(st.lists(st.sampled_from(teams), min_size=n_auditors, max_size=n_auditors))
        )
    ]
    n_cases = draw(st.integers(0, 40))
    cases = []
    for i in range(n_cases):
        team = draw(st.sampled_from(teams))
        cases.append(
            CaseFacts(
                f"C{i:03d}",
                team,
                TEAM_AREA[team],
                cin=draw(st.booleans()),
                cse_risk=draw(st.sampled_from([None, "emerging"])),
                missing_episodes_6m=draw(st.integers(0, 2)),
            )
        )
    return auditors, cases


policies = st.builds(
    AllocationPolicy,
    audits_per_auditor=st.integers(1, 3),
    fill_from_all_open_cases=st.booleans(),
    spread_across_service_areas=st.booleans(),
)
themes = st.sampled_from(["cin", "cse", "missing", "missing_and_cse", "all"])


def _remaining(plan: AllocationPlan, cases: list[CaseFacts]) -> list[CaseFacts]:
    used = {p.case.case_ref for p in plan.picks}
    return [c for c in cases if c.case_ref not in used]


@settings(max_examples=300, deadline=None)
@given(councils(), policies, themes)
def test_allocation_invariants(council, policy, theme) -> None:
    auditors, cases = council
    plan = allocate("2026-11", theme, ON, auditors, cases, policy)
    refs = [p.case.case_ref for p in plan.picks]
    assert len(refs) == len(set(refs)), "a case was allocated twice"
    assert set(refs) <= {c.case_ref for c in cases}
    by_auditor: dict[str, int] = {}
    for pick in plan.picks:
        assert pick.case.team != pick.auditor.team, "a case of the auditor's own team"
        by_auditor[pick.auditor.staff_id] = by_auditor.get(pick.auditor.staff_id, 0) + 1
        expected_cohort = theme if in_cohort(pick.case, theme, ON) else "all"
        assert pick.cohort == expected_cohort
        if not policy.fill_from_all_open_cases:
            assert pick.cohort == theme
    assert all(n <= policy.audits_per_auditor for n in by_auditor.values())

    remaining = _remaining(plan, cases)
    usable = [c for c in remaining if policy.fill_from_all_open_cases or in_cohort(c, theme, ON)]
    short = {s.auditor_id for s in plan.shortfalls}
    for auditor in auditors:
        got = by_auditor.get(auditor.staff_id, 0)
        assert (got < policy.audits_per_auditor) == (auditor.staff_id in short)
        if auditor.staff_id in short:
            # Short only when every usable case left is from the auditor's own team.
            assert all(c.team == auditor.team for c in usable)


@settings(max_examples=200, deadline=None)
@given(councils(), policies, themes)
def test_cohort_cases_come_first(council, policy, theme) -> None:
    auditors, cases = council
    plan = allocate("2026-11", theme, ON, auditors, cases, policy)
    cohort_left = [c for c in _remaining(plan, cases) if in_cohort(c, theme, ON)]
    for pick in plan.picks:
        if pick.cohort == "all" and theme != "all":
            assert all(c.team == pick.auditor.team for c in cohort_left)


@settings(max_examples=200, deadline=None)
@given(councils(), policies, themes)
def test_auditors_are_spread_across_service_areas(council, policy, theme) -> None:
    auditors, cases = council
    spread = AllocationPolicy(
        audits_per_auditor=policy.audits_per_auditor,
        fill_from_all_open_cases=policy.fill_from_all_open_cases,
        spread_across_service_areas=True,
    )
    plan = allocate("2026-11", theme, ON, auditors, cases, spread)
    left = _remaining(plan, cases)
    for pick in plan.picks:
        if pick.case.service_area == pick.auditor.service_area:
            same_pool = [
                c
                for c in left
                if (pick.cohort == "all") != in_cohort(c, theme, ON) or theme == "all"
            ]
            assert all(c.service_area == pick.auditor.service_area for c in same_pool)


@settings(max_examples=100, deadline=None)
@given(councils(), policies, themes, st.randoms())
def test_same_inputs_in_any_order_give_the_same_allocation(council, policy, theme, rnd) -> None:
    auditors, cases = council
    first = allocate("2026-11", theme, ON, auditors, cases, policy)
    shuffled_auditors, shuffled_cases = auditors[:], cases[:]
    rnd.shuffle(shuffled_auditors)
    rnd.shuffle(shuffled_cases)
    again = allocate("2026-11", theme, ON, shuffled_auditors, shuffled_cases, policy)
    assert [(p.auditor.staff_id, p.case.case_ref, p.cohort) for p in first.picks] == [
        (p.auditor.staff_id, p.case.case_ref, p.cohort) for p in again.picks
    ]
    assert first.shortfalls == again.shortfalls


def _council(n_auditors: int, n_cases: int, seed: int = 1) -> tuple[list[Auditor], list[CaseFacts]]:
    rng = random.Random(seed)
    auditors = [
        Auditor(f"S{i:03d}", f"T{i % 6}", TEAM_AREA[f"T{i % 6}"]) for i in range(n_auditors)
    ]
    cases = []
    for i in range(n_cases):
        team = f"T{rng.randrange(6)}"
        cases.append(CaseFacts(f"C{i:04d}", team, TEAM_AREA[team], cin=rng.random() < 0.3))
    return auditors, cases


def test_different_cycles_draw_differently() -> None:
    auditors, cases = _council(12, 200)
    november = allocate("2026-11", "cin", ON, auditors, cases, AllocationPolicy())
    december = allocate("2026-12", "cin", ON, auditors, cases, AllocationPolicy())
    assert {p.case.case_ref for p in november.picks} != {p.case.case_ref for p in december.picks}


def test_everyone_gets_their_cases_when_there_are_plenty() -> None:
    auditors, cases = _council(30, 600)
    plan = allocate("2026-11", "cin", ON, auditors, cases, AllocationPolicy(audits_per_auditor=2))
    assert len(plan.picks) == 60 and not plan.shortfalls
    assert all(p.cohort == "cin" for p in plan.picks)
    # Each auditor's two cases come from two different service areas, neither their own.
    for auditor in auditors:
        areas = [p.case.service_area for p in plan.picks if p.auditor == auditor]
        assert len(set(areas)) == 2 and auditor.service_area not in areas


def test_small_cohort_is_filled_from_all_open_cases_and_says_so() -> None:
    auditors, cases = _council(10, 100)
    cses = [CaseFacts(f"X{i}", "T1", "A1", cse_risk="emerging") for i in range(3)]
    plan = allocate("2026-11", "cse", ON, auditors, cases + cses, AllocationPolicy())
    assert len(plan.picks) == 10
    cohort = [p for p in plan.picks if p.cohort == "cse"]
    filled = [p for p in plan.picks if p.cohort == "all"]
    assert len(cohort) == 3 and len(filled) == 7
    assert cohort[0].why_case == "in the month's cohort (cse)"
    assert "filled from all open cases" in filled[0].why_case


def test_without_fill_auditors_are_short_and_told_why() -> None:
    auditors, cases = _council(4, 0)
    cses = [CaseFacts("X1", "T5", "A2", cse_risk="emerging")]
    plan = allocate(
        "2026-11",
        "cse",
        ON,
        auditors,
        cases + cses,
        AllocationPolicy(fill_from_all_open_cases=False),
    )
    assert len(plan.picks) == 1 and len(plan.shortfalls) == 3
    assert all("ran out" in s.reason or "no eligible case" in s.reason for s in plan.shortfalls)


def test_an_exchange_lets_everyone_audit_when_only_own_team_cases_are_left() -> None:
    # Two auditors; two cases. Whatever order they are served in, a greedy pick could leave the
    # T1 auditor with only a T1 case; the exchange must fix that.
    auditors = [Auditor("S1", "T0", "A0"), Auditor("S2", "T1", "A1")]
    for month in ("2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"):
        cases = [CaseFacts("C1", "T2", "A2", cin=True), CaseFacts("C2", "T0", "A0", cin=True)]
        plan = allocate(month, "cin", ON, auditors, cases, AllocationPolicy())
        assert {(p.auditor.staff_id, p.case.case_ref) for p in plan.picks} == {
            ("S1", "C1"),
            ("S2", "C2"),
        }
        assert not plan.shortfalls
