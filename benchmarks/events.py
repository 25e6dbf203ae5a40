"""Benchmark: how soon the APS team's email arrives after an extension request, under ``audits
serve`` with a real Prefect server, against the server's own event-to-flow-run latency.

Everything runs on this machine, as an operator runs it: a synthetic council imported and
November 2026 allocated (through the real import and ``allocate_cycle``), ``audits serve`` (a
local Prefect server, the web app with development sign-in, the deployments runner) and a
loopback SMTP server (aiosmtpd, in a process of its own) that notes when each message arrives,
by its Message-ID. Then, one after another and spaced out (each waits for its emails, then
``GAP_S``):

- system, CLI: ``audits extension request AUDIT ... --json`` as the audit's auditor would type it
  with ``PREFECT_API_URL`` set (a subprocess, the installed command);
- system, web: the same request through the web page (httpx, signed in as the auditor through
  development sign-in, the form's CSRF token read from the page, the form posted);
- floor: a custom event (``audits-bench.ping``) emitted from this process, whose trigger starts
  a run of an empty flow served by a runner started as ``audits serve`` starts its own (the
  same environment); the empty flow notes the time it starts.

A request's latency runs from its commit to the arrival of the last of its APS emails (one per
APS member): the commit is the request row's ``created_at`` (set as the transaction writes the
row, a few milliseconds before the commit, so if anything it is counted a little long), the
arrival the SMTP server's clock as the message's DATA ends. The floor's latency runs from just
before ``emit_event`` to the empty flow's first line. It prints p50 and p95 of each, and
``ratio <p95 system / p95 floor>``; target <= 1.5. For each request it also reads, from the
Prefect API, when the triggered ``on-request`` run was created, started and ended, to show
where the time goes.

Run: ``.venv/bin/python benchmarks/events.py`` (50 + 50 requests, 50 pings; about 10 minutes).
``--quick`` makes 5 + 5 requests and 5 pings (a test runs it: about a minute or two);
``--requests N`` and ``--pings N`` set the counts.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from prefect import flow

REPO = Path(__file__).resolve().parents[1]
AUDITS = Path(sys.executable).parent / "audits"
MONTH, IMPORTED_ON, ASKED_ON, UNTIL = "2026-11", date(2026, 10, 20), "2026-11-16", "2026-12-04"
CASES, TEAMS_PER_AREA, MANAGERS_PER_TEAM, PER_AUDITOR = 1_500, 2, 4, 12
REQUESTS, PINGS, GAP_S = 50, 50, 1.0
QUICK = {"REQUESTS": 5, "PINGS": 5}
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PING = "audits-bench.ping"
TARGET = 1.5
WAIT_S = 180.0  # for one request's emails or one ping's run, before giving up


# The empty flow of the floor, and the runner that serves it


@flow(name="events-floor-empty")
def empty_flow(n: int, marks: str) -> None:
    """Note when it started (the floor's end); nothing else."""
    started = time.time()
    draft = Path(marks, f"{n}.draft")
    draft.write_text(repr(started))
    draft.rename(draft.with_suffix(".start"))  # whole, or not there yet, for the reader


def serve_floor(marks: Path) -> None:
    """Serve the empty flow with a trigger on ``PING``, as ``deployments.serve`` serves the
    programme's (same process model, same environment)."""
    from prefect import serve
    from prefect.events import DeploymentEventTrigger

    trigger = DeploymentEventTrigger(
        name="events-floor-ping",
        expect={PING},
        match={"prefect.resource.id": "audits-bench.*"},
        parameters={"n": "{{ event.payload.n }}", "marks": str(marks)},
    )
    deployment: Any = empty_flow.to_deployment(name="events-floor", triggers=[trigger])
    serve(deployment, pause_on_shutdown=False)


# The loopback SMTP server, in a process of its own


class ArrivalLog:
    """Accepts every message and appends ``<Message-ID>\\t<time.time()>`` to a file."""

    def __init__(self, path: str) -> None:
        self.path = path

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        arrived = time.time()
        from email.parser import BytesHeaderParser
        from email.policy import default

        headers = BytesHeaderParser(policy=default).parsebytes(envelope.content)
        with open(self.path, "a") as log:
            log.write(f"{str(headers['Message-ID']).strip()}\t{arrived!r}\n")
        return "250 OK"


def serve_smtp(port: int, path: str, ready: Any, stop: Any) -> None:
    from aiosmtpd.controller import Controller

    controller = Controller(ArrivalLog(path), hostname="127.0.0.1", port=port, ready_timeout=10)
    controller.start()
    ready.set()
    stop.wait()
    controller.stop()


def arrivals(path: Path) -> dict[str, float]:
    if not path.exists():
        return {}
    lines = (line.split("\t") for line in path.read_text().splitlines() if "\t" in line)
    return {message_id: float(at) for message_id, at in lines}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# The council


def build(folder: Path) -> Path:
    """The council imported and November allocated; the demo's date file says 16 Nov, so the
    web pages (development sign-in) ask on the same day as the CLI's ``--on``."""
    import dataclasses

    from config.clock import DEMO_TODAY_SUFFIX
    from config.settings import load_policy
    from demo.synthetic import CASE_COLUMNS, STAFF_COLUMNS, make_council, write_csv
    from flows.allocate import allocate_cycle
    from importer import import_cases, import_staff
    from models.db import make_engine, migrate, session_scope

    db = folder / "audits.db"
    engine = make_engine(f"sqlite:///{db}")
    migrate(engine)
    council = make_council(
        11, IMPORTED_ON, cases=CASES, teams_per_area=TEAMS_PER_AREA,
        managers_per_team=MANAGERS_PER_TEAM,
    )  # fmt: skip
    staff_csv = write_csv(folder / "staff.csv", STAFF_COLUMNS, council.staff)
    cases_csv = write_csv(folder / "cases.csv", CASE_COLUMNS, council.cases)
    with session_scope(engine) as session:
        import_staff(session, staff_csv, IMPORTED_ON)
    with session_scope(engine) as session:
        import_cases(session, cases_csv, IMPORTED_ON)
    base = load_policy()
    policy = dataclasses.replace(
        base, allocation=dataclasses.replace(base.allocation, audits_per_auditor=PER_AUDITOR)
    )
    with session_scope(engine, write_lock=True) as session:
        allocate_cycle(session, policy, MONTH, "all")
    engine.dispose()
    Path(f"{db}{DEMO_TODAY_SUFFIX}").write_text(ASKED_ON + "\n")
    return db


def audits_to_ask(db: Path, count: int) -> list[tuple[int, str]]:
    """``count`` allocated audits (id, auditor), spread over the auditors."""
    from sqlalchemy import text

    from models.db import make_engine

    engine = make_engine(f"sqlite:///{db}")
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT id, auditor_id FROM audit WHERE cycle = :m AND status = 'allocated' "
                "ORDER BY auditor_id, id"
            ),
            {"m": MONTH},
        ).all()
    engine.dispose()
    by_auditor: dict[str, list[int]] = {}
    for audit_id, auditor in rows:
        by_auditor.setdefault(auditor, []).append(audit_id)
    spread = [
        (ids[k], auditor) for k in range(PER_AUDITOR) for auditor, ids in by_auditor.items()
        if k < len(ids)
    ]  # fmt: skip
    if len(spread) < count:
        raise SystemExit(f"only {len(spread)} audits allocated; {count} are needed")
    return spread[:count]


