"""Settings from environment variables prefixed ``AUDITS_``, and the programme policy file."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from rules.policy import Policy, PolicyError, policy_from_dict

REPO = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AUDITS_", extra="ignore")

    #: SQLAlchemy URL of the application database (``postgresql+psycopg://…`` in production).
    database_url: str = "sqlite:///./var/audits.db"
    #: Path of the programme policy file.
    programme: Path = REPO / "programme.toml"
    #: The drop folder the nightly import reads CSV exports from (``AUDITS_IMPORT_DIR``); unset
    #: (or set empty) means the ``nightly-case-import`` flow skips. See flows/nightly_import.py.
    import_dir: Path | None = None

    @field_validator("import_dir", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # An empty variable would otherwise read as Path("."): the worker's own folder.
        return None if isinstance(value, str) and not value.strip() else value


class SettingsError(Exception):
    """Configuration that cannot be used; the message says what to fix."""


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def load_policy(path: Path | None = None) -> Policy:
    """Read and check the programme file (``AUDITS_PROGRAMME`` unless a path is given)."""
    path = path or get_settings().programme
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise SettingsError(f"programme file not found: {path} (set AUDITS_PROGRAMME)") from None
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"{path}: not valid TOML: {error}") from None
    try:
        return policy_from_dict(data)
    except PolicyError as error:
        raise SettingsError(f"{path}: {error}") from None
