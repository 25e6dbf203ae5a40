"""How emails go: a transport per configuration, modelled on GOV.UK Notify's client.

- ``OutboxDirTransport`` (``outbox``): ``.eml`` files in a folder (``transport_outbox``).
- ``SmtpTransport`` (``smtp``): one SMTP connection per run (``transport_smtp``).
- ``NotifyTransport`` (``notify``): GOV.UK Notify's HTTP API (``transport_notify``).

Each is a context manager for one run, ``send(email) -> provider reference``, and raises
``RetryableError`` (try again later; ``UnavailableError`` when the service cannot be reached at
all) or ``PermanentError`` (this email will never go). ``send_with_retries`` retries the first
kind with backoff within the run. ``file_delivery`` says, before anything is rendered or sent,
whether the configured transport attaches files or sends them as links (GOV.UK Notify).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence

from pydantic import SecretStr

from notifications.file_delivery import FileDelivery
from notifications.messages import Email
from notifications.settings import TransportSettings, is_placeholder, parse_notify_api_key
from notifications.transport_base import (
    DeliveryError,
    PermanentError,
    RetryableError,
    Transport,
    UnavailableError,
    build_mime,
)
from notifications.transport_notify import NotifyTransport
from notifications.transport_outbox import OutboxDirTransport
from notifications.transport_smtp import SmtpTransport

__all__ = [
    "DeliveryError",
    "FileDelivery",
    "NotifyTransport",
    "OutboxDirTransport",
    "PermanentError",
    "RetryableError",
    "SmtpTransport",
    "Transport",
    "TransportSettings",
    "UnavailableError",
    "build_mime",
    "file_delivery",
    "send_with_retries",
    "transport_from_settings",
]


def send_with_retries(
    transport: Transport,
    email: Email,
    attempts: int = 3,
    backoff: Sequence[float] = (0.5, 2.0),
    sleep: Callable[[float], None] = time.sleep,
) -> str:
    """Send, retrying a ``RetryableError`` up to ``attempts`` times in all.

    Waits ``backoff[i]`` seconds before retry ``i + 1`` (the last value again when the sequence
    runs out). A ``PermanentError`` propagates at once; after the last attempt the last
    ``RetryableError`` is raised, for the caller to leave the email pending for the next run.
    """
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    for attempt in range(attempts):
        try:
            return transport.send(email)
        except RetryableError:
            if attempt == attempts - 1:
                raise
            if backoff:
                sleep(backoff[min(attempt, len(backoff) - 1)])
    raise AssertionError("unreachable")  # pragma: no cover


#: Each transport by its ``AUDITS_EMAIL_TRANSPORT`` name.
TRANSPORT_CLASSES: dict[str, type[Transport]] = {
    "outbox": OutboxDirTransport,
    "smtp": SmtpTransport,
    "notify": NotifyTransport,
}


def file_delivery(settings: TransportSettings | None = None) -> FileDelivery:
    """What the transport ``AUDITS_EMAIL_TRANSPORT`` names does with the files emails carry:
    attaches them (``smtp``, ``outbox``) or sends them as download links that work for
    ``AUDITS_NOTIFY_FILE_WEEKS`` weeks (``notify``). Asked when an email is worded, long before
    it is sent: it opens no connection and reads no secret."""
    settings = settings or TransportSettings()
    if TRANSPORT_CLASSES[settings.email_transport].attaches_files:
        return FileDelivery(attaches_files=True)
    return FileDelivery(attaches_files=False, link_weeks=settings.notify_file_weeks)


def transport_from_settings(
    settings: TransportSettings, notify_templates: Mapping[str, str] | None = None
) -> Transport:
    """The transport ``AUDITS_EMAIL_TRANSPORT`` names, configured from the settings.

    ``notify_templates`` (the Notify template ids from the programme file) is needed only for
    ``notify``, and must have a ``default`` entry.
    """
    if settings.email_transport == "smtp":
        password = _secret(settings.smtp_password, settings.smtp_password_block)
        return SmtpTransport(
            settings.smtp_host,
            settings.smtp_port,
            settings.email_from,
            security=settings.smtp_security,
            username=settings.smtp_username,
            password=password,
            timeout=settings.smtp_timeout,
        )
    if settings.email_transport == "notify":
        api_key = _secret(settings.notify_api_key, settings.notify_api_key_block)
        if api_key is None:
            raise ValueError("AUDITS_NOTIFY_API_KEY must be set for the notify transport")
        parse_notify_api_key(api_key)
        return NotifyTransport(
            api_key,
            notify_templates or {},
            base_url=settings.notify_base_url,
            timeout=settings.smtp_timeout,
            file_weeks=settings.notify_file_weeks,
        )
    if settings.email_transport == "outbox":
        return OutboxDirTransport(settings.outbox_dir, settings.email_from)
    raise ValueError(f"unknown email transport {settings.email_transport!r}")


def _secret(value: SecretStr | None, block: str | None) -> str | None:
    """A secret from the environment, else from the named Prefect Secret block (so that workers
    on several machines share it without it sitting in each one's environment)."""
    if value is not None:
        return value.get_secret_value()
    if not block:
        return None
    from prefect.blocks.system import Secret

    # Prefect's async_dispatch types load() as "Secret or coroutine" and hides the ``_sync``
    # switch its wrapper takes (which makes it return the Secret): the stubs are wrong here.
    secret: Secret = Secret.load(block, _sync=True)  # type: ignore[assignment,call-arg]
    loaded = secret.get()
    if not isinstance(loaded, str) or is_placeholder(loaded):
        raise ValueError(f"the Prefect Secret block {block!r} does not hold a usable secret")
    return loaded
