"""Prefect events for requests and decisions: ``extension.requested``, ``exemption.approved``...

They make the ``handle-request`` and ``apply-decision`` flows run, through triggers on a Prefect
server. The command or page that made the change has already sent its emails
(``flows.delivery``): the triggered flow sends what it could not, and finds the rest sent.
Emitted only when a server is configured (``PREFECT_API_URL``): without one there is nothing to
trigger, and Prefect would start a temporary server just to drop the event. Either way the
request is in the database, and the next chase's APS digest lists it.
"""

from __future__ import annotations

import logging
import os
from typing import Any


def request_event_resource(kind: str, request_id: int, audit_id: int | None) -> dict[str, str]:
    return {
        "prefect.resource.id": f"audits.{kind}-request.{request_id}",
        "prefect.resource.name": f"{kind} request {request_id}",
        "audits.kind": kind,
        "audits.request-id": str(request_id),
        "audits.audit-id": str(audit_id),
    }


def emit_request_event(
    kind: str,
    what: str,
    request_id: int,
    audit_id: int | None,
    payload: dict[str, Any] | None = None,
) -> bool:
    """Emit ``{kind}.{what}`` (what: requested, approved, rejected); whether it was sent."""
    if not os.environ.get("PREFECT_API_URL"):
        return False
    from prefect.events import emit_event
    from prefect.events.worker import EventsWorker

    event = emit_event(
        event=f"{kind}.{what}",
        resource=request_event_resource(kind, request_id, audit_id),
        # Ids as numbers in the payload: the triggers pass them on to the flows' int parameters
        # (resource labels are always strings).
        payload={"kind": kind, "request_id": request_id, "audit_id": audit_id, **(payload or {})},
    )
    _drain(EventsWorker)  # a CLI process ends right after: deliver before it does
    return event is not None


def emit_audit_completed(
    audit_id: int, judgement: str, *, cycle: str, kind: str, reaudit_due: bool
) -> bool:
    """Emit ``audit.completed`` (resource ``audits.audit.<id>``, with the judgement); whether it
    was sent. Call :func:`deliver_events` once after the last, before the process ends.

    ``reaudit_due`` (the policy's answer, ``rules.reaudits.reaudit_due``) is the label
    ``audits.reaudit-due`` = yes/no: the ``schedule-reaudit`` trigger matches on it, so a month
    of good judgements starts no flow runs and the trigger need not know the policy."""
    if not os.environ.get("PREFECT_API_URL"):
        return False
    from prefect.events import emit_event

    event = emit_event(
        event="audit.completed",
        resource={
            "prefect.resource.id": f"audits.audit.{audit_id}",
            "prefect.resource.name": f"{kind} {audit_id}",
            "audits.audit-id": str(audit_id),
            "audits.kind": kind,
            "audits.cycle": cycle,
            "audits.judgement": judgement,
            "audits.reaudit-due": "yes" if reaudit_due else "no",
        },
        payload={
            "audit_id": audit_id,
            "judgement": judgement,
            "kind": kind,
            "cycle": cycle,
            "reaudit_due": reaudit_due,
        },
    )
    return event is not None


def deliver_events() -> None:
    """Wait until the events emitted so far are delivered (a CLI process ends right after)."""
    if not os.environ.get("PREFECT_API_URL"):
        return
    from prefect.events.worker import EventsWorker

    _drain(EventsWorker)


def _drain(worker: Any) -> None:
    """Wait until the events emitted so far are delivered. Prefect's worker warns "Still
    processing items: 1 items remaining..." whenever it is drained before it has sent the last
    event, which is every time here: that is not news for the person who typed the command."""
    logging.getLogger("EventsWorker").setLevel(logging.ERROR)
    worker.drain_all()
