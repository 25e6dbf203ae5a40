"""An email as the outbox keeps it, and back: what is written in a change's transaction is sent
later, exactly as rendered then."""

from __future__ import annotations

import base64

from models.outbox import Notification
from models.outbox_store import Outgoing
from notifications.messages import HIGH_IMPORTANCE_KINDS, Attachment, Email


def attachments_for_outbox(attachments: tuple[Attachment, ...]) -> list[dict[str, str]] | None:
    """Attachments as the outbox keeps them (JSON)."""
    if not attachments:
        return None
    return [
        {
            "filename": a.filename,
            "content_type": a.content_type,
            "content_b64": base64.b64encode(a.content).decode(),
        }
        for a in attachments
    ]


def outgoing(email: Email, key: str, kind: str) -> Outgoing:
    """A rendered email as the outbox writes it, under its unique ``key``."""
    return Outgoing(
        key=key,
        kind=kind,
        recipient=email.to,
        subject=email.subject,
        text_body=email.text,
        html_body=email.html,
        attachments=attachments_for_outbox(email.attachments),
    )


def email_from_row(row: Notification) -> Email:
    """The email an outbox row holds, to be sent."""
    attachments = tuple(
        Attachment(a["filename"], a["content_type"], base64.b64decode(a["content_b64"]))
        for a in row.attachments or ()
    )
    return Email(
        row.recipient,
        row.subject,
        row.text_body,
        row.html_body,
        attachments,
        row.key,
        high_importance=row.kind in HIGH_IMPORTANCE_KINDS,
    )
