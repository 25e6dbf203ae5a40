"""``audits concern raise``, ``audits concern acknowledge`` and ``audits concerns`` on SQLite and
PostgreSQL: the emails in the outbox transport the moment a concern is raised (no Prefect
server), marked high importance, to the right people, never with the text; who may raise and
acknowledge; one-line refusals that change nothing.

The world is ``test_show_cli``'s (audit 5, completed by TM1, and its re-audit 6, allocated to
TM2, of case C-77 in team North A; TM1, TM2 and their Service Manager SM1 are in South B; APS1),
with the case team's people added: Team Managers TM3 (line-managed by SM2, a Service Manager of
another team) and TM4 (inactive), Service Manager SM3 of North A, social worker SW1 of North A,
and Director DIR1.
"""

from __future__ import annotations

import json
from email.message import Message
from pathlib import Path
from typing import Any

import jwt
import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from models.concerns import SafeguardingConcern
from models.db import session_scope
from models.people import Staff
from models.trail import TrailEntry
from tests.audits.engine_cli import emails, ok, refused_leaving, run
from tests.audits.test_show_cli import make_audit

TEXT = "CONCERNTEXT the child said she is afraid to go home"
CASE_TEAM = {"tm3@x.test", "sm2@x.test", "sm3@x.test", "aps1@x.test"}


def make_world(engine: Engine) -> None:
    make_audit(engine)
    with session_scope(engine) as session:
        for staff_id, role, team, active in (
            ("SM2", "service_manager", "South B", True),
            ("SM3", "service_manager", "North A", True),
            ("TM3", "team_manager", "North A", True),
            ("TM4", "team_manager", "North A", False),
            ("SW1", "social_worker", "North A", True),
            ("DIR1", "director", None, True),
        ):
            email = f"{staff_id.lower()}@x.test"
            session.add(Staff(staff_id=staff_id, name=f"Name {staff_id}", email=email, role=role,
                              team=team, active=active))  # fmt: skip
            session.flush()
        for staff_id, manager in (("TM3", "SM2"), ("TM4", "SM1"), ("SW1", "TM3")):
            person = session.get(Staff, staff_id)
            assert person is not None
            person.line_manager_id = manager


def concerns(engine: Engine) -> list[tuple[Any, ...]]:
    with Session(engine) as session:
        rows = session.scalars(select(SafeguardingConcern).order_by(col(SafeguardingConcern.id)))
        return [(c.id, c.status, c.acknowledged_by, c.acknowledged_note) for c in rows]


def refused(engine: Engine, folder: Path, *args: str) -> str:
    """A command that must be refused: non-zero, one line on stderr, no concern changed."""
    return refused_leaving(engine, folder, concerns, *args)


def parts(message: Message) -> str:
    found = []
    for part in message.walk():
        if part.get_content_type() in ("text/plain", "text/html"):
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            found.append(payload.decode())
    return "\n".join(found)


