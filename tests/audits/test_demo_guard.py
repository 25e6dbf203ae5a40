"""The demo never writes its synthetic council over a database that already holds staff."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from demo.run import DemoRefused, run_demo
from importer import import_staff
from models.db import session_scope
from tests.importer.helpers import dump
from tests.settings_env import SettingsEnv

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_the_demo_refuses_a_database_with_staff(
    engine: Engine, sqlite_url: str, tmp_path: Path, settings_env: SettingsEnv
) -> None:
    with session_scope(engine) as session:
        import_staff(session, EXAMPLES / "staff.csv", date(2026, 11, 1))
    before = dump(engine)
    settings_env(DATABASE_URL=sqlite_url)
    with pytest.raises(DemoRefused, match="already holds staff"):
        run_demo(tmp_path / "demo", "2026-11", seed=1)
    assert dump(engine) == before
