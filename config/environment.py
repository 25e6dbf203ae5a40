"""What every settings class shares: ``AUDITS_*`` variables, and the data folder.

The data folder (``AUDITS_DATA_DIR``, default ``./var``: relative to the folder a command runs
in) holds everything the programme writes on its own account: the default SQLite database, the
signing key file, the outbox of ``.eml`` files. A variable naming one of those itself wins.
Nothing is ever written inside the installed package.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATA_DIR = Path("var")


class AuditsEnvironment(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AUDITS_", extra="ignore")

    #: Where the programme writes its files unless told otherwise (``AUDITS_DATA_DIR``).
    data_dir: Path = DEFAULT_DATA_DIR

    @field_validator("data_dir", mode="before")
    @classmethod
    def _blank_is_the_default(cls, value: object) -> object:
        if isinstance(value, str):
            # Empty would read as Path("."), scattering files over the working folder.
            return Path(value.strip()).expanduser() if value.strip() else DEFAULT_DATA_DIR
        return value
