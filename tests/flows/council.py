"""A small synthetic council, imported through the real import, for the flow tests."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy.engine import Engine

from config.settings import load_policy
from demo.synthetic import CASE_COLUMNS, STAFF_COLUMNS, make_council, write_csv
from importer import import_cases, import_staff
from models.db import session_scope
from rules.policy import Policy

TODAY = date(2026, 10, 20)
POLICY: Policy = load_policy()


def seed_council(engine: Engine, folder: Path, cases: int = 800, seed: int = 11) -> None:
    """4 service areas x 4 teams x 2 Team Managers, and ``cases`` cases."""
    council = make_council(seed, TODAY, cases=cases, teams_per_area=4, managers_per_team=2)
    staff_csv = write_csv(folder / "staff.csv", STAFF_COLUMNS, council.staff)
    cases_csv = write_csv(folder / "cases.csv", CASE_COLUMNS, council.cases)
    with session_scope(engine) as session:
        import_staff(session, staff_csv, TODAY)
    with session_scope(engine) as session:
        import_cases(session, cases_csv, TODAY)


def allocated_database(folder: Path, month: str = "2026-11", cases: int = 300) -> Path:
    """A SQLite file in ``folder`` with a seeded council and ``month`` allocated (theme all)."""
    from flows.allocate import allocate_cycle
    from models.db import make_engine, migrate

    db = folder / "audits.db"
    engine = make_engine(f"sqlite:///{db}")
    migrate(engine)
    seed_council(engine, folder, cases=cases)
    with session_scope(engine, write_lock=True) as session:
        allocate_cycle(session, POLICY, month, "all")
    engine.dispose()
    return db
