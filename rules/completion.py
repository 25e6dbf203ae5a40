"""Whether an audit can be recorded as completed, as asked."""

from __future__ import annotations

from datetime import date

from rules.policy import JUDGEMENTS


class CompletionError(ValueError):
    """The completion cannot be recorded; the message says why in one line."""


def check_completion(
    audit_id: int, status: str, allocated_on: date, on: date, judgement: str, today: date
) -> None:
    if judgement not in JUDGEMENTS:
        raise CompletionError(
            f"judgement must be one of {', '.join(JUDGEMENTS)}, not {judgement!r}"
        )
    if status != "allocated":
        raise CompletionError(
            f"audit {audit_id} is {status}: only an allocated audit can be completed"
        )
    if on < allocated_on:
        raise CompletionError(
            f"audit {audit_id} was allocated on {allocated_on}: it cannot be completed on {on}"
        )
    if on > today:
        raise CompletionError(f"{on} is in the future: a completion is recorded once it happens")
