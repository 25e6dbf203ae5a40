"""A social worker is in the staff data (their team, their Team Manager) but never audits: a
month's allocation and a re-audit's choice of auditor pass them by, however many there are."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from flows.allocate import allocate_cycle
from models.db import make_engine, migrate, session_scope
from models.people import Staff
from models.programme import Audit
from models.reauditors import Reauditors
from tests.flows.council import POLICY, seed_council


def _council_with_workers(folder: Path) -> Engine:
    """The seeded council, with a social worker in every team, each line-managed by a Team
    Manager of their team (as many social workers as Team Managers)."""
    engine = make_engine(f"sqlite:///{folder / 'audits.db'}")
    migrate(engine)
    seed_council(engine, folder, cases=200)
    with session_scope(engine) as session:
        managers = session.scalars(select(Staff).where(col(Staff.role) == "team_manager")).all()
        for n, manager in enumerate(managers):
            session.add(
                Staff(staff_id=f"SW{n:03}", name=f"Worker {n}", email=f"sw{n}@example.gov.uk",
                      role="social_worker", team=manager.team, line_manager_id=manager.staff_id)
            )  # fmt: skip
    return engine


def test_allocation_and_reaudits_never_pick_a_social_worker(tmp_path: Path) -> None:
    engine = _council_with_workers(tmp_path)
    with session_scope(engine, write_lock=True) as session:
        allocate_cycle(session, POLICY, "2026-11", "all")
    with Session(engine) as session:
        roles = dict(
            session.execute(
                select(col(Staff.role), func.count(col(Audit.id)))
                .join(Staff, col(Staff.staff_id) == col(Audit.auditor_id))
                .group_by(col(Staff.role))
            ).all()
        )
        assert roles.get("team_manager", 0) > 0 and "social_worker" not in roles
        workers = set(
            session.scalars(select(col(Staff.staff_id)).where(col(Staff.role) == "social_worker"))
        )
        assert len(workers) > 0
        reauditors = Reauditors(session, "2026-12", POLICY)
        assert reauditors.eligible and not workers & set(reauditors.eligible)
        assert not workers & set(reauditors.excluded)  # not even considered
        audit = session.scalars(select(Audit)).first()
        assert audit is not None
        choice = reauditors.choose(audit.auditor_id, audit.case_team, audit.case_service_area)
        assert choice is not None and choice.auditor.staff_id not in workers
    engine.dispose()
