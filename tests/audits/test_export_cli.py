"""``audits export`` on SQLite and PostgreSQL: the report store's hand-built programme with tags,
actions and formula-looking texts (tests/audits/export_support.py), exported through
``audits.cli.main`` and read back with openpyxl: every Compliance figure equal to the highlight
report's JSON of its month, the Audits and Actions rows equal to the database's, the recurring
findings equal to hand counts, typed cells, a frozen bold header, and no cell that runs."""

from __future__ import annotations

import errno
import json
import tomllib
import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from models.figures import figures_json
from models.programme import Audit
from models.report_store import report_figures
from reports import export_xlsx
from rules.policy import policy_from_dict
from tests.audits.cli_support import REPO, codes_without_prefect, in_process
from tests.audits.export_support import (
    EXPORT_PROGRAMME,
    FORMULAS,
    HYPERLINK,
    as_dicts,
    audit_ids,
    build_evidence,
    read_sheets,
)
from tests.models.test_report_store import POLICY, build_programme, built_once

SHEETS = ("Audits", "Actions", "Compliance", "Recurring findings")
EXPORTED = ["2026-01", "2026-02", "2026-03", "2026-05", "2026-06", "2026-07"]  # no April cycle


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def programme(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    yield from built_once(request, tmp_path_factory, build_programme, build_evidence)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    here = tmp_path_factory.mktemp("export")
    (here / "programme.toml").write_text(EXPORT_PROGRAMME)
    return here


def export(engine: Engine, folder: Path, *args: str | Path) -> Any:
    env = {
        "AUDITS_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "AUDITS_PROGRAMME": str(folder / "programme.toml"),
        "PREFECT_API_URL": None,
    }
    return in_process(["export", *args], env, folder)


@pytest.fixture(scope="module")
def exported(programme: Engine, folder: Path) -> tuple[dict[str, Any], Path]:
    out = folder / f"evidence-{programme.dialect.name}.xlsx"
    result = export(programme, folder, "--from", "2026-01", "--to", "2026-07", "--out", out,
                    "--json")  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout), out


@pytest.fixture(scope="module")
def sheets(exported: tuple[dict[str, Any], Path]) -> dict[str, list[dict[str, Any]]]:
    return {name: as_dicts(rows) for name, rows in read_sheets(exported[1]).items()}


def test_json_names_the_file_and_counts_each_sheets_rows(
    exported: tuple[dict[str, Any], Path], sheets: dict[str, list[dict[str, Any]]]
) -> None:
    shown, out = exported
    assert shown == {"out": str(out), "sheets": {name: len(sheets[name]) for name in SHEETS}}
    assert list(sheets) == list(SHEETS)
    # 29 audits of January to July (R0 and Z1 are December's), 4 actions (Z1's is not).
    assert shown["sheets"]["Audits"] == 29 and shown["sheets"]["Actions"] == 4
    assert not list(out.parent.glob(".*.partial"))


def test_compliance_is_the_reports_figures_of_each_month(
    programme: Engine, sheets: dict[str, list[dict[str, Any]]]
) -> None:
    rows = sheets["Compliance"]
    assert [row["cycle"] for row in rows] == EXPORTED
    with Session(programme) as session:
        for row in rows:
            report = figures_json(report_figures(session, POLICY, row["cycle"]))
            audits, reaudits = report["month_audits"], report["compliance_by_month"]
            reaudits = reaudits[row["cycle"]]["reaudits"]
            assert row == {
                "cycle": row["cycle"], "allocated": audits["allocated"],
                "completed": audits["completed"], "on_time": audits["on_time"],
                "released": audits["released"], "compliance_pct": audits["pct"],
                "reaudits_allocated": reaudits["allocated"],
                "reaudits_completed": reaudits["completed"],
                "reaudit_compliance_pct": reaudits["pct"],
            }  # fmt: skip
        june = figures_json(report_figures(session, POLICY, "2026-06"))
    # The cycles to June add up to the June report's cumulative headline (20 allocated, 3
    # released, 18 completed; tests/models/test_report_store.py works them out by hand).
    to_june = [row for row in rows if row["cycle"] <= "2026-06"]
    for key in ("allocated", "completed", "released"):
        assert sum(row[key] for row in to_june) == june[key]
    assert (june["allocated"], june["completed"]) == (20, 18)
    assert sum(row["reaudits_allocated"] for row in to_june) == june["reaudits_allocated"] == 3
    june_row = rows[EXPORTED.index("2026-06")]
    assert (june_row["allocated"], june_row["on_time"], june_row["compliance_pct"]) == (9, 7, 89)
    march = rows[EXPORTED.index("2026-03")]  # paused: a cycle with no audits
    assert march["allocated"] == 0 and march["compliance_pct"] is None


