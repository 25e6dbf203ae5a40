"""What the ``audits`` command-line tests share: the installed command, a copy of an allocated
database, running the command against it, and checking that commands never import Prefect."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

AUDITS = Path(sys.executable).parent / "audits"
REPO = Path(__file__).resolve().parents[2]


def copy_of(db: Path, folder: Path) -> Path:
    """A copy of ``db`` in ``folder``, as ``audits.db``."""
    copy = folder / "audits.db"
    shutil.copy(db, copy)
    return copy


def run_audits(db: Path, *args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
    """Run the installed ``audits`` command on ``db`` (in its folder), with ``extra_env`` on top
    of the environment (e.g. ``AUDITS_OUTBOX_DIR``)."""
    env = {k: v for k, v in os.environ.items() if not (k == "PREFECT_API_URL" and not v)}
    env.update(
        AUDITS_DATABASE_URL=f"sqlite:///{db}",
        AUDITS_PROGRAMME=str(REPO / "config" / "programme.toml"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
    )
    env.update(extra_env)
    return subprocess.run(
        [str(AUDITS), *args], env=env, cwd=db.parent, capture_output=True, text=True, timeout=120
    )


def rows_of(db: Path, queries: Sequence[str]) -> tuple[Any, ...]:
    """What ``queries`` read from ``db`` now: to compare before and after a command."""
    with closing(sqlite3.connect(db)) as connection:
        return tuple(tuple(connection.execute(query).fetchall()) for query in queries)


def refused_unchanged(db: Path, watched: Sequence[str], *args: str) -> str:
    """Run a command that must be refused: non-zero, one line on stderr, and what the
    ``watched`` queries read unchanged; return that line."""
    before = rows_of(db, watched)
    result = run_audits(db, *args)
    assert result.returncode != 0, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got:\n{result.stderr}"
    assert rows_of(db, watched) == before
    return lines[0]


def ok(db: Path, *args: str, **extra_env: str) -> Any:
    """Run a command that must succeed, with ``--json``; return what it printed."""
    result = run_audits(db, *args, "--json", **extra_env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def codes_without_prefect(db: Path, argvs: list[list[str]]) -> tuple[list[int], bool]:
    """Call ``audits.cli.main`` on each argv in turn, in a fresh interpreter on ``db``; return
    the exit codes and whether ``prefect`` was imported by then."""
    code = (
        "import json, sys\n"
        "from audits.cli import main\n"
        f"codes = [main(argv) for argv in {argvs!r}]\n"
        "print(json.dumps([codes, 'prefect' in sys.modules]), file=sys.stderr)\n"
    )
    env = {**os.environ, "AUDITS_DATABASE_URL": f"sqlite:///{db}"}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=REPO, capture_output=True, text=True, timeout=60
    )
    lines = result.stderr.strip().splitlines()
    assert lines, result.stderr
    try:
        codes, imported = json.loads(lines[-1])
    except ValueError:
        raise AssertionError(result.stderr) from None
    return codes, imported
