"""Scale-out: the chase deployed from prefect.yaml to a process work pool, two workers (two
processes, as on two machines) each running one chase run at the same moment against one real
PostgreSQL database and one SMTP relay. Every email is sent once."""

from __future__ import annotations

import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from prefect.client.orchestration import SyncPrefectClient
from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterName
from sqlalchemy.engine import Engine

from deployments.specs import by_name
from tests.deployments.conftest import REPO, prefect_cli, wait_for
from tests.flows.smtp_server import SmtpServer
from tests.flows.test_chase import APS_TEAM, allocate, notifications, people, seed, stages
from tests.prefect_server import PREFECT, ctrl_c_works, prefect_env


def start_worker(api: str, pool: str, name: str, log: Path, env: dict[str, str]) -> Any:
    import subprocess

    return subprocess.Popen(
        [str(PREFECT), "worker", "start", "--pool", pool, "--name", name, "--limit", "1"],
        env=prefect_env(api, **env),
        cwd=REPO,
        preexec_fn=ctrl_c_works,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )


def run_twice_at_once(
    client: SyncPrefectClient, deployment_id: Any, day: str, seconds: float = 180
) -> list[Any]:
    """Two runs of the chase for ``day``, created together; both, once finished."""
    runs = [
        client.create_flow_run_from_deployment(deployment_id, parameters={"date": day})
        for _ in range(2)
    ]

    def finished() -> list[Any] | None:
        now = [client.read_flow_run(run.id) for run in runs]
        return now if all(r.state and r.state.is_final() for r in now) else None

    done = wait_for(f"two chase runs for {day}", finished, seconds)
    assert [r.state_name for r in done] == ["Completed", "Completed"], [r.state for r in done]
    return done


@pytest.mark.postgres
def test_two_workers_chasing_at_once_send_every_email_once(
    prefect_api: str,
    client: SyncPrefectClient,
    pg_engine: Engine,
    postgres_url: str,
    tmp_path: Path,
) -> None:
    seed(pg_engine, tmp_path)
    every = allocate(pg_engine)
    directory = people(pg_engine)
    pool = f"two-workers-{uuid.uuid4().hex[:8]}"
    prefect_cli(prefect_api, "work-pool", "create", pool, "--type", "process")
    prefect_cli(
        prefect_api,
        *("deploy", "--prefect-file", "deployments/prefect.yaml"),
        *("--name", "daily-chase", "--pool", pool),
        AUDITS_HOME=str(REPO),
    )
    [deployment] = client.read_deployments(
        deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=["daily-chase"]))
    )
    assert deployment.work_pool_name == pool
    assert deployment.entrypoint == by_name("daily-chase").entrypoint

    with SmtpServer() as mail:
        env = {
            "AUDITS_DATABASE_URL": postgres_url,
            "AUDITS_PROGRAMME": str(REPO / "config" / "programme.toml"),
            "AUDITS_EMAIL_TRANSPORT": "smtp",
            "AUDITS_SMTP_HOST": "127.0.0.1",
            "AUDITS_SMTP_PORT": str(mail.port),
            "AUDITS_HOME": str(REPO),
        }
        workers = [
            start_worker(prefect_api, pool, name, tmp_path / f"{name}.log", env)
            for name in ("worker-a", "worker-b")
        ]
        try:
            # Both polling before the runs exist, so that neither can take both.
            wait_for(
                "both workers online",
                lambda: (
                    {w.name for w in client.read_workers_for_work_pool(pool)}
                    >= {"worker-a", "worker-b"}
                ),
            )
            first = run_twice_at_once(client, deployment.id, "2026-11-23")  # D-5 for everyone
            sent_first = len(mail.messages)
            second = run_twice_at_once(client, deployment.id, "2026-12-01")  # overdue + APS
        finally:
            for worker in workers:
                worker.terminate()
            for worker in workers:
                worker.wait(60)

    assert sent_first == len(every)
    counts = mail.per_recipient()
    auditor_emails = {directory[a.auditor_id].email for a in every}
    aps = {directory[s].email for s in APS_TEAM}
    assert set(counts) == auditor_emails | aps
    assert all(counts[e] == 2 for e in auditor_emails) and all(counts[e] == 1 for e in aps)
    references = Counter(m.message["X-Audits-Reference"] for m in mail.messages)
    assert len(references) == len(mail.messages) == 2 * len(every) + len(APS_TEAM)
    assert set(references.values()) == {1}
    rows = stages(pg_engine)
    assert len(rows) == len({(s.audit_id, s.due_on, s.stage) for s in rows})
    assert len(notifications(pg_engine, "sent")) == len(notifications(pg_engine))
    # The runs really were spread over the two workers, one each at a time (--limit 1).
    runs = {str(run.id) for run in first + second}
    ran_by = wait_for(
        "the workers' events", lambda: w if len(w := workers_of(client, runs)) == 4 else None
    )
    assert set(ran_by.values()) == {"worker-a", "worker-b"}, ran_by


def workers_of(client: SyncPrefectClient, flow_run_ids: set[str]) -> dict[str, str]:
    """Which worker submitted each flow run, from the workers' own events on the server."""
    from prefect.events.filters import EventAnyResourceFilter, EventFilter, EventNameFilter

    events = client.read_events(
        EventFilter(
            event=EventNameFilter(name=["prefect.worker.submitted-flow-run"]),
            any_resource=EventAnyResourceFilter(
                id=[f"prefect.flow-run.{run_id}" for run_id in flow_run_ids]
            ),
        ),
        limit=50,
    ).events
    found = {}
    for event in events:
        for related in event.related:
            run_id = related.id.removeprefix("prefect.flow-run.")
            if related.role == "flow-run" and run_id in flow_run_ids:
                found[run_id] = event.resource.id.rpartition(".")[2]
    return found
