"""Settings for one test: set ``AUDITS_*`` variables and have every layer read them afresh.

The settings are read once per process and kept (``config.settings.get_settings``), and so
are the database engine and the signing key built from them; ``reset_settings`` forgets all
of them. The ``settings_env`` fixture (tests/conftest.py, for every test) resets before and
after each test, and a test or fixture that changes a variable does it through the fixture.
"""

from __future__ import annotations

import pytest

from config.settings import reset_settings


class SettingsEnv:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self._monkeypatch = monkeypatch

    def __call__(self, **variables: str | None) -> None:
        """Set ``AUDITS_<NAME>`` to each value (``None`` unsets it) until the test ends, and
        make the next use of the settings read them: ``settings_env(DATABASE_URL=url)``."""
        for name, value in variables.items():
            if value is None:
                self._monkeypatch.delenv(f"AUDITS_{name}", raising=False)
            else:
                self._monkeypatch.setenv(f"AUDITS_{name}", value)
        reset_settings()
