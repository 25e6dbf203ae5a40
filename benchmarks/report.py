"""Benchmark: the highlight report over about 1,000,000 audits of history, on SQLite (and with
``--postgres`` on PostgreSQL too).

A synthetic county, bulk-inserted once per run: 95 cycles from November 2018 to September 2026
(the report's month), none allocated in April and May 2020 (the programme paused from 23 March
to 31 May 2020, March's audits' due dates moved on), 2,750 auditors with 3 audits each a month
and every completed audit judged requires improvement or inadequate re-audited 3 months later:
about 1,000,000 audits, a quarter of them re-audits. Statuses as a live programme has them:
most completed (about a fifth late, some after an extension), some still outstanding (a third of
the report's month), some exempted or withdrawn. The auditors' teams and service areas were
reorganised in April 2022, so the audits' snapshots name 360 teams in 18 service areas. Every
50th completion records theme descriptors, every 100th a reflection, every 80th feedback; each
cycle has recommendations and theme commentary.

Each measurement runs in a fresh process (imports before the clock, best of N), so its wall
time and peak memory belong to that work alone:

- floor: exactly the SQL statements the store runs for the report (captured once with a
  ``before_cursor_execute`` listener around ``report_figures``), re-run through the driver's
  cursor with their parameters, every row fetched: the database's own work;
- figures: ``report_figures`` (the store's queries, rows and arithmetic);
- compile: the figures, then ``render_report_html`` (the SVG charts and the page);
- PDF: ``html_to_pdf`` on the compiled page (WeasyPrint's first conversion in a process, as the
  monthly flow pays it); measured once, on SQLite's page (PostgreSQL's is the same page).

Targets and ratios are on wall time; each phase's CPU time is printed beside it, to read the
figures on a machine that other work is sharing.

Run: ``make bench`` (or ``.venv/bin/python benchmarks/report.py``; ``--database PATH`` keeps
the county there and reuses it on the next run). ``--postgres [URL]`` also measures the floor,
figures and compile on PostgreSQL (default 127.0.0.1:5432, user postgres, trust auth), in a
database of its own (``audits_bench_report``, or ``_quick``) built once (about 2 minutes) and
kept for later runs (``dropdb`` it when done). Targets: compile / floor <= 1.15 on each database,
PDF <= 5 s.
``--quick`` builds the same 95 cycles with 60 auditors doing one audit a month (about 7,300
audits) and measures each phase once, to check that the benchmark still works (a test runs it
so); its figures say nothing about the targets.
"""

from __future__ import annotations

import argparse
import json
import pickle
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import make_url, text

from models.db import make_engine, migrate
from rules.policy import Policy, ReportPolicy

FIRST, MONTH = "2018-11", "2026-09"
REPORT_DAY = date(2026, 9, 30)  # the report is compiled at the end of its month
PAUSE = (date(2020, 3, 23), date(2020, 5, 31))
PAUSED_CYCLES = ("2020-04", "2020-05")  # no cycle allocated while paused
PAUSE_MOVED = date(2020, 6, 30)  # where March 2020's due date was moved on to
REORGANISED = "2022-04"  # teams and service areas renamed from this cycle on
AUDITORS, PER_AUDITOR, CASES = 2_750, 3, 150_000
AREAS = (
    "Front Door",
    "Assessment",
    "Safeguarding North",
    "Safeguarding South",
    "Children in Care",
    "Disabled Children",
    "Care Leavers",
    "Early Help",
    "Adolescents",
    "Family Court",
)
OLD_AREAS = ("North", "South", "East", "West", "Looked After", "Specialist", "Intake", "Court")
TEAMS_PER_AREA = 20
REAUDIT_ON, REAUDIT_AFTER = ("requires_improvement", "inadequate"), 3
FINDINGS_EVERY, REFLECTION_EVERY, FEEDBACK_EVERY = 50, 100, 80
REFLECTION_KEYS = ("done_well", "challenges", "enough_tools", "do_differently")
THEMES = ("cin", "cp_under_5", "cp_sexual_abuse", "cse", "missing", "missing_and_cse")
TARGET_RATIO, TARGET_PDF_S = 1.15, 5.0
#: ``--postgres``: the server (trust auth) and the county's database there, kept and reused.
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DATABASE = "audits_bench_report"
#: ``--quick``: the sizes above, small enough to run in seconds. Only the build reads them (the
#: phases measure whatever county the database holds), so the phases need not be told.
QUICK: dict[str, Any] = {"AUDITORS": 60, "PER_AUDITOR": 1, "CASES": 3_000, "TEAMS_PER_AREA": 2}
POLICY = Policy(
    name="Synthetic County monthly case audit programme",
    report=ReportPolicy(author="APS Manager (benchmark)", contact="aps-team@example.gov.uk"),
)

