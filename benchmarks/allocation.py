"""Benchmark: allocation at county-of-counties scale against an I/O floor, on SQLite.

100,000 open cases, 2,000 Team Managers with 2 audits each, 50,000 audits of history over the
previous 11 cycles. Each measurement runs in a fresh process on its own copy of the same
database, so wall time and peak memory (max RSS) belong to that work alone:

- allocation: the real ``allocate_cycle`` (load, eligibility, rules, insert, explanation);
- floor: reading the same eligible case and auditor rows and bulk-inserting the same number of
  audit rows, with no rules at all;
- with emails: the allocation as the flow runs it, with its emails (rendered, each with its
  calendar invitation) written to the outbox in the same transaction; printed beside the
  ratio, which is the allocation's alone.

Each phase is run 5 times (``--repeat``) and its fastest wall time kept, and apart from that
its least CPU time (user + system: steadier than wall time on a shared machine), printed
beside it with the ratio in CPU time.

Run: ``make bench`` (or ``.venv/bin/python benchmarks/allocation.py``). Targets (issue 16):
ratio <= 1.5 and peak RSS <= 300 MB. ``--quick`` runs the same measurements on 5,000 cases and
100 auditors, once each, to check that the benchmark still works (a test runs it so); its
figures say nothing about the targets. ``--million`` builds this council and one ten times its
size (1,000,000 cases, 20,000 auditors, 4,000 teams, 500,000 past audits; the same 8 service
areas), measures the floor and the allocation once each on both, and prints how time and peak
memory grow from one to the other. It takes several minutes (building the million is most of
it), so ``make bench`` does not run it.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text

from models.db import make_engine, migrate

MONTH = "2026-11"
PER_AUDITOR, AREAS = 2, 8
#: The councils, by name. ``full`` is the one the targets are for; ``quick`` runs in seconds
#: (its figures say nothing about the targets); ``million`` is ``full`` ten times over: ten
#: times the cases, auditors, teams and past audits, the same 8 service areas.
SIZES: dict[str, dict[str, int]] = {
    "full": {"CASES": 100_000, "AUDITORS": 2_000, "HISTORY": 50_000, "TEAMS": 400},
    "quick": {"CASES": 5_000, "AUDITORS": 100, "HISTORY": 2_500, "TEAMS": 20},
    "million": {"CASES": 1_000_000, "AUDITORS": 20_000, "HISTORY": 500_000, "TEAMS": 4_000},
}
SIZE = "full"
CASES, AUDITORS, HISTORY, TEAMS = SIZES[SIZE].values()
HISTORY_MONTHS = [f"2025-{m:02d}" for m in range(12, 13)] + [f"2026-{m:02d}" for m in range(1, 11)]
#: Rows a bulk insert of the build takes at a time: a million cases are never all in memory.
CHUNK = 50_000


def use_sizes(name: str) -> None:
    """Swap the module's sizes for council ``name``'s (every function reads them from here;
    each measured process is given the same name, so that it allocates as many audits as the
    floor inserts)."""
    globals().update(SIZES[name], SIZE=name)


def build(path: Path) -> None:
    """The council: teams, auditors, cases and past audits, bulk-inserted a chunk at a time."""
    from models import Audit, Case, Cycle, Staff, Team

    rng = random.Random(7)
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    now = datetime.now(UTC)
    teams = [{"name": f"Team {t:03d}", "service_area": f"Area {t % AREAS}"} for t in range(TEAMS)]
    cycles = [
        {"month": m, "theme": "all", "status": "allocated", "created_at": now}
        for m in HISTORY_MONTHS
    ]
    with engine.begin() as connection:
        connection.execute(insert(Team), teams)
        connection.execute(insert(Staff), list(_staff(now)))
        for chunk in _chunks(_cases(rng, now)):
            connection.execute(insert(Case), chunk)
        connection.execute(insert(Cycle), cycles)
        audited = rng.sample(range(CASES), HISTORY)
        for chunk in _chunks(_history(audited, now)):
            connection.execute(insert(Audit), chunk)
    engine.dispose()


def _chunks(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    while chunk := list(islice(rows, CHUNK)):
        yield chunk


def _staff(now: datetime) -> Iterator[dict[str, Any]]:
    for i in range(AUDITORS):
        yield {
            "staff_id": f"TM{i:05d}",
            "name": f"Manager {i}",
            "email": f"tm{i}@example.gov.uk",
            "role": "team_manager",
            "team": f"Team {i % TEAMS:03d}",
            "line_manager_id": None,
            "active": True,
            "in_latest_export": True,
            "created_at": now,
            "updated_at": now,
        }


def _cases(rng: random.Random, now: datetime) -> Iterator[dict[str, Any]]:
    for i in range(CASES):
        yield {
            "case_ref": f"C{i:07d}",
            "team": f"Team {rng.randrange(TEAMS):03d}",
            "status": "open",
            "date_of_birth": date(2010 + rng.randrange(16), 1 + rng.randrange(12), 1),
            "cin": rng.random() < 0.5,
            "cp_category": "neglect" if rng.random() < 0.15 else None,
            "cla": rng.random() < 0.25,
            "cse_risk": "emerging" if rng.random() < 0.04 else None,
            "missing_episodes_6m": 1 if rng.random() < 0.06 else 0,
            "in_latest_export": True,
            "created_at": now,
            "updated_at": now,
        }


def _history(audited: list[int], now: datetime) -> Iterator[dict[str, Any]]:
    for n, i in enumerate(audited):
        yield {
            "cycle": HISTORY_MONTHS[n % len(HISTORY_MONTHS)],
            "kind": "audit",
            "case_ref": f"C{i:07d}",
            "auditor_id": f"TM{n % AUDITORS:05d}",
            "cohort": "all",
            "status": "completed",
            "allocated_on": date(2026, 1, 2),
            "due_on": date(2026, 1, 30),
            "original_due_on": date(2026, 1, 30),
            "auditor_team": "x",
            "auditor_service_area": "x",
            "case_team": "x",
            "case_service_area": "x",
            "created_at": now,
            "updated_at": now,
        }


def run_allocation(path: Path, with_emails: bool = False) -> dict[str, float]:
    from config.settings import load_policy
    from flows.allocate import allocate_and_write, allocate_cycle
    from models.db import session_scope
    from notifications.email_context import EmailContext
    from rules.policy import AllocationPolicy

    base = load_policy()
    policy = type(base)(
        **{**base.__dict__, "allocation": AllocationPolicy(audits_per_auditor=PER_AUDITOR)}
    )
    from sqlalchemy.orm import configure_mappers

    # Work a long-running worker does once, not per allocation: mapping the ORM classes and
    # importing the bank-holiday calendar (the holidays library loads countries lazily).
    configure_mappers()
    import holidays.countries.united_kingdom  # noqa: F401

    engine = make_engine(f"sqlite:///{path}")
    context = EmailContext("https://audits.example", "aps@example.gov.uk", "P", "k" * 40,
                           datetime.now(UTC))  # fmt: skip
    started, cpu = time.perf_counter(), time.process_time()
    with session_scope(engine, write_lock=True) as session:
        if with_emails:
            outcome = allocate_and_write(session, policy, MONTH, "cin", context)
        else:
            outcome = allocate_cycle(session, policy, MONTH, "cin")
    return _timed(started, cpu, len(outcome.audits))


def run_floor(path: Path) -> dict[str, float]:
    """Read the eligible rows and insert as many audit rows, with no rules."""
    engine = make_engine(f"sqlite:///{path}")
    started, cpu = time.perf_counter(), time.process_time()
    with engine.begin() as connection:
        auditors = connection.execute(
            text(
                "SELECT s.staff_id, s.team, t.service_area FROM staff s "
                "JOIN team t ON t.name = s.team "
                "WHERE s.role = 'team_manager' AND s.active AND s.in_latest_export"
            )
        ).all()
        cases = connection.execute(
            text(
                "SELECT c.case_ref, c.team, t.service_area, c.date_of_birth, c.cin, c.cp_category, "
                "c.cla, c.cse_risk, c.missing_episodes_6m FROM case_record c "
                "JOIN team t ON t.name = c.team WHERE c.status = 'open' AND c.in_latest_export "
                "AND c.case_ref NOT IN (SELECT case_ref FROM audit)"
            )
        ).all()
        connection.execute(
            text(
                "INSERT INTO cycle (month, theme, status, created_at) "
                "VALUES (:m, 'cin', 'allocated', :t)"
            ),
            {"m": MONTH, "t": datetime.now(UTC).replace(tzinfo=None)},
        )
        now = datetime.now(UTC).replace(tzinfo=None)
        rows = [
            {
                "cycle": MONTH,
                "kind": "audit",
                "case_ref": cases[n][0],
                "auditor_id": auditors[n % len(auditors)][0],
                "cohort": "cin",
                "status": "allocated",
                "allocated_on": date(2026, 11, 2),
                "due_on": date(2026, 11, 30),
                "original_due_on": date(2026, 11, 30),
                "auditor_team": auditors[n % len(auditors)][1],
                "auditor_service_area": auditors[n % len(auditors)][2],
                "case_team": cases[n][1],
                "case_service_area": cases[n][2],
                "reason": "",
                "created_at": now,
                "updated_at": now,
            }
            for n in range(AUDITORS * PER_AUDITOR)
        ]
        names = list(rows[0])
        insert_audit = (
            f"INSERT INTO audit ({', '.join(names)}) "
            f"VALUES ({', '.join(':' + name for name in names)})"
        )
        connection.execute(text(insert_audit), rows)
    return _timed(started, cpu, len(rows))


def _timed(started: float, cpu: float, audits: int) -> dict[str, float]:
    return {
        "seconds": time.perf_counter() - started,
        "cpu_seconds": time.process_time() - cpu,
        "audits": audits,
    }


def peak_rss_mb() -> float:
    """This process's peak resident memory. (``ru_maxrss`` would also count the parent's
    memory from before ``exec``, so read the kernel's high-water mark instead.)"""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(phase: str, source: Path, workdir: Path) -> dict[str, float]:
    """Run one phase in a fresh process on a fresh copy of the database."""
    copy = workdir / f"{phase}.db"
    # As in benchmarks/chase.py: a stale write-ahead log beside a fresh copy would spoil it.
    for sidecar in ("-wal", "-shm"):
        copy.with_name(copy.name + sidecar).unlink(missing_ok=True)
    shutil.copy(source, copy)
    command = [sys.executable, __file__, "--phase", phase, "--db", str(copy), "--size", SIZE]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def measure_council(phases: tuple[str, ...], repeat: int) -> dict[str, dict[str, float]]:
    """Build the council of the current size; each phase's fastest of ``repeat`` runs."""
    best: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="audits-bench-") as tmp:
        workdir = Path(tmp)
        source = workdir / "council.db"
        print(f"Building {CASES:,} cases, {AUDITORS:,} auditors, {HISTORY:,} past audits ...")
        build(source)
        for _ in range(repeat):
            for phase in phases:
                result = measure(phase, source, workdir)
                if phase not in best or result["seconds"] < best[phase]["seconds"]:
                    cpu = best.get(phase, result)["cpu_seconds"]
                    best[phase] = {**result, "cpu_seconds": min(cpu, result["cpu_seconds"])}
                else:
                    best[phase]["cpu_seconds"] = min(
                        best[phase]["cpu_seconds"], result["cpu_seconds"]
                    )
    if best["allocation"]["audits"] != AUDITORS * PER_AUDITOR:
        # A ratio of an allocation that gave fewer cases than asked compares nothing.
        got = best["allocation"]["audits"]
        raise SystemExit(f"allocated {got:.0f} audits, not {AUDITORS * PER_AUDITOR:,}")
    return best


