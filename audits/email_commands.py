"""``audits chase`` and ``audits outbox`` (``audits complete`` is in ``completion_commands``).

``chase`` runs the Prefect flow (a dry run does not: it only reads); ``outbox`` only reads and
never imports Prefect.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session

from audits import common
from config.clock import today_in_london
from config.settings import get_settings, load_policy
from models import outbox_store
from models.db import get_engine


def cmd_chase(args: argparse.Namespace) -> int:
    policy = load_policy()
    engine = common.ready_engine()
    today = args.date or today_in_london()
    try:
        settings = get_settings().transport
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "email settings"
        raise common.CommandError(f"AUDITS_{where.upper()}: {first['msg']}") from None
    if args.dry_run:
        from flows.chase import decide_run

        summary = decide_run(engine, policy, today, settings.base_url, dry_run=True).as_json()
    else:
        common.prepare_prefect_home()
        from flows.chase import chase_outstanding_audits

        summary = common.run_flow(
            chase_outstanding_audits,
            show=lambda done: _print_summary(done, args.json),
            date=today.isoformat(),
        )
    return _print_summary(summary, args.json)


def _print_summary(summary: dict[str, Any], as_json: bool) -> int:
    if as_json:
        print(json.dumps(summary, indent=2))
        return 0
    if summary.get("skipped"):
        print(f"No reminders on {summary['date']}: {summary['skipped']}")
        if not summary.get("dry_run"):
            print(f"{summary['emails_sent']} pending email(s) sent")
        return 0
    stages = ", ".join(f"{k} {v}" for k, v in sorted(summary["items_by_stage"].items())) or "none"
    verb = "would go to" if summary.get("dry_run") else "went to"
    print(
        f"Chase for {summary['date']}: digests {verb} {summary['recipients']} recipient(s); "
        f"items by stage: {stages}"
    )
    if not summary.get("dry_run"):
        print(
            f"{summary['emails_sent']} email(s) sent, {summary['failed']} failed for good, "
            f"{summary.get('deferred', 0)} left for the next run"
        )
    if summary.get("sending_elsewhere"):
        print(f"{summary['sending_elsewhere']} email(s) are being sent by another run")
    return 0


def cmd_outbox(args: argparse.Namespace) -> int:
    common.ready_engine()
    with Session(get_engine()) as session:
        rows = outbox_store.notifications(session, args.status)
    listed = [_notification_row(row) for row in rows]
    if args.json:
        print(json.dumps(listed, indent=2))
        return 0
    for item in listed:
        error = f"  ({item['last_error']})" if item["last_error"] else ""
        print(
            f"{item['id']:>6}  {item['status']:<8} {item['recipient']:<40} {item['subject']}{error}"
        )
    which = f" {args.status}" if args.status else ""
    print(f"{len(listed)} notification(s){which}", file=sys.stderr)
    return 0


def _notification_row(row: Any) -> dict[str, Any]:
    fields = (
        "id",
        "key",
        "kind",
        "recipient",
        "subject",
        "status",
        "attempts",
        "last_error",
        "provider_ref",
    )
    item = {name: getattr(row, name) for name in fields}
    item["created_at"] = row.created_at.isoformat()
    item["sent_at"] = row.sent_at.isoformat() if row.sent_at else None
    return item
