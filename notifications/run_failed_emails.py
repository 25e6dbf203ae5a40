"""The email that tells the APS team a scheduled or triggered run failed for good."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from models import chase_store, outbox_store
from notifications.email_context import EmailContext
from notifications.invite import human_date
from notifications.messages import Notice
from notifications.outgoing import outgoing
from notifications.render import render_notice


def prefect_run_link(flow_run: Any) -> str:
    """Where to look: the run's page in the Prefect UI, when the UI's address is known."""
    from prefect.settings import PREFECT_UI_URL

    ui = PREFECT_UI_URL.value()
    return f"{ui.rstrip('/')}/runs/flow-run/{flow_run.id}" if ui else ""


def write_run_failed_emails(
    session: Session, flow_name: str, flow_run: Any, message: str, context: EmailContext
) -> str:
    """One email to each APS member (once per run); the emails' cause."""
    cause = f"run-failed:{flow_run.id}"
    link = prefect_run_link(flow_run)
    directory = chase_store.people(session)
    facts = (
        ("Flow", flow_name),
        ("Run", f"{flow_run.name} ({flow_run.id})"),
        ("Failed on", human_date(context.now.date())),
        ("Why", message[:500]),
    )
    emails = []
    for staff_id in chase_store.aps_team(directory):
        person = directory[staff_id]
        notice = Notice(
            person.email,
            person.name,
            f"Failed: the {flow_name} run {flow_run.name} did not finish its job",
            facts,
            "A scheduled or triggered run of the programme failed, and its retries did too. "
            "Whatever it did not do is still to do: look at the run's logs in the Prefect UI, "
            "put right what it names, and run it again (nothing it did is done twice).",
            link or context.site,
            "Open the run in the Prefect UI" if link else "Open the audit programme",
        )
        email = render_notice(notice, context.programme_name)
        emails.append(outgoing(email, f"{cause}:to:{person.email.lower()}", "run-failed"))
    outbox_store.enqueue(session, emails, cause)
    return cause
