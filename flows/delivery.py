"""Making a change's emails go, once the change (and its emails) are committed.

Every email a change causes is in the outbox by the time the change commits (the transactional
outbox). What makes it go then:

- the command or web request that made the change, right after the commit and before it
  returns, sends the emails of its cause (and only those), whether or not a Prefect server is
  configured: an APS member has the request's email well under a second after it was made;
- then, with a Prefect server (``PREFECT_API_URL``), the change's event is emitted; its
  triggered flow sends whatever the command could not (the relay was down, the process was
  killed half-way) and finds the rest already sent;
- at the latest, the next chase run, which first sends everything still pending.

Whoever sends, sends with :func:`send_pending`. The event comes after the sending, never
before: the triggered flow then finds each email sent or, if the command died mid-send, claimed
by a process that is gone (taken over at once, ``flows.outbox``), so it neither races the
command nor ends Failed on emails another live run still holds.

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

    report: SendReport  # what was sent here, at once
    #: The change's event was emitted: its triggered flow sends what ``report`` left pending.
    by_event: bool = False

    def warning(self) -> str | None:
        """One line for the person who made the change when its emails could not go yet."""
        if not self.report.left_pending:
            return None
        why = f": {self.report.errors[0]}" if self.report.errors else ""
        then = "the triggered flow tries again, " if self.by_event else ""
        return (
            f"{self.report.left_pending} email(s) left pending{why}; "
            f"{then}the next chase run sends them"
        )


def server_configured() -> bool:
    return bool(os.environ.get("PREFECT_API_URL"))


def deliver(engine: Engine, change: Change, policy: Policy) -> Delivery:
    """Send the change's emails now; then, when a Prefect server takes it, emit its event (its
    triggered flow sends what could not go now)."""
    # Sending first is what makes the email prompt: the event's path (the server's trigger,
    # the runner's poll for due runs, a flow run's process starting) took 5-20 s.
    report = send_pending(engine, policy, [change.cause])
    event = change.event
    if event is None or not server_configured():
        return Delivery(report)
    try:
        emitted = emit_request_event(event.kind, event.what, event.request_id, event.audit_id)
    except Exception as error:  # noqa: BLE001 - the emails are safe in the outbox either way
        log.warning("event %s.%s not emitted (%s)", event.kind, event.what, error)
        emitted = False
    return Delivery(report, by_event=emitted)


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
