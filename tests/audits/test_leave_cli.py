"""``audits leave add|list|remove`` and ``audits import leave`` through ``audits.cli.main`` in
this process.

November 2026 is allocated once (allocated Mon 2 Nov, every audit due Mon 30 Nov 2026); each
test works on a copy. Leave commands take no "today", so the dates here are fixed.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from flows.allocate import allocate_cycle
from models.db import make_engine, session_scope
from tests.audits.cli_support import codes_without_prefect, ok, refused_unchanged, rows_of
from tests.audits.cli_support import run_audits as run
from tests.flows.council import POLICY

KEYS = ["leave_id", "staff_id", "from", "to", "reason", "created_by"]


#: What a refused command must leave as it was.
WATCHED = (
    "SELECT * FROM staff_leave ORDER BY id",
    "SELECT id, auditor_id, status FROM audit ORDER BY id",
    "SELECT count(*) FROM trail_entry",
    "SELECT count(*) FROM import_run",
)


def snapshot(db: Path) -> tuple[Any, ...]:
    return rows_of(db, WATCHED)


def refused(db: Path, *args: str) -> str:
    """A command that breaks a rule: non-zero, one line on stderr, the database unchanged."""
    return refused_unchanged(db, WATCHED, *args)


def add(db: Path, staff: str, start: str, end: str, by: str, reason: str = "annual leave") -> Any:
    return ok(db, "leave", "add", staff, "--from", start, "--to", end, "--reason", reason,
              "--by", by)  # fmt: skip


def test_add_list_and_remove_print_the_contract(db: Path) -> None:
    first = add(db, "TM003", "2026-12-21", "2027-01-01", "TM003")
    assert list(first) == KEYS
    assert first == {
        "leave_id": 1, "staff_id": "TM003", "from": "2026-12-21", "to": "2027-01-01",
        "reason": "annual leave", "created_by": "TM003",
    }  # fmt: skip
    second = add(db, "TM004", "2026-12-24", "2026-12-24", "APS01", "training")
    assert ok(db, "leave", "list") == [first, second]
    assert ok(db, "leave", "list", "--staff", "TM004") == [second]
    assert ok(db, "leave", "list", "--on", "2026-12-24") == [first, second]
    assert ok(db, "leave", "list", "--on", "2027-01-01", "--staff", "TM003") == [first]
    assert ok(db, "leave", "list", "--on", "2027-01-02") == []
    text = run(db, "leave", "list").stdout.splitlines()
    # 21 Dec to 1 Jan: 25, 28 Dec and 1 Jan are bank holidays, so 7 working days.
    assert text == [
        "1: TM003, 2026-12-21 to 2027-01-01 (7 working days): annual leave (recorded by TM003)",
        "2: TM004, 2026-12-24 to 2026-12-24 (1 working day): training (recorded by APS01)",
        "2 leave records",
    ]
    assert ok(db, "leave", "remove", "2", "--by", "APS01") == second
    removed = run(db, "leave", "remove", "1", "--by", "TM003")
    assert removed.returncode == 0, removed.stderr
    assert removed.stdout.startswith("Leave 1 removed: TM003, 2026-12-21 to 2027-01-01")
    assert ok(db, "leave", "list") == []
    with closing(sqlite3.connect(db)) as connection:
        trail = connection.execute(
            "SELECT actor, action, subject_id FROM trail_entry WHERE subject_type = 'staff_leave' "
            "ORDER BY id"
        ).fetchall()
    assert trail == [
        ("TM003", "leave.recorded", "1"),
        ("APS01", "leave.recorded", "2"),
        ("APS01", "leave.removed", "2"),
        ("TM003", "leave.removed", "1"),
    ]


def test_leave_over_an_allocated_audit_says_it_is_not_released(db: Path) -> None:
    [audit] = [a for a in ok(db, "list", "--month", "2026-11") if a["auditor_id"] == "TM005"]
    result = run(db, "leave", "add", "TM005", "--from", "2026-11-23", "--to", "2026-11-27",
                 "--reason", "annual leave", "--by", "TM005", "--json")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["leave_id"] == 1  # stdout is the JSON alone
    assert result.stderr.strip() == (
        f"TM005 has audits to do during this leave (audit {audit['audit_id']} due 2026-11-30): "
        "leave does not release them; ask for an exemption (audits exemption request) if it "
        "should"
    )
    assert audit in ok(db, "list", "--month", "2026-11")  # still allocated, still TM005's


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("add", "TM004", "--from", "2026-12-07", "--to", "2026-12-11", "--reason", "x", "--by",
          "TM003"), "TM003 may record only their own leave: leave of TM004 needs a member"),
        (("add", "TM003", "--from", "2026-12-07", "--to", "2026-12-11", "--reason", "x", "--by",
          "SM001"), "SM001 is a service_manager: only APS members"),
        (("add", "TM003", "--from", "2026-12-07", "--to", "2026-12-11", "--reason", "x", "--by",
          "TM032"), "TM032 is marked inactive and cannot record leave"),
        (("add", "TM099", "--from", "2026-12-07", "--to", "2026-12-11", "--reason", "x", "--by",
          "APS01"), "there is no member of staff TM099"),
        (("add", "TM003", "--from", "2026-12-11", "--to", "2026-12-07", "--reason", "x", "--by",
          "APS01"), "the leave ends (2026-12-07) before it starts (2026-12-11)"),
        (("add", "TM003", "--from", "2026-12-30", "--to", "2027-01-04", "--reason", "x", "--by",
          "APS01"), "TM003 already has leave 1 from 2026-12-21 to 2027-01-01, which overlaps"),
        (("add", "TM003", "--from", "2027-02-01", "--to", "2027-02-05", "--reason", "a\nb",
          "--by", "APS01"), "the reason must be one line of text"),
        (("add", "TM003", "--from", "2027-02-01", "--to", "2027-02-05", "--reason", "y" * 201,
          "--by", "APS01"), "the reason is longer than 200 characters"),
        (("add", "TM003", "--from", "2027-02-01", "--to", "2027-02-31", "--reason", "x",
          "--by", "APS01"), "argument --to: '2027-02-31' is not a real date"),
        (("add", "TM003", "--from", "2027-02-01", "--to", "2027-02-05", "--reason", "x"),
         "the following arguments are required: --by"),
        (("remove", "1", "--by", "TM004"), "TM004 may remove only their own leave: leave of TM003"),
        (("remove", "2", "--by", "APS01"), "there is no leave 2"),
        (("remove", "0", "--by", "APS01"), "not a leave id"),
        (("remove", "99999999999", "--by", "APS01"), "not a leave id"),
        (("list", "--staff", "T" * 41), "not a staff id"),
        (("list", "--on", "tomorrow"), "'tomorrow' is not a date written YYYY-MM-DD"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_and_changes_nothing(
    db: Path, args: tuple[str, ...], message: str
) -> None:
    add(db, "TM003", "2026-12-21", "2027-01-01", "APS01")
    assert message in refused(db, "leave", *args)


def test_import_leave_whole_or_nothing(db: Path) -> None:
    good = db.parent / "leave.csv"
    good.write_text("staff_id,from,to,reason\nTM003,2026-12-21,2027-01-01,annual leave\n")
    result = run(db, "import", "leave", str(good))
    assert result.returncode == 0, result.stderr
    assert "Imported 1 leave rows" in result.stdout and "1 recorded" in result.stdout
    assert [x["created_by"] for x in ok(db, "leave", "list")] == ["import"]
    bad = db.parent / "bad.csv"
    bad.write_text(
        "staff_id,from,to,reason\nTM004,2026-12-21,2027-01-01,ok\nTM003,2026-12-24,2026-12-24,x\n"
    )
    before = snapshot(db)
    result = run(db, "import", "leave", "bad.csv")
    assert result.returncode != 0
    assert result.stderr.splitlines() == [
        "bad.csv:3:from: overlaps leave 1 (2026-12-21 to 2027-01-01) already recorded for "
        "TM003: leave may not overlap",
        "audits: error: bad.csv: 1 problem(s) found; nothing was imported",
    ]
    assert snapshot(db) == before


def test_leave_recorded_before_a_month_is_allocated_is_in_its_explanation(db: Path) -> None:
    """December 2026: allocated Tue 1 Dec, due Thu 31 Dec. TM003 is away all month; TM004 away
    the first fortnight only, which leaves enough working days."""
    add(db, "TM003", "2026-11-30", "2027-01-08", "TM003")
    add(db, "TM004", "2026-12-01", "2026-12-11", "APS01", "training")
    engine = make_engine(f"sqlite:///{db}")
    with session_scope(engine, write_lock=True) as session:
        allocate_cycle(session, POLICY, "2026-12", "all")
    engine.dispose()
    explanation = ok(db, "explain", "--month", "2026-12")
    auditors = {a["auditor_id"] for a in explanation["allocations"]}
    assert "TM003" not in auditors and "TM004" in auditors
    left_out = {p["staff_id"]: p["reason"] for p in explanation["excluded_auditors"]}
    assert left_out["TM003"] == (
        "on recorded leave 2026-11-30 to 2027-01-08: 0 working day(s) free between allocation "
        "(2026-12-01) and the due date (2026-12-31), fewer than 5"
    )
    text = run(db, "explain", "--month", "2026-12").stdout
    assert f"  auditor left out: TM003: {left_out['TM003']}" in text.splitlines()


def test_help_names_the_contract_flags(db: Path) -> None:
    add_help = " ".join(run(db, "leave", "add", "--help").stdout.split())
    assert "--from YYYY-MM-DD --to YYYY-MM-DD --reason REASON --by STAFF_ID [--json] STAFF_ID" in (
        add_help
    )
    assert "--by STAFF_ID [--json] LEAVE_ID" in " ".join(
        run(db, "leave", "remove", "--help").stdout.split()
    )
    assert "staff_id, from, to, reason" in run(db, "import", "leave", "--help").stdout


def test_leave_commands_never_import_prefect(db: Path) -> None:
    csv = db.parent / "leave.csv"
    csv.write_text("staff_id,from,to,reason\nTM004,2027-03-01,2027-03-05,annual leave\n")
    argvs = [
        ["leave", "add", "TM003", "--from", "2027-03-01", "--to", "2027-03-05", "--reason", "x",
         "--by", "TM003"],
        ["leave", "list", "--json"],
        ["import", "leave", str(csv)],
        ["leave", "remove", "1", "--by", "APS01"],
        ["leave", "remove", "1", "--by", "APS01"],
    ]  # fmt: skip
    assert codes_without_prefect(db, argvs) == ([0, 0, 0, 0, 2], False)