DESCRIPTORS = (
    "Visits were timely and purposeful, and the child's voice is clear in the record.",
    "The plan is specific, measurable and reviewed within timescales.",
    "Chronology not kept up to date; key events are missing from the last six months.",
    "Supervision records show reflective discussion and clear management oversight.",
    "Drift between core groups: actions carried over without challenge.",
    "Direct work with the young person is creative and well evidenced.",
    "Risk assessment does not weigh the father's history; the analysis needs strengthening.",
    "Good multi-agency working with school and health; information shared promptly.",
)
ANSWERS = (
    "Building a trusting relationship with the family over several months.",
    "Caseload pressures and a change of social worker during the period.",
    "Yes, though more training on life story work would help.",
    "Escalate sooner when the plan is not progressing.",
    "Using the family network meeting early to plan for contingencies.",
    "Recording the child's own words rather than summarising them.",
)
FEEDBACK = (
    "The social worker listened and explained what would happen next.",
    "We were not told about the meeting until the day before.",
    "An open and honest relationship; she always called back.",
    "Minutes were slow to be shared with partner agencies.",
    "My son felt he could talk to his worker about school.",
)


def use_quick_sizes() -> None:
    """Swap the module's sizes for the quick ones (every function reads them from here)."""
    globals().update(QUICK)


# --- the county ----------------------------------------------------------------------------------


def months() -> list[str]:
    from rules.months import add_months

    found, month = [], FIRST
    while month <= MONTH:
        found.append(month)
        month = add_months(month, 1)
    return found


def team_names(areas: tuple[str, ...], suffix: str = "") -> list[tuple[str, str]]:
    """(team, service area) for every team of ``areas``."""
    return [(f"{area} {t + 1:02d}{suffix}", area) for area in areas for t in range(TEAMS_PER_AREA)]


def build_sqlite(path: Path) -> dict[str, int]:
    """The county in a SQLite file: written to a side file and renamed when complete."""
    partial = path.with_suffix(".partial")
    for stale in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        stale.unlink(missing_ok=True)
    counts = build(f"sqlite:///{partial}")
    partial.rename(path)
    return counts


def build_postgres(url: str) -> dict[str, int]:
    """The county in its own PostgreSQL database: built in a side database, vacuumed and
    analysed (as autovacuum leaves a live one), and renamed when complete."""
    name = make_url(url).database
    partial = f"{name}_partial"
    with _connect(url) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{partial}"')
        server.execute(f'CREATE DATABASE "{partial}"')
    counts = build(database_url(url, partial))
    with _connect(url, partial) as database:
        database.execute("VACUUM ANALYZE")
    with _connect(url) as server:
        server.execute(f'ALTER DATABASE "{partial}" RENAME TO "{name}"')
    return counts


def postgres_exists(url: str) -> bool:
    """Whether the county's PostgreSQL database is there (complete: it is renamed when built)."""
    with _connect(url) as server:
        found = server.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (make_url(url).database,)
        )
        return found.fetchone() is not None


def database_url(url: str, name: str) -> str:
    return make_url(url).set(database=name).render_as_string(hide_password=False)


@contextmanager
def _connect(url: str, database: str = "postgres") -> Iterator[Any]:
    """An autocommit connection to ``database`` on ``url``'s server."""
    import psycopg

    libpq = make_url(url).set(drivername="postgresql", database=database)
    with psycopg.connect(libpq.render_as_string(hide_password=False), autocommit=True) as conn:
        yield conn


