"""Shared fixtures: a migrated SQLite file per test, a real PostgreSQL database on demand, and
one Prefect test harness for the session (started by the first test that asks for it).

Under pytest-xdist (``make unit`` runs ``-n auto --dist loadfile``: a module's tests, and its
module-scoped fixtures, on one worker; the files that use a Prefect server, on one worker per
server: tests/xdist_scopes.py) every worker has session fixtures of its own (templates,
databases, the harness), a PREFECT_HOME and a default outbox folder of its own; nothing here is
shared between workers.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine, make_url

from config.settings import reset_settings
from models.db import make_engine, migrate
from tests.postgres import fresh_database, postgres_server
from tests.settings_env import SettingsEnv
from tests.xdist_scopes import (  # noqa: F401 - xdist's hooks, found here by pytest
    pytest_configure_node,
    pytest_xdist_make_scheduler,
    record_server_files,
)

#: The pytest-xdist worker this process is ("gw0", "gw1", ...), or "" without xdist.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
# A CLI test in a subprocess without PREFECT_API_URL starts Prefect's ephemeral server: 20 s is
# not enough on a busy machine.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
# Links in emails are signed: with a key of the session's own, no test writes the repository's
# var/secret.key (CLI tests in subprocesses inherit it).
os.environ.setdefault("AUDITS_SECRET_KEY", secrets.token_urlsafe(48))
# Prefect's ephemeral server keeps its database in PREFECT_HOME: one folder per xdist worker, so
# that two servers never migrate one database at once. (Set here, before Prefect is imported.)
if WORKER:
    home = Path(os.environ.get("PREFECT_HOME", "~/.prefect")).expanduser() / WORKER
    os.environ["PREFECT_HOME"] = str(home)
# Prefect does not create PREFECT_HOME itself.
if os.environ.get("PREFECT_HOME"):
    Path(os.environ["PREFECT_HOME"]).expanduser().mkdir(parents=True, exist_ok=True)
if os.environ.get("PREFECT_API_URL") == "":
    del os.environ["PREFECT_API_URL"]
# Commands and pages send a change's emails at once; unless a test says where, they go to a
# folder of the session's own (and worker's), never to the repository's var/outbox.
os.environ.setdefault("AUDITS_OUTBOX_DIR", tempfile.mkdtemp(prefix="audits-test-outbox-"))
if WORKER:
    os.environ["AUDITS_OUTBOX_DIR"] = str(Path(os.environ["AUDITS_OUTBOX_DIR"]) / WORKER)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    record_server_files(config, items)


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[str]:
    """Prefect's test harness, once for the session: flows run in this process use its server
    from now on (its settings, not the environment: PREFECT_API_URL stays unset here). Yields
    the API URL, for subprocesses that should use it rather than start a server of their own."""
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    from flows.in_process import in_process_settings

    # As the CLI runs flows: without heartbeats, whose thread each run waited up to 1 s for.
    with prefect_test_harness(server_startup_timeout=90), in_process_settings():
        yield str(PREFECT_API_URL.value())


# --- SQLite ------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once for the session; tests get copies (``engine``)."""
    db = tmp_path_factory.mktemp("migrated") / "audits.db"
    engine = make_engine(f"sqlite:///{db}")
    migrate(engine)
    engine.dispose()  # its last connection checkpoints the WAL: the file alone is the database
    return db


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
def engine(sqlite_url: str, migrated_sqlite: Path) -> Iterator[Engine]:
    """A migrated SQLite database in a real file (at ``sqlite_url``)."""
    shutil.copy(migrated_sqlite, str(make_url(sqlite_url).database))
    engine = make_engine(sqlite_url)
    yield engine
    engine.dispose()


@pytest.fixture
def engine_migrated_here(sqlite_url: str) -> Iterator[Engine]:
    """A SQLite database migrated from nothing by this test's own run of the migrations."""
    engine = make_engine(sqlite_url)
    migrate(engine)
    yield engine
    engine.dispose()


# --- PostgreSQL --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    with postgres_server() as url:
        yield url


@pytest.fixture(scope="session")
def migrated_postgres(postgres_server_url: str) -> Iterator[str]:
    """The name of a database migrated once for the session (and this xdist worker); tests get
    copies of it (``pg_engine``)."""
    with fresh_database(postgres_server_url) as url:
        engine = make_engine(url)
        migrate(engine)
        engine.dispose()  # CREATE DATABASE ... TEMPLATE wants no one connected to it
        yield str(make_url(url).database)


@pytest.fixture
def pg_engine(postgres_server_url: str, migrated_postgres: str) -> Iterator[Engine]:
    """A migrated database of its own on a real PostgreSQL server."""
    with fresh_database(postgres_server_url, template=migrated_postgres) as url:
        engine = make_engine(url)
        yield engine
        engine.dispose()


@pytest.fixture
def postgres_url(request: pytest.FixtureRequest, postgres_server_url: str) -> Iterator[str]:
    """An empty database of its own on a real PostgreSQL server; for a test that also asks for
    ``pg_engine``, that engine's (migrated) database."""
    if "pg_engine" in request.fixturenames:
        engine: Engine = request.getfixturevalue("pg_engine")
        yield engine.url.render_as_string(hide_password=False)
        return
    with fresh_database(postgres_server_url) as url:
        yield url


@pytest.fixture
def pg_engine_migrated_here(postgres_url: str) -> Iterator[Engine]:
    """A PostgreSQL database migrated from nothing by this test's own run of the migrations."""
    engine = make_engine(postgres_url)
    migrate(engine)
    yield engine
    engine.dispose()
