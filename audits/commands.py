"""What each ``audits`` subcommand does. Only ``allocate`` (and the demo) import Prefect."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from audits import (
    action_commands,
    completion_commands,
    concern_commands,
    email_commands,
    export_command,
    leave_commands,
    moderation_commands,
    pause_commands,
    recommend_commands,
    report_command,
    request_commands,
    respond_command,
    show_command,
    web_command,
)
from audits.common import (
    CommandError,
    app_engine,
    output_folder,
    prepare_prefect_home,
    ready_engine,
    refuse_unstorable_text,
    run_flow,
)
from config.clock import today_in_london
from config.settings import SettingsError, load_policy
from models import allocation_store as store
from models.db import migrate, session_scope
from models.programme import AuditPublic
from rules.policy import PolicyError


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
        "export": export_command.cmd_export,
        "show": show_command.cmd_show,
        **action_commands.HANDLERS,
        **moderation_commands.HANDLERS,
        **concern_commands.HANDLERS,
        **respond_command.HANDLERS,
    }[args.command]
    refuse_unstorable_text(args)
    try:
        return handler(args)
    except (SettingsError, PolicyError) as error:
        raise CommandError(str(error)) from None


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
    from flows.delivery import send_pending
    from flows.failures import EmailsLeftPending
    from notifications.allocation_emails import allocation_cause

    report = send_pending(engine, policy, [allocation_cause(month)])
    if report.sent:
        print(f"{report.sent} pending allocation email(s) sent", file=sys.stderr)
    if report.elsewhere:
        print(f"{report.elsewhere} email(s) are being sent by another run", file=sys.stderr)
    try:
        EmailsLeftPending.raise_if_any(report)
    except EmailsLeftPending as error:
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
    from demo.run import DemoRefused, run_demo

    prepare_prefect_home()
    try:
        return run_demo(output_folder(args.out), args.month, args.seed)
    except DemoRefused as refused:
        raise CommandError(str(refused)) from None
