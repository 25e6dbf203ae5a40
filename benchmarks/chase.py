"""Benchmark: a chase run's emails against plain smtplib, to a loopback SMTP server, on SQLite
(and with ``--postgres`` on PostgreSQL too).

20,000 outstanding audits, 10 for each of 2,000 Team Managers, all due Mon 30 Nov 2026, and
10,000 open audit actions, 5 owned by each Team Manager, due the same day, so that on Mon 23 Nov
every audit and every action is due its 5-working-days reminder: 2,000 digests of 10 audits and
5 actions each (each action with its own signed done link). They
go to an aiosmtpd server on loopback that only counts what it is given; it runs in a process of
its own, started once for the run, so that it does not compete for the sender's GIL. Each
measurement runs in a fresh process on its own copy of the database:

- system: the real Prefect flow ``chase-outstanding-audits`` (date 2026-11-23) in-process, on
  Prefect's ephemeral server, with ``AUDITS_EMAIL_TRANSPORT=smtp``. Prefect's server is
  started first by a trivial flow in the same process, and only the chase flow's call is timed
  (deciding, rendering and writing the digests to the outbox, then sending them, with the
  sender's helper processes over more connections than one: ``flows/outbox_helpers.py``;
  Prefect's own work too). Its two tasks' times come from their task runs, read back from
  Prefect's server;
- send: the flow's sender alone (``send_in_parallel``, its helpers started when it is called),
  without Prefect, on a copy where the run was already decided;
- floor: plain smtplib over one connection on the same copy: read the rendered digests, build
  each message with the same MIME builder and send them all.

Every measurement must deliver exactly 2,000 messages (the server's count says so). Run:
``.venv/bin/python benchmarks/chase.py [--repeat N] [--recipients N] [--postgres [URL]]``
(``--postgres``: the server at 127.0.0.1:5432 with trust auth unless a URL is given; the
benchmark creates its databases there and drops them). Targets: emails/s of the system at least
0.85 of the floor's, and at most 10 Prefect task runs. ``--quick`` runs the same measurements
on 300 audits of 100 Team Managers, once each, to check that the benchmark still works (a test
runs it so); its figures say nothing about the targets.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import random
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, text
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.pool import NullPool

from models.db import make_engine, migrate

RUN_DATE = "2026-11-23"  # Mon: 5 working days before the due date
MONTH, ALLOCATED_ON, DUE_ON = "2026-11", date(2026, 11, 2), date(2026, 11, 30)
RECIPIENTS, PER_RECIPIENT, ACTIONS_PER_RECIPIENT = 2_000, 10, 5
AUDITS = RECIPIENTS * PER_RECIPIENT
ACTIONS = RECIPIENTS * ACTIONS_PER_RECIPIENT
ACTIONS_SET_ON = date(2026, 11, 3)
AREAS, TEAMS, SERVICE_MANAGERS, APS_STAFF = 8, 200, 100, 4
SENDER = "audits@localhost"  # AUDITS_EMAIL_FROM's default, which the system sends from

#: ``--quick``: the sizes above, small enough to run in seconds. Every phase's process is given
#: ``--quick`` too (``CHILD_ARGS``), so that it expects what was built.
QUICK: dict[str, Any] = {
    "RECIPIENTS": 100,
    "PER_RECIPIENT": 3,
    "ACTIONS_PER_RECIPIENT": 2,
    "TEAMS": 20,
    "SERVICE_MANAGERS": 10,
    "CHILD_ARGS": ("--quick",),
}
QUICK["AUDITS"] = QUICK["RECIPIENTS"] * QUICK["PER_RECIPIENT"]
QUICK["ACTIONS"] = QUICK["RECIPIENTS"] * QUICK["ACTIONS_PER_RECIPIENT"]
CHILD_ARGS: tuple[str, ...] = ()


def use_quick_sizes() -> None:
    """Swap the module's sizes for the quick ones (every function reads them from here)."""
    globals().update(QUICK)


