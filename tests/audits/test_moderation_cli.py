"""``audits moderation sample`` and ``audits moderate`` on SQLite and PostgreSQL: the JSON
contracts key by key, the sample kept and emailed once, who may moderate, the auditor's email
on a disagreement, re-audits following the moderated judgement, and the report's figures too.

The world, made by hand (every cycle allocated; cases in North A, Team Managers in South B):

- May 2026: audit 1 (C-1, TM1, good), audit 2 (C-2, TM1, inadequate), audit 3 (C-3, TM2,
  requires improvement), all completed on 28 May; audit 4 (C-4, TM3) still allocated.
- Audit 2's re-audit 5 (September, TM2, allocated); audit 3's re-audit 6 (August, TM3,
  completed good); audit 7 (August, C-4, completed by APS2, a rule's test).
- APS1 and APS2 are the APS team, APS3 an APS member who left (inactive).

May's sample: 10% of 3 is 1, the first in the draw order, audit 3 (TM2); then TM1's first, audit
1 (sha256 of "moderation:2026-05:<id>": 3 -> 05e4ed4f, 1 -> b9e2d6e3, 2 -> f373d0dc).
"""

from __future__ import annotations

import json
from datetime import date
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from config.settings import load_policy
from models.cases import Case
from models.db import session_scope
from models.moderation import Moderation, ModerationSample
from models.people import Staff, Team
from models.programme import Audit, Cycle
from models.report_store import report_figures
from tests.audits.cli_support import REPO
from tests.audits.engine_cli import emails, ok, refused_leaving, run

MAY = "2026-05"


def make_world(engine: Engine) -> None:
    with session_scope(engine) as session:
        session.add_all([Team(name="North A", service_area="North"),
                         Team(name="South B", service_area="South")])  # fmt: skip
        session.flush()
        for staff_id, name, role, active in (
            ("SM1", "Sam Manager", "service_manager", True),
            ("TM1", "Terry Auditor", "team_manager", True),
            ("TM2", "Toni Second", "team_manager", True),
            ("TM3", "Tal Third", "team_manager", True),
            ("TM4", "Tam Fourth", "team_manager", True),
            ("APS1", "Ash Aps", "aps", True),
            ("APS2", "Bo Aps", "aps", True),
            ("APS3", "Cy Left", "aps", False),
        ):
            team = "South B" if role != "aps" else None
            session.add(Staff(staff_id=staff_id, name=name, email=f"{staff_id.lower()}@x.test",
                              role=role, team=team, active=active))  # fmt: skip
        session.flush()
        for n in range(1, 5):
            session.add(Case(case_ref=f"C-{n}", team="North A", status="open"))
        for month in (MAY, "2026-08", "2026-09"):
            session.add(Cycle(month=month, theme="all", status="allocated"))
        session.add(Cycle(month="2026-12", theme="all", status="planned"))
        session.flush()
        done = {"status": "completed", "completed_on": date(2026, 5, 28)}
        session.add_all([
            _audit(1, MAY, "C-1", "TM1", judgement="good", **done),
            _audit(2, MAY, "C-2", "TM1", judgement="inadequate", **done),
            _audit(3, MAY, "C-3", "TM2", judgement="requires_improvement", **done),
            _audit(4, MAY, "C-4", "TM3"),
        ])  # fmt: skip
        session.flush()
        session.add_all([
            _audit(5, "2026-09", "C-2", "TM2", kind="reaudit", parent_audit_id=2),
            _audit(6, "2026-08", "C-3", "TM3", kind="reaudit", parent_audit_id=3,
                   status="completed", completed_on=date(2026, 8, 20), judgement="good"),
            _audit(7, "2026-08", "C-4", "APS2", status="completed",
                   completed_on=date(2026, 8, 21), judgement="good"),
        ])  # fmt: skip
        session.flush()
        if world_is_postgres(session):  # ids given by hand: the next new audit's follows them
            session.execute(text("SELECT setval(pg_get_serial_sequence('audit', 'id'), 7)"))


