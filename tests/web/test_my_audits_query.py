"""``web.queries.my_audits``: a person's audits of their latest twelve cycles, newest first, and
nobody else's (its statement is built once, its person and cycle count bound per call)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from models.db import session_scope
from models.programme import Audit, Cycle
from tests.models.test_pause_store import allocated
from web.queries import my_audits


def _fourteen_cycles_for_one_auditor(engine: Engine) -> tuple[str, str]:
    """November 2026 as allocated, plus one audit in each of the 13 months before it for the
    first audit's auditor; returns that auditor and another one."""
    with session_scope(engine) as session:
        audits = session.scalars(select(Audit).order_by(col(Audit.id))).all()
        mine = audits[0]
        other = next(a.auditor_id for a in audits if a.auditor_id != mine.auditor_id)
        for back in range(1, 14):
            year, month = divmod(2026 * 12 + 10 - back, 12)
            cycle = f"{year}-{month + 1:02d}"
            session.add(Cycle(month=cycle, theme="all", status="allocated"))
            session.flush()  # the cycle before its audit (a foreign key)
            session.add(Audit(**{**mine.model_dump(exclude={"id"}), "cycle": cycle}))
    return mine.auditor_id, other


def test_my_audits_lists_the_latest_cycles_newest_first(engine: Engine, tmp_path: Path) -> None:
    council = allocated(engine, tmp_path)
    auditor, other = _fourteen_cycles_for_one_auditor(council)
    with Session(council) as session:
        audits = my_audits(session, auditor)
        three = my_audits(session, auditor, cycles=3)
        others = my_audits(session, other)
    cycles = [a.cycle for a in audits]
    assert sorted(set(cycles), reverse=True)[:12] == list(dict.fromkeys(cycles))
    assert len(set(cycles)) == 12 and cycles[0] == "2026-11" and min(cycles) == "2025-12"
    assert {a.auditor_id for a in audits} == {auditor}
    assert {a.cycle for a in three} == {"2026-11", "2026-10", "2026-09"}
    assert others and {a.auditor_id for a in others} == {other}
