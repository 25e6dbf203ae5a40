"""Fuzzing the flags of ``audits export`` (Hypothesis) through ``audits.cli.main`` in this
process: whatever is typed, the command never crashes; it writes the workbook and says so, or
exits non-zero with one line on stderr and leaves no file (nor half of one) behind."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from tests.audits.cli_support import command_env, in_process
from tests.audits.export_support import EXPORT_PROGRAMME, build_evidence
from tests.models.test_report_store import build_programme, built_once

# Any text a shell can pass: no NUL; "\udcff" is how Python reads a byte that is not UTF-8.
junk = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=12)
junk = junk | st.just("\udcff") | st.just("-x")
# Mostly good values (so that a good share of examples write a workbook), then near misses.
good_months = st.sampled_from(["2026-01", "2026-04", "2026-06", "2026-07", "2025-12", "9999-12"])
near_months = st.sampled_from(["2026-13", "2026-1", "26-01", "2026-06-01", "٢٠٢٦-٠٦", " 2026-06"])
months = st.one_of(*[good_months] * 8, near_months, junk)
good_outs = st.sampled_from(["e.xlsx", "E.XLSX", "sub/e.xlsx"])
near_outs = st.sampled_from(["missing/e.xlsx", "e.csv", "", "sub", "sub/", "e.xlsx/"])
outs = st.one_of(*[good_outs] * 6, near_outs, junk.map(lambda text: text + ".xlsx"), junk)


@pytest.fixture(scope="module", params=["sqlite"])
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    yield from built_once(request, tmp_path_factory, build_programme, build_evidence)


@st.composite
def argv(draw: st.DrawFn) -> list[str]:
    flags = [["--from", draw(months)], ["--to", draw(months)], ["--out", draw(outs)]]
    kept = [pair for pair in flags if draw(st.sampled_from([True] * 7 + [False]))]
    order = draw(st.permutations(kept))
    return ["export", *[part for pair in order for part in pair]]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(args=argv(), as_json=st.booleans())
def test_fuzzed_flags_never_crash_and_a_refusal_writes_nothing(
    engine: Engine, tmp_path: Path, args: list[str], as_json: bool
) -> None:
    folder = tmp_path / "run"
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "sub").mkdir(parents=True)
    (folder / "programme.toml").write_text(EXPORT_PROGRAMME)
    db = Path(str(engine.url.database))
    env = command_env(db, AUDITS_PROGRAMME=str(folder / "programme.toml"))
    result = in_process([*args, *(["--json"] if as_json else [])], env, folder)
    assert "Traceback" not in result.stderr, result.stderr
    written = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
    if result.returncode != 0:
        event("refused")
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert written == ["programme.toml"]
        return
    event("written")
    (workbook,) = (name for name in written if name != "programme.toml")
    assert workbook.lower().endswith(".xlsx") and not Path(workbook).name.startswith(".")
    if as_json:
        shown = json.loads(result.stdout)  # stdout is the JSON and nothing else
        assert set(shown["sheets"]) == {"Audits", "Actions", "Compliance", "Recurring findings"}
