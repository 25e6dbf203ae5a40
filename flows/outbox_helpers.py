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
from collections.abc import Collection
from dataclasses import asdict
from typing import IO

from sqlalchemy.engine import Engine
from sqlmodel import Session

from flows.outbox import BATCH, ProgressHook, SendReport, send_outbox
from models import outbox_store as outbox
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


def send_in_parallel(
    engine: Engine,
    policy: Policy,
    causes: Collection[str] | None = None,
    *,
    progress: ProgressHook | None = None,
    helpers: int | None = None,
) -> SendReport:
    """Send what the outbox holds (only ``causes``' when given), as ``send_pending`` does, but
    with ``helpers`` helper processes (default :func:`helper_count`) beside this one when there
    is much to send. The report counts every sender's emails."""
    with Session(engine) as session:
        unsent = outbox.count_unsent(session, causes)
    wanted = helper_count() if helpers is None else helpers
    started = [_start(engine, causes) for _ in range(wanted)] if unsent >= PARALLEL_FROM else []
    open_transport = open_transport_for(policy)
    batch_size = SHARED_BATCH if started else BATCH
    try:
        report = send_outbox(
            engine, open_transport, time.sleep, causes=causes, progress=progress,
            batch_size=batch_size,
        )  # fmt: skip
    except BaseException:
        for helper in started:
            helper.terminate()  # this run failed: each helper ends after the batch it holds
        raise
    finally:
        results = [_finish(helper) for helper in started]
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


def _start(engine: Engine, causes: Collection[str] | None) -> subprocess.Popen[str]:
    url = engine.url.render_as_string(hide_password=False)
    return subprocess.Popen(
        [sys.executable, "-m", "flows.outbox_helper", json.dumps(_list(causes))],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "AUDITS_DATABASE_URL": url},
    )


def _list(causes: Collection[str] | None) -> list[str] | None:
    return None if causes is None else sorted(causes)


def _finish(helper: subprocess.Popen[str]) -> SendReport | None:
    """The helper's report, or None when it failed (said on the log)."""
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