def use_recipients(recipients: int) -> None:
    """A council of ``recipients`` Team Managers with the full size's audits and actions each
    (``--recipients``: a medium size to iterate on, on a busy machine)."""
    globals().update(
        RECIPIENTS=recipients,
        AUDITS=recipients * PER_RECIPIENT,
        ACTIONS=recipients * ACTIONS_PER_RECIPIENT,
        CHILD_ARGS=(*CHILD_ARGS, "--recipients", str(recipients)),
    )


def build(url: str) -> None:
    """The council: teams, managers, APS, cases and this month's outstanding audits."""
    rng = random.Random(7)
    engine = make_engine(url)
    migrate(engine)
    now = datetime.now(UTC)

    def person(staff_id: str, role: str, team: str | None, manager: str | None) -> dict[str, Any]:
        return {
            "staff_id": staff_id,
            "name": f"Person {staff_id}",
            "email": f"{staff_id.lower()}@example.gov.uk",
            "role": role,
            "team": team,
            "line_manager_id": manager,
            "active": True,
            "in_latest_export": True,
            "created_at": now,
            "updated_at": now,
        }

    teams = [{"name": f"Team {t:03d}", "service_area": f"Area {t % AREAS}"} for t in range(TEAMS)]
    # Service managers first: team managers name them as line managers.
    staff = [
        person(f"SM{i:04d}", "service_manager", f"Team {i * TEAMS // SERVICE_MANAGERS:03d}", None)
        for i in range(SERVICE_MANAGERS)
    ]
    staff += [
        person(
            f"TM{i:05d}",
            "team_manager",
            f"Team {i % TEAMS:03d}",
            f"SM{(i % TEAMS) * SERVICE_MANAGERS // TEAMS:04d}",
        )
        for i in range(RECIPIENTS)
    ]
    staff += [person(f"APS{i:02d}", "aps", None, None) for i in range(APS_STAFF)]
    cases: list[dict[str, Any]] = [
        {
            "case_ref": f"C{i:07d}",
            "team": f"Team {rng.randrange(TEAMS):03d}",
            "status": "open",
            "date_of_birth": date(2010 + rng.randrange(16), 1 + rng.randrange(12), 1),
            "cin": True,
            "cp_category": None,
            "cla": rng.random() < 0.25,
            "cse_risk": None,
            "missing_episodes_6m": 0,
            "in_latest_export": True,
            "created_at": now,
            "updated_at": now,
        }
        for i in range(AUDITS)
    ]
    cycle = {
        "month": MONTH,
        "theme": "cin",
        "status": "allocated",
        "allocated_on": ALLOCATED_ON,
        "due_on": DUE_ON,
        "allocated_at": now,
        "created_at": now,
    }
    audits = [
        {
            "cycle": MONTH,
            "kind": "audit",
            "case_ref": f"C{n:07d}",
            "auditor_id": f"TM{n % RECIPIENTS:05d}",
            "cohort": "cin",
            "status": "allocated",
            "allocated_on": ALLOCATED_ON,
            "due_on": DUE_ON,
            "original_due_on": DUE_ON,
            "auditor_team": f"Team {n % RECIPIENTS % TEAMS:03d}",
            "auditor_service_area": f"Area {n % RECIPIENTS % TEAMS % AREAS}",
            "case_team": cases[n]["team"],
            "case_service_area": f"Area {int(cases[n]['team'][5:]) % AREAS}",
            "reason": "",
            "created_at": now,
            "updated_at": now,
        }
        for n in range(AUDITS)
    ]
    # Each Team Manager owns actions set on their own audits (audit ids follow the rows above).
    actions = [
        {
            "audit_id": i + (k % PER_RECIPIENT) * RECIPIENTS + 1,
            "text": f"Hold a core group and record it ({k + 1})",
            "owner_id": f"TM{i:05d}",
            "set_on": ACTIONS_SET_ON,
            "due_on": DUE_ON,
            "set_by": "APS00",
            "status": "open",
            "created_at": now,
        }
        for i in range(RECIPIENTS)
        for k in range(ACTIONS_PER_RECIPIENT)
    ]
    from models import Audit, AuditAction, Case, Cycle, Staff, Team

    with engine.begin() as connection:
        for table, rows in (
            (Team, teams),
            (Staff, staff),
            (Case, cases),
            (Cycle, [cycle]),
            (Audit, audits),
            (AuditAction, actions),
        ):
            connection.execute(insert(table), rows)
    engine.dispose()