def raise_(engine: Engine, folder: Path, audit: str = "6", by: str = "TM2") -> Any:
    return ok(engine, folder, "concern", "raise", audit, "--text", TEXT, "--by", by)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_raise_emails_at_once_then_acknowledge(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    engine: Engine = request.getfixturevalue("engine" if backend == "sqlite" else "pg_engine")
    make_world(engine)
    raised = raise_(engine, tmp_path)
    assert set(raised) == {"concern_id", "audit_id", "case_ref", "raised_at", "status"}
    assert (raised["audit_id"], raised["case_ref"], raised["status"]) == (6, "C-77", "open")
    assert raised["raised_at"][-6:] in ("+00:00", "+01:00")  # ISO 8601, London's offset

    # At once, through the outbox transport: the case team's managers (TM3, its Service Manager
    # SM3, TM3's line manager SM2) and APS; not TM4 (inactive), SW1, the Director or South B.
    sent = emails(tmp_path)
    assert sorted(m["To"] for m in sent) == sorted(CASE_TEAM)
    for message in sent:
        assert message["Importance"] == "high" and message["X-Priority"] == "1"
        body = parts(message)
        assert "C-77" in body and "/links/" in body and "Terry" not in body
        assert "CONCERNTEXT" not in body + message["Subject"]  # never the text
        assert "Toni Reauditor" in body  # who raised it
        token = body.split("/links/")[1].split()[0].split('"')[0]
        claims = jwt.decode(token, options={"verify_signature": False})
        assert claims["purpose"] == "concern-acknowledge" and claims["sub"] == str(
            raised["concern_id"]
        )
        assert f"{claims['staff'].lower()}@x.test" == message["To"]

    listed = ok(engine, tmp_path, "concerns")
    assert listed == [
        {**raised, "raised_by": "TM2", "acknowledged_at": None, "acknowledged_by": None}
    ]
    assert ok(engine, tmp_path, "concerns", "--status", "acknowledged") == []
    concern = str(raised["concern_id"])
    done = ok(engine, tmp_path, "concern", "acknowledge", concern, "--note", "Visit today",
              "--by", "SM2")  # fmt: skip
    assert done["status"] == "acknowledged" and done["acknowledged_by"] == "SM2"
    assert done["acknowledged_at"][-6:] in ("+00:00", "+01:00")
    assert ok(engine, tmp_path, "concerns", "--status", "acknowledged") == [done]
    assert ok(engine, tmp_path, "concerns", "--status", "open") == []
    assert len(emails(tmp_path)) == len(CASE_TEAM)  # acknowledging emails nobody

    readable = run(engine, tmp_path, "concerns")
    assert readable.stdout.splitlines()[-1] == "1 concerns" and TEXT not in readable.stdout
    # The trail says who did what, never the text or the note.
    with Session(engine) as session:
        trail = session.scalars(select(TrailEntry).where(col(TrailEntry.action).like("concern.%")))
        entries = [(t.actor, t.action, json.dumps(t.detail)) for t in trail]
    assert [(a, w) for a, w, _ in entries] == [
        ("TM2", "concern.raised"),
        ("SM2", "concern.acknowledged"),
    ]
    assert not any("CONCERNTEXT" in d or "Visit" in d for _, _, d in entries)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_who_may_raise_and_acknowledge(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    engine: Engine = request.getfixturevalue("engine" if backend == "sqlite" else "pg_engine")
    make_world(engine)
    base = ["concern", "raise", "6", "--text", TEXT]
    for who in ("TM1", "SM3", "DIR1", "SW1"):  # not the auditor, not APS
        assert f"{who} cannot raise a concern" in refused(engine, tmp_path, *base, "--by", who)
    assert "no member of staff NOPE" in refused(engine, tmp_path, *base, "--by", "NOPE")
    assert "there is no audit 99" in refused(
        engine, tmp_path, "concern", "raise", "99", "--text", TEXT, "--by", "APS1"
    )
    assert "the text is needed" in refused(
        engine, tmp_path, "concern", "raise", "6", "--text", "  ", "--by", "TM2"
    )
    assert "at most 4000" in refused(
        engine, tmp_path, "concern", "raise", "6", "--text", "x" * 4001, "--by", "TM2"
    )
    assert not (tmp_path / "outbox").exists() or emails(tmp_path) == []

    # APS raises on the completed audit 5, whose auditor TM1 raises one too.
    first = raise_(engine, tmp_path, "5", "APS1")["concern_id"]
    second = raise_(engine, tmp_path, "5", "TM1")["concern_id"]
    ack = ["concern", "acknowledge", str(first), "--note", "Seen"]
    for who in ("TM1", "SM1", "TM4", "SW1", "DIR1"):  # another team, inactive, not a manager
        assert f"{who} cannot acknowledge this concern" in refused(
            engine, tmp_path, *ack, "--by", who
        )
    assert "a note is needed" in refused(
        engine, tmp_path, "concern", "acknowledge", str(first), "--note", "", "--by", "TM3"
    )
    assert "there is no concern 999" in refused(
        engine, tmp_path, "concern", "acknowledge", "999", "--note", "x", "--by", "APS1"
    )
    ok(engine, tmp_path, *ack, "--by", "TM3")
    assert "already acknowledged" in refused(engine, tmp_path, *ack, "--by", "APS1")
    ok(engine, tmp_path, "concern", "acknowledge", str(second), "--note", "Seen", "--by", "APS1")
    assert "--status" in refused(engine, tmp_path, "concerns", "--status", "closed")
