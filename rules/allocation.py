"""Monthly allocation: which Team Manager audits which case, and why.

The rules (docs/domain.md): each eligible auditor gets ``audits_per_auditor`` cases; cases come from
the cycle's cohort first, then (by policy) from all open cases; never a case of the auditor's own
team; never a case audited in the cycles before (see :mod:`rules.eligibility`); never a case
twice in a cycle; auditors spread across service areas where the choice allows. The same inputs
always give the same allocation: all randomness comes from a generator seeded by the cycle.
"""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import compress
from operator import itemgetter, not_
from typing import Any

from rules.cohorts import CaseFacts, cohort_rule
from rules.eligibility import Auditor
from rules.policy import AllocationPolicy


@dataclass(frozen=True, slots=True)
class Pick:
    """One allocation, with the reasons for it."""

    case: CaseFacts
    auditor: Auditor
    cohort: str  # the theme, or "all" for a case filled from all open cases
    why_case: str
    why_auditor: str


@dataclass(frozen=True, slots=True)
class Shortfall:
    auditor_id: str
    wanted: int
    allocated: int
    reason: str


@dataclass
class AllocationPlan:
    month: str
    theme: str
    picks: list[Pick] = field(default_factory=list)
    shortfalls: list[Shortfall] = field(default_factory=list)


def cycle_seed(month: str, theme: str) -> int:
    """The seed of a cycle's random choices: stable across runs, machines and Python versions."""
    return int.from_bytes(hashlib.sha256(f"{month}:{theme}".encode()).digest()[:8], "big")


class _Pool:
    """Cases of one kind (cohort or fill), bucketed by service area, drawn at random.

    Each bucket holds its drawn cases before ``cursor`` and the rest after it. A draw picks a
    random case among the rest (a Fisher-Yates shuffle done one step at a time, so a county's
    cases are not all shuffled to allocate a few thousand).
    """

    def __init__(self, name: str, cases: Sequence[CaseFacts], rng: random.Random, spread: bool):
        self.name = name
        self.rng = rng
        buckets: defaultdict[str, list[CaseFacts]] = defaultdict(list)
        if spread:
            for case in cases:
                buckets[case.service_area].append(case)
        elif cases:
            buckets[""] = list(cases)
        self.buckets = dict(buckets)
        self.size = {area: len(bucket) for area, bucket in self.buckets.items()}
        self.cursor = dict.fromkeys(self.buckets, 0)
        areas = sorted(self.buckets)
        rng.shuffle(areas)
        self.rank = {area: i for i, area in enumerate(areas)}
        self.spread = spread

    def left(self, area: str) -> int:
        return self.size[area] - self.cursor[area]

    def _area_keys(self, auditor: Auditor, held: set[str]) -> list[tuple[Any, ...]]:
        # Prefer another service area than the auditor's own, then one they do not hold a case
        # from yet, then the area least drawn on so far in proportion to what it offers (the
        # rank, unique, settles ties, so the area itself is never compared). Keys built in one
        # expression rather than by a key function: this runs once per allocated audit.
        own, cursor, size, rank = auditor.service_area, self.cursor, self.size, self.rank
        return [
            (area == own, area in held, cursor[area] / size[area], rank[area], area)
            for area in self.buckets
            if cursor[area] < size[area]
        ]

    def take(self, auditor: Auditor, held: set[str]) -> CaseFacts | None:
        """A case from the first area in order of preference that has one not of the
        auditor's own team. Nearly always the first area has, so it is found with ``min``
        and the rest are sorted only when it has not."""
        keys = self._area_keys(auditor, held)
        if not keys:
            return None
        first = min(keys)
        case = self._take_from(first[-1], auditor.team)
        if case is not None:
            return case
        for key in sorted(keys)[1:]:
            case = self._take_from(key[-1], auditor.team)
            if case is not None:
                return case
        return None

    def _take_from(self, area: str, own_team: str) -> CaseFacts | None:
        """Draw a random case of ``area`` not of ``own_team`` (from the draw onwards, the first
        such case, so the result stays random and deterministic)."""
        bucket, start = self.buckets[area], self.cursor[area]
        left = len(bucket) - start
        offset = self.rng.randrange(left)
        for step in range(left):
            index = start + (offset + step) % left
            if bucket[index].team != own_team:
                self._draw(bucket, area, index)
                return bucket[start]
        return None

    def _draw(self, bucket: list[CaseFacts], area: str, index: int) -> None:
        start = self.cursor[area]
        bucket[start], bucket[index] = bucket[index], bucket[start]
        self.cursor[area] = start + 1

    def remaining(self) -> list[CaseFacts]:
        return [c for area, b in self.buckets.items() for c in b[self.cursor[area] :]]

    def take_instead(self, new: CaseFacts) -> None:
        """Take ``new``, still in the pool, for an auditor whose case went to someone else."""
        area = new.service_area if self.spread else ""
        bucket = self.buckets[area]
        self._draw(bucket, area, bucket.index(new, self.cursor[area]))


