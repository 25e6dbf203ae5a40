"""A stand-in for GOV.UK Notify's API on loopback, checking each request as Notify does.

Notify itself cannot run here, so this is the one boundary the tests replace: a real HTTP server
that answers ``POST /v2/notifications/email`` and ``GET /v2/template/<id>`` the way Notify's API
documentation says, refusing what Notify refuses:

- the JWT (HS256 with the key's secret, ``iss`` the service id, ``iat`` within 30 seconds);
- the JSON (``email_address``, ``template_id`` a UUID of a template the service has,
  ``personalisation`` an object holding every placeholder of the template);
- a file sent by email (a personalisation value with ``file``): base64, at most 2 MB decoded, a
  type Notify takes (found from the content, as Notify does, not from the name), ``filename``
  with an extension and at most 100 characters, ``confirm_email_before_download`` true or false,
  ``retention_period`` "N weeks" for N from 1 to 78.

A file is replaced by a download link and the template filled in, as Notify does; both are kept
for the tests (``requests[i]["content"]``, ``files``). As with Notify, a file for a template
without its placeholder is accepted and the email goes without the link.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt

SERVICE_ID = str(uuid.uuid4())
SECRET_KEY = str(uuid.uuid4())
API_KEY = f"case-audits-live-{SERVICE_ID}-{SECRET_KEY}"
DEFAULT_TEMPLATE = str(uuid.uuid4())
DIGEST_TEMPLATE = str(uuid.uuid4())
REPORT_TEMPLATE = str(uuid.uuid4())
REPORT_BODY = "((body))\n\nDownload the report (PDF): ((link_to_file))"
#: The service's email templates: id -> (subject, body).
TEMPLATES = {
    DEFAULT_TEMPLATE: ("((subject))", "((body))"),
    DIGEST_TEMPLATE: ("((subject))", "((body))"),
    REPORT_TEMPLATE: ("((subject))", REPORT_BODY),
}
MAX_FILE_BYTES = 2 * 1024 * 1024
FILE_TYPES = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpeg",
    "text/plain": ".txt",
    "text/csv": ".csv",
    "application/json": ".json",
}
DOCUMENTS_URL = "https://documents.service.gov.uk/d"
PLACEHOLDER = re.compile(r"\(\(\s*([^()?]+?)\s*\)\)")


def notify_errors(status: int, error: str, message: str) -> dict[str, Any]:
    return {"errors": [{"error": error, "message": message}], "status_code": status}


class Refused(Exception):
    """What Notify answers instead of sending: a status and its error body."""

    def __init__(self, status: int, error: str, *messages: str) -> None:
        super().__init__(*messages)
        errors = [{"error": error, "message": message} for message in messages]
        self.answer = (status, {"errors": errors, "status_code": status})


class FakeNotify(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # e.g. the client gave up waiting (the timeout test): nothing to report

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), NotifyHandler)
        self.requests: list[dict[str, Any]] = []  # the emails Notify accepted
        self.template_reads: list[str] = []
        self.files: list[dict[str, Any]] = []  # the files uploaded, decoded, with their options
        self.templates = dict(TEMPLATES)
        self.forced: tuple[int, dict[str, Any]] | None = None
        self.delay = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@contextmanager
def serve_fake_notify() -> Iterator[FakeNotify]:
    server = FakeNotify()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


class NotifyHandler(BaseHTTPRequestHandler):
    server: FakeNotify

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def reply(self, status: int, payload: dict[str, Any]) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        try:
            claims = authorised(self.headers.get("Authorization", ""))
            match = re.fullmatch(r"/v2/template/([0-9a-f-]{36})", self.path)
            if match is None or match[1] not in self.server.templates:
                raise Refused(404, "NoResultFound", "No result found")
        except Refused as refused:
            return self.reply(*refused.answer)
        self.server.template_reads.append(match[1])
        subject, body = self.server.templates[match[1]]
        self.reply(200, template_json(match[1], subject, body, claims["iss"]))

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.server.delay:
            time.sleep(self.server.delay)
        try:
            if self.path != "/v2/notifications/email":
                raise Refused(404, "NotFound", "Not found")
            claims = authorised(self.headers.get("Authorization", ""))
            body = json.loads(raw)
            check_shape(body)
            subject, content = self.fill_in(body)
        except Refused as refused:
            return self.reply(*refused.answer)
        self.server.requests.append(
            {
                "claims": claims,
                "body": body,
                "headers": dict(self.headers),
                "content": {"subject": subject, "body": content},
            }
        )
        if self.server.forced is not None:
            return self.reply(*self.server.forced)
        notification_id = str(uuid.uuid4())
        return self.reply(
            201,
            {
                "id": notification_id,
                "reference": body.get("reference"),
                "content": {"subject": subject, "body": content, "from_email": "audits@notify"},
                "uri": f"{self.server.url}/v2/notifications/{notification_id}",
                "template": {"id": body["template_id"], "version": 1, "uri": "…"},
            },
        )

    def fill_in(self, body: dict[str, Any]) -> tuple[str, str]:
        """The template filled in as Notify sends it: each file uploaded and its link put in."""
        if body["template_id"] not in self.server.templates:
            raise Refused(400, "BadRequestError", "Template not found")
        subject, text = self.server.templates[body["template_id"]]
        values = dict(body.get("personalisation") or {})
        for name, value in values.items():
            if isinstance(value, dict) and "file" in value:
                values[name] = self.upload(value, body["email_address"])
        wanted = {p.lower() for p in PLACEHOLDER.findall(subject + text)}
        missing = sorted(wanted - {name.lower() for name in values})
        if missing:
            raise Refused(400, "BadRequestError", f"Missing personalisation: {', '.join(missing)}")
        given = {name.lower(): str(value) for name, value in values.items()}

        def fill(template: str) -> str:
            return PLACEHOLDER.sub(lambda m: given[m[1].lower()], template)

        return fill(subject), fill(text)

    def upload(self, value: dict[str, Any], recipient: str) -> str:
        content = check_file(value)
        document = uuid.uuid4().hex
        self.server.files.append({**value, "content": content, "recipient": recipient})
        return f"{DOCUMENTS_URL}/{SERVICE_ID}/{document}?key={uuid.uuid4().hex}"


def authorised(header: str) -> dict[str, Any]:
    """The token's claims, if Notify would accept it."""
    scheme, _, token = header.partition(" ")
    if scheme != "Bearer" or not token:
        raise Refused(401, "AuthError", "Unauthorized: authentication token must be provided")
    try:
        claims = jwt.decode(
            token, SECRET_KEY, algorithms=["HS256"], options={"require": ["iss", "iat"]}
        )
    except jwt.PyJWTError as error:
        raise Refused(403, "AuthError", f"Invalid token: {error}") from error
    if claims["iss"] != SERVICE_ID:
        raise Refused(403, "AuthError", "Invalid token: service not found")
    if not isinstance(claims["iat"], int) or abs(time.time() - claims["iat"]) > 30:
        message = "Error: Your system clock must be accurate to within 30 seconds"
        raise Refused(403, "AuthError", message)
    return dict(claims)


