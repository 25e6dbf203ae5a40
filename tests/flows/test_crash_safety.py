"""Killed at chosen points, nothing is lost and at most one message goes twice.

A sending process is killed (SIGKILL) while its relay answers each message in 30 ms, after the
allocation and its emails have committed and before any is sent, and in the middle of a send
batch; the rerun (``audits allocate`` on the month, or the next send) sends what is left at once
(the dead process was on this machine) and every email arrives, one of them at most twice.
Each on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from flows.outbox import SendReport, send_outbox
from models import outbox_store
from models.db import make_engine, migrate, session_scope
from notifications.transports import SmtpTransport
from tests.audits.cli_support import REPO, run_audits
from tests.flows.council import seed_council
from tests.flows.smtp_server import SmtpServer

SENDER = "audits@example.gov.uk"
MONTH = "2026-11"

#: Allocates the month and writes its emails in one transaction, then, with "send", sends them;
#: with "die", kills itself right after the commit.
ALLOCATE = """
import os, signal, sys
from flows.allocate import allocate_and_write
from flows.delivery import send_pending
from notifications.allocation_emails import allocation_cause
from notifications.email_context import email_context
from models.db import in_transaction, make_engine
from config.settings import load_policy
engine, policy = make_engine(sys.argv[1]), load_policy()
context = email_context(policy)
in_transaction(engine, lambda s: allocate_and_write(s, policy, sys.argv[2], "all", context))
if sys.argv[3] == "die":
    os.kill(os.getpid(), signal.SIGKILL)