def allocate(
    month: str,
    theme: str,
    allocation_date: date,
    auditors: Sequence[Auditor],
    cases: Sequence[CaseFacts],
    policy: AllocationPolicy,
) -> AllocationPlan:
    """Allocate eligible ``cases`` to eligible ``auditors`` (see :mod:`rules.eligibility`)."""
    rng = random.Random(cycle_seed(month, theme))
    member = cohort_rule(theme)
    ordered = sorted(cases, key=itemgetter(0))  # by case_ref (unique)
    members = [member(case, allocation_date) for case in ordered]
    cohort_cases = list(compress(ordered, members))
    fill_cases = list(compress(ordered, map(not_, members)))
    spread = policy.spread_across_service_areas
    pools = [_Pool(theme, cohort_cases, rng, spread)]
    if policy.fill_from_all_open_cases and fill_cases:
        pools.append(_Pool("all", fill_cases, rng, spread))

    order = sorted(auditors, key=lambda a: a.staff_id)
    rng.shuffle(order)
    picks: dict[str, list[Pick]] = {a.staff_id: [] for a in order}
    for _ in range(policy.audits_per_auditor):
        for auditor in order:
            pick = _pick_for(auditor, picks, pools, theme)
            if pick is not None:
                picks[auditor.staff_id].append(pick)

    plan = AllocationPlan(month, theme)
    plan.picks = [p for a in order for p in picks[a.staff_id]]
    plan.shortfalls = _shortfalls(order, picks, policy, theme, pools)
    return plan


def _pick_for(
    auditor: Auditor, picks: dict[str, list[Pick]], pools: list[_Pool], theme: str
) -> Pick | None:
    held = {p.case.service_area for p in picks[auditor.staff_id]}
    for pool in pools:
        case = pool.take(auditor, held) or _swap_for(auditor, picks, pool)
        if case is not None:
            why_case, why_auditor = _why_case(pool, theme), _why_auditor(auditor, case)
            return Pick(case, auditor, pool.name, why_case, why_auditor)
    return None


def _swap_for(auditor: Auditor, picks: dict[str, list[Pick]], pool: _Pool) -> CaseFacts | None:
    """When every case left in ``pool`` is from the auditor's own team, hand one of them to an
    auditor of another team in exchange for that auditor's case from the same pool."""
    remaining = pool.remaining()
    if not remaining:
        return None
    for other_id in sorted(picks):
        for index, pick in enumerate(picks[other_id]):
            other = pick.auditor
            if pick.cohort != pool.name or other.team == auditor.team:
                continue
            if pick.case.team == auditor.team:
                continue
            swap_in = next((c for c in remaining if c.team != other.team), None)
            if swap_in is None:
                continue
            pool.take_instead(swap_in)
            note = f"; exchanged with {auditor.staff_id}, whose own team held every case left"
            why = _why_auditor(other, swap_in) + note
            picks[other_id][index] = Pick(swap_in, other, pick.cohort, pick.why_case, why)
            return pick.case
    return None


def _why_case(pool: _Pool, theme: str) -> str:
    if theme == "all":
        return "open case: this month draws from all open cases"
    if pool.name == theme:
        return f"in the month's cohort ({theme})"
    return f"filled from all open cases: the {theme} cohort had no eligible case left"


def _why_auditor(auditor: Auditor, case: CaseFacts) -> str:
    where = (
        "another service area"
        if case.service_area != auditor.service_area
        else "the auditor's own service area (no other area had an eligible case left)"
    )
    return (
        f"eligible Team Manager of {auditor.team} ({auditor.service_area}); case from "
        f"{case.team}, {where}"
    )


def _shortfalls(
    order: Sequence[Auditor],
    picks: dict[str, list[Pick]],
    policy: AllocationPolicy,
    theme: str,
    pools: list[_Pool],
) -> list[Shortfall]:
    wanted = policy.audits_per_auditor
    left = any(pool.left(area) for pool in pools for area in pool.buckets)
    result = []
    for auditor in sorted(order, key=lambda a: a.staff_id):
        got = len(picks[auditor.staff_id])
        if got >= wanted:
            continue
        if left:
            reason = f"every eligible case left is from the auditor's own team ({auditor.team})"
        elif not policy.fill_from_all_open_cases and theme != "all":
            reason = f"the {theme} cohort ran out and filling from all open cases is turned off"
        else:
            reason = "no eligible case left"
        result.append(Shortfall(auditor.staff_id, wanted, got, reason))
    return result
