"""Approving a month's draft highlight report, and regenerating the draft: one code path for
``audits report approve`` and the APS review page (``/aps/reports/YYYY-MM``).

Each is done in two steps, so that the slow part (the PDF) holds no lock: ``prepare_*`` checks
who asks and what there is, and compiles the report into hidden staging files; ``finalise``
then, in one transaction, locks the month's record, checks again, records the change, writes
the emails and puts the files in place. Approving a report that is already final changes and
sends nothing (the outbox would not send its emails twice in any case: one key per month and
recipient).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session

from flows.delivery import Change, deliver
from flows.report import (
    CompiledReport,
    compile_report,
    discard,
    final_report_emails,
    publish,
    report_cause,
)
from models import outbox_store
from models import report_issue_store as issues
from models.db import in_transaction
from models.outbox_store import Outgoing
from models.people import check_active_aps
from models.report_issue import ReportIssue
from rules.policy import Policy
from rules.signoff import FINAL, SignOffError, check_regenerate, needs_approval

ONLY_APS = ": only APS approve or regenerate the highlight report"


@dataclass(frozen=True)
class Approval:
    """What approving did: ``already`` when the report was final before (nothing sent)."""

    month: str
    approved_by: str | None
    approved_by_name: str
    approved_at: datetime | None
    written: int  # emails written to the distribution list by this approval
    already: bool
    sent: int = 0  # of those, sent before the command or page answered
    warning: str | None = None  # why some are left pending, if any are


@dataclass
class PreparedApproval:
    month: str
    by: str
    compiled: CompiledReport | None = None  # None: final already, nothing to compile
    emails: list[Outgoing] = field(default_factory=list)

    def finalise(self, session: Session) -> tuple[Approval, Change | None]:
        """In the approval's transaction: the draft made final and its emails written (or, if
        it is final already, nothing)."""
        row = issues.issue(session, self.month, lock=True)
        if row is None or row.status == FINAL or self.compiled is None:
            return already_approved(session, self.month, row), None
        issues.record_approved(session, row, self.by, len(self.emails))
        outbox_store.enqueue(session, self.emails, report_cause(self.month))
        publish(self.compiled)
        name = issues.staff_name(session, self.by)
        approval = Approval(self.month, self.by, name, row.approved_at, len(self.emails), False)
        return approval, Change(report_cause(self.month))

    def discard(self) -> None:
        """Drop staged files not put in place (refused, failed, or final already)."""
        if self.compiled is not None:
            discard(self.compiled)


def already_approved(session: Session, month: str, row: ReportIssue | None) -> Approval:
    assert row is not None
    name = issues.staff_name(session, row.approved_by)
    at = row.approved_at or row.compiled_at
    return Approval(month, row.approved_by, name, at, 0, True)


def prepare_approval(engine: Engine, policy: Policy, month: str, by: str) -> PreparedApproval:
    """Check that ``by`` may approve ``month``'s report and that there is one; compile the
    final report (no DRAFT mark) into the draft's folder, staged, with its emails. Raises
    :class:`SignOffError` (nothing changed)."""
    with Session(engine) as session:
        check_active_aps(session, by, SignOffError, ONLY_APS)
        row = issues.issue(session, month)
        recorded = row.status if row is not None else None
        if not needs_approval(month, issues.cycle_exists(session, month), recorded):
            return PreparedApproval(month, by)
    assert row is not None
    compiled = compile_report(engine, policy, month, Path(row.out_dir))
    prepared = PreparedApproval(month, by, compiled)
    try:
        prepared.emails = final_report_emails(compiled, policy)
    except BaseException:
        prepared.discard()
        raise
    return prepared


def approve_report(engine: Engine, policy: Policy, month: str, by: str) -> Approval:
    """Approve ``month``'s draft and send it to the distribution list (``audits report
    approve``); the emails go from here, as a page's do."""
    prepared = prepare_approval(engine, policy, month, by)
    try:
        approval, change = in_transaction(engine, prepared.finalise)
    finally:
        prepared.discard()
    if change is None:
        return approval
    delivery = deliver(engine, change, policy)
    sent = delivery.report.sent  # the command or page sends the change's emails itself
    return Approval(**{**vars(approval), "sent": sent, "warning": delivery.warning()})


@dataclass
class PreparedDraft:
    month: str
    by: str
    compiled: CompiledReport

    def finalise(self, session: Session) -> tuple[ReportIssue, None]:
        """In one transaction: the draft, if still one, recorded as regenerated and its files
        put in place."""
        row = issues.issue(session, self.month, lock=True)
        check_regenerate(self.month, row.status if row is not None else None)
        assert row is not None
        issues.record_regenerated(session, row, self.by)
        publish(self.compiled)
        return row, None

    def discard(self) -> None:
        discard(self.compiled)


def prepare_regeneration(engine: Engine, policy: Policy, month: str, by: str) -> PreparedDraft:
    """Check that ``by`` may regenerate ``month``'s draft, and compile it again (staged) with
    the commentary as it now stands. Raises :class:`SignOffError`."""
    with Session(engine) as session:
        check_active_aps(session, by, SignOffError, ONLY_APS)
        row = issues.issue(session, month)
        check_regenerate(month, row.status if row is not None else None)
    assert row is not None
    return PreparedDraft(
        month, by, compile_report(engine, policy, month, Path(row.out_dir), draft=True)
    )