send_pending(engine, policy, [allocation_cause(sys.argv[2])])
"""


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'audits.db'}"
    else:
        yield request.getfixturevalue("postgres_url")


@pytest.fixture
def council(database: str, tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(database)
    migrate(engine)
    seed_council(engine, tmp_path, cases=300)
    yield engine
    engine.dispose()


@pytest.fixture
def relay() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        server.mailbox.delay = 0.03
        yield server


def env(database: str, relay: SmtpServer) -> dict[str, str]:
    return {
        **os.environ,
        "AUDITS_DATABASE_URL": database,
        "AUDITS_EMAIL_TRANSPORT": "smtp",
        "AUDITS_SMTP_HOST": "127.0.0.1",
        "AUDITS_SMTP_PORT": str(relay.port),
        "AUDITS_EMAIL_FROM": SENDER,
        "AUDITS_PROGRAMME": str(REPO / "config" / "programme.toml"),
    }


def allocate_in_a_process(database: str, relay: SmtpServer, how: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", ALLOCATE, database, MONTH, how],
        env=env(database, relay),
        cwd=REPO,
        stderr=subprocess.PIPE,
        text=True,
    )


def kill_after(process: subprocess.Popen[str], relay: SmtpServer, arrived: int) -> None:
    """SIGKILL ``process`` once ``arrived`` messages have reached the relay."""
    deadline = time.monotonic() + 120
    while len(relay.messages) < arrived:
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        assert time.monotonic() < deadline, "the sender never got going"
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait(30)


def rows(engine: Engine) -> list[outbox_store.Notification]:
    with session_scope(engine) as session:
        return outbox_store.notifications(session)


def delivered(relay: SmtpServer) -> Counter[str]:
    """How many times each outbox key arrived."""
    return Counter(str(m.message["X-Audits-Reference"]) for m in relay.messages)


def assert_all_once_but_one(engine: Engine, relay: SmtpServer) -> None:
    keys = {row.key for row in rows(engine)}
    counts = delivered(relay)
    assert set(counts) == keys and len(keys) > 20
    assert sum(counts.values()) - len(keys) <= 1, counts.most_common(3)
    assert {row.status for row in rows(engine)} == {"sent"}


def rerun_allocate(database: str, relay: SmtpServer) -> subprocess.CompletedProcess[str]:
    db = Path(database.removeprefix("sqlite:///")) if database.startswith("sqlite") else REPO
    extra = env(database, relay)
    return run_audits(db, "allocate", "--month", MONTH, **{
        k: v for k, v in extra.items() if k.startswith("AUDITS_")
    })  # fmt: skip


def test_killed_after_the_allocation_commits_the_rerun_sends_every_email_once(
    database: str, council: Engine, relay: SmtpServer
) -> None:
    process = allocate_in_a_process(database, relay, "die")
    assert process.wait(120) == -signal.SIGKILL
    assert not relay.messages
    pending = rows(council)
    assert pending and {row.status for row in pending} == {"pending"}
    result = rerun_allocate(database, relay)
    assert result.returncode == 0, result.stderr
    assert f"{len(pending)} pending allocation email(s) sent" in result.stderr
    assert_all_once_but_one(council, relay)
    assert sum(delivered(relay).values()) == len(pending)  # nothing was in flight


def test_killed_in_the_middle_of_a_send_batch_the_rerun_loses_nothing(
    database: str, council: Engine, relay: SmtpServer
) -> None:
    process = allocate_in_a_process(database, relay, "send")
    kill_after(process, relay, 10)
    statuses = Counter(row.status for row in rows(council))
    # Each outcome was recorded as the relay answered it: only what was unsent is unsent.
    assert statuses["sent"] >= 9 and statuses["sending"] > 0
    result = rerun_allocate(database, relay)
    assert result.returncode == 0, result.stderr
    assert_all_once_but_one(council, relay)


def test_a_claim_held_by_a_live_run_elsewhere_is_named_then_taken_over_when_its_lease_ends(
    council: Engine, relay: SmtpServer
) -> None:
    from flows.allocate import allocate_and_write
    from models.db import in_transaction
    from notifications.email_context import EmailContext
    from tests.flows.council import POLICY

    context = EmailContext("https://audits.test", SENDER, "P", "s" * 40, outbox_store.utcnow())
    in_transaction(council, lambda s: allocate_and_write(s, POLICY, MONTH, "all", context))
    with session_scope(council) as session:
        held = outbox_store.claim(session, "another-host:4242:abc", limit=5)
    assert len(held) == 5

    def send(lease: timedelta) -> SendReport:
        return send_outbox(
            council,
            lambda: SmtpTransport("127.0.0.1", relay.port, SENDER, timeout=5),
            lambda seconds: None,
            lease=lease,
        )

    report = send(timedelta(minutes=2))
    total = len(rows(council))
    assert (report.sent, report.elsewhere, report.left_pending) == (total - 5, 5, 5)
    time.sleep(1.2)
    report = send(timedelta(seconds=1))  # the other run's lease has lapsed: it died
    assert (report.sent, report.elsewhere, report.left_pending) == (5, 0, 0)
    assert_all_once_but_one(council, relay)
    assert sum(delivered(relay).values()) == total


@pytest.mark.prefect
def test_an_allocation_whose_relay_is_down_fails_loudly_and_is_sent_by_the_rerun(
    tmp_path: Path, prefect_server: str
) -> None:
    import json

    from tests.flows.smtp_server import free_port

    db = tmp_path / "audits.db"
    engine = make_engine(f"sqlite:///{db}")
    migrate(engine)
    seed_council(engine, tmp_path, cases=300)
    port = free_port()  # nothing listens there yet
    smtp = {"AUDITS_EMAIL_TRANSPORT": "smtp", "AUDITS_SMTP_HOST": "127.0.0.1",
            "AUDITS_SMTP_PORT": str(port), "AUDITS_SMTP_TIMEOUT": "2"}  # fmt: skip
    down = run_audits(db, "allocate", "--month", MONTH, "--json", **smtp)
    assert down.returncode != 0
    allocated = json.loads(down.stdout)  # the allocation stands, and is printed
    [line] = [x for x in down.stderr.splitlines() if x.startswith("audits: error:")]
    assert f"{len(allocated)} email(s) left pending" in line
    assert {row.status for row in rows(engine)} == {"pending"}
    with SmtpServer(port) as relay:
        up = run_audits(db, "allocate", "--month", MONTH, **smtp)
        assert up.returncode == 0, up.stderr
        assert f"{len(allocated)} pending allocation email(s) sent" in up.stderr
        assert sorted(delivered(relay).values()) == [1] * len(allocated)
    engine.dispose()
