"""Making a change's emails go, once the change (and its emails) are committed.

Every email a change causes is in the outbox by the time the change commits (the transactional
outbox). What makes it go then:

- with a Prefect server (``PREFECT_API_URL``), the change's event, whose triggered flow sends the
  emails of its cause;
- with none (the embedded mode: a laptop, the demo), or for a change no flow is triggered by, or
  when the event cannot be emitted, the command or web request itself, before it returns, sends
  the emails of its cause (and only those);
- at the latest, the next chase run, which first sends everything still pending.

Whoever sends, sends with :func:`send_pending`.

A rerun never sends an email twice: each row is claimed before it is sent.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from flows.events import emit_request_event
from flows.outbox import ProgressHook, SendReport, send_outbox
from notifications.email_context import open_transport_for
from rules.policy import Policy

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RequestEvent:
    """The Prefect event of a request or decision: ``{kind}.{what}``."""

    kind: str  # extension, exemption
    what: str  # requested, approved, rejected
    request_id: int
    audit_id: int | None


@dataclass(frozen=True)
class Change:
    """A committed change: the outbox cause of its emails, and the event that sends them."""

    cause: str
    event: RequestEvent | None = None


@dataclass(frozen=True)
class Delivery:
    """What became of a change's emails when it was delivered."""

    by_event: bool  # a triggered flow will send them
    report: SendReport | None = None  # sent here (None when left to the event)

    def warning(self) -> str | None:
        """One line for the person who made the change when its emails could not go yet."""
        if self.report is None or not self.report.left_pending:
            return None
        why = f": {self.report.errors[0]}" if self.report.errors else ""
        return (
            f"{self.report.left_pending} email(s) left pending{why}; the next chase run sends them"
        )


def server_configured() -> bool:
    return bool(os.environ.get("PREFECT_API_URL"))


def deliver(engine: Engine, change: Change, policy: Policy) -> Delivery:
    """Make the change's emails go: by its event when a Prefect server takes it, else now."""
    event = change.event
    if event is not None and server_configured():
        try:
            if emit_request_event(event.kind, event.what, event.request_id, event.audit_id):
                return Delivery(by_event=True)
        except Exception as error:  # noqa: BLE001 - the emails are safe; send them here instead
            log.warning("event %s.%s not emitted (%s): sending here", event.kind, event.what, error)
    return Delivery(by_event=False, report=send_pending(engine, policy, [change.cause]))


def send_pending(
    engine: Engine,
    policy: Policy,
    causes: Collection[str] | None = None,
    *,
    progress: ProgressHook | None = None,
) -> SendReport:
    """Send what the outbox holds (only the emails of ``causes`` when given) over the transport
    the settings name (``AUDITS_EMAIL_TRANSPORT``); what cannot go now stays pending for the
    next run. Every flow, command and page sends this way; a run that must end Failed when
    emails were left pending then calls ``EmailsLeftPending.raise_if_any`` on the report."""
    return send_outbox(
        engine, open_transport_for(policy), time.sleep, causes=causes, progress=progress
    )
