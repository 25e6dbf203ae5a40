"""Who a member of staff is to the programme, by their role and whether they are active.

"An active member of the APS team" is decided here and nowhere else: such a member decides
requests, records pauses, recommendations and anyone's leave, and receives the APS digest and
the APS team's emails. Someone marked inactive (left, or no longer in the staff export) keeps
their role on record but does none of it.
"""

from __future__ import annotations

from typing import Protocol

APS_ROLE = "aps"
#: The case's allocated social worker: reads their own cases' audits, is never allocated one.
SOCIAL_WORKER_ROLE = "social_worker"
DIRECTOR_ROLE = "director"


class Member(Protocol):
    """Anything that says a member of staff's role and whether they are active (a ``Staff``
    row, a chase directory's ``Person``, a leave ``Recorder``)."""

    @property
    def role(self) -> str: ...

    @property
    def active(self) -> bool: ...


def is_active_aps(member: Member) -> bool:
    """Whether ``member`` is an active member of the APS team."""
    return member.role == APS_ROLE and member.active
