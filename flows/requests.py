"""Sending what requests and decisions cause: the ``handle-request`` and ``apply-decision``
flows, run when the matching events arrive (``extension.requested``, ``*.approved``, ...).

The database is the source of truth: a request or decision and its emails are written in one
transaction when it is recorded (``notifications.request_emails``), and the command or page that
recorded it has already sent them (``flows.delivery``): these flows send what it could not (the
relay was down), and usually find nothing left to send. They write the emails first if they are
missing (a change recorded by something that did not write them), which is a no-op otherwise.
If an event is lost, the next chase run sends the emails, and its APS digest still lists the
request.
"""

from __future__ import annotations

from prefect import flow, get_run_logger, task
from sqlalchemy.engine import Engine
from sqlmodel import Session

from config.settings import load_policy
from flows.delivery import send_pending
from flows.failures import EmailsLeftPending, retried_and_told
from flows.outbox import ProgressHook, SendReport, progress_logger
from models.db import get_engine, in_transaction
from notifications.email_context import email_context
from notifications.request_emails import write_decision_emails, write_request_emails
from rules.policy import Policy


def write_and_send(
    engine: Engine,
    policy: Policy,
    kind: str,
    request_id: int,
    deciding: bool,
    progress: ProgressHook | None = None,
) -> SendReport:
    """Write the request's (or decision's) emails if they are missing, then send them."""
    context = email_context(policy)

    def write(session: Session) -> str:
        if not deciding:
            return write_request_emails(session, kind, request_id, context)
        return write_decision_emails(session, kind, request_id, context)

    cause = in_transaction(engine, write)
    return send_pending(engine, policy, [cause], progress=progress)


@task(name="write-and-send")
def _write_and_send(kind: str, request_id: int, deciding: bool) -> SendReport:
    progress = progress_logger(get_run_logger())
    return write_and_send(get_engine(), load_policy(), kind, request_id, deciding, progress)


def _result(report: SendReport) -> dict[str, int]:
    return {"emails_sent": report.sent, "failed": report.failed, "deferred": report.deferred}


@flow(name="handle-request", **retried_and_told())
def handle_request(kind: str, request_id: int) -> dict[str, int]:
    """Tell the APS team that a request waits for a decision (on ``*.requested``)."""
    report = _write_and_send(kind, request_id, deciding=False)
    get_run_logger().info("%s request %s: %d email(s) to APS", kind, request_id, report.sent)
    EmailsLeftPending.raise_if_any(report)
    return _result(report)


@flow(name="apply-decision", **retried_and_told())
def apply_decision(kind: str, request_id: int) -> dict[str, int]:
    """Tell the auditor the APS team's decision (on ``*.approved`` / ``*.rejected``)."""
    report = _write_and_send(kind, request_id, deciding=True)
    get_run_logger().info("%s request %s decided: %d email(s)", kind, request_id, report.sent)
    EmailsLeftPending.raise_if_any(report)
    return _result(report)
