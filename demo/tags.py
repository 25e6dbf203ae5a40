"""The demo's recurring findings: the [findings.tags] each completed audit carries.

Drawn from a generator of their own per audit (seeded by its id), so the demo's judgements and
words stay as they were. Poorer practice carries more findings, and the history has a trend the
APS team would want to see: supervision and drift and delay found more often as 2020 goes on,
management oversight less often once the 2019 recommendations took hold.
"""

from __future__ import annotations

import random
from dataclasses import replace

from rules.completion import CompletionDetails
from rules.months import parse_month

#: The chance of any one finding, by judgement.
BASE = {"outstanding": 0.0, "good": 0.06, "requires_improvement": 0.3, "inadequate": 0.55}
#: Each tag's weight at the history's start (November 2018) and from its end (September 2020).
WEIGHTS = {
    "supervision": (0.8, 1.7),
    "management_oversight": (1.5, 0.5),
    "drift_and_delay": (0.5, 1.6),
    "core_groups": (0.5, 0.5),
    "recording": (0.8, 0.8),
    "chronology": (0.6, 0.4),
    "voice_of_the_child": (0.4, 0.8),
    "assessment": (0.7, 0.7),
    "planning": (0.8, 0.9),
    "multi_agency": (0.4, 0.6),
}
START, MONTHS = (2018, 11), 22  # the history's first cycle, and its length to September 2020


def demo_tags(audit_id: int, cycle: str, judgement: str) -> tuple[str, ...]:
    """The audit's findings, the same every run, in the programme file's order."""
    rng = random.Random(f"tags:{audit_id}")
    year, month = parse_month(cycle)
    elapsed = (year - START[0]) * 12 + month - START[1]
    progress = min(max(elapsed / MONTHS, 0.0), 1.0)
    chance = BASE.get(judgement, 0.0)
    return tuple(
        tag
        for tag, (first, last) in WEIGHTS.items()
        if rng.random() < chance * (first + (last - first) * progress)
    )


def with_demo_tags(
    details: CompletionDetails, audit_id: int, cycle: str, judgement: str
) -> CompletionDetails:
    return replace(details, tags=demo_tags(audit_id, cycle, judgement))
