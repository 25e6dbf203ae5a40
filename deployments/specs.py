"""The programme's deployments, written once: what runs, when, and on which events.

Two ways to run them read this list: ``deployments/serve.py`` (one machine, ``audits serve``)
builds them from it, and ``deployments/prefect.yaml`` (a work pool, several machines) is checked
against it by a test, so the two cannot drift apart.

Prefect's schedules cannot say "first working day": each scheduled flow runs on every candidate
day of its cron (``rules/schedule.py``, Europe/London, ``day_or`` off so that a day must match
both the day of the month and the weekday) and its guard decides, logging why it did nothing.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

from rules.schedule import ALLOCATION_CRON, CHASE_CRON, IMPORT_CRON, REPORT_CRON, TIMEZONE

#: Prefect renders these with the triggering event in scope. ``flows/events.py`` puts the ids in
#: every event's payload as numbers: a single ``{{ ... }}`` keeps the value's JSON type, so the
#: flows' ``int`` parameters pass the deployment's parameter schema.
REQUEST_PARAMETERS = {
    "kind": "{{ event.payload.kind }}",
    "request_id": "{{ event.payload.request_id }}",
}
REQUEST_KINDS = ("extension", "exemption")


@dataclass(frozen=True)
class TriggerSpec:
    """Run the deployment once per event named in ``expect`` whose resource matches ``match``."""

    name: str
    expect: tuple[str, ...]
    parameters: dict[str, str]
    match: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DeploymentSpec:
    name: str
    #: ``module:function`` of the flow (the file path form is ``entrypoint``).
    flow: str
    description: str
    cron: str | None = None
    triggers: tuple[TriggerSpec, ...] = ()

    @property
    def entrypoint(self) -> str:
        """The flow as a work pool's ``prefect.yaml`` names it, relative to the project."""
        module, function = self.flow.split(":")
        return f"{module.replace('.', '/')}.py:{function}"


DEPLOYMENTS: tuple[DeploymentSpec, ...] = (
    DeploymentSpec(
        name="monthly-allocation",
        flow="flows.scheduled:scheduled_allocation",
        description="Allocate the month's audits on its first working day at 07:00.",
        cron=ALLOCATION_CRON,
    ),
    DeploymentSpec(
        name="daily-chase",
        flow="flows.chase:chase_outstanding_audits",
        description="Reminders, overdue chases and escalations on working days at 08:00.",
        cron=CHASE_CRON,
    ),
    DeploymentSpec(
        name="month-end-report",
        flow="flows.scheduled:scheduled_report",
        description="Compile and send the highlight report on the last working day at 17:00.",
        cron=REPORT_CRON,
    ),
    DeploymentSpec(
        name="nightly-case-import",
        flow="flows.nightly_import:nightly_case_import",
        description="Import the staff and case exports dropped in AUDITS_IMPORT_DIR, nightly.",
        cron=IMPORT_CRON,
    ),
    DeploymentSpec(
        name="on-request",
        flow="flows.requests:handle_request",
        description="Tell the APS team at once that an extension or exemption was requested.",
        triggers=(
            TriggerSpec(
                name="extension-or-exemption-requested",
                expect=tuple(f"{kind}.requested" for kind in REQUEST_KINDS),
                parameters=REQUEST_PARAMETERS,
            ),
        ),
    ),
    DeploymentSpec(
        name="on-decision",
        flow="flows.requests:apply_decision",
        description="Tell the auditor the APS team's decision on their request.",
        triggers=(
            TriggerSpec(
                name="extension-or-exemption-decided",
                expect=tuple(
                    f"{kind}.{what}" for kind in REQUEST_KINDS for what in ("approved", "rejected")
                ),
                parameters=REQUEST_PARAMETERS,
            ),
        ),
    ),
    DeploymentSpec(
        name="on-audit-completed",
        flow="flows.reaudits:schedule_reaudit",
        description="Schedule the re-audit that a poor judgement calls for.",
        triggers=(
            TriggerSpec(
                name="audit-completed-needing-reaudit",
                expect=("audit.completed",),
                # Only judgements the policy re-audits (the emitter labels them), so a month of
                # good judgements starts no runs.
                match={"audits.reaudit-due": "yes"},
                parameters={"audit_id": "{{ event.payload.audit_id }}"},
            ),
        ),
    ),
)


def by_name(name: str) -> DeploymentSpec:
    for spec in DEPLOYMENTS:
        if spec.name == name:
            return spec
    raise KeyError(f"no deployment named {name!r}")


def flow_name(spec: DeploymentSpec) -> str:
    """The Prefect flow name (``@flow(name=...)``) behind a deployment, for ``flow/deployment``
    references such as ``prefect deployment run chase-outstanding-audits/daily-chase``."""
    return load_flow(spec).name


def load_flow(spec: DeploymentSpec) -> Any:
    """The ``prefect.Flow`` object itself (imports the flow's module)."""
    module, function = spec.flow.split(":")
    return getattr(importlib.import_module(module), function)


__all__ = [
    "DEPLOYMENTS",
    "TIMEZONE",
    "DeploymentSpec",
    "TriggerSpec",
    "by_name",
    "flow_name",
    "load_flow",
]
