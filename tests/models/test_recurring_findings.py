"""The recurring findings' counts (``finding_store.tag_counts``) and the report's
``recurring_findings``, against hand counts, on SQLite and on PostgreSQL.

The programme is tests/models/test_report_store.py's (December 2025 to July 2026, March and April
paused, re-audits in May and June), with the finding tags below. The report is June 2026's: its
12 cycles run from July 2025 to June 2026, so December 2025 (before the programme's first
cycle) counts in the trend, and July 2026 (after the report) does not.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from models.figures import RecurringFinding, figures_json
from models.finding_store import add_tags, tag_counts, tags_of
from models.programme import Audit
from models.report_store import report_figures
from rules.policy import DEFAULT_FINDING_TAGS, Policy
from rules.recurring import trend_months
from tests.models.test_report_store import AUDITS, POLICY, build_programme, built_once

# key (AUDITS_TABLE's), its tags. Comments: cycle, kind, status, judgement.
TAGS = {
    "Z1": ("supervision",),  # 2025-12 audit completed good
    "R0": ("supervision", "drift_and_delay"),  # 2025-12 re-audit completed inadequate
    "A1": ("recording",),  # 2026-01 good
    "A3": ("supervision", "drift_and_delay"),  # 2026-01 inadequate
    "B2": ("drift_and_delay",),  # 2026-02 inadequate
    "C4": ("supervision",),  # 2026-05 inadequate
    "R1": ("supervision",),  # 2026-05 re-audit good
    "D1": ("supervision",),  # 2026-06 good
    "D3": ("supervision", "planning"),  # 2026-06 requires improvement
    "D4": ("supervision", "drift_and_delay"),  # 2026-06 inadequate
    "D6": ("voice_of_the_child",),  # 2026-06 outstanding
    "R3": ("drift_and_delay",),  # 2026-06 re-audit requires improvement
    "D9": ("supervision",),  # 2026-06 still allocated: not counted
    "Y2": ("planning",),  # 2026-07: after the report's month
}
TWELVE = trend_months("2026-06")


def audit_ids(session: Session) -> dict[str, int]:
    """Each AUDITS_TABLE key's audit id, by its case, cycle and kind."""
    found = {
        (a.case_ref, a.cycle, a.kind): a.id
        for a in session.scalars(select(Audit).order_by(col(Audit.id)))
    }
    ids = {}
    for key, cycle, kind, *_, case_ref in AUDITS:
        audit_id = found[(f"case-{key}" if case_ref == "-" else case_ref, cycle, kind)]
        assert audit_id is not None
        ids[key] = audit_id
    return ids


