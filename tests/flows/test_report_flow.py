"""The compile-highlight-report flow on the hand-worked programme of tests/models/test_report_store:
files written, the Prefect artifact, the PDF emailed to the distribution list once."""

from __future__ import annotations

import email
import email.policy
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy.engine import Engine

from models.db import make_engine, migrate
from tests.models.test_report_store import build_programme
from tests.settings_env import SettingsEnv

PROGRAMME = """
[programme]
name = "Test audit programme"
first_cycle = "2026-01"
[report]
author = "APS Manager (test)"
contact = "aps-team@example.gov.uk"
distribution = ["director@example.gov.uk", "Frontline-Teams@example.gov.uk"]
# The report goes at once, as before sign-off (tests/flows/test_report_signoff.py signs off).
sign_off = false
"""


@pytest.fixture
def programme_db(tmp_path: Path, settings_env: SettingsEnv) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path / 'audits.db'}"
    engine = make_engine(url)
    migrate(engine)
    build_programme(engine)
    (tmp_path / "programme.toml").write_text(PROGRAMME)
    settings_env(
        DATABASE_URL=url,
        PROGRAMME=str(tmp_path / "programme.toml"),
        EMAIL_TRANSPORT="outbox",
        OUTBOX_DIR=str(tmp_path / "outbox"),
    )
    yield engine
    engine.dispose()


@pytest.mark.prefect
def test_the_flow_writes_the_report_keeps_an_artifact_and_emails_it_once(
    prefect_server: None, programme_db: Engine, tmp_path: Path
) -> None:
    from prefect.client.orchestration import get_client

    from flows.report import compile_highlight_report

    out = tmp_path / "reports"
    result = compile_highlight_report(month="2026-06", out=str(out))
    html = (out / "highlight-report-2026-06.html").read_text()
    pdf = (out / "highlight-report-2026-06.pdf").read_bytes()
    assert result["html"].endswith("highlight-report-2026-06.html")
    # The figures printed are those of the page.
    assert f"overall compliance rate of {result['compliance_pct']}%" in re.sub(r"\s+", " ", html)
    assert len(PdfReader(io.BytesIO(pdf)).pages) >= 2
    assert result["emails"] == 2 and result["sent"] == 2

    with get_client(sync_client=True) as client:
        artifact = client.read_latest_artifacts()
        mine = [a for a in artifact if a.key == "highlight-report-2026-06"]
    assert mine and f"{result['completed']:,}" in str(mine[0].data)

    sent = [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
        for p in sorted((tmp_path / "outbox").glob("*.eml"))
    ]
    assert sorted(m["To"] for m in sent) == [
        "Frontline-Teams@example.gov.uk",
        "director@example.gov.uk",
    ]
    for message in sent:
        attached = [part for part in message.iter_attachments()]
        assert [a.get_filename() for a in attached] == ["highlight-report-2026-06.pdf"]
        assert attached[0].get_content() == pdf

    again = compile_highlight_report(month="2026-06", out=str(out))
    assert again["sent"] == 0 and len(list((tmp_path / "outbox").glob("*.eml"))) == 2
