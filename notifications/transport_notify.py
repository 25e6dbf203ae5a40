"""The ``notify`` transport: GOV.UK Notify's HTTP API (``POST /v2/notifications/email``).

Authentication is as Notify documents it: each request carries ``Authorization: Bearer <JWT>``,
a token signed with HS256 using the API key's secret, with claims ``iss`` (the service id) and
``iat`` (now, in whole seconds; Notify refuses tokens more than 30 seconds old, so each request
gets a fresh one). The API key is ``{key_name}-{service_id}-{secret_key}``.

Notify sends the content of a template held in Notify, not our HTML. The service needs an email
template whose subject is ``((subject))`` and whose body is ``((body))``; its id is the
``default`` entry of the template ids (``notify_templates``). An email whose reference starts
with ``<kind>:`` (e.g. ``digest:…``, ``allocation:…``) uses the template id under that kind
instead when there is one. The plain-text part is sent as ``body``.

Attachments are not sent: Notify delivers files only as download links, so the calendar
invitation of an allocation email goes out only on the ``smtp`` and ``outbox`` transports.

429 (rate limit), 5xx and connection errors are ``RetryableError``; 400, 403 and any other 4xx
are ``PermanentError`` carrying Notify's error messages.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from types import TracebackType
from typing import Any

import httpx
import jwt

from notifications.messages import Email
from notifications.settings import parse_notify_api_key
from notifications.transport_base import PermanentError, RetryableError, UnavailableError

EMAIL_PATH = "/v2/notifications/email"
USER_AGENT = "case-audits/0.1 (httpx)"


def notify_token(service_id: str, secret_key: str, now: float | None = None) -> str:
    """The JWT Notify expects: HS256 with the secret key, ``iss`` = service id, ``iat`` = now."""
    issued_at = int(time.time() if now is None else now)
    return jwt.encode({"iss": service_id, "iat": issued_at}, secret_key, algorithm="HS256")


class NotifyTransport:
    name = "notify"

    def __init__(
        self,
        api_key: str,
        templates: Mapping[str, str],
        *,
        base_url: str = "https://api.notifications.service.gov.uk",
        timeout: float = 30.0,
    ) -> None:
        self.service_id, self._secret_key = parse_notify_api_key(api_key)
        if not templates.get("default"):
            raise ValueError(
                "the notify transport needs a 'default' Notify template id "
                "(an email template with ((subject)) and ((body)) placeholders)"
            )
        self.templates = dict(templates)
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._client: httpx.Client | None = None

    def __enter__(self) -> NotifyTransport:
        self._client = httpx.Client(
            base_url=self.base_url,
            timeout=self.timeout,
            headers={"User-Agent": USER_AGENT, "Content-Type": "application/json"},
        )
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        client, self._client = self._client, None
        if client is not None:
            client.close()

    def template_for(self, email: Email) -> str:
        kind = email.reference.partition(":")[0] if ":" in email.reference else ""
        return self.templates.get(kind) or self.templates["default"]

    def payload(self, email: Email) -> dict[str, Any]:
        body: dict[str, Any] = {
            "email_address": email.to,
            "template_id": self.template_for(email),
            "personalisation": {"subject": email.subject, "body": email.text},
        }
        if email.reference:
            body["reference"] = email.reference
        return body

    def send(self, email: Email) -> str:
        """Ask Notify to send the email; return Notify's notification id."""
        if self._client is None:
            raise RuntimeError("NotifyTransport.send outside its 'with' block")
        token = notify_token(self.service_id, self._secret_key)
        try:
            response = self._client.post(
                EMAIL_PATH,
                json=self.payload(email),
                headers={"Authorization": f"Bearer {token}"},
            )
        except httpx.ConnectError as error:
            where = self.base_url
            raise UnavailableError(f"cannot reach GOV.UK Notify at {where}: {error}") from error
        except httpx.HTTPError as error:
            raise RetryableError(f"GOV.UK Notify request failed: {error!r}") from error
        status = response.status_code
        if status in (200, 201):
            try:
                return str(response.json()["id"])
            except (ValueError, KeyError, TypeError) as error:
                raise RetryableError(
                    f"GOV.UK Notify answered {status} without a notification id"
                ) from error
        text = f"GOV.UK Notify {status}: {_errors(response)}"
        if status == 429 or status >= 500:
            raise RetryableError(text)
        raise PermanentError(text)


def _errors(response: httpx.Response) -> str:
    """Notify's error messages: ``{"errors": [{"error": ..., "message": ...}], ...}``."""
    try:
        errors = response.json().get("errors") or []
        messages = [f"{e.get('error', 'Error')}: {e.get('message', '')}" for e in errors]
    except (ValueError, AttributeError):
        messages = []
    return "; ".join(messages) or response.text[:500] or response.reason_phrase
