"""Every flag fed rubbish: the command exits non-zero with one line on stderr, prints nothing on
stdout, and changes nothing. Several of these once ended in a traceback (an id above 2**63 - 1
overflowed SQLite; a year near 1 or 9999 ran the working-day arithmetic off the calendar; a
report folder that could not be made failed inside the flow) or were taken (Arabic-Indic
digits as an id or a date, "20261127" as a date, "2026-11\\n" as a month)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audits.cli import build_parser
from models.db import make_engine
from tests.audits.cli_support import REPO
from tests.importer.helpers import dump

BIG = str(2**64)
SURROGATE = "text\udcff"  # what Python makes of an argument's bytes that are not UTF-8
REQUEST = ["--reason", "x", "--by", "APS01"]
RUBBISH: list[tuple[list[str], str]] = [
    (["import", "cases", "examples/cases.csv", "--on", "20261127"], "argument --on"),
    (["import", "staff", "examples/staff.csv", "--on", "0001-01-01"], "argument --on"),
    (["import", "completions", SURROGATE], "FILE contains"),
    (["import", "cases", "/dev/null/x.csv"], "/dev/null/x.csv"),
    (["allocate", "--month", "٢٠٢٦-١١"], "argument --month"),
    (["allocate", "--month", "9999-12"], "argument --month"),
    (["allocate", "--month", "2026-11\n"], "argument --month"),
    (["allocate", "--month", "2026-11", "--theme", "\x01"], "argument --theme"),
    (["explain", "--month", "2026-1"], "argument --month"),
    (["list", "--month", " 2026-11"], "argument --month"),
    (["chase", "--date", "2026-W48-5"], "argument --date"),
    (["chase", "--date", "9999-12-31"], "argument --date"),
    (["complete", BIG, "--on", "2026-11-20", "--judgement", "good"], "argument AUDIT_ID"),
    (["complete", "٣", "--on", "2026-11-20", "--judgement", "good"], "argument AUDIT_ID"),
    (["complete", "2", "--on", "2026-11-2²", "--judgement", "good"], "argument --on"),
    (["complete", "2", "--on", "2026-11-20", "--judgement", "fine"], "argument --judgement"),
    (["complete", "2", "--on", "2026-11-20", "--judgement", "good", "--finding", SURROGATE],
     "--finding contains"),
    (["complete", "2", "--on", "2026-11-20", "--judgement", "good", "--feedback", "a:b"],
     "--feedback"),
    (["complete", "2", "--on", "2026-11-20", "--judgement", "good", "--tag", SURROGATE],
     "--tag contains"),
    (["complete", "2", "--on", "2026-11-20", "--judgement", "good", "--tag", "x" * 500],
     "unknown finding tag 'xxxxxxxx"),
    (["outbox", "--status", "lost"], "argument --status"),
    (["extension", "request", BIG, "--until", "2026-12-03", *REQUEST], "argument AUDIT_ID"),
    (["extension", "request", "-1", "--until", "2026-12-03", *REQUEST], "AUDIT_ID"),
    (["extension", "request", "2", "--until", "2026-12-3", *REQUEST], "argument --until"),
    (["extension", "request", "2", "--until", "2026-12-03", *REQUEST, "--on", "tomorrow"],
     "argument --on"),
    (["extension", "request", "2", "--until", "2026-12-03", "--reason", SURROGATE, "--by",
      "APS01"], "--reason contains"),
    (["extension", "request", "2", "--until", "2026-12-03", "--reason", "x", "--by", "NOPE"],
     "NOPE"),
    (["extension", "decide", "1_000", "--approve", "--note", "x", "--by", "APS01"],
     "argument REQUEST_ID"),
    (["extension", "decide", "1", "--approve", "--until", "0001-01-01", "--note", "x", "--by",
      "APS01"], "argument --until"),
    (["exemption", "request", "2", "--category", "holiday", *REQUEST], "argument --category"),
    (["exemption", "decide", BIG, "--approve", "--withdraw", "--note", "x", "--by", "APS01"],
     "argument REQUEST_ID"),
    (["exemption", "decide", "1", "--approve", "--reallocate-to", SURROGATE, "--note", "x",
      "--by", "APS01"], "--reallocate-to contains"),
    (["pause", "--from", "0001-01-01", "--to", "0001-01-02", "--reason", "x"], "argument --from"),
    (["pause", "--from", "2030-01-01", "--to", "9999-12-31", "--reason", "x"], "argument --to"),
    (["pause", "--from", "2030-01-01", "--to", "2030-01-02", "--reason", SURROGATE],
     "--reason contains"),
    (["pause", "--from", "2030-01-01", "--to", "2030-01-02", "--reason", "x", "--note",
      SURROGATE], "--note contains"),
    (["resume", "--on", "٢٠٣٠-٠١-٠١"], "argument --on"),
    (["resume", "--by", SURROGATE], "--by contains"),
    (["recommend", "--month", "2026-11", "--text", "x", "--number", BIG, "--by", "APS01"],
     "argument --number"),
    (["recommend", "--month", "2026-11", "--text", "x", "--number", "²", "--by", "APS01"],
     "argument --number"),
    (["recommend", "--month", "2026-11", "--number", "0", "--remove", "--by", "APS01"],
     "argument --number"),
    (["recommend", "--month", "2026-11", "--text", SURROGATE, "--by", "APS01"], "--text contains"),
    (["recommendations", "--month", "2026-11x"], "argument --month"),
    (["commentary", "--month", "2026-11", "--theme", "nope", "--text", "x", "--by", "APS01"],
     "argument --theme"),
    (["report", "--month", "2026-11", "--out", "/dev/null/report"], "--out: cannot make"),
    (["report", "--month", "0001-01", "--out", "report"], "argument --month"),
    (["report", "approve", "--month", "2026-11\n", "--by", "APS01"], "argument --month"),
    (["report", "approve", "--month", "2026-11", "--by", SURROGATE], "--by contains"),
    (["report", "approve", "--month", "2026-11", "--by", "NOPE"], "NOPE"),
    (["web", "--port", "99999"], "argument --port"),
    (["web", "--port", "٨٠٠٠"], "argument --port"),
    (["serve", "--web-port", "0"], "argument --web-port"),
    (["serve", "--prefect-port", BIG], "argument --prefect-port"),
    (["demo", "--seed", "-1"], "argument --seed"),
    (["demo", "--month", "2026-13"], "argument --month"),
    (["demo", "--out", "/dev/null/demo"], "--out: cannot make"),
    (["leave", "list", "x\ny"], "unrecognized arguments: x\\ny"),
]  # fmt: skip

RUN_EACH = """
import contextlib, io, json, sys
from audits.cli import main
results = []
for argv in json.loads(sys.stdin.read()):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as stop:
            code = stop.code
    results.append([code, out.getvalue(), err.getvalue()])
