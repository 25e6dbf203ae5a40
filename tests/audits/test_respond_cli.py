"""The social worker at the command line: ``audits respond`` (its JSON key by key, one-line
refusals that change nothing, any flag value responded or refused), the responses in ``audits
show``, and the findings emails every completion path writes (``audits complete``, ``audits
import completions``) to the case's worker and their Team Manager, with a signed link and no
free text; none for a case without a worker. On SQLite and PostgreSQL.

The world is ``test_show_cli``'s (audit 5 of case C-77 completed, its re-audit 6 allocated to
TM2) with the case's social worker SW1, line-managed by TM3 of the case's team, North A.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import jwt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.cases import Case
from models.db import session_scope
from models.people import Staff
from models.programme import Audit
from models.responses import PractitionerResponse
from models.trail import TrailEntry
from tests.audits.engine_cli import emails, ok, refused_leaving, run
from tests.audits.test_action_cli import body
from tests.audits.test_show_cli import make_audit

TEXT = "The plan had drifted; supervision is now fortnightly"


def make_world(engine: Engine, *, manager: str | None = "TM3", worker: str | None = "SW1") -> None:
    make_audit(engine)
    with session_scope(engine) as session:
        session.add(Staff(staff_id="TM3", name="Tess Lead", email="tm3@x.test",
                          role="team_manager", team="North A"))  # fmt: skip
        session.add(Staff(staff_id="TM4", name="Tom Lead", email="tm4@x.test",
                          role="team_manager", team="North A"))  # fmt: skip
        session.add(Staff(staff_id="SW2", name="Sid Other", email="sw2@x.test",
                          role="social_worker", team="North A", line_manager_id="TM3"))  # fmt: skip
        session.flush()
        session.add(Staff(staff_id="SW1", name="Sky Worker", email="sw1@x.test",
                          role="social_worker", team="North A",
                          line_manager_id=manager))  # fmt: skip
        session.flush()
        case = session.get(Case, "C-77")
        assert case is not None
        case.worker_id = worker


def _responses(engine: Engine) -> list[tuple[Any, ...]]:
    with Session(engine) as session:
        rows = session.scalars(select(PractitionerResponse).order_by(PractitionerResponse.id))  # type: ignore[arg-type]
        return [(r.id, r.audit_id, r.staff_id, r.text) for r in rows]


def refused(engine: Engine, folder: Path, *args: str) -> str:
    return refused_leaving(engine, folder, _responses, *args)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_worker_responds_and_show_lists_it(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    engine: Engine = request.getfixturevalue("engine" if backend == "sqlite" else "pg_engine")
    make_world(engine)
    added = ok(engine, tmp_path, "respond", "5", "--text", f"  {TEXT}\n", "--by", "SW1")
    assert set(added) == {"response_id", "audit_id", "case_ref", "staff_id", "created_at"}
    assert (added["audit_id"], added["case_ref"], added["staff_id"]) == (5, "C-77", "SW1")
    assert date.fromisoformat(added["created_at"][:10]) >= date(2026, 1, 1)
    second = ok(engine, tmp_path, "respond", "5", "--text", "And a second thought", "--by", "SW1")
    shown = ok(engine, tmp_path, "show", "5")
    assert shown["responses"] == [
        {"response_id": added["response_id"], "staff_id": "SW1",
         "created_at": added["created_at"], "text": TEXT},  # trimmed
        {"response_id": second["response_id"], "staff_id": "SW1",
         "created_at": second["created_at"], "text": "And a second thought"},
    ]  # fmt: skip
    assert ok(engine, tmp_path, "show", "6")["responses"] == []
    readable = run(engine, tmp_path, "show", "5")
    assert f"  response {added['response_id']} by Sky Worker: {TEXT}" in readable.stdout
    said = run(engine, tmp_path, "respond", "5", "--text", "Third", "--by", "SW1")
    assert said.returncode == 0 and said.stdout.startswith("Response ")
    assert "(case C-77) by SW1" in said.stdout
    with Session(engine) as session:
        trail = session.scalars(
            select(TrailEntry).where(TrailEntry.action == "response.added")  # type: ignore[arg-type]
        ).all()
    assert [(t.actor, t.subject_id) for t in trail] == [("SW1", "5")] * 3
    assert all(TEXT not in str(t.detail) for t in trail)  # the words stay in their table


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_refusals_are_one_line_and_change_nothing(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    engine: Engine = request.getfixturevalue("engine" if backend == "sqlite" else "pg_engine")
    make_world(engine)
    good = ["--text", TEXT]
    for by in ("TM1", "APS1", "TM3", "SW2"):  # the auditor, APS, the worker's manager, another
        assert f"{by} cannot respond to this audit" in refused(
            engine, tmp_path, "respond", "5", *good, "--by", by
        )
    assert "no member of staff NOPE" in refused(engine, tmp_path, "respond", "5", *good,
                                               "--by", "NOPE")  # fmt: skip
    assert "the audit is allocated" in refused(engine, tmp_path, "respond", "6", *good,
                                              "--by", "SW1")  # fmt: skip
    assert "there is no audit 99" in refused(engine, tmp_path, "respond", "99", *good,
                                             "--by", "SW1")  # fmt: skip
    assert "needs its text" in refused(engine, tmp_path, "respond", "5", "--text", "  ",
                                       "--by", "SW1")  # fmt: skip
    assert "at most 2000 characters" in refused(engine, tmp_path, "respond", "5", "--text",
                                                "x" * 2001, "--by", "SW1")  # fmt: skip
    with session_scope(engine) as session:
        worker = session.get(Staff, "SW1")
        assert worker is not None
        worker.active = False  # left: no longer responds
    assert "SW1 cannot respond" in refused(engine, tmp_path, "respond", "5", *good, "--by", "SW1")


FLAG_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    flag=st.sampled_from(["AUDIT_ID", "--text", "--by"]),
    value=FLAG_TEXT | st.sampled_from(["0", "6", str(2**64), "", "\x00", "SW1\n", "x" * 2001]),
)
def test_any_flag_value_is_responded_or_refused_in_one_line(
    engine: Engine, tmp_path: Path, flag: str, value: str
) -> None:
    with Session(engine) as session:
        if session.get(Audit, 5) is None:
            make_world(engine)
    before = len(_responses(engine))
    given_ = {"AUDIT_ID": "5", "--text": "Agreed", "--by": "SW1", flag: value}
    args = [given_.pop("AUDIT_ID")] + [item for pair in given_.items() for item in pair]
    result = run(engine, tmp_path, "respond", *args)
    assert "Traceback" not in result.stderr
    if result.returncode == 0:
        assert result.stdout.startswith("Response ") and len(_responses(engine)) == before + 1
    else:
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert len(_responses(engine)) == before


def findings_emails(folder: Path) -> dict[str, str]:
    """The findings emails written, by recipient: their text."""
    return {
        str(m["To"]): body(m)
        for m in emails(folder)
        if str(m["Subject"]).startswith("Audit findings")
    }


COMPLETE = ["complete", "6", "--on", "2026-09-15", "--judgement", "good",
            "--finding", "cse=Screening was missed", "--done-well", "Visits", "--challenges",
            "Caseload", "--enough-tools", "No", "--do-differently", "Screen early"]  # fmt: skip


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_audits_complete_emails_the_worker_and_their_manager(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    engine: Engine = request.getfixturevalue("engine" if backend == "sqlite" else "pg_engine")
    make_world(engine)
    ok(engine, tmp_path, *COMPLETE)
    sent = findings_emails(tmp_path)
    assert sorted(sent) == ["sw1@x.test", "tm3@x.test"]
    for recipient, text in sent.items():
        assert "C-77" in text and "Good" in text and "/links/" in text
        for words in ("Screening was missed", "Visits", "Caseload", "Screen early"):
            assert words not in text  # free text stays behind the link
        token = text.split("/links/")[1].split()[0]
        # Signed with the data folder's key: its claims are what matter here.
        claims = jwt.decode(token, options={"verify_signature": False})
        assert (claims["purpose"], claims["sub"]) == ("audit-findings", "6")
        assert claims["staff"] == recipient.split("@")[0].upper()


def test_no_line_manager_tells_the_case_teams_managers(engine: Engine, tmp_path: Path) -> None:
    make_world(engine, manager=None)
    ok(engine, tmp_path, *COMPLETE)
    assert sorted(findings_emails(tmp_path)) == ["sw1@x.test", "tm3@x.test", "tm4@x.test"]


def test_no_worker_no_findings_email(engine: Engine, tmp_path: Path) -> None:
    make_world(engine, worker=None)
    ok(engine, tmp_path, *COMPLETE)
    assert findings_emails(tmp_path) == {}
    with Session(engine) as session:
        assert session.get(Audit, 6).status == "completed"  # type: ignore[union-attr]


HEADER = "case_ref,cycle,completed_on,judgement,done_well,challenges,enough_tools,do_differently\n"


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_completions_import_emails_them_too(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    engine: Engine = request.getfixturevalue("engine" if backend == "sqlite" else "pg_engine")
    make_world(engine)
    csv = tmp_path / "completions.csv"
    csv.write_text(HEADER + "C-77,2026-09,2026-09-15,inadequate,Visits,Caseload,No,Early\n")
    result = run(engine, tmp_path, "import", "completions", str(csv), "--on", "2026-09-20")
    assert result.returncode == 0, result.stderr
    sent = findings_emails(tmp_path)
    assert sorted(sent) == ["sw1@x.test", "tm3@x.test"]
    assert all("Inadequate" in text and "Caseload" not in text for text in sent.values())
    again = run(engine, tmp_path, "import", "completions", str(csv), "--on", "2026-09-20")
    assert again.returncode == 0 and len(findings_emails(tmp_path)) == 2  # not sent twice
