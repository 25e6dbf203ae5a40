"""Without a PostgreSQL server to use, the tests start their own (as on a user's laptop)."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect

from models.db import make_engine, migrate
from tests.postgres import fresh_database, own_server, reachable


@pytest.mark.postgres
def test_the_tests_can_start_their_own_postgresql_server() -> None:
    with own_server() as server:
        assert reachable(server)
        with fresh_database(server) as url:
            engine = make_engine(url)
            migrate(engine)
            assert "audit" in inspect(engine).get_table_names()
            engine.dispose()
    assert not reachable(server)  # stopped again afterwards
