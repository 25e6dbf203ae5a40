"""A real ``prefect server start`` for the tests of schedules, triggers and workers.

Which server: ``AUDITS_TEST_PREFECT_API_URL`` if set (an operator's own server); else one
started here on a free loopback port, with its SQLite database in a temporary PREFECT_HOME,
analytics off and the scheduler's loop shortened so that scheduled runs appear within seconds.
The tests never set PREFECT_API_URL in their own process: Prefect's test harness, used by the
other flow tests, must keep its ephemeral server. Subprocesses get the URL in their environment.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.flows.smtp_server import free_port

PREFECT = Path(sys.executable).parent / "prefect"


def ctrl_c_works() -> None:
    """``preexec_fn`` for a process a test stops with Ctrl-C (SIGINT): a command started in the
    background by a non-interactive shell (``make test &``) inherits SIGINT ignored, and Python
    then never raises KeyboardInterrupt; the default restored, the child handles Ctrl-C."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def prefect_env(api_url: str, **extra: str) -> dict[str, str]:
    """The environment for a subprocess that talks to the server at ``api_url``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(
        PREFECT_API_URL=api_url,
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        # Runners and workers look for due runs every second instead of every ten.
        PREFECT_RUNNER_POLL_FREQUENCY="1",
        PREFECT_WORKER_QUERY_SECONDS="1",
    )
    env.update(extra)
    return env


def wait_healthy(api_url: str, process: subprocess.Popen[bytes] | None, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"prefect server start exited with {process.returncode}")
        try:
            if httpx.get(f"{api_url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the Prefect server at {api_url} did not become healthy in {seconds}s")


@contextmanager
def prefect_server() -> Iterator[str]:
    given = os.environ.get("AUDITS_TEST_PREFECT_API_URL")
    if given:
        wait_healthy(given, None, 10)
        yield given
        return
    with (
        tempfile.TemporaryDirectory(prefix="audits-prefect-") as home,
        server_in(Path(home), free_port()) as api_url,
    ):
        yield api_url


@contextmanager
def server_in(home: Path, port: int) -> Iterator[str]:
    """``prefect server start`` on ``port`` with its database in ``home`` (an existing one is
    kept: a restarted server finds what was registered before); its API URL once healthy."""
    api_url = f"http://127.0.0.1:{port}/api"
    env = prefect_env(
        api_url,
        PREFECT_HOME=str(home),
        PREFECT_UI_ENABLED="false",
        PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS="2",
    )
    del env["PREFECT_API_URL"]  # the server is not a client of itself
    with (home / "server.log").open("ab") as log:
        server = subprocess.Popen(
            [str(PREFECT), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=ctrl_c_works,
        )
    try:
        wait_healthy(api_url, server, 120)
        yield api_url
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
