"""The one test for a secret that was never filled in: "changeme", "password", an empty string…

Used for the signing key (``AUDITS_SECRET_KEY`` or its key file) and for the email transport's
secrets (``AUDITS_SMTP_PASSWORD``, ``AUDITS_NOTIFY_API_KEY``, a Prefect Secret block), so that a
half-configured deployment fails at start-up rather than running with a guessable secret.
"""

from __future__ import annotations

#: Words that make a value a placeholder wherever they appear in it ("changethis-in-prod…").
#: All six letters or more, so a random key (``secrets.token_urlsafe(48)``) holds one by chance
#: less than once in ten million; a four-letter word such as "none" would, about once in 20,000.
PLACEHOLDER_WORDS = (
    "changeme",
    "change-me",
    "change_me",
    "changethis",
    "change-this",
    "change_this",
    "secret",
    "password",
    "placeholder",
    "example",
)

#: Values that are never a real secret, whatever their case and the spaces around them: the
#: words above, and short ones that are placeholders only as the whole value.
PLACEHOLDERS = frozenset({"", "passw0rd", "todo", "xxx", "none", "null", *PLACEHOLDER_WORDS})


def is_placeholder(value: str, *, anywhere: bool = False) -> bool:
    """Whether ``value`` is an obvious placeholder: one of ``PLACEHOLDERS``, or, with
    ``anywhere``, a value holding one of ``PLACEHOLDER_WORDS``.

    ``anywhere`` is for a secret that should be random (the signing key): such a word in it
    means someone typed it. A password chosen by a mail administrator, or a Notify key's
    name, may hold "password" or "secret" and still be real, so those are refused only whole.
    """
    lowered = value.strip().lower()
    if lowered in PLACEHOLDERS:
        return True
    return anywhere and any(word in lowered for word in PLACEHOLDER_WORDS)
