"""What each ``audits`` subcommand does. Only ``allocate`` (and the demo) import Prefect."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlmodel import Session

from audits import (
    completion_commands,
    email_commands,
    leave_commands,
    pause_commands,
    recommend_commands,
    report_command,
    request_commands,
    web_command,
)
from audits.clock import today_in_london
from audits.settings import SettingsError, get_engine, load_policy
from models import allocation_store as store
from models.db import alembic_config, current_revision, migrate, session_scope
from models.programme import AuditPublic
from rules.policy import PolicyError
from rules.values import unstorable


class CommandError(Exception):
    """Reported as one line on stderr; the command exits non-zero."""


def run(args: argparse.Namespace) -> int:
    handler = {
        "init": cmd_init,
        "import": cmd_import,
        "allocate": cmd_allocate,
        "explain": cmd_explain,
        "list": cmd_list,
        "demo": cmd_demo,
        "chase": email_commands.cmd_chase,
        "complete": completion_commands.cmd_complete,
        "outbox": email_commands.cmd_outbox,
        "extension": request_commands.cmd_request,
        "exemption": request_commands.cmd_request,
        "web": web_command.cmd_web,
        **pause_commands.HANDLERS,
        **leave_commands.HANDLERS,
        **recommend_commands.HANDLERS,
        "report": report_command.cmd_report,
    }[args.command]
    refuse_unstorable_text(args)
    try:
        return handler(args)
    except (SettingsError, PolicyError) as error:
        raise CommandError(str(error)) from None


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


def cmd_init(args: argparse.Namespace) -> int:
    engine = app_engine()
    migrate(engine)
    print(f"Database ready at {engine.url.render_as_string(hide_password=True)}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from importer import ImportFailed, import_cases, import_staff

    if args.what == "completions":
        return completion_commands.cmd_import_completions(args)
    if args.what == "leave":
        return leave_commands.cmd_import_leave(args)
    path = Path(args.file)
    if not path.is_file():
        raise CommandError(f"{args.file}: no such file")
    do_import = import_staff if args.what == "staff" else import_cases
    try:
        with session_scope(ready_engine()) as session:
            result = do_import(session, path, args.on or today_in_london(), display_name=args.file)
    except ImportFailed as failure:
        for problem in failure.problems:
            print(problem, file=sys.stderr)
        raise CommandError(
            f"{args.file}: {len(failure.problems)} problem(s) found; nothing was imported"
        ) from None
    for notice in result.notices:
        print(notice, file=sys.stderr)
    print(
        f"Imported {result.rows:,} {args.what} rows from {args.file}: {result.created:,} new, "
        f"{result.updated:,} updated, {result.unchanged:,} unchanged, {result.restored:,} back "
        f"in the export, {result.marked_missing:,} no longer in the export (kept, not allocated)"
    )
    return 0


def cmd_allocate(args: argparse.Namespace) -> int:
    policy = load_policy()
    theme = policy.choose_theme(args.month, args.theme)
    engine = ready_engine()
    with Session(engine) as session:
        cycle = store.get_cycle(session, args.month)
        rows = store.allocation_rows(session, args.month)
    if cycle is not None and cycle.status != "planned":
        # Answered without starting Prefect: nothing would change, and what is pending of
        # the month's emails (a run that died before sending) goes now.
        print(
            f"{args.month} is already allocated ({len(rows)} audits); nothing changed",
            file=sys.stderr,
        )
        _send_pending(engine, policy, args.month)
        return _print_allocation(rows, args.json)
    prepare_prefect_home()
    from flows.allocate import allocate_monthly_audits

    outcome = run_flow(
        allocate_monthly_audits,
        show=lambda done: _show_outcome(done, args),
        month=args.month,
        theme=theme,
    )
    return _show_outcome(outcome, args)


def _show_outcome(outcome: Any, args: argparse.Namespace) -> int:
    if outcome.paused:
        print(f"Nothing allocated for {args.month}: {outcome.paused}", file=sys.stderr)
    elif outcome.already_allocated:
        print(f"{args.month} is already allocated; nothing changed", file=sys.stderr)
    for short in outcome.shortfalls:
        print(
            f"{short['auditor_id']} has {short['allocated']} of {short['wanted']}: "
            f"{short['reason']}",
            file=sys.stderr,
        )
    return _print_allocation(outcome.audits, args.json)


def _send_pending(engine: Engine, policy: Any, month: str) -> None:
    from flows.allocation_emails import allocation_cause
    from flows.email_context import open_transport_for
    from flows.failures import EmailsLeftPending
    from flows.outbox import send_outbox

    report = send_outbox(
        engine, open_transport_for(policy), time.sleep, causes=[allocation_cause(month)]
    )
    if report.sent:
        print(f"{report.sent} pending allocation email(s) sent", file=sys.stderr)
    if report.elsewhere:
        print(f"{report.elsewhere} email(s) are being sent by another run", file=sys.stderr)
    try:
        EmailsLeftPending.raise_if_any(report)
    except EmailsLeftPending as error:
        raise CommandError(str(error)) from None


def run_flow(flow: Any, show: Any = None, **parameters: Any) -> Any:
    """Run a flow in this process for the CLI: no retries (the operator is here to see the
    error), and a run that left emails pending becomes one line on stderr and a non-zero exit,
    after ``show`` has printed what the run did all the same."""
    from flows.failures import EmailsLeftPending

    try:
        return flow.with_options(retries=0)(**parameters)
    except EmailsLeftPending as error:
        if show is not None and error.result is not None:
            show(error.result)
        raise CommandError(str(error)) from None


def _print_allocation(rows: list[dict[str, Any]], as_json: bool) -> int:
    if as_json:
        print(json.dumps(rows, indent=2))
        return 0
    columns = list(store.ALLOCATION_COLUMNS)
    _print_table(columns, [[str(r[c]) for c in columns] for r in rows])
    print(f"{len(rows)} audits")
    return 0


def _print_table(columns: list[str], rows: list[list[str]]) -> None:
    widths = [max([len(c), *(len(r[i]) for r in rows)]) for i, c in enumerate(columns)]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
    for row in rows:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())


def cmd_explain(args: argparse.Namespace) -> int:
    with Session(ready_engine()) as session:
        cycle = store.get_cycle(session, args.month)
    if cycle is None or cycle.explanation is None:
        raise CommandError(f"{args.month} has not been allocated: nothing to explain")
    explanation = store.explanation(cycle)
    if args.json:
        print(json.dumps(explanation, indent=2))
        return 0
    print(
        f"{args.month}: theme {explanation['theme']}, allocated {explanation['allocated_on']}, "
        f"due {explanation['due_on']}"
    )
    for item in explanation["allocations"]:
        print(
            f"  audit {item['audit_id']}: {item['case_ref']} -> {item['auditor_id']}: "
            f"{item['why_case']}; {item['why_auditor']}"
        )
    for short in explanation["shortfalls"]:
        got = f"{short['allocated']} of {short['wanted']}"
        print(f"  short: {short['auditor_id']} got {got}: {short['reason']}")
    for person in explanation["excluded_auditors"]:
        print(f"  auditor left out: {person['staff_id']}: {person['reason']}")
    for moved in explanation.get("reaudits_handed_over", []):
        to = moved["handed_to"] or "nobody"
        print(f"  re-audit {moved['audit_id']} of {moved['case_ref']} -> {to}: {moved['why']}")
    for case in explanation["excluded_cases"]:
        print(f"  case left out: {case['case_ref']}: {case['reason']}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    with Session(ready_engine()) as session:
        audits = store.cycle_audits(session, args.month)
    rows = [
        AuditPublic(
            audit_id=a.id, **a.model_dump(include=set(AuditPublic.model_fields) - {"audit_id"})
        )
        for a in audits
        if a.id is not None
    ]
    if args.json:
        print(json.dumps([r.model_dump(mode="json") for r in rows], indent=2))
        return 0
    columns = list(AuditPublic.model_fields)
    _print_table(
        columns, [[str(v if v is not None else "") for v in r.model_dump().values()] for r in rows]
    )
    print(f"{len(rows)} audits in {args.month}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from audits.demo import DemoRefused, run_demo

    prepare_prefect_home()
    try:
        return run_demo(output_folder(args.out), args.month, args.seed)
    except DemoRefused as refused:
        raise CommandError(str(refused)) from None
