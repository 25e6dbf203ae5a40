"""``audits web`` as an operator starts it: the installed script, serving on loopback; its
refusals through ``audits.cli.main`` in this process (with uvicorn kept from starting)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import uvicorn

from models.db import make_engine, migrate
from tests.audits.cli_support import in_process

AUDITS = Path(sys.executable).parent / "audits"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUDITS_DEV")}
    env.update(AUDITS_DATABASE_URL=f"sqlite:///{tmp_path / 'audits.db'}", **extra)
    return env


def _refused(tmp_path: Path, argv: list[str], **extra: str) -> subprocess.CompletedProcess[str]:
    """``audits web`` in this process, with the test's environment as :func:`_env` gives it;
    the command must refuse before it serves."""
    env: dict[str, str | None] = {k: None for k in os.environ if k.startswith("AUDITS_DEV")}
    env.update(AUDITS_DATABASE_URL=f"sqlite:///{tmp_path / 'audits.db'}", **extra)
    return in_process(argv, env, tmp_path)


@pytest.fixture(autouse=True)
def never_serve(monkeypatch: pytest.MonkeyPatch) -> None:
    """A command that should have refused fails the test instead of serving until killed."""

    def started(*args: object, **kwargs: object) -> None:
        raise AssertionError("audits web started serving")

    monkeypatch.setattr(uvicorn, "run", started)


def _migrated(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'audits.db'}")
    migrate(engine)
    engine.dispose()


def test_audits_web_serves_the_pages_on_the_port_asked(tmp_path: Path) -> None:
    _migrated(tmp_path)
    port = _free_port()
    server = subprocess.Popen(
        [str(AUDITS), "web", "--host", "127.0.0.1", "--port", str(port)],
        env=_env(tmp_path, AUDITS_DEV_LOGIN="true"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline, page = time.monotonic() + 60, None
        while page is None and time.monotonic() < deadline:
            try:
                page = httpx.get(f"http://127.0.0.1:{port}/sign-in", timeout=2)
            except httpx.TransportError:
                assert server.poll() is None, server.communicate()[1]
                time.sleep(0.2)
        assert page is not None and page.status_code == 200
        assert "Development sign-in" in page.text
        assert httpx.get(f"http://127.0.0.1:{port}/aps/requests").status_code == 303
    finally:
        server.terminate()
        out, _ = server.communicate(timeout=30)
    assert f"http://127.0.0.1:{port}/" in out


def test_audits_web_without_sign_in_configured_says_what_to_set(tmp_path: Path) -> None:
    _migrated(tmp_path)
    result = _refused(tmp_path, ["web", "--port", str(_free_port())])
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "AUDITS_AUTH_HEADER" in lines[0] and "AUDITS_DEV_LOGIN" in lines[0]


def test_audits_web_refuses_a_placeholder_secret(tmp_path: Path) -> None:
    _migrated(tmp_path)
    result = _refused(
        tmp_path,
        ["web", "--port", str(_free_port())],
        AUDITS_DEV_LOGIN="true",
        AUDITS_SECRET_KEY="changethis",
    )
    assert result.returncode != 0
    assert "AUDITS_SECRET_KEY" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_audits_web_on_an_uninitialised_database_says_run_init(tmp_path: Path) -> None:
    result = _refused(tmp_path, ["web"], AUDITS_DEV_LOGIN="true")
    assert result.returncode != 0 and "audits init" in result.stderr
