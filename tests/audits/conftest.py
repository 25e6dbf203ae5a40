"""Fixtures for the command-line tests: November 2026 allocated once per module, a copy per test.

A module that needs something else defines its own ``allocated_db`` or ``db``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audits.cli_support import copy_of
from tests.flows.council import allocated_database


@pytest.fixture(scope="module")
def allocated_db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    name = request.module.__name__.rpartition(".")[2].removeprefix("test_")
    return allocated_database(tmp_path_factory.mktemp(name))


@pytest.fixture
def db(allocated_db: Path, tmp_path: Path) -> Path:
    return copy_of(allocated_db, tmp_path)
