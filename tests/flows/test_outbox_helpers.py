"""A big send shared with helper processes (``flows.outbox_helpers``): every email arrives
once, over more than one connection, and a helper that dies holding claims leaves nothing
behind. On SQLite and on PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from collections.abc import Collection, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from flows import outbox_helpers
from models import outbox_store
from models.db import make_engine, migrate, session_scope
from models.outbox_store import Outgoing
from tests.flows.smtp_server import SmtpServer
from tests.settings_env import SettingsEnv

SENDER = "audits@example.gov.uk"
EMAILS = outbox_helpers.PARALLEL_FROM + 50

#: A helper that claims a batch as a run of its own and dies before sending any of it.
DIES_HOLDING_A_BATCH = """
import sys
from flows.outbox import run_id
from models import outbox_store
from models.db import in_transaction, make_engine
engine = make_engine(sys.argv[1])
held = in_transaction(engine, lambda s: outbox_store.claim(s, run_id(), limit=50))
assert len(held) == 50
sys.exit(3)
"""


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'audits.db'}"
    else:
        yield request.getfixturevalue("postgres_url")


@pytest.fixture
def relay() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture
def outbox(database: str, relay: SmtpServer, settings_env: SettingsEnv) -> Iterator[Engine]:
    """``EMAILS`` pending emails, and settings that send them to ``relay`` (which the helper
    processes read too)."""
    settings_env(
        DATABASE_URL=database,
        EMAIL_TRANSPORT="smtp",
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(relay.port),
        SMTP_SECURITY="none",
        EMAIL_FROM=SENDER,
    )
    engine = make_engine(database)
    migrate(engine)
    emails = [
        Outgoing(f"test:{n}", "digest:auditor", f"tm{n}@example.gov.uk", f"Digest {n}", "Hi", "")
        for n in range(EMAILS)
    ]
    with session_scope(engine) as session:
        outbox_store.enqueue(session, emails, cause="test")
    yield engine
    engine.dispose()


def every_email_arrived_once(engine: Engine, relay: SmtpServer) -> None:
    counts = Counter(str(m.message["X-Audits-Reference"]) for m in relay.messages)
    assert sorted(counts) == sorted(f"test:{n}" for n in range(EMAILS))
    assert set(counts.values()) == {1}
    with session_scope(engine) as session:
        assert {row.status for row in outbox_store.notifications(session)} == {"sent"}


def test_the_run_and_its_helper_send_every_email_once_over_two_connections(
    outbox: Engine, relay: SmtpServer
) -> None:
    from config.settings import load_policy

    relay.mailbox.delay = 0.01  # long enough that the helper starts before the run is done
    report = outbox_helpers.send_in_parallel(outbox, load_policy(), helpers=1)
    assert (report.sent, report.failed, report.deferred) == (EMAILS, 0, 0)
    assert (report.total, report.left_pending, report.elsewhere) == (EMAILS, 0, 0)
    assert relay.mailbox.connections == 2
    every_email_arrived_once(outbox, relay)


def test_a_small_send_starts_no_helper(
    outbox: Engine, relay: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from config.settings import load_policy

    monkeypatch.setattr(outbox_helpers, "PARALLEL_FROM", EMAILS + 1)
    report = outbox_helpers.send_in_parallel(outbox, load_policy(), helpers=1)
    assert (report.sent, report.left_pending) == (EMAILS, 0)
    assert relay.mailbox.connections == 1


def test_a_helper_that_dies_holding_a_batch_leaves_it_to_the_run(
    outbox: Engine, relay: SmtpServer, database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from config.settings import load_policy

    def dies(url: str, causes: Collection[str] | None) -> subprocess.Popen[str]:
        helper = subprocess.Popen(
            [sys.executable, "-c", DIES_HOLDING_A_BATCH, database],
            stdout=subprocess.PIPE,
            text=True,
        )
        helper.wait(60)  # its batch is claimed before the run claims anything
        return helper

    monkeypatch.setattr(outbox_helpers, "_start", dies)
    report = outbox_helpers.send_in_parallel(outbox, load_policy(), helpers=1)
    assert (report.sent, report.failed, report.left_pending) == (EMAILS, 0, 0)
    every_email_arrived_once(outbox, relay)
