"""The serve entry point on a real Prefect server: ``audits extension request``, as an auditor
would type it, sends the APS team's emails to a real SMTP server before it exits, then emits
``extension.requested``, whose trigger starts ``handle-request``: it finds them sent and sends
nothing twice; when the relay was down at the command's moment, that run sends them. Stopping
the process leaves the schedules on."""

from __future__ import annotations

import json
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from prefect import get_client
from prefect.client.orchestration import SyncPrefectClient
from prefect.client.schemas.filters import (
    DeploymentFilter,
    DeploymentFilterName,
    FlowRunFilter,
    FlowRunFilterDeploymentId,
)
from prefect.settings import PREFECT_API_URL, temporary_settings
from sqlmodel import Session, col, select

from deployments.specs import DEPLOYMENTS
from models.db import make_engine
from models.people import Staff
from models.programme import Audit
from tests.audits.cli_support import AUDITS
from tests.deployments.conftest import REPO, python_module, wait_for
from tests.flows.council import allocated_database
from tests.flows.smtp_server import SmtpServer
from tests.prefect_server import prefect_env


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


def app_env(db: Path, smtp: SmtpServer) -> dict[str, str]:
    return {
        "AUDITS_DATABASE_URL": f"sqlite:///{db}",
        "AUDITS_PROGRAMME": str(REPO / "config" / "programme.toml"),
        "AUDITS_EMAIL_TRANSPORT": "smtp",
        "AUDITS_SMTP_HOST": "127.0.0.1",
        "AUDITS_SMTP_PORT": str(smtp.port),
        "AUDITS_EMAIL_FROM": "audits@council.example",
    }


def in_db(db: Path, statement: Any) -> list[Any]:
    engine = make_engine(f"sqlite:///{db}")
    with Session(engine) as session:
        found = list(session.exec(statement).all())
    engine.dispose()
    return found


def email_of(db: Path, staff_id: str) -> str:
    [email] = in_db(db, select(Staff.email).where(Staff.staff_id == staff_id))
    return str(email)


def reaudits_of(db: Path) -> set[int]:
    """The audits that have a re-audit."""
    parents = in_db(
        db, select(Audit.parent_audit_id).where(col(Audit.parent_audit_id).is_not(None))
    )
    return set(parents)


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


@dataclass
class Served:
    """``python -m deployments.serve`` running against the session's server."""

    db: Path
    env: dict[str, str]
    api: str
    started: datetime
    deployments: dict[str, Any]
    process: subprocess.Popen[Any]

    @property
    def log(self) -> Path:
        return self.db.parent / "serve.log"

    def runs_of(self, client: SyncPrefectClient, name: str) -> list[Any]:
        """The runs of deployment ``name`` created since this process started."""
        of_it = FlowRunFilter(
            deployment_id=FlowRunFilterDeploymentId(any_=[self.deployments[name].id])
        )
        runs = client.read_flow_runs(flow_run_filter=of_it)
        return [run for run in runs if run.created is not None and run.created >= self.started]

    def finished_run(self, client: SyncPrefectClient, name: str, **parameters: Any) -> Any:
        """Wait for the run of ``name`` with these parameters to finish; return it."""

        def done() -> Any:
            for run in self.runs_of(client, name):
                if run.parameters == parameters and run.state and run.state.is_final():
                    return run
            return None

        return wait_for(f"a finished {name} run with {parameters}", done, 120)

    def audits(self, *args: str) -> Any:
        return _audits(self.db, self.api, self.env, *args)


