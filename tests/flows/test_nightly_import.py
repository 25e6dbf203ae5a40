"""The nightly import from the drop folder: what is imported, where each file goes, who is told."""

from __future__ import annotations

import email
import email.policy
import logging
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from flows.nightly_import import nightly_case_import
from importer.drop_folder import import_drop_folder
from models.cases import Case
from models.people import Staff
from tests.flows.smtp_server import body_text
from tests.settings_env import SettingsEnv

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TODAY = date(2026, 6, 30)
# 23:30 UTC on 30 June is 00:30 on 1 July in London (BST): files are filed under London time.
NOW = datetime(2026, 6, 30, 23, 30, 5, tzinfo=UTC)
FILED = "2026-07-01"
CHILD = "Jane Childname"  # a cell's value, quoted by the importer's problem line
HEADER = (EXAMPLES / "cases.csv").read_text(encoding="utf-8").splitlines()[0]
BAD_CASES = (
    f"{HEADER}\n"
    "C900001,Assessment North,North Locality,open,2025-11-14,no,neglect,no,,0\n"
    f"C900002,Assessment North,North Locality,{CHILD},2025-11-14,no,neglect,no,,0\n"
    "C900003,Assessment North,North Locality,open,not a date,no,,no,,0\n"
)


def drop(folder: Path, name: str, text: str | None = None, example: str = "cases.csv") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if text is None:
        shutil.copy(EXAMPLES / example, path)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def case_refs(engine: Engine) -> set[str]:
    with Session(engine) as session:
        return set(session.exec(select(Case.case_ref)).all())


def staff_ids(engine: Engine) -> set[str]:
    with Session(engine) as session:
        return set(session.exec(select(Staff.staff_id)).all())


def example_refs() -> set[str]:
    lines = (EXAMPLES / "cases.csv").read_text().splitlines()[1:]
    return {line.split(",")[0] for line in lines if line}


def test_good_files_are_imported_and_filed_under_processed(engine: Engine, tmp_path: Path) -> None:
    folder = tmp_path / "drop"
    drop(folder, "cases.csv")
    drop(folder, "staff.csv", example="staff.csv")
    outcome = import_drop_folder(engine, folder, TODAY, NOW)
    assert [(f.name, f.kind, f.ok) for f in outcome.files] == [
        ("staff.csv", "staff", True),
        ("cases.csv", "cases", True),
    ]
    cases = outcome.files[1]
    assert cases.counts["rows"] == cases.counts["created"] == len(example_refs())
    assert cases.moved_to == folder / "processed" / FILED / "003005-cases.csv"
    assert cases.moved_to.read_bytes() == (EXAMPLES / "cases.csv").read_bytes()
    assert sorted(p.name for p in folder.iterdir()) == ["processed"]
    assert case_refs(engine) == example_refs()
    assert "S004" in staff_ids(engine)


def test_staff_files_go_first_then_the_rest_in_name_order(engine: Engine, tmp_path: Path) -> None:
    folder = tmp_path / "drop"
    drop(folder, "b-cases.csv")
    drop(folder, "a-cases.csv")
    drop(folder, "STAFF-export.csv", example="staff.csv")
    outcome = import_drop_folder(engine, folder, TODAY, NOW)
    assert [(f.name, f.kind) for f in outcome.files] == [
        ("STAFF-export.csv", "staff"),
        ("a-cases.csv", "cases"),
        ("b-cases.csv", "cases"),
    ]
    assert all(f.ok for f in outcome.files)
    # The second case file changed nothing the first had written.
    assert outcome.files[2].counts["unchanged"] == len(example_refs())


def test_a_bad_file_is_refused_whole_and_the_others_still_import(
    engine: Engine, tmp_path: Path
) -> None:
    folder = tmp_path / "drop"
    drop(folder, "a-bad.csv", BAD_CASES)  # in name order, before the good file
    drop(folder, "cases.csv")
    outcome = import_drop_folder(engine, folder, TODAY, NOW)
    bad, good = outcome.files
    assert (bad.name, bad.ok, bad.problems, bad.counts) == ("a-bad.csv", False, 2, {})
    assert good.ok and good.moved_to == folder / "processed" / FILED / "003005-cases.csv"
    assert bad.moved_to == folder / "failed" / FILED / "003005-a-bad.csv"
    assert bad.moved_to.read_text(encoding="utf-8") == BAD_CASES
    assert bad.errors_file == folder / "failed" / FILED / "003005-a-bad.csv.errors.txt"
    lines = bad.errors_file.read_text(encoding="utf-8").splitlines()
    assert lines == [
        f"a-bad.csv:3:status: '{CHILD}' is not one of open, closed",
        lines[1],
    ]
    assert lines[1].startswith("a-bad.csv:4:date_of_birth: ")
    # Nothing from the refused file: not its valid row, and no case marked missing by it.
    assert case_refs(engine) == example_refs()
    assert outcome.failed == [bad]


