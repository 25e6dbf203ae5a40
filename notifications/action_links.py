"""The signed link to an action's done page (``/actions/{id}/done``), for one member of staff.

Made as the request links are (``config.signed_links``, purpose ``action-done``): for the one
person whose email carries it (the action's owner, their line manager or an APS member: those
who may mark it done), usable once, living as a request link does: to 30 days after the due date.
"""

from __future__ import annotations

from datetime import date

from config.signed_links import make_link
from notifications.allocation_emails import link_ttl
from notifications.email_context import EmailContext

ACTION_DONE = "action-done"


def action_done_link(context: EmailContext, action_id: int, staff_id: str, due_on: date) -> str:
    """``{base_url}/links/{token}``, opening ``/actions/{action_id}/done`` for ``staff_id``."""
    ttl = link_ttl(context.now, due_on)
    return make_link(
        context.site, ACTION_DONE, action_id, staff_id, context.now, ttl, context.secret
    )
