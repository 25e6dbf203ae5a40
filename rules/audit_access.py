"""Who may read an audit's page, and who may act on it.

Reading is wider than acting. The auditor and the APS team act on an audit (ask for an
extension or an exemption, record it as completed); they, a Director, the auditor's line manager
(who receives the escalations), the Service Manager of the case's team, and the auditor of its
re-audit (who must see what was found the first time) may read it, and so may the case's allocated
social worker; a social worker reads the audits of their own cases and nothing else. Everyone
else is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rules.roles import SOCIAL_WORKER_ROLE

#: Roles that read every audit: the APS team runs the programme, Directors oversee it.
READ_ALL_ROLES = ("aps", "director")
#: The role that acts on any audit on its auditor's behalf.
ACT_FOR_ANYONE_ROLE = "aps"


@dataclass(frozen=True)
class AuditReaders:
    """The people an audit relates to, beyond the roles that read every audit."""

    auditor_id: str
    line_manager_id: str | None = None
    #: Auditors of the audit's live re-audits: they read the audit they re-audit.
    reauditor_ids: frozenset[str] = field(default_factory=frozenset)
    #: Service Managers whose teams hold the audited case.
    case_team_managers: frozenset[str] = field(default_factory=frozenset)
    #: The case's allocated social worker (``Case.worker_id``), if any.
    case_worker_id: str | None = None


def may_read_audit(staff_id: str, role: str, readers: AuditReaders) -> bool:
    """Whether the member of staff ``staff_id`` (in ``role``) may read the audit."""
    if role == SOCIAL_WORKER_ROLE:
        return readers.case_worker_id is not None and staff_id == readers.case_worker_id
    if role in READ_ALL_ROLES or staff_id == readers.auditor_id:
        return True
    if readers.line_manager_id is not None and staff_id == readers.line_manager_id:
        return True
    if readers.case_worker_id is not None and staff_id == readers.case_worker_id:
        return True
    return staff_id in readers.reauditor_ids or staff_id in readers.case_team_managers


def may_act_on_audit(staff_id: str, role: str, auditor_id: str) -> bool:
    """Whether ``staff_id`` may ask for an extension or exemption or record the completion."""
    if role == SOCIAL_WORKER_ROLE:
        return False
    return staff_id == auditor_id or role == ACT_FOR_ANYONE_ROLE
