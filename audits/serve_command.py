"""``audits serve``: the whole programme on one machine, from one command.

Three processes, started in this order and stopped in the reverse one: a local Prefect server
(unless ``--prefect-api`` names one already running), the web app (``audits web``) and the
deployments runner (``python -m deployments.serve``). Each is a subprocess in a process group
of its own, so a Ctrl-C in the terminal reaches only this process, which then stops the runner
first (it finishes its shutdown against a live server without pausing the schedules), then the
web app, then the server. Their output goes to log files in PREFECT_HOME, not the terminal.
The children run in the folder the command was typed in, so the default data folder (``./var``)
is the same for them as for the command; relative paths set in the settings are also made
absolute for them.

Prefect is not imported here: the children import it, and the other commands stay fast.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from audits import common
from audits.arg_types import port
from config.settings import SettingsError

PREFECT = Path(sys.executable).parent / "prefect"
#: Seconds to wait for each child to stop after SIGINT before killing its process group.
STOP_SECONDS = {"the deployments runner": 30.0, "the web app": 10.0, "the Prefect server": 20.0}
#: How often the deployments runner asks the server for runs that are due (see runner_env).
RUNNER_POLL_SECONDS = "2"
#: Settings holding paths, made absolute for the children (besides a SQLite database's).
PATH_SETTINGS = (
    "AUDITS_DATA_DIR",
    "AUDITS_OUTBOX_DIR",
    "AUDITS_IMPORT_DIR",
    "AUDITS_PROGRAMME",
    "AUDITS_SECRET_KEY_FILE",
)
#: The line of a child's log that says why it stopped: its one-line error, or an exception's.
REASON = re.compile(r"audits: error: |ERROR: |[A-Za-z_][\w.]*(Error|Exception|Exit)\b")


class Stopped(Exception):
    """Ctrl-C (or SIGTERM, SIGHUP) arrived: stop what is running, exit 0."""


class StopRequest:
    """The signal handler: it only records the request, which the polling loops act on (a
    handler that raised could interrupt a ``Popen`` half-way and lose track of a child)."""

    def __init__(self) -> None:
        self.requested = False

    def __call__(self, *_: object) -> None:
        self.requested = True


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]
    log: Path


def add_parser(sub: Any) -> None:
    serve = sub.add_parser(
        "serve",
        help="run the whole programme here: a Prefect server, the deployments and the web pages",
        description="Run everything on this machine until Ctrl-C: a local Prefect server (its "
        "SQLite database and the logs in PREFECT_HOME, default ./var/prefect), the deployments "
        "on their schedules and triggers, and the web pages. Stopping leaves the schedules on: "
        "runs that fall due meanwhile wait as Late. Needs an initialised database (`audits "
        "init`) and sign-in configured as for `audits web`.",
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    serve.add_argument(
        "--prefect-port", type=port, default=4200, help="the Prefect server's port (default 4200)"
    )
    serve.add_argument(
        "--web-port", type=port, default=8000, help="the web pages' port (default 8000)"
    )
    serve.add_argument(
        "--prefect-api",
        metavar="URL",
        help="use the Prefect server already running at this API URL (e.g. "
        "http://prefect.internal:4200/api) instead of starting one",
    )


def cmd_serve(args: argparse.Namespace) -> int:
    try:
        engine = common.ready_engine()  # before anything starts: a missing `audits init`
    except SettingsError as error:
        raise common.CommandError(str(error)) from None
    if not args.prefect_api:
        _check_port_free(args.host, args.prefect_port, "--prefect-port, or --prefect-api URL")
    _check_port_free(args.host, args.web_port, "--web-port")
    home = Path(os.environ.get("PREFECT_HOME") or "var/prefect").expanduser().resolve()
    home.mkdir(parents=True, exist_ok=True)
    env = _child_env(home, engine.url.database if engine.dialect.name == "sqlite" else None)
    stop = StopRequest()
    # SIGINT even when inherited as ignored (`audits serve &` in a script): the children then
    # get the default. SIGHUP (the terminal closed) unless started under nohup.
    previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    if previous[signal.SIGHUP] == signal.SIG_IGN:
        del previous[signal.SIGHUP]
    for number in previous:
        signal.signal(number, stop)
    children: list[Child] = []
    try:
        _start_all(args, home, env, children, stop)
        # Until Ctrl-C, or until a child stops on its own (an error naming it and its log).
        _wait("Ctrl-C", lambda: False, children, stop, float("inf"))
    except Stopped:
        pass  # exit 0
    finally:
        for number in previous:
            signal.signal(number, signal.SIG_IGN)  # a second Ctrl-C must not cut the shutdown
        _stop_all(children)
        for number, handler in previous.items():
            signal.signal(number, handler if handler is not None else signal.SIG_DFL)
    return 0


def _start_all(
    args: argparse.Namespace,
    home: Path,
    env: dict[str, str],
    children: list[Child],
    stop: StopRequest,
) -> None:
    """Start the three in turn, each only once the one before answers, then say where they
    are. The web app comes before the runner: it refuses to start without sign-in configured,
    and then nothing has been registered on the server yet."""
    host = _loopback(args.host)
    api = (args.prefect_api or "").rstrip("/") or f"http://{host}:{args.prefect_port}/api"
    if args.prefect_api:
        _wait(f"a Prefect server at {api}", lambda: _answers(f"{api}/health", 200), [], stop, 10)
    else:
        server_env = {k: v for k, v in env.items() if k != "PREFECT_API_URL"}
        server = ["server", "start", "--host", args.host, "--port", str(args.prefect_port)]
        children.append(_start("the Prefect server", [str(PREFECT), *server], server_env, home))
        _wait("the Prefect server", lambda: _answers(f"{api}/health", 200), children, stop, 120)
    env = {**env, "PREFECT_API_URL": api}
    web = f"http://{host}:{args.web_port}"
    web_argv = ["-m", "audits.cli", "web", "--host", args.host, "--port", str(args.web_port)]
    children.append(_start("the web app", [sys.executable, *web_argv], env, home))
    _wait("the web app", lambda: _answers(f"{web}/sign-in"), children, stop, 60)
    before = _deployment_stamps(api)
    runner = [sys.executable, "-m", "deployments.serve"]
    children.append(_start("the deployments runner", runner, runner_env(env), home))
    _wait("the deployments runner", lambda: _registered(api, before), children, stop, 120)
    _print_where(api, web, children)


def _check_port_free(host: str, port: int, option: str) -> None:
    """Say in one line that a port is taken, before starting anything (Prefect's own message
    would be in a log file, after a wait)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise common.CommandError(
                f"port {port} on {host} is not free ({error.strerror}): "
                f"choose another with {option}"
            ) from None


