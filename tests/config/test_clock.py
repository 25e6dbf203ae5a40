"""The demo's today: read from the file beside the demo's SQLite database only under development
sign-in; with it off, nothing (no file, no setting) moves the date from the real one."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config.clock import (
    demo_today,
    demo_today_file,
    real_today_in_london,
    today_in_london,
    write_demo_today,
)
from config.settings import reset_settings
from tests.settings_env import SettingsEnv

DEMO_DAY = date(2027, 1, 11)


@pytest.fixture
def demo_db(tmp_path: Path, settings_env: SettingsEnv) -> str:
    """A demo's database URL, its date file written as `make demo` writes it."""
    url = f"sqlite:///{tmp_path / 'audits.db'}"
    written = write_demo_today(url, DEMO_DAY)
    assert written == tmp_path / "audits.db.demo-today"
    assert written.read_text() == "2027-01-11\n"
    settings_env(DATABASE_URL=url)
    return url


def test_the_file_sits_beside_a_sqlite_database_only() -> None:
    assert demo_today_file("sqlite:///var/demo/audits.db") == Path("var/demo/audits.db.demo-today")
    assert demo_today_file("sqlite:///./var/audits.db") == Path("./var/audits.db.demo-today")
    assert demo_today_file("sqlite://") is None
    assert demo_today_file("sqlite:///:memory:") is None
    assert demo_today_file("postgresql+psycopg://u@localhost/audits") is None
    assert demo_today_file("not a url") is None


def test_under_development_sign_in_today_is_the_demos(
    demo_db: str, settings_env: SettingsEnv
) -> None:
    settings_env(DEV_LOGIN="true")
    assert demo_today() == DEMO_DAY
    assert today_in_london() == DEMO_DAY


@pytest.mark.parametrize("dev_login", [None, "false", "0", "no"])
def test_without_development_sign_in_the_file_is_ignored(
    demo_db: str, settings_env: SettingsEnv, dev_login: str | None
) -> None:
    # Every other setting a production machine might have set, and the file in place.
    settings_env(
        DEV_LOGIN=dev_login,
        AUTH_HEADER="X-Remote-User",
        SECURE_COOKIES="true",
        DATA_DIR=str(Path(demo_db.removeprefix("sqlite:///")).parent),
    )
    assert demo_today() is None
    assert today_in_london() == real_today_in_london()


def test_a_malformed_sign_in_setting_means_the_real_date(
    demo_db: str, settings_env: SettingsEnv
) -> None:
    settings_env(DEV_LOGIN="perhaps")  # `audits web` refuses it; the clock stays real
    assert demo_today() is None


def test_another_database_has_no_demo_date(demo_db: str, settings_env: SettingsEnv) -> None:
    other = Path(demo_db.removeprefix("sqlite:///")).with_name("other.db")
    settings_env(DEV_LOGIN="true", DATABASE_URL=f"sqlite:///{other}")
    assert demo_today() is None


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(content=st.binary(max_size=40) | st.dates().map(lambda d: d.isoformat().encode()))
def test_any_file_content_is_a_date_or_ignored(
    content: bytes, demo_db: str, settings_env: SettingsEnv
) -> None:
    """Whatever the file holds, the clock answers a date: the file's, if it is exactly one
    (strict YYYY-MM-DD, 1900-2199), else the real one; it never raises."""
    settings_env(DEV_LOGIN="true")
    path = demo_today_file(demo_db)
    assert path is not None
    path.write_bytes(content)
    reset_settings()
    found = demo_today()
    text = content.decode("utf-8", "replace").strip()
    if found is None:
        assert today_in_london() == real_today_in_london()
    else:
        assert found.isoformat() == text
        assert today_in_london() == found
