"""A PREFECT_HOME that is set but missing is created before a flow runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from audits.commands import prepare_prefect_home


def test_a_missing_prefect_home_is_created(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "not" / "yet" / "there"
    monkeypatch.setenv("PREFECT_HOME", str(home))
    prepare_prefect_home()
    assert home.is_dir()


def test_nothing_is_made_when_prefect_home_is_unset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PREFECT_HOME", raising=False)
    monkeypatch.chdir(tmp_path)
    prepare_prefect_home()
    assert list(tmp_path.iterdir()) == []
