"""Who reads an audit and who acts on it (rules.audit_access), person by person."""

from __future__ import annotations

import pytest

from rules.audit_access import AuditReaders, may_act_on_audit, may_read_audit

READERS = AuditReaders(
    auditor_id="TM1",
    line_manager_id="SM1",
    reauditor_ids=frozenset({"TM2"}),
    case_team_managers=frozenset({"SM2"}),
)


@pytest.mark.parametrize(
    ("staff_id", "role", "reads", "acts"),
    [
        ("TM1", "team_manager", True, True),  # the auditor
        ("APS1", "aps", True, True),  # on the auditor's behalf
        ("D1", "director", True, False),
        ("SM1", "service_manager", True, False),  # the auditor's line manager
        ("SM2", "service_manager", True, False),  # the case's team's
        ("TM2", "team_manager", True, False),  # the re-auditor
        ("TM3", "team_manager", False, False),
        ("SM3", "service_manager", False, False),
    ],
)
def test_who_reads_and_who_acts(staff_id: str, role: str, reads: bool, acts: bool) -> None:
    assert may_read_audit(staff_id, role, READERS) is reads
    assert may_act_on_audit(staff_id, role, READERS.auditor_id) is acts


def test_an_auditor_without_a_line_manager_is_read_by_nobody_else() -> None:
    alone = AuditReaders(auditor_id="TM1")
    assert may_read_audit("TM1", "team_manager", alone)
    assert not may_read_audit("SM1", "service_manager", alone)
    # A role that reads everything still does.
    assert may_read_audit("D1", "director", alone)
