"""The demo's requests and decisions: a few extensions and an exemption, decided by APS."""

from __future__ import annotations

from datetime import date

from sqlalchemy.engine import Engine
from sqlmodel import Session

from models import chase_store, request_store
from models.base import saved_id
from models.db import session_scope
from models.people import Staff
from models.programme import Audit
from notifications.email_context import EmailContext, email_context
from notifications.request_emails import write_decision_emails, write_request_emails
from rules.chase import OutstandingAudit
from rules.policy import Policy
from rules.working_days import add_working_days


def requests_and_decisions(
    engine: Engine, policy: Policy, day: date, undone: frozenset[int] = frozenset()
) -> list[str]:
    """On ``day``: three auditors ask for extensions and one for an exemption; the next working
    day the APS team approves one extension (with an earlier date than asked), another as asked,
    rejects the third, and reallocates the exempted case. Two more requests, about audits in
    ``undone`` (not completed in the demo), wait in the APS decision queue for the web pages.
    Each request and decision writes its emails as the CLI's and the pages' do (the demo's
    chase run of the day sends them). What happened, as lines to print."""
    with session_scope(engine) as session:
        audits = sorted(chase_store.outstanding_audits(session), key=lambda a: a.audit_id)
        aps = chase_store.aps_team(chase_store.people(session))
    if len(audits) < 4 or len(aps) < 1:
        return []
    decided_on = add_working_days(day, 1)
    lines, context = [], email_context(policy)
    with session_scope(engine, write_lock=True) as session:
        asked = [
            _extension(session, audit, 10 - n * 3, policy, day)
            for n, audit in enumerate(audits[:3])
        ]
        exemption = request_store.request_exemption(
            session,
            audits[3].audit_id,
            "conflict_of_interest",
            "the auditor supervised the social worker last year",
            audits[3].auditor_id,
            day,
        )
        _tell_aps(
            session, [("extension", r.id) for r in asked] + [("exemption", exemption.id)], context
        )
        lines.append(f"  {day:%a %d %b}: 3 extension requests and 1 exemption request")
        verdicts = [(True, add_working_days(audits[0].due_on, 5)), (True, None), (False, None)]
        for (approve, until), request in zip(verdicts, asked, strict=True):
            assert request.id is not None
            request_store.decide_extension(
                session,
                request.id,
                approve,
                until,
                "decided at the APS meeting",
                aps[0],
                decided_on,
                policy,
            )
        assert exemption.id is not None
        released = session.get(Audit, audits[3].audit_id)
        assert released is not None
        to = request_store.suggested_auditors(session, released)[0].staff_id
        request_store.decide_exemption(
            session,
            exemption.id,
            True,
            to,
            "reallocated to avoid a conflict of interest",
            aps[0],
            decided_on,
        )
        for request in asked:
            write_decision_emails(session, "extension", saved_id(request), context)
        write_decision_emails(session, "exemption", exemption.id, context)
        lines.append(
            f"  {decided_on:%a %d %b}: APS approved 2 extensions (one with another "
            f"date), rejected 1, and reallocated the exempted case to {_name(session, to)}"
        )
        lines += _left_pending(
            session, [a for a in audits[4:] if a.audit_id in undone], day, policy, context
        )
    return lines


def _name(session: Session, staff_id: str) -> str:
    person = session.get(Staff, staff_id)
    return f"{person.name} ({staff_id})" if person else staff_id


def _tell_aps(
    session: Session, requests: list[tuple[str, int | None]], context: EmailContext
) -> None:
    for kind, request_id in requests:
        assert request_id is not None
        write_request_emails(session, kind, request_id, context)


def _left_pending(
    session: Session,
    audits: list[OutstandingAudit],
    day: date,
    policy: Policy,
    context: EmailContext,
) -> list[str]:
    """An extension and an exemption request for APS to decide in the web pages."""
    if len(audits) < 2:
        return []
    extension = _extension(session, audits[0], 5, policy, day)
    exemption = request_store.request_exemption(
        session,
        audits[1].audit_id,
        "leave",
        "planned leave for three weeks",
        audits[1].auditor_id,
        day,
    )
    _tell_aps(session, [("extension", extension.id), ("exemption", exemption.id)], context)
    return [
        f"  {day:%a %d %b}: extension request {extension.id} (audit {audits[0].audit_id}) and "
        f"exemption request {exemption.id} (audit {audits[1].audit_id}) wait for APS "
        "in the web pages"
    ]


def _extension(
    session: Session, audit: OutstandingAudit, days: int, policy: Policy, day: date
) -> request_store.ExtensionRequest:
    until = add_working_days(audit.original_due_on, days)
    return request_store.request_extension(
        session,
        audit.audit_id,
        until,
        "the family's court hearing moved",
        audit.auditor_id,
        day,
        policy,
    )
