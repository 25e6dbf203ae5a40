"""SMTP and Notify secrets can come from Prefect Secret blocks (shared by workers on several
machines) instead of environment variables."""

from __future__ import annotations

import pytest
from prefect.blocks.system import Secret
from pydantic import SecretStr

from config.transport_settings import TransportSettings
from notifications.transports import NotifyTransport, SmtpTransport, transport_from_settings

SERVICE, SECRET = "26785a09-ab16-4eb0-8407-a37497a57506", "3d844edf-8d35-48ac-975b-e847b4f122b0"


@pytest.mark.prefect
def test_passwords_and_keys_are_read_from_secret_blocks(prefect_server: None) -> None:
    Secret(value=SecretStr("s3cure-relay-passw0rd")).save("smtp-relay-password", overwrite=True)
    Secret(value=SecretStr(f"audits-{SERVICE}-{SECRET}")).save("notify-api-key", overwrite=True)

    smtp = transport_from_settings(
        TransportSettings(
            email_transport="smtp",
            smtp_username="audits",
            smtp_password_block="smtp-relay-password",
        )
    )
    assert isinstance(smtp, SmtpTransport) and smtp.password == "s3cure-relay-passw0rd"

    notify = transport_from_settings(
        TransportSettings(email_transport="notify", notify_api_key_block="notify-api-key"),
        {"default": "f33517ff-2a88-4f6e-b855-c550268ce08a"},
    )
    assert isinstance(notify, NotifyTransport)

    Secret(value=SecretStr("changeme")).save("placeholder", overwrite=True)
    with pytest.raises(ValueError, match="does not hold a usable secret"):
        transport_from_settings(
            TransportSettings(
                email_transport="smtp", smtp_username="audits", smtp_password_block="placeholder"
            )
        )


def test_without_a_block_the_password_is_still_required() -> None:
    with pytest.raises(ValueError, match="AUDITS_SMTP_PASSWORD"):
        TransportSettings(email_transport="smtp", smtp_username="audits")
