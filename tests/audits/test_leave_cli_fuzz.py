"""Fuzzing the flags of ``audits leave add|remove|list`` (Hypothesis) through ``audits.cli.main``
in this process: whatever is typed, the command never crashes; it either does what was asked or
exits non-zero with one line on stderr and the database as it was.

Each example runs the whole command against the database, so there are few of them; the values
are drawn from good ones, near misses and arbitrary text (with an undecodable byte).
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.audits.cli_support import ok
from tests.audits.cli_support import run_audits as run
from tests.audits.test_leave_cli import snapshot
from tests.importer.test_leave_import import HEADER, csv_cell
from tests.importer.test_leave_import import rows as leave_rows

# Any text a shell can pass: no NUL; "\udcff" is how Python reads a byte that is not UTF-8.
junk = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=12)
junk = junk | st.just("\udcff") | st.just("-x")
staff = st.sampled_from(["TM003", "TM004", "APS01", "SM001", "TM032", "TM099"]) | junk
days = (
    st.dates(date(2026, 11, 1), date(2027, 2, 28)).map(date.isoformat)
    | st.sampled_from(["2026-02-30", "2026-13-01", "26-12-01", "0000-01-01", "9999-12-31"])
    | junk
)
reasons = st.sampled_from(["annual leave", "", "a\nb", "x" * 201, "congé"]) | junk
leave_ids = st.integers(-2, 4).map(str) | st.sampled_from(["99999999999999999999", "1.0"]) | junk


@st.composite
def add_argv(draw: st.DrawFn) -> list[str]:
    flags = [["--from", draw(days)], ["--to", draw(days)], ["--reason", draw(reasons)],
             ["--by", draw(staff)]]  # fmt: skip
    kept = [pair for pair in flags if draw(st.sampled_from([True, True, True, False]))]
    order = draw(st.permutations(kept))
    return ["leave", "add", draw(staff), *[part for pair in order for part in pair]]


@st.composite
def other_argv(draw: st.DrawFn) -> list[str]:
    if draw(st.booleans()):
        return ["leave", "remove", draw(leave_ids), "--by", draw(staff)]
    argv = ["leave", "list"]
    if draw(st.booleans()):
        argv += ["--staff", draw(staff)]
    if draw(st.booleans()):
        argv += ["--on", draw(days)]
    return argv


@settings(
    max_examples=30,
    deadline=None,
    # One database for every example: each checks what it changed from how it found it.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(argv=add_argv() | other_argv(), as_json=st.booleans())
def test_fuzzed_flags_never_crash_and_a_refusal_changes_nothing(
    db: Path, argv: list[str], as_json: bool
) -> None:
    if not snapshot(db)[0]:  # some leave to remove, list and overlap
        ok(db, "leave", "add", "TM003", "--from", "2026-12-21", "--to", "2027-01-01",
           "--reason", "annual leave", "--by", "TM003")  # fmt: skip
    before = snapshot(db)
    result = run(db, *argv, *(["--json"] if as_json else []))
    assert "Traceback" not in result.stderr, result.stderr
    if result.returncode != 0:
        event("refused")
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert snapshot(db) == before
        return
    event(f"{argv[1]} done")
    leave_rows = len(snapshot(db)[0]) - len(before[0])
    assert leave_rows == {"add": 1, "remove": -1, "list": 0}[argv[1]]
    if as_json:
        json.loads(result.stdout)  # stdout is the JSON and nothing else


LOCATED = re.compile(r"leave\.csv:[0-9]+:(staff_id|from|to|reason|-): [^\n]+")


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=leave_rows, raw=st.just(b"") | st.binary(max_size=60))
def test_fuzzed_leave_files_are_imported_or_refused_line_by_line(
    db: Path, rows: list[tuple[str, str, str, str]], raw: bytes
) -> None:
    """``audits import leave``: a refused file prints one located line per problem and one
    summary line, exits non-zero and writes nothing."""
    lines = [HEADER, *(",".join(csv_cell(v) for v in row) for row in rows)]
    body = "\r\n".join(lines).encode("utf-8", "surrogateescape") + b"\r\n"
    (db.parent / "leave.csv").write_bytes(body + raw)  # raw: any bytes after the rows
    before = snapshot(db)
    result = run(db, "import", "leave", "leave.csv")
    assert "Traceback" not in result.stderr, result.stderr
    if result.returncode == 0:
        event("imported")
        assert result.stdout.startswith("Imported ")
        return
    event("refused")
    *problems, summary = result.stderr.strip().splitlines()
    assert problems and all(LOCATED.fullmatch(line) for line in problems), result.stderr
    assert (
        summary
        == f"audits: error: leave.csv: {len(problems)} problem(s) found; nothing was imported"
    )
    assert snapshot(db) == before
