"""``audits pause``, ``audits resume`` and ``audits pauses`` through ``audits.cli.main`` in this
process.

November 2026 is allocated once (allocated Mon 2 Nov, every audit due Mon 30 Nov 2026); each
test works on a copy. The command's "today" is the real date, so the pauses here either ended
before this was written (November 2026) or lie far ahead (2030).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.audits.cli_support import codes_without_prefect, ok, refused_unchanged, rows_of
from tests.audits.cli_support import run_audits as run

#: What a refused command must leave as it was.
WATCHED = (
    "SELECT * FROM pause ORDER BY id",
    "SELECT id, due_on, original_due_on, status FROM audit ORDER BY id",
    "SELECT count(*) FROM trail_entry",
)


def snapshot(db: Path) -> tuple[Any, ...]:
    return rows_of(db, WATCHED)


def refused(db: Path, *args: str) -> str:
    """A command that breaks a rule: non-zero, one line on stderr, the database unchanged."""
    return refused_unchanged(db, WATCHED, *args)


def due_dates(db: Path) -> set[tuple[str, str]]:
    return {(r["due_on"], r["original_due_on"]) for r in ok(db, "list", "--month", "2026-11")}


def test_a_pause_that_is_over_moves_due_dates_at_once(db: Path) -> None:
    shown = ok(db, "pause", "--from", "2026-11-16", "--to", "2026-11-20",
               "--reason", "Ofsted inspection", "--by", "APS01")  # fmt: skip
    assert shown["state"] == "ended" and shown["working_days"] == 5
    assert (shown["move_due_dates"], shown["moved_working_days"]) == (True, 5)
    assert shown["applied_on"] is not None and shown["created_by"] == "APS01"
    assert due_dates(db) == {("2026-12-07", "2026-12-07")}
    [listed] = ok(db, "pauses")
    assert listed == shown
    text = run(db, "pauses")
    assert "moved on by 5 working days" in text.stdout and "1 pauses" in text.stdout


def test_a_pause_carries_a_note_of_what_was_done_instead(db: Path) -> None:
    shown = ok(db, "pause", "--from", "2030-03-04", "--to", "2030-03-29", "--reason", "Covid",
               "--note", "  RAG ratings of open cases  ")  # fmt: skip
    assert shown["note"] == "RAG ratings of open cases"  # trimmed
    [listed] = ok(db, "pauses")
    assert listed["note"] == "RAG ratings of open cases"
    assert "Instead: RAG ratings of open cases" in run(db, "pauses").stdout
    # Optional: without one (or blank) there is none.
    assert ok(db, "pause", "--from", "2031-03-04", "--to", "2031-03-05", "--reason", "x",
              "--note", "  ")["note"] is None  # fmt: skip
    assert (
        ok(db, "pause", "--from", "2032-03-04", "--to", "2032-03-05", "--reason", "x")["note"]
        is None
    )
    message = refused(db, "pause", "--from", "2033-03-04", "--to", "2033-03-05", "--reason",
                      "x", "--note", "n" * 1001)  # fmt: skip
    assert "the note is too long: 1000 characters at most" in message


def test_a_planned_pause_resumed_early_waits_for_its_day(db: Path) -> None:
    shown = ok(db, "pause", "--from", "2030-03-04", "--to", "2030-03-29", "--reason", "Covid")
    assert (shown["state"], shown["working_days"], shown["created_by"]) == ("planned", 20, "cli")
    resumed = ok(db, "resume", "--on", "2030-03-07", "--by", "APS02")
    assert (resumed["resumed_on"], resumed["last_day"]) == ("2030-03-07", "2030-03-06")
    assert (resumed["working_days"], resumed["applied_on"]) == (3, None)
    assert due_dates(db) == {("2026-11-30", "2026-11-30")}  # not yet over
    text = run(db, "resume", "--on", "2030-03-05")
    assert text.returncode == 0, text.stderr
    assert "paused 2030-03-04 to 2030-03-04 (1 working day)" in text.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("pause", "--from", "2030-03-10", "--to", "2030-03-02", "--reason", "x"),
         "a pause must end after it starts: 2030-03-02 is before 2030-03-10"),
        (("pause", "--from", "2030-03-20", "--to", "2030-04-03", "--reason", "x"),
         "it overlaps pause 1 (2030-03-04 to 2030-03-29): pauses may not overlap"),
        (("pause", "--from", "2030-05-01", "--to", "2030-05-03", "--reason", "  "),
         "a reason is required"),
        (("pause", "--from", "2030-05-01", "--to", "2030-05-03", "--reason", "x", "--by",
          "TM001"), "TM001 is not an active member of the APS team"),
        (("pause", "--from", "2030-05-01", "--to", "2030-05-33", "--reason", "x"),
         "argument --to: '2030-05-33' is not a real date"),
        (("pause", "--from", "2030-05-01", "--reason", "x"),
         "the following arguments are required: --to"),
        (("resume",), "there is nothing to resume"),
        (("resume", "--on", "2030-04-01"),
         "no pause is in force on 2030-04-01: there is nothing to resume"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_and_changes_nothing(
    db: Path, args: tuple[str, ...], message: str
) -> None:
    ok(db, "pause", "--from", "2030-03-04", "--to", "2030-03-29", "--reason", "Covid")
    assert message in refused(db, *args)


def test_an_applied_pause_cannot_be_resumed(db: Path) -> None:
    ok(db, "pause", "--from", "2026-11-16", "--to", "2026-11-20", "--reason", "Ofsted")
    line = refused(db, "resume", "--on", "2026-11-18")
    assert "pause 1 ended on 2026-11-20 and was applied on" in line
    assert due_dates(db) == {("2026-12-07", "2026-12-07")}


def test_help_names_the_contract_flags(db: Path) -> None:
    pause = " ".join(run(db, "pause", "--help").stdout.split())
    assert "--from STARTS_ON --to ENDS_ON --reason REASON" in pause
    resume = " ".join(run(db, "resume", "--help").stdout.split())
    assert "--on ON" in resume and "first day no longer paused" in resume


def test_pause_commands_never_import_prefect(db: Path) -> None:
    argvs = [
        ["pause", "--from", "2030-03-04", "--to", "2030-03-29", "--reason", "x"],
        ["resume", "--on", "2030-03-07"],
        ["pauses", "--json"],
        ["resume", "--on", "2030-06-01"],
    ]
    assert codes_without_prefect(db, argvs) == ([0, 0, 0, 2], False)
