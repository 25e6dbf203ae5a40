"""Sign-off of the highlight report through the flow and ``flows.report_signoff``: the draft
(marked DRAFT, the APS team told, the distribution list not), approval (the final report, once
to each reader), approving again (nothing), regenerating, and ``sign_off = false``."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlmodel import Session

from config.settings import load_policy
from models import report_issue_store
from models.db import get_engine
from rules.signoff import SignOffError
from tests.flows.signoff_support import (
    APS,
    DISTRIBUTION,
    MONTH,
    recipients,
    sent_emails,
    signoff_env,
)
from tests.settings_env import SettingsEnv

pytestmark = pytest.mark.prefect


@pytest.fixture
def signoff_db(tmp_path: Path, settings_env: SettingsEnv) -> Iterator[Path]:
    """The programme's settings in this process; the folder of its files."""
    settings_env(**signoff_env(tmp_path))
    yield tmp_path
    get_engine().dispose()


def _pdf_text(path: Path) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(path.read_bytes())).pages)


def _draft(out: Path) -> dict:
    from flows.report import compile_highlight_report

    return compile_highlight_report(month=MONTH, out=str(out))


def test_a_draft_goes_to_the_aps_team_only_marked_draft(
    prefect_server: str, signoff_db: Path
) -> None:
    out = signoff_db / "reports"
    result = _draft(out)
    assert result["status"] == "draft" and result["emails"] == 0
    assert result["review_emails"] == 2 and result["sent"] == 2
    html = (out / f"highlight-report-{MONTH}.html").read_text()
    assert 'id="draft-mark"' in html and "DRAFT" in html
    assert "DRAFT" in _pdf_text(out / f"highlight-report-{MONTH}.pdf")
    assert not list(out.glob(".*.partial"))  # the staged files were put in place
    # Active APS members only, each once; nobody on the distribution list.
    assert recipients(signoff_db) == sorted(APS.values())
    for message in sent_emails(signoff_db):
        body = message.get_body(("plain",))
        assert body is not None
        text = body.get_content()
        assert f"https://audits.example.gov.uk/aps/reports/{MONTH}" in text
        assert "June 2026" in str(message["Subject"])
        assert not list(message.iter_attachments())  # the month and the link, no contents
        assert "compliance" not in text.lower()
    with Session(get_engine()) as session:
        row = report_issue_store.issue(session, MONTH)
        assert row is not None and row.status == "draft" and row.out_dir == str(out.resolve())

    again = _draft(out)  # the month-end run again: the draft rewritten, nobody told twice
    assert again["status"] == "draft" and again["review_emails"] == 0
    assert len(sent_emails(signoff_db)) == 2


def test_approval_sends_the_final_report_once_to_each_reader(
    prefect_server: str, signoff_db: Path
) -> None:
    from flows.report_signoff import approve_report

    out = signoff_db / "reports"
    _draft(out)
    before = len(sent_emails(signoff_db))
    approval = approve_report(get_engine(), load_policy(), MONTH, "APS2")
    assert not approval.already and approval.sent == 2 and approval.written == 2
    assert approval.approved_by == "APS2" and approval.approved_by_name == "Reviewer APS2"
    html = (out / f"highlight-report-{MONTH}.html").read_text()
    assert "draft-mark" not in html
    pdf = (out / f"highlight-report-{MONTH}.pdf").read_bytes()
    assert "DRAFT" not in _pdf_text(out / f"highlight-report-{MONTH}.pdf")
    readers = [m for m in sent_emails(signoff_db)][before:]
    assert sorted(str(m["To"]) for m in readers) == sorted(DISTRIBUTION)
    for message in readers:
        [attached] = list(message.iter_attachments())
        assert attached.get_content() == pdf

    second = approve_report(get_engine(), load_policy(), MONTH, "APS1")
    assert second.already and second.sent == 0 and second.approved_by == "APS2"
    assert len(sent_emails(signoff_db)) == before + 2
    # The month-end run again: the report stays final, nobody is emailed again.
    rerun = _draft(out)
    assert rerun["status"] == "final" and rerun["sent"] == 0
    assert "draft-mark" not in (out / f"highlight-report-{MONTH}.html").read_text()
    assert len(sent_emails(signoff_db)) == before + 2
    with Session(get_engine()) as session:
        row = report_issue_store.issue(session, MONTH)
        assert row is not None and (row.status, row.approved_by, row.sent) == ("final", "APS2", 2)


def test_regenerating_rewrites_the_draft_with_the_commentary_as_it_stands(
    prefect_server: str, signoff_db: Path
) -> None:
    from flows.report_signoff import prepare_regeneration
    from models import recommendation_store
    from models.db import in_transaction

    out = signoff_db / "reports"
    _draft(out)
    html = out / f"highlight-report-{MONTH}.html"
    assert "Supervision is the thread" not in html.read_text()
    engine, policy = get_engine(), load_policy()
    in_transaction(
        engine,
        lambda s: recommendation_store.set_commentary(
            s, MONTH, "cin", "Supervision is the thread", "APS1", policy
        ),
    )
    prepared = prepare_regeneration(engine, policy, MONTH, "APS1")
    in_transaction(engine, prepared.finalise)
    assert 'id="draft-mark"' in html.read_text()
    assert "Supervision is the thread" in html.read_text()
    assert len(sent_emails(signoff_db)) == 2  # regenerating tells nobody again


def test_sign_off_false_sends_at_once(
    prefect_server: str, tmp_path: Path, settings_env: SettingsEnv
) -> None:
    settings_env(**signoff_env(tmp_path, sign_off=False))
    result = _draft(tmp_path / "reports")
    assert result["status"] == "final" and result["emails"] == 2 and result["sent"] == 2
    assert recipients(tmp_path) == sorted(DISTRIBUTION)
    from flows.report_signoff import approve_report

    approval = approve_report(get_engine(), load_policy(), MONTH, "APS1")
    assert approval.already and approval.sent == 0 and approval.approved_by is None
    get_engine().dispose()


def test_regenerating_a_final_report_is_refused(
    prefect_server: str, tmp_path: Path, settings_env: SettingsEnv
) -> None:
    from flows.report_signoff import prepare_regeneration

    settings_env(**signoff_env(tmp_path, sign_off=False))
    _draft(tmp_path / "reports")
    with pytest.raises(SignOffError, match="already approved"):
        prepare_regeneration(get_engine(), load_policy(), MONTH, "APS1")
    get_engine().dispose()


def test_the_month_end_run_writes_a_draft_and_tells_the_aps_team(
    prefect_server: str, signoff_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.scheduled import scheduled_report

    monkeypatch.chdir(signoff_db)  # the report's default folder is var/reports, relative
    result = scheduled_report(day="2026-06-30")
    assert result["month"] == MONTH
    folder = signoff_db / "var" / "reports"
    assert 'id="draft-mark"' in (folder / f"highlight-report-{MONTH}.html").read_text()
    assert recipients(signoff_db) == sorted(APS.values())
    with Session(get_engine()) as session:  # the record knows the folder wherever the run was
        row = report_issue_store.issue(session, MONTH)
        assert row is not None and row.status == "draft" and row.out_dir == str(folder.resolve())
