"""Sending the outbox: claim what is pending, send it over one transport, record each outcome.

Shared by every flow and command that emails. Work is batched (one claim a batch, one
connection a run, never a Prefect task per email), but each email's outcome is committed as
soon as the transport answers it: a run killed at any moment leaves at most the one message in
flight to be sent again. A batch's claim is a lease (``models.outbox_store.LEASE``) renewed as
the run goes; a batch left by a run that died is taken over when its lease lapses, or at once
when the dead run was on this machine.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from models import outbox_store as outbox
from models.db import in_transaction
from models.outbox import Notification
from notifications.outgoing import email_from_row
from notifications.transports import (
    PermanentError,
    RetryableError,
    Transport,
    UnavailableError,
    send_with_retries,
)

#: Notifications are claimed this many at a time: small enough that runs on several machines
#: share the work, large enough that claiming costs little beside sending.
BATCH = 200


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0
    deferred: int = 0  # retryable errors that outlasted the run's retries: next run tries again
    errors: list[str] = field(default_factory=list)
    #: Rows of the same causes being sent by another live run when this one ended.
    elsewhere: int = 0
    #: Rows of the same causes still unsent when this run ended (deferred, or held elsewhere).
    left_pending: int = 0
    #: Rows of the same causes unsent when the run started (for progress).
    total: int = 0


def run_id() -> str:
    """Names a run in its claims: this machine and process, so that a run on the same machine
    can tell that the process holding a claim is gone."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def dead_local_runs(runs: Collection[str]) -> list[str]:
    """Those of ``runs`` that were processes on this machine that no longer exist."""
    host, dead = socket.gethostname()[:60], []
    for run in runs:
        run_host, _, rest = run.partition(":")
        pid = rest.partition(":")[0]
        if run_host == host and pid.isdigit() and not _process_exists(int(pid)):
            dead.append(run)
    return dead


def _process_exists(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


ProgressHook = Callable[[SendReport], None]


def progress_logger(logger: Any) -> ProgressHook:
    """Logs a run's progress after each batch: "1,200 of 20,000 emails sent"."""

    def progress(report: SendReport) -> None:
        logger.info(
            "%s of %s emails sent (%d failed for good, %d left for the next run)",
            f"{report.sent:,}",
            f"{report.total:,}",
            report.failed,
            report.deferred,
        )

    return progress


def send_outbox(
    engine: Engine,
    open_transport: Callable[[], Transport],
    sleep: Callable[[float], None],
    *,
    causes: Collection[str] | None = None,
    lease: timedelta = outbox.LEASE,
    progress: ProgressHook | None = None,
    batch_size: int = BATCH,
    stop: Callable[[], bool] | None = None,
) -> SendReport:
    """Send every unsent notification (only those of ``causes`` when given) once; what cannot
    be sent now stays pending for the next run.

    When the service itself is unreachable, the run stops and leaves the rest pending rather
    than each email waiting out its retries. ``progress`` is called after each batch; ``stop``
    is asked before each claim, and ends the run (what is unclaimed stays pending) when true.
    """
    run, report = run_id(), SendReport()
    with Session(engine) as session:
        report.total = outbox.count_unsent(session, causes)
        holders = outbox.live_claims(session, causes, lease=lease)
    sender = _Sender(engine, run, open_transport, sleep, lease)
    try:
        after, dead = 0, dead_local_runs(holders)
        while stop is None or not stop():
            claim = partial(
                outbox.claim, run=run, limit=batch_size, after_id=after, causes=causes,
                dead_runs=dead, lease=lease,
            )  # fmt: skip
            batch = in_transaction(engine, claim)
            if not batch:
                break
            after = _id(batch[-1])
            stopped = sender.send_batch(batch, report)
            if progress is not None:
                progress(report)
            if stopped:
                break
    finally:
        sender.close()
    with Session(engine) as session:
        report.left_pending = outbox.count_unsent(session, causes)
        report.elsewhere = sum(outbox.live_claims(session, causes, lease=lease).values())
    return report


class _Sender:
    """One run's transport (opened at its first email) and its records, one email at a time."""

    def __init__(
        self,
        engine: Engine,
        run: str,
        open_transport: Callable[[], Transport],
        sleep: Callable[[float], None],
        lease: timedelta,
    ) -> None:
        self.engine, self.run, self.sleep = engine, run, sleep
        self.open_transport = open_transport
        self.outcomes = outbox.OutcomeLog(engine)
        self.transport: Transport | None = None
        self.renew_every, self.renewed = lease.total_seconds() / 4, time.monotonic()

    def send_batch(self, batch: list[Notification], report: SendReport) -> bool:
        """Send a claimed batch, recording each outcome at once; whether the run must stop
        (the service is unreachable: the rest of the batch is left pending)."""
        for index, row in enumerate(batch):
            outcome, unavailable = self._send_one(row)
            self._record([outcome], report)
            if unavailable:
                rest = [("retry", _id(r), unavailable) for r in batch[index + 1 :]]
                self._record(rest, report)
                return True
        return False

    def _send_one(self, row: Notification) -> tuple[tuple[str, int, str], str | None]:
        if self.transport is None:
            try:
                self.transport = self.open_transport().__enter__()
            except RetryableError as error:
                reason = f"cannot connect: {error}"
                return ("retry", _id(row), reason), reason
        try:
            reference = send_with_retries(self.transport, email_from_row(row), sleep=self.sleep)
            return ("sent", _id(row), reference), None
        except PermanentError as error:
            return ("failed", _id(row), str(error)), None
        except UnavailableError as error:
            return ("retry", _id(row), str(error)), str(error)
        except RetryableError as error:
            return ("retry", _id(row), str(error)), None

    def _record(self, outcomes: list[tuple[str, int, str]], report: SendReport) -> None:
        if not outcomes:
            return
        renew = time.monotonic() - self.renewed >= self.renew_every
        self.outcomes.commit(outcomes, self.run if renew else None)
        if renew:
            self.renewed = time.monotonic()
        for outcome, _, detail in outcomes:
            if outcome == "sent":
                report.sent += 1
                continue
            if outcome == "failed":
                report.failed += 1
            else:
                report.deferred += 1
            report.errors.append(detail)

    def close(self) -> None:
        self.outcomes.close()
        if self.transport is not None:
            self.transport.__exit__(None, None, None)


def _id(row: Notification) -> int:
    assert row.id is not None
    return row.id
