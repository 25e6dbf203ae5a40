"""Fuzzing the flags of ``audits concern raise|acknowledge`` and ``audits concerns`` (Hypothesis)
through ``audits.cli.main`` in this process: whatever is typed, the command never crashes; it
either does what was asked or exits non-zero with one line on stderr and no concern changed.

The world is ``test_concern_cli``'s; values are drawn from good ones, near misses and arbitrary
text (with an undecodable byte).
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.programme import Audit
from tests.audits.test_concern_cli import concerns, make_world, run

# Any text a shell can pass: no NUL; "\udcff" is how Python reads a byte that is not UTF-8.
junk = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=12)
junk = junk | st.just("\udcff") | st.just("-x")
staff = st.sampled_from(["TM2", "TM1", "APS1", "SM3", "DIR1", "SW1", "TM2\n", "NOPE"]) | junk
ids = st.sampled_from(["5", "6", "0", "99", str(2**64), "٦", "1.0"]) | junk
texts = st.sampled_from(["Bruising seen", "", "  ", "a\nb", "x" * 4001, "congé"]) | junk
FUZZ = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _world(engine: Engine) -> None:
    with Session(engine) as session:
        if session.get(Audit, 6) is None:
            make_world(engine)


def _one_line_or_done(
    result: subprocess.CompletedProcess[str], before: Sequence[object], after: Sequence[object]
) -> bool:
    """True when the command was done; when it was refused, checks it said why in one line
    and changed nothing."""
    if result.returncode == 0:
        return True
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert after == before
    return False


@FUZZ
@given(audit=ids, text=texts, by=staff)
def test_any_raise_is_raised_or_refused_in_one_line(
    engine: Engine, tmp_path: Path, audit: str, text: str, by: str
) -> None:
    _world(engine)
    before = concerns(engine)
    result = run(engine, tmp_path, "concern", "raise", audit, "--text", text, "--by", by)
    if _one_line_or_done(result, before, concerns(engine)):
        assert result.stdout.startswith("Concern "), result.stdout
        assert len(concerns(engine)) == len(before) + 1
        assert by in ("TM2", "APS1") or (audit == "5" and by == "TM1")


@FUZZ
@given(concern=ids, note=texts, by=staff)
def test_any_acknowledgement_is_done_or_refused_in_one_line(
    engine: Engine, tmp_path: Path, concern: str, note: str, by: str
) -> None:
    _world(engine)
    raised = run(engine, tmp_path, "concern", "raise", "6", "--text", "Seen", "--by", "TM2")
    assert raised.returncode == 0, raised.stderr
    before = concerns(engine)
    result = run(engine, tmp_path, "concern", "acknowledge", concern, "--note", note, "--by", by)
    if _one_line_or_done(result, before, concerns(engine)):
        assert result.stdout.startswith(f"Concern {concern} ")
        assert by in ("APS1", "SM3") or by.startswith("TM3")


@FUZZ
@given(status=st.sampled_from(["open", "acknowledged"]) | junk)
def test_any_listing_lists_or_is_refused_in_one_line(
    engine: Engine, tmp_path: Path, status: str
) -> None:
    result = run(engine, tmp_path, "concerns", "--status", status, "--json")
    if result.returncode == 0:
        assert json.loads(result.stdout) == []  # no concern in an empty database
    else:
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
