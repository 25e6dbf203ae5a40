"""``audits recommend``, ``audits recommendations`` and ``audits commentary`` through
``audits.cli.main`` in this process, on a copy of a council with November 2026 allocated."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from tests.audits.cli_support import codes_without_prefect, ok, refused_unchanged, rows_of
from tests.audits.cli_support import run_audits as run

#: What a refused command must leave as it was.
WATCHED = (
    "SELECT cycle, number, text, high_priority, created_by FROM recommendation",
    "SELECT cycle, theme, text FROM theme_commentary",
    "SELECT month, status FROM cycle",
    "SELECT count(*) FROM trail_entry",
)


def snapshot(db: Path) -> tuple[Any, ...]:
    return rows_of(db, WATCHED)


def refused(db: Path, *args: str) -> str:
    """A command that breaks a rule: non-zero, one line on stderr, the database unchanged."""
    return refused_unchanged(db, WATCHED, *args)


def recommend(db: Path, *args: str) -> Any:
    return ok(db, "recommend", "--month", "2026-11", "--by", "APS01", *args)


def test_add_replace_remove_and_list(db: Path) -> None:
    first = recommend(db, "--text", "Supervision within timescales", "--high-priority")
    assert first == {
        "month": "2026-11",
        "number": 1,
        "text": "Supervision within timescales",
        "high_priority": True,
        "created_by": "APS01",
        "action": "added",
    }
    assert recommend(db, "--text", "Oversight recorded")["number"] == 2
    assert recommend(db, "--text", "Planning on time", "--number", "3")["action"] == "added"
    replaced = recommend(db, "--number", "2", "--text", "Oversight with rationale")
    assert (replaced["number"], replaced["action"], replaced["high_priority"]) == (
        2,
        "replaced",
        False,
    )
    removed = recommend(db, "--number", "1", "--remove")
    assert removed == {
        "month": "2026-11",
        "number": 1,
        "action": "removed",
        "renumbered": {"2": 1, "3": 2},
    }
    ok(db, "commentary", "--month", "2026-11", "--theme", "cin", "--text", "CiN visits late",
       "--by", "APS02")  # fmt: skip
    listed = ok(db, "recommendations", "--month", "2026-11")
    assert [(r["number"], r["text"]) for r in listed["recommendations"]] == [
        (1, "Oversight with rationale"),
        (2, "Planning on time"),
    ]
    assert listed["commentary"] == [
        {"month": "2026-11", "theme": "cin", "text": "CiN visits late", "created_by": "APS02"}
    ]
    text = run(db, "recommendations", "--month", "2026-11").stdout
    assert "  1. Oversight with rationale" in text and "  cin: CiN visits late" in text


def test_commentary_replaced_and_removed(db: Path) -> None:
    args = ("commentary", "--month", "2026-11", "--theme", "cse", "--by", "APS01")
    assert ok(db, *args, "--text", "First")["action"] == "added"
    assert ok(db, *args, "--text", "Second")["action"] == "replaced"
    assert ok(db, "recommendations", "--month", "2026-11")["commentary"][0]["text"] == "Second"
    assert ok(db, *args, "--remove")["action"] == "removed"
    assert ok(db, "recommendations", "--month", "2026-11")["commentary"] == []


def test_a_month_not_yet_allocated_gets_a_planned_cycle(db: Path) -> None:
    recommend_next = ok(db, "recommend", "--month", "2027-01", "--text", "x", "--by", "APS01")
    assert recommend_next["number"] == 1
    with closing(sqlite3.connect(db)) as connection:
        status = connection.execute("SELECT status FROM cycle WHERE month = '2027-01'").fetchone()
    assert status == ("planned",)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("recommend", "--month", "2026-11", "--text", "x", "--by", "TM001"),
         "TM001 is not an active member of the APS team"),
        (("recommend", "--month", "2026-11", "--text", "x", "--number", "3", "--by", "APS01"),
         "recommendation number 3 is out of range: 2026-11 has 1"),
        (("recommend", "--month", "2026-11", "--remove", "--by", "APS01"),
         "--remove needs --number N"),
        (("recommend", "--month", "2026-11", "--number", "1", "--remove", "--text", "x", "--by",
          "APS01"), "--remove takes no --text"),
        (("recommend", "--month", "2026-11", "--number", "4", "--remove", "--by", "APS01"),
         "2026-11 has no recommendation 4"),
        (("recommend", "--month", "2026-11", "--by", "APS01"), "--text is required"),
        (("recommend", "--month", "2026-13", "--text", "x", "--by", "APS01"), "2026-13"),
        (("recommend", "--month", "2026-11", "--text", "x"),
         "the following arguments are required: --by"),
        (("commentary", "--month", "2026-11", "--theme", "CiN", "--text", "x", "--by", "APS01"),
         "invalid choice: 'CiN'"),
        (("commentary", "--month", "2026-11", "--theme", "cse", "--remove", "--by", "APS01"),
         "2026-11 has no commentary on cse to remove"),
        (("commentary", "--month", "2026-11", "--theme", "cse", "--text", " ", "--by", "APS01"),
         "the commentary is required"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_and_changes_nothing(
    db: Path, args: tuple[str, ...], message: str
) -> None:
    recommend(db, "--text", "First")
    assert message in refused(db, *args)


def test_recommend_commands_never_import_prefect(db: Path) -> None:
    by, m = ["--by", "APS01"], ["--month", "2026-11"]
    argvs = [
        ["recommend", *m, "--text", "x", *by],
        ["commentary", *m, "--theme", "cin", "--text", "y", *by],
        ["recommendations", *m],
        ["recommend", *m, "--number", "1", "--remove", *by],
    ]
    assert codes_without_prefect(db, argvs) == ([0, 0, 0, 0], False)
