"""The programme's settings: every ``AUDITS_*`` variable, read in this one place.

``get_settings()`` reads them once per process; ``reset_settings()`` forgets them and whatever
was built from them (the database engine, the signing key), for a process whose environment
changed (the demo's history part, tests). Three groups, each checked when first asked for, so a
mistake in the email settings stops only what sends email:

- ``Settings`` itself: the database, the programme file, the drop folder, the signing key and
  the data folder (config/environment.py) the writable defaults live in;
- ``.web``: how the web app signs people in (config/web_settings.py);
- ``.transport``: how email goes out (config/transport_settings.py).

The programme file defaults to the ``programme.toml`` shipped in this package.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Protocol, TypeVar

from pydantic import SecretStr, field_validator, model_validator

from config.environment import AuditsEnvironment
from config.transport_settings import TransportSettings
from config.web_settings import WebSettings
from rules.policy import Policy, PolicyError, policy_from_dict

#: The programme file used when ``AUDITS_PROGRAMME`` is unset, shipped in this package.
DEFAULT_PROGRAMME = "programme.toml"


class SettingsError(Exception):
    """Configuration that cannot be used; the message says what to fix."""


class Settings(AuditsEnvironment):
    #: SQLAlchemy URL of the application database (``postgresql+psycopg://…`` in production);
    #: default ``audits.db`` in the data folder.
    database_url: str = ""
    #: Path of the programme policy file; unset: the packaged ``config/programme.toml``.
    programme: Path | None = None
    #: The drop folder the nightly import reads CSV exports from (``AUDITS_IMPORT_DIR``); unset
    #: (or set empty) means the ``nightly-case-import`` flow skips. See flows/nightly_import.py.
    import_dir: Path | None = None
    #: The secret that signs links in emails and the session cookie (see config/secret.py).
    #: Set but empty is refused there, not taken for unset.
    secret_key: SecretStr | None = None
    #: Where the signing key is kept when ``AUDITS_SECRET_KEY`` is unset; set empty, or unset:
    #: ``secret.key`` in the data folder.
    secret_key_file: Path = Path()

    @model_validator(mode="before")
    @classmethod
    def _blank_key_file_is_unset(cls, data: Any) -> Any:
        if isinstance(data, dict) and _blank(data.get("secret_key_file")):
            return {name: value for name, value in data.items() if name != "secret_key_file"}
        return data

    @field_validator("import_dir", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # An empty variable would otherwise read as Path("."): the worker's own folder.
        return None if _blank(value) else value

    @field_validator("secret_key_file")
    @classmethod
    def _home(cls, value: Path) -> Path:
        return value.expanduser()

    @model_validator(mode="after")
    def _writable_defaults_in_the_data_dir(self) -> Settings:
        if "database_url" not in self.model_fields_set:
            self.database_url = sqlite_url(self.data_dir / "audits.db")
        if "secret_key_file" not in self.model_fields_set:
            self.secret_key_file = self.data_dir / "secret.key"
        return self

    @cached_property
    def web(self) -> WebSettings:
        """How the web app signs people in (read, and checked, on first use)."""
        return WebSettings()

    @cached_property
    def transport(self) -> TransportSettings:
        """How email goes out (read, and checked, on first use: a mistake raises pydantic's
        ValidationError, naming the variable)."""
        return TransportSettings()


def _blank(value: object) -> bool:
    return isinstance(value, str) and not value.strip()


def sqlite_url(path: Path) -> str:
    """The SQLAlchemy URL of a SQLite file; a relative path stays relative to the working
    folder (``sqlite:///./var/audits.db``)."""
    return f"sqlite:///{path}" if path.is_absolute() else f"sqlite:///./{path}"


class _Cache(Protocol):
    def cache_clear(self) -> None: ...


CacheT = TypeVar("CacheT", bound=_Cache)

#: The ``cache_clear`` of every cache built from the settings, for ``reset_settings``.
_DERIVED: list[Callable[[], None]] = []


def derived_from_settings(cached: CacheT) -> CacheT:
    """Mark a cached function (``functools.cache``/``lru_cache``) whose result depends on the
    settings, so that ``reset_settings()`` clears it too. A decorator, above the cache."""
    _DERIVED.append(cached.cache_clear)
    return cached


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings, read from the environment on first use."""
    return Settings()


def reset_settings() -> None:
    """Forget the settings and everything built from them: the next use reads the environment
    again. For a process that changed its own environment."""
    get_settings.cache_clear()
    for clear in _DERIVED:
        clear()


def default_programme() -> str:
    """The text of the packaged programme file (every policy default, commented)."""
    return resources.files("config").joinpath(DEFAULT_PROGRAMME).read_text(encoding="utf-8")


def load_policy(path: Path | None = None) -> Policy:
    """Read and check the programme file (``AUDITS_PROGRAMME`` unless a path is given; with
    neither, the packaged default)."""
    path = path or get_settings().programme
    if path is None:
        return _checked(tomllib.loads(default_programme()), f"config/{DEFAULT_PROGRAMME}")
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise SettingsError(f"programme file not found: {path} (set AUDITS_PROGRAMME)") from None
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"{path}: not valid TOML: {error}") from None
    return _checked(data, str(path))


def _checked(data: dict[str, Any], where: str) -> Policy:
    try:
        return policy_from_dict(data)
    except PolicyError as error:
        raise SettingsError(f"{where}: {error}") from None
