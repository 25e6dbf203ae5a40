"""One real ``prefect server start`` for the whole test session, and ways to talk to it."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from prefect import get_client
from prefect.client.orchestration import SyncPrefectClient
from prefect.settings import PREFECT_API_URL, temporary_settings

from tests.prefect_server import PREFECT, ctrl_c_works, prefect_env, prefect_server

REPO = Path(__file__).resolve().parents[2]
T = TypeVar("T")


@pytest.fixture(scope="session")
def prefect_api() -> Iterator[str]:
    with prefect_server() as api_url:
        yield api_url


@pytest.fixture
def client(prefect_api: str) -> Iterator[SyncPrefectClient]:
    """A client of the real server (only this test's settings point at it)."""
    with (
        temporary_settings({PREFECT_API_URL: prefect_api}),
        get_client(sync_client=True) as prefect_client,
    ):
        yield prefect_client


def prefect_cli(api_url: str, *args: str, **env: str) -> str:
    """Run the ``prefect`` command against the server, in the project folder; its output."""
    result = subprocess.run(
        [str(PREFECT), "--no-prompt", *args],
        env=prefect_env(api_url, **env),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def wait_for(what: str, probe: Callable[[], T | None], seconds: float = 90) -> T:
    """Poll ``probe`` until it returns something truthy; fail naming ``what`` after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(f"timed out after {seconds}s waiting for {what}")


def python_module(module: str, api_url: str, log: Path, **env: str) -> subprocess.Popen[Any]:
    """Start ``python -m module`` against the server, its output going to ``log``."""
    return subprocess.Popen(
        [sys.executable, "-m", module],
        env=prefect_env(api_url, **env),
        cwd=REPO,
        preexec_fn=ctrl_c_works,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
