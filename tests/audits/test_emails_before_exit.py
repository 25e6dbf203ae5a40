"""With no Prefect server (``PREFECT_API_URL`` unset), a command that records a change leaves
the emails it causes, with their calendar invitations, in the outbox before it exits.

November 2026 is allocated once (every audit due Mon 30 Nov 2026); each test works on a copy.
"""

from __future__ import annotations

import email
import email.policy
import re
import sqlite3
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from icalendar import Calendar

from tests.audits import cli_support


def folder(db: Path) -> Path:
    return db.parent / "outbox"


def ok(db: Path, *args: str) -> Any:
    return cli_support.ok(db, *args, AUDITS_OUTBOX_DIR=str(folder(db)))


def written(db: Path) -> dict[str, EmailMessage]:
    """Every .eml in the outbox folder, by file name."""
    return {
        path.name: email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in sorted(folder(db).glob("*.eml"))
    }


def new_since(db: Path, before: dict[str, EmailMessage]) -> list[EmailMessage]:
    return [message for name, message in written(db).items() if name not in before]


def invite(message: EmailMessage) -> tuple[str, str, int]:
    """The attached invitation's METHOD, UID and SEQUENCE."""
    [part] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    calendar = Calendar.from_ical(payload)
    [event] = calendar.walk("VEVENT")
    return str(calendar["METHOD"]), str(event["UID"]), int(event.decoded("SEQUENCE"))


def email_of(db: Path, *, staff_id: str = "", role: str = "") -> set[str]:
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT email FROM staff WHERE staff_id = ? OR role = ?", (staff_id, role)
        ).fetchall()
    return {row[0] for row in rows}


def auditor_email(db: Path, audit_id: int) -> tuple[str, str]:
    row = {r["audit_id"]: r for r in ok(db, "list", "--month", "2026-11")}[audit_id]
    [address] = email_of(db, staff_id=row["auditor_id"])
    return row["auditor_id"], address


def nothing_pending(db: Path) -> bool:
    return ok(db, "outbox", "--status", "pending") == []


def test_an_extension_request_and_its_approval_are_emailed_before_the_commands_exit(
    db: Path,
) -> None:
    auditor, address = auditor_email(db, 1)
    before = written(db)
    request = ok(
        db, "extension", "request", "1", "--until", "2026-12-04", "--reason", "x",
        "--by", auditor, "--on", "2026-11-16",
    )  # fmt: skip
    asked = new_since(db, before)
    assert asked and all(m["Subject"].startswith("Decide: extension request") for m in asked)
    assert {m["To"] for m in asked} == email_of(db, role="aps")
    assert nothing_pending(db)

    before = written(db)
    ok(
        db, "extension", "decide", str(request["request_id"]), "--approve", "--note", "ok",
        "--by", "APS01", "--on", "2026-11-17",
    )  # fmt: skip
    [told] = new_since(db, before)
    assert told["To"] == address and told["Subject"].startswith("Extension approved")
    assert invite(told) == ("REQUEST", "audit-1@localhost", 1)
    assert nothing_pending(db)


def test_an_exemption_reallocated_cancels_one_slot_and_books_another_before_exit(
    db: Path,
) -> None:
    released, address = auditor_email(db, 2)
    request = ok(
        db, "exemption", "request", "2", "--category", "leave", "--reason", "x",
        "--by", released, "--on", "2026-11-16",
    )  # fmt: skip
    decide = ("exemption", "decide", str(request["request_id"]), "--approve", "--note", "cover")
    # The released auditor cannot take it back; the refusal lists who can.
    refused = cli_support.run_audits(db, *decide, "--reallocate-to", released, "--by", "APS01")
    found = re.search(r"suggested: ([A-Z0-9]+)", refused.stderr)
    assert refused.returncode != 0 and found, refused.stderr
    taker = found.group(1)
    [taker_address] = email_of(db, staff_id=taker)
    before = written(db)
    decided = ok(db, *decide, "--reallocate-to", taker, "--by", "APS01", "--on", "2026-11-17")
    by_to = {m["To"]: m for m in new_since(db, before)}
    assert set(by_to) == {address, taker_address}
    assert invite(by_to[address]) == ("CANCEL", "audit-2@localhost", 1)
    new_id = decided["reallocated_audit_id"]
    assert invite(by_to[taker_address]) == (
        "REQUEST", f"audit-{new_id}@localhost", 0,
    )  # fmt: skip
    assert nothing_pending(db)


def test_a_withdrawn_audit_cancels_the_auditors_slot_before_exit(db: Path) -> None:
    released, address = auditor_email(db, 3)
    request = ok(
        db, "exemption", "request", "3", "--category", "sickness", "--reason", "x",
        "--by", "APS02", "--on", "2026-11-16",
    )  # fmt: skip
    before = written(db)
    ok(
        db, "exemption", "decide", str(request["request_id"]), "--approve", "--withdraw",
        "--note", "closing", "--by", "APS01", "--on", "2026-11-17",
    )  # fmt: skip
    by_to = {m["To"]: m for m in new_since(db, before)}
    # The auditor gets the cancellation; APS02, who asked for them, is told the decision too.
    [aps02] = email_of(db, staff_id="APS02")
    assert set(by_to) == {address, aps02}
    assert invite(by_to[address]) == ("CANCEL", "audit-3@localhost", 1)
    assert not list(by_to[aps02].iter_attachments())
    assert nothing_pending(db)


def test_a_pause_entered_after_the_fact_moves_every_slot_before_exit(db: Path) -> None:
    """16-20 November 2026 (five working days), recorded afterwards: every audit due Mon 30
    Nov is now due Mon 7 Dec, and each auditor has the moved invitation."""
    outstanding = {r["audit_id"]: r for r in ok(db, "list", "--month", "2026-11")}
    before = written(db)
    ok(db, "pause", "--from", "2026-11-16", "--to", "2026-11-20", "--reason", "x", "--by", "APS01")
    moved = new_since(db, before)
    assert len(moved) == len(outstanding)
    for message in moved:
        method, uid, sequence = invite(message)
        audit_id = int(uid.removeprefix("audit-").partition("@")[0])
        assert (method, sequence) == ("REQUEST", 1)
        assert message["To"] in email_of(db, staff_id=outstanding[audit_id]["auditor_id"])
        assert message["Subject"].endswith("is due Mon 7 Dec 2026")
    assert nothing_pending(db)
    # Recording it again is refused (it overlaps) and sends nothing.
    snapshot = written(db)
    again = cli_support.run_audits(
        db, "pause", "--from", "2026-11-16", "--to", "2026-11-20", "--reason", "x",
        AUDITS_OUTBOX_DIR=str(folder(db)),
    )  # fmt: skip
    assert again.returncode != 0 and not new_since(db, snapshot)