def _child_env(home: Path, sqlite_file: str | None) -> dict[str, str]:
    """This process's environment (the AUDITS_* settings, sign-in) for the children, with
    PREFECT_HOME set for all three and relative paths made absolute (see PATH_SETTINGS)."""
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update(PREFECT_HOME=str(home), PREFECT_SERVER_ANALYTICS_ENABLED="false")
    if sqlite_file and not Path(sqlite_file).is_absolute():
        env["AUDITS_DATABASE_URL"] = f"sqlite:///{Path(sqlite_file).resolve()}"
    for name in PATH_SETTINGS:
        if env.get(name, "").strip():
            env[name] = str(Path(env[name]).expanduser().resolve())
    return env


def runner_env(env: dict[str, str]) -> dict[str, str]:
    """The deployments runner's environment (``benchmarks/events.py`` starts its floor's runner
    with the same). It looks for due runs every 2 s rather than Prefect's 10 (unless the
    operator set ``PREFECT_RUNNER_POLL_FREQUENCY``): a triggered run (a re-audit to schedule, the
    emails a command could not send) waited 5 s on average for the poll; now 1 s, for a small
    query to the local server every 2 s."""
    return {"PREFECT_RUNNER_POLL_FREQUENCY": RUNNER_POLL_SECONDS, **env}


def _start(name: str, argv: list[str], env: dict[str, str], home: Path) -> Child:
    if not Path(argv[0]).exists():  # `prefect` beside this Python
        raise common.CommandError(f"cannot start {name}: {argv[0]} is not installed")
    log = home / f"{name.removeprefix('the ').replace(' ', '-').lower()}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            argv,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            process_group=0,  # Ctrl-C in the terminal reaches only this process
        )
    return Child(name, process, log)


