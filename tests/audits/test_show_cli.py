"""``audits show AUDIT_ID``: one hand-made audit, every key of its JSON written out by hand, on
SQLite and on PostgreSQL; the readable summary; an unknown or rubbish id in one line."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from models.db import session_scope
from models.findings import Feedback, FindingTag, Reflection, ThemeFinding
from models.people import Staff, Team
from models.programme import Audit, Cycle
from models.requests import ExemptionRequest, ExtensionRequest
from models.trail import TrailEntry
from tests.audits.cli_support import REPO, in_process
from tests.importer.helpers import dump

NOV = datetime(2026, 11, 20, 10, 5, tzinfo=UTC)  # GMT: London is UTC
JUNE = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)  # BST: London is an hour ahead


def _people_and_case(session: Any) -> None:
    from models.cases import Case

    session.add_all(
        [Team(name="North A", service_area="North"), Team(name="South B", service_area="South")]
    )
    session.flush()
    for staff_id, name, role, manager in (
        ("SM1", "Sam Manager", "service_manager", None),
        ("TM1", "Terry Auditor", "team_manager", "SM1"),
        ("TM2", "Toni Reauditor", "team_manager", "SM1"),
        ("APS1", "Ash Aps", "aps", None),
    ):
        team = None if role == "aps" else "South B"
        email = f"{staff_id.lower()}@x.test"
        person = Staff(staff_id=staff_id, name=name, email=email, role=role, team=team)
        session.add(person)
        session.flush()
        person.line_manager_id = manager
    session.flush()
    session.add(Case(case_ref="C-77", team="North A", status="open"))
    session.add_all([Cycle(month="2026-05", theme="cin", status="allocated"),
                     Cycle(month="2026-09", theme="cse", status="allocated")])  # fmt: skip
    session.flush()


def _audit(id: int, cycle: str, auditor: str, **fields: Any) -> Audit:
    allocated = date.fromisoformat(f"{cycle}-01")
    return Audit(
        id=id, cycle=cycle, case_ref="C-77", auditor_id=auditor, cohort="cin",
        allocated_on=allocated, due_on=fields.pop("due_on", allocated.replace(day=29)),
        original_due_on=allocated.replace(day=29), auditor_team="South B",
        auditor_service_area="South", case_team="North A", case_service_area="North", **fields,
    )  # fmt: skip


def make_audit(engine: Engine) -> None:
    """Audit 5 (May 2026, extended, completed inadequate, findings, reflection, feedback, a
    rejected exemption request, a trail) and its re-audit 6 (September, another auditor)."""
    with session_scope(engine) as session:
        _people_and_case(session)
        session.add(
            _audit(5, "2026-05", "TM1", due_on=date(2026, 6, 5), status="completed",
                   completed_on=date(2026, 6, 3), judgement="inadequate")
        )  # fmt: skip
        session.flush()
        session.add(_audit(6, "2026-09", "TM2", kind="reaudit", parent_audit_id=5))
        session.add_all(
            [
                ThemeFinding(audit_id=5, theme="cin", descriptor="Plan drifted"),
                ThemeFinding(audit_id=5, theme="cse", descriptor="No screening"),
                Reflection(audit_id=5, done_well="Visits", challenges="Caseload",
                           enough_tools="No", do_differently="Screen early"),
                Feedback(audit_id=5, source="parent", kind="strength", text="Listened"),
                Feedback(audit_id=5, source="partner_agency", kind="improvement", text="Late"),
                FindingTag(audit_id=5, tag="supervision"),
                FindingTag(audit_id=5, tag="drift_and_delay"),
                ExtensionRequest(id=3, audit_id=5, requested_by="TM1",
                    requested_on=date(2026, 5, 20), requested_until=date(2026, 6, 5),
                    reason="Leave", status="approved",
                    decided_by="APS1", decided_on=date(2026, 5, 21), decision_note="Agreed",
                    approved_until=date(2026, 6, 5), created_at=JUNE.replace(month=5)),
                ExemptionRequest(id=4, audit_id=5, staff_id="TM1", requested_by="TM1",
                    requested_on=date(2026, 5, 22), category="sickness", reason="Unwell",
                    status="rejected", decided_by="APS1", decided_on=date(2026, 5, 23),
                    decision_note="Extended already", created_at=JUNE.replace(month=5, day=2)),
                TrailEntry(at=JUNE, actor="TM1", action="audit.completed", subject_type="audit",
                           subject_id="5", detail={"judgement": "inadequate"}),
                TrailEntry(at=NOV, actor="APS1", action="extension.approved",
                           subject_type="extension_request", subject_id="3",
                           detail={"note": "Agreed"}),
                # Not audit 5's: another audit's, and a request of the same number's other kind.
                TrailEntry(at=NOV, actor="x", action="audit.completed", subject_type="audit",
                           subject_id="6"),
                TrailEntry(at=NOV, actor="x", action="exemption.requested",
                           subject_type="exemption_request", subject_id="3"),
            ]
        )  # fmt: skip


EXPECTED: dict[str, Any] = {
    "audit_id": 5,
    "case_ref": "C-77",
    "kind": "audit",
    "cycle": "2026-05",
    "status": "completed",
    "auditor_id": "TM1",
    "due_on": "2026-06-05",
    "original_due_on": "2026-05-29",
    "completed_on": "2026-06-03",
    "judgement": "inadequate",
    "findings": [
        {"theme": "cin", "descriptor": "Plan drifted"},
        {"theme": "cse", "descriptor": "No screening"},
    ],
    "reflection": {
        "done_well": "Visits",
        "challenges": "Caseload",
        "enough_tools": "No",
        "do_differently": "Screen early",
    },
    "feedback": [
        {"kind": "strength", "source": "parent", "text": "Listened"},
        {"kind": "improvement", "source": "partner_agency", "text": "Late"},
    ],
    "tags": ["drift_and_delay", "supervision"],
    "parent_audit_id": None,
    "reaudit_id": 6,
    "requests": [
        {"request_id": 3, "kind": "extension", "status": "approved", "requested_by": "TM1",
         "requested_on": "2026-05-20", "late": False, "reason": "Leave",
         "requested_until": "2026-06-05", "category": None,
         "decision": {"decided_by": "APS1", "decided_on": "2026-05-21", "note": "Agreed",
                      "approved_until": "2026-06-05", "outcome": None,
                      "reallocated_audit_id": None}},
        {"request_id": 4, "kind": "exemption", "status": "rejected", "requested_by": "TM1",
         "requested_on": "2026-05-22", "late": False, "reason": "Unwell",
         "requested_until": None, "category": "sickness",
         "decision": {"decided_by": "APS1", "decided_on": "2026-05-23",
                      "note": "Extended already", "approved_until": None, "outcome": None,
                      "reallocated_audit_id": None}},
    ],
    "responses": [],
    "moderation": None,
    "trail": [
        {"at": "2026-06-01T10:00:00+01:00", "actor": "TM1", "action": "audit.completed",
         "detail": {"judgement": "inadequate"}},
        {"at": "2026-11-20T10:05:00+00:00", "actor": "APS1", "action": "extension.approved",
         "detail": {"note": "Agreed"}},
    ],
    "actions": [],
}  # fmt: skip


def show(url: str, folder: Path, *args: str) -> Any:
    env = {"AUDITS_DATABASE_URL": url, "AUDITS_PROGRAMME": str(REPO / "config/programme.toml")}
    return in_process(["show", *args], env, folder)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_show_json_is_the_audit_in_full(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    engine: Engine = request.getfixturevalue("engine" if backend == "sqlite" else "pg_engine")
    make_audit(engine)
    url = engine.url.render_as_string(hide_password=False)
    result = show(url, tmp_path, "5", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == EXPECTED
    reaudit = json.loads(show(url, tmp_path, "6", "--json").stdout)
    assert (reaudit["kind"], reaudit["parent_audit_id"], reaudit["reaudit_id"]) == (
        "reaudit",
        5,
        None,
    )
    assert (reaudit["findings"], reaudit["reflection"], reaudit["feedback"]) == ([], {}, [])
    assert [e["at"] for e in reaudit["trail"]] == ["2026-11-20T10:05:00+00:00"]


def test_show_without_json_is_a_readable_summary(engine: Engine, tmp_path: Path) -> None:
    make_audit(engine)
    result = show(str(engine.url), tmp_path, "5")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Audit 5 of case C-77, cycle 2026-05"
    assert "  auditor: Terry Auditor (TM1)" in lines
    assert "  completed 2026-06-03: inadequate" in lines
    assert "  re-audited as audit 6" in lines
    assert "  finding cse: No screening" in lines
    assert "  recurring findings: drift_and_delay, supervision" in lines
    assert "  extension request 3 (2026-06-05): approved by Ash Aps" in lines
    assert "  2026-11-20T10:05:00+00:00 Ash Aps: extension.approved" in lines


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["999"], "there is no audit 999"),
        ([str(2**64)], "argument AUDIT_ID"),
        (["٣"], "argument AUDIT_ID"),
        (["0"], "argument AUDIT_ID"),
        (["5\n"], "argument AUDIT_ID"),
        ([], "AUDIT_ID"),
    ],
)
def test_an_unknown_or_rubbish_id_is_one_line(
    engine: Engine, tmp_path: Path, args: list[str], named: str
) -> None:
    make_audit(engine)
    before = dump(engine)
    result = show(str(engine.url), tmp_path, *args)
    assert result.returncode != 0 and result.stdout == ""
    [line] = result.stderr.splitlines()
    assert named in line
    assert dump(engine) == before


IDS = st.one_of(
    st.integers(-3, 9).map(str),
    st.sampled_from(
        [str(2**31), str(2**31 - 1), str(2**63), "1_0", "+5", " 5", "5 ", "²", "\udcff"]
    ),
    st.text(st.characters(exclude_characters="\x00"), max_size=6),
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(audit_id=IDS, as_json=st.booleans())
def test_any_audit_id_is_shown_or_refused_in_one_line(
    engine: Engine, tmp_path: Path, audit_id: str, as_json: bool
) -> None:
    if dump(engine)["audit"] == []:
        make_audit(engine)
    before = dump(engine)
    result = show(str(engine.url), tmp_path, audit_id, *(["--json"] if as_json else []))
    assert "Traceback" not in result.stderr
    if result.returncode == 0:
        assert audit_id in ("5", "6")
        if as_json:
            assert json.loads(result.stdout)["audit_id"] == int(audit_id)
    else:
        assert len(result.stderr.splitlines()) == 1 and result.stdout == ""
    assert dump(engine) == before
