"""``audits serve`` as an operator starts it: the installed command on free loopback ports,
starting a real Prefect server, the web app and the deployments runner, then Ctrl-C.

A Prefect server start costs 15-30 s, so the full run is one test: it serves, checks what
answers, stops, restarts only a Prefect server on the same PREFECT_HOME to see that the
schedules are still on, and uses that server as a shared one (``--prefect-api``) while it is up.
Refusals that come before anything starts run through ``audits.cli.main`` in this process.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from deployments.specs import DEPLOYMENTS, by_name
from models.db import make_engine, migrate
from tests.audits.cli_support import AUDITS, REPO, in_process
from tests.flows.council import allocated_database
from tests.flows.smtp_server import free_port
from tests.prefect_server import ctrl_c_works, server_in

NAMES = [spec.name for spec in DEPLOYMENTS]
TRIGGERS = {trigger.name for spec in DEPLOYMENTS for trigger in spec.triggers}


def _env(db: Path, home: Path, **extra: str) -> dict[str, str]:
    """The operator's environment: none of the test session's Prefect settings, development
    sign-in, a PREFECT_HOME of the test's own."""
    drop = ("PREFECT_", "AUDITS_DEV")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env.update(
        AUDITS_DATABASE_URL=f"sqlite:///{db}",
        AUDITS_PROGRAMME=str(REPO / "config" / "programme.toml"),
        AUDITS_OUTBOX_DIR=str(db.parent / "outbox"),
        AUDITS_DEV_LOGIN="true",
        PREFECT_HOME=str(home),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
    )
    env.update(extra)
    return {k: v for k, v in env.items() if v}  # "" unsets, e.g. AUDITS_DEV_LOGIN=""


def _serve(db: Path, home: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(AUDITS), "serve", *args],
        env=_env(db, home, **extra),
        cwd=db.parent,
        capture_output=True,
        text=True,
        timeout=180,
    )


def _refused(
    db: Path, home: Path, monkeypatch: pytest.MonkeyPatch, *args: str
) -> subprocess.CompletedProcess[str]:
    """``audits serve`` in this process, which must refuse before it starts any child (one
    started fails the test instead of serving until Ctrl-C)."""

    def started(*_: object, **__: object) -> None:
        raise AssertionError("audits serve started a child process")

    monkeypatch.setattr(subprocess, "Popen", started)
    env: dict[str, str | None] = {
        k: None for k in os.environ if k.startswith(("PREFECT_", "AUDITS_DEV"))
    }
    env.update(_env(db, home))
    return in_process(["serve", *args], env, db.parent)


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _wait_for_banner(serve: subprocess.Popen[str], out: Path, err: Path) -> dict[str, str]:
    """The ``Name: value`` lines ``audits serve`` prints once everything answers."""
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        text = out.read_text()
        if "Press Ctrl-C to stop" in text:
            return dict(line.split(": ", 1) for line in text.splitlines() if ": " in line)
        assert serve.poll() is None, f"audits serve exited: {err.read_text()}"
        time.sleep(0.5)
    raise AssertionError(f"no URLs printed in 180s: {out.read_text()} {err.read_text()}")


def _deployments(api: str) -> dict[str, Any]:
    query = {"deployments": {"name": {"any_": NAMES}}}
    found = httpx.post(f"{api}/deployments/filter", json=query, timeout=10).raise_for_status()
    return {d["name"]: d for d in found.json()}


def _assert_schedules_on(api: str) -> None:
    deployments = _deployments(api)
    assert sorted(deployments) == sorted(NAMES)
    for name, deployment in deployments.items():
        assert not deployment["paused"], name
        active = [schedule["active"] for schedule in deployment["schedules"]]
        assert active == ([True] if by_name(name).cron else []), name


def _wait_for_triggers(api: str) -> None:
    """The runner creates each deployment's trigger (an automation) just after the deployment."""
    deadline, names = time.monotonic() + 30, set[str]()
    while not names >= TRIGGERS and time.monotonic() < deadline:
        time.sleep(0.5)
        automations = httpx.post(f"{api}/automations/filter", json={}, timeout=10).json()
        names = {automation["name"] for automation in automations if automation["enabled"]}
    assert names >= TRIGGERS


