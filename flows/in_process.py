"""Prefect's settings for a flow run in this process: a command typed by someone (``audits
allocate``, ``audits chase``, ...), a benchmark's run, a test's.

Prefect 3.9 sends a flow-run heartbeat every 180 seconds by default, from a thread that sleeps a
second at a time; when the run ends, the run waits for that thread to wake. So every run ended
up to a second late: a second added to each command's exit (and to each flow run in the tests),
and most of the spread in the chase benchmark's "Prefect's own" time (0.1-1.0 s, measured).
A heartbeat lets an automation mark a run whose process died as Crashed; a run in this process
has someone watching it (their terminal shows the error, the command exits non-zero), and nothing
in this project acts on heartbeats. So here they are off by default: an operator who wants them
sets ``PREFECT_FLOWS_HEARTBEAT_FREQUENCY`` (seconds, at least 30), and that wins. Deployments'
runs under ``audits serve`` keep Prefect's default (the runner starts each in a process of its
own, from the environment).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from prefect.settings import temporary_settings

#: Prefect's setting, as ``temporary_settings`` names it.
HEARTBEAT = "flows.heartbeat_frequency"


@contextmanager
def in_process_settings() -> Iterator[None]:
    """Within this block, flow runs send no heartbeat unless the operator's settings ask for
    one (a default, not an override)."""
    with temporary_settings(set_defaults={HEARTBEAT: None}):
        yield