# The loopback SMTP server, in a process of its own


class CountingHandler:
    """Accepts every message and counts it (messages and octets), nothing more."""

    def __init__(self, messages: Any, octets: Any) -> None:
        self.messages, self.octets = messages, octets

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.messages.get_lock():
            self.messages.value += 1
            self.octets.value += len(envelope.content)
        return "250 OK"


def serve_smtp(port: int, messages: Any, octets: Any, ready: Any, stop: Any) -> None:
    from aiosmtpd.controller import Controller

    controller = Controller(
        CountingHandler(messages, octets), hostname="127.0.0.1", port=port, ready_timeout=10
    )
    controller.start()
    ready.set()
    stop.wait()
    controller.stop()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# The measurements, each in a fresh process


def warm_up() -> None:
    """Work done once per process, not per run (as in ``benchmarks/allocation.py``): mapping
    the ORM classes and loading the bank-holiday calendar."""
    from sqlalchemy.orm import configure_mappers

    configure_mappers()
    import holidays.countries.united_kingdom  # noqa: F401


def run_plan(url: str) -> dict[str, Any]:
    """Decide the run and write the digests to the outbox, without Prefect and sending nothing:
    the copy is kept for ``send`` and ``floor``."""
    from config.settings import get_settings, load_policy
    from flows.chase import decide_run

    warm_up()
    policy, base_url = load_policy(), get_settings().transport.base_url
    engine = make_engine(url)
    started = time.perf_counter()
    summary = decide_run(engine, policy, date.fromisoformat(RUN_DATE), base_url)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "sent": 0, **summary.as_json()}


def run_send(url: str) -> dict[str, Any]:
    """The flow's outbox sender alone (its helper processes too), over the flow's transport."""
    from config.settings import load_policy
    from flows.outbox_helpers import send_in_parallel

    warm_up()
    policy = load_policy()
    engine = make_engine(url)
    started = time.perf_counter()
    report = send_in_parallel(engine, policy)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "sent": report.sent, "failed": report.failed + report.deferred}


def run_floor(url: str) -> dict[str, Any]:
    """Plain smtplib: the rendered digests read from the outbox (through the driver), each built
    with the same MIME builder and sent over one connection. No claim, no outcome recorded, no
    retries."""
    import smtplib

    from config.settings import get_settings
    from notifications.messages import Email
    from notifications.transport_base import build_mime

    port = get_settings().transport.smtp_port
    engine = create_engine(url, poolclass=NullPool)
    started = time.perf_counter()
    database = engine.raw_connection()
    cursor = database.cursor()
    cursor.execute(
        "SELECT recipient, subject, text_body, html_body, key FROM notification "
        "WHERE status = 'pending' ORDER BY id"
    )
    rows = cursor.fetchall()
    database.close()
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as connection:
        for to, subject, text_body, html_body, key in rows:
            message = build_mime(Email(to, subject, text_body, html_body, (), key), SENDER)
            connection.send_message(message, from_addr=SENDER, to_addrs=[to])
    return {"seconds": time.perf_counter() - started, "sent": len(rows), "failed": 0}