@pytest.mark.postgres
def test_a_nul_in_a_cell_is_refused_under_failed_on_postgresql(
    pg_engine: Engine, tmp_path: Path
) -> None:
    """It passed every check and then failed the write: the file stayed in the folder, to fail
    again every night, instead of being filed under failed/ with its problem."""
    folder = tmp_path / "drop"
    nul = f"{HEADER}\nC900001,Assessment North,North Locality,open,2025-11-14,no,neglect,no,,0\n"
    nul += "C900002,Assessment\x00North,North Locality,open,2025-11-14,no,,no,,0\n"
    drop(folder, "cases.csv", nul)
    outcome = import_drop_folder(pg_engine, folder, TODAY, NOW)
    (refused,) = outcome.files
    assert (refused.ok, refused.error, refused.problems) == (False, "", 1)
    assert refused.moved_to == folder / "failed" / FILED / "003005-cases.csv"
    assert refused.errors_file is not None
    assert refused.errors_file.read_text(encoding="utf-8") == (
        "cases.csv:3:team: contains a NUL character (\\x00), which cannot be stored\n"
    )
    assert case_refs(pg_engine) == set()


def test_uploads_in_progress_hidden_files_and_subfolders_are_left_alone(
    engine: Engine, tmp_path: Path
) -> None:
    folder = tmp_path / "drop"
    waiting = [
        drop(folder, "cases.csv.part"),
        drop(folder, ".cases.csv"),
        drop(folder / "later", "cases.csv"),
        drop(folder, "cases.txt"),
    ]
    outcome = import_drop_folder(engine, folder, TODAY, NOW)
    assert outcome.files == ()
    assert all(path.exists() for path in waiting)
    assert not (folder / "processed").exists() and case_refs(engine) == set()


def test_an_earlier_file_of_the_same_name_is_never_replaced(engine: Engine, tmp_path: Path) -> None:
    folder = tmp_path / "drop"
    processed, failed = folder / "processed" / FILED, folder / "failed" / FILED
    earlier = drop(processed, "003005-cases.csv", "earlier")
    earlier_bad = drop(failed, "003005-bad.csv", "earlier bad")
    drop(failed, "003005-bad-2.csv.errors.txt", "an errors file whose file has gone")
    drop(folder, "cases.csv")
    drop(folder, "bad.csv", BAD_CASES)
    bad, good = import_drop_folder(engine, folder, TODAY, NOW).files
    assert good.moved_to == processed / "003005-cases-2.csv"
    assert (bad.moved_to, bad.errors_file) == (
        failed / "003005-bad-3.csv",
        failed / "003005-bad-3.csv.errors.txt",
    )
    assert (earlier.read_text(), earlier_bad.read_text()) == ("earlier", "earlier bad")


