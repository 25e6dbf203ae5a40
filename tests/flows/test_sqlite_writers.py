"""Writers that meet on one SQLite file wait for each other and never fail for it.

Two processes at once, as under ``audits serve``: one is the CLI (``audits extension request``
and ``decide``, 30 audits, in a loop), the other the flows that react and remind (the
``handle-request`` / ``apply-decision`` work for every request it finds, the chase's decision
for the day, the outbox sent), 50 rounds. Before the write lock was taken at the start of every
writing transaction, a flow that read before writing failed at once with "database is locked"
when the other process committed in between.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.audits.cli_support import REPO
from tests.flows.council import allocated_database

CLI_LOOP = """
import sqlite3, sys
from audits.cli import main
db = sys.argv[1]
rows = sqlite3.connect(db).execute(
    "SELECT id, auditor_id FROM audit WHERE cycle = '2026-11' ORDER BY id LIMIT 30").fetchall()
failures = 0
for audit_id, auditor in rows:
    failures += main(["extension", "request", str(audit_id), "--until", "2026-12-04",
                      "--reason", "x", "--by", auditor, "--on", "2026-11-16"]) != 0
    request_id = sqlite3.connect(db).execute(
        "SELECT max(id) FROM extension_request").fetchone()[0]
    failures += main(["extension", "decide", str(request_id), "--approve", "--note", "ok",
                      "--by", "APS01", "--on", "2026-11-17"]) != 0
sys.exit(failures)
"""

FLOWS_LOOP = """
import sqlite3, sys
from datetime import date, timedelta
from config.settings import load_policy
from models.db import get_engine
from flows.chase import decide_run
from flows.delivery import send_pending
from flows.requests import write_and_send
db, engine, policy = sys.argv[1], get_engine(), load_policy()
for round in range(50):
    for request_id, status in sqlite3.connect(db).execute(
        "SELECT id, status FROM extension_request ORDER BY id DESC LIMIT 3"
    ).fetchall():
        write_and_send(engine, policy, "extension", request_id, status != "pending")
    decide_run(engine, policy, date(2026, 11, 2) + timedelta(days=round % 28), "https://x")
    send_pending(engine, policy)
"""


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return allocated_database(tmp_path)


def start(code: str, db: Path, outbox: Path) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "AUDITS_DATABASE_URL": f"sqlite:///{db}",
        "AUDITS_PROGRAMME": str(REPO / "programme.toml"),
        "AUDITS_OUTBOX_DIR": str(outbox),
    }
    env.pop("PREFECT_API_URL", None)
    return subprocess.Popen(
        [sys.executable, "-c", code, str(db)], env=env, cwd=REPO, stderr=subprocess.PIPE, text=True
    )


def test_the_cli_and_the_flows_writing_at_once_never_fail(db: Path, tmp_path: Path) -> None:
    import sqlite3

    cli = start(CLI_LOOP, db, tmp_path / "outbox")
    flows = start(FLOWS_LOOP, db, tmp_path / "outbox")
    cli_errors, flow_errors = cli.communicate(timeout=600)[1], flows.communicate(timeout=600)[1]
    assert "database is locked" not in cli_errors + flow_errors
    assert (cli.returncode, flows.returncode) == (0, 0), cli_errors[-2000:] + flow_errors[-2000:]
    with sqlite3.connect(db) as connection:
        decided = connection.execute(
            "SELECT count(*) FROM extension_request WHERE status = 'approved'"
        ).fetchone()[0]
    assert decided == 30