@pytest.fixture(scope="module")
def served(
    prefect_api: str, smtp: SmtpServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("served")
    db = allocated_database(folder)
    env = app_env(db, smtp)
    started = datetime.now(UTC)
    process = python_module("deployments.serve", prefect_api, folder / "serve.log", **env)
    with (
        temporary_settings({PREFECT_API_URL: prefect_api}),
        get_client(sync_client=True) as client,
    ):
        names = [spec.name for spec in DEPLOYMENTS]
        # Registered (again) by this process: earlier tests may have deployed the same names.
        fresh = wait_for(
            "the served deployments",
            lambda: (
                d
                if len(d := [x for x in deployments_named(client, names) if x.updated >= started])
                == len(names)
                else None
            ),
        )
        by_name = {deployment.name: deployment for deployment in fresh}

        def triggers(automation: str) -> list[Any]:
            return [
                a
                for a in client.read_automations_by_name(automation)
                if getattr(a.actions[0], "deployment_id", None) in {d.id for d in by_name.values()}
            ]

        for automation in ("extension-or-exemption-requested", "audit-completed-needing-reaudit"):
            wait_for(f"the {automation} trigger", partial(triggers, automation))
    yield Served(db, env, prefect_api, started, by_name, process)
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        process.wait(60)


def test_a_requested_extension_reaches_aps_at_once_and_its_trigger_sends_nothing_twice(
    served: Served, client: SyncPrefectClient, smtp: SmtpServer
) -> None:
    smtp.take()
    request = _request_extension(served)
    # Sent by the command itself, before it exited.
    aps_mail = [m for m in smtp.take() if request["case_ref"] in m.part("plain")]
    recipients = sorted(address for m in aps_mail for address in m.rcpt_tos)
    assert recipients == aps_emails(served.db), "each APS member told, once"
    run = served.finished_run(
        client, "on-request", kind="extension", request_id=request["request_id"]
    )
    assert run.state_name == "Completed"
    assert smtp.take() == [], "the triggered run found the emails sent"

    served.audits(
        *("extension", "decide", str(request["request_id"]), "--approve", "--note", "fine"),
        *("--by", "APS01", "--on", "2026-11-17", "--json"),
    )
    told = smtp.take()
    assert [m.rcpt_tos for m in told] == [(request["auditor_email"],)]
    assert "approved" in told[0].subject.lower()
    decided = served.finished_run(
        client, "on-decision", kind="extension", request_id=request["request_id"]
    )
    assert decided.state_name == "Completed"
    assert smtp.take() == []


def test_what_the_command_could_not_send_goes_by_the_trigger(
    served: Served, client: SyncPrefectClient, smtp: SmtpServer
) -> None:
    """The relay is down when the command sends: it says so, and the triggered run sends the
    emails once the relay is back."""
    smtp.take()
    smtp.stop()
    try:
        request = _request_extension(served, 5)
    finally:
        smtp.start()
    assert "left pending" in request["stderr"] and "triggered flow" in request["stderr"]
    run = served.finished_run(
        client, "on-request", kind="extension", request_id=request["request_id"]
    )
    assert run.state_name == "Completed"
    aps_mail = [m for m in smtp.take() if request["case_ref"] in m.part("plain")]
    assert sorted(a for m in aps_mail for a in m.rcpt_tos) == aps_emails(served.db)


def test_a_poor_judgement_schedules_its_reaudit_and_a_good_one_starts_nothing(
    served: Served, client: SyncPrefectClient
) -> None:
    good, poor = (
        row["audit_id"] for row in served.audits("list", "--month", "2026-11", "--json")[1:3]
    )
    served.audits("complete", str(good), "--on", "2026-11-20", "--judgement", "good", "--json")
    served.audits(
        "complete", str(poor), "--on", "2026-11-20", "--judgement", "inadequate", "--json"
    )
    run = served.finished_run(client, "on-audit-completed", audit_id=poor)
    assert run.state_name == "Completed"
    assert [r.parameters for r in served.runs_of(client, "on-audit-completed")] == [
        {"audit_id": poor}
    ]
    assert reaudits_of(served.db) == {poor}


def test_ctrl_c_stops_the_process_and_leaves_the_schedules_on(
    served: Served, client: SyncPrefectClient
) -> None:
    served.process.send_signal(signal.SIGINT)
    assert served.process.wait(60) == 0, served.log.read_text()[-3000:]
    for deployment in deployments_named(client, [s.name for s in DEPLOYMENTS if s.cron]):
        assert not deployment.paused
        assert all(schedule.active for schedule in deployment.schedules)


def _request_extension(served: Served, nth: int = 0) -> Any:
    """``audits extension request`` for the month's ``nth`` audit, as its auditor would."""
    chosen = served.audits("list", "--month", "2026-11", "--json")[nth]
    made, stderr = _audits_and_stderr(
        served,
        *("extension", "request", str(chosen["audit_id"]), "--until", "2026-12-04"),
        *("--reason", "waiting for the case file", "--by", chosen["auditor_id"]),
        *("--on", "2026-11-16", "--json"),
    )
    return {
        **made,
        "stderr": stderr,
        "case_ref": chosen["case_ref"],
        "auditor_email": email_of(served.db, chosen["auditor_id"]),
    }


def _audits_and_stderr(served: Served, *args: str) -> tuple[Any, str]:
    result = subprocess.run(
        [str(AUDITS), *args],
        env=prefect_env(served.api, **served.env),
        cwd=served.db.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout), result.stderr


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
