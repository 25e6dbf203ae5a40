"""When a deployment's run fails for good, the APS team is emailed once, through the outbox:
which run failed and where to look. A run started by hand (no deployment) emails nobody."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

import pytest
from prefect.states import State
from sqlalchemy.engine import Engine

from flows.requests import apply_decision
from models import chase_store, outbox_store
from models.db import session_scope
from tests.flows.council import seed_council
from tests.flows.smtp_server import body_text
from tests.settings_env import SettingsEnv


@pytest.fixture
def settings(engine: Engine, sqlite_url: str, tmp_path: Path, settings_env: SettingsEnv) -> Path:
    seed_council(engine, tmp_path, cases=50)
    settings_env(DATABASE_URL=sqlite_url, OUTBOX_DIR=str(tmp_path / "outbox"))
    return tmp_path / "outbox"


def run_failing(deployment: bool) -> State:
    """``apply-decision`` for a request that does not exist (it fails), as a deployment's run
    or by hand, with no retries left."""
    from prefect.client.orchestration import get_client
    from prefect.flow_engine import run_flow

    parameters = {"kind": "extension", "request_id": 424242}
    flow = apply_decision.with_options(retries=0)
    flow_run = None
    if deployment:
        with get_client(sync_client=True) as client:
            flow_id = client.create_flow_from_name("apply-decision")
            deployment_id = client.create_deployment(flow_id=flow_id, name="on-decision-test")
            flow_run = client.create_flow_run_from_deployment(deployment_id, parameters=parameters)
    state = run_flow(flow, flow_run=flow_run, parameters=parameters, return_type="state")
    assert isinstance(state, State)
    return state


@pytest.mark.prefect
def test_a_deployments_run_that_fails_for_good_emails_each_aps_member_once(
    prefect_server: None, engine: Engine, settings: Path
) -> None:
    state = run_failing(deployment=True)
    assert state.is_failed()
    with session_scope(engine) as session:
        rows = outbox_store.notifications(session)
        aps = {
            person.email
            for person in chase_store.people(session).values()
            if person.role == "aps" and person.active
        }
    assert {row.recipient for row in rows} == aps and len(rows) == len(aps)
    assert {row.status for row in rows} == {"sent"}  # sent at once (the outbox transport)
    assert all(row.kind == "run-failed" for row in rows)
    [path, *_] = sorted(settings.glob("*.eml"))
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    # Unfolded as a mail client shows it (a long subject is folded onto the next line).
    assert " ".join(message["Subject"].split()).startswith("Failed: the apply-decision run")
    body = body_text(message, "plain")
    assert "there is no extension request 424242" in body and "Prefect UI" in body


@pytest.mark.prefect
def test_a_run_started_by_hand_emails_nobody(
    prefect_server: None, engine: Engine, settings: Path
) -> None:
    state = run_failing(deployment=False)
    assert state.is_failed()
    with session_scope(engine) as session:
        assert outbox_store.notifications(session) == []
