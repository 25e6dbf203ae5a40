"""``audits action add``, ``audits action done`` and ``audits actions``: the JSON contracts key by
key on SQLite and PostgreSQL, the owner's email, one-line refusals that change nothing, and any
flag value shown or refused in one line.

The world is ``test_show_cli``'s hand-made one: audit 5 (May 2026, completed by TM1) and its
re-audit 6 (September 2026, allocated to TM2); TM1 and TM2 are Team Managers whose line manager
is SM1; APS1 is the APS team.
"""

from __future__ import annotations

import json
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.actions import AuditAction
from models.programme import Audit
from tests.audits.engine_cli import emails, ok, refused_leaving, run
from tests.audits.test_show_cli import make_audit


def refused(engine: Engine, folder: Path, *args: str) -> str:
    """A command that must be refused: non-zero, one line on stderr, no action changed."""
    return refused_leaving(engine, folder, _actions, *args)


def _actions(engine: Engine) -> list[tuple[Any, ...]]:
    with Session(engine) as session:
        rows = session.scalars(select(AuditAction).order_by(AuditAction.id)).all()  # type: ignore[arg-type]
        return [(a.id, a.status, a.done_on, a.done_note, a.due_on) for a in rows]


def add(
    engine: Engine, folder: Path, *extra: str, owner: str = "TM1", due: str = "2026-09-30"
) -> Any:
    return ok(
        engine, folder, "action", "add", "6", "--text", "Hold a core group within 10 days",
        "--owner", owner, "--due", due, "--by", "TM2", "--on", "2026-09-10", *extra,
    )  # fmt: skip


