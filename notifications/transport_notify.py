"""The ``notify`` transport: GOV.UK Notify's HTTP API (``POST /v2/notifications/email``).

Authentication is as Notify documents it: each request carries ``Authorization: Bearer <JWT>``,
a token signed with HS256 using the API key's secret, with claims ``iss`` (the service id) and
``iat`` (now, in whole seconds; Notify refuses tokens more than 30 seconds old, so each request
gets a fresh one). The API key is ``{key_name}-{service_id}-{secret_key}``.

Notify sends the content of a template held in Notify, not our HTML. The service needs an email
template whose subject is ``((subject))`` and whose body is ``((body))``; its id is the
``default`` entry of the template ids (``notify_templates``). An email whose reference starts
with ``<kind>:`` (e.g. ``digest:…``, ``report:…``) uses the template id under that kind
instead when there is one. The plain-text part is sent as ``body``.

Files: Notify attaches none (``attaches_files`` is False). A file an email carries goes with
Notify's "send a file by email": base64 in the personalisation under ``link_to_file``, which
Notify replaces with a download link that asks for the recipient's email address and works for
``file_weeks`` weeks. So the email's template must have ``((link_to_file))`` as well: the
transport reads the template from Notify once per run before the first file sent with it, and
refuses to send through one without the placeholder (Notify would send the email with no link).
One file per email, within Notify's limits (``notifications.file_delivery``); one beyond them
is a ``PermanentError`` naming the limit. Calendar invitations are not a type Notify takes: they
are left out, and the allocation emails say so only if they were worded for this transport.

429 (rate limit), 5xx and connection errors are ``RetryableError``; 400, 403 and any other 4xx
are ``PermanentError`` carrying Notify's error messages.
"""

from __future__ import annotations

import base64
import hashlib
import re
import time
from collections.abc import Mapping
from types import TracebackType
from typing import Any

import httpx
import jwt

from config.transport_settings import NOTIFY_DEFAULT_LINK_WEEKS, parse_notify_api_key
from notifications.file_delivery import (
    NOTIFY_FILE_PLACEHOLDER,
    is_calendar_invitation,
    notify_file_problem,
)
from notifications.messages import Attachment, Email
from notifications.transport_base import PermanentError, RetryableError, UnavailableError

EMAIL_PATH = "/v2/notifications/email"
TEMPLATE_PATH = "/v2/template/{template_id}"
USER_AGENT = "case-audits/0.1 (httpx)"
# Notify matches placeholders whatever their case and spacing: ((Link_To_File )) is the same.
_FILE_PLACEHOLDER = re.compile(rf"\(\(\s*{NOTIFY_FILE_PLACEHOLDER}\s*\)\)", re.IGNORECASE)


def notify_token(service_id: str, secret_key: str, now: float | None = None) -> str:
    """The JWT Notify expects: HS256 with the secret key, ``iss`` = service id, ``iat`` = now."""
    issued_at = int(time.time() if now is None else now)
    return jwt.encode({"iss": service_id, "iat": issued_at}, secret_key, algorithm="HS256")


def notify_reference(key: str) -> str:
    """The outbox key as Notify's ``reference``, which Notify asks to hold no personal data: a
    key that names an email address (``report:2026-09:to:someone@…``) is sent as its kind and a
    SHA-256 digest of the key (still unique, and traceable from the outbox)."""
    if "@" not in key:
        return key
    kind = key.partition(":")[0]
    return f"{kind}:sha256:{hashlib.sha256(key.encode()).hexdigest()[:32]}"


