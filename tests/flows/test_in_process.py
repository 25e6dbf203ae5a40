"""A flow the CLI runs in its process sends no heartbeat (whose thread each run waited up to a
second for at its end), unless the operator's settings ask for heartbeats.

Each case is a fresh process, as a command is: its Prefect settings come from its environment
(the tests' own process has heartbeats off for every flow it runs), and it runs its flow on the
tests' Prefect server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

#: A flow that returns the heartbeat setting its run sees, run as the CLI runs flows.
SCRIPT = """
from prefect import flow
from prefect.settings import get_current_settings

from audits.common import run_flow

@flow(name="heartbeat-setting")
def heartbeat_setting():
    return get_current_settings().flows.heartbeat_frequency

print("outside:", get_current_settings().flows.heartbeat_frequency)
print("in the run:", run_flow(heartbeat_setting))
"""


def run_command(api_url: str, **env: str) -> list[str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PREFECT_FLOWS_", "PREFECT_RUNNER_HEARTBEAT"))
    }
    environment.update(PREFECT_API_URL=api_url, **env)
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip().splitlines()[-2:]


def test_the_cli_runs_flows_without_heartbeats(prefect_server: str) -> None:
    # Prefect's default is a heartbeat every 180 s: off for the CLI's run.
    assert run_command(prefect_server) == ["outside: 180", "in the run: None"]


def test_an_operators_heartbeat_setting_wins(prefect_server: str) -> None:
    assert run_command(prefect_server, PREFECT_FLOWS_HEARTBEAT_FREQUENCY="60") == [
        "outside: 60",
        "in the run: 60",
    ]
