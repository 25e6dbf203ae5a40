"""Who may add a practitioner's response to an audit, and what it may be.

The response is the case's social worker's own words about the audit's findings (the reflection
held with them, made visible): so only the case's allocated worker adds one, never the APS team
on their behalf, and only to a completed audit, whose findings exist to be answered.
"""

from __future__ import annotations

from rules.errors import RuleError
from rules.values import shown, unstorable

#: The longest response: a few paragraphs, like the reflection's answers.
MAX_RESPONSE_TEXT = 2000


class ResponseError(RuleError):
    """The response may not be added; the message says why, in one line."""


def check_response(
    text: str, by: str, by_active: bool | None, case_worker_id: str | None, audit_status: str
) -> str:
    """The response's text, trimmed, if ``by`` may add it (raises :class:`ResponseError` if not).

    ``by_active`` is None when ``by`` is not on the staff list; ``case_worker_id`` is the
    case's allocated worker now (``Case.worker_id``)."""
    name = by if by.isprintable() else shown(by)
    if by_active is None:
        raise ResponseError(f"there is no member of staff {name}", "by")
    if audit_status != "completed":
        raise ResponseError(
            f"the audit is {audit_status}: a response is added to a completed audit's findings"
        )
    if case_worker_id is None or by != case_worker_id or not by_active:
        raise ResponseError(
            f"{name} cannot respond to this audit: only the case's allocated social worker can",
            "by",
        )
    text = text.strip()
    if not text:
        raise ResponseError("a response needs its text", "text")
    if len(text) > MAX_RESPONSE_TEXT:
        raise ResponseError(f"a response is at most {MAX_RESPONSE_TEXT} characters", "text")
    if bad := unstorable(text):
        raise ResponseError(f"the response contains {bad}, which cannot be stored", "text")
    return text
