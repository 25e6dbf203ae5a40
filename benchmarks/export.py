"""Benchmark: the evidence export (``audits export``) of 24 cycles, about 240,000 audits, on
SQLite.

A synthetic county, bulk-inserted once per run: 24 cycles (October 2024 to September 2026) of
10,000 audits each (a fifth of them re-audits), most completed and judged, every 4th completed
audit carrying one or two recurring findings and every 10th an action (half of them done).

Each measurement runs in a fresh process (imports before the clock, best of N), so its wall
time and peak memory belong to that work alone:

- read floor: the rows the export reads (audits, tags, action counts, actions) fetched through
  the driver in four plain statements: the database's own work;
- write floor: openpyxl writing as many rows of the same shape (constant values) in write-only
  mode: the library's own work;
- export: ``load_evidence`` and ``write_evidence``, as the command runs them.

The ratio is export / (read floor + write floor); target <= 3 (typed, inert cells cost
about twice the bare appends). Peak memory shows that the
workbook is streamed (the audits are read a page at a time).

Run: ``.venv/bin/python benchmarks/export.py`` (``--database PATH`` keeps the county there and
reuses it). ``--quick`` builds 24 cycles of 120 audits and measures each phase once, to check
that the benchmark still works (a test runs it so); its figures say nothing about the target.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

FIRST, LAST = "2024-10", "2026-09"
PER_CYCLE, AUDITORS, TEAMS = 10_000, 2_000, 40
TAGS = ("supervision", "drift_and_delay", "recording", "chronology", "planning")
TARGET_RATIO = 3.0
QUICK: dict[str, Any] = {"PER_CYCLE": 120, "AUDITORS": 40, "TEAMS": 4}
NOW = datetime(2026, 9, 30, 17, 0, tzinfo=UTC)


def months() -> list[str]:
    from rules.compliance import months_from

    return months_from(FIRST, LAST)


def build(path: Path) -> int:
    """The county, in one transaction; written to a side file and renamed when complete."""
    from models import Audit, Case, Cycle, Staff, Team
    from models.actions import AuditAction
    from models.bulk import insert_many, table_of
    from models.db import make_engine, migrate, session_scope
    from models.findings import FindingTag

    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{partial}")
    migrate(engine)
    rng = random.Random(14)
    teams = [f"Team {t}" for t in range(TEAMS)]
    staff = [
        {"staff_id": f"TM{s:05d}", "name": f"Team Manager {s}", "email": f"tm{s}@example.gov.uk",
         "role": "team_manager", "team": teams[s % TEAMS], "line_manager_id": None,
         "active": True, "in_latest_export": True, "missing_since": None, "created_at": NOW,
         "updated_at": NOW}
        for s in range(AUDITORS)
    ]  # fmt: skip
    cases = [
        {"case_ref": f"C{c:07d}", "team": teams[c % TEAMS], "status": "open",
         "date_of_birth": date(2015, 1, 1), "cin": True, "cp_category": None, "cla": False,
         "cse_risk": None, "missing_episodes_6m": 0, "in_latest_export": True,
         "missing_since": None, "created_at": NOW, "updated_at": NOW}
        for c in range(PER_CYCLE)
    ]  # fmt: skip
    audits, tags, actions, next_id = [], [], [], 1
    cycles = []
    for month in months():
        start = date.fromisoformat(f"{month}-01")
        due = start + timedelta(days=27)
        while due.weekday() >= 5:
            due -= timedelta(days=1)
        cycles.append({"month": month, "theme": "cin", "status": "allocated",
                       "allocated_on": start, "due_on": due, "allocated_at": NOW,
                       "explanation": None, "created_at": NOW})  # fmt: skip
        for n in range(PER_CYCLE):
            done = rng.random() < 0.9
            completed_on = due + timedelta(days=rng.choice((-9, -3, 0, 4))) if done else None
            team = teams[n % TEAMS]
            audits.append(
                {"id": next_id, "cycle": month, "kind": "reaudit" if n % 5 == 0 else "audit",
                 "case_ref": f"C{n:07d}", "auditor_id": f"TM{n % AUDITORS:05d}", "cohort": "cin",
                 "status": "completed" if done else rng.choice(("allocated", "exempted")),
                 "allocated_on": start, "due_on": due, "original_due_on": due,
                 "completed_on": completed_on,
                 "judgement": rng.choice(("good", "requires_improvement")) if done else None,
                 "parent_audit_id": None, "auditor_team": team, "auditor_service_area": "North",
                 "case_team": team, "case_service_area": "North", "reason": "",
                 "created_at": NOW, "updated_at": NOW}
            )  # fmt: skip
            if done and n % 4 == 0:
                tags += [{"audit_id": next_id, "tag": t} for t in rng.sample(TAGS, 1 + n % 2)]
            if done and n % 10 == 0:
                actions.append(
                    {"audit_id": next_id, "text": "Review the plan", "owner_id": "TM00000",
                     "set_on": start, "due_on": due, "set_by": "TM00001",
                     "status": "done" if n % 20 == 0 else "open",
                     "done_on": due if n % 20 == 0 else None, "done_by": None,
                     "done_note": None, "created_at": NOW}
                )  # fmt: skip
            next_id += 1
    with session_scope(engine) as session:
        insert_many(session, table_of(Team), [{"name": t, "service_area": "North"} for t in teams])
        for model, rows in ((Staff, staff), (Case, cases), (Cycle, cycles), (Audit, audits),
                            (FindingTag, tags), (AuditAction, actions)):  # fmt: skip
            insert_many(session, table_of(model), rows)
    engine.dispose()
    partial.rename(path)
    return len(audits)


READ_FLOOR = (
    f"SELECT * FROM audit WHERE cycle BETWEEN '{FIRST}' AND '{LAST}' ORDER BY cycle, id",
    "SELECT audit_id, tag FROM finding_tag ORDER BY audit_id, tag",
    "SELECT audit_id, status, count(*) FROM audit_action GROUP BY audit_id, status",
    "SELECT a.*, audit.case_ref FROM audit_action a JOIN audit ON audit.id = a.audit_id "
    "ORDER BY a.id",
)


def run_read_floor(db: Path, out: Path) -> dict[str, Any]:
    import sqlite3

    started, cpu = time.perf_counter(), time.process_time()
    rows = 0
    with sqlite3.connect(db) as connection:
        for statement in READ_FLOOR:
            rows += len(connection.execute(statement).fetchall())
    return _timed(started, cpu, rows=rows)


def run_write_floor(db: Path, out: Path) -> dict[str, Any]:
    import sqlite3

    from openpyxl import Workbook

    with sqlite3.connect(db) as connection:
        count = connection.execute("SELECT count(*) FROM audit").fetchone()[0]
    started, cpu = time.perf_counter(), time.process_time()
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Audits")
    row = [1, "2026-01", "audit", "C0000001", "Team 1", "North", "cin", "TM00001", "Team 1",
           date(2026, 1, 1), date(2026, 1, 28), date(2026, 1, 28), "completed",
           date(2026, 1, 20), True, "good", "supervision", 0, 1]  # fmt: skip
    for _ in range(count):
        sheet.append(row)
    book.save(out)
    return _timed(started, cpu, rows=count)


def run_export(db: Path, out: Path) -> dict[str, Any]:
    from sqlmodel import Session

    from models.db import make_engine
    from models.export_store import load_evidence
    from reports.export_xlsx import write_evidence
    from rules.policy import Policy

    engine = make_engine(f"sqlite:///{db}")
    started, cpu = time.perf_counter(), time.process_time()
    with Session(engine) as session:
        counts = write_evidence(load_evidence(session, Policy(), FIRST, LAST), out)
    return _timed(started, cpu, rows=counts["Audits"], sheets=counts, kb=out.stat().st_size / 1024)


def _timed(started: float, cpu: float, **detail: Any) -> dict[str, Any]:
    return {"seconds": time.perf_counter() - started, "cpu_s": time.process_time() - cpu, **detail}


def peak_rss_mb() -> float:
    """This process's peak resident memory (the kernel's high-water mark)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


