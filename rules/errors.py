"""The one error type for a programme rule that refuses something.

A :class:`RuleError` carries its one-line message (what the CLI prints, word for word) and,
apart from it, the ``field`` it is about: the name of the rule's or store's argument that was
refused (``until``, ``reason``, ``starts_on``...), or ``None`` when the refusal is about the
record as it stands (an audit already completed, a request already decided) or about who asks.
A web form shows the message beside the field it names without reading the message.

Each family of rules keeps its own subclass (``RequestError``, ``PauseError``...), so callers
catch what they expect; all are ``ValueError``s, as they were before this type.
"""

from __future__ import annotations


class RuleError(ValueError):
    """A rule refused something: ``message`` says why in one line, ``field`` what it is about."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