def body(message: Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode()
    raise AssertionError("no text part")


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_set_list_and_mark_done(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    engine: Engine = request.getfixturevalue("engine" if backend == "sqlite" else "pg_engine")
    make_audit(engine)
    first = add(engine, tmp_path)
    assert first == {
        "action_id": first["action_id"], "audit_id": 6, "case_ref": "C-77", "owner_id": "TM1",
        "due_on": "2026-09-30", "status": "open",
    }  # fmt: skip
    second = add(engine, tmp_path, owner="SM1", due="2026-10-02")
    sent = emails(tmp_path)
    assert sorted(m["To"] for m in sent) == ["sm1@x.test", "tm1@x.test"]
    text = body(next(m for m in sent if m["To"] == "tm1@x.test"))
    assert "C-77" in text and "Hold a core group" not in text  # free text stays behind the link
    assert "Wed 30 Sep 2026" in text and "Toni Reauditor" in text and "/links/" in text

    listed = ok(engine, tmp_path, "actions", "--on", "2026-10-01")
    assert listed == [
        {**first, "status": "overdue", "done_on": None},
        {**second, "done_on": None},
    ]
    assert ok(engine, tmp_path, "actions", "--status", "overdue", "--on", "2026-10-01") == [
        {**first, "status": "overdue", "done_on": None}
    ]
    assert ok(engine, tmp_path, "actions", "--owner", "SM1", "--on", "2026-09-11") == [
        {**second, "done_on": None}
    ]
    # The owner's line manager marks it done.
    done = ok(engine, tmp_path, "action", "done", str(first["action_id"]), "--on", "2026-10-05",
              "--note", "Core group held 2 Oct", "--by", "SM1")  # fmt: skip
    assert done == {**first, "status": "done", "done_on": "2026-10-05"}
    assert ok(engine, tmp_path, "actions", "--status", "done", "--on", "2026-12-01") == [done]
    assert [a["action_id"] for a in ok(engine, tmp_path, "actions", "--status", "open")] == [
        second["action_id"]
    ]
    readable = run(engine, tmp_path, "actions", "--on", "2026-10-06")
    assert readable.returncode == 0
    assert readable.stdout.splitlines()[0].split() == [
        "action_id", "audit_id", "case_ref", "owner_id", "due_on", "status", "done_on",
    ]  # fmt: skip
    assert readable.stdout.splitlines()[-1] == "2 actions"


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_refusals_are_one_line_and_change_nothing(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    engine: Engine = request.getfixturevalue("engine" if backend == "sqlite" else "pg_engine")
    make_audit(engine)
    base = ["action", "add", "6", "--text", "Plan", "--on", "2026-09-10"]
    assert "TM1 cannot set actions on audit 6" in refused(
        engine, tmp_path, *base, "--owner", "TM1", "--due", "2026-09-30", "--by", "TM1"
    )
    assert "APS1 cannot own an action" in refused(
        engine, tmp_path, *base, "--owner", "APS1", "--due", "2026-09-30", "--by", "APS1"
    )
    assert "no member of staff NOPE" in refused(
        engine, tmp_path, *base, "--owner", "NOPE", "--due", "2026-09-30", "--by", "TM2"
    )
    assert "working day" in refused(
        engine, tmp_path, *base, "--owner", "TM1", "--due", "2026-09-26", "--by", "TM2"
    )
    assert "before the day it is set" in refused(
        engine, tmp_path, *base, "--owner", "TM1", "--due", "2026-09-09", "--by", "TM2"
    )
    assert "there is no audit 99" in refused(
        engine, tmp_path, "action", "add", "99", "--text", "x", "--owner", "TM1", "--due",
        "2026-09-30", "--by", "APS1",
    )  # fmt: skip
    action = add(engine, tmp_path)["action_id"]
    done = ["action", "done", str(action), "--note", "Done"]
    assert "TM2 cannot mark this action done" in refused(
        engine, tmp_path, *done, "--on", "2026-10-01", "--by", "TM2"
    )
    assert "before it was set" in refused(
        engine, tmp_path, *done, "--on", "2026-09-01", "--by", "TM1"
    )
    assert "future day (2199-01-02)" in refused(  # judged against today, not any --on
        engine, tmp_path, *done, "--on", "2199-01-02", "--by", "TM1"
    )
    assert "there is no action 999" in refused(
        engine,
        tmp_path,
        "action",
        "done",
        "999",
        "--on",
        "2026-10-01",
        "--note",
        "x",
        "--by",
        "TM1",
    )
    ok(engine, tmp_path, *done, "--on", "2026-10-01", "--by", "APS1")
    assert "already done" in refused(engine, tmp_path, *done, "--on", "2026-10-02", "--by", "TM1")
    assert "--status" in refused(engine, tmp_path, "actions", "--status", "late")


FLAG_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    flag=st.sampled_from(["--text", "--owner", "--due", "--by", "--on"]),
    value=FLAG_TEXT | st.sampled_from(["2026-09-31", "٢٠٢٦-09-30", "", "\x00", "TM1\n"]),
)
def test_any_flag_value_is_set_or_refused_in_one_line(
    engine: Engine, tmp_path: Path, flag: str, value: str
) -> None:
    with Session(engine) as session:
        if session.get(Audit, 6) is None:
            make_audit(engine)
    before = len(_actions(engine))
    good = {"--text": "Plan", "--owner": "TM1", "--due": "2026-09-30", "--by": "TM2",
            "--on": "2026-09-10"}  # fmt: skip
    args = [item for name, v in {**good, flag: value}.items() for item in (name, v)]
    result = run(engine, tmp_path, "action", "add", "6", *args)
    if result.returncode == 0:
        assert result.stdout.startswith("Action "), result.stdout
        assert len(_actions(engine)) == before + 1
    else:
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert len(_actions(engine)) == before


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(status=FLAG_TEXT, owner=FLAG_TEXT, on=FLAG_TEXT)
def test_any_listing_flags_list_or_are_refused_in_one_line(
    engine: Engine, tmp_path: Path, status: str, owner: str, on: str
) -> None:
    result = run(
        engine, tmp_path, "actions", "--status", status, "--owner", owner, "--on", on, "--json"
    )
    if result.returncode == 0:
        assert json.loads(result.stdout) == []  # no action in an empty database
    else:
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_complete_sets_actions_and_show_lists_them(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    engine: Engine = request.getfixturevalue("engine" if backend == "sqlite" else "pg_engine")
    make_audit(engine)
    completing = ["complete", "6", "--on", "2026-09-15", "--judgement", "good"]
    assert "TM9" in refused(
        engine, tmp_path, *completing, "--action", "TM9|2026-09-30|Visit within a week"
    )
    assert "OWNER_ID|YYYY-MM-DD|TEXT" in refused(engine, tmp_path, *completing, "--action", "TM1")
    with Session(engine) as session:
        assert session.get(Audit, 6).status == "allocated"  # type: ignore[union-attr]
    done = ok(
        engine, tmp_path, *completing, "--action", "TM1|2026-09-30|Visit | within a week",
        "--action", "SM1|2026-10-30|Supervision monthly",
    )  # fmt: skip
    assert [(a["owner_id"], a["due_on"], a["status"]) for a in done["actions"]] == [
        ("TM1", "2026-09-30", "overdue"),  # as of today, long after 30 September
        ("SM1", "2026-10-30", "overdue"),
    ]
    assert sorted(m["To"] for m in emails(tmp_path)) == ["sm1@x.test", "tm1@x.test"]
    shown = ok(engine, tmp_path, "show", "6")
    assert [(a["action_id"], a["text"]) for a in shown["actions"]] == [
        (done["actions"][0]["action_id"], "Visit | within a week"),
        (done["actions"][1]["action_id"], "Supervision monthly"),
    ]
    assert set(shown["actions"][0]) == {
        "action_id", "audit_id", "case_ref", "owner_id", "due_on", "status", "done_on", "text",
    }  # fmt: skip


HEADER = (
    "case_ref,cycle,completed_on,judgement,done_well,challenges,enough_tools,do_differently,"
    "action_1_owner,action_1_due,action_1_text\n"
)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_completions_csv_action_columns(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    engine: Engine = request.getfixturevalue("engine" if backend == "sqlite" else "pg_engine")
    make_audit(engine)
    csv = tmp_path / "completions.csv"
    for row, column in (
        ("C-77,2026-09,2026-09-15,good,,,,,APS1,2026-09-30,Plan", "action_1_owner"),
        ("C-77,2026-09,2026-09-15,good,,,,,NOPE,2026-09-30,Plan", "action_1_owner"),
        ("C-77,2026-09,2026-09-15,good,,,,,TM1,,Plan", "action_1_due"),
        ("C-77,2026-09,2026-09-15,good,,,,,TM1,2026-09-14,Plan", "action_1_due"),
        ("C-77,2026-09,2026-09-15,good,,,,,TM1,2026-09-26,Plan", "action_1_due"),
    ):
        csv.write_text(HEADER + row + "\n")
        result = run(engine, tmp_path, "import", "completions", str(csv), "--on", "2026-09-20")
        assert result.returncode != 0
        assert f"{csv}:2:{column}:" in result.stderr, result.stderr
        with Session(engine) as session:
            assert session.get(Audit, 6).status == "allocated"  # type: ignore[union-attr]
        assert _actions(engine) == []
    csv.write_text(HEADER + "C-77,2026-09,2026-09-15,good,,,,,TM1,2026-09-30,Hold a core group\n")
    result = run(engine, tmp_path, "import", "completions", str(csv), "--on", "2026-09-20")
    assert result.returncode == 0, result.stderr
    listed = ok(engine, tmp_path, "actions", "--on", "2026-09-20")
    assert [(a["audit_id"], a["owner_id"], a["due_on"], a["status"]) for a in listed] == [
        (6, "TM1", "2026-09-30", "open")
    ]
    [told] = emails(tmp_path)
    assert told["To"] == "tm1@x.test" and "the completions import" in body(told)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    flag=st.sampled_from(["ACTION_ID", "--on", "--note", "--by"]),
    value=FLAG_TEXT | st.sampled_from(["0", str(2**64), "2026-02-30", "", "\x00", "TM1\r"]),
)
def test_any_done_flag_value_is_done_or_refused_in_one_line(
    engine: Engine, tmp_path: Path, flag: str, value: str
) -> None:
    with Session(engine) as session:
        if session.get(Audit, 6) is None:
            make_audit(engine)
    action = add(engine, tmp_path)["action_id"]
    good = {"ACTION_ID": str(action), "--on": "2026-10-01", "--note": "Held", "--by": "TM1"}
    given_ = {**good, flag: value}
    args = [given_.pop("ACTION_ID")] + [item for pair in given_.items() for item in pair]
    result = run(engine, tmp_path, "action", "done", *args)
    with Session(engine) as session:
        stored = session.get(AuditAction, action)
        assert stored is not None
    if result.returncode == 0:
        assert result.stdout.startswith(f"Action {action} ") and stored.status == "done"
    else:
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert stored.status == "open"