def test_a_file_meeting_an_unexpected_error_waits_in_the_folder(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError(f"database gone while reading {CHILD}")

    folder = tmp_path / "drop"
    waiting = drop(folder, "cases.csv")
    drop(folder, "staff.csv", example="staff.csv")
    monkeypatch.setattr("importer.drop_folder.import_cases", broken)
    staff, cases = import_drop_folder(engine, folder, TODAY, NOW).files
    assert staff.ok and "S004" in staff_ids(engine)
    assert (cases.ok, cases.error, cases.moved_to) == (False, "RuntimeError", None)
    assert waiting.exists() and not (folder / "failed").exists()


def test_now_must_say_its_timezone(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="timezone"):
        import_drop_folder(engine, tmp_path, TODAY, NOW.replace(tzinfo=None))


@pytest.fixture
def app_env(engine: Engine, sqlite_url: str, tmp_path: Path, settings_env: SettingsEnv) -> Path:
    """The flow's environment: this test's database, drop folder and outbox folder."""
    settings_env(
        DATABASE_URL=sqlite_url,
        IMPORT_DIR=str(tmp_path / "drop"),
        EMAIL_TRANSPORT="outbox",
        OUTBOX_DIR=str(tmp_path / "outbox"),
    )
    return tmp_path / "drop"


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def prefect_log() -> Iterator[list[str]]:
    handler, logger = Records(), logging.getLogger("prefect")
    logger.addHandler(handler)
    yield handler.lines
    logger.removeHandler(handler)


@pytest.mark.prefect
@pytest.mark.parametrize("configured", [None, "", "missing"])
def test_without_a_drop_folder_the_flow_skips_and_says_why(
    prefect_server: None,
    app_env: Path,
    settings_env: SettingsEnv,
    configured: str | None,
) -> None:
    settings_env(IMPORT_DIR=configured and str(app_env / configured))
    result = nightly_case_import(day="2026-11-30")
    assert result["day"] == "2026-11-30"
    expected = "does not exist" if configured else "no drop folder configured"
    assert expected in result["skipped"]


@pytest.mark.prefect
def test_the_flow_imports_the_folder(
    prefect_server: None, app_env: Path, engine: Engine, prefect_log: list[str]
) -> None:
    drop(app_env, "staff.csv", example="staff.csv")
    drop(app_env, "cases.csv")
    result = nightly_case_import(day="2026-11-30")
    assert (result["imported"], result["failed"]) == (2, 0)
    assert [f["name"] for f in result["files"]] == ["staff.csv", "cases.csv"]
    assert case_refs(engine) == example_refs()
    assert any(line.startswith("cases.csv (cases) imported: 67 rows") for line in prefect_log)
    assert not (app_env.parent / "outbox").exists()  # nobody emailed
    again = nightly_case_import(day="2026-11-30")
    assert again["files"] == [] and "Nothing to import in " + str(app_env) in prefect_log


@pytest.mark.prefect
def test_a_refused_file_fails_the_run_and_tells_aps_once(
    prefect_server: None, app_env: Path, engine: Engine, prefect_log: list[str]
) -> None:
    drop(app_env, "staff.csv", example="staff.csv")
    drop(app_env, "cases.csv")
    drop(app_env, "late-cases.csv", BAD_CASES)
    state = nightly_case_import(day="2026-11-30", return_state=True)
    assert state.is_failed() and "late-cases.csv" in str(state.message)
    assert case_refs(engine) == example_refs()  # the good files were imported
    [failed] = (app_env / "failed").glob("*/*-late-cases.csv")
    messages = outbox_messages(app_env.parent / "outbox")
    assert sorted(m["To"] for m in messages) == [
        "avery.example@example.gov.uk",
        "casey.example@example.gov.uk",
    ]
    text = body_text(messages[0], "plain")
    assert "late-cases.csv (cases): refused with 2 problems" in text
    assert str(failed) in text and f"{failed}.errors.txt" in text
    html = body_text(messages[0], "html")
    assert "refused with 2 problems" in html and f"{failed}.errors.txt" in html
    for message in messages:
        assert "late-cases.csv" in message["Subject"]
        assert CHILD not in message.as_string() and "not a date" not in message.as_string()
    assert prefect_log and not any(CHILD in line for line in prefect_log)
    # The same file dropped again the same night: refused again, but APS is not told twice.
    drop(app_env, "late-cases.csv", BAD_CASES)
    with pytest.raises(Exception, match="late-cases.csv"):
        nightly_case_import(day="2026-11-30")
    assert len(list((app_env / "failed").glob("*/*-late-cases*.csv"))) == 2
    assert len(outbox_messages(app_env.parent / "outbox")) == 2


def outbox_messages(folder: Path) -> list[email.message.EmailMessage]:
    return [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
        for p in sorted(folder.glob("*.eml"))
    ]


def test_the_failure_email_s_footer_speaks_of_files_not_case_links() -> None:
    from notifications.render import render_email_template

    html, text = render_email_template(
        "import_failed",
        {"subject": "s", "programme_name": "P", "recipient_name": "R", "folder": "/drop",
         "day": "Thu 26 November 2026", "files": [], "advice": "a"},
    )  # fmt: skip
    for part in (html, text):
        assert "names files only" in part and "open each link" not in part