def app_env(db: Path, home: Path, smtp_port: int) -> dict[str, str]:
    """An operator's environment for ``audits serve`` and the commands."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AUDITS_", "PREFECT_API_URL", "PREFECT_HOME", "PREFECT_PROFILE"))
    }
    env.update(
        AUDITS_DATABASE_URL=f"sqlite:///{db}",
        AUDITS_PROGRAMME=str(REPO / "config" / "programme.toml"),
        AUDITS_EMAIL_TRANSPORT="smtp",
        AUDITS_SMTP_HOST="127.0.0.1",
        AUDITS_SMTP_PORT=str(smtp_port),
        AUDITS_SMTP_SECURITY="none",
        AUDITS_EMAIL_FROM="audits@council.example",
        AUDITS_DEV_LOGIN="true",
        AUDITS_SECRET_KEY=secrets.token_urlsafe(48),
        PREFECT_HOME=str(home),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
    )
    return env


# Running audits serve


@dataclass
class Serving:
    process: subprocess.Popen[bytes]
    api: str
    web: str
    out: Path


def start_serve(db: Path, env: dict[str, str]) -> Serving:
    prefect_port, web_port = free_port(), free_port()
    out = db.parent / "serve.out"
    with out.open("wb") as output:
        process = subprocess.Popen(
            [str(AUDITS), "serve", "--prefect-port", str(prefect_port)]
            + ["--web-port", str(web_port)],
            env=env,
            cwd=db.parent,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 300
    while "Press Ctrl-C to stop" not in out.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"audits serve did not start:\n{out.read_text()[-3000:]}")
        time.sleep(0.5)
    return Serving(
        process, f"http://127.0.0.1:{prefect_port}/api", f"http://127.0.0.1:{web_port}", out
    )


def stop(process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
    try:
        process.wait(seconds)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def wait_for_automation(api: str, name: str) -> None:
    import httpx

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        found = httpx.post(f"{api}/automations/filter", json={}, timeout=10).json()
        if any(a["name"] == name for a in found):
            return
        time.sleep(0.5)
    raise SystemExit(f"the trigger {name} was not registered within 120 s")


# The measurements


def request_by_cli(env: dict[str, str], db: Path, audit_id: int, auditor: str) -> int:
    import json

    finished = subprocess.run(
        [str(AUDITS), "extension", "request", str(audit_id), "--until", UNTIL]
        + ["--reason", "waiting for the case file", "--by", auditor, "--on", ASKED_ON, "--json"],
        env=env,
        cwd=db.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if finished.returncode != 0:
        raise SystemExit(f"audits extension request failed: {finished.stderr[-2000:]}")
    if finished.stderr.strip():
        print(f"  (the command said: {finished.stderr.strip()[-300:]})", flush=True)
    return int(json.loads(finished.stdout)["request_id"])


def request_by_web(web: str, db: Path, audit_id: int, auditor: str) -> int:
    import httpx

    with httpx.Client(base_url=web, follow_redirects=False, timeout=60) as client:
        token = CSRF.search(client.get("/sign-in").text)
        assert token is not None, "the sign-in page has no CSRF token"
        signed = client.post(
            "/sign-in", data={"staff_id": auditor, "next": "/", "csrf_token": token.group(1)}
        )
        if signed.status_code != 303:
            raise SystemExit(f"could not sign in as {auditor}: {signed.status_code}")
        form = client.get(f"/audits/{audit_id}/extension")
        token = CSRF.search(form.text)
        assert token is not None, f"the extension form has no CSRF token: {form.status_code}"
        day, month, year = (str(int(part)) for part in reversed(UNTIL.split("-")))
        posted = client.post(
            f"/audits/{audit_id}/extension",
            data={
                "until-day": day, "until-month": month, "until-year": year,
                "reason": "waiting for the case file", "csrf_token": token.group(1),
            },
        )  # fmt: skip
        if posted.status_code != 303:
            raise SystemExit(f"the extension form answered {posted.status_code}")
    return request_id_of(db, audit_id)


def request_id_of(db: Path, audit_id: int) -> int:
    from sqlalchemy import text

    from models.db import make_engine

    engine = make_engine(f"sqlite:///{db}")
    with engine.connect() as connection:
        found = connection.execute(
            text("SELECT id FROM extension_request WHERE audit_id = :a"), {"a": audit_id}
        ).scalar_one()
    engine.dispose()
    return int(found)


def latency_of(db: Path, log: Path, request_id: int) -> float | None:
    """Seconds from the request's commit (its row's created_at) to the last of its APS emails
    arriving; None while some have not arrived."""
    from sqlalchemy import text

    from models.db import make_engine

    engine = make_engine(f"sqlite:///{db}")
    with engine.connect() as connection:
        created = connection.execute(
            text("SELECT created_at FROM extension_request WHERE id = :r"), {"r": request_id}
        ).scalar_one()
        refs = connection.execute(
            text("SELECT provider_ref FROM notification WHERE cause = :c"),
            {"c": f"extension-request:{request_id}:requested"},
        ).scalars().all()  # fmt: skip
    engine.dispose()
    arrived = arrivals(log)
    if not refs or any(ref is None or ref not in arrived for ref in refs):
        return None
    committed = datetime.fromisoformat(str(created))  # stored in UTC, without its zone
    if committed.tzinfo is None:
        committed = committed.replace(tzinfo=UTC)
    return max(arrived[ref] for ref in refs) - committed.timestamp()


def wait(what: str, probe: Any) -> Any:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        found = probe()
        if found is not None:
            return found
        time.sleep(0.02)
    raise SystemExit(f"timed out after {WAIT_S:.0f} s waiting for {what}")


def ping(n: int, marks: Path) -> float:
    """Emit the floor's event; seconds until the empty flow started."""
    import logging

    from prefect.events import emit_event
    from prefect.events.worker import EventsWorker

    logging.getLogger("EventsWorker").setLevel(logging.ERROR)  # "Still processing items"

    sent = time.time()
    emit_event(
        event=PING,
        resource={"prefect.resource.id": f"audits-bench.ping.{n}"},
        payload={"n": n},
    )
    EventsWorker.drain_all()
    mark = marks / f"{n}.start"
    started = wait(f"the floor's run {n}", lambda: mark.read_text() if mark.exists() else None)
    return float(started) - sent


