"""One machine: serve every deployment from this process.

    PREFECT_API_URL=http://127.0.0.1:4200/api python -m deployments.serve

``audits serve`` (``make serve``) starts this beside a local Prefect server and the web app.
The process registers the deployments in ``specs.py`` with their schedules and event triggers,
then runs each flow run in a subprocess of its own as it falls due. Stopping it (Ctrl-C) leaves
the schedules active: runs that fall due while it is down wait as Late, and run when it is back.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from deployments.specs import DEPLOYMENTS, TIMEZONE, DeploymentSpec, TriggerSpec, load_flow


def schedules_for(spec: DeploymentSpec) -> list[Any]:
    from prefect.schedules import Cron

    if spec.cron is None:
        return []
    # day_or=False: "1-7 * 1-5" means a weekday that is also one of the first seven days.
    return [Cron(spec.cron, timezone=TIMEZONE, day_or=False)]


def trigger_for(trigger: TriggerSpec) -> Any:
    from prefect.events import DeploymentEventTrigger

    return DeploymentEventTrigger(
        name=trigger.name,
        expect=set(trigger.expect),
        match={"prefect.resource.id": "audits.*", **trigger.match},
        parameters=dict(trigger.parameters),
    )


def runner_deployments() -> list[Any]:
    """Every deployment in ``specs.py``, ready for :func:`prefect.serve`."""
    from prefect.deployments.runner import EntrypointType

    return [
        load_flow(spec).to_deployment(
            name=spec.name,
            description=spec.description,
            schedules=schedules_for(spec),
            triggers=[trigger_for(trigger) for trigger in spec.triggers],
            # Imported by module path, so the runner finds the flow wherever it was started.
            entrypoint_type=EntrypointType.MODULE_PATH,
        )
        for spec in DEPLOYMENTS
    ]


def main() -> int:
    if not os.environ.get("PREFECT_API_URL"):
        print(
            "PREFECT_API_URL is not set: start a Prefect server (or run `audits serve`) and "
            "point PREFECT_API_URL at it",
            file=sys.stderr,
        )
        return 2
    from prefect import serve

    # pause_on_shutdown=False: stopping this process must not switch the schedules off.
    serve(*runner_deployments(), pause_on_shutdown=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