def check_shape(body: Any) -> None:
    problems = [
        f"{field} is a required property"
        for field in ("email_address", "template_id")
        if not isinstance(body.get(field), str)
    ]
    if not isinstance(body.get("personalisation", {}), dict):
        problems.append("personalisation must be an object")
    if not problems and not is_uuid(body["template_id"]):
        problems.append(f"template_id {body['template_id']} is not a valid UUID")
    if problems:
        raise Refused(400, "ValidationError", *problems)


def check_file(value: dict[str, Any]) -> bytes:
    """The file's content, if Notify would take it (the checks of its documentation)."""
    try:
        content = base64.b64decode(value["file"], validate=True)
    except (binascii.Error, ValueError, TypeError) as error:
        raise Refused(400, "BadRequestError", "File is not base64 encoded") from error
    if len(content) > MAX_FILE_BYTES:
        raise Refused(400, "BadRequestError", "File is larger than 2MB")
    kind = sniff(content)
    if kind not in FILE_TYPES:
        supported = ", ".join(f"'{t}'" for t in sorted(FILE_TYPES.values()))
        message = f"Unsupported file type '{kind}'. Supported types are: {supported}"
        raise Refused(400, "BadRequestError", message)
    check_filename(value.get("filename"))
    check_options(value.get("confirm_email_before_download"), value.get("retention_period"))
    return content


def check_filename(filename: Any) -> None:
    if filename is None:
        return
    if not isinstance(filename, str) or "." not in filename:
        message = "`filename` must end with a file extension. For example, filename.csv"
        raise Refused(400, "BadRequestError", message)
    if len(filename) > 100:
        raise Refused(400, "BadRequestError", "`filename` cannot be longer than 100 characters")


def check_options(confirm: Any, period: Any) -> None:
    if confirm is not None and not isinstance(confirm, bool):
        message = (
            f"Unsupported value for confirm_email_before_download: '{confirm}'. "
            "Use a boolean true or false value."
        )
        raise Refused(400, "BadRequestError", message)
    if period is None:
        return
    weeks = (
        re.fullmatch(r"(\d+) weeks?", period.strip().lower()) if isinstance(period, str) else None
    )
    if not (weeks and 1 <= int(weeks[1]) <= 78):
        message = (
            f"Unsupported value for retention_period '{period}'. "
            "Supported periods are from 1 to 78 weeks."
        )
        raise Refused(400, "BadRequestError", message)


def sniff(content: bytes) -> str:
    """The file's type from its first bytes, as Notify finds it (the name does not count)."""
    if content.startswith(b"%PDF-"):
        return "application/pdf"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return "application/octet-stream"
    return "text/calendar" if text.lstrip().startswith("BEGIN:VCALENDAR") else "text/plain"


def template_json(template_id: str, subject: str, body: str, service: str) -> dict[str, Any]:
    """``GET /v2/template/<id>`` as Notify answers it."""
    return {
        "id": template_id,
        "name": "Audit programme email",
        "type": "email",
        "created_at": "2026-01-05T09:00:00.000000Z",
        "updated_at": None,
        "created_by": f"someone@{service[:8]}.example",
        "version": 1,
        "body": body,
        "subject": subject,
        "letter_contact_block": None,
    }


def is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True
