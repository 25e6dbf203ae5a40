"""``audits extension`` and ``audits exemption`` through ``audits.cli.main`` in this process.

November 2026 is allocated once (every audit due Mon 30 Nov 2026); each test works on a copy.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.audits import cli_support
from tests.audits.cli_support import codes_without_prefect, run_audits


def outbox(db: Path) -> dict[str, str]:
    return {"AUDITS_OUTBOX_DIR": str(db.parent / "outbox")}


def run(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_audits(db, *args, **outbox(db))


def ok(db: Path, *args: str) -> Any:
    return cli_support.ok(db, *args, **outbox(db))


def refused(db: Path, *args: str) -> str:
    """Run a command that breaks a rule: non-zero, one line on stderr; return that line."""
    result = run(db, *args)
    assert result.returncode != 0, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got:\n{result.stderr}"
    return lines[0]


def listed(db: Path) -> dict[int, dict[str, Any]]:
    return {row["audit_id"]: row for row in ok(db, "list", "--month", "2026-11")}


def auditor_of(db: Path, audit_id: int = 1) -> str:
    return str(listed(db)[audit_id]["auditor_id"])


def request_extension(db: Path, until: str = "2026-12-04", by: str | None = None) -> Any:
    return ok(
        db,
        "extension",
        "request",
        "1",
        "--until",
        until,
        "--reason",
        "waiting for the case file",
        "--by",
        by or auditor_of(db),
        "--on",
        "2026-11-16",
    )


def request_exemption(db: Path, audit_id: int = 1) -> Any:
    return ok(
        db,
        "exemption",
        "request",
        str(audit_id),
        "--category",
        "leave",
        "--reason",
        "annual leave all week",
        "--by",
        auditor_of(db, audit_id),
        "--on",
        "2026-11-16",
    )


def test_an_extension_request_prints_the_pending_request(db: Path) -> None:
    auditor = auditor_of(db)
    shown = request_extension(db)
    assert list(shown)[:3] == ["request_id", "audit_id", "status"]
    assert isinstance(shown["request_id"], int)
    assert (shown["audit_id"], shown["status"]) == (1, "pending")
    assert (shown["requested_until"], shown["requested_on"]) == ("2026-12-04", "2026-11-16")
    assert (shown["requested_by"], shown["late"]) == (auditor, False)
    assert shown["reason"] == "waiting for the case file"


def test_a_request_after_the_due_date_is_marked_late_in_the_text_output(db: Path) -> None:
    result = run(
        db,
        "extension",
        "request",
        "1",
        "--until",
        "2026-12-04",
        "--reason",
        "off sick",
        "--by",
        auditor_of(db),
        "--on",
        "2026-12-01",
    )
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"Extension request \d+ for audit 1: pending \(late\)\n", result.stdout)


def test_approving_with_another_date_shows_in_the_list(db: Path) -> None:
    request = request_extension(db, until="2026-12-11")
    decided = ok(
        db,
        "extension",
        "decide",
        str(request["request_id"]),
        "--approve",
        "--until",
        "2026-12-07",
        "--note",
        "a week is enough",
        "--by",
        "APS01",
        "--on",
        "2026-11-17",
    )
    assert (decided["request_id"], decided["status"]) == (request["request_id"], "approved")
    assert (decided["approved_until"], decided["decided_by"]) == ("2026-12-07", "APS01")
    assert decided["decision_note"] == "a week is enough"
    row = listed(db)[1]
    assert (row["due_on"], row["original_due_on"]) == ("2026-12-07", "2026-11-30")
    assert listed(db)[2]["due_on"] == "2026-11-30"  # only that audit moved


def test_rejecting_leaves_the_due_date(db: Path) -> None:
    request = request_extension(db)
    decided = ok(
        db,
        "extension",
        "decide",
        str(request["request_id"]),
        "--reject",
        "--note",
        "no reason to delay",
        "--by",
        "APS02",
    )
    assert (decided["status"], decided["approved_until"]) == ("rejected", None)
    row = listed(db)[1]
    assert (row["due_on"], row["original_due_on"]) == ("2026-11-30", "2026-11-30")


def test_an_exemption_approved_with_withdraw(db: Path) -> None:
    request = request_exemption(db)
    assert (request["status"], request["category"], request["audit_id"]) == ("pending", "leave", 1)
    decided = ok(
        db,
        "exemption",
        "decide",
        str(request["request_id"]),
        "--approve",
        "--withdraw",
        "--note",
        "case closing",
        "--by",
        "APS01",
    )
    assert (decided["status"], decided["outcome"]) == ("approved", "withdrawn")
    assert listed(db)[1]["status"] == "withdrawn"


def test_an_exemption_approved_with_reallocation_to_a_suggested_auditor(db: Path) -> None:
    before = listed(db)
    released = before[1]
    request = request_exemption(db)
    decide = ("exemption", "decide", str(request["request_id"]), "--approve", "--note", "cover")
    # The released auditor cannot take it back; the refusal lists who can.
    message = refused(db, *decide, "--reallocate-to", released["auditor_id"], "--by", "APS01")
    assert f"{released['auditor_id']} cannot take audit 1" in message
    found = re.search(r"suggested: ([A-Z0-9, ]+)\)", message)
    assert found is not None
    suggested = found.group(1).split(", ")
    assert released["auditor_id"] not in suggested
    decided = ok(
        db, *decide, "--reallocate-to", suggested[0], "--by", "APS01", "--on", "2026-11-17"
    )
    assert (decided["status"], decided["outcome"]) == ("approved", "reallocated")
    after = listed(db)
    assert after[1]["status"] == "exempted"
    new = after[decided["reallocated_audit_id"]]
    assert len(after) == len(before) + 1
    assert (new["case_ref"], new["auditor_id"], new["status"]) == (
        released["case_ref"],
        suggested[0],
        "allocated",
    )
    assert (new["due_on"], new["original_due_on"]) == ("2026-11-30", "2026-11-30")


def test_rule_breaks_are_one_line(db: Path) -> None:
    auditor = auditor_of(db)
    other_auditor = auditor_of(db, 2)
    beyond = refused(
        db,
        *("extension", "request", "1", "--until", "2026-12-15", "--reason", "busy"),
        *("--by", auditor, "--on", "2026-11-16"),
    )
    assert "the latest date allowed is 2026-12-14" in beyond
    weekend = refused(
        db, "extension", "request", "1", "--until", "2026-12-05", "--reason", "x", "--by", auditor
    )
    assert "not a working day (the next one is 2026-12-07)" in weekend
    someone_else = refused(
        db, "extension", "request", "1", "--until", "2026-12-04", "--reason", "x", "--by", "TM099"
    )
    assert "there is no member of staff TM099" in someone_else
    not_theirs = refused(
        db,
        *("extension", "request", "1", "--until", "2026-12-04", "--reason", "x"),
        *("--by", other_auditor),
    )
    assert f"{other_auditor} is not the auditor of audit 1 ({auditor})" in not_theirs

    on_behalf = request_extension(db, by="APS02")
    assert on_behalf["requested_by"] == "APS02"
    request_id = str(on_behalf["request_id"])
    decide = ("extension", "decide", request_id, "--approve", "--note", "fine")
    assert "is not an active member of the APS team" in refused(db, *decide, "--by", other_auditor)
    assert "nobody decides their own request" in refused(db, *decide, "--by", "APS02")
    assert "latest date allowed is 2026-12-14" in refused(
        db, *decide, "--until", "2026-12-16", "--by", "APS01"
    )
    both = refused(db, "extension", "decide", request_id, "--approve", "--reject", "--note", "x")
    assert "not allowed with argument" in both
    assert "one at a time" in refused(
        db,
        *("exemption", "request", "1", "--category", "leave", "--reason", "x"),
        *("--by", auditor),
    )
    ok(db, *decide, "--by", "APS01")
    assert "was already approved by APS01" in refused(db, *decide, "--by", "APS03")
    assert listed(db)[1]["due_on"] == "2026-12-04"


def test_exemption_decisions_need_a_release_when_approving(db: Path) -> None:
    request_id = str(request_exemption(db)["request_id"])
    base = ("exemption", "decide", request_id, "--note", "x", "--by", "APS01")
    assert "needs --reallocate-to STAFF_ID or --withdraw" in refused(db, *base, "--approve")
    assert "go with --approve, not --reject" in refused(db, *base, "--reject", "--withdraw")
    assert "not allowed with argument" in refused(
        db, *base, "--approve", "--withdraw", "--reallocate-to", "TM001"
    )
    assert "invalid choice" in refused(
        db,
        *("exemption", "request", "2", "--category", "holiday", "--reason", "x"),
        *("--by", "APS01"),
    )
    assert listed(db)[1]["status"] == "allocated"  # nothing changed
    still_pending = ok(db, *base[:3], "--reject", *base[3:])
    assert still_pending["status"] == "rejected"


@pytest.mark.parametrize(
    ("command", "words"),
    [
        (("extension",), "extension request"),
        (("extension", "request"), "later due date"),
        (("extension", "decide"), "Only APS members decide"),
        (("exemption",), "exemption request"),
        (("exemption", "request"), "released from an audit"),
        (("exemption", "decide"), "--reallocate-to"),
    ],
)
def test_help_says_what_each_command_does(db: Path, command: tuple[str, ...], words: str) -> None:
    result = run(db, *command, "--help")
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stdout.split())  # argparse wraps the description
    assert text.startswith(f"usage: audits {' '.join(command)}") and words in text


def test_request_commands_never_import_prefect(db: Path) -> None:
    argvs = [
        ["extension", "request", "1", "--until", "2026-12-04", "--reason", "x",
         "--by", auditor_of(db), "--on", "2026-11-16"],
        ["extension", "decide", "1", "--approve", "--note", "ok", "--by", "APS01"],
        ["exemption", "request", "2", "--category", "sickness", "--reason", "x", "--by", "APS01"],
        ["exemption", "decide", "1", "--approve", "--withdraw", "--note", "ok", "--by", "APS02"],
    ]  # fmt: skip
    assert codes_without_prefect(db, argvs) == ([0, 0, 0, 0], False)
    rows = listed(db)
    assert (rows[1]["due_on"], rows[2]["status"]) == ("2026-12-04", "withdrawn")
