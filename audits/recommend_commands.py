"""``audits recommend``, ``audits recommendations`` and ``audits commentary``: what the APS team
writes for the month's highlight report. They record, and never import Prefect."""

from __future__ import annotations

import argparse
import json
from typing import Any

from audits import common
from audits.arg_types import record_id
from config.settings import load_policy
from models import recommendation_store as store
from models.db import session_scope
from rules.cohorts import COHORTS
from rules.recommendations import RecommendationError


def add_parsers(sub: Any, as_month: Any) -> None:
    recommend = sub.add_parser(
        "recommend",
        help="add, replace or remove one of the month's practice recommendations (APS)",
        description="Add a practice recommendation to the month's highlight report (numbered "
        "after the last one), replace recommendation --number N with new text, or remove it "
        "with --remove (those after it move up one). Only active APS members may.",
    )
    recommend.add_argument("--month", required=True, type=as_month, help="the cycle, YYYY-MM")
    recommend.add_argument("--text", help="the recommendation")
    recommend.add_argument(
        "--high-priority", action="store_true", help="mark it as a high-priority recommendation"
    )
    recommend.add_argument(
        "--number",
        type=record_id,
        metavar="N",
        help="replace recommendation N (or, one past the last, add it there)",
    )
    recommend.add_argument("--remove", action="store_true", help="remove recommendation --number N")
    _by(recommend, "print the recommendation as JSON")

    listing = sub.add_parser(
        "recommendations",
        help="list the month's practice recommendations and theme commentary",
        description="List the month's practice recommendations, in order, and the APS team's "
        "commentary on each practice theme.",
    )
    listing.add_argument("--month", required=True, type=as_month, help="the cycle, YYYY-MM")
    listing.add_argument("--json", action="store_true", help="print them as JSON")

    commentary = sub.add_parser(
        "commentary",
        help="write the commentary on one of the month's practice themes (APS)",
        description="Write (or replace) the APS team's commentary on a practice theme of the "
        "month's highlight report, or remove it with --remove. Only active APS members may.",
    )
    commentary.add_argument("--month", required=True, type=as_month, help="the cycle, YYYY-MM")
    commentary.add_argument(
        "--theme", required=True, choices=list(COHORTS), metavar="COHORT",
        help=f"the practice theme: {', '.join(COHORTS)}",
    )  # fmt: skip
    commentary.add_argument("--text", help="the commentary")
    commentary.add_argument("--remove", action="store_true", help="remove the commentary")
    _by(commentary, "print the commentary as JSON")


def _by(parser: argparse.ArgumentParser, json_help: str) -> None:
    parser.add_argument("--by", required=True, metavar="STAFF_ID", help="the APS member")
    parser.add_argument("--json", action="store_true", help=json_help)


def _text_or_remove(args: argparse.Namespace, what: str) -> None:
    if args.remove and args.text is not None:
        raise common.CommandError(f"--remove takes no --text: it removes the {what}")
    if not args.remove and args.text is None:
        raise common.CommandError(f"--text is required (or --remove to remove the {what})")


def cmd_recommend(args: argparse.Namespace) -> int:
    _text_or_remove(args, "recommendation")
    if args.remove and args.number is None:
        raise common.CommandError("--remove needs --number N: the recommendation to remove")
    if args.remove and args.high_priority:
        raise common.CommandError("--high-priority goes with --text, not --remove")
    policy = load_policy()
    try:
        with session_scope(common.ready_engine(), write_lock=True) as session:
            if args.remove:
                moves = store.remove_recommendation(
                    session, args.month, args.number, args.by, policy
                )
                shown: dict[str, Any] = {
                    "month": args.month,
                    "number": args.number,
                    "action": "removed",
                    "renumbered": {str(k): v for k, v in moves.items()},
                }
            else:
                row, action = store.recommend(
                    session, args.month, args.text, args.high_priority, args.number, args.by,
                    policy,
                )  # fmt: skip
                shown = {**store.recommendation_json(row), "action": action}
    except RecommendationError as error:
        raise common.CommandError(str(error)) from None
    if args.json:
        print(json.dumps(shown, indent=2))
    elif shown["action"] == "removed":
        after = " (those after it moved up one)" if shown["renumbered"] else ""
        print(f"Recommendation {args.number} of {args.month} removed{after}")
    else:
        flag = ", high priority" if shown["high_priority"] else ""
        print(f"Recommendation {shown['number']} of {args.month} {shown['action']}{flag}")
    return 0


def cmd_recommendations(args: argparse.Namespace) -> int:
    with session_scope(common.ready_engine()) as session:
        shown = {
            "month": args.month,
            "recommendations": [
                store.recommendation_json(r) for r in store.recommendations(session, args.month)
            ],
            "commentary": [store.commentary_json(c) for c in store.commentary(session, args.month)],
        }
    if args.json:
        print(json.dumps(shown, indent=2))
        return 0
    print(f"Practice recommendations for {args.month}:")
    for row in shown["recommendations"]:
        flag = " [high priority]" if row["high_priority"] else ""
        print(f"  {row['number']}.{flag} {row['text']}")
    if not shown["recommendations"]:
        print("  none")
    print(f"Commentary on practice themes for {args.month}:")
    for row in shown["commentary"]:
        print(f"  {row['theme']}: {row['text']}")
    if not shown["commentary"]:
        print("  none")
    return 0


def cmd_commentary(args: argparse.Namespace) -> int:
    _text_or_remove(args, "commentary")
    policy = load_policy()
    try:
        with session_scope(common.ready_engine(), write_lock=True) as session:
            row, action = store.set_commentary(
                session, args.month, args.theme, args.text, args.by, policy
            )
            shown = store.commentary_json(row) if row is not None else {
                "month": args.month, "theme": args.theme, "text": None, "created_by": args.by
            }  # fmt: skip
    except RecommendationError as error:
        raise common.CommandError(str(error)) from None
    shown["action"] = action
    if args.json:
        print(json.dumps(shown, indent=2))
    else:
        print(f"Commentary on {args.theme} for {args.month} {action}")
    return 0


HANDLERS = {
    "recommend": cmd_recommend,
    "recommendations": cmd_recommendations,
    "commentary": cmd_commentary,
}
