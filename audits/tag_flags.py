"""``audits complete --tag TAG``: the recurring findings ([findings.tags]) a completion carries.

Kept apart from the completion's other flags: the tags are checked against the programme file's
list, which the other flags never need.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from typing import Any

from audits import common
from rules.completion import CompletionDetails
from rules.policy import Policy
from rules.recurring import TagError, check_tags


def add_tag_flag(parser: Any) -> None:
    parser.add_argument(
        "--tag",
        action="append",
        default=[],
        metavar="TAG",
        help="a recurring finding from the programme file's [findings.tags] (e.g. supervision, "
        "drift_and_delay); repeatable",
    )


def with_tags(
    details: CompletionDetails, args: argparse.Namespace, policy: Policy
) -> CompletionDetails:
    """``details`` with the ``--tag`` flags, checked against the policy's tags (in its order);
    an unknown tag is the command's one-line error."""
    try:
        tags = check_tags(args.tag, policy.finding_tags)
    except TagError as error:
        raise common.CommandError(str(error)) from None
    return replace(details, tags=tags)
