"""The one settings module: the data folder and the defaults under it, the packaged programme
file, one cache that ``reset_settings`` clears with everything built from it, and the one
placeholder test shared by the signing key and the email transport's secrets."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from pydantic import ValidationError

from config.placeholders import PLACEHOLDER_WORDS, PLACEHOLDERS, is_placeholder
from config.secret import SecretKeyError, check_secret, get_secret_key
from config.settings import get_settings, load_policy
from models.db import get_engine
from tests.settings_env import SettingsEnv

REPO = Path(__file__).resolve().parents[2]
#: Every variable whose default lies in the data folder, and the folder itself.
IN_THE_DATA_DIR = ("DATA_DIR", "DATABASE_URL", "SECRET_KEY_FILE", "OUTBOX_DIR")


def test_the_writable_defaults_are_in_var_where_the_command_runs(settings_env: SettingsEnv) -> None:
    settings_env(**dict.fromkeys(IN_THE_DATA_DIR))
    settings = get_settings()
    assert settings.data_dir == Path("var")
    assert settings.database_url == "sqlite:///./var/audits.db"
    assert settings.secret_key_file == Path("var/secret.key")
    assert settings.transport.outbox_dir == Path("var/outbox")
    assert settings.programme is None  # the packaged config/programme.toml


def test_the_data_dir_moves_every_default_and_a_variable_of_its_own_wins(
    settings_env: SettingsEnv, tmp_path: Path
) -> None:
    settings_env(**dict.fromkeys(IN_THE_DATA_DIR))
    settings_env(DATA_DIR=str(tmp_path / "state"))
    settings = get_settings()
    assert settings.database_url == f"sqlite:///{tmp_path}/state/audits.db"
    assert settings.secret_key_file == tmp_path / "state" / "secret.key"
    assert settings.transport.outbox_dir == tmp_path / "state" / "outbox"

    settings_env(
        DATABASE_URL="postgresql+psycopg://audits@db/audits",
        SECRET_KEY_FILE="~/audits.key",
        OUTBOX_DIR=str(tmp_path / "mail"),
    )
    settings = get_settings()
    assert settings.database_url == "postgresql+psycopg://audits@db/audits"
    assert settings.secret_key_file == Path.home() / "audits.key"
    assert settings.transport.outbox_dir == tmp_path / "mail"


@pytest.mark.parametrize("blank", ["", "   "])
def test_a_blank_data_dir_or_key_file_means_the_default(
    settings_env: SettingsEnv, blank: str
) -> None:
    settings_env(**dict.fromkeys(IN_THE_DATA_DIR))
    settings_env(DATA_DIR=blank, SECRET_KEY_FILE=blank)
    assert get_settings().data_dir == Path("var")
    assert get_settings().secret_key_file == Path("var/secret.key")


def test_a_data_dir_under_home_is_expanded(settings_env: SettingsEnv) -> None:
    settings_env(**dict.fromkeys(IN_THE_DATA_DIR))
    settings_env(DATA_DIR="~/audits-state")
    assert get_settings().data_dir == Path.home() / "audits-state"


def test_the_key_file_is_made_in_the_data_dir(settings_env: SettingsEnv, tmp_path: Path) -> None:
    settings_env(**dict.fromkeys(IN_THE_DATA_DIR))
    settings_env(SECRET_KEY=None, DATA_DIR=str(tmp_path))
    key = get_secret_key()
    assert (tmp_path / "secret.key").read_text().strip() == key


def test_settings_are_read_once_and_reset_clears_all_that_was_built_from_them(
    settings_env: SettingsEnv, tmp_path: Path
) -> None:
    settings_env(DATABASE_URL=f"sqlite:///{tmp_path / 'one.db'}", SECRET_KEY="k" + "x" * 40)
    settings, engine = get_settings(), get_engine()
    with pytest.raises(SecretKeyError):  # too few different characters
        get_secret_key()
    good = secrets.token_urlsafe(48)
    settings_env(DATABASE_URL=f"sqlite:///{tmp_path / 'two.db'}", SECRET_KEY=good)
    assert get_settings() is not settings and get_settings() is get_settings()
    assert get_engine() is not engine and get_engine().url.database == str(tmp_path / "two.db")
    assert get_secret_key() == good
    engine.dispose()
    get_engine().dispose()


def test_the_transport_settings_are_checked_only_when_asked_for(
    settings_env: SettingsEnv,
) -> None:
    settings_env(EMAIL_TRANSPORT="pigeon")
    settings = get_settings()  # the database, the programme: still usable
    assert settings.database_url
    with pytest.raises(ValidationError, match="AUDITS_EMAIL_TRANSPORT"):
        _ = settings.transport


def test_without_a_programme_variable_the_packaged_file_is_read(
    settings_env: SettingsEnv,
) -> None:
    settings_env(PROGRAMME=None)
    assert load_policy() == load_policy(REPO / "config" / "programme.toml")


# --- placeholders ------------------------------------------------------------------------------


@pytest.mark.parametrize("value", sorted(PLACEHOLDERS))
def test_every_placeholder_is_refused_whole_in_any_case(value: str) -> None:
    assert is_placeholder(value) and is_placeholder(f"  {value.upper()}\n")


def test_a_placeholder_word_inside_a_value_is_refused_only_anywhere() -> None:
    for word in PLACEHOLDER_WORDS:
        value = f"Council-{word}-2026"
        assert is_placeholder(value, anywhere=True)
        assert not is_placeholder(value)  # a real SMTP password may hold "password"


def test_random_keys_are_never_taken_for_placeholders() -> None:
    for _ in range(2000):
        key = secrets.token_urlsafe(48)
        assert check_secret(key, "AUDITS_SECRET_KEY") == key
