"""The ``audits`` command as operators run it: mostly ``audits.cli.main`` in this process (a
subprocess costs a second or more of imports); the installed script in a subprocess where only
a process of its own shows the behaviour: the module's init, imports and allocation (on the
session's Prefect harness), what a command imports, and that an answered allocation starts no
Prefect server.

Allocation runs once for the module (``allocated``); every allocation, list and explain test
reads that one database.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.audits.cli_support import command_env, in_process

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
AUDITS = Path(sys.executable).parent / "audits"
MONTH = "2026-11"  # the programme file's theme for it is missing_and_cse
DUE = "2026-11-30"  # its last working day

ALLOCATE_KEYS = {
    "audit_id",
    "case_ref",
    "auditor_id",
    "auditor_team",
    "case_team",
    "cohort",
    "due_on",
    "kind",
}
LIST_KEYS = {
    "audit_id",
    "case_ref",
    "auditor_id",
    "kind",
    "status",
    "due_on",
    "original_due_on",
    "completed_on",
    "judgement",
}
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
PREFECT_STARTING = "Starting temporary server"


@dataclass
class Cli:
    """The ``audits`` command against one SQLite file, run from ``cwd``."""

    db: Path
    cwd: Path

    @property
    def env(self) -> dict[str, str]:
        """The variables the command runs with, over the test process's environment."""
        return command_env(self.db)

    def run(self, *args: str | Path, **env: str) -> subprocess.CompletedProcess[str]:
        """``audits.cli.main`` in this process, with ``env`` over the command's variables."""
        return in_process(args, {**self.env, **env}, self.cwd)

    def run_all(
        self, argvs: Sequence[Sequence[str | Path]]
    ) -> list[subprocess.CompletedProcess[str]]:
        return [self.run(*args) for args in argvs]

    def ok(self, *args: str | Path) -> subprocess.CompletedProcess[str]:
        result = self.run(*args)
        assert result.returncode == 0, f"audits {args} failed:\n{result.stderr}"
        return result

    def spawn(self, *args: str | Path, **env: str) -> subprocess.CompletedProcess[str]:
        """The installed ``audits`` script in a subprocess, with ``env`` over its variables."""
        return self._subprocess([str(AUDITS), *map(str, args)], env)

    def spawn_ok(self, *args: str | Path, **env: str) -> subprocess.CompletedProcess[str]:
        result = self.spawn(*args, **env)
        assert result.returncode == 0, f"audits {args} failed:\n{result.stderr}"
        return result

    def python(self, code: str) -> subprocess.CompletedProcess[str]:
        """Run ``code`` in a fresh interpreter with this command's settings."""
        return self._subprocess([sys.executable, "-c", code], {})

    def _subprocess(self, argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
        # PREFECT_API_URL only when given: the test process's harness is not in its environment.
        environment = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
        return subprocess.run(
            argv,
            env={**environment, **self.env, **env},
            cwd=self.cwd,
            capture_output=True,
            text=True,
            timeout=180,
        )


def dump(db: Path) -> list[str]:
    """Every table's schema and rows as SQL: equal dumps mean an unchanged database."""
    with closing(sqlite3.connect(db)) as connection:
        return list(connection.iterdump())


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


STAFF = read_csv(EXAMPLES / "staff.csv")
CASES = read_csv(EXAMPLES / "cases.csv")
STAFF_TEAM = {row["staff_id"]: row["team"] for row in STAFF}
CASE_TEAM = {row["case_ref"]: row["team"] for row in CASES}
TEAM_MANAGERS = {row["staff_id"] for row in STAFF if row["role"] == "team_manager"}
INACTIVE = {row["staff_id"] for row in STAFF if row["active"] == "no"}


@dataclass
class Allocated:
    cli: Cli
    first: subprocess.CompletedProcess[str]
    rows: list[dict[str, Any]]


def copy_database(template: Path, folder: Path) -> Cli:
    """A copy of the database at ``template`` (with any -wal beside it) in ``folder``."""
    (folder / "db").mkdir()
    for file in template.parent.iterdir():
        if file.name.startswith(template.name):
            shutil.copyfile(file, folder / "db" / file.name)
    return Cli(folder / "db" / template.name, folder)


@pytest.fixture(scope="module")
def initialised(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A template database, initialised and empty; tests work on copies (``fresh``)."""
    folder = tmp_path_factory.mktemp("initialised")
    cli = Cli(folder / "db" / "audits.db", folder)
    cli.spawn_ok("init")
    return cli.db


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory, initialised: Path) -> Path:
    """A template database holding the example staff and cases (``loaded`` is a copy)."""
    cli = copy_database(initialised, tmp_path_factory.mktemp("imported"))
    cli.spawn_ok("import", "staff", EXAMPLES / "staff.csv")
    cli.spawn_ok("import", "cases", EXAMPLES / "cases.csv")
    return cli.db


@pytest.fixture(scope="module")
def allocated(
    tmp_path_factory: pytest.TempPathFactory, imported: Path, prefect_server: str
) -> Allocated:
    """One database for the module: the example staff and cases imported, MONTH allocated by
    the installed command (its flow run on the session's Prefect harness)."""
    cli = copy_database(imported, tmp_path_factory.mktemp("allocated"))
    first = cli.spawn_ok("allocate", "--month", MONTH, "--json", PREFECT_API_URL=prefect_server)
    return Allocated(cli, first, json.loads(first.stdout))


@pytest.fixture
def fresh(tmp_path: Path, initialised: Path) -> Cli:
    """An initialised, empty database of the test's own."""
    return copy_database(initialised, tmp_path)


@pytest.fixture
def loaded(tmp_path: Path, imported: Path) -> Cli:
    """A database of the test's own holding the example staff and cases."""
    return copy_database(imported, tmp_path)


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    """The single line a failed command printed on stderr (nothing on stdout)."""
    assert result.returncode != 0
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got:\n{result.stderr}"
    assert lines[0].startswith("audits")
    return lines[0]


# --- allocate ---------------------------------------------------------------------------------


def test_allocate_json_is_the_allocation_and_nothing_else(allocated: Allocated) -> None:
    rows = allocated.rows  # json.loads of the whole of stdout: nothing else was printed there
    assert isinstance(rows, list) and rows
    for row in rows:
        assert set(row) == ALLOCATE_KEYS
        assert isinstance(row["audit_id"], int)
        assert all(isinstance(row[key], str) for key in ALLOCATE_KEYS - {"audit_id"})
        assert row["due_on"] == DUE
        assert row["kind"] == "audit"
    assert len({row["audit_id"] for row in rows}) == len(rows)
    # The month's theme comes from the programme file; logs go to stderr, never stdout.
    assert any(row["cohort"] == "missing_and_cse" for row in rows)
    assert "allocate-monthly-audits" in allocated.first.stderr
    assert "allocate-monthly-audits" not in allocated.first.stdout


def test_allocate_gives_each_active_manager_a_case_from_another_team(allocated: Allocated) -> None:
    rows = allocated.rows
    auditors = [row["auditor_id"] for row in rows]
    cases = [row["case_ref"] for row in rows]
    assert len(set(auditors)) == len(auditors)  # audits_per_auditor = 1
    assert len(set(cases)) == len(cases)  # never the same case twice in a cycle
    assert set(auditors) == TEAM_MANAGERS - INACTIVE  # every one of them has enough cases here
    for row in rows:
        assert row["auditor_team"] == STAFF_TEAM[row["auditor_id"]]
        assert row["case_team"] == CASE_TEAM[row["case_ref"]]
        assert STAFF_TEAM[row["auditor_id"]] != CASE_TEAM[row["case_ref"]], row


def test_allocating_an_allocated_month_changes_nothing(allocated: Allocated) -> None:
    cli = allocated.cli
    before = dump(cli.db)
    # A process of its own without PREFECT_API_URL: a flow run would start a Prefect server.
    again = cli.spawn_ok("allocate", "--month", MONTH, "--json")
    assert json.loads(again.stdout) == allocated.rows
    assert "already allocated" in again.stderr
    assert PREFECT_STARTING not in again.stderr  # answered from the database, no flow run
    assert dump(cli.db) == before


def test_allocate_table_lists_the_allocation(allocated: Allocated) -> None:
    result = allocated.cli.ok("allocate", "--month", MONTH)
    lines = result.stdout.splitlines()
    header = lines[0].split()
    assert header[:2] == ["audit_id", "case_ref"]
    assert set(header) == ALLOCATE_KEYS
    body = [line.split() for line in lines[1 : 1 + len(allocated.rows)]]
    assert [(int(cells[0]), cells[1]) for cells in body] == [
        (row["audit_id"], row["case_ref"]) for row in allocated.rows
    ]
    assert "already allocated" in result.stderr


# --- list and explain -------------------------------------------------------------------------


def test_list_json_shows_every_audit_of_the_cycle(allocated: Allocated) -> None:
    result = allocated.cli.ok("list", "--month", MONTH, "--json")
    audits = json.loads(result.stdout)
    assert [a["audit_id"] for a in audits] == [r["audit_id"] for r in allocated.rows]
    by_id = {row["audit_id"]: row for row in allocated.rows}
    for audit in audits:
        assert set(audit) == LIST_KEYS
        allocation = by_id[audit["audit_id"]]
        assert (audit["case_ref"], audit["auditor_id"], audit["kind"]) == (
            allocation["case_ref"],
            allocation["auditor_id"],
            allocation["kind"],
        )
        assert audit["status"] == "allocated"
        assert audit["due_on"] == audit["original_due_on"] == DUE
        assert ISO_DATE.fullmatch(audit["due_on"])
        assert audit["completed_on"] is None and audit["judgement"] is None


def test_list_of_a_month_with_no_audits_is_empty(allocated: Allocated) -> None:
    result = allocated.cli.ok("list", "--month", "2027-01", "--json")
    assert json.loads(result.stdout) == []


def test_explain_json_accounts_for_every_allocation_and_exclusion(allocated: Allocated) -> None:
    result = allocated.cli.ok("explain", "--month", MONTH, "--json")
    explanation = json.loads(result.stdout)
    assert {"allocations", "excluded_auditors", "excluded_cases", "shortfalls"} <= set(explanation)

    allocations = explanation["allocations"]
    assert [(a["audit_id"], a["case_ref"], a["auditor_id"]) for a in allocations] == [
        (r["audit_id"], r["case_ref"], r["auditor_id"]) for r in allocated.rows
    ]
    for item in allocations:
        assert item["why_case"].strip() and item["why_auditor"].strip()

    excluded_cases = explanation["excluded_cases"]
    for case in excluded_cases:
        assert set(case) == {"case_ref", "reason"} and case["reason"].strip()
    closed = {row["case_ref"] for row in CASES if row["status"] == "closed"}
    assert closed <= {case["case_ref"] for case in excluded_cases}
    assert not closed & {a["case_ref"] for a in allocations}

    excluded_auditors = {p["staff_id"]: p["reason"] for p in explanation["excluded_auditors"]}
    assert INACTIVE and set(excluded_auditors) >= INACTIVE
    assert all(reason.strip() for reason in excluded_auditors.values())
    # Every Team Manager is accounted for: allocated, short of cases, or left out with a reason.
    short = {s["auditor_id"] for s in explanation["shortfalls"]}
    assert {a["auditor_id"] for a in allocations} | short | set(excluded_auditors) >= TEAM_MANAGERS


def test_explain_text_names_each_allocation(allocated: Allocated) -> None:
    result = allocated.cli.ok("explain", "--month", MONTH)
    for row in allocated.rows:
        assert f"{row['case_ref']} -> {row['auditor_id']}" in result.stdout
    for staff_id in INACTIVE:
        assert staff_id in result.stdout


# --- Prefect stays out of the commands that only read or record -------------------------------

PROBE = """
import json, sys
from audits.cli import main
codes = [main(argv) for argv in {argvs!r}]
loaded = sorted(m for m in sys.modules if m == "prefect" or m.startswith("prefect."))
print("PROBE " + json.dumps({{"codes": codes, "prefect": loaded[:5]}}), file=sys.stderr)
"""


def probe(cli: Cli, argvs: Sequence[Sequence[str]]) -> dict[str, Any]:
    result = cli.python(textwrap.dedent(PROBE.format(argvs=[list(a) for a in argvs])))
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("PROBE ")]
    assert len(lines) == 1, result.stderr
    outcome: dict[str, Any] = json.loads(lines[0].removeprefix("PROBE "))
    return outcome


def test_list_and_explain_never_import_prefect(allocated: Allocated) -> None:
    outcome = probe(
        allocated.cli,
        [
            ["list", "--month", MONTH, "--json"],
            ["list", "--month", MONTH],
            ["explain", "--month", MONTH, "--json"],
            ["explain", "--month", MONTH],
            ["explain", "--month", "2026-12"],  # an error on the way
        ],
    )
    assert outcome == {"codes": [0, 0, 0, 0, 2], "prefect": []}


def test_import_never_imports_prefect(fresh: Cli) -> None:
    bad = fresh.cwd / "bad.csv"
    bad.write_text("case_ref\nC1\n", encoding="utf-8")
    outcome = probe(
        fresh,
        [
            ["import", "staff", str(EXAMPLES / "staff.csv")],
            ["import", "cases", str(EXAMPLES / "cases.csv")],
            ["import", "cases", str(bad)],
        ],
    )
    assert outcome == {"codes": [0, 0, 2], "prefect": []}


# --- import -----------------------------------------------------------------------------------


def test_import_prints_a_summary(fresh: Cli) -> None:
    staff = fresh.ok("import", "staff", EXAMPLES / "staff.csv")
    assert staff.stdout.splitlines() == [staff.stdout.strip()]
    assert staff.stdout.startswith(f"Imported {len(STAFF)} staff rows")
    assert f"{len(STAFF)} new" in staff.stdout
    cases = fresh.ok("import", "cases", EXAMPLES / "cases.csv")
    assert cases.stdout.startswith(f"Imported {len(CASES)} cases rows")
    again = fresh.ok("import", "cases", EXAMPLES / "cases.csv")
    assert f"{len(CASES)} unchanged" in again.stdout


BAD_FILES = {
    "staff": (
        [
            "staff_id,name,email,role,team,service_area,line_manager_id,active",
            # A valid change to a stored row: it must not be written either.
            "S001,Morgan Renamed,morgan.new@example.gov.uk,director,,,,yes",
            "S100,Pat Example,not-an-email,team_manager,Assessment North,North Locality,S002,yes",
            "S101,Sam Example,sam@example.gov.uk,wizard,,,,yes",
            "S102,Lee Example,lee@example.gov.uk,aps,,,S999,maybe",
        ],
        {(3, "email"), (4, "role"), (5, "line_manager_id"), (5, "active")},
    ),
    "cases": (
        [
            "case_ref,team,service_area,status,date_of_birth,cin,cp_category,cla,cse_risk,"
            "missing_episodes_6m",
            "C100001,Assessment North,North Locality,closed,2025-11-14,no,neglect,no,,0",
            "C900001,Assessment North,North Locality,open,14/11/2025,no,,no,,0",
            "C900002,Assessment North,North Locality,open,2020-01-01,perhaps,,no,,0",
            "C900003,Assessment North,North Locality,open,2020-01-01,no,,no,,-1",
        ],
        {(3, "date_of_birth"), (4, "cin"), (5, "missing_episodes_6m")},
    ),
}


@pytest.mark.parametrize("what", sorted(BAD_FILES))
def test_a_bad_file_is_refused_whole_with_every_problem(loaded: Cli, what: str) -> None:
    lines, expected = BAD_FILES[what]
    (loaded.cwd / "exports").mkdir()
    (loaded.cwd / "exports" / "bad file.csv").write_text("\n".join(lines) + "\n", "utf-8")
    name = "exports/bad file.csv"  # relative to the command's working folder
    before = dump(loaded.db)
    assert any("S001" in line for line in before) and any("C100001" in line for line in before)

    result = loaded.run("import", what, name)

    assert result.returncode != 0
    assert result.stdout == ""
    *problems, last = result.stderr.splitlines()
    pattern = re.compile(rf"^{re.escape(name)}:(\d+):([a-z0-9_\-]+): .+")
    found = set()
    for line in problems:
        match = pattern.match(line)
        assert match, f"not FILE:ROW:COLUMN: message: {line!r}"
        found.add((int(match[1]), match[2]))
    assert found == expected
    assert "nothing was imported" in last
    assert dump(loaded.db) == before


def test_a_child_name_column_is_accepted_said_once_and_never_stored(fresh: Cli) -> None:
    secret = "Zebedee Quillfeather"
    rows = [line.split(",") for line in (EXAMPLES / "cases.csv").read_text().splitlines()]
    lines = [
        ",".join([*row[:1], "child_name" if n == 0 else f"{secret} {n}", *row[1:]])
        for n, row in enumerate(rows)
    ]
    (fresh.cwd / "with names.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")

    result = fresh.ok("import", "cases", "with names.csv")

    assert result.stdout.startswith(f"Imported {len(CASES)} cases rows")
    notices = [line for line in result.stderr.splitlines() if "child_name" in line]
    assert len(notices) == 1, result.stderr
    assert "never stored" in notices[0]
    assert "child_name" not in result.stdout
    assert "Zebedee" not in result.stdout + result.stderr
    stored = [p for p in fresh.db.parent.iterdir() if p.name.startswith(fresh.db.name)]
    assert fresh.db in stored
    for file in stored:  # the database and any -wal / -shm beside it
        assert b"Zebedee" not in file.read_bytes(), file
    listed = fresh.ok("list", "--month", MONTH, "--json")  # the file still works
    assert json.loads(listed.stdout) == []


# --- init -------------------------------------------------------------------------------------


def test_init_is_safe_to_run_again(tmp_path: Path) -> None:  # (``initialised`` spawns one)
    cli = Cli(tmp_path / "new" / "audits.db", tmp_path)
    first = cli.ok("init")
    assert cli.db.is_file()
    assert "audits.db" in first.stdout
    cli.ok("import", "staff", EXAMPLES / "staff.csv")
    before = dump(cli.db)
    cli.ok("init")
    assert dump(cli.db) == before


# --- help and errors --------------------------------------------------------------------------

HELP = {
    (): "allocate",
    ("init",): "database schema",
    ("import",): "staff",
    ("import", "staff"): "nothing is",
    ("import", "cases"): "nothing is",
    ("allocate",): "Allocate a month's audits",
    ("explain",): "excluded",
    ("list",): "status",
    ("demo",): "synthetic",
}


@pytest.fixture(scope="module")
def helps(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, ...], Any]:
    folder = tmp_path_factory.mktemp("help")
    results = Cli(folder / "unused.db", folder).run_all([(*c, "--help") for c in HELP])
    assert not (folder / "unused.db").exists()  # help touches no database
    return dict(zip(HELP, results, strict=True))


@pytest.mark.parametrize("command", list(HELP), ids=lambda c: " ".join(c) or "audits")
def test_help_says_what_each_command_does(helps: dict[Any, Any], command: tuple[str, ...]) -> None:
    result = helps[command]
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: audits")
    assert HELP[command] in " ".join(result.stdout.split())  # as if unwrapped
    if not command:  # the top level lists every command with what it does
        for name in ("init", "import", "allocate", "explain", "list", "demo"):
            assert re.search(rf"^\s+{name}\s+\S", result.stdout, re.MULTILINE), name


ERRORS = {
    ("allocate", "--month", "2026-13"): "YYYY-MM",
    ("allocate", "--month", "26-11", "--json"): "YYYY-MM",
    ("list", "--month", "2026-13", "--json"): "YYYY-MM",
    ("explain", "--month", "2026-13", "--json"): "YYYY-MM",
    ("allocate", "--month", MONTH, "--theme", "nope"): "'nope'",
    ("explain", "--month", "2026-12", "--json"): "2026-12",
    ("import", "staff", "no-such-file.csv"): "no-such-file.csv",
    ("import", "cases", "exports/missing.csv"): "exports/missing.csv",
    ("import", "people", "x.csv"): "people",
    ("list",): "--month",
    (): "COMMAND",
}


@dataclass
class Errors:
    results: dict[tuple[str, ...], subprocess.CompletedProcess[str]]
    unchanged: bool


@pytest.fixture(scope="module")
def errors(allocated: Allocated) -> Errors:
    """Every command of ERRORS run against the allocated database, which none may change."""
    before = dump(allocated.cli.db)
    results = allocated.cli.run_all(list(ERRORS))
    return Errors(dict(zip(ERRORS, results, strict=True)), dump(allocated.cli.db) == before)


@pytest.mark.parametrize("args", list(ERRORS), ids=lambda args: " ".join(args) or "audits")
def test_an_error_is_one_line(errors: Errors, args: tuple[str, ...]) -> None:
    line = one_line(errors.results[args])
    assert ERRORS[args] in line
    assert "Traceback" not in line
    assert errors.unchanged


@pytest.mark.parametrize(
    "args",
    [
        ("list", "--month", MONTH, "--json"),
        ("explain", "--month", MONTH),
        ("import", "staff", str(EXAMPLES / "staff.csv")),
        ("allocate", "--month", MONTH, "--json"),
    ],
    ids=lambda args: args[0],
)
def test_an_uninitialised_database_says_run_init(tmp_path: Path, args: tuple[str, ...]) -> None:
    cli = Cli(tmp_path / "audits.db", tmp_path)
    # allocate in a process of its own without PREFECT_API_URL: a flow would start a server.
    result = cli.spawn(*args) if args[0] == "allocate" else cli.run(*args)
    assert "run `audits init`" in one_line(result)
    assert PREFECT_STARTING not in result.stderr  # refused before any flow could start
    assert not (tmp_path / "audits.db").exists()  # and no empty database left behind


def test_an_unreachable_database_server_is_one_line(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "audits.db", tmp_path)
    with socket.socket() as probe:  # a port with nothing listening on it
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgresql+psycopg://audits@127.0.0.1:{port}/x"
    result = cli.run("list", "--month", MONTH, AUDITS_DATABASE_URL=url)
    assert f"cannot reach the database at postgresql+psycopg://audits@127.0.0.1:{port}/x" in (
        one_line(result)
    )


def test_a_malformed_database_url_is_one_line(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "audits.db", tmp_path)
    result = cli.run("list", "--month", MONTH, AUDITS_DATABASE_URL="not a database url")
    assert "AUDITS_DATABASE_URL" in one_line(result)


def test_a_missing_programme_file_is_one_line(allocated: Allocated, tmp_path: Path) -> None:
    nowhere = str(tmp_path / "nowhere.toml")
    result = Cli(allocated.cli.db, tmp_path).run(
        "allocate", "--month", "2026-12", AUDITS_PROGRAMME=nowhere
    )
    assert "nowhere.toml" in one_line(result)


def test_a_reader_that_stops_early_gets_no_traceback() -> None:
    """`audits list | head`: the command ends quietly (status 141, as for SIGPIPE), not with a
    BrokenPipeError traceback on the terminal."""
    script = (
        "import sys\n"
        "import audits.commands as commands\n"
        "from audits.cli import main\n"
        "def flood(args):\n"
        "    for n in range(200000):\n"
        "        print('audit', n)\n"
        "    return 0\n"
        "commands.run = flood\n"
        "sys.exit(main(['outbox']))\n"
    )
    reader = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
    )
    assert reader.stdout is not None and reader.stderr is not None
    assert reader.stdout.readline().startswith(b"audit 0")
    reader.stdout.close()  # as `head -1` does
    errors = reader.stderr.read().decode()
    assert reader.wait(timeout=60) == 141
    assert "Traceback" not in errors and "BrokenPipe" not in errors
