"""Moderation's pages, APS only: ``/audits/{id}/moderate`` (reached from the sample's email,
or from the cycle's page), where an APS member who is not the audit's auditor records their
judgement and a note; and ``/aps/moderation?month=YYYY-MM``, the cycle's sample, the agreement
rate over the last 12 cycles and the table by auditor (staff names are fine: APS only)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from flows.delivery import Change
from models.moderation import Moderation
from models.moderation_figures import moderation_by_cycle, moderation_figures
from models.moderation_store import Moderated, check_moderator, moderation_of, sample_of
from models.people import Staff
from models.programme import Audit, Cycle
from notifications.moderation_emails import moderate_and_write, moderation_cause
from rules.moderation import ModerationError
from rules.policy import JUDGEMENTS
from web.auth import Forbidden
from web.csrf import check_csrf
from web.deps import ApsStaffDep, EmailContextDep, EngineDep, PolicyDep, SubmitDep, TodayDep
from web.forms import Errors, choice_field, summary, text_field
from web.limits import FormRoute, RecordId
from web.render import page
from web.submit import Done, Posted, Values

router = APIRouter(route_class=FormRoute)
NOT_YOURS = "There is no such audit, or it is not yours to moderate."
MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])\Z")  # ASCII digits; \Z: no trailing newline
#: Where a rule's message goes on the form (``rules.moderation.check_moderation``'s fields).
RULE_FIELDS = {"judgement": "judgement", "note": "note"}


@dataclass(frozen=True)
class AuditView:
    """An audit as its moderation page shows it."""

    audit: Audit
    auditor_name: str
    moderation: Moderation | None
    moderator_name: str | None


def _load(session: Session, audit_id: int, user: Staff) -> AuditView:
    try:
        audit = check_moderator(session, audit_id, user.staff_id)
    except ModerationError:
        raise Forbidden(NOT_YOURS) from None
    auditor = session.get(Staff, audit.auditor_id)
    moderation = moderation_of(session, audit_id)
    moderator = session.get(Staff, moderation.moderated_by) if moderation else None
    return AuditView(
        audit,
        auditor.name if auditor else audit.auditor_id,
        moderation,
        moderator.name if moderator else (moderation.moderated_by if moderation else None),
    )


def _page(
    request: Request,
    engine: Engine,
    audit_id: int,
    user: Staff,
    values: Values,
    errors: Errors,
    status: int = 200,
) -> HTMLResponse:
    with Session(engine) as session:
        view = _load(session, audit_id, user)
    context: dict[str, Any] = {
        "view": view,
        "judgements": JUDGEMENTS,
        "values": values,
        "errors": errors,
        "error_list": summary(errors),
    }
    return page(request, "moderate.html", context, status)


@router.get("/audits/{audit_id}/moderate", response_class=HTMLResponse)
def moderate_page(
    request: Request, audit_id: RecordId, engine: EngineDep, user: ApsStaffDep
) -> HTMLResponse:
    return _page(request, engine, audit_id, user, {"judgement": "", "note": ""}, {})


@router.post("/audits/{audit_id}/moderate", dependencies=[Depends(check_csrf)])
def moderate_audit(
    request: Request,
    audit_id: RecordId,
    user: ApsStaffDep,
    engine: EngineDep,
    policy: PolicyDep,
    today: TodayDep,
    emails: EmailContextDep,
    submit: SubmitDep,
    judgement: str = Form(""),
    note: str = Form(""),
) -> Response:
    values = {"judgement": judgement, "note": note}
    errors: Errors = {}
    choice_field(errors, "judgement", judgement, JUDGEMENTS, "Select your judgement")
    note = text_field(errors, "note", note, "Enter a note: why this judgement")

    def work(session: Session) -> tuple[Moderated, Change]:
        _load(session, audit_id, user)  # still theirs to moderate
        done = moderate_and_write(
            session, audit_id, judgement, note, user.staff_id, today, policy, emails
        )
        return done, Change(moderation_cause(audit_id))

    def then(done: Moderated) -> Done:
        verdict = "agreed with" if done.moderation.agreed else "changed"
        return Done(
            f"Audit {audit_id} moderated: you {verdict} the auditor's judgement.",
            f"/audits/{audit_id}/moderate",
        )

    form = Posted(values, errors, "note", RULE_FIELDS)
    return submit(form, lambda v, e, s: _page(request, engine, audit_id, user, v, e, s),
                  work, then)  # fmt: skip


@router.get("/aps/moderation", response_class=HTMLResponse)
def moderation_overview(
    request: Request, engine: EngineDep, today: TodayDep, _: ApsStaffDep, month: str = ""
) -> HTMLResponse:
    """The cycle's sample (moderated or not) and the agreement figures; ``month`` defaults to
    this month (anything not ``YYYY-MM`` too)."""
    if not MONTH.match(month):
        month = today.strftime("%Y-%m")
    with Session(engine) as session:
        cycle = session.get(Cycle, month)
        lines = sample_of(session, month)
        names = {s: n for s, n in session.execute(select(col(Staff.staff_id), col(Staff.name)))}
        by_cycle = moderation_by_cycle(session, month)
        context = {
            "month": month,
            "cycle": cycle,
            "lines": lines,
            "names": names,
            "figures": by_cycle[month],
            "by_cycle": by_cycle,
            "year": moderation_figures(session, list(by_cycle)),  # the same 12 cycles
        }
    return page(request, "moderation.html", context)
