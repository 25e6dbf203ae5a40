"""The hand-worked programme of tests/models/test_report_store with sign-off on: two active APS
members, one who left, a Service Manager and a Director; the report's emails as outbox files."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.db import make_engine, migrate
from models.people import Staff
from tests.flows.test_report_flow import PROGRAMME
from tests.models.test_report_store import build_programme

SIGNOFF_PROGRAMME = PROGRAMME.replace("sign_off = false", "sign_off = true")
DISTRIBUTION = ["Frontline-Teams@example.gov.uk", "director@example.gov.uk"]
APS = {"APS1": "aps1@example.gov.uk", "APS2": "aps2@example.gov.uk"}
MONTH = "2026-06"


#: (staff_id, name, role, active) of the readers besides the APS team.
READERS = (
    ("APS9", "Reviewer who left", "aps", False),
    ("SM1", "Service Manager One", "service_manager", True),
    ("DIR1", "Director One", "director", True),
    ("TMX", "Team Manager X", "team_manager", True),
)


def add_readers(engine: Engine) -> None:
    """The people who review, approve and read the report (synthetic)."""
    with Session(engine) as session:
        for staff_id, address in APS.items():
            session.add(
                Staff(staff_id=staff_id, name=f"Reviewer {staff_id}", email=address, role="aps")
            )
        for staff_id, name, role, active in READERS:
            address = f"{staff_id.lower()}@example.gov.uk"
            session.add(
                Staff(staff_id=staff_id, name=name, email=address, role=role, active=active)
            )
        session.commit()


def signoff_env(tmp_path: Path, sign_off: bool = True) -> dict[str, str]:
    """A database of the programme with its readers, and the settings that point at it."""
    db = tmp_path / "audits.db"
    engine = make_engine(f"sqlite:///{db}")
    migrate(engine)
    build_programme(engine)
    add_readers(engine)
    engine.dispose()
    (tmp_path / "programme.toml").write_text(SIGNOFF_PROGRAMME if sign_off else PROGRAMME)
    return {
        "DATABASE_URL": f"sqlite:///{db}",
        "PROGRAMME": str(tmp_path / "programme.toml"),
        "EMAIL_TRANSPORT": "outbox",
        "OUTBOX_DIR": str(tmp_path / "outbox"),
        "BASE_URL": "https://audits.example.gov.uk",
    }


def sent_emails(folder: Path) -> list[EmailMessage]:
    """Every email the outbox transport wrote, oldest first."""
    return [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
        for p in sorted((folder / "outbox").glob("*.eml"))
    ]


def recipients(folder: Path) -> list[str]:
    return sorted(str(m["To"]) for m in sent_emails(folder))
