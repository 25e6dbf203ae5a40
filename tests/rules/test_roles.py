"""The one rule for "an active member of the APS team"."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from rules.roles import is_active_aps


@dataclass(frozen=True)
class Someone:
    role: str
    active: bool


@pytest.mark.parametrize(
    ("role", "active", "expected"),
    [
        ("aps", True, True),
        ("aps", False, False),  # still APS on record, but left: decides and receives nothing
        ("team_manager", True, False),
        ("director", True, False),
        ("APS", True, False),  # roles are stored lower case; nothing else is taken for one
    ],
)
def test_only_active_aps_members_are_active_aps(role: str, active: bool, expected: bool) -> None:
    assert is_active_aps(Someone(role, active)) is expected