def world_is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _audit(id: int, cycle: str, case: str, auditor: str, **fields: Any) -> Audit:
    allocated = date.fromisoformat(f"{cycle}-01")
    return Audit(
        id=id, cycle=cycle, case_ref=case, auditor_id=auditor, cohort="cin",
        allocated_on=allocated, due_on=allocated.replace(day=28),
        original_due_on=allocated.replace(day=28), auditor_team="South B",
        auditor_service_area="South", case_team="North A", case_service_area="North", **fields,
    )  # fmt: skip


def state(engine: Engine) -> tuple[Any, ...]:
    """What a refused command must leave as it was: moderations, the sample, the audits."""
    with Session(engine) as session:
        moderations = session.execute(select(col(Moderation.audit_id))).all()
        kept = session.execute(select(col(ModerationSample.audit_id))).all()
        audits = session.execute(
            select(col(Audit.id), col(Audit.status), col(Audit.judgement)).order_by(col(Audit.id))
        ).all()
        return tuple(moderations), tuple(kept), tuple(audits)


def refused(engine: Engine, folder: Path, *args: str) -> str:
    return refused_leaving(engine, folder, state, *args)


def body(message: Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode()
    raise AssertionError("no text part")


def moderate(engine: Engine, folder: Path, audit_id: int, judgement: str, by: str = "APS1") -> Any:
    note = "Plan reviewed; visits were late"
    flags = ["--judgement", judgement, "--note", note, "--by", by, "--on", "2026-06-10"]
    return ok(engine, folder, "moderate", str(audit_id), *flags)


@pytest.fixture(params=["sqlite", "postgresql"])
def world(request: pytest.FixtureRequest) -> Engine:
    engine: Engine = request.getfixturevalue("engine" if request.param == "sqlite" else "pg_engine")
    make_world(engine)
    return engine


def test_the_sample_is_drawn_kept_and_emailed_once(world: Engine, tmp_path: Path) -> None:
    sample = ok(world, tmp_path, "moderation", "sample", "--month", MAY, "--on", "2026-06-05")
    assert sample == [
        {"audit_id": 1, "case_ref": "C-1", "auditor_id": "TM1", "judgement": "good"},
        {"audit_id": 3, "case_ref": "C-3", "auditor_id": "TM2",
         "judgement": "requires_improvement"},
    ]  # fmt: skip
    with Session(world) as session:
        kept = session.scalars(select(ModerationSample).order_by(col(ModerationSample.audit_id)))
        assert [(k.audit_id, k.reason, k.sampled_on) for k in kept] == [
            (1, "auditor", date(2026, 6, 5)), (3, "percent", date(2026, 6, 5))
        ]  # fmt: skip
    sent = emails(tmp_path)
    assert sorted(m["To"] for m in sent) == ["aps1@x.test", "aps2@x.test"]  # not APS3: left
    text = body(sent[0])
    assert "C-1" in text and "C-3" in text and text.count("/links/") == 2
    assert "/aps/moderation?month=2026-05" in text
    # The same audits again: the same sample, nothing new kept or sent.
    assert ok(world, tmp_path, "moderation", "sample", "--month", MAY) == sample
    assert len(emails(tmp_path)) == 2
    readable = run(world, tmp_path, "moderation", "sample", "--month", MAY)
    assert readable.stdout.splitlines()[-1] == "2 audits to moderate in 2026-05"
    # Once an audit is moderated to another judgement, the sample still lists the auditor's.
    moderate(world, tmp_path, 1, "inadequate")
    assert ok(world, tmp_path, "moderation", "sample", "--month", MAY) == sample


def test_months_with_nothing_to_sample(world: Engine, tmp_path: Path) -> None:
    assert ok(world, tmp_path, "moderation", "sample", "--month", "2026-09") == []  # none done
    assert not (tmp_path / "outbox").exists() or not emails(tmp_path)  # an empty list: no email
    assert "there is no cycle 2031-01" in refused(
        world, tmp_path, "moderation", "sample", "--month", "2031-01"
    )
    assert "2026-12 has not been allocated" in refused(
        world, tmp_path, "moderation", "sample", "--month", "2026-12"
    )
    assert "--month" in refused(world, tmp_path, "moderation", "sample", "--month", "2026-13")


def test_agreement_emails_nobody_and_refusals_change_nothing(world: Engine, tmp_path: Path) -> None:
    agreed = moderate(world, tmp_path, 1, "good")
    assert agreed == {"audit_id": 1, "auditor_id": "TM1", "auditor_judgement": "good",
                      "moderated_judgement": "good", "agreed": True}  # fmt: skip
    assert not (tmp_path / "outbox").exists() or not emails(tmp_path)
    base = ["--judgement", "good", "--note", "Read again", "--on", "2026-06-10"]
    assert "moderated on 2026-06-10 by APS1: an audit is moderated once" in refused(
        world, tmp_path, "moderate", "1", *base, "--by", "APS2"
    )
    assert "only the APS team moderates" in refused(
        world, tmp_path, "moderate", "2", *base, "--by", "TM3"
    )
    assert "only the APS team moderates" in refused(  # APS3 has left
        world, tmp_path, "moderate", "2", *base, "--by", "APS3"
    )
    assert "never moderates their own" in refused(
        world, tmp_path, "moderate", "7", *base, "--by", "APS2"
    )
    assert "the audit is allocated" in refused(
        world, tmp_path, "moderate", "4", *base, "--by", "APS1"
    )
    assert "there is no audit 99" in refused(
        world, tmp_path, "moderate", "99", *base, "--by", "APS1"
    )
    assert "no member of staff NOPE" in refused(
        world, tmp_path, "moderate", "2", *base, "--by", "NOPE"
    )
    assert "a note is needed" in refused(
        world, tmp_path, "moderate", "2", "--judgement", "good", "--note", "  ", "--by", "APS1"
    )
    assert "--judgement" in refused(
        world, tmp_path, "moderate", "2", "--judgement", "fine", "--note", "x", "--by", "APS1"
    )


def test_moderated_into_reaudit_on_schedules_one_and_the_report_follows(
    world: Engine, tmp_path: Path
) -> None:
    policy = load_policy(REPO / "config" / "programme.toml")
    with Session(world) as session:
        before = report_figures(session, policy, MAY).judgements_by_month[MAY]
    assert before == {"outstanding": 0, "good": 1, "requires_improvement": 1, "inadequate": 1}
    changed = moderate(world, tmp_path, 1, "inadequate")
    assert changed == {"audit_id": 1, "auditor_id": "TM1", "auditor_judgement": "good",
                       "moderated_judgement": "inadequate", "agreed": False}  # fmt: skip
    with Session(world) as session:
        after = report_figures(session, policy, MAY).judgements_by_month[MAY]
        [reaudit] = session.scalars(select(Audit).where(col(Audit.parent_audit_id) == 1)).all()
        kept = session.scalars(select(Moderation)).one()
    assert after == {"outstanding": 0, "good": 0, "requires_improvement": 1, "inadequate": 2}
    assert (reaudit.kind, reaudit.status, reaudit.cycle) == ("reaudit", "allocated", "2026-08")
    assert reaudit.auditor_id == "TM1"  # rules.reaudits: the auditor audits it again
    assert (kept.auditor_judgement, kept.moderated_judgement, kept.cycle) == (
        "good", "inadequate", MAY
    )  # fmt: skip
    listed = ok(world, tmp_path, "list", "--month", "2026-08")
    assert reaudit.id in [a["audit_id"] for a in listed]
    sent = emails(tmp_path)
    assert [m["To"] for m in sent] == ["tm1@x.test", "tm1@x.test"]
    # August is allocated: the re-audit's allocation email; and the moderation, with the note.
    subjects = sorted(m["Subject"] for m in sent)
    assert "was moderated: Inadequate" in subjects[1] and "C-1" in subjects[0]
    told = body(next(m for m in sent if "moderated" in m["Subject"]))
    assert "Plan reviewed; visits were late" in told and "C-1" in told
    assert "Good" in told and "Inadequate" in told and "/audits/1" in told


def test_moderated_out_withdraws_a_reaudit_to_do_and_leaves_a_completed_one(
    world: Engine, tmp_path: Path
) -> None:
    moderate(world, tmp_path, 2, "good")
    moderate(world, tmp_path, 3, "outstanding")
    with Session(world) as session:
        statuses = {a.id: a.status for a in session.scalars(select(Audit))}
    assert statuses[5] == "withdrawn" and statuses[6] == "completed"
    to_tm2 = [m for m in emails(tmp_path) if m["To"] == "tm2@x.test"]
    subjects = sorted(m["Subject"] for m in to_tm2)
    assert any("Re-audit 5 (case C-2) has been withdrawn" in s for s in subjects)
    assert any("audit 3 (case C-3) was moderated" in s for s in subjects)
    withdrawn = next(m for m in to_tm2 if "withdrawn" in m["Subject"])
    invites = [p for p in withdrawn.walk() if p.get_content_type() == "text/calendar"]
    assert [p.get_param("method") for p in invites] == ["CANCEL"]
    assert b"METHOD:CANCEL" in invites[0].get_payload(decode=True)
    assert sorted(m["To"] for m in emails(tmp_path)).count("tm1@x.test") == 1  # audit 2's


def fresh_world(engine: Engine) -> None:
    """The world, made once for the examples of a fuzz test (they share the test's database)."""
    with Session(engine) as session:
        made = session.get(Audit, 1) is not None
    if not made:
        make_world(engine)


FLAG_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    flag=st.sampled_from(["--judgement", "--note", "--by", "--on", "AUDIT_ID"]),
    value=FLAG_TEXT | st.sampled_from(["2026-06-31", "٢", "", "\x00", "APS1\n", "0", "-1"]),
)
def test_any_moderate_flag_is_recorded_or_refused_in_one_line(
    engine: Engine, tmp_path: Path, flag: str, value: str
) -> None:
    fresh_world(engine)
    with session_scope(engine) as session:  # audit 2 may be moderated again in each example
        session.execute(Moderation.__table__.delete())  # type: ignore[attr-defined]
    good = {"--judgement": "good", "--note": "Read", "--by": "APS1", "--on": "2026-06-10"}
    audit = value if flag == "AUDIT_ID" else "2"
    args = [item for name, v in {**good, flag: value}.items() if name != "AUDIT_ID"
            for item in (name, v)]  # fmt: skip
    result = run(engine, tmp_path, "moderate", audit, *args)
    if result.returncode == 0:
        assert result.stdout.startswith("Audit 2 moderated"), result.stdout
    else:
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(month=FLAG_TEXT | st.sampled_from(["2026-05", "2026-5", "2026-09"]), on=FLAG_TEXT)
def test_any_sample_flags_draw_or_are_refused_in_one_line(
    engine: Engine, tmp_path: Path, month: str, on: str
) -> None:
    fresh_world(engine)
    result = run(engine, tmp_path, "moderation", "sample", "--month", month, "--on", on, "--json")
    if result.returncode == 0:
        assert {tuple(row) for row in json.loads(result.stdout)} <= {SAMPLE_KEYS_ROW}
    else:
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr


SAMPLE_KEYS_ROW = ("audit_id", "case_ref", "auditor_id", "judgement")


def test_show_gives_the_moderation_and_the_auditors_own_judgement(
    world: Engine, tmp_path: Path
) -> None:
    assert ok(world, tmp_path, "show", "1", "--json")["moderation"] is None
    moderate(world, tmp_path, 1, "inadequate")
    shown = ok(world, tmp_path, "show", "1", "--json")
    assert shown["judgement"] == "inadequate"
    assert shown["moderation"] == {
        "auditor_judgement": "good",
        "moderated_judgement": "inadequate",
        "agreed": False,
        "moderated_by": "APS1",
        "moderated_on": "2026-06-10",
        "note": "Plan reviewed; visits were late",
    }
    summary = run(world, tmp_path, "show", "1").stdout
    assert "moderated 2026-06-10 by" in summary and "inadequate (was good)" in summary