PHASES = {"read floor": run_read_floor, "write floor": run_write_floor, "export": run_export}


def measure(phase: str, db: Path, work: Path) -> dict[str, Any]:
    """Run one phase in a fresh process."""
    finished = subprocess.run(
        [sys.executable, __file__, "--phase", phase, "--db", str(db), "--work", str(work)],
        capture_output=True,
        text=True,
    )
    if finished.returncode != 0:
        sys.stderr.write(finished.stdout[-5000:] + finished.stderr[-5000:])
        raise SystemExit(f"the {phase} phase failed")
    return dict(json.loads(finished.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--phase", choices=PHASES)
    parser.add_argument("--db", type=Path)
    parser.add_argument("--work", type=Path)
    parser.add_argument("--repeat", type=int, help="measurements of each phase (default 3)")
    parser.add_argument("--quick", action="store_true", help="a small county, once: seconds")
    parser.add_argument("--database", type=Path, help="build the county here and reuse it")
    args = parser.parse_args()
    if args.quick:
        globals().update(QUICK)
    if args.phase:
        result = PHASES[args.phase](args.db, args.work / f"{args.phase.replace(' ', '-')}.xlsx")
        print(json.dumps({**result, "peak_rss_mb": peak_rss_mb()}))
        return
    repeat = args.repeat or (1 if args.quick else 3)
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="audits-bench-") as tmp:
        work = Path(tmp)
        db = args.database.resolve() if args.database else work / "county.db"
        if db.exists():
            print(f"Reusing the county in {db}", flush=True)
        else:
            started = time.perf_counter()
            built = build(db)
            print(f"built {built:,} audits in {time.perf_counter() - started:.0f} s", flush=True)
        best: dict[str, dict[str, Any]] = {}
        for _ in range(repeat):
            for phase in PHASES:
                result = measure(phase, db, work)
                if phase not in best or result["seconds"] < best[phase]["seconds"]:
                    best[phase] = result
    report(best, repeat, time.perf_counter() - began)


def report(best: dict[str, dict[str, Any]], repeat: int, elapsed: float) -> None:
    read, write, export = best["read floor"], best["write floor"], best["export"]
    print(f"{export['rows']:,} audits exported; each phase the best of {repeat} fresh processes")
    for name, result in best.items():
        print(
            f"{name + ':':<13}{result['seconds']:7.3f} s (CPU {result['cpu_s']:.3f} s)  "
            f"{result['rows']:,} rows; peak RSS {result['peak_rss_mb']:.0f} MB"
        )
    print(f"workbook: {export['kb']:,.0f} kB, rows {export['sheets']}")
    floor = read["seconds"] + write["seconds"]
    ratio = export["seconds"] / floor
    print(
        f"ratio export / (read floor + write floor): {ratio:.2f} "
        f"(CPU {export['cpu_s'] / (read['cpu_s'] + write['cpu_s']):.2f})  "
        f"target <= {TARGET_RATIO:g}: {'met' if ratio <= TARGET_RATIO else 'NOT met'}"
    )
    print(f"whole benchmark: {elapsed:.0f} s")


if __name__ == "__main__":
    main()
