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

#: Notifications are claimed, sent and recorded this many at a time: a crash loses the record of
#: at most this many sends (they are offered again after the stale-claim time).
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

    Claims a batch at a time (so a claim is never older than one batch, and runs on several
    machines share the work), over one transport connection. When the service itself is
    unreachable, the run stops and leaves the rest pending rather than each email waiting out
    its retries.
    """
    run, report, after = f"run-{uuid.uuid4()}", SendReport(), 0
    transport: Transport | None = None
    try:
        while True:
            with session_scope(engine, write_lock=True) as session:
                batch = outbox.claim(session, run, BATCH, after_id=after)
            if not batch:
                break
            after = _id(batch[-1])
            if transport is None:
                try:
                    transport = open_transport().__enter__()
                except RetryableError as error:
                    _record(
                        engine,
                        [("retry", _id(r), f"cannot connect: {error}") for r in batch],
                        report,
                    )
                    break
            outcomes, unavailable = _send_batch(transport, batch, sleep)
            rest = [("retry", _id(row), unavailable or "") for row in batch[len(outcomes) :]]
            _record(engine, outcomes + rest, report)
            if unavailable:
                break
    finally:
        if transport is not None:
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
        outbox.record_outcomes(session, outcomes)
    for outcome, _, detail in outcomes:
        if outcome == "sent":
            report.sent += 1
            continue
        if outcome == "failed":
            report.failed += 1
        else:
            report.deferred += 1
        report.errors.append(detail)
