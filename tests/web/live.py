"""The web app for the tests, and clients that sign in to it.

Most tests reach the app in this process through Starlette's TestClient (:func:`serve` and
:func:`app_client`: no server, no port, a request in milliseconds); a browser needs a real server,
which :func:`serve_on_loopback` runs (uvicorn on a free loopback port).
"""

from __future__ import annotations

import itertools
import re
import shutil
import socket
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from sqlalchemy.engine import Engine
from starlette.types import ASGIApp

from config.web_settings import WebSettings
from flows.allocate import allocate_cycle
from models.db import make_engine, session_scope
from rules.policy import Policy
from tests.flows.council import POLICY, allocated_database
from web.app import create_app

#: The pages' "today": early in the allocated cycle (November 2026, due 30 November).
TODAY = date(2026, 11, 10)
SECRET = "test-secret-key-for-the-web-tests-0123456789"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def dev_settings(**overrides: Any) -> WebSettings:
    return WebSettings(dev_login=True, secure_cookies=False, **overrides)


with warnings.catch_warnings():
    # Starlette would have its TestClient on the httpx2 fork; httpx, which it still takes, is
    # what the project (and Prefect) use.
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

#: The apps :func:`serve` has up, by the base URL their clients use.
_SERVED: dict[str, ASGIApp] = {}
_NUMBERS = itertools.count(1)


@contextmanager
def serve(
    engine: Engine,
    settings: WebSettings | None = None,
    clock: Callable[[], date] = lambda: TODAY,
    policy: Policy = POLICY,
) -> Iterator[str]:
    """The app for ``engine``, reached in this process by the clients :func:`app_client` (and
    :func:`signed_in`) makes for the base URL this yields."""
    url = f"http://app{next(_NUMBERS)}.test"
    _SERVED[url] = create_app(engine, policy, settings or dev_settings(), SECRET, clock)
    try:
        yield url
    finally:
        del _SERVED[url]


def app_client(base_url: str, **options: Any) -> httpx.Client:
    """A client of the app :func:`serve` yielded ``base_url`` for, like ``httpx.Client``: it
    follows no redirects unless asked, answers a failure with a 500 page as a server would, and
    comes from 127.0.0.1 (a trusted proxy by default)."""
    options.pop("timeout", None)  # nothing here waits on a network
    return TestClient(
        _SERVED[base_url],
        base_url=base_url,
        raise_server_exceptions=False,
        follow_redirects=options.pop("follow_redirects", False),
        client=("127.0.0.1", 50000),
        **options,
    )


@contextmanager
def serve_on_loopback(
    engine: Engine,
    settings: WebSettings | None = None,
    clock: Callable[[], date] = lambda: TODAY,
    policy: Policy = POLICY,
) -> Iterator[str]:
    """Serve the app for ``engine`` with uvicorn on a free loopback port; yields its base URL."""
    app = create_app(engine, policy, settings or dev_settings(), SECRET, clock)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the web app did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def signed_in(base_url: str, staff_id: str | None) -> httpx.Client:
    """A client signed in (development sign-in) as ``staff_id``, or anonymous for None."""
    signing_in = app_client(base_url)
    if staff_id is not None:
        token = csrf_of(signing_in.get("/sign-in").text)
        response = signing_in.post(
            "/sign-in", data={"staff_id": staff_id, "next": "/", "csrf_token": token}
        )
        assert response.status_code == 303, response.text
    return signing_in


def post_form(client: httpx.Client, path: str, data: dict[str, str]) -> httpx.Response:
    """Post ``data`` to the form at ``path`` with the CSRF token its page carries."""
    token = csrf_of(client.get(path).text)
    return client.post(path, data={**data, "csrf_token": token})


def council_copy(template: Path, folder: Path) -> Path:
    """A copy of the allocated council database for one test to change."""
    db = folder / "audits.db"
    shutil.copy(template, db)
    return db


def council_template(folder: Path) -> Path:
    """A council with October 2026 (now overdue) and November 2026 (due 30 November) allocated:
    every Team Manager has an audit in each."""
    db = allocated_database(folder, "2026-10", cases=300)
    engine = make_engine(f"sqlite:///{db}")
    with session_scope(engine, write_lock=True) as session:
        allocate_cycle(session, POLICY, "2026-11", "all")
    engine.dispose()
    return db
