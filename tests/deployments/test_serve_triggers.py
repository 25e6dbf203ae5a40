"""The serve entry point on a real Prefect server: an ``extension.requested`` event, emitted by
``audits extension request`` as an auditor would, starts ``handle-request`` through its trigger
and the APS team's emails arrive at a real SMTP server; stopping the process leaves the
schedules on."""

from __future__ import annotations

import json
import signal
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from prefect.client.orchestration import SyncPrefectClient
from prefect.client.schemas.filters import (
    DeploymentFilter,
    DeploymentFilterName,
    FlowRunFilter,
    FlowRunFilterDeploymentId,
)
from sqlmodel import Session, select

from deployments.specs import DEPLOYMENTS
from models.db import make_engine
from models.people import Staff
from tests.audits.cli_support import AUDITS
from tests.deployments.conftest import REPO, python_module, wait_for
from tests.flows.council import allocated_database
from tests.flows.smtp_server import SmtpServer
from tests.prefect_server import prefect_env


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


def app_env(db: Path, smtp: SmtpServer) -> dict[str, str]:
    return {
        "AUDITS_DATABASE_URL": f"sqlite:///{db}",
        "AUDITS_PROGRAMME": str(REPO / "programme.toml"),
        "AUDITS_EMAIL_TRANSPORT": "smtp",
        "AUDITS_SMTP_HOST": "127.0.0.1",
        "AUDITS_SMTP_PORT": str(smtp.port),
        "AUDITS_EMAIL_FROM": "audits@council.example",
    }


def aps_emails(db: Path) -> list[str]:
    engine = make_engine(f"sqlite:///{db}")
    with Session(engine) as session:
        found = session.exec(select(Staff.email).where(Staff.role == "aps", Staff.active)).all()
    engine.dispose()
    return sorted(found)


def deployments_named(client: SyncPrefectClient, names: list[str]) -> list[Any]:
    return client.read_deployments(
        deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=names))
    )


def test_a_requested_extension_reaches_aps_through_the_trigger(
    prefect_api: str, client: SyncPrefectClient, smtp: SmtpServer, tmp_path: Path
) -> None:
    db = allocated_database(tmp_path)
    env = app_env(db, smtp)
    started = datetime.now(UTC)
    served = python_module("deployments.serve", prefect_api, tmp_path / "serve.log", **env)
    try:
        names = [spec.name for spec in DEPLOYMENTS]
        # Registered (again) by this process: earlier tests may have deployed the same names.
        fresh = wait_for(
            "the served deployments",
            lambda: (
                len(d := [x for x in deployments_named(client, names) if x.updated >= started])
                == len(names)
                and d
            ),
        )
        on_request = next(d for d in fresh if d.name == "on-request")
        wait_for(
            "the on-request trigger",
            lambda: [
                a
                for a in client.read_automations_by_name("extension-or-exemption-requested")
                if getattr(a.actions[0], "deployment_id", None) == on_request.id
            ],
        )

        request = _request_extension(db, prefect_api, env)
        aps_mail = wait_for(
            "the APS team's emails",
            lambda: [m for m in smtp.messages if "extension" in m.subject.lower()],
            120,
        )
        of_it = FlowRunFilter(deployment_id=FlowRunFilterDeploymentId(any_=[on_request.id]))
        [run] = [r for r in client.read_flow_runs(flow_run_filter=of_it) if r.created >= started]
        finished = wait_for(
            "the handle-request run to finish",
            lambda: (r := client.read_flow_run(run.id)).state and r.state.is_final() and r,
        )
        assert finished.state_name == "Completed"
        assert finished.parameters == {"kind": "extension", "request_id": request["request_id"]}
        recipients = sorted(address for m in aps_mail for address in m.rcpt_tos)
        assert recipients == aps_emails(db), "each APS member told, once"
        assert request["case_ref"] in aps_mail[0].message.get_body(("plain",)).get_content()
    finally:
        served.send_signal(signal.SIGINT)
        code = served.wait(60)
    assert code == 0, (tmp_path / "serve.log").read_text()[-3000:]
    # Ctrl-C did not pause anything: the schedules stay active for when the process is back.
    for deployment in deployments_named(client, [s.name for s in DEPLOYMENTS if s.cron]):
        assert not deployment.paused
        assert all(schedule.active for schedule in deployment.schedules)


def _request_extension(db: Path, prefect_api: str, env: dict[str, str]) -> Any:
    """``audits extension request`` for the month's first audit, as its auditor would."""
    first = _audits(db, prefect_api, env, "list", "--month", "2026-11", "--json")[0]
    made = _audits(
        db,
        prefect_api,
        env,
        *("extension", "request", str(first["audit_id"]), "--until", "2026-12-04"),
        *("--reason", "waiting for the case file", "--by", first["auditor_id"]),
        *("--on", "2026-11-16", "--json"),
    )
    return {**made, "case_ref": first["case_ref"]}


def _audits(db: Path, prefect_api: str, env: dict[str, str], *args: str) -> Any:
    """Run the installed ``audits`` command with the server configured; its JSON output."""
    result = subprocess.run(
        [str(AUDITS), *args],
        env=prefect_env(prefect_api, **env),
        cwd=db.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)