def test_serve_runs_everything_and_ctrl_c_leaves_the_schedules_on(tmp_path: Path) -> None:
    db = allocated_database(tmp_path)
    home, out, err = tmp_path / "prefect-home", tmp_path / "serve.out", tmp_path / "serve.err"
    prefect_port, web_port = free_port(), free_port()
    ports = ("--prefect-port", str(prefect_port), "--web-port", str(web_port))
    with out.open("w") as stdout, err.open("w") as stderr:
        serve = subprocess.Popen(
            [str(AUDITS), "serve", "--host", "127.0.0.1", *ports],
            env=_env(db, home),
            cwd=tmp_path,
            preexec_fn=ctrl_c_works,
            stdout=stdout,
            stderr=stderr,
            text=True,
        )
    try:
        where = _wait_for_banner(serve, out, err)
        api, web = where["Prefect API"], where["Web pages"]
        assert api == f"http://127.0.0.1:{prefect_port}/api"
        assert where["Prefect UI"] == f"http://127.0.0.1:{prefect_port}"
        assert web == f"http://127.0.0.1:{web_port}"
        assert where["Deployments"].split(", ") == NAMES
        assert httpx.get(f"{api}/health", timeout=10).status_code == 200
        page = httpx.get(f"{web}/sign-in", timeout=10)
        assert page.status_code == 200 and "Development sign-in" in page.text
        _assert_schedules_on(api)
        _wait_for_triggers(api)
        logs = where["Logs"].split(", ")
        assert len(logs) == 3 and all((tmp_path / log).is_file() for log in logs)
        assert all(Path(log).parent == Path("prefect-home") for log in logs)
    finally:
        serve.send_signal(signal.SIGINT)
        try:
            code = serve.wait(60)
        except subprocess.TimeoutExpired:
            serve.kill()
            raise
    assert code == 0, err.read_text()
    assert err.read_text() == ""
    assert _port_free(prefect_port) and _port_free(web_port)

    with server_in(home, prefect_port) as api:
        _assert_schedules_on(api)  # Ctrl-C paused nothing
        _shared_server_with_the_web_app_refusing(db, tmp_path / "shared-home", api)


def _shared_server_with_the_web_app_refusing(db: Path, home: Path, api: str) -> None:
    """``--prefect-api``: no server of its own; the web app refusing to start without sign-in
    stops everything, in one line naming it, before the runner registers anything."""
    before = {name: d["updated"] for name, d in _deployments(api).items()}
    result = _serve(
        db, home, "--prefect-api", api, "--web-port", str(free_port()), AUDITS_DEV_LOGIN=""
    )
    assert result.returncode != 0
    [line] = result.stderr.strip().splitlines()
    assert "the web app stopped" in line and "AUDITS_DEV_LOGIN" in line
    assert str(Path("shared-home") / "web-app.log") in line
    assert sorted(p.name for p in home.iterdir()) == ["web-app.log"]  # no server, no runner
    assert {name: d["updated"] for name, d in _deployments(api).items()} == before


def test_serve_on_an_uninitialised_database_starts_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "prefect-home"
    result = _refused(tmp_path / "audits.db", home, monkeypatch)
    assert result.returncode != 0 and result.stdout == ""
    [line] = result.stderr.strip().splitlines()
    assert "audits init" in line
    assert not home.exists() and not (tmp_path / "audits.db").exists()


def test_serve_says_in_one_line_that_a_port_is_taken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'audits.db'}")
    migrate(engine)
    engine.dispose()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        home = tmp_path / "home"
        result = _refused(tmp_path / "audits.db", home, monkeypatch, "--prefect-port", str(port))
    assert result.returncode != 0
    [line] = result.stderr.strip().splitlines()
    assert f"port {port} on 127.0.0.1 is not free" in line and "--prefect-port" in line
    assert not (tmp_path / "home").exists()


def test_serve_says_when_the_shared_prefect_server_does_not_answer(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'audits.db'}")
    migrate(engine)
    engine.dispose()
    api = f"http://127.0.0.1:{free_port()}/api"
    result = _serve(tmp_path / "audits.db", tmp_path / "home", "--prefect-api", api)
    assert result.returncode != 0
    [line] = result.stderr.strip().splitlines()
    assert f"a Prefect server at {api} was not ready within" in line


def test_serve_help_describes_the_flags(tmp_path: Path) -> None:
    result = in_process(["serve", "--help"], {}, tmp_path)
    assert result.returncode == 0
    for flag in ("--host", "--prefect-port", "--web-port", "--prefect-api", "PREFECT_HOME"):
        assert flag in result.stdout
