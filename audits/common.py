"""What every ``audits`` subcommand shares: the one-line error, the database check, running a
flow for the CLI. The command modules import this, never each other."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlmodel import Session

from flows.delivery import Change, deliver
from models.db import alembic_config, current_revision, get_engine, in_transaction
from rules.policy import Policy
from rules.values import unstorable

T = TypeVar("T")


class CommandError(Exception):
    """Reported as one line on stderr; the command exits non-zero."""


def record_change(engine: Engine, change: Callable[[Session], T], refused: type[ValueError]) -> T:
    """Run ``change`` in one transaction; a rule's refusal (``refused``) rolls it all back and is
    the command's one-line error."""
    try:
        return in_transaction(engine, change)
    except refused as error:
        raise CommandError(str(error)) from None


def send_now(engine: Engine, cause: str, policy: Policy) -> None:
    """Send the committed change's emails before the command exits (``flows.delivery``); say on
    stderr what could not go yet (the next chase run sends it)."""
    warning = deliver(engine, Change(cause), policy).warning()
    if warning:
        print(warning, file=sys.stderr)


def print_result(shown: Any, as_json: bool, line: str) -> None:
    """What a recording command prints: ``shown`` as JSON with ``--json``, else one line."""
    print(json.dumps(shown, indent=2) if as_json else line)


def print_table(rows: Sequence[dict[str, Any]], columns: Sequence[str], noun: str) -> None:
    """``rows`` as an aligned table of ``columns`` (None as blank), then how many ``noun``."""
    table = [["" if row[c] is None else str(row[c]) for c in columns] for row in rows]
    widths = [max([len(c), *(len(r[i]) for r in table)]) for i, c in enumerate(columns)]
    for cells in (list(columns), *table):
        print("  ".join(v.ljust(w) for v, w in zip(cells, widths, strict=True)).rstrip())
    print(f"{len(rows)} {noun}")


def refuse_unstorable_text(args: argparse.Namespace) -> None:
    """Every text argument must be storable: bytes that are not UTF-8 in an argument reach
    Python as lone surrogates, which no database here can store (nor print)."""
    for name, value in vars(args).items():
        values = value if isinstance(value, list) else [value]
        for text in (v for v in values if isinstance(v, str)):
            if bad := unstorable(text):
                flag = name.upper() if name == "file" else "--" + name.replace("_", "-")
                raise CommandError(f"{flag} contains {bad}, which cannot be stored")


def output_folder(path: str, flag: str = "--out") -> Path:
    """``path`` as a folder to write in, created if need be; a CommandError naming ``flag``
    if it cannot be (a file in the way, no permission), before any work is done."""
    folder = Path(path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise CommandError(f"{flag}: cannot make the folder {path} ({error.strerror})") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise CommandError(f"{flag}: cannot write in the folder {path}")
    return folder


def app_engine() -> Engine:
    """The application database's engine, with a malformed ``AUDITS_DATABASE_URL`` reported."""
    try:
        return get_engine()
    except ArgumentError as error:  # also an unknown driver (NoSuchModuleError)
        raise CommandError(f"AUDITS_DATABASE_URL is not a usable database URL: {error}") from None


def ready_engine() -> Engine:
    """The application database, refusing one that ``audits init`` has not brought up to date."""
    engine = app_engine()
    url = engine.url.render_as_string(hide_password=True)
    not_ready = f"the database at {url} is not initialised or not up to date: run `audits init`"
    database = engine.url.database
    if engine.dialect.name == "sqlite" and database and not Path(database).exists():
        raise CommandError(not_ready)  # and do not leave an empty file behind
    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    try:
        revision = current_revision(engine)
    except OperationalError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else "unreachable"
        raise CommandError(f"cannot reach the database at {url}: {reason}") from None
    if revision != head:
        raise CommandError(not_ready)
    return engine


def prepare_prefect_home() -> None:
    """Create PREFECT_HOME when it is set but missing: Prefect's ephemeral server keeps its
    database there and, without the folder, times out instead of saying why."""
    home = os.environ.get("PREFECT_HOME")
    if home:
        Path(home).expanduser().mkdir(parents=True, exist_ok=True)


def run_flow(flow: Any, show: Any = None, **parameters: Any) -> Any:
    """Run a flow in this process for the CLI: no retries and no heartbeats (the operator is
    here to see the error: ``flows.in_process``), and a run that left emails pending becomes
    one line on stderr and a non-zero exit, after ``show`` has printed what the run did all
    the same."""
    from flows.failures import EmailsLeftPending
    from flows.in_process import in_process_settings

    try:
        with in_process_settings():
            return flow.with_options(retries=0)(**parameters)
    except EmailsLeftPending as error:
        if show is not None and error.result is not None:
            show(error.result)
        raise CommandError(str(error)) from None