def run_system(url: str) -> dict[str, Any]:
    """The real flow on Prefect's ephemeral server; only the chase flow's call is timed."""
    from prefect import flow, task

    from flows.chase import chase_outstanding_audits
    from flows.in_process import in_process_settings

    @task(name="warm-up-task")
    def nothing() -> int:
        return 0

    @flow(name="warm-up")
    def warm_up_flow() -> int:
        return nothing()

    warm_up_flow()  # starts the ephemeral server and the engine's machinery
    warm_up()
    rss_before = vm_kb("VmRSS") / 1024
    cpu_before, server_cpu_before = os.times(), children_cpu_seconds()
    started = time.perf_counter()
    with in_process_settings():  # as ``audits chase`` runs it
        state = chase_outstanding_audits(date=RUN_DATE, return_state=True)
    seconds = time.perf_counter() - started
    cpu_after, server_cpu_after = os.times(), children_cpu_seconds()
    if not state.is_completed():
        raise SystemExit(f"the chase flow ended {state.type}: {state.message}")
    summary = state.result()
    task_runs = flow_task_runs(state.state_details.flow_run_id)
    phases = {run.name.rsplit("-", 1)[0]: _duration(run) for run in task_runs}
    return {
        "seconds": seconds,
        "sent": summary["emails_sent"],
        "failed": summary["failed"] + summary["deferred"],
        "recipients": summary["recipients"],
        "items_by_stage": summary["items_by_stage"],
        "task_runs": len(task_runs),
        "decide_seconds": phases.get("decide-and-record-chase"),
        "send_seconds": phases.get("send-outbox"),
        "cpu_seconds": cpu_after.user + cpu_after.system - cpu_before.user - cpu_before.system,
        # The sender's helper processes, ended and waited for by now.
        "helpers_cpu_seconds": cpu_after.children_user
        + cpu_after.children_system
        - cpu_before.children_user
        - cpu_before.children_system,
        "server_cpu_seconds": server_cpu_after - server_cpu_before,
        "rss_before_mb": rss_before,
        "server_peak_rss_mb": children_peak_rss_mb(),
    }


def flow_task_runs(flow_run_id: Any) -> list[Any]:
    """The flow run's task runs, read back from the server (until two reads agree, in case the
    server records them a moment after the flow returns)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    runs: list[Any] = []
    with get_client(sync_client=True) as client:
        for _ in range(40):
            again = client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
            )
            if again and len(again) == len(runs):
                return again
            runs = again
            time.sleep(0.25)
    return runs


def _duration(task_run: Any) -> float | None:
    if task_run.start_time is None or task_run.end_time is None:
        return None
    return float((task_run.end_time - task_run.start_time).total_seconds())


def vm_kb(field: str, pid: str = "self") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


def peak_rss_mb() -> float:
    """This process's peak resident memory. (``ru_maxrss`` would also count the parent's
    memory from before ``exec``, so read the kernel's high-water mark instead.)"""
    return vm_kb("VmHWM") / 1024 or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def children() -> list[str]:
    """This process's children: Prefect's ephemeral server."""
    return [
        pid
        for tasks in Path("/proc/self/task").glob("*/children")
        for pid in tasks.read_text().split()
    ]


def children_peak_rss_mb() -> float:
    total = 0
    for pid in children():
        with contextlib.suppress(OSError):
            total += vm_kb("VmHWM", pid)
    return total / 1024


def children_cpu_seconds() -> float:
    """CPU time (user and system) the children have used so far."""
    ticks = 0
    for pid in children():
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


PHASES = {"plan": run_plan, "send": run_send, "floor": run_floor, "system": run_system}


class SqliteCopies:
    """The benchmark's databases as SQLite files in the work folder, each copied whole."""

    name = "SQLite"

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir

    def url(self, name: str) -> str:
        return f"sqlite:///{self.workdir / name}.db"

    def copy(self, source: str, name: str) -> str:
        copy = self.workdir / f"{name}.db"
        # The last round's write-ahead log may still lie beside the copy (SQLite in WAL mode):
        # paired with a fresh copy it would be replayed into it and spoil it, so it goes first.
        for sidecar in ("-wal", "-shm"):
            copy.with_name(copy.name + sidecar).unlink(missing_ok=True)
        shutil.copy(self.workdir / f"{source}.db", copy)
        return self.url(name)

    def drop_all(self) -> None:
        """(The work folder goes with the run.)"""


