"""Running the ``audits`` command on a test's own engine (a SQLite file or the PostgreSQL test
database), with the outbox transport writing each email as an ``.eml`` file in the test's
folder: what the command tests of actions, concerns, moderation and responses share."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from tests.audits.cli_support import REPO, in_process


def run(engine: Engine, folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``audits ARGS`` on ``engine``, its emails written to ``folder/outbox``."""
    env = {
        "AUDITS_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "AUDITS_PROGRAMME": str(REPO / "config" / "programme.toml"),
        "AUDITS_EMAIL_TRANSPORT": "outbox",
        "AUDITS_OUTBOX_DIR": str(folder / "outbox"),
    }
    return in_process(list(args), env, folder)


def ok(engine: Engine, folder: Path, *args: str) -> Any:
    """``audits ARGS --json``, which must succeed: what it printed, parsed."""
    result = run(engine, folder, *args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def refused_leaving(
    engine: Engine, folder: Path, state: Callable[[Engine], Any], *args: str
) -> str:
    """A command that must be refused: non-zero, one line on stderr, and ``state(engine)`` as it
    was before; that line."""
    before = state(engine)
    result = run(engine, folder, *args)
    assert result.returncode != 0, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert state(engine) == before
    return lines[0]


def emails(folder: Path) -> list[Message]:
    """The emails the outbox transport wrote, by file name."""
    return [message_from_bytes(p.read_bytes()) for p in sorted((folder / "outbox").glob("*.eml"))]
