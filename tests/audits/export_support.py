"""What the evidence export's tests share: the report store's hand-built programme
(tests/models/test_report_store.py) with tags, actions and formula-looking texts on top, the
programme file the commands read, and reading a workbook back."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from models import action_store, finding_store
from models.cases import Case
from models.people import Staff
from models.programme import Audit
from rules.actions import ActionDraft
from tests.flows.test_report_flow import PROGRAMME
from tests.models.test_report_store import AUDITS

# Values a spreadsheet would run as formulas, were they written as they are.
HYPERLINK = '=HYPERLINK("http://x","y")'
FORMULAS = (HYPERLINK, "+1", "-2", "@SUM(A1)", "\t=1", "\r=1")
# The programme file: the report's test programme, and tags whose labels look like formulas.
EXPORT_PROGRAMME = (
    PROGRAMME
    + """
[findings.tags]
supervision = "Supervision"
drift_and_delay = "@SUM(A1) drift"
recording = "=1+1"
planning = "Planning"
"""
)
TAGS = {
    # key (tests/models/test_report_store.py's AUDITS_TABLE) -> tags
    "D1": ["supervision", "drift_and_delay"],
    "D2": ["supervision"],
    "D3": ["retired_tag"],  # no longer in the programme file: still counted, labelled by key
    "D4": ["supervision", "recording"],
    "D9": ["planning"],  # not completed: in the Audits sheet, not among the counts
    "C1": ["supervision"],
    "R3": ["supervision"],  # a re-audit of June: counted in June
}
# key, owner, set on, due, done on (None: open)
ACTIONS = [
    ("D1", "TM2", "2026-06-10", "2026-07-01", None),
    ("D1", "TM3", "2026-06-10", "2026-06-24", "2026-06-19"),
    ("D4", "TM1", "2026-06-15", "2026-06-30", None),
    ("C1", "TM4", "2026-05-29", "2026-06-05", "2026-06-05"),
    ("Z1", "TM1", "2025-12-10", "2025-12-19", None),  # before the exported range
]


def audit_ids(session: Session) -> dict[str, int]:
    """The hand-built programme's audits by key (built in the table's order on a new database,
    so the ids ascend with it)."""
    ids = session.execute(select(col(Audit.id)).order_by(col(Audit.id))).scalars()
    return dict(zip((row[0] for row in AUDITS), ids, strict=True))


def build_evidence(engine: Engine) -> None:
    """Tags, actions and formula-looking texts on the report's programme (built first)."""
    with Session(engine) as session:
        ids = audit_ids(session)
        for key, tags in TAGS.items():
            finding_store.add_tags(session, ids[key], tags)
        for key, owner, set_on, due, done in ACTIONS:
            draft = ActionDraft(owner, date.fromisoformat(due), HYPERLINK)
            action = action_store.add_action(
                session, ids[key], draft, date.fromisoformat(set_on), "TM1"
            )
            if done:
                assert action.id is not None
                action_store.mark_done(
                    session, action.id, date.fromisoformat(done), "+done", owner, date(2026, 12, 31)
                )
        # D7's case gets a formula for a reference, D6's team and D5's auditor's team others.
        session.add(Case(case_ref=HYPERLINK, team="North A", status="open"))
        session.flush()
        for key, field, value in [
            ("D7", "case_ref", HYPERLINK),
            ("D6", "case_team", "+1"),
            ("D5", "auditor_team", "-2"),
            ("D3", "case_service_area", "\t=1"),
            ("D2", "case_team", "\r=1"),
        ]:
            audit = session.get(Audit, ids[key])
            assert audit is not None
            setattr(audit, field, value)
            session.add(audit)
        # Who downloads it from the dashboard (APS), and who may not (a Director).
        for staff_id, role in (("APS1", "aps"), ("DIR1", "director")):
            email = f"{staff_id.lower()}@example.gov.uk"
            session.add(
                Staff(staff_id=staff_id, name=staff_id, email=email, role=role, team="North A")
            )
        session.commit()


def read_sheets(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every sheet's rows (values), header first."""
    book = load_workbook(path)
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book}


def as_dicts(rows: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    head, *body = rows
    return [dict(zip(head, row, strict=True)) for row in body]
