"""Pauses of the programme: during one, nothing is allocated or chased."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True, slots=True)
class PauseSpell:
    starts_on: date
    ends_on: date
    reason: str
    resumed_on: date | None = None

    @property
    def last_day(self) -> date:
        """The last paused day: the planned end, or the day before an early resume."""
        if self.resumed_on is not None and self.resumed_on <= self.ends_on:
            return self.resumed_on - timedelta(days=1)
        return self.ends_on


def pause_on(day: date, pauses: Iterable[PauseSpell]) -> PauseSpell | None:
    """The pause in force on ``day``, if any."""
    for pause in pauses:
        if pause.starts_on <= day <= pause.last_day:
            return pause
    return None
