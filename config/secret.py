"""The secret that signs links in emails (and the web app's session cookie).

``AUDITS_SECRET_KEY`` when set: every machine that writes emails or serves pages must share it.
Unset, a key file is used (``AUDITS_SECRET_KEY_FILE``, default ``secret.key`` in the data
folder, ``AUDITS_DATA_DIR``), created with a random key on first use and readable by its owner
only, so a laptop or the demo works without setting anything. An obvious placeholder is
refused (config/placeholders.py), so a half-configured deployment fails at start-up instead of
signing links anyone could forge.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from functools import lru_cache
from pathlib import Path

from config.placeholders import is_placeholder
from config.settings import SettingsError, derived_from_settings, get_settings

MIN_LENGTH = 32


class SecretKeyError(SettingsError):
    """The signing secret cannot be used; the message names the variable or file to fix."""


def check_secret(value: str, where: str) -> str:
    """``value`` if it can sign links; else a SecretKeyError naming ``where`` it came from."""
    if len(value.strip()) < MIN_LENGTH:
        problem = f"is shorter than {MIN_LENGTH} characters"
    elif is_placeholder(value, anywhere=True):
        problem = "looks like a placeholder"
    elif len(set(value)) < 8:  # "aaaa…", "0000…": long but guessable
        problem = "has too few different characters"
    else:
        return value.strip()
    raise SecretKeyError(
        f"{where} {problem}: set it to a long random value, e.g. the output of "
        "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
    )


def _read_or_create(path: Path) -> str:
    """The key in ``path``, written there first (owner-only) if the file does not exist."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written whole to a private file, then linked into place: linking fails if the key
        # file exists, so two processes starting at once agree on one key, never half of one.
        draft = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(secrets.token_urlsafe(48) + "\n")
            with contextlib.suppress(FileExistsError):
                os.link(draft, path)
        finally:
            draft.unlink()
    return path.read_text(encoding="utf-8")


@derived_from_settings
@lru_cache(maxsize=1)
def get_secret_key() -> str:
    """The signing secret (cached until ``config.settings.reset_settings()``)."""
    settings = get_settings()
    if settings.secret_key is not None:  # set but empty is a mistake, not a cue for the file
        return check_secret(settings.secret_key.get_secret_value(), "AUDITS_SECRET_KEY")
    path = settings.secret_key_file
    try:
        stored = _read_or_create(path)
    except OSError as error:
        raise SecretKeyError(
            f"AUDITS_SECRET_KEY is not set and the key file {path} cannot be used: {error} "
            "(set AUDITS_SECRET_KEY, or AUDITS_SECRET_KEY_FILE to a writable path)"
        ) from None
    return check_secret(stored, f"the key file {path} (AUDITS_SECRET_KEY_FILE)")
