"""``audits report`` as operators run it: the installed script in a subprocess (its flow run on
the session's Prefect harness), and a refusal through ``audits.cli.main`` in this process."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from models.db import make_engine, migrate
from tests.audits.cli_support import in_process
from tests.flows.test_report_flow import PROGRAMME
from tests.models.test_recurring_findings import tag_programme
from tests.models.test_report_store import build_programme

AUDITS = Path(sys.executable).parent / "audits"
CONTRACT_KEYS = {
    "allocated", "released", "completed", "compliance_pct", "reaudits_allocated",
    "reaudits_completed", "reaudit_compliance_pct", "judgements_by_month",
    "reaudit_judgements_by_month", "recurring_findings",
}  # fmt: skip


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    engine = make_engine(f"sqlite:///{tmp_path / 'audits.db'}")
    migrate(engine)
    build_programme(engine)
    tag_programme(engine)
    engine.dispose()
    (tmp_path / "programme.toml").write_text(PROGRAMME)
    environment = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    environment.update(
        AUDITS_DATABASE_URL=f"sqlite:///{tmp_path / 'audits.db'}",
        AUDITS_PROGRAMME=str(tmp_path / "programme.toml"),
        AUDITS_OUTBOX_DIR=str(tmp_path / "outbox"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
    )
    return environment


def _spawn(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(AUDITS), "report", *args], env=env, capture_output=True, text=True, timeout=300
    )


@pytest.mark.prefect
def test_report_json_has_the_contracts_keys_and_writes_the_files(
    env: dict[str, str], tmp_path: Path, prefect_server: str
) -> None:
    out = tmp_path / "out"
    args = ("--month", "2026-06", "--out", str(out), "--json", "--no-email")
    result = _spawn({**env, "PREFECT_API_URL": prefect_server}, *args)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) >= CONTRACT_KEYS
    assert set(data["judgements_by_month"]["2026-06"]) == {
        "outstanding", "good", "requires_improvement", "inadequate",
    }  # fmt: skip
    completed, allocated = data["completed"], data["allocated"]
    assert data["compliance_pct"] == (200 * completed + allocated) // (2 * allocated)
    assert (out / "highlight-report-2026-06.html").exists()
    assert (out / "highlight-report-2026-06.pdf").read_bytes().startswith(b"%PDF")
    # The appendix beside them: every answer once with its count (the grouped JSON's).
    appendix = out / "highlight-report-2026-06-appendix.csv"
    assert data["appendix"] == str(appendix)
    rows = list(csv.DictReader(io.StringIO(appendix.read_text(encoding="utf-8-sig"))))
    assert {"section": "reflection", "theme": "", "group": "done_well", "text": "Built trust",
            "count": "1"} in rows  # fmt: skip
    counted = sum(item["count"] for items in data["reflection_counts"].values() for item in items)
    assert sum(int(r["count"]) for r in rows if r["section"] == "reflection") == counted
    for key in ("descriptor_counts", "reaudit_judgements"):
        assert key in data["themes"][0]
    for key in ("reflection_counts", "feedback_counts", "compliance_by_month", "featured_quotes"):
        assert key in data
    # The recurring findings (tests/models/test_recurring_findings.py's hand counts), most
    # frequent first, and the report's section that shows them.
    first = data["recurring_findings"][0]
    assert (first["tag"], first["this_month"], first["last_12_months"]) == ("supervision", 3, 8)
    assert first["by_judgement"] == {
        "outstanding": 0, "good": 1, "requires_improvement": 1, "inadequate": 1,
    }  # fmt: skip
    html = (out / "highlight-report-2026-06.html").read_text(encoding="utf-8")
    assert 'id="finding:supervision:2026-06:3"' in html
    assert set(data["compliance_by_month"]["2026-06"]["audits"]) == {
        "allocated", "completed", "on_time", "pct", "on_time_pct",
    }  # fmt: skip
    assert "sent" not in data and not (tmp_path / "outbox").exists()


def test_a_bad_month_is_one_line_and_nothing_is_written(
    env: dict[str, str], tmp_path: Path
) -> None:
    result = in_process(["report", "--month", "2026-13", "--out", tmp_path / "out"], env, tmp_path)
    assert result.returncode != 0
    assert len(result.stderr.strip().splitlines()) == 1 and "2026-13" in result.stderr
    assert not (tmp_path / "out").exists()