class NotifyTransport:
    name = "notify"
    attaches_files = False

    def __init__(
        self,
        api_key: str,
        templates: Mapping[str, str],
        *,
        base_url: str = "https://api.notifications.service.gov.uk",
        timeout: float = 30.0,
        file_weeks: int = NOTIFY_DEFAULT_LINK_WEEKS,
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
        self.file_weeks = file_weeks
        self._client: httpx.Client | None = None
        self._file_templates: set[str] = set()  # read from Notify: they have ((link_to_file))

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
        return self.templates.get(_kind(email)) or self.templates["default"]

    def payload(self, email: Email) -> dict[str, Any]:
        """The request body; raises ``PermanentError`` for a file Notify would not send."""
        personalisation: dict[str, Any] = {"subject": email.subject, "body": email.text}
        file = self.file_to_send(email)
        if file is not None:
            personalisation[NOTIFY_FILE_PLACEHOLDER] = {
                "file": base64.b64encode(file.content).decode("ascii"),
                "filename": file.filename,
                "confirm_email_before_download": True,
                "retention_period": f"{self.file_weeks} weeks",
            }
        body: dict[str, Any] = {
            "email_address": email.to,
            "template_id": self.template_for(email),
            "personalisation": personalisation,
        }
        if email.reference:
            body["reference"] = notify_reference(email.reference)
        return body

    @staticmethod
    def file_to_send(email: Email) -> Attachment | None:
        """The one file the email sends as a link (calendar invitations left out), if any."""
        files = [a for a in email.attachments if not is_calendar_invitation(a)]
        if len(files) > 1:
            names = ", ".join(a.filename for a in files)
            raise PermanentError(f"GOV.UK Notify sends one file per email, not {names}")
        if not files:
            return None
        problem = notify_file_problem(files[0])
        if problem:
            raise PermanentError(f"not sent to {email.to}: {problem}")
        return files[0]

    def send(self, email: Email) -> str:
        """Ask Notify to send the email; return Notify's notification id."""
        payload = self.payload(email)
        if NOTIFY_FILE_PLACEHOLDER in payload["personalisation"]:
            self._check_file_template(payload["template_id"], _kind(email))
        answer = self._call("POST", EMAIL_PATH, payload)
        try:
            return str(answer["id"])
        except (KeyError, TypeError) as error:
            raise RetryableError("GOV.UK Notify answered without a notification id") from error

    def _check_file_template(self, template_id: str, kind: str) -> None:
        """Refuse a template without ((link_to_file)): Notify would take the file and send the
        email with no link to it. Read from Notify once per template and transport (run)."""
        if template_id in self._file_templates:
            return
        template = self._call("GET", TEMPLATE_PATH.format(template_id=template_id))
        text = f"{template.get('subject') or ''}\n{template.get('body') or ''}"
        if not _FILE_PLACEHOLDER.search(text):
            which = f"[notify] {kind}" if kind in self.templates else "[notify] default"
            raise PermanentError(
                f"the GOV.UK Notify template {template_id} ({which}) has no "
                f"(({NOTIFY_FILE_PLACEHOLDER})) placeholder, so the file's link would be left "
                f"out: set [notify] {kind or 'default'} in the programme file to a template with "
                f"((subject)), ((body)) and (({NOTIFY_FILE_PLACEHOLDER}))"
            )
        self._file_templates.add(template_id)

    def _call(self, method: str, path: str, payload: dict[str, Any] | None = None) -> Any:
        """One authenticated request; Notify's JSON answer, or the error it amounts to."""
        if self._client is None:
            raise RuntimeError("NotifyTransport used outside its 'with' block")
        token = notify_token(self.service_id, self._secret_key)
        try:
            response = self._client.request(
                method, path, json=payload, headers={"Authorization": f"Bearer {token}"}
            )
        except httpx.ConnectError as error:
            where = self.base_url
            raise UnavailableError(f"cannot reach GOV.UK Notify at {where}: {error}") from error
        except httpx.HTTPError as error:
            raise RetryableError(f"GOV.UK Notify request failed: {error!r}") from error
        status = response.status_code
        if status in (200, 201):
            try:
                return response.json()
            except ValueError as error:
                raise RetryableError(f"GOV.UK Notify answered {status} without JSON") from error
        text = f"GOV.UK Notify {status}: {_errors(response)}"
        if status == 429 or status >= 500:
            raise RetryableError(text)
        raise PermanentError(text)


def _kind(email: Email) -> str:
    return email.reference.partition(":")[0] if ":" in email.reference else ""


def _errors(response: httpx.Response) -> str:
    """Notify's error messages: ``{"errors": [{"error": ..., "message": ...}], ...}``."""
    try:
        errors = response.json().get("errors") or []
        messages = [f"{e.get('error', 'Error')}: {e.get('message', '')}" for e in errors]
    except (ValueError, AttributeError):
        messages = []
    return "; ".join(messages) or response.text[:500] or response.reason_phrase
