"""Sending a big outbox over more than one connection: helper processes beside the run.

A chase run's thousands of digests take most of its time to send, and almost all of that time is
the sending process's own CPU (building each MIME message is pure Python), not the relay's. So
when there is much to send, the run starts helper processes (one fewer than the machine's cores,
at most ``MAX_HELPERS``), each an ordinary ``send_outbox`` run over its own connection, and
sends alongside them. Processes, not threads: threads would take turns holding the GIL.

Nothing changes about what may be sent twice or lost: every sender claims its rows before it
sends them (no row is sent by two of them) and commits each outcome as the relay answers. A
helper that dies leaves its claims to the run, which takes them over at once (its process is
gone); a helper whose run is gone stops claiming and ends after the batch it holds.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Collection, Sequence
from dataclasses import asdict
from typing import IO

from sqlalchemy.engine import Engine
from sqlmodel import Session

from flows.outbox import BATCH, ProgressHook, SendReport, send_outbox
from flows.shared_rendering import Job, render_shared
from models import outbox_store as outbox
from models.outbox_store import Outgoing
from notifications.email_context import open_transport_for
from rules.policy import Policy

log = logging.getLogger(__name__)

#: Fewer unsent emails than this go over the run's one connection: a helper's start (about a
#: second of imports) would cost more than it saves.
PARALLEL_FROM = 400
MAX_HELPERS = 3
#: Claims are smaller when several senders share the outbox, so that they finish together
#: (the last to finish holds at most one batch more than the others).
SHARED_BATCH = 50


def helper_count() -> int:
    """Helper processes for a big run: one fewer than the cores, so that each sender has one."""
    return max(0, min(MAX_HELPERS, (os.cpu_count() or 1) - 1))


class Helpers:
    """Helper processes started ahead of a send: each imports what it needs (about a second)
    while the run does something else, e.g. decides a chase, then waits to be told to go (or
    ends, sending nothing, when told to stop or when its run is gone)."""

    def __init__(self, engine: Engine, causes: Collection[str] | None, count: int) -> None:
        url = engine.url.render_as_string(hide_password=False)
        self.causes = causes
        self.processes = [_start(url, causes) for _ in range(count)]
        self.going = self.ended = False

    @classmethod
    def start(
        cls, engine: Engine, causes: Collection[str] | None = None, count: int | None = None
    ) -> Helpers:
        return cls(engine, causes, helper_count() if count is None else count)

    def render(self, jobs: Sequence[Job], programme_name: str) -> list[Outgoing]:
        """Digests rendered, some of them by the first helper while it waits to send
        (``flows.shared_rendering``)."""
        helper = self.processes[0] if self.processes and not self.going else None
        return render_shared(jobs, programme_name, helper)

    def go(self) -> None:
        self.going = True
        for process in self.processes:
            _tell(process, "go\n")

    def stop(self, now: bool = False) -> None:
        """Those not yet going end at once; those going end after the batch they hold when
        ``now`` (the run failed), else when the outbox is empty."""
        for process in self.processes:
            _tell(process, "")
            if now and self.going and process.poll() is None:
                process.terminate()

    def finish(self) -> list[SendReport | None]:
        """Each helper's report once it has ended (None for one that failed)."""
        self.stop()
        self.ended = True
        return [_finish(process) for process in self.processes]

    def close(self) -> None:
        """End those not yet finished (after the batch each holds) and wait for them."""
        if not self.ended:
            self.stop(now=True)
            self.finish()


def _tell(process: subprocess.Popen[str], line: str) -> None:
    """Write ``line`` to the helper (if any) and close its input: nothing more will come."""
    if process.stdin is None or process.stdin.closed:
        return
    try:
        if line:
            process.stdin.write(line)
        process.stdin.close()
    except OSError:  # BrokenPipeError: it has already ended; ``_finish`` says how
        pass


def send_in_parallel(
    engine: Engine,
    policy: Policy,
    causes: Collection[str] | None = None,
    *,
    progress: ProgressHook | None = None,
    helpers: int | None = None,
    started: Helpers | None = None,
) -> SendReport:
    """Send what the outbox holds (only ``causes``' when given), as ``send_pending`` does, but
    with helper processes beside this one when there is much to send: ``started`` ones (of the
    same causes), or else ``helpers`` of them (default :func:`helper_count`) started now. The
    report counts every sender's emails."""
    with Session(engine) as session:
        unsent = outbox.count_unsent(session, causes)
    if unsent < PARALLEL_FROM:
        if started is not None:
            started.stop()
        team = Helpers(engine, causes, 0)
    else:
        team = started or Helpers.start(engine, causes, helpers)
        team.go()
    open_transport = open_transport_for(policy)
    batch_size = SHARED_BATCH if team.processes else BATCH
    try:
        report = send_outbox(
            engine, open_transport, time.sleep, causes=causes, progress=progress,
            batch_size=batch_size,
        )  # fmt: skip
    except BaseException:
        team.stop(now=True)  # this run failed
        raise
    finally:
        results = team.finish()
    crashed = False
    for result in results:
        if result is None:
            crashed = True
            continue
        _merge(report, result)
    if crashed:
        # A helper died holding claims: its process is gone, so they are taken over at once.
        _merge(report, send_outbox(engine, open_transport, time.sleep, causes=causes))
    with Session(engine) as session:
        report.total = unsent
        report.left_pending = outbox.count_unsent(session, causes)
        report.elsewhere = sum(outbox.live_claims(session, causes).values())
    return report


def _start(url: str, causes: Collection[str] | None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "flows.outbox_helper", json.dumps(_list(causes))],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "AUDITS_DATABASE_URL": url},
    )


def _list(causes: Collection[str] | None) -> list[str] | None:
    return None if causes is None else sorted(causes)


def _finish(helper: subprocess.Popen[str]) -> SendReport | None:
    """The helper's report (an empty one when it was told to stop before it went), or None
    when it failed (said on the log)."""
    out: IO[str] | None = helper.stdout
    text = out.read() if out is not None else ""
    code = helper.wait()
    lines = text.strip().splitlines()
    if code != 0 or not lines:
        log.warning("an outbox helper process failed (exit %s): its claims are taken over", code)
        return None
    return SendReport(**json.loads(lines[-1]))


def _merge(into: SendReport, other: SendReport) -> None:
    into.sent += other.sent
    into.failed += other.failed
    into.deferred += other.deferred
    into.errors.extend(other.errors)


def report_json(report: SendReport) -> str:
    return json.dumps(asdict(report))
