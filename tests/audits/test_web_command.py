"""``audits web`` as an operator starts it: the installed script, serving on loopback; its
refusals through ``audits.cli.main`` in this process (with uvicorn kept from starting)."""

from __future__ import annotations

import contextlib
import io
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import uvicorn
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session
from uvicorn.supervisors import Multiprocess

from audits import web_command
from audits.cli import build_parser
from audits.web_command import MAX_WORKERS, default_workers, machine_cores, run_server
from models.db import make_engine, migrate
from models.people import Staff
from tests.audits.cli_support import in_process

AUDITS = Path(sys.executable).parent / "audits"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


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
    monkeypatch.setattr(web_command, "run_server", started)


def _migrated(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'audits.db'}")
    migrate(engine)
    engine.dispose()


def _until_up(port: int, server: subprocess.Popen[str]) -> httpx.Response:
    deadline, page = time.monotonic() + 60, None
    while page is None and time.monotonic() < deadline:
        try:
            page = httpx.get(f"http://127.0.0.1:{port}/sign-in", timeout=2)
        except httpx.TransportError:
            assert server.poll() is None, server.communicate()[1]
            time.sleep(0.2)
    assert page is not None
    return page


def _with_aps_member(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'audits.db'}")
    with Session(engine) as session:
        session.add(Staff(staff_id="APS01", name="Alex Aps", email="a@example.org", role="aps"))
        session.commit()
    engine.dispose()


@pytest.mark.parametrize("workers", ["1", "2"])
def test_audits_web_serves_the_pages_on_the_port_asked(tmp_path: Path, workers: str) -> None:
    """With two workers, each a process of its own, every one of them accepts the session
    signed by the command's key: here read from a key file the command created before the
    workers started (no AUDITS_SECRET_KEY), and each request on a new connection."""
    _migrated(tmp_path)
    _with_aps_member(tmp_path)
    port = _free_port()
    env = _env(tmp_path, AUDITS_DEV_LOGIN="true", AUDITS_SECRET_KEY_FILE=str(tmp_path / "k"))
    env.pop("AUDITS_SECRET_KEY", None)
    server = subprocess.Popen(
        [str(AUDITS), "web", "--host", "127.0.0.1", "--port", str(port), "--workers", workers],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        page = _until_up(port, server)
        assert page.status_code == 200 and "Development sign-in" in page.text
        assert httpx.get(f"{base}/aps/requests").status_code == 303
        token = CSRF.search(page.text)
        assert token is not None
        signed = httpx.post(
            f"{base}/sign-in",
            data={"staff_id": "APS01", "next": "/", "csrf_token": token.group(1)},
            cookies=page.cookies,
        )
        assert signed.status_code == 303
        answers = {httpx.get(f"{base}/aps/requests", cookies=signed.cookies).status_code
                   for _ in range(12)}  # fmt: skip
        assert answers == {200}
    finally:
        server.terminate()
        out, _ = server.communicate(timeout=30)
    plural = "es" if workers != "1" else ""
    assert f"http://127.0.0.1:{port}/ with {workers} worker process{plural}" in out


@pytest.mark.parametrize(
    "value", ["0", "65", "-1", "two", "\u0663", "1_0", "2.0", "", " 2", "9" * 30, "2\n"]
)
def test_audits_web_refuses_a_workers_value_out_of_range_in_one_line(
    tmp_path: Path, value: str
) -> None:
    _migrated(tmp_path)
    result = _refused(tmp_path, ["web", "--workers", value], AUDITS_DEV_LOGIN="true")
    assert result.returncode != 0 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "argument --workers" in lines[0]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=st.text(max_size=12))
def test_the_workers_flag_takes_1_to_64_and_nothing_else(value: str) -> None:
    parser = build_parser()
    argv = ["web", "--workers", value]
    if value.isascii() and value.isdigit() and 1 <= int(value) <= MAX_WORKERS:
        assert parser.parse_args(argv).workers == int(value)
    else:
        with pytest.raises(SystemExit) as stop, contextlib.redirect_stderr(io.StringIO()) as err:
            parser.parse_args(argv)
        assert stop.value.code == 2 and len(err.getvalue().strip().splitlines()) == 1


@pytest.mark.parametrize("value", ["0", "many", "100", "٣"])
def test_a_bad_audits_web_workers_setting_is_one_line_naming_it(tmp_path: Path, value: str) -> None:
    _migrated(tmp_path)
    result = _refused(tmp_path, ["web"], AUDITS_DEV_LOGIN="true", AUDITS_WEB_WORKERS=value)
    assert result.returncode != 0 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "AUDITS_WEB_WORKERS" in lines[0]


def test_the_workers_default_to_the_setting_else_the_cores() -> None:
    assert default_workers({}) == min(machine_cores(), MAX_WORKERS) >= 1
    assert default_workers({"AUDITS_WEB_WORKERS": ""}) == default_workers({})
    assert default_workers({"AUDITS_WEB_WORKERS": "3"}) == 3
    assert default_workers({"AUDITS_WEB_WORKERS": " 5 "}) == 5


def test_the_flag_wins_over_the_setting_and_reaches_the_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _migrated(tmp_path)
    started: list[tuple[int, dict[str, object]]] = []
    monkeypatch.setattr(web_command, "run_server", lambda n, options: started.append((n, options)))
    env = {"AUDITS_DEV_LOGIN": "true", "AUDITS_WEB_WORKERS": "3"}
    assert _refused(tmp_path, ["web", "--workers", "5"], **env).returncode == 0
    assert _refused(tmp_path, ["web"], **env).returncode == 0
    assert [n for n, _ in started] == [5, 3]
    assert started[0][1]["factory"] is True and started[0][1]["proxy_headers"] is False


def test_several_workers_share_a_socket_marked_tcp(monkeypatch: pytest.MonkeyPatch) -> None:
    """uvicorn's own bound socket says protocol 0, and asyncio then leaves TCP_NODELAY off on
    every connection (uvicorn issue #3149): the workers get it marked as TCP."""
    handed: list[socket.socket] = []

    def supervise(self: Multiprocess) -> None:
        handed.extend(self.sockets)

    monkeypatch.setattr(Multiprocess, "run", supervise)
    run_server(2, {"host": "127.0.0.1", "port": _free_port(), "factory": True})
    assert [(s.family, s.type, s.proto) for s in handed] == [
        (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    ]
    for sock in handed:
        sock.close()


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
