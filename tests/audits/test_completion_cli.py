"""``audits complete`` with findings, reflection and feedback, and ``audits import completions``,
through ``audits.cli.main`` in this process."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import Session, col

from config.settings import load_policy
from flows.allocate import allocate_cycle
from importer import import_cases, import_staff
from models import Audit, Feedback, Reflection, ThemeFinding
from models.db import make_engine, migrate, session_scope
from tests.audits.test_email_cli import REPO, run
from tests.importer.helpers import dump

EXAMPLES = REPO / "examples"


def stored(db: Path, audit_id: int) -> tuple[Audit, list[ThemeFinding], Reflection | None, list]:
    engine = make_engine(f"sqlite:///{db}")
    with Session(engine) as session:
        audit = session.get(Audit, audit_id)
        assert audit is not None
        findings = list(
            session.scalars(select(ThemeFinding).where(col(ThemeFinding.audit_id) == audit_id))
        )
        feedback = list(session.scalars(select(Feedback).where(col(Feedback.audit_id) == audit_id)))
        result = (audit, findings, session.get(Reflection, audit_id), feedback)
    engine.dispose()
    return result


FULL = (
    "complete", "1", "--on", "2026-11-20", "--judgement", "inadequate",
    "--finding", "cin=CiN visits late; supervision not addressing it",
    "--finding", "missing=No return home interviews",
    "--done-well", "Visits took place", "--challenges", "Three changes of worker",
    "--enough-tools", "No", "--do-differently", "Escalate drift sooner",
    "--feedback", "parent:improvement:Nobody told us: the plan changed",
    "--feedback", "partner_agency:strength:Good joint visit",
    "--json",
)  # fmt: skip


def test_complete_records_findings_reflection_and_feedback(db: Path) -> None:
    result = run(db, *FULL)
    assert result.returncode == 0, result.stderr
    row = json.loads(result.stdout)
    assert (row["audit_id"], row["status"], row["judgement"]) == (1, "completed", "inadequate")
    assert (row["themes"], row["reflection"], row["feedback"]) == (["cin", "missing"], True, 2)
    assert row["reaudit_cycle"] == "2027-02"  # three months after November's cycle
    audit, findings, reflection, feedback = stored(db, 1)
    assert audit.status == "completed"
    assert [(f.theme, f.descriptor) for f in findings] == [
        ("cin", "CiN visits late; supervision not addressing it"),
        ("missing", "No return home interviews"),
    ]
    assert reflection is not None and reflection.do_differently == "Escalate drift sooner"
    # The feedback's text may itself hold a colon: only the first two separate.
    assert [(f.source, f.kind, f.text) for f in feedback] == [
        ("parent", "improvement", "Nobody told us: the plan changed"),
        ("partner_agency", "strength", "Good joint visit"),
    ]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--finding", "cin visits late"), "--finding must be THEME=DESCRIPTOR"),
        (("--finding", "visits=late"), "unknown theme 'visits'"),
        (("--finding", "cin="), "the descriptor for cin is blank"),
        (("--feedback", "parent:strength"), "--feedback must be SOURCE:KIND:TEXT"),
        (("--feedback", "teacher:strength:ok"), "feedback source must be one of parent"),
        (("--feedback", "child:complaint:ok"), "feedback kind must be one of strength"),
        (("--done-well", "Visits"), "the reflection needs all four answers: challenges,"),
    ],
)
def test_bad_details_are_one_line_and_change_nothing(
    db: Path, extra: tuple[str, ...], message: str
) -> None:
    engine = make_engine(f"sqlite:///{db}")
    before = dump(engine)
    result = run(db, "complete", "2", "--on", "2026-11-20", "--judgement", "good", *extra)
    assert result.returncode != 0
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert dump(engine) == before
    engine.dispose()


def test_complete_help_names_every_flag(db: Path) -> None:
    result = run(db, "complete", "--help")
    for flag in (
        "--on",
        "--judgement",
        "--finding THEME=DESCRIPTOR",
        "--done-well TEXT",
        "--challenges TEXT",
        "--enough-tools TEXT",
        "--do-differently TEXT",
        "--feedback SOURCE:KIND:TEXT",
        "--json",
    ):
        assert flag in result.stdout


@pytest.fixture
def example_db(tmp_path: Path) -> Path:
    """The README's steps: the example staff and cases imported, November 2026 allocated."""
    db = tmp_path / "audits.db"
    engine = make_engine(f"sqlite:///{db}")
    migrate(engine)
    with session_scope(engine) as session:
        import_staff(session, EXAMPLES / "staff.csv", date(2026, 10, 20))
    with session_scope(engine) as session:
        import_cases(session, EXAMPLES / "cases.csv", date(2026, 10, 20))
    with session_scope(engine, write_lock=True) as session:
        allocate_cycle(session, load_policy(REPO / "config" / "programme.toml"), "2026-11", None)
    engine.dispose()
    return db


def test_import_completions_of_the_example(example_db: Path) -> None:
    path = str(EXAMPLES / "completions.csv")
    result = run(example_db, "import", "completions", path, "--on", "2026-11-30")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        f"Imported 5 completion rows from {path}: 5 recorded, 0 already recorded (unchanged); "
        "2 call for a re-audit"
    )
    listed = json.loads(run(example_db, "list", "--month", "2026-11", "--json").stdout)
    assert sum(a["status"] == "completed" for a in listed) == 5
    again = run(example_db, "import", "completions", path, "--on", "2026-11-30")
    assert "0 recorded, 5 already recorded (unchanged)" in again.stdout


def test_a_bad_completions_file_is_refused_whole(example_db: Path, tmp_path: Path) -> None:
    lines = (EXAMPLES / "completions.csv").read_text().splitlines()
    lines[2] = lines[2].replace(",inadequate,", ",dreadful,")
    lines[4] = lines[4].replace("C100025,2026-11", "C100025,2026-13")
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines) + "\n")
    engine = make_engine(f"sqlite:///{example_db}")
    before = dump(engine)
    result = run(example_db, "import", "completions", str(bad), "--on", "2026-11-30")
    assert result.returncode != 0
    assert result.stderr.splitlines() == [
        f"{bad}:3:judgement: 'dreadful' is not one of outstanding, good, requires_improvement, "
        "inadequate",
        f"{bad}:5:cycle: '2026-13' is not a month written YYYY-MM",
        f"audits: error: {bad}: 2 problem(s) found; nothing was imported",
    ]
    assert dump(engine) == before
    engine.dispose()
