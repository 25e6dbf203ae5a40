"""The web app served by a real uvicorn on loopback, and clients that sign in to it."""

from __future__ import annotations

import re
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from sqlalchemy.engine import Engine

from config.web_settings import WebSettings
from flows.allocate import allocate_cycle
from models.db import make_engine, session_scope
from tests.flows.council import POLICY, allocated_database
from web.app import create_app

#: The pages' "today": early in the allocated cycle (November 2026, due 30 November).
TODAY = date(2026, 11, 10)
SECRET = "test-secret-key-for-the-web-tests-0123456789"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def dev_settings(**overrides: Any) -> WebSettings:
    return WebSettings(dev_login=True, secure_cookies=False, **overrides)


@contextmanager
def serve(
    engine: Engine,
    settings: WebSettings | None = None,
    clock: Callable[[], date] = lambda: TODAY,
) -> Iterator[str]:
    """Serve the app for ``engine`` on a free loopback port; yields its base URL."""
    app = create_app(engine, POLICY, settings or dev_settings(), SECRET, clock)
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
    client = httpx.Client(base_url=base_url, follow_redirects=False, timeout=30)
    if staff_id is not None:
        token = csrf_of(client.get("/sign-in").text)
        response = client.post(
            "/sign-in", data={"staff_id": staff_id, "next": "/", "csrf_token": token}
        )
        assert response.status_code == 303, response.text
    return client


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
