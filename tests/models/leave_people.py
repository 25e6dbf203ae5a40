"""A handful of staff, imported through the real staff import, for the leave tests."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy.engine import Engine

from importer import import_staff
from models.db import session_scope
from tests.importer.helpers import STAFF_HEADER, write

STAFF = [
    STAFF_HEADER,
    "APS01,Avery Aps,aps01@example.gov.uk,aps,,,,yes",
    "APS02,Blake Aps,aps02@example.gov.uk,aps,,,,no",
    "SM01,Casey Sm,sm01@example.gov.uk,service_manager,North A,North,,yes",
    "TM001,Devon Tm,tm001@example.gov.uk,team_manager,North A,North,SM01,yes",
    "TM002,Emery Tm,tm002@example.gov.uk,team_manager,North B,North,SM01,yes",
]


def import_people(engine: Engine, folder: Path) -> Engine:
    path = write(folder, "staff.csv", STAFF)
    with session_scope(engine) as session:
        import_staff(session, path, date(2026, 10, 20))
    return engine
