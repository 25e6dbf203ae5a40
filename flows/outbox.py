"""Sending the outbox: claim what is pending, send it over one transport, record each outcome.

Shared by every flow that emails. Work is batched: one claim, one connection, and outcomes
committed a batch at a time, never a Prefect task per email.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from notifications.transports import (
    PermanentError,
    RetryableError,
    Transport,
    send_with_retries,
)
from sqlalchemy.engine import Engine

from models import outbox_store as outbox
from models.db import session_scope
from models.outbox import Notification
from notifications.messages import Attachment, Email

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
    """Send every pending notification once; what cannot be sent now stays pending."""
    run = f"run-{uuid.uuid4()}"
    with session_scope(engine, write_lock=True) as session:
        claimed = outbox.claim(session, run)
    report = SendReport()
    if not claimed:
        return report
    try:
        transport = open_transport().__enter__()
    except RetryableError as error:
        _release(engine, claimed, f"transport unavailable: {error}", report)
        return report
    try:
        for start in range(0, len(claimed), BATCH):
            _send_batch(engine, transport, claimed[start : start + BATCH], sleep, report)
    finally:
        transport.__exit__(None, None, None)
    return report


def _send_batch(
    engine: Engine,
    transport: Transport,
    rows: list[Notification],
    sleep: Callable[[float], None],
    report: SendReport,
) -> None:
    outcomes: list[tuple[str, int, str]] = []
    for row in rows:
        assert row.id is not None
        try:
            reference = send_with_retries(transport, email_from_row(row), sleep=sleep)
            outcomes.append(("sent", row.id, reference))
        except PermanentError as error:
            outcomes.append(("failed", row.id, str(error)))
        except RetryableError as error:
            outcomes.append(("retry", row.id, str(error)))
    with session_scope(engine) as session:
        for outcome, notification_id, detail in outcomes:
            if outcome == "sent":
                outbox.mark_sent(session, notification_id, detail)
                report.sent += 1
            elif outcome == "failed":
                outbox.mark_failed(session, notification_id, detail)
                report.failed += 1
                report.errors.append(detail)
            else:
                outbox.mark_for_retry(session, notification_id, detail)
                report.deferred += 1
                report.errors.append(detail)


def _release(engine: Engine, rows: list[Notification], error: str, report: SendReport) -> None:
    """Hand claimed rows back for the next run (the transport could not even be opened)."""
    with session_scope(engine) as session:
        for row in rows:
            assert row.id is not None
            outbox.mark_for_retry(session, row.id, error)
    report.deferred += len(rows)
    report.errors.append(error)