def _wait(
    what: str, ready: Callable[[], bool], children: list[Child], stop: StopRequest, seconds: float
) -> None:
    """Poll ``ready`` every half second; give up on Ctrl-C, when a child stops or after
    ``seconds`` (pointing at the log of the child started last)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if stop.requested:
            raise Stopped
        _raise_if_one_stopped(children)
        if ready():
            return
        time.sleep(0.5)
    where = f": see {_shown(children[-1].log)}" if children else ""
    raise common.CommandError(f"{what} was not ready within {seconds:.0f}s{where}")


def _raise_if_one_stopped(children: list[Child]) -> None:
    for child in children:
        code = child.process.poll()
        if code is not None:
            how = f"killed by {signal.Signals(-code).name}" if code < 0 else f"exit code {code}"
            lines = child.log.read_text(errors="replace").splitlines()
            said = [f": {line.strip()[:300]}" for line in lines if REASON.match(line)] or [""]
            raise common.CommandError(
                f"{child.name} stopped ({how}){said[-1]} (log: {_shown(child.log)})"
            )


def _stop_all(children: list[Child]) -> None:
    """SIGINT to each child in the reverse order of starting, waiting for it; a child that
    does not stop in time is killed with its process group (e.g. the runner's flow runs)."""
    if any(child.process.poll() is None for child in children):
        print("Stopping...", flush=True)
    for child in reversed(children):
        if child.process.poll() is None:
            child.process.send_signal(signal.SIGINT)
        try:
            child.process.wait(STOP_SECONDS[child.name])
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.process.pid, signal.SIGKILL)
            child.process.wait()


def _answers(url: str, status: int | None = None) -> bool:
    """Whether ``url`` answers HTTP (with ``status`` when one is given)."""
    try:
        with urllib.request.urlopen(_request(url), timeout=2) as response:
            code = response.status
    except urllib.error.HTTPError as error:
        code = error.code
    except (OSError, ValueError):
        return False
    return status is None or code == status


def _request(url: str, body: Any = None) -> urllib.request.Request:
    """A request to ``url`` carrying Prefect's basic auth (PREFECT_API_AUTH_STRING) if set."""
    headers = {"Content-Type": "application/json"}
    if auth := os.environ.get("PREFECT_API_AUTH_STRING"):
        headers["Authorization"] = "Basic " + base64.b64encode(auth.encode()).decode()
    data = None if body is None else json.dumps(body).encode()
    return urllib.request.Request(url, data=data, headers=headers)


def _names() -> list[str]:
    from deployments.specs import DEPLOYMENTS  # not at import: it loads the schedule rules

    return [spec.name for spec in DEPLOYMENTS]


def _deployment_stamps(api: str) -> set[tuple[str, str]]:
    """(name, updated) of the programme's deployments on the server. Compared before and after
    the runner starts, so deployments left by an earlier run do not count, whatever the clocks."""
    query = {"deployments": {"name": {"any_": _names()}}}
    try:
        with urllib.request.urlopen(_request(f"{api}/deployments/filter", query), timeout=10) as r:
            return {(d["name"], d["updated"]) for d in json.load(r)}
    except (OSError, ValueError) as error:
        raise common.CommandError(f"cannot list the deployments at {api}: {error}") from None


def _registered(api: str, before: set[tuple[str, str]]) -> bool:
    """Whether the runner has registered (or updated) every deployment since ``before``."""
    try:
        fresh = {name for name, _ in _deployment_stamps(api) - before}
    except common.CommandError:
        return False  # asked again in half a second
    return fresh >= set(_names())


def _print_where(api: str, web: str, children: list[Child]) -> None:
    if api.endswith("/api"):
        print(f"Prefect UI: {api.removesuffix('/api')}")
    print(f"Prefect API: {api}")
    print(f"Web pages: {web}")
    print(f"Deployments: {', '.join(_names())}")
    print(f"Logs: {', '.join(str(_shown(child.log)) for child in children)}")
    print("Press Ctrl-C to stop (the schedules stay on)", flush=True)


def _loopback(host: str) -> str:
    """The address to reach a server listening on ``host`` from this machine."""
    return {"0.0.0.0": "127.0.0.1", "::": "[::1]"}.get(host, f"[{host}]" if ":" in host else host)


def _shown(path: Path) -> Path:
    """``path`` relative to the current folder when it is inside it, for shorter lines."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path
