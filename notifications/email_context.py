"""What writing an email needs besides the change that causes it, and how emails go out.

Emails are written (rendered into the outbox) in the same transaction as the change that causes
them, by the CLI, the web pages and the flows alike; :class:`EmailContext` carries what they all
need to do so: where links point, who organises the calendar invitations, the programme's name,
the key that signs links, and the moment the links are signed at.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from config.secret import get_secret_key
from models.base import utcnow
from notifications.settings import TransportSettings
from notifications.transports import Transport, file_delivery, transport_from_settings
from rules.policy import Policy


@dataclass(frozen=True)
class EmailContext:
    base_url: str
    organiser: str  # the sender, and the organiser of calendar invitations
    programme_name: str
    secret: str  # signs the links in emails
    now: datetime  # when the links are signed (their lifetimes count from it)
    #: Whether the transport attaches files: calendar invitations go (and emails mention them)
    #: only if it does; GOV.UK Notify does not.
    attaches_files: bool = True

    @property
    def site(self) -> str:
        return self.base_url.rstrip("/")


def email_context(
    policy: Policy,
    *,
    secret: str | None = None,
    now: datetime | None = None,
    settings: TransportSettings | None = None,
) -> EmailContext:
    """The context from the settings (``AUDITS_BASE_URL``, ``AUDITS_EMAIL_FROM``, the secret
    key) and the programme file."""
    settings = settings or TransportSettings()
    return EmailContext(
        base_url=settings.base_url,
        organiser=settings.email_from,
        programme_name=policy.name,
        secret=secret if secret is not None else get_secret_key(),
        now=now or utcnow(),
        attaches_files=file_delivery(settings).attaches_files,
    )


def open_transport_for(policy: Policy) -> Callable[[], Transport]:
    """Opens the transport ``AUDITS_EMAIL_TRANSPORT`` names, when a run first sends."""
    settings = TransportSettings()
    return lambda: transport_from_settings(settings, policy.notify_templates)