def build(url: str) -> dict[str, int]:
    """The county, in one transaction."""
    from sqlmodel import SQLModel

    from models import Audit, Case, Cycle, Staff, Team
    from models.bulk import insert_many, table_of
    from models.db import session_scope
    from models.findings import Feedback, Reflection, ThemeFinding
    from models.programme import Pause, Recommendation, ThemeCommentary

    engine = make_engine(url)
    migrate(engine)
    history = History(random.Random(11))
    tables: dict[str, type[SQLModel]] = {
        "audit": Audit,
        "theme_finding": ThemeFinding,
        "reflection": Reflection,
        "feedback": Feedback,
        "recommendation": Recommendation,
        "theme_commentary": ThemeCommentary,
    }
    with session_scope(engine) as session:
        if engine.dialect.name == "sqlite":
            session.connection().exec_driver_sql("PRAGMA cache_size=-524288")  # 512 MB to build
        for table, rows in (
            (Team, [{"name": t, "service_area": a} for t, a in history.teams]),
            (Staff, history.staff()),
            (Case, history.cases()),
            (Cycle, history.cycles()),
            (Pause, [history.pause()]),
        ):
            insert_many(session, table_of(table), rows)
        for index, month in enumerate(history.active):
            for name, rows in history.month(index, month).items():
                insert_many(session, table_of(tables[name]), rows)
    engine.dispose()
    return history.counts


