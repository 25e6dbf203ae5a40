"""What the ``audits`` command-line tests share: a copy of an allocated database, running the
command against it (in this process, or the installed command in a subprocess), and checking
that commands never import Prefect."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Mapping, Sequence
from contextlib import closing
from pathlib import Path
from typing import Any
from unittest import mock

from audits.cli import main
from config.settings import reset_settings

AUDITS = Path(sys.executable).parent / "audits"
REPO = Path(__file__).resolve().parents[2]


def in_process(
    argv: Sequence[str | Path], env: Mapping[str, str | None], cwd: Path
) -> subprocess.CompletedProcess[str]:
    """``audits.cli.main(argv)`` in this process as the installed command would run it: with
    ``env`` over this process's environment (None removes a variable), from ``cwd``; its exit
    code and what it printed, as from a subprocess (milliseconds instead of a second or more)."""
    args = [str(arg) for arg in argv]
    out, err = io.StringIO(), io.StringIO()
    with (
        mock.patch.dict(os.environ),
        contextlib.chdir(cwd),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        for name, value in env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        reset_settings()  # the command reads this environment, as a new process would
        try:
            code = main(args)
        except SystemExit as stop:  # argparse's errors and --help
            code = _exit_status(stop)
        finally:
            reset_settings()
    return subprocess.CompletedProcess(["audits", *args], code, out.getvalue(), err.getvalue())


def _exit_status(stop: SystemExit) -> int:
    if stop.code is None or isinstance(stop.code, int):
        return stop.code or 0
    print(stop.code, file=sys.stderr)  # what the interpreter does with sys.exit("message")
    return 1


def command_env(db: Path, **extra_env: str) -> dict[str, str]:
    """The variables a command on ``db`` runs with (over the test process's environment)."""
    return {
        "AUDITS_DATABASE_URL": f"sqlite:///{db}",
        "AUDITS_PROGRAMME": str(REPO / "config" / "programme.toml"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        **extra_env,
    }


def copy_of(db: Path, folder: Path) -> Path:
    """A copy of ``db`` in ``folder``, as ``audits.db``."""
    copy = folder / "audits.db"
    shutil.copy(db, copy)
    return copy


def run_audits(db: Path, *args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
    """Run the ``audits`` command on ``db`` in this process (from ``db``'s folder), with
    ``extra_env`` on top of the environment (e.g. ``AUDITS_OUTBOX_DIR``)."""
    return in_process(args, command_env(db, **extra_env), db.parent)


def spawn_audits(db: Path, *args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
    """Run the installed ``audits`` command on ``db`` in a subprocess, as :func:`run_audits`:
    for what only a process of its own shows (its exit, its imports, a crash). It has no Prefect
    server unless ``extra_env`` gives PREFECT_API_URL (e.g. the ``prefect_server`` fixture's)."""
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update(command_env(db, **extra_env))
    return subprocess.run(
        [str(AUDITS), *args], env=env, cwd=db.parent, capture_output=True, text=True, timeout=180
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