def test_audit_rows_are_the_databases(
    programme: Engine, sheets: dict[str, list[dict[str, Any]]]
) -> None:
    rows = {row["audit_id"]: row for row in sheets["Audits"]}
    with Session(programme) as session:
        ids = audit_ids(session)
        audits = session.execute(
            select(Audit).where(col(Audit.cycle).between("2026-01", "2026-07"))
        ).scalars()
        for audit in audits:
            row = rows.pop(audit.id)
            assert row["cycle"] == audit.cycle and row["kind"] == audit.kind
            assert row["auditor_id"] == audit.auditor_id and row["status"] == audit.status
            assert row["due_on"] == datetime.combine(audit.due_on, datetime.min.time())
            completed = row["completed_on"]
            assert (completed.date() if completed else None) == audit.completed_on
            assert row["judgement"] == audit.judgement
    assert rows == {}
    by_id = {row["audit_id"]: row for row in sheets["Audits"]}
    by_key = {key: by_id[audit_id] for key, audit_id in ids.items() if audit_id in by_id}
    assert by_key["D1"]["tags"] == "drift_and_delay;supervision"
    assert (by_key["D1"]["actions_open"], by_key["D1"]["actions_done"]) == (1, 1)
    assert (by_key["C1"]["actions_open"], by_key["C1"]["actions_done"]) == (0, 1)
    assert by_key["D9"]["tags"] == "planning" and by_key["B4"]["tags"] is None  # empty cell
    # On time as the report counts it: A2 on its due date, A3 after, B2 by its extended date.
    assert [by_key[k]["on_time"] for k in ("A2", "A3", "B2", "D9", "A4")] == [
        True, False, True, None, None,
    ]  # fmt: skip
    assert by_key["B2"]["original_due_on"] == datetime(2026, 2, 27)
    assert by_key["D7"]["case_ref"] == "'" + HYPERLINK


def test_actions_and_recurring_findings_against_hand_counts(
    programme: Engine, sheets: dict[str, list[dict[str, Any]]]
) -> None:
    actions = sheets["Actions"]
    assert [(a["owner_id"], a["status"]) for a in actions] == [
        ("TM2", "open"), ("TM3", "done"), ("TM1", "open"), ("TM4", "done"),
    ]  # fmt: skip
    assert actions[1]["done_on"] == datetime(2026, 6, 19) and actions[0]["done_on"] is None
    assert actions[0]["case_ref"] == "case-D1" and actions[2]["set_on"] == datetime(2026, 6, 15)
    found = {(r["cycle"], r["tag"]): r for r in sheets["Recurring findings"]}
    # 6 cycles x 4 listed tags, and the retired tag where it was found (June, D3).
    assert len(found) == 25
    # June: supervision on D1 (good), D2 (good), D4 (inadequate), R3 (requires improvement).
    june = found[("2026-06", "supervision")]
    assert (june["label"], june["count"], june["good"], june["inadequate"]) == (
        "Supervision", 4, 2, 1,
    )  # fmt: skip
    assert june["requires_improvement"] == 1 and june["outstanding"] == 0
    assert found[("2026-06", "recording")]["label"] == "'=1+1"  # inert
    assert found[("2026-06", "recording")]["inadequate"] == 1
    assert found[("2026-06", "planning")]["count"] == 0  # D9 is not completed
    assert found[("2026-06", "retired_tag")]["label"] == "retired_tag"
    assert found[("2026-05", "supervision")]["count"] == 1
    assert found[("2026-03", "supervision")]["count"] == 0


def test_recurring_findings_are_the_reports_of_each_month(
    programme: Engine, sheets: dict[str, list[dict[str, Any]]]
) -> None:
    """Each listed tag's row of each cycle is that month's report: its count, and its split by
    judgement (the report reads the same programme file as the export)."""
    policy = policy_from_dict(tomllib.loads(EXPORT_PROGRAMME))
    found = {(r["cycle"], r["tag"]): r for r in sheets["Recurring findings"]}
    checked = 0
    with Session(programme) as session:
        for cycle in EXPORTED:
            for line in figures_json(report_figures(session, policy, cycle))["recurring_findings"]:
                row = found[(cycle, line["tag"])]
                assert row["count"] == line["this_month"] == line["by_month"][cycle]
                assert {j: row[j] for j in line["by_judgement"]} == line["by_judgement"]
                checked += row["count"]
    assert checked > 5  # the months carry tags: the comparison is not of zeros alone