def run_breakdown(api: str) -> list[dict[str, Any]]:
    """For each ``on-request`` run: created, started and ended (epoch seconds)."""
    import httpx

    query = {"deployments": {"name": {"any_": ["on-request"]}}, "limit": 200}
    runs = httpx.post(f"{api}/flow_runs/filter", json=query, timeout=30).json()

    def at(value: str | None) -> float | None:
        return datetime.fromisoformat(value).timestamp() if value else None

    return [
        {
            "request_id": run["parameters"].get("request_id"),
            "created": at(run["created"]),
            "started": at(run["start_time"]),
            "ended": at(run["end_time"]),
            "state": run["state_name"],
        }
        for run in runs
    ]


def settled(api: str, request_ids: set[int]) -> list[dict[str, Any]]:
    """The triggered runs of the requests, once each has ended (they still run for each event);
    any that did not complete is an error."""

    def ended() -> list[dict[str, Any]] | None:
        runs = [r for r in run_breakdown(api) if r["request_id"] in request_ids]
        return runs if len(runs) == len(request_ids) and all(r["ended"] for r in runs) else None

    runs: list[dict[str, Any]] = wait("the triggered on-request runs to end", ended)
    if failed := [r for r in runs if r["state"] != "Completed"]:
        raise SystemExit(f"{len(failed)} on-request runs did not complete: {failed[:3]}")
    return runs