def report(best: dict[str, dict[str, float]], repeat: int) -> None:
    alloc, floor = best["allocation"], best["floor"]
    for name, result in (("floor", floor), ("allocation", alloc), ("with emails", best["emails"])):
        print(
            f"{name + ':':<13}{result['seconds']:.3f} s ({result['cpu_seconds']:.3f} s CPU), "
            f"{result['audits']:.0f} audit rows, peak RSS {result['peak_rss_mb']:.0f} MB"
        )
    ratio = alloc["seconds"] / floor["seconds"]
    cpu = alloc["cpu_seconds"] / floor["cpu_seconds"]
    print(
        f"ratio allocation / floor (best of {repeat} each): {ratio:.2f}  (target <= 1.5; "
        f"in CPU time {cpu:.2f})"
    )
    print(f"peak RSS of the allocation: {alloc['peak_rss_mb']:.0f} MB  (target <= 300 MB)")


def report_growth() -> None:
    """The full council and the million, floor and allocation once each: how time and peak
    memory grow with ten times the council."""
    by_size: dict[int, dict[str, dict[str, float]]] = {}
    for name in ("full", "million"):
        use_sizes(name)
        by_size[CASES] = measure_council(("floor", "allocation"), repeat=1)
    for cases, best in by_size.items():
        alloc, floor = best["allocation"], best["floor"]
        print(
            f"{cases:>9,} cases: floor {_figures(floor)}; allocation {_figures(alloc)}; "
            f"ratio {alloc['seconds'] / floor['seconds']:.2f} "
            f"(CPU {alloc['cpu_seconds'] / floor['cpu_seconds']:.2f})"
        )
    (small, at_small), (large, at_large) = by_size.items()
    for phase in ("allocation", "floor"):
        before, after = at_small[phase], at_large[phase]
        print(
            f"growth of the {phase}, {small:,} to {large:,} cases: "
            f"time x{after['seconds'] / before['seconds']:.1f} "
            f"(CPU x{after['cpu_seconds'] / before['cpu_seconds']:.1f}), "
            f"peak RSS x{after['peak_rss_mb'] / before['peak_rss_mb']:.1f}"
        )


