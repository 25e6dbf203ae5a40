"""Shared fixtures: a migrated SQLite file per test, and a real PostgreSQL database on demand."""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from config.settings import reset_settings
from models.db import make_engine, migrate
from tests.postgres import fresh_database, postgres_server
from tests.settings_env import SettingsEnv

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
# CLI tests start Prefect's ephemeral server in subprocesses; 20 s is not enough on a busy machine.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
# Links in emails are signed: with a key of the session's own, no test writes the repository's
# var/secret.key (CLI tests in subprocesses inherit it).
os.environ.setdefault("AUDITS_SECRET_KEY", secrets.token_urlsafe(48))
# Prefect's ephemeral server keeps its database in PREFECT_HOME, which it does not create.
if os.environ.get("PREFECT_HOME"):
    Path(os.environ["PREFECT_HOME"]).expanduser().mkdir(parents=True, exist_ok=True)
os.environ.pop("PREFECT_API_URL", None) if os.environ.get("PREFECT_API_URL") == "" else None
# Commands and pages send a change's emails at once; unless a test says where, they go to a
# folder of the session's own, never to the repository's var/outbox.
os.environ.setdefault("AUDITS_OUTBOX_DIR", tempfile.mkdtemp(prefix="audits-test-outbox-"))


@pytest.fixture(autouse=True)
def settings_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[SettingsEnv]:
    """Every test starts and ends with the settings read afresh from the environment; asked
    for by name, it sets the test's own ``AUDITS_*`` variables (tests/settings_env.py)."""
    reset_settings()
    yield SettingsEnv(monkeypatch)
    reset_settings()  # before monkeypatch puts the variables back: nothing reads in between


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'audits.db'}"


@pytest.fixture
def engine(sqlite_url: str) -> Iterator[Engine]:
    """A migrated SQLite database in a real file."""
    engine = make_engine(sqlite_url)
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    with postgres_server() as url:
        yield url


@pytest.fixture
def postgres_url(postgres_server_url: str) -> Iterator[str]:
    with fresh_database(postgres_server_url) as url:
        yield url


@pytest.fixture
def pg_engine(postgres_url: str) -> Iterator[Engine]:
    """A migrated database of its own on a real PostgreSQL server."""
    engine = make_engine(postgres_url)
    migrate(engine)
    yield engine
    engine.dispose()