def check_sent_once(db: Path, log: Path, request_ids: set[int]) -> None:
    """Every APS email of the requests arrived exactly once (the command sent it; its
    triggered run, finding it sent, did not send it again)."""
    from sqlalchemy import text

    from models.db import make_engine

    engine = make_engine(f"sqlite:///{db}")
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT cause, provider_ref FROM notification WHERE cause LIKE :c"),
            {"c": "extension-request:%:requested"},
        ).all()
    engine.dispose()
    causes = {f"extension-request:{r}:requested" for r in request_ids}
    refs = [ref for cause, ref in rows if cause in causes]
    lines = log.read_text().splitlines()
    if (
        len(lines) != len(set(lines))
        or len(refs) != len(lines)
        or not set(refs) <= set(arrivals(log))
    ):
        raise SystemExit(f"{len(refs)} APS emails written, {len(lines)} arrived")
    print(f"{len(refs)} APS emails written and {len(lines)} arrived: none twice", flush=True)


def percentiles(values: list[float]) -> tuple[float, float]:
    if len(values) < 2:
        return values[0], values[0]
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[49], cuts[94]


def main() -> None:
    global REQUESTS, PINGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--floor-runner", metavar="MARKS", type=Path)
    parser.add_argument("--quick", action="store_true", help="5 + 5 requests and 5 pings")
    parser.add_argument("--requests", type=int, help=f"requests a channel (default {REQUESTS})")
    parser.add_argument("--pings", type=int, help=f"floor events (default {PINGS})")
    args = parser.parse_args()
    if args.floor_runner:
        serve_floor(args.floor_runner)
        return
    if args.quick:
        REQUESTS, PINGS = QUICK["REQUESTS"], QUICK["PINGS"]
    REQUESTS, PINGS = args.requests or REQUESTS, args.pings or PINGS

    began = time.perf_counter()
    spawn = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory(prefix="audits-bench-") as tmp:
        folder = Path(tmp)
        log, marks, home = folder / "arrivals.tsv", folder / "marks", folder / "prefect"
        marks.mkdir()
        home.mkdir()
        smtp_port = free_port()
        ready, done = spawn.Event(), spawn.Event()
        smtp = spawn.Process(target=serve_smtp, args=(smtp_port, str(log), ready, done))
        smtp.daemon = True
        smtp.start()
        if not ready.wait(30):
            raise SystemExit("the loopback SMTP server did not start")
        print(f"Building a council of {CASES:,} cases, November allocated ...", flush=True)
        db = build(folder)
        env = app_env(db, home, smtp_port)
        asked = audits_to_ask(db, 2 * REQUESTS)
        print("Starting audits serve (a Prefect server, the web app, the runner) ...", flush=True)
        serving = start_serve(db, env)
        env["PREFECT_API_URL"] = serving.api
        floor_runner: subprocess.Popen[bytes] | None = None
        try:
            from prefect.settings import PREFECT_API_URL, temporary_settings

            from audits.serve_command import runner_env

            with (folder / "floor-runner.log").open("wb") as output:
                floor_runner = subprocess.Popen(
                    [sys.executable, __file__, "--floor-runner", str(marks)],
                    env=runner_env(env),
                    cwd=REPO,  # the flow's entrypoint is benchmarks/events.py
                    stdout=output,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            wait_for_automation(serving.api, "events-floor-ping")
            with temporary_settings({PREFECT_API_URL: serving.api}):  # emits the floor's events
                results = measure(serving, env, db, log, marks, asked)
            breakdown = settled(serving.api, set(results["requests"]))
            check_sent_once(db, log, set(results["requests"]))
        finally:
            if floor_runner is not None:
                stop(floor_runner)
            stop(serving.process, 90)
            done.set()
            smtp.join(10)
        if os.environ.get("AUDITS_BENCH_KEEP"):
            shutil.copytree(folder, os.environ["AUDITS_BENCH_KEEP"], dirs_exist_ok=True)
    report(results, breakdown, time.perf_counter() - began)


def measure(
    serving: Serving,
    env: dict[str, str],
    db: Path,
    log: Path,
    marks: Path,
    asked: list[tuple[int, str]],
) -> dict[str, Any]:
    """Rounds of one ping, one CLI request and one web request, each waited for, then a gap."""
    # One ping not counted first: the runner's first flow run warms the operating system's
    # caches for every later one, on both sides alike.
    ping(-1, marks)
    results: dict[str, Any] = {"floor": [], "cli": [], "web": [], "requests": {}}
    for n in range(max(REQUESTS, PINGS)):
        if n < PINGS:
            results["floor"].append(ping(n, marks))
            time.sleep(GAP_S)
        if n < REQUESTS:
            for channel, (audit_id, auditor) in (("cli", asked[2 * n]), ("web", asked[2 * n + 1])):
                if channel == "cli":
                    request_id = request_by_cli(env, db, audit_id, auditor)
                else:
                    request_id = request_by_web(serving.web, db, audit_id, auditor)
                latency = wait(
                    f"the APS emails of request {request_id}",
                    lambda r=request_id: latency_of(db, log, r),
                )
                results[channel].append(latency)
                results["requests"][request_id] = (channel, latency)
                time.sleep(GAP_S)
        print(
            f"round {n + 1}: "
            + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in results.items() if k != "requests" and v),
            flush=True,
        )
    return results


