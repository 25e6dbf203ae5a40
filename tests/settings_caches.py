"""The caches of what is read from the environment (settings, the database engine, the signing
secret): a test that changes the environment, or runs a command in this process, forgets them so
that the next read sees the change. The one list of them, for the tests."""

from __future__ import annotations

from config.secret import get_secret_key
from config.settings import get_settings
from models.db import get_engine


def forget_cached_settings() -> None:
    get_settings.cache_clear()
    get_engine.cache_clear()
    get_secret_key.cache_clear()