class History:
    """The county's rows, table by table, then cycle by cycle (ids in order, so that a re-audit
    follows its audit)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.now = datetime(2026, 9, 30, 17, 0, tzinfo=UTC)
        self.teams, self.old_teams = team_names(AREAS), team_names(OLD_AREAS, " (to 2022)")
        self.active = [m for m in months() if m not in PAUSED_CYCLES]
        self.themes = {m: THEMES[n % len(THEMES)] for n, m in enumerate(self.active)}
        self.next_id = 1
        self.reaudits: dict[str, list[tuple[int, int, str]]] = {}  # cycle: (case, parent, cohort)
        self.counts = dict.fromkeys(
            ("audit", "reaudit", "theme_finding", "reflection", "feedback"), 0
        )

    def staff(self) -> list[dict[str, Any]]:
        return [
            {
                "staff_id": f"TM{s:05d}",
                "name": f"Team Manager {s}",
                "email": f"tm{s}@example.gov.uk",
                "role": "team_manager",
                "team": self.teams[s % len(self.teams)][0],
                "line_manager_id": None,
                "active": True,
                "in_latest_export": True,
                "missing_since": None,
                "created_at": self.now,
                "updated_at": self.now,
            }
            for s in range(AUDITORS)
        ]

    def cases(self) -> list[dict[str, Any]]:
        rng = self.rng
        birthdays = [date(2008, 1, 1) + timedelta(days=d) for d in range(18 * 365)]
        return [
            {
                "case_ref": f"C{c:07d}",
                "team": self.teams[c % len(self.teams)][0],
                "status": "open",
                "date_of_birth": rng.choice(birthdays),
                "cin": rng.random() < 0.5,
                "cp_category": "neglect" if rng.random() < 0.15 else None,
                "cla": rng.random() < 0.25,
                "cse_risk": "emerging" if rng.random() < 0.04 else None,
                "missing_episodes_6m": 1 if rng.random() < 0.06 else 0,
                "in_latest_export": True,
                "missing_since": None,
                "created_at": self.now,
                "updated_at": self.now,
            }
            for c in range(CASES)
        ]

    def cycles(self) -> list[dict[str, Any]]:
        """Every month allocated but the paused ones, and next month planned."""
        from rules.due_dates import allocation_date, due_date
        from rules.policy import DueDatePolicy

        planned = {"month": "2026-10", "theme": "all", "status": "planned"}
        return [
            {
                "month": m,
                "theme": self.themes[m],
                "status": "allocated",
                "allocated_on": allocation_date(m),
                "due_on": due_date(m, DueDatePolicy()),
                "allocated_at": self.now,
                "explanation": None,
                "created_at": self.now,
            }
            for m in self.active
        ] + [
            {
                **planned,
                "allocated_on": None,
                "due_on": None,
                "allocated_at": None,
                "explanation": None,
                "created_at": self.now,
            }
        ]

    def pause(self) -> dict[str, Any]:
        return {
            "starts_on": PAUSE[0],
            "ends_on": PAUSE[1],
            "reason": "Stay-at-home order: audits suspended while services moved online",
            "move_due_dates": True,
            "created_by": "APS01",
            "resumed_on": None,
            "created_at": self.now,
            "applied_on": date(2020, 6, 1),
            "moved_working_days": 48,
        }

    def month(self, index: int, month: str) -> dict[str, list[dict[str, Any]]]:
        """The cycle's audits, re-audits and what their completions recorded, and the APS
        team's recommendations and commentary."""
        from rules.due_dates import allocation_date, due_date
        from rules.policy import DueDatePolicy

        rng = self.rng
        allocated_on, original = allocation_date(month), due_date(month, DueDatePolicy())
        due_on = PAUSE_MOVED if month == "2020-03" else original
        age = len(self.active) - 1 - index  # cycles before the report's
        snapshot = self.teams if month >= REORGANISED else self.old_teams
        plan: list[tuple[str, int, int | None, str | None]] = [
            ("audit", rng.randrange(CASES), None, None) for _ in range(AUDITORS * PER_AUDITOR)
        ]
        plan += [("reaudit", *due) for due in self.reaudits.pop(month, [])]
        rows: dict[str, list[dict[str, Any]]] = {
            "audit": [],
            "theme_finding": [],
            "reflection": [],
            "feedback": [],
        }
        for n, (kind, case, parent, parent_cohort) in enumerate(plan):
            status, judgement, completed_on = _status(rng, age), None, None
            extended = due_on if rng.random() > 0.04 else due_on + timedelta(days=14)
            if status == "completed":
                judgement = _judgement(rng, kind)
                completed_on = _completed_on(rng, allocated_on, extended)
            auditor = (n * 7 + index) % AUDITORS
            team, area = snapshot[auditor % len(snapshot)]
            case_team, case_area = snapshot[case % len(snapshot)]
            cohort = parent_cohort or (self.themes[month] if rng.random() < 0.7 else "all")
            audit_id, self.next_id = self.next_id, self.next_id + 1
            rows["audit"].append(
                {
                    "id": audit_id,
                    "cycle": month,
                    "kind": kind,
                    "case_ref": f"C{case:07d}",
                    "auditor_id": f"TM{auditor:05d}",
                    "cohort": cohort,
                    "status": status,
                    "allocated_on": allocated_on,
                    "due_on": extended,
                    "original_due_on": original,
                    "completed_on": completed_on,
                    "judgement": judgement,
                    "parent_audit_id": parent,
                    "auditor_team": team,
                    "auditor_service_area": area,
                    "case_team": case_team,
                    "case_service_area": case_area,
                    "reason": "",
                    "created_at": self.now,
                    "updated_at": self.now,
                }
            )
            if status == "completed":
                if kind == "audit" and judgement in REAUDIT_ON:
                    self._reaudit_later(month, (case, audit_id, cohort))
                self._completion(rows, n, audit_id, kind, cohort)
        rows["recommendation"] = [
            {
                "cycle": month,
                "number": r + 1,
                "text": f"Recommendation {r + 1} of {month}: supervision in line with "
                "timescales, the plan reviewed at every core group.",
                "high_priority": r < 2,
                "created_by": "APS01",
                "created_at": self.now,
            }
            for r in range(6 if month == MONTH else 3)
        ]
        rows["theme_commentary"] = [
            {
                "cycle": month,
                "theme": theme,
                "text": f"Commentary on {theme} in {month}: practice improving, but drift "
                "remains where plans are not reviewed.",
                "created_by": "APS01",
                "created_at": self.now,
            }
            for theme in (self.themes[month], "all")
        ]
        reaudits = sum(row["kind"] == "reaudit" for row in rows["audit"])
        self.counts["audit"] += len(rows["audit"]) - reaudits
        self.counts["reaudit"] += reaudits
        for name in ("theme_finding", "reflection", "feedback"):
            self.counts[name] += len(rows[name])
        return rows

    def _reaudit_later(self, month: str, due: tuple[int, int, str]) -> None:
        from rules.months import add_months

        later = add_months(month, REAUDIT_AFTER)
        while later in PAUSED_CYCLES:
            later = add_months(later, 1)
        self.reaudits.setdefault(later, []).append(due)

    def _completion(
        self, rows: dict[str, list[dict[str, Any]]], n: int, audit_id: int, kind: str, cohort: str
    ) -> None:
        """Every FINDINGS_EVERY-th completed audit records descriptors (its cohort's and all
        open cases'), every REFLECTION_EVERY-th a reflection, every FEEDBACK_EVERY-th feedback."""
        rng = self.rng
        if kind == "audit" and n % FINDINGS_EVERY == 0:
            rows["theme_finding"] += [
                {"audit_id": audit_id, "theme": theme, "descriptor": rng.choice(DESCRIPTORS)}
                for theme in dict.fromkeys((cohort, "all"))
            ]
        if n % REFLECTION_EVERY == 1:
            answers = rng.sample(ANSWERS, 4)
            rows["reflection"].append(
                {"audit_id": audit_id, **dict(zip(REFLECTION_KEYS, answers, strict=True))}
            )
        if n % FEEDBACK_EVERY == 2:
            rows["feedback"] += [
                {
                    "audit_id": audit_id,
                    "source": rng.choice(("parent", "child", "carer", "partner_agency")),
                    "kind": kind_of,
                    "text": rng.choice(FEEDBACK),
                }
                for kind_of in ("strength", "improvement")[: 1 + n % 2]
            ]