def test_cells_are_typed_the_header_frozen_and_no_formula_runs(
    exported: tuple[dict[str, Any], Path],
) -> None:
    out = exported[1]
    book = load_workbook(out)
    texts = []
    for sheet in book:
        assert sheet.freeze_panes == "A2"
        assert all(c.font.b for c in sheet[1]) and sheet.column_dimensions["A"].width >= 8
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                assert cell.data_type != "f"
                if isinstance(cell.value, datetime):
                    assert cell.number_format == "yyyy-mm-dd"
                if isinstance(cell.value, str):
                    texts.append(cell.value)
    audits = book["Audits"]
    assert isinstance(audits["A2"].value, int) and isinstance(audits["J2"].value, datetime)
    for formula in FORMULAS:
        # (XML reads a carriage return back as a line feed: still quoted, still inert.)
        quoted = "'" + formula.replace("\r", "\n")
        assert any(text.startswith(quoted) for text in texts), formula
    assert not any(text.startswith(("=", "+", "-", "@", "\t", "\r", "\n")) for text in texts)
    with zipfile.ZipFile(out) as archive:  # and no formula element anywhere in the file
        assert not any(b"<f>" in archive.read(name) for name in archive.namelist())


@pytest.mark.parametrize("first,last", [("2026-04", "2026-04"), ("2030-01", "2030-12")])
def test_months_without_a_cycle_give_empty_sheets(
    programme: Engine, folder: Path, first: str, last: str
) -> None:
    out = folder / f"empty-{programme.dialect.name}-{first}.xlsx"
    result = export(programme, folder, "--from", first, "--to", last, "--out", out, "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["sheets"] == dict.fromkeys(SHEETS, 0)
    assert [len(rows) for rows in read_sheets(out).values()] == [1, 1, 1, 1]  # headers only


@pytest.mark.parametrize(
    "args,words",
    [
        (["--from", "2026-13", "--to", "2026-07"], "2026-13"),
        (["--from", "2026-07", "--to", "2026-01"], "--from 2026-07 is after --to 2026-01"),
        (["--from", "2026-01", "--to", "2026-07", "--out", "nowhere/e.xlsx"], "no folder"),
        (["--from", "2026-01", "--to", "2026-07", "--out", "e.csv"], "must end .xlsx"),
        (["--from", "2026-01", "--to", "2026-07", "--out", "a\nb.xlsx"], "a\\nb.xlsx"),
    ],
)
def test_a_bad_flag_is_one_line_and_writes_nothing(
    programme: Engine, tmp_path: Path, args: list[str], words: str
) -> None:
    (tmp_path / "programme.toml").write_text(EXPORT_PROGRAMME)
    if "--out" not in args:
        args = [*args, "--out", "e.xlsx"]
    result = export(programme, tmp_path, *args)
    assert result.returncode != 0 and words in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["programme.toml"]


def test_a_failed_write_leaves_the_old_file_and_no_partial_one(
    programme: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The disk filling up as the workbook is put in place (the tests run as root, so a
    read-only folder would not stop them): one line, the old file as it was, no staging file."""
    (tmp_path / "programme.toml").write_text(EXPORT_PROGRAMME)
    (tmp_path / "e.xlsx").write_bytes(b"the old workbook")

    def full(*_: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(export_xlsx.os, "replace", full)
    result = export(programme, tmp_path, "--from", "2026-01", "--to", "2026-07", "--out", "e.xlsx")
    assert result.returncode != 0
    assert result.stderr == "audits: error: cannot write e.xlsx: No space left on device\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.xlsx", "programme.toml"]
    assert (tmp_path / "e.xlsx").read_bytes() == b"the old workbook"


def test_a_folder_in_the_way_is_refused(programme: Engine, tmp_path: Path) -> None:
    (tmp_path / "programme.toml").write_text(EXPORT_PROGRAMME)
    (tmp_path / "e.xlsx").mkdir()
    (tmp_path / "file").write_text("")
    for out, words in (("e.xlsx", "is a folder"), ("file/e.xlsx", "no folder file")):
        result = export(programme, tmp_path, "--from", "2026-01", "--to", "2026-07", "--out", out)
        assert result.returncode != 0 and words in result.stderr, result.stderr


def test_an_uninitialised_database_is_one_line(tmp_path: Path) -> None:
    env = {
        "AUDITS_DATABASE_URL": f"sqlite:///{tmp_path / 'none.db'}",
        "AUDITS_PROGRAMME": str(REPO / "config" / "programme.toml"),
    }
    result = in_process(
        ["export", "--from", "2026-01", "--to", "2026-02", "--out", "e.xlsx"], env, tmp_path
    )
    assert result.returncode != 0 and "audits init" in result.stderr
    assert not (tmp_path / "e.xlsx").exists() and date.today().year > 2000


def test_the_export_never_imports_prefect(programme: Engine, tmp_path: Path) -> None:
    if programme.dialect.name != "sqlite":
        return  # what is imported does not depend on the database
    db = Path(str(programme.url.database))
    out = tmp_path / "e.xlsx"
    argv = ["export", "--from", "2026-01", "--to", "2026-07", "--out", str(out)]
    codes, imported = codes_without_prefect(db, [argv])
    assert codes == [0] and out.exists() and not imported
