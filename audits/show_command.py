"""``audits show AUDIT_ID``: one audit in full, from the same reader as its web page."""

from __future__ import annotations

import argparse
import json
from typing import Any

from sqlmodel import Session

from audits import common
from audits.arg_types import record_id
from config.clock import today_in_london
from models.action_store import action_json, list_actions
from models.audit_record import AuditRecord, read_audit, record_json


def add_parser(sub: Any) -> None:
    show = sub.add_parser(
        "show",
        help="one audit in full: judgement, findings, reflection, feedback, requests, responses, "
        "trail",
        description="Show one audit: its dates and status, the judgement, theme findings, "
        "reflection and feedback of a completed audit, its extension and exemption requests "
        "with their decisions, the social worker's responses, its re-audit or parent audit, and "
        "its audit trail.",
    )
    show.add_argument("audit_id", type=record_id, metavar="AUDIT_ID")
    show.add_argument("--json", action="store_true", help="print the audit as JSON")


def cmd_show(args: argparse.Namespace) -> int:
    with Session(common.ready_engine()) as session:
        record = read_audit(session, args.audit_id)
        actions = _actions(session, args.audit_id)
    if record is None:
        raise common.CommandError(f"there is no audit {args.audit_id}")
    data = {**record_json(record), "actions": actions}
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return 0
    print("\n".join(summary_lines(record, data)))
    return 0


def _actions(session: Session, audit_id: int) -> list[dict[str, Any]]:
    """The audit's actions as ``audits actions --json`` lists them, with their text (overdue
    judged today)."""
    today = today_in_london()
    return [
        {**action_json(line, today), "text": line.action.text}
        for line in list_actions(session, audit_ids=[audit_id])
    ]


def summary_lines(record: AuditRecord, data: dict[str, Any]) -> list[str]:
    """The readable summary: a line per fact, then what was found, asked and recorded."""
    kind = "Re-audit" if data["kind"] == "reaudit" else "Audit"
    auditor = record.name(data["auditor_id"])
    lines = [
        f"{kind} {data['audit_id']} of case {data['case_ref']}, cycle {data['cycle']}",
        f"  auditor: {auditor} ({data['auditor_id']})",
        f"  status: {data['status']}, due {data['due_on']} (originally {data['original_due_on']})",
    ]
    if data["completed_on"]:
        lines.append(f"  completed {data['completed_on']}: {data['judgement']}")
    moderation = data["moderation"]
    if moderation:
        verdict = "agreed" if moderation["agreed"] else f"was {moderation['auditor_judgement']}"
        lines.append(
            f"  moderated {moderation['moderated_on']} by {record.name(moderation['moderated_by'])}"
            f": {moderation['moderated_judgement']} ({verdict}): {moderation['note']}"
        )
    if data["parent_audit_id"]:
        lines.append(f"  re-audit of audit {data['parent_audit_id']}")
    if data["reaudit_id"]:
        lines.append(f"  re-audited as audit {data['reaudit_id']}")
    lines += [f"  finding {f['theme']}: {f['descriptor']}" for f in data["findings"]]
    if data["tags"]:
        lines.append(f"  recurring findings: {', '.join(data['tags'])}")
    lines += [f"  reflection {key}: {text}" for key, text in data["reflection"].items()]
    lines += [f"  feedback {f['source']} {f['kind']}: {f['text']}" for f in data["feedback"]]
    for request in data["requests"]:
        asked = request["requested_until"] or request["category"]
        line = f"  {request['kind']} request {request['request_id']} ({asked}): {request['status']}"
        if request["decision"]:
            line += f" by {record.name(request['decision']['decided_by'])}"
        lines.append(line)
    for action in data.get("actions", []):
        lines.append(
            f"  action {action['action_id']} ({action['owner_id']}, due {action['due_on']}): "
            f"{action['status']}: {action['text']}"
        )
    for response in data["responses"]:
        who = record.name(response["staff_id"])
        lines.append(f"  response {response['response_id']} by {who}: {response['text']}")
    for entry in data["trail"]:
        lines.append(f"  {entry['at']} {record.name(entry['actor'])}: {entry['action']}")
    return lines