def tag_programme(engine: Engine) -> None:
    with Session(engine) as session:
        ids = audit_ids(session)
        for key, tags in TAGS.items():
            add_tags(session, ids[key], tags)
        session.commit()


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def programme(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    yield from built_once(request, tmp_path_factory, build_programme, tag_programme)


def recurring(
    engine: Engine, month: str = "2026-06", policy: Policy = POLICY
) -> list[RecurringFinding]:
    with Session(engine) as session:
        return list(report_figures(session, policy, month).recurring_findings)


def test_tag_counts_by_cycle_tag_and_judgement(programme: Engine) -> None:
    with Session(programme) as session:
        counts = tag_counts(session, TWELVE)
    assert counts == {
        ("2025-12", "supervision", "good"): 1,  # Z1
        ("2025-12", "supervision", "inadequate"): 1,  # R0, a re-audit
        ("2025-12", "drift_and_delay", "inadequate"): 1,  # R0
        ("2026-01", "recording", "good"): 1,  # A1
        ("2026-01", "supervision", "inadequate"): 1,  # A3
        ("2026-01", "drift_and_delay", "inadequate"): 1,  # A3
        ("2026-02", "drift_and_delay", "inadequate"): 1,  # B2
        ("2026-05", "supervision", "inadequate"): 1,  # C4
        ("2026-05", "supervision", "good"): 1,  # R1, a re-audit
        ("2026-06", "supervision", "good"): 1,  # D1 (D9 is not completed)
        ("2026-06", "supervision", "requires_improvement"): 1,  # D3
        ("2026-06", "supervision", "inadequate"): 1,  # D4
        ("2026-06", "planning", "requires_improvement"): 1,  # D3 (Y2 is July's)
        ("2026-06", "drift_and_delay", "inadequate"): 1,  # D4
        ("2026-06", "drift_and_delay", "requires_improvement"): 1,  # R3, a re-audit
        ("2026-06", "voice_of_the_child", "outstanding"): 1,  # D6
    }


def test_tags_of_an_audit_sorted(programme: Engine) -> None:
    with Session(programme) as session:
        ids = audit_ids(session)
        found = tags_of(session, [ids["D3"], ids["D4"], ids["D2"]])
    assert found == {
        ids["D3"]: ["planning", "supervision"],
        ids["D4"]: ["drift_and_delay", "supervision"],
    }


def _months(**counts: int) -> dict[str, int]:
    by_month = dict.fromkeys(TWELVE, 0)
    by_month.update({f"{k[1:5]}-{k[5:]}": v for k, v in counts.items()})
    return by_month


def _judged(
    outstanding: int = 0, good: int = 0, ri: int = 0, inadequate: int = 0
) -> dict[str, int]:
    return {
        "outstanding": outstanding,
        "good": good,
        "requires_improvement": ri,
        "inadequate": inadequate,
    }


def test_junes_recurring_findings_against_hand_counts(programme: Engine) -> None:
    found = recurring(programme)
    assert found[:5] == [
        # June: D1 good, D3 requires improvement, D4 inadequate. December Z1 and R0, January
        # A3, May C4 and R1: 2 + 1 + 2 + 3 = 8 in the 12 months.
        RecurringFinding("supervision", "Supervision", 3, 8,
                         _months(m202512=2, m202601=1, m202605=2, m202606=3), _judged(0, 1, 1, 1)),
        # June: D4 inadequate, R3 (a re-audit) requires improvement; December R0, January A3,
        # February B2: 5.
        RecurringFinding("drift_and_delay", "Drift and delay", 2, 5,
                         _months(m202512=1, m202601=1, m202602=1, m202606=2), _judged(0, 0, 1, 1)),
        # One each in June: voice of the child before planning, the programme file's order.
        RecurringFinding("voice_of_the_child", "Voice of the child", 1, 1,
                         _months(m202606=1), _judged(outstanding=1)),
        RecurringFinding("planning", "Planning", 1, 1, _months(m202606=1), _judged(ri=1)),
        # None in June, one in January (A1).
        RecurringFinding("recording", "Recording", 0, 1, _months(m202601=1), _judged()),
    ]  # fmt: skip
    # Every other tag, at zero, in the programme file's order.
    assert [(f.tag, f.this_month, f.last_12_months) for f in found[5:]] == [
        ("management_oversight", 0, 0),
        ("core_groups", 0, 0),
        ("chronology", 0, 0),
        ("assessment", 0, 0),
        ("multi_agency", 0, 0),
    ]
    assert all(list(f.by_month) == TWELVE for f in found)


def test_a_month_with_none_keeps_every_tag_at_zero(programme: Engine) -> None:
    # April 2026 was paused: no audits. Its 12 cycles (May 2025 to April 2026) hold December,
    # January and February's tags.
    april = {f.tag: f for f in recurring(programme, "2026-04")}
    assert set(april) == set(DEFAULT_FINDING_TAGS)
    assert all(f.this_month == 0 and sum(f.by_judgement.values()) == 0 for f in april.values())
    assert april["supervision"].last_12_months == 3  # Z1, R0, A3
    assert april["drift_and_delay"].last_12_months == 3  # R0, A3, B2
    assert list(april["supervision"].by_month)[-1] == "2026-04"


def test_only_the_programme_files_tags_are_listed(programme: Engine) -> None:
    policy = replace(POLICY, finding_tags={"planning": "Care planning", "chronology": "Chronology"})
    found = recurring(programme, policy=policy)
    assert [(f.tag, f.label, f.this_month, f.last_12_months) for f in found] == [
        ("planning", "Care planning", 1, 1),  # D3 (Y2 is July's)
        ("chronology", "Chronology", 0, 0),
    ]


def test_the_reports_json_has_the_contracts_keys(programme: Engine) -> None:
    with Session(programme) as session:
        data = figures_json(report_figures(session, POLICY, "2026-06"))
    first = data["recurring_findings"][0]
    assert list(first) == [
        "tag", "label", "this_month", "last_12_months", "by_month", "by_judgement",
    ]  # fmt: skip
    assert (first["tag"], first["this_month"], first["by_month"]["2026-06"]) == (
        "supervision",
        3,
        3,
    )
