"""A real PostgreSQL server for the tests.

Which server: ``AUDITS_TEST_POSTGRES_URL`` if set; else the local one at 127.0.0.1:5432 (user
``postgres``, trust auth); else one started here in a temporary folder (as the ``postgres`` user
when run as root, since PostgreSQL refuses to run as root). Each test gets a database of its own
(a copy of one migrated once, or an empty one).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

LOCAL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def reachable(url: str) -> bool:
    try:
        with psycopg.connect(_libpq(url), connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _pg_bin(name: str) -> str:
    found = shutil.which(name) or sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))[-1:]
    if not found:
        raise RuntimeError(f"PostgreSQL's {name} is not installed (apt-get install postgresql)")
    return found if isinstance(found, str) else found[0]


@contextmanager
def own_server() -> Iterator[str]:
    folder = Path(tempfile.mkdtemp(prefix="audits-pg-"))
    data, port = folder / "data", _free_port()
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_postgres:
        shutil.chown(folder, "postgres")
    user = "postgres" if as_postgres else os.environ.get("USER", "postgres")
    run = lambda *args: subprocess.run([*as_postgres, *args], check=True, capture_output=True)  # noqa: E731
    run(_pg_bin("initdb"), "-D", str(data), "-U", user, "--auth=trust")
    run(
        _pg_bin("pg_ctl"),
        "-D",
        str(data),
        "-w",
        "-l",
        str(folder / "log"),
        "-o",
        f"-p {port} -k {folder} -c listen_addresses=127.0.0.1",
        "start",
    )
    try:
        yield f"postgresql+psycopg://{user}@127.0.0.1:{port}/postgres"
    finally:
        run(_pg_bin("pg_ctl"), "-D", str(data), "-m", "fast", "stop")
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def postgres_server() -> Iterator[str]:
    """The URL of a maintenance database on a running server, for the whole test session."""
    given = os.environ.get("AUDITS_TEST_POSTGRES_URL")
    if given:
        yield given
    elif reachable(LOCAL):
        yield LOCAL
    else:
        with own_server() as url:
            yield url


@contextmanager
def fresh_database(server_url: str, template: str | None = None) -> Iterator[str]:
    """A new database on ``server_url``'s server, dropped afterwards: empty, or a copy of the
    database named ``template`` (which nothing may be connected to meanwhile)."""
    name = f"audits_test_{uuid.uuid4().hex[:12]}"
    admin = _libpq(server_url)
    copy_of = f' TEMPLATE "{template}"' if template else ""
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"{copy_of}')
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn, suppress(psycopg.Error):
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
