"""Benchmark: the APS decision queue with 5,000 pending requests, under loopback load, on SQLite.

A synthetic council (through the real import) with November 2026 allocated by the real
``allocate_cycle`` (160 Team Managers, 40 audits each), then 5,000 pending requests made through
the real request store: 80% extensions, 20% exemptions, on distinct audits, asked on the working
days from 2 Nov to 3 Dec (those after the 30 Nov due date are marked late by the store, as it
marks any request made after the due date); one in twenty is asked by the APS team on the
auditor's behalf.

The web app is served by ``audits web`` itself (development sign-in), as an operator starts it:
its uvicorn, its default worker count (``AUDITS_WEB_WORKERS``, else one process per core; the
count is printed), on loopback, in a process of its own. The load comes from another process: N
clients (threads, each one keep-alive ``http.client`` connection signed in as a different APS
member: cheaper than httpx, since the load shares the cores with the server; its CPU per request
is printed) ask for queue pages spread evenly over the whole queue (page 1 to the last), after a
warm-up; each request's latency is timed in the client, from sending to the whole body read.
The clients send their next request as soon as the last one is answered (no think time): a
saturation test, harsher than eight people reading the queue. On a machine with few cores the
load's own process competes with the server for them, and the floor pays the same. Two pages
are measured, each under the same load, against the same server, in the same run:

- queue: ``GET /aps/requests?page=K``: the session, the sign-in lookup, one count over both
  request tables, one page query (both tables' keys merged from their queue indexes, then only
  the page's 50 joined to their request, audit and requester), the page rendered;
- floor: ``GET /my-audits`` as the same APS member: the same middleware, session cookie and
  sign-in lookup per request, the same layout rendered, and one indexed query that finds
  nothing (the APS team has no audits of its own). It is the price of any signed-in page of
  this app on this machine, so ``queue / floor`` is what the queue itself costs.

Before measuring it checks that the queue page says 5000 requests are waiting and that the
last page has rows. Run: ``make bench`` (or ``.venv/bin/python benchmarks/decisions.py``).
Target (issue 16): p95 of the queue <= 50 ms at 8 clients; 1, 4, 8 and 16 clients are measured
and printed, and the ratio to the floor too, to read the figures on another machine.
``--quick`` runs the same measurements with 500 pending requests (10 pages) and 100 requests a
load, to check that the benchmark still works (a test runs it so); its figures say nothing about
the target.
"""

from __future__ import annotations

import argparse
import dataclasses
import http.client
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlmodel import col

from audits.web_command import WORKERS_SETTING as WORKERS
from audits.web_command import default_workers, machine_cores
from models.db import make_engine, migrate, session_scope

