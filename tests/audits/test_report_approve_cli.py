"""``audits report approve`` in this process: the draft written by ``audits report``, approved
once (the final report to each reader), approving again (nothing sent, and said so), the
refusals (one line, nothing changed), and any text for its flags."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.audits.cli_support import in_process, rows_of
from tests.flows.signoff_support import APS, DISTRIBUTION, MONTH, recipients, signoff_env

WATCHED = (
    "SELECT * FROM report_issue",
    "SELECT key, status FROM notification",
    "SELECT action, subject_id FROM trail_entry",
)


@pytest.fixture(scope="module")
def no_draft(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """The programme, nothing compiled: every approval is refused."""
    folder = tmp_path_factory.mktemp("no-draft")
    env = {f"AUDITS_{k}": v for k, v in signoff_env(folder).items()}
    return folder, env


def _refused(folder: Path, env: dict[str, str], *args: str) -> str:
    before = rows_of(folder / "audits.db", WATCHED)
    result = in_process(["report", "approve", *args], env, folder)
    assert result.returncode != 0 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert rows_of(folder / "audits.db", WATCHED) == before
    assert not (folder / "outbox").exists()
    return lines[0]


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--month", MONTH, "--by", "SM1"], "SM1 is not an active member of the APS team"),
        (["--month", MONTH, "--by", "APS9"], "APS9 is not an active member of the APS team"),
        (["--month", MONTH, "--by", "NOBODY"], "there is no member of staff NOBODY"),
        (["--month", MONTH, "--by", "A\x1eB"], "there is no member of staff A\\x1eB"),
        (["--month", "2031-01", "--by", "APS1"], "there is no cycle 2031-01"),
        (["--month", MONTH, "--by", "APS1"], f"there is no draft report for {MONTH}"),
        (["--month", "2026-6", "--by", "APS1"], "argument --month"),
        (["--month", MONTH], "--by"),
        (["--by", "APS1"], "--month"),
    ],
)
def test_refusals_are_one_line_and_change_nothing(
    no_draft: tuple[Path, dict[str, str]], args: list[str], said: str
) -> None:
    assert said in _refused(*no_draft, *args)


def test_the_report_form_still_needs_month_and_out(
    no_draft: tuple[Path, dict[str, str]],
) -> None:
    folder, env = no_draft
    result = in_process(["report", "--month", MONTH], env, folder)
    assert result.returncode != 0 and "--out" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(by=st.text(max_size=24), month=st.text(max_size=9) | st.just(MONTH))
def test_any_text_for_by_or_month_is_refused_in_one_line(
    no_draft: tuple[Path, dict[str, str]], by: str, month: str
) -> None:
    # Nothing is compiled, so no --by and no --month can approve anything here.
    _refused(*no_draft, "--month", month, "--by", by)


@pytest.mark.prefect
def test_draft_then_approve_once_then_again(prefect_server: str, tmp_path: Path) -> None:
    env = {f"AUDITS_{k}": v for k, v in signoff_env(tmp_path).items()}
    out = tmp_path / "reports"
    draft = in_process(["report", "--month", MONTH, "--out", out, "--json"], env, tmp_path)
    assert draft.returncode == 0, draft.stderr
    data = json.loads(draft.stdout)
    assert data["status"] == "draft" and data["emails"] == 0 and "compliance_pct" in data
    assert recipients(tmp_path) == sorted(APS.values())

    human = in_process(["report", "--month", MONTH, "--out", out], env, tmp_path)
    assert "DRAFT" in human.stdout and "audits report approve" in human.stdout

    approved = in_process(["report", "approve", "--month", MONTH, "--by", "APS1", "--json"],
                          env, tmp_path)  # fmt: skip
    assert approved.returncode == 0, approved.stderr
    shown = json.loads(approved.stdout)
    assert set(shown) == {"month", "approved_by", "approved_at", "sent"}
    assert (shown["month"], shown["approved_by"], shown["sent"]) == (MONTH, "APS1", 2)
    assert shown["approved_at"][-6:] in ("+00:00", "+01:00")  # Europe/London, aware
    assert recipients(tmp_path) == sorted([*APS.values(), *DISTRIBUTION])

    again = in_process(["report", "approve", "--month", MONTH, "--by", "APS2"], env, tmp_path)
    assert again.returncode == 0, again.stderr
    assert "already approved on" in again.stdout and "by Reviewer APS1" in again.stdout
    assert "Nothing sent" in again.stdout
    as_json = in_process(["report", "approve", "--month", MONTH, "--by", "APS2", "--json"],
                         env, tmp_path)  # fmt: skip
    assert json.loads(as_json.stdout)["sent"] == 0 and "already approved" in as_json.stderr
    assert recipients(tmp_path) == sorted([*APS.values(), *DISTRIBUTION])
