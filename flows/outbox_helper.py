"""A helper process of a big send (``flows.outbox_helpers``): ``python -m flows.outbox_helper
CAUSES_JSON``, with ``AUDITS_DATABASE_URL`` naming the run's database.

It imports what it needs, then waits for its run to write ``go`` on its input: then it is an
ordinary ``send_outbox`` run over the transport the settings name, and prints its report as one
line of JSON. Its input closed without ``go``, it ends having sent nothing (an empty report).
Before ``go``, its run may hand it digests to render (``render ...``: ``flows.shared_rendering``),
and it answers with one line of rendered emails.
Going, it stops claiming when told to (SIGTERM) or when the run that started it is gone, and
then ends after the batch it holds.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from typing import Any

from config.settings import get_settings, load_policy
from flows.outbox import SendReport, send_outbox
from flows.outbox_helpers import SHARED_BATCH, report_json
from flows.shared_rendering import answer_render
from models.db import make_engine
from notifications.email_context import open_transport_for


def main() -> None:
    causes = json.loads(sys.argv[1]) if len(sys.argv) > 1 else None
    parent, stopping = os.getppid(), []

    def stop_claiming(_signal: int, _frame: Any) -> None:
        stopping.append(True)

    signal.signal(signal.SIGTERM, stop_claiming)
    if not told_to_go():
        print(report_json(SendReport()), flush=True)
        return
    engine = make_engine(get_settings().database_url)
    report = send_outbox(
        engine,
        open_transport_for(load_policy()),
        time.sleep,
        causes=causes,
        batch_size=SHARED_BATCH,
        stop=lambda: bool(stopping) or os.getppid() != parent,
    )
    engine.dispose()
    print(report_json(report), flush=True)


def told_to_go() -> bool:
    """Render what the run asks to, until it says ``go`` (True) or closes the input (False)."""
    while line := sys.stdin.readline():
        if line.startswith("render "):
            sys.stdout.write(answer_render(line))
            sys.stdout.flush()
        elif line.strip() == "go":
            return True
    return False


if __name__ == "__main__":
    main()