class PostgresCopies:
    """The benchmark's databases on a PostgreSQL server, each copied with ``CREATE DATABASE
    ... TEMPLATE``, all dropped at the end."""

    name = "PostgreSQL"

    def __init__(self, server: str) -> None:
        self.server, self.prefix = server.rstrip("/"), f"audits_chase_{os.getpid()}"
        self.made: list[str] = []
        self.may_checkpoint = True
        self.admin = create_engine(
            f"{self.server}/postgres", isolation_level="AUTOCOMMIT", poolclass=NullPool
        )

    def url(self, name: str) -> str:
        if name not in self.made:
            self._run(f"DROP DATABASE IF EXISTS {self.prefix}_{name}")
            self._run(f"CREATE DATABASE {self.prefix}_{name}")
            self.made.append(name)
        return f"{self.server}/{self.prefix}_{name}"

    def copy(self, source: str, name: str) -> str:
        self._run(f"DROP DATABASE IF EXISTS {self.prefix}_{name}")
        self._run(f"CREATE DATABASE {self.prefix}_{name} TEMPLATE {self.prefix}_{source}")
        self._checkpoint()
        self.made.append(name)
        return f"{self.server}/{self.prefix}_{name}"

    def _checkpoint(self) -> None:
        """PostgreSQL 15 copies a database through its write-ahead log: written out now, not by
        the checkpointer in the middle of the measurement that follows. (A role without
        superuser or ``pg_checkpoint`` may not: then it is said once, and the copy's write-back
        may be timed.)"""
        if self.may_checkpoint:
            try:
                self._run("CHECKPOINT")
            except ProgrammingError as error:
                self.may_checkpoint = False
                print(f"no CHECKPOINT after each copy: {error.orig}".strip(), file=sys.stderr)

    def drop_all(self) -> None:
        for name in dict.fromkeys(self.made):
            self._run(f"DROP DATABASE IF EXISTS {self.prefix}_{name} WITH (FORCE)")
        self.admin.dispose()

    def _run(self, sql: str) -> None:
        with self.admin.connect() as connection:
            connection.execute(text(sql))


Copies = SqliteCopies | PostgresCopies


def settle(idle_share: float = 0.9, longest: float = 15.0) -> None:
    """Wait until the machine's CPUs are nearly idle (``idle_share`` of half a second), at most
    ``longest`` seconds: what the last phase left running (Prefect's server shutting down, the
    database's checkpointer, a copy's write-back) would otherwise slow the next one's start, and
    the floor's three rounds were seen at 8.8, 13.3 and 12.3 s on an otherwise idle machine."""
    deadline = time.monotonic() + longest
    while time.monotonic() < deadline:
        before = _cpu_times()
        time.sleep(0.5)
        after = _cpu_times()
        total = sum(after) - sum(before)
        if total <= 0 or (after[3] - before[3]) / total >= idle_share:  # idle, not iowait
            return


def _cpu_times() -> list[int]:
    """The machine's CPU times (user, nice, system, idle, iowait, ...) from /proc/stat, in
    ticks."""
    with open("/proc/stat") as stat:
        return [int(value) for value in stat.readline().split()[1:]]


def measure(phase: str, copies: Copies, source: str, env: dict[str, str], delivered: Any) -> Any:
    """Run one phase in a fresh process on a fresh copy of database ``source`` (the copy is
    named after the phase), once the machine has settled; check the server got exactly what the
    phase says it sent."""
    url = copies.copy(source, phase)
    os.sync()  # the copy's pages on disk before the clock starts, not written back during it
    settle()
    env = {**env, "AUDITS_DATABASE_URL": url}
    before = delivered.value
    finished = subprocess.run(
        [sys.executable, __file__, "--phase", phase, "--url", url, *CHILD_ARGS],
        capture_output=True,
        text=True,
        env=env,
    )
    if finished.returncode != 0:
        sys.stderr.write(finished.stdout[-5000:] + finished.stderr[-5000:])
        raise SystemExit(f"the {phase} measurement failed (exit {finished.returncode})")
    result = json.loads(finished.stdout.strip().splitlines()[-1])
    arrived = delivered.value - before
    expected = 0 if phase == "plan" else RECIPIENTS
    if result["sent"] != expected or arrived != expected or result.get("failed"):
        raise SystemExit(
            f"{phase}: expected {expected} emails; it sent {result['sent']} "
            f"({result.get('failed')} failed) and the server received {arrived}"
        )
    return result


