"""Sending the outbox: claim what is pending, send it over one transport, record each outcome.

Shared by every flow that emails. Work is batched: one claim, one connection, and outcomes
committed a batch at a time, never a Prefect task per email.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine

from models import outbox_store as outbox
from models.db import session_scope
from models.outbox import Notification
from notifications.messages import Attachment, Email
from notifications.transports import (
    PermanentError,
    RetryableError,
    Transport,
    UnavailableError,
    send_with_retries,
)

#: Outcomes are committed this many at a time: a crash loses the record of at most this many
#: sends (they are offered again after the stale-claim time).
BATCH = 200


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0
    deferred: int = 0  # retryable errors that outlasted the run's retries: next run tries again
    errors: list[str] = field(default_factory=list)


def attachments_for_outbox(attachments: tuple[Attachment, ...]) -> list[dict[str, str]] | None:
    """Attachments as the outbox keeps them (JSON)."""
    if not attachments:
        return None
    return [
        {
            "filename": a.filename,
            "content_type": a.content_type,
            "content_b64": base64.b64encode(a.content).decode(),
        }
        for a in attachments
    ]


def email_from_row(row: Notification) -> Email:
    attachments = tuple(
        Attachment(a["filename"], a["content_type"], base64.b64decode(a["content_b64"]))
        for a in row.attachments or ()
    )
    return Email(row.recipient, row.subject, row.text_body, row.html_body, attachments, row.key)


def send_outbox(
    engine: Engine, open_transport: Callable[[], Transport], sleep: Callable[[float], None]
) -> SendReport:
    """Send every pending notification once; what cannot be sent now stays pending.

    When the service itself is unreachable, the rest of the run's emails are handed straight
    back for the next run rather than each waiting out its retries.
    """
    run = f"run-{uuid.uuid4()}"
    with session_scope(engine, write_lock=True) as session:
        claimed = outbox.claim(session, run)
    report = SendReport()
    if not claimed:
        return report
    try:
        transport = open_transport().__enter__()
    except RetryableError as error:
        _record(
            engine, [("retry", _id(row), f"cannot connect: {error}") for row in claimed], report
        )
        return report
    try:
        for start in range(0, len(claimed), BATCH):
            batch = claimed[start : start + BATCH]
            outcomes, unavailable = _send_batch(transport, batch, sleep)
            _record(engine, outcomes, report)
            if unavailable:
                rest = claimed[start + len(outcomes) :]
                _record(engine, [("retry", _id(row), unavailable) for row in rest], report)
                break
    finally:
        transport.__exit__(None, None, None)
    return report


def _id(row: Notification) -> int:
    assert row.id is not None
    return row.id


def _send_batch(
    transport: Transport, rows: list[Notification], sleep: Callable[[float], None]
) -> tuple[list[tuple[str, int, str]], str | None]:
    """Send ``rows``; each one's outcome, and why the service is unreachable if it is."""
    outcomes: list[tuple[str, int, str]] = []
    for row in rows:
        try:
            reference = send_with_retries(transport, email_from_row(row), sleep=sleep)
            outcomes.append(("sent", _id(row), reference))
        except PermanentError as error:
            outcomes.append(("failed", _id(row), str(error)))
        except UnavailableError as error:
            outcomes.append(("retry", _id(row), str(error)))
            return outcomes, str(error)
        except RetryableError as error:
            outcomes.append(("retry", _id(row), str(error)))
    return outcomes, None


def _record(engine: Engine, outcomes: list[tuple[str, int, str]], report: SendReport) -> None:
    with session_scope(engine) as session:
        for outcome, notification_id, detail in outcomes:
            if outcome == "sent":
                outbox.mark_sent(session, notification_id, detail)
                report.sent += 1
                continue
            if outcome == "failed":
                outbox.mark_failed(session, notification_id, detail)
                report.failed += 1
            else:
                outbox.mark_for_retry(session, notification_id, detail)
                report.deferred += 1
            report.errors.append(detail)
