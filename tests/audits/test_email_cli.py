"""``audits chase``, ``audits complete`` and ``audits outbox`` through ``audits.cli.main`` in this
process (the flows on the session's Prefect harness), and the installed command in a subprocess
where only a process of its own shows the behaviour (a chase's imports and exit)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.audits.cli_support import in_process, run_audits, spawn_audits
from tests.flows.council import allocated_database

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def allocated_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return allocated_database(tmp_path_factory.mktemp("email-cli"))


def run(db: Path, *args: str, outbox: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``audits *args`` on ``db`` in this process."""
    return run_audits(db, *args, AUDITS_OUTBOX_DIR=str(outbox or db.parent / "outbox"))


def spawn(
    db: Path, *args: str, outbox: Path | None = None, **extra: str
) -> subprocess.CompletedProcess[str]:
    """The installed ``audits *args`` on ``db`` in a subprocess (``extra`` over its environment)."""
    return spawn_audits(db, *args, AUDITS_OUTBOX_DIR=str(outbox or db.parent / "outbox"), **extra)


@pytest.fixture
def db(allocated_db: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "audits.db"
    shutil.copy(allocated_db, copy)
    return copy


def test_a_dry_run_says_what_would_go_and_sends_nothing(db: Path) -> None:
    # A process of its own without PREFECT_API_URL: a flow run would start a Prefect server.
    result = spawn(db, "chase", "--date", "2026-12-01", "--dry-run", "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert {"date", "emails_sent", "recipients", "items_by_stage", "failed"} <= set(summary)
    assert summary["date"] == "2026-12-01" and summary["emails_sent"] == 0
    assert summary["items_by_stage"]["overdue"] > 0 and summary["recipients"] > 0
    listed = run(db, "outbox", "--json")
    assert json.loads(listed.stdout) == []  # nothing written
    assert "prefect" not in result.stderr.lower()  # a dry run only reads: no flow started


def test_a_weekend_sends_nothing_and_says_why(db: Path) -> None:
    result = run(db, "chase", "--date", "2026-12-05", "--dry-run")
    assert result.returncode == 0 and "Sat 5 Dec 2026 is a weekend" in result.stdout


@pytest.mark.prefect
def test_chase_runs_the_flow_and_the_outbox_lists_what_went(
    db: Path, tmp_path: Path, prefect_server: str
) -> None:
    # The installed command, its flow run on the session's Prefect harness.
    result = spawn(
        db, "chase", "--date", "2026-11-23", "--json", outbox=tmp_path / "eml",
        PREFECT_API_URL=prefect_server,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["items_by_stage"] == {
        "due_in_5": summary["recipients"],
        "due_in_1": 0,
        "overdue": 0,
        "escalation": 0,
        "action_due_in_5": 0,
        "action_due_in_1": 0,
        "action_overdue": 0,
        "action_escalation": 0,
        "concern_open": 0,
        "concern_escalation": 0,
    }
    assert summary["emails_sent"] == summary["recipients"] > 0 and summary["failed"] == 0
    assert len(list((tmp_path / "eml").glob("*.eml"))) == summary["emails_sent"]
    sent = json.loads(run(db, "outbox", "--status", "sent", "--json").stdout)
    assert len(sent) == summary["emails_sent"]
    assert {"id", "recipient", "subject", "status", "attempts", "last_error"} <= set(sent[0])
    assert json.loads(run(db, "outbox", "--status", "failed", "--json").stdout) == []
    again = json.loads(run(db, "chase", "--date", "2026-11-23", "--json").stdout)
    assert again["emails_sent"] == 0  # each stage goes once


def test_complete_records_the_audit_and_refuses_nonsense(db: Path) -> None:
    result = run(db, "complete", "1", "--on", "2026-11-20", "--judgement", "good", "--json")
    assert result.returncode == 0, result.stderr
    completed = json.loads(result.stdout)
    assert completed["case_ref"].startswith("C")
    assert {k: v for k, v in completed.items() if k != "case_ref"} == {
        "audit_id": 1,
        "status": "completed",
        "completed_on": "2026-11-20",
        "judgement": "good",
        "due_on": "2026-11-30",
        "on_time": True,
        "themes": [],
        "reflection": False,
        "feedback": 0,
        "reaudit_cycle": None,
        "tags": [],
        "actions": [],
    }
    listed = json.loads(run(db, "list", "--month", "2026-11", "--json").stdout)
    first = next(a for a in listed if a["audit_id"] == 1)
    assert (first["status"], first["completed_on"], first["judgement"]) == (
        "completed",
        "2026-11-20",
        "good",
    )
    for args, message in [
        (("1", "--on", "2026-11-21", "--judgement", "good"), "audit 1 is completed"),
        (("99999", "--on", "2026-11-21", "--judgement", "good"), "there is no audit 99999"),
        (("2", "--on", "2026-10-01", "--judgement", "good"), "was allocated on"),
        (("2", "--on", "2026-11-21", "--judgement", "fine"), "invalid choice"),
    ]:
        refused = run(db, "complete", *args)
        assert refused.returncode != 0 and message in refused.stderr
        assert len(refused.stderr.strip().splitlines()) == 1


def test_bad_email_settings_are_one_line(db: Path) -> None:
    env_result = in_process(
        ["chase", "--date", "2026-11-23", "--dry-run"],
        {"AUDITS_DATABASE_URL": f"sqlite:///{db}", "AUDITS_EMAIL_TRANSPORT": "pigeon"},
        db.parent,
    )
    assert env_result.returncode != 0
    assert len(env_result.stderr.strip().splitlines()) == 1
    assert "AUDITS_EMAIL_TRANSPORT" in env_result.stderr


def test_complete_and_outbox_never_import_prefect(db: Path) -> None:
    code = (
        "import sys\n"
        "from audits.cli import main\n"
        "codes = [main(['complete', '2', '--on', '2026-11-20', '--judgement', 'good']),\n"
        "         main(['outbox', '--json'])]\n"
        "print(codes, 'prefect' in sys.modules, file=sys.stderr)\n"
    )
    env = {**os.environ, "AUDITS_DATABASE_URL": f"sqlite:///{db}"}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.stderr.strip().splitlines()[-1] == "[0, 0] False"


@pytest.mark.prefect
def test_a_chase_that_cannot_reach_the_relay_fails_and_the_next_sends_each_email_once(
    db: Path, prefect_server: str
) -> None:
    from tests.flows.smtp_server import SmtpServer, free_port

    port = free_port()  # nothing listens there yet
    smtp = {"AUDITS_EMAIL_TRANSPORT": "smtp", "AUDITS_SMTP_HOST": "127.0.0.1",
            "AUDITS_SMTP_PORT": str(port), "AUDITS_SMTP_TIMEOUT": "2"}  # fmt: skip
    os.environ.update(smtp)
    try:
        down = run(db, "chase", "--date", "2026-12-01", "--json")
        assert down.returncode != 0
        # One line of its own among Prefect's log lines.
        [line] = [x for x in down.stderr.splitlines() if x.startswith("audits: error:")]
        assert "email(s) left pending" in line and "cannot connect" in line
        summary = json.loads(down.stdout)  # what it decided is still printed
        assert summary["emails_sent"] == 0 and summary["deferred"] > 0
        pending = json.loads(run(db, "outbox", "--status", "pending", "--json").stdout)
        assert len(pending) == summary["recipients"] > 0
        with SmtpServer(port) as relay:
            up = run(db, "chase", "--date", "2026-12-01", "--json")
            assert up.returncode == 0, up.stderr
            assert json.loads(up.stdout)["emails_sent"] == len(pending)
            again = run(db, "chase", "--date", "2026-12-01", "--json")
            assert again.returncode == 0 and json.loads(again.stdout)["emails_sent"] == 0
            references = [m.message["X-Audits-Reference"] for m in relay.messages]
        assert sorted(references) == sorted(row["key"] for row in pending)  # each once
    finally:
        for name in smtp:
            os.environ.pop(name, None)