def child_env(workdir: Path, port: int) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AUDITS_", "PREFECT_API_URL", "PREFECT_HOME", "PREFECT_PROFILE"))
    }
    prefect_home = workdir / "prefect"
    prefect_home.mkdir(exist_ok=True)
    env.update(
        {
            "AUDITS_EMAIL_TRANSPORT": "smtp",
            "AUDITS_SMTP_HOST": "127.0.0.1",
            "AUDITS_SMTP_PORT": str(port),
            "AUDITS_SMTP_SECURITY": "none",
            "PREFECT_HOME": str(prefect_home),  # the ephemeral server's database, for this run
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        }
    )
    return env


#: ``--postgres``: the PostgreSQL server the benchmark makes its databases on (trust auth).
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--phase", choices=list(PHASES))
    parser.add_argument("--url", help="(a phase's database)")
    parser.add_argument("--repeat", type=int, help="measurements of each phase (default 3)")
    parser.add_argument("--quick", action="store_true", help="a small council, once: seconds")
    parser.add_argument("--recipients", type=int, help="Team Managers (default 2,000)")
    parser.add_argument(
        "--postgres",
        nargs="?",
        const=POSTGRES,
        metavar="SERVER_URL",
        help=f"also on PostgreSQL, after SQLite (default server {POSTGRES})",
    )
    args = parser.parse_args()
    if args.quick:
        use_quick_sizes()
    if args.recipients:
        use_recipients(args.recipients)
    repeat = args.repeat or (1 if args.quick else 3)
    if args.phase:
        result = PHASES[args.phase](args.url)
        result["peak_rss_mb"] = peak_rss_mb()
        print(json.dumps(result, default=str))
        return

    began = time.perf_counter()
    spawn = multiprocessing.get_context("spawn")
    messages, octets = spawn.Value("q", 0), spawn.Value("q", 0)
    ready, stop = spawn.Event(), spawn.Event()
    port = free_port()
    server = spawn.Process(
        target=serve_smtp, args=(port, messages, octets, ready, stop), daemon=True
    )
    server.start()
    reports = []
    try:
        if not ready.wait(30):
            raise SystemExit("the loopback SMTP server did not start")
        with tempfile.TemporaryDirectory(prefix="audits-bench-") as tmp:
            workdir = Path(tmp)
            env = child_env(workdir, port)
            stores: list[Copies] = [SqliteCopies(workdir)]
            if args.postgres:
                stores.append(PostgresCopies(args.postgres))
            for copies in stores:
                try:
                    reports.append(
                        (copies.name, *measure_all(copies, env, messages, octets, repeat))
                    )
                finally:
                    copies.drop_all()
    finally:
        stop.set()
        server.join(10)
    for name, plan, runs, octets_by_phase in reports:
        print(f"\n== {name} ==")
        report(plan, runs, octets_by_phase)
    print(f"whole benchmark: {time.perf_counter() - began:.0f} s")