MONTH, IMPORTED_ON, TODAY = "2026-11", date(2026, 10, 20), date(2026, 12, 4)
CASES, TEAMS_PER_AREA, MANAGERS_PER_TEAM, PER_AUDITOR = 9_000, 10, 4, 40
PENDING, EXEMPTION_EVERY, BY_APS_EVERY = 5_000, 5, 20  # 1 in 5 an exemption, 1 in 20 by APS
APS_STAFF = ["APS01", "APS02", "APS03", "APS04"]  # the synthetic council's APS team
PAGE_SIZE = 50
PAGES = -(-PENDING // PAGE_SIZE)
CONCURRENCY, REQUESTS, WARM_UP = (1, 4, 8, 16), 1_000, 100
SECRET = "pM4vL9qX2wR7tK1zB8nC5yH3jF6dG0sA-decisions-bench"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
QUEUE_COUNT = re.compile(r'id="queue-count">(\d+) requests? waiting')
SESSION_COOKIE = re.compile(r"(audits_session=[^;]*)")
TARGET_P95_MS = 50.0
#: The concurrency the target is judged at (issue 16); the others are printed to show the trend.
TARGET_CLIENTS = 8

#: ``--quick``: the sizes above, small enough to run in seconds (still 10 pages, so that the first
#: and last tenth of the queue are a page each). The load's processes are given ``--quick`` too
#: (``CHILD_ARGS``), so that they spread their requests over the pages there are.
QUICK: dict[str, Any] = {
    "CASES": 1_500,
    "TEAMS_PER_AREA": 2,
    "PENDING": 500,
    "PAGES": 10,
    "REQUESTS": 100,
    "WARM_UP": 10,
    "CHILD_ARGS": ("--quick",),
}
CHILD_ARGS: tuple[str, ...] = ()


def use_quick_sizes() -> None:
    """Swap the module's sizes for the quick ones (every function reads them from here)."""
    globals().update(QUICK)
    if PAGES != -(-PENDING // PAGE_SIZE):
        raise AssertionError("QUICK's PAGES must be its PENDING's pages")


# The council and its pending requests


def build(folder: Path) -> Path:
    """The council imported and allocated for November, then 5,000 requests made."""
    from config.settings import load_policy
    from demo.synthetic import CASE_COLUMNS, STAFF_COLUMNS, make_council, write_csv
    from flows.allocate import allocate_cycle
    from importer import import_cases, import_staff

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
    policy = bench_policy(load_policy())
    with session_scope(engine, write_lock=True) as session:
        outcome = allocate_cycle(session, policy, MONTH, "all")
    if len(outcome.audits) < PENDING:
        raise SystemExit(f"only {len(outcome.audits)} audits allocated; {PENDING} are needed")
    make_requests(engine, policy)
    with engine.connect() as connection:
        mix = {
            table: connection.execute(
                text(f"SELECT count(*), sum(late) FROM {table} WHERE status = 'pending'")
            ).one()
            for table in ("extension_request", "exemption_request")
        }
    engine.dispose()
    (extensions, late_x), (exemptions, late_e) = mix.values()
    print(
        f"{len(outcome.audits):,} audits allocated; pending: {extensions:,} extension and "
        f"{exemptions:,} exemption requests, {late_x + late_e:,} of them late",
        flush=True,
    )
    return db


def bench_policy(base: Any) -> Any:
    return dataclasses.replace(
        base, allocation=dataclasses.replace(base.allocation, audits_per_auditor=PER_AUDITOR)
    )


def make_requests(engine: Any, policy: Any) -> None:
    """Through the real request store (``request_extension`` / ``request_exemption``: the rules'
    checks, the late flag, the audit-trail entries), in one transaction: about 10 s for 5,000,
    fast enough not to need a bulk insert that could drift from what the store writes."""
    from sqlalchemy import select

    from models import request_store
    from models.programme import Audit
    from rules.requests import EXEMPTION_CATEGORIES
    from rules.working_days import is_working_day

    rng = random.Random(5)
    asked_on = working_days(date(2026, 11, 2), date(2026, 12, 3), is_working_day)
    until = working_days(date(2026, 12, 1), date(2026, 12, 14), is_working_day)
    with session_scope(engine, write_lock=True) as session:
        audits = session.execute(
            select(col(Audit.id), col(Audit.auditor_id))
            .where(col(Audit.cycle) == MONTH, col(Audit.status) == "allocated")
            .order_by(col(Audit.id))
        ).all()
        for n, (audit_id, auditor) in enumerate(rng.sample(audits, PENDING)):
            on = asked_on[n * len(asked_on) // PENDING]
            by = APS_STAFF[n % len(APS_STAFF)] if n % BY_APS_EVERY == 0 else auditor
            if n % EXEMPTION_EVERY == 1:
                category = EXEMPTION_CATEGORIES[n % len(EXEMPTION_CATEGORIES)]
                request_store.request_exemption(
                    session, audit_id, category, "Away for most of the month", by, on
                )
            else:
                request_store.request_extension(
                    session, audit_id, rng.choice(until), "Waiting for the case file", by, on,
                    policy,
                )  # fmt: skip


def working_days(first: date, last: date, is_working_day: Any) -> list[date]:
    days = [first + timedelta(days=d) for d in range((last - first).days + 1)]
    return [day for day in days if is_working_day(day)]


# The server: `audits web` itself, in a process of its own


def serve(db: Path, port: int, folder: Path) -> subprocess.Popen[bytes]:
    """``audits web`` as an operator starts it, with development sign-in on the benchmark's
    database: its default worker count (AUDITS_WEB_WORKERS, else one per core), its uvicorn."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUDITS_")}
    env.update(
        AUDITS_DATABASE_URL=f"sqlite:///{db}",
        AUDITS_DATA_DIR=str(folder),
        AUDITS_DEV_LOGIN="true",
        AUDITS_SECURE_COOKIES="false",
        AUDITS_SECRET_KEY=SECRET,
    )
    if WORKERS in os.environ:
        env[WORKERS] = os.environ[WORKERS]
    command = [sys.executable, "-m", "audits.cli", "web", "--port", str(port)]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_up(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"audits web exited (code {server.returncode})")
        try:
            if Client(port).get("/sign-in")[0] == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("audits web did not answer within 60 s")


# The load, in a process of its own


class Client:
    """One keep-alive connection and its session cookie, as a browser keeps them. The standard
    library's http.client: the load shares the machine's cores with the server, and this costs
    it about a third of what httpx does a request (see the printed load CPU)."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookie = ""

    def get(self, path: str) -> tuple[int, str]:
        return self.send("GET", path, None)

    def send(self, method: str, path: str, form: dict[str, str] | None) -> tuple[int, str]:
        headers = {"Cookie": self.cookie} if self.cookie else {}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, path, body, headers)
        response = self.connection.getresponse()
        text = response.read().decode("utf-8")
        if found := SESSION_COOKIE.match(response.getheader("set-cookie") or ""):
            self.cookie = found.group(1)
        return response.status, text

    def close(self) -> None:
        self.connection.close()


def signed_in(port: int, staff_id: str) -> Client:
    """A client signed in through the development sign-in."""
    client = Client(port)
    found = CSRF.search(client.get("/sign-in")[1])
    if found is None:
        raise SystemExit("the sign-in page has no CSRF token")
    form = {"staff_id": staff_id, "next": "/", "csrf_token": found.group(1)}
    status, _ = client.send("POST", "/sign-in", form)
    if status != 303 or "audits_session" not in client.cookie:
        raise SystemExit(f"could not sign in as {staff_id}: {status}")
    return client


def target_path(target: str, k: int) -> tuple[str, int]:
    """The k-th request's path and its queue page (0 for the floor): pages 1 to PAGES in a
    scattered order (37 is prime to PAGES), so every client moves over the whole queue."""
    if target == "floor":
        return "/my-audits", 0
    page = 1 + (k * 37) % PAGES
    return f"/aps/requests?page={page}", page


def load(port: int, target: str, clients: int, requests: int, warm_up: int) -> dict[str, Any]:
    """``clients`` threads: ``warm_up`` requests shared between them, then, all starting
    together, ``requests`` timed ones."""
    sessions = [signed_in(port, APS_STAFF[n % len(APS_STAFF)]) for n in range(clients)]
    timings: list[tuple[float, int]] = []
    errors: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)
    counter = iter(range(warm_up, warm_up + requests))

    def next_k() -> int | None:
        with lock:
            return next(counter, None)

    def get(client: Client, k: int) -> float:
        path, _ = target_path(target, k)
        began = time.perf_counter()
        try:
            status, _ = client.get(path)
            failed = None if status == 200 else str(status)
        except (OSError, http.client.HTTPException) as error:
            failed = repr(error)
        elapsed = time.perf_counter() - began
        if failed:
            with lock:
                errors.append(f"{path}: {failed}")
        return elapsed * 1000

    def work(client: Client, n: int) -> None:
        for warm in range(n, warm_up, clients):
            get(client, warm)
        start.wait()
        while not errors and (k := next_k()) is not None:
            elapsed = get(client, k)
            with lock:
                timings.append((elapsed, target_path(target, k)[1]))

    threads = [threading.Thread(target=work, args=(c, n)) for n, c in enumerate(sessions)]
    for thread in threads:
        thread.start()
    start.wait()
    began, cpu = time.perf_counter(), time.process_time()
    for thread in threads:
        thread.join()
    wall, cpu = time.perf_counter() - began, time.process_time() - cpu
    for client in sessions:
        client.close()
    if errors:
        raise SystemExit(f"{len(errors)} requests failed, e.g. {errors[:3]}")
    latencies = [ms for ms, _ in timings]
    front = [ms for ms, page in timings if 0 < page <= PAGES // 10]
    back = [ms for ms, page in timings if page > PAGES - PAGES // 10]
    return {
        "target": target,
        "clients": clients,
        "requests": len(latencies),
        "per_second": len(latencies) / wall,
        "load_cpu_ms": cpu * 1000 / len(latencies),
        **percentiles(latencies),
        "front_p50": percentiles(front)["p50"] if front else None,
        "back_p50": percentiles(back)["p50"] if back else None,
    }


def percentiles(latencies: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return {"p50": cuts[49], "p95": cuts[94], "p99": cuts[98], "max": max(latencies)}


def measure(port: int, target: str, clients: int, requests: int) -> dict[str, Any]:
    """One load, run by a fresh process of its own."""
    command = [sys.executable, __file__, "--load", str(port), "--target", target, *CHILD_ARGS]
    finished = subprocess.run(
        [*command, "--clients", str(clients), "--requests", str(requests)],
        capture_output=True,
        text=True,
    )
    if finished.returncode != 0:
        sys.stderr.write(finished.stdout[-5000:] + finished.stderr[-5000:])
        raise SystemExit(f"the {target} load with {clients} clients failed")
    return dict(json.loads(finished.stdout.strip().splitlines()[-1]))


def check_queue(port: int) -> None:
    """The queue really holds the 5,000 requests, and its last page has rows."""
    client = signed_in(port, APS_STAFF[0])
    first = client.get("/aps/requests?page=1")[1]
    last = client.get(f"/aps/requests?page={PAGES}")[1]
    client.close()
    shown = QUEUE_COUNT.search(first)
    if shown is None or int(shown.group(1)) != PENDING:
        raise SystemExit(
            f"the queue page does not say {PENDING} requests are waiting: "
            f"{shown.group(0) if shown else 'no queue count on the page'}"
        )
    rows = (first.count("data-request="), last.count("data-request="))
    if rows != (PAGE_SIZE, PENDING - (PAGES - 1) * PAGE_SIZE) or "Late" not in last:
        raise SystemExit(f"the first and last queue pages show {rows} rows (late ones last)")
    print(
        f"The queue page says {PENDING} requests are waiting; pages 1 and {PAGES} list "
        f"{rows[0]} and {rows[1]}, the last ones late.",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--load", metavar="PORT", type=int)
    parser.add_argument("--target", choices=["queue", "floor"], default="queue")
    parser.add_argument("--clients", type=int, default=1)
    parser.add_argument("--requests", type=int, help=f"timed requests a load (default {REQUESTS})")
    parser.add_argument("--quick", action="store_true", help="500 requests to decide: seconds")
    args = parser.parse_args()
    if args.quick:
        use_quick_sizes()
    requests = args.requests or REQUESTS
    if args.load:
        print(json.dumps(load(args.load, args.target, args.clients, requests, WARM_UP)))
        return

    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="audits-bench-") as tmp:
        print(
            f"Building a council of {CASES:,} cases, November allocated ({PER_AUDITOR} audits "
            f"each), and {PENDING:,} pending requests through the request store ...",
            flush=True,
        )
        db = build(Path(tmp))
        port = free_port()
        server = serve(db, port, Path(tmp))
        try:
            wait_until_up(port, server)
            check_queue(port)
            results: list[tuple[dict[str, Any], dict[str, Any]]] = []
            for clients in CONCURRENCY:
                floor = measure(port, "floor", clients, requests)
                queue = measure(port, "queue", clients, requests)
                results.append((queue, floor))
                print(
                    f"{clients} client{'s' if clients > 1 else ''}: queue p95 "
                    f"{queue['p95']:.1f} ms, floor p95 {floor['p95']:.1f} ms",
                    flush=True,
                )
        finally:
            server.send_signal(signal.SIGINT)  # as Ctrl-C: uvicorn stops its workers
            try:
                server.wait(20)
            except subprocess.TimeoutExpired:
                server.kill()
    report(results, time.perf_counter() - began)


def report(results: list[tuple[dict[str, Any], dict[str, Any]]], elapsed: float) -> None:
    workers = default_workers()
    print(
        f"{PENDING:,} pending requests ({PAGES} pages of {PAGE_SIZE}); `audits web`: uvicorn, "
        f"{workers} worker process{'es' if workers > 1 else ''} ({WORKERS} or one per core; "
        f"{machine_cores()} cores here, shared with the load), SQLite; each load "
        f"{results[0][0]['requests']:,} requests after {WARM_UP} warm-up"
    )
    met = True
    for queue, floor in results:
        clients = queue["clients"]
        print(f"-- {clients} concurrent client{'s' if clients > 1 else ''}")
        for name, r in (("queue", queue), ("floor", floor)):
            print(
                f"{name + ':':<7}p50 {r['p50']:6.1f} ms  p95 {r['p95']:6.1f} ms  "
                f"p99 {r['p99']:6.1f} ms  max {r['max']:6.1f} ms  {r['per_second']:6.1f} req/s  "
                f"(load CPU {r['load_cpu_ms']:.2f} ms a request)"
            )
        print(
            f"       queue p50 on pages 1-{PAGES // 10}: {queue['front_p50']:.1f} ms, "
            f"on pages {PAGES - PAGES // 10 + 1}-{PAGES}: {queue['back_p50']:.1f} ms"
        )
        print(
            f"ratio queue / floor: p95 {queue['p95'] / floor['p95']:.2f}, "
            f"p50 {queue['p50'] / floor['p50']:.2f}"
        )
        if clients == TARGET_CLIENTS:
            met = queue["p95"] <= TARGET_P95_MS
    print(f"target p95 <= {TARGET_P95_MS:.0f} ms at {TARGET_CLIENTS} clients: "
          f"{'met' if met else 'NOT met'}")  # fmt: skip
    print(f"whole benchmark: {elapsed:.0f} s")


if __name__ == "__main__":
    main()
