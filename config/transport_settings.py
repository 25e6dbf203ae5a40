"""How email goes out: the transport and its connection settings, from ``AUDITS_*`` variables.

``AUDITS_EMAIL_TRANSPORT`` chooses the transport: ``outbox`` (the default: ``.eml`` files under
``AUDITS_OUTBOX_DIR``), ``smtp`` (a council's relay) or ``notify`` (GOV.UK Notify's HTTP API).
Secrets are checked only for the transport in use, and obvious placeholders ("changeme",
"password", an empty string, …) are refused there, so a half-configured deployment fails at
start-up with a message saying what to set rather than at the first email.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import SecretStr, ValidationInfo, field_validator, model_validator

from config.environment import AuditsEnvironment
from config.placeholders import is_placeholder

TRANSPORTS = ("outbox", "smtp", "notify")
SMTP_SECURITY = ("none", "starttls", "ssl")
#: How long GOV.UK Notify keeps a file sent by email to download: its own bounds (weeks) and
#: default (see notifications/file_delivery.py).
NOTIFY_LINK_WEEKS = range(1, 79)
NOTIFY_DEFAULT_LINK_WEEKS = 26

_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_NOTIFY_KEY = re.compile(rf"^.+-(?P<service_id>{_UUID})-(?P<secret_key>{_UUID})$")


def parse_notify_api_key(api_key: str) -> tuple[str, str]:
    """``(service_id, secret_key)`` from a Notify API key ``{key_name}-{service_id}-{secret_key}``.

    Both ids are 36-character UUIDs, read from the end (the key name may contain dashes).
    """
    match = _NOTIFY_KEY.match(api_key.strip())
    if match is None:
        raise ValueError(
            "AUDITS_NOTIFY_API_KEY is not a GOV.UK Notify API key: expected "
            "'{key_name}-{service_id}-{secret_key}' where both ids are 36-character UUIDs"
        )
    return match["service_id"], match["secret_key"]


class TransportSettings(AuditsEnvironment):
    #: ``outbox`` (``.eml`` files), ``smtp`` or ``notify``.
    email_transport: str = "outbox"
    #: Where the ``outbox`` transport writes its ``.eml`` files (default: ``outbox`` in the data
    #: folder).
    outbox_dir: Path = Path()
    smtp_host: str = "localhost"
    smtp_port: int = 25
    #: ``none``, ``starttls`` (upgrade a plain connection) or ``ssl`` (TLS from the start).
    smtp_security: str = "none"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    #: Or the name of a Prefect Secret block holding the password (read when a run sends).
    smtp_password_block: str | None = None
    #: Seconds to wait for the SMTP server to connect or answer.
    smtp_timeout: float = 30.0
    notify_api_key: SecretStr | None = None
    #: Or the name of a Prefect Secret block holding the API key (read when a run sends).
    notify_api_key_block: str | None = None
    notify_base_url: str = "https://api.notifications.service.gov.uk"
    #: How many weeks GOV.UK Notify keeps a file sent by email (the highlight report) to download:
    #: 1 to 78, Notify's own default 26.
    notify_file_weeks: int = NOTIFY_DEFAULT_LINK_WEEKS
    #: The sender of every email (the envelope sender and From: on ``smtp`` and ``outbox``).
    email_from: str = "audits@localhost"
    #: Where links in emails point.
    base_url: str = "http://127.0.0.1:8000"

    @field_validator("email_transport", "smtp_security", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("email_transport", "smtp_security")
    @classmethod
    def _one_of_the_known(cls, value: str, info: ValidationInfo) -> str:
        field = str(info.field_name)
        known = {"email_transport": TRANSPORTS, "smtp_security": SMTP_SECURITY}[field]
        if value not in known:
            name = f"AUDITS_{field.upper()}"
            raise ValueError(f"{name} must be one of {', '.join(known)}, not {value!r}")
        return value

    @field_validator("smtp_port")
    @classmethod
    def _port(cls, value: int) -> int:
        if not 0 < value < 65536:
            raise ValueError(f"AUDITS_SMTP_PORT must be between 1 and 65535, not {value}")
        return value

    @field_validator("smtp_timeout")
    @classmethod
    def _timeout(cls, value: float) -> float:
        if value <= 0:
            raise ValueError(f"AUDITS_SMTP_TIMEOUT must be a positive number of seconds: {value}")
        return value

    @field_validator("notify_file_weeks")
    @classmethod
    def _weeks(cls, value: int) -> int:
        if value not in NOTIFY_LINK_WEEKS:
            raise ValueError(
                f"AUDITS_NOTIFY_FILE_WEEKS must be a whole number of weeks from 1 to 78 (GOV.UK "
                f"Notify's limits), not {value}"
            )
        return value

    @field_validator("email_from")
    @classmethod
    def _sender(cls, value: str) -> str:
        if "@" not in value or any(c.isspace() for c in value.strip()):
            raise ValueError(f"AUDITS_EMAIL_FROM must be an email address, not {value!r}")
        return value.strip()

    @model_validator(mode="after")
    def _outbox_in_the_data_dir(self) -> TransportSettings:
        if "outbox_dir" not in self.model_fields_set:
            self.outbox_dir = self.data_dir / "outbox"
        return self

    @model_validator(mode="after")
    def _secrets_for_the_transport_in_use(self) -> TransportSettings:
        if self.email_transport == "smtp":
            if self.smtp_username is not None and not self.smtp_username.strip():
                self.smtp_username = None  # an empty username means "no login"
            if self.smtp_username is not None and not self.smtp_password_block:
                _check_secret("AUDITS_SMTP_PASSWORD", self.smtp_password)
            elif self.smtp_username is None and self.smtp_password is not None:
                raise ValueError("AUDITS_SMTP_PASSWORD is set but AUDITS_SMTP_USERNAME is not")
        elif self.email_transport == "notify" and not self.notify_api_key_block:
            _check_secret("AUDITS_NOTIFY_API_KEY", self.notify_api_key)
            assert self.notify_api_key is not None
            parse_notify_api_key(self.notify_api_key.get_secret_value())
        return self


def _check_secret(name: str, value: SecretStr | None) -> None:
    if value is None:
        raise ValueError(f"{name} must be set for the email transport in use")
    if is_placeholder(value.get_secret_value()):
        raise ValueError(
            f'The value of {name} is a placeholder ("{value.get_secret_value()}"), '
            "for security, please change it to the real secret"
        )