def measure_all(
    copies: Copies, env: dict[str, str], messages: Any, octets: Any, repeat: int
) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]], dict[str, int]]:
    """Build the council on ``copies``' database, decide the run once (``plan``, kept for
    ``send`` and ``floor``), then measure each phase ``repeat`` times."""
    print(
        f"{copies.name}: building {AUDITS:,} outstanding audits and {ACTIONS:,} open actions for "
        f"{RECIPIENTS:,} Team Managers, all due {DUE_ON:%a %d %b %Y}; chasing on {RUN_DATE} ...",
        flush=True,
    )
    build(copies.url("council"))
    plan = measure("plan", copies, "council", env, messages)
    # Every audit and action at its 5-day reminder, each Team Manager one digest (and no APS
    # digest: nothing is late). The summary names every stage, 0 where nothing went.
    stages = {stage: n for stage, n in plan["items_by_stage"].items() if n}
    expected = {"due_in_5": AUDITS, "action_due_in_5": ACTIONS}
    if plan["recipients"] != RECIPIENTS or stages != expected:
        raise SystemExit(f"the plan is not the one expected: {plan}")
    runs: dict[str, list[dict[str, Any]]] = {"floor": [], "send": [], "system": []}
    octets_by_phase: dict[str, int] = {}
    for round_ in range(1, repeat + 1):
        for phase, phase_runs in runs.items():
            before = octets.value
            source = "council" if phase == "system" else "plan"
            phase_runs.append(measure(phase, copies, source, env, messages))
            octets_by_phase[phase] = octets.value - before
        print(
            f"round {round_}: "
            + ", ".join(f"{phase} {r[-1]['seconds']:.3f} s" for phase, r in runs.items()),
            flush=True,
        )
    return plan, runs, octets_by_phase


def report(
    plan: dict[str, Any],
    runs: dict[str, list[dict[str, Any]]],
    octets: dict[str, int],
) -> None:
    floor, send, system = (min(runs[p], key=lambda r: r["seconds"]) for p in runs)
    repeat = len(runs["floor"])

    def rate(result: dict[str, Any]) -> float:
        return float(result["sent"]) / float(result["seconds"])

    print(f"Best of {repeat} each; every measurement delivered exactly {RECIPIENTS:,} emails.")
    print(
        f"{'floor:':<9}{floor['seconds']:7.3f} s, {rate(floor):7.0f} emails/s  (plain smtplib, "
        f"one connection; {octets['floor'] / RECIPIENTS / 1024:.1f} KiB a message)"
    )
    print(
        f"{'send:':<9}{send['seconds']:7.3f} s, {rate(send):7.0f} emails/s  (the flow's sender "
        f"alone, no Prefect; {rate(send) / rate(floor):.2f} of the floor)"
    )
    prefect_own = (
        system["seconds"] - (system["decide_seconds"] or 0) - (system["send_seconds"] or 0)
    )
    print(
        f"{'system:':<9}{system['seconds']:7.3f} s, {rate(system):7.0f} emails/s  (the Prefect "
        f"flow: decide-and-record {system['decide_seconds']:.3f} s, send-outbox "
        f"{system['send_seconds']:.3f} s, Prefect's own {prefect_own:.3f} s)"
    )
    print(
        f"         {system['recipients']:,} recipients, items by stage {system['items_by_stage']}; "
        f"deciding alone (no Prefect) took {plan['seconds']:.3f} s"
    )
    print(
        f"         CPU during the flow: {system['cpu_seconds']:.2f} s in the flow's process, "
        f"{system['helpers_cpu_seconds']:.2f} s in its sending helper processes, "
        f"{system['server_cpu_seconds']:.2f} s in Prefect's ephemeral server"
    )
    print(
        f"ratio system / floor, emails per second: {rate(system) / rate(floor):.2f}  "
        f"(target >= 0.85)"
    )
    print(f"Prefect task runs in the chase flow run: {system['task_runs']}  (target <= 10)")
    print(
        f"peak RSS of the system process: {system['peak_rss_mb']:.0f} MB "
        f"({system['rss_before_mb']:.0f} MB before the chase, Prefect warmed up); "
        f"Prefect's ephemeral server: "
        f"{system['server_peak_rss_mb']:.0f} MB; floor process: {floor['peak_rss_mb']:.0f} MB"
    )


if __name__ == "__main__":
    main()
