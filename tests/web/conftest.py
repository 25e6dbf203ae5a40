"""Fixtures for the web tests: an allocated council (copied per test) and the app serving it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from models.db import make_engine
from models.people import Staff
from models.programme import Audit
from tests.web.live import council_copy, council_template, serve


@pytest.fixture(scope="session")
def council_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return council_template(tmp_path_factory.mktemp("council"))


@pytest.fixture
def web_engine(council_db: Path, tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{council_copy(council_db, tmp_path)}")
    yield engine
    engine.dispose()


@pytest.fixture
def base_url(web_engine: Engine) -> Iterator[str]:
    with serve(web_engine) as url:
        yield url


@pytest.fixture
def people(web_engine: Engine) -> dict[str, str]:
    """Staff ids by part: an auditor with audits, another Team Manager, APS (two), a Service
    Manager and a Director; and ``audit``, the auditor's November audit, due 30 November."""
    with Session(web_engine) as session:
        audit = session.scalars(
            select(Audit).where(col(Audit.cycle) == "2026-11").order_by(col(Audit.id))
        ).first()
        assert audit is not None
        ids = {
            role: session.scalars(
                select(col(Staff.staff_id))
                .where(col(Staff.role) == role)
                .order_by(col(Staff.staff_id))
            ).all()
            for role in ("team_manager", "aps", "service_manager", "director")
        }
    other = next(s for s in ids["team_manager"] if s != audit.auditor_id)
    assert len(ids["aps"]) >= 2 and ids["service_manager"] and ids["director"]
    return {
        "auditor": audit.auditor_id,
        "other_manager": other,
        "aps": ids["aps"][0],
        "aps2": ids["aps"][1],
        "service_manager": ids["service_manager"][0],
        "director": ids["director"][0],
        "audit": str(audit.id),
    }