def report(results: dict[str, Any], breakdown: list[dict[str, Any]], elapsed: float) -> None:
    floor = percentiles(results["floor"])
    system_all = results["cli"] + results["web"]
    print(
        f"Each request waited for its emails, then {GAP_S:.0f} s; latency from the request's "
        "commit (its row's created_at) to the last of its APS emails arriving."
    )
    for name, values in (("cli", results["cli"]), ("web", results["web"]), ("system", system_all)):
        p50, p95 = percentiles(values)
        print(f"{name + ':':<8} p50 {p50:7.3f} s, p95 {p95:7.3f} s  ({len(values)} requests)")
    print(
        f"{'floor:':<8} p50 {floor[0]:7.3f} s, p95 {floor[1]:7.3f} s  ({len(results['floor'])} "
        "events: emit to a triggered run's empty flow starting)"
    )
    runs = [r for r in breakdown if r["request_id"] in results["requests"]]
    if runs:
        # Where the time of the triggered on-request runs goes (they still run for each event).
        created = [r["started"] - r["created"] for r in runs if r["started"] and r["created"]]
        ran = [r["ended"] - r["started"] for r in runs if r["ended"] and r["started"]]
        states = sorted({r["state"] for r in runs})
        if created and ran:
            print(
                f"on-request runs: {len(runs)} ({', '.join(states)}); created to started p50 "
                f"{statistics.median(created):.2f} s, started to ended p50 "
                f"{statistics.median(ran):.2f} s"
            )
    system_p95 = percentiles(system_all)[1]
    print(f"ratio p95 system / p95 floor: {system_p95 / floor[1]:.2f}  (target <= {TARGET})")
    print(f"whole benchmark: {elapsed:.0f} s")


if __name__ == "__main__":
    main()