def _figures(result: dict[str, float]) -> str:
    return (
        f"{result['seconds']:.2f} s ({result['cpu_seconds']:.2f} s CPU), "
        f"{result['peak_rss_mb']:.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--phase", choices=["allocation", "floor", "emails"])
    parser.add_argument("--db", type=Path)
    parser.add_argument("--size", choices=list(SIZES), default="full", help=argparse.SUPPRESS)
    parser.add_argument(
        "--repeat",
        type=int,
        # (5: a process here can run up to a third slower than the one before it)
        help="measurements of each phase (default 5)",
    )
    parser.add_argument("--quick", action="store_true", help="a small council, once: seconds")
    parser.add_argument(
        "--million",
        action="store_true",
        help="the council and one of 1,000,000 cases, floor and allocation once each: "
        "how time and memory grow (several minutes)",
    )
    args = parser.parse_args()
    use_sizes("quick" if args.quick else args.size)
    if args.phase:
        if args.phase == "floor":
            result = run_floor(args.db)
        else:
            result = run_allocation(args.db, with_emails=args.phase == "emails")
        result["peak_rss_mb"] = peak_rss_mb()
        print(json.dumps(result))
    elif args.million:
        report_growth()
    else:
        repeat = args.repeat or (1 if args.quick else 5)
        report(measure_council(("floor", "allocation", "emails"), repeat), repeat)


if __name__ == "__main__":
    main()