def _status(rng: random.Random, age: int) -> str:
    """Most completed; the report's month still a third outstanding, last month a tenth."""
    outstanding = 0.33 if age == 0 else 0.10 if age == 1 else 0.04
    draw = rng.random()
    if draw < 0.04:
        return "exempted"
    if draw < 0.06:
        return "withdrawn"
    return "allocated" if draw < 0.06 + outstanding else "completed"


def _judgement(rng: random.Random, kind: str) -> str:
    weights = (7, 58, 26, 9) if kind == "audit" else (5, 65, 22, 8)
    return rng.choices(("outstanding", "good", "requires_improvement", "inadequate"), weights)[0]


def _completed_on(rng: random.Random, allocated_on: date, due_on: date) -> date:
    """About four in five by the due date, the rest up to five weeks late (never after the
    report's day)."""
    if rng.random() < 0.22:
        late = due_on + timedelta(days=rng.randint(1, 35))
        if late <= REPORT_DAY:
            return late
    return allocated_on + timedelta(
        days=rng.randint(0, min(due_on, REPORT_DAY).toordinal() - allocated_on.toordinal())
    )


# --- the measurements, each in a process of its own ----------------------------------------------


def capture(url: str, work: Path) -> tuple[list[list[Any]], Any]:
    """The statements one ``report_figures`` call sends to the driver, with their parameters,
    saved for the floor; and the figures, to check against the build."""
    from sqlalchemy import event
    from sqlmodel import Session

    from models.report_store import report_figures

    engine = make_engine(url)
    statements: list[list[Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        # As the driver was given them (a tuple for SQLite, a dict for psycopg, with dates).
        statements.append([statement, parameters])

    event.listen(engine, "before_cursor_execute", record)
    with Session(engine) as session:
        figures = report_figures(session, POLICY, MONTH)
    engine.dispose()
    (work / "statements.pickle").write_bytes(pickle.dumps(statements))
    return statements, figures


def run_floor(url: str, work: Path) -> dict[str, Any]:
    """The captured statements through the driver's cursor, every row fetched."""
    statements = pickle.loads((work / "statements.pickle").read_bytes())
    engine = make_engine(url)
    started, cpu = time.perf_counter(), time.process_time()
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        rows = 0
        for statement, parameters in statements:
            cursor.execute(statement, parameters)
            rows += len(cursor.fetchall())
        cursor.close()
        connection.rollback()
    finally:
        connection.close()
    return {
        "seconds": time.perf_counter() - started,
        "cpu_s": time.process_time() - cpu,
        "statements": len(statements),
        "rows": rows,
    }


def run_compile(url: str, work: Path, html: bool) -> dict[str, Any]:
    """The store's figures and, with ``html``, the page with its chart."""
    from sqlalchemy.orm import configure_mappers
    from sqlmodel import Session

    from models.report_store import report_figures

    if html:
        from reports.html import render_report_html  # matplotlib and Jinja, before the clock
    configure_mappers()  # once per worker, not per report
    engine = make_engine(url)
    started, cpu = time.perf_counter(), time.process_time()
    with Session(engine) as session:
        figures = report_figures(session, POLICY, MONTH)
    read = time.perf_counter()
    page = render_report_html(figures) if html else ""
    done, cpu = time.perf_counter(), time.process_time() - cpu
    if html:
        (work / "report.html").write_text(page, encoding="utf-8")
    return {
        "seconds": done - started,
        "cpu_s": cpu,
        "figures_s": read - started,
        "html_s": done - read,
        "html_kb": len(page.encode()) / 1024,
    }


def run_pdf(work: Path) -> dict[str, Any]:
    """WeasyPrint on the compiled page, its first conversion in the process (as the monthly
    flow pays it: WeasyPrint's own start-up is under 0.1 s)."""
    from reports.pdf import html_to_pdf

    page = (work / "report.html").read_text(encoding="utf-8")
    started, cpu = time.perf_counter(), time.process_time()
    pdf = html_to_pdf(page)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    try:
        from io import BytesIO

        from pypdf import PdfReader

        pages: int | None = len(PdfReader(BytesIO(pdf)).pages)
    except ImportError:
        pages = None
    return {"seconds": seconds, "cpu_s": cpu, "pages": pages, "pdf_kb": len(pdf) / 1024}


def peak_rss_mb() -> float:
    """This process's peak resident memory. (``ru_maxrss`` would also count the parent's
    memory from before ``exec``, so read the kernel's high-water mark instead.)"""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(phase: str, url: str, work: Path) -> dict[str, Any]:
    """Run one phase in a fresh process."""
    finished = subprocess.run(
        [sys.executable, __file__, "--phase", phase, "--url", url, "--work", str(work)],
        capture_output=True,
        text=True,
    )
    if finished.returncode != 0:
        sys.stderr.write(finished.stdout[-5000:] + finished.stderr[-5000:])
        raise SystemExit(f"the {phase} phase failed")
    return dict(json.loads(finished.stdout.strip().splitlines()[-1]))


PHASES = ("floor", "figures", "compile", "pdf")


def run_phase(phase: str, url: str, work: Path) -> dict[str, Any]:
    if phase == "floor":
        return run_floor(url, work)
    if phase == "pdf":
        return run_pdf(work)
    return run_compile(url, work, html=phase == "compile")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--phase", choices=PHASES)
    parser.add_argument("--url")
    parser.add_argument("--work", type=Path)
    # (5: PostgreSQL's half-second floor moves by a tenth from one process to the next)
    parser.add_argument("--repeat", type=int, help="measurements of each phase (default 5)")
    parser.add_argument("--quick", action="store_true", help="a small county, once: seconds")
    parser.add_argument(
        "--database",
        type=Path,
        help="build the county in this file and reuse it on later runs (default: a temporary "
        "directory, removed afterwards)",
    )
    parser.add_argument(
        "--postgres",
        nargs="?",
        const=POSTGRES,
        metavar="URL",
        help=f"also measure on PostgreSQL (default server {POSTGRES}): the county is built in "
        f"a database of its own, {DATABASE} (_quick), kept and reused on later runs",
    )
    args = parser.parse_args()
    if args.quick:
        use_quick_sizes()
    repeat = args.repeat or (1 if args.quick else 5)
    if args.phase:
        result = run_phase(args.phase, args.url, args.work)
        result["peak_rss_mb"] = peak_rss_mb()
        print(json.dumps(result))
        return

    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="audits-bench-") as tmp:
        work = Path(tmp)
        db = args.database.resolve() if args.database else work / "county.db"
        counties = {"SQLite": sqlite_county(db)}
        if args.postgres:
            name = f"{DATABASE}_quick" if args.quick else DATABASE
            counties["PostgreSQL"] = postgres_county(database_url(args.postgres, name))
        best: dict[str, dict[str, dict[str, Any]]] = {}
        total = 0
        for database, url in counties.items():
            folder = work / database
            folder.mkdir()
            total = check(url, folder)
            phases = PHASES if database == "SQLite" else PHASES[:-1]  # one PDF: the same page
            found = best[database] = {}
            for _ in range(repeat):
                for phase in phases:
                    result = measure(phase, url, folder)
                    if phase not in found or result["seconds"] < found[phase]["seconds"]:
                        found[phase] = result
    report(best, total, repeat, time.perf_counter() - began)


def sqlite_county(db: Path) -> str:
    if db.exists():
        print(f"Reusing the county in {db}", flush=True)
    else:
        announce()
        started = time.perf_counter()
        db.parent.mkdir(parents=True, exist_ok=True)
        built(build_sqlite(db), started, f"{db.stat().st_size / 2**20:,.0f} MB")
    return f"sqlite:///{db}"


def postgres_county(url: str) -> str:
    if postgres_exists(url):
        print(f"Reusing the county in PostgreSQL's {make_url(url).database}", flush=True)
    else:
        announce("PostgreSQL ")
        started = time.perf_counter()
        built(build_postgres(url), started, f"in PostgreSQL's {make_url(url).database}")
    return url


def announce(where: str = "") -> None:
    print(
        f"Building the {where}county: {len(months())} cycles {FIRST} to {MONTH}, {AUDITORS:,} "
        f"auditors with {PER_AUDITOR} audits a month, re-audits, findings ...",
        flush=True,
    )


def built(counts: dict[str, int], started: float, size: str) -> None:
    print(
        f"built in {time.perf_counter() - started:.0f} s: {counts['audit']:,} audits and "
        f"{counts['reaudit']:,} re-audits; {counts['theme_finding']:,} theme descriptors, "
        f"{counts['reflection']:,} reflections, {counts['feedback']:,} feedback lines; {size}",
        flush=True,
    )


def check(url: str, work: Path) -> int:
    """Capture the store's statements; its figures must agree with the database."""
    statements, figures = capture(url, work)
    engine = make_engine(url)
    with engine.connect() as connection:
        query = text("SELECT kind, count(*) FROM audit GROUP BY kind")
        by_kind: dict[str, int] = {kind: n for kind, n in connection.execute(query)}
    engine.dispose()
    shown = {
        "audit": figures.audits.allocated + figures.audits.released,
        "reaudit": figures.reaudits.allocated + figures.reaudits.released,
    }
    if shown != by_kind:
        raise SystemExit(f"the report counts {shown}, the database holds {by_kind}")
    kinds = [statement.split(None, 1)[0].upper() for statement, _ in statements]
    print(
        f"The store's figures agree with the database ({sum(by_kind.values()):,} audits, "
        f"audit compliance {figures.audits.pct}%, {len(figures.compliance_rows)} compliance "
        f"rows); it runs {len(statements)} statements ({kinds.count('SELECT')} SELECTs).",
        flush=True,
    )
    return sum(by_kind.values())


def report(
    best: dict[str, dict[str, dict[str, Any]]], total: int, repeat: int, elapsed: float
) -> None:
    def line(name: str, result: dict[str, Any], detail: str) -> None:
        print(
            f"{name + ':':<9}{result['seconds']:7.3f} s (CPU {result['cpu_s']:.3f} s)  {detail}"
            f"peak RSS {result['peak_rss_mb']:.0f} MB"
        )

    print(f"{total:,} audits of history; each phase the best of {repeat} fresh processes")
    for database, found in best.items():
        floor, figures, compiled = (found[phase] for phase in PHASES[:-1])
        on = "" if database == "SQLite" else f" on {database}"
        print(f"-- {database}")
        line("floor", floor, f"{floor['statements']} statements, {floor['rows']:,} rows; ")
        line("figures", figures, "")
        line(
            "compile",
            compiled,
            f"figures {compiled['figures_s']:.3f} s, HTML with charts {compiled['html_s']:.3f} s,"
            f" {compiled['html_kb']:,.0f} kB; ",
        )
        ratio = compiled["seconds"] / floor["seconds"]
        print(
            f"ratio figures / floor{on}: {figures['seconds'] / floor['seconds']:.2f} "
            f"(CPU {figures['cpu_s'] / floor['cpu_s']:.2f})"
        )
        print(
            f"ratio compile / floor{on}: {ratio:.2f} (CPU {compiled['cpu_s'] / floor['cpu_s']:.2f})"
            f"  target <= {TARGET_RATIO:g}: {'met' if ratio <= TARGET_RATIO else 'NOT met'}"
        )
    pdf = best["SQLite"]["pdf"]
    line("PDF", pdf, f"{pdf['pages']} pages, {pdf['pdf_kb']:,.0f} kB; ")
    print(
        f"PDF: {pdf['seconds']:.1f} s (CPU {pdf['cpu_s']:.1f} s)  target <= {TARGET_PDF_S:g} s: "
        f"{'met' if pdf['seconds'] <= TARGET_PDF_S else 'NOT met'}"
    )
    print(f"whole benchmark: {elapsed:.0f} s")


if __name__ == "__main__":
    main()
