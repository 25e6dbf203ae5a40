"""Failures are loud: a run that could not do its job ends Failed, and the APS team is told.

- Scheduled and event-triggered flows declare retries (:data:`RETRIES`, :data:`RETRY_DELAY`);
  each is safe to run again (their work is idempotent), and a retried scheduled run keeps the
  day it was scheduled for (Prefect keeps a run's expected start time across retries).
- A run whose emails could not all go (the relay unreachable, every attempt failed) raises
  :class:`EmailsLeftPending` after recording what it did: the emails stay pending for the next
  run, and the flow run ends Failed (or is retried).
- When a deployment's run fails for good, :func:`tell_aps_of_failure` (an ``on_failure`` hook)
  writes one email to each APS member through the outbox, naming the run and where to look, and
  tries to send it; if the relay is down, the next run that sends anything sends it too.
"""

from __future__ import annotations

import logging
from typing import Any

from flows.outbox import SendReport

log = logging.getLogger(__name__)

#: How often a scheduled or triggered run is tried again, and after how long (seconds): a
#: database restart or a relay's blip is over in minutes, and the run still acts for its day.
RETRIES = 3
RETRY_DELAY = 300


def retried_and_told() -> dict[str, Any]:
    """The options of a scheduled or triggered flow: retried (:data:`RETRIES`, every
    :data:`RETRY_DELAY` seconds), and the APS team told when it fails for good."""
    return {
        "retries": RETRIES,
        "retry_delay_seconds": RETRY_DELAY,
        "on_failure": [tell_aps_of_failure],
        "on_crashed": [tell_aps_of_failure],
    }


class EmailsLeftPending(Exception):
    """Some emails could not be sent by this run; they stay pending for the next run."""

    def __init__(self, left: int, first_error: str, result: Any = None) -> None:
        super().__init__(
            f"{left} email(s) left pending (the next run sends them): {first_error}".rstrip(": ")
        )
        self.left = left
        #: What the run would have returned (the CLI still prints it).
        self.result = result

    @classmethod
    def raise_if_any(cls, report: SendReport, result: Any = None) -> None:
        """Raise when this run's retryable failures left emails pending."""
        if report.deferred:
            first = report.errors[0] if report.errors else ""
            raise cls(max(report.left_pending, report.deferred), first, result)


def retry_if_transient(task: Any, task_run: Any, state: Any) -> bool:
    """A task's ``retry_condition_fn``: retry when the database was busy or went away, not when
    the input itself was refused."""
    from sqlalchemy.exc import DBAPIError, OperationalError

    from models.db import is_transient

    try:
        state.result()
    except OperationalError:
        return True  # the database could not be reached or was restarting
    except DBAPIError as error:
        return is_transient(error)
    except Exception:  # noqa: BLE001 - anything else would fail the same way again
        return False
    return False


def tell_aps_of_failure(flow: Any, flow_run: Any, state: Any) -> None:
    """Prefect ``on_failure`` / ``on_crashed`` hook: email the APS team that a deployment's run
    failed for good. Runs started by hand (the CLI) are not deployments' runs: whoever started
    them sees the error; and a failure whose exception says the APS team was already told of it
    (``aps_told``) is not told twice."""
    if getattr(flow_run, "deployment_id", None) is None or _already_told(state):
        return
    try:
        _tell(flow.name, flow_run, state)
    except Exception:  # noqa: BLE001 - the hook must not hide the run's own failure
        log.exception("could not tell the APS team that flow run %s failed", flow_run.name)


def _already_told(state: Any) -> bool:
    try:
        error = state.result(raise_on_failure=False)
    except Exception:  # noqa: BLE001 - no result to read: tell
        return False
    return bool(getattr(error, "aps_told", False))


def _tell(flow_name: str, flow_run: Any, state: Any) -> None:
    from config.settings import load_policy
    from flows.delivery import send_pending
    from models.db import get_engine, in_transaction
    from notifications.email_context import email_context
    from notifications.run_failed_emails import write_run_failed_emails

    engine, policy = get_engine(), load_policy()
    context = email_context(policy)
    cause = in_transaction(
        engine,
        lambda session: write_run_failed_emails(
            session, flow_name, flow_run, state.message or state.name, context
        ),
    )
    send_pending(engine, policy, [cause])