print(json.dumps(results))
"""


@pytest.fixture(scope="module")
def outcomes(allocated_db: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list]:
    """Every command of RUBBISH, each through ``audits.cli.main`` in one fresh interpreter on
    a copy of the allocated database (a command each in its own process would take a minute)."""
    db = tmp_path_factory.mktemp("rubbish") / "audits.db"
    db.write_bytes(allocated_db.read_bytes())
    engine = make_engine(f"sqlite:///{db}")
    before = dump(engine)
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}  # nothing may run
    env["AUDITS_DATABASE_URL"] = f"sqlite:///{db}"
    env["AUDITS_PROGRAMME"] = str(REPO / "config" / "programme.toml")
    argvs = json.dumps([argv for argv, _ in RUBBISH], ensure_ascii=True)
    result = subprocess.run(
        [sys.executable, "-c", RUN_EACH],
        input=argvs.encode("ascii"),
        env=env,
        cwd=db.parent,
        capture_output=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    results = json.loads(result.stdout)
    assert dump(engine) == before, "a refused command changed the database"
    engine.dispose()
    return {" ".join(argv): outcome for (argv, _), outcome in zip(RUBBISH, results, strict=True)}


@pytest.mark.parametrize(
    ("argv", "named"),
    RUBBISH,
    ids=[" ".join(argv).encode("ascii", "replace").decode() for argv, _ in RUBBISH],
)
def test_rubbish_is_one_line_naming_what_is_wrong(
    outcomes: dict[str, list], argv: list[str], named: str
) -> None:
    code, out, err = outcomes[" ".join(argv)]
    assert code not in (0, None)
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got:\n{err}"
    assert lines[0].startswith("audits") and named in lines[0]


# The flags' readers, fed anything: either a value the programme can use, or one line.
# (argv with TEXT where the value goes, the attribute it lands in, what it must then be)
READERS = [
    (["chase", "--date", "TEXT"], "date", "date"),
    (["resume", "--on", "TEXT"], "on", "date"),
    (["import", "cases", "f.csv", "--on", "TEXT"], "on", "date"),
    (["list", "--month", "TEXT"], "month", "month"),
    (["recommendations", "--month", "TEXT"], "month", "month"),
    (["report", "approve", "--month", "TEXT", "--by", "APS01"], "month", "month"),
    (["complete", "TEXT", "--on", "2026-11-20", "--judgement", "good"], "audit_id", "id"),
    (["web", "--port", "TEXT"], "port", "port"),
]
TEXTS = st.text(max_size=20) | st.from_regex(r"[0-9]{4}-[0-9]{2}(-[0-9]{2})?\s?", fullmatch=True)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(text=TEXTS)
def test_any_text_for_a_date_month_id_or_port_is_used_or_refused_in_one_line(
    text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    parser = build_parser()
    for template, attribute, kind in READERS:
        argv = [text if part == "TEXT" else part for part in template]
        try:
            value = getattr(parser.parse_args(argv), attribute)
        except SystemExit as stop:
            assert stop.code == 2
            assert len(capsys.readouterr().err.splitlines()) == 1
            continue
        assert text.isascii(), f"{argv} read {text!r} as {value!r}"
        if kind == "date":
            assert value.isoformat() == text and date(1900, 1, 1) <= value <= date(2199, 12, 31)
        elif kind == "month":
            assert value == text and "1900-01" <= text <= "2199-12"
        else:
            assert value == int(text) and text.isdigit() and value >= 1
