"""The deployments are written once (deployments/specs.py): prefect.yaml and the serve entry point
must say the same thing, and every trigger must fill the parameters its flow takes."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import pytest
import yaml

from deployments.serve import runner_deployments
from deployments.specs import DEPLOYMENTS, DeploymentSpec, by_name, load_flow
from rules.schedule import ALLOCATION_CRON, CHASE_CRON, IMPORT_CRON, REPORT_CRON

REPO = Path(__file__).resolve().parents[2]
YAML = yaml.safe_load((REPO / "deployments" / "prefect.yaml").read_text())
IN_YAML = {entry["name"]: entry for entry in YAML["deployments"]}


def test_the_issue_s_schedules_and_triggers_are_all_there() -> None:
    assert by_name("monthly-allocation").cron == ALLOCATION_CRON == "0 7 1-7 * 1-5"
    assert by_name("daily-chase").cron == CHASE_CRON == "0 8 * * 1-5"
    assert by_name("month-end-report").cron == REPORT_CRON == "0 17 22-31 * 1-5"
    assert by_name("nightly-case-import").cron == IMPORT_CRON
    events = {event for spec in DEPLOYMENTS for t in spec.triggers for event in t.expect}
    assert events == {
        "extension.requested",
        "exemption.requested",
        "extension.approved",
        "extension.rejected",
        "exemption.approved",
        "exemption.rejected",
        "audit.completed",
    }
    with pytest.raises(KeyError, match="no deployment named 'nope'"):
        by_name("nope")


def test_prefect_yaml_lists_the_same_deployments_in_the_same_order() -> None:
    assert list(IN_YAML) == [spec.name for spec in DEPLOYMENTS]


@pytest.mark.parametrize("spec", DEPLOYMENTS, ids=lambda spec: spec.name)
def test_prefect_yaml_matches_the_spec(spec: DeploymentSpec) -> None:
    entry = IN_YAML[spec.name]
    assert entry["entrypoint"] == spec.entrypoint
    assert entry["description"] == spec.description
    assert entry["work_pool"]["name"] == "audits"
    expected_schedules = (
        [{"cron": spec.cron, "timezone": "Europe/London", "day_or": False}] if spec.cron else []
    )
    assert entry.get("schedules", []) == expected_schedules
    expected_triggers = [
        {
            "type": "event",
            "name": trigger.name,
            "enabled": True,
            "match": {"prefect.resource.id": "audits.*", **trigger.match},
            "expect": list(trigger.expect),
            "parameters": trigger.parameters,
        }
        for trigger in spec.triggers
    ]
    assert entry.get("triggers", []) == expected_triggers


@pytest.mark.parametrize("spec", DEPLOYMENTS, ids=lambda spec: spec.name)
def test_every_entrypoint_is_a_flow_and_triggers_fill_its_parameters(spec: DeploymentSpec) -> None:
    flow = load_flow(spec)
    module_file, function = spec.entrypoint.split(":")
    assert (REPO / module_file).is_file()
    assert flow.fn.__name__ == function
    accepted = set(inspect.signature(flow.fn).parameters)
    for trigger in spec.triggers:
        assert set(trigger.parameters) <= accepted, trigger.name
    required = {
        name
        for name, parameter in inspect.signature(flow.fn).parameters.items()
        if parameter.default is inspect.Parameter.empty
    }
    for trigger in spec.triggers:
        assert required <= set(trigger.parameters), f"{trigger.name} leaves {required} unfilled"
    if spec.cron:
        assert not required, "a scheduled flow cannot be given parameters by its schedule"


def test_the_serve_entry_point_builds_the_same_deployments() -> None:
    built: dict[str, Any] = {deployment.name: deployment for deployment in runner_deployments()}
    assert list(built) == [spec.name for spec in DEPLOYMENTS]
    for spec in DEPLOYMENTS:
        deployment = built[spec.name]
        crons = [
            (s.schedule.cron, s.schedule.timezone, s.schedule.day_or) for s in deployment.schedules
        ]
        assert crons == ([(spec.cron, "Europe/London", False)] if spec.cron else [])
        assert [(set(t.expect), dict(t.parameters)) for t in deployment.triggers] == [
            (set(t.expect), t.parameters) for t in spec.triggers
        ]
        assert deployment.entrypoint == spec.flow.replace(":", ".")
