"""``flows.delivery.deliver``: a change's emails go from the command or page at once, then its
event is emitted (with a Prefect server) for whatever could not go; the triggered flow's work
(``flows.requests.write_and_send``) then sends that, and nothing twice.

The event itself is replaced here by a stand-in that records what the outbox held when it was
emitted; ``tests/deployments/test_serve_triggers.py`` runs the real trigger on a real server."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from flows import delivery
from flows.allocate import allocate_cycle
from flows.delivery import Change, RequestEvent, deliver
from flows.requests import write_and_send
from models import chase_store, outbox_store, request_store
from models.base import saved_id
from models.db import in_transaction, session_scope
from notifications.email_context import email_context
from notifications.request_emails import write_request_emails
from tests.flows.council import POLICY, seed_council
from tests.flows.smtp_server import SmtpServer, free_port, plain_smtp_settings
from tests.settings_env import SettingsEnv


@pytest.fixture
def council(engine: Engine, tmp_path: Path) -> Engine:
    seed_council(engine, tmp_path, cases=300)
    with session_scope(engine, write_lock=True) as session:
        allocate_cycle(session, POLICY, "2026-11", "all")
    return engine


@pytest.fixture
def events(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """A Prefect server configured; each event emitted is recorded instead, with the number of
    the outbox's unsent rows at that moment."""
    emitted: list[dict[str, Any]] = []
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")

    def emit(kind: str, what: str, request_id: int, audit_id: int | None) -> bool:
        emitted.append({"event": f"{kind}.{what}", "request_id": request_id})
        return True

    monkeypatch.setattr(delivery, "emit_request_event", emit)
    return emitted


def requested(engine: Engine) -> Change:
    """An extension request and its APS emails, committed (as the command records them)."""
    context = email_context(POLICY)
    with session_scope(engine) as read:
        audit = min(chase_store.outstanding_audits(read), key=lambda a: a.audit_id)

    def record(session: Session) -> Change:
        request = request_store.request_extension(
            session, audit.audit_id, date(2026, 12, 4), "waiting", audit.auditor_id,
            date(2026, 11, 16), POLICY,
        )  # fmt: skip
        cause = write_request_emails(session, "extension", saved_id(request), context)
        event = RequestEvent("extension", "requested", saved_id(request), audit.audit_id)
        return Change(cause, event)

    return in_transaction(engine, record)


def unsent(engine: Engine, cause: str) -> int:
    with Session(engine) as session:
        return outbox_store.count_unsent(session, [cause])


def aps_count(engine: Engine) -> int:
    with session_scope(engine) as session:
        return len(chase_store.aps_team(chase_store.people(session)))


def test_with_a_server_the_emails_go_at_once_and_the_event_follows(
    council: Engine,
    sqlite_url: str,
    tmp_path: Path,
    settings_env: SettingsEnv,
    events: list[dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings_env(DATABASE_URL=sqlite_url, OUTBOX_DIR=str(tmp_path / "outbox"))
    change = requested(council)
    assert change.event is not None
    at_emit: list[int] = []
    record = delivery.emit_request_event

    def emit_after_sending(*args: Any) -> bool:
        at_emit.append(unsent(council, change.cause))
        return record(*args)

    monkeypatch.setattr(delivery, "emit_request_event", emit_after_sending)
    done = deliver(council, change, POLICY)
    assert done.by_event and done.report.sent == aps_count(council) > 0
    assert done.warning() is None
    assert at_emit == [0], "every email sent before the event went"
    assert events == [{"event": "extension.requested", "request_id": change.event.request_id}]
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == done.report.sent

    # The triggered flow's work: nothing left to send, nothing sent twice.
    again = write_and_send(council, POLICY, "extension", change.event.request_id, deciding=False)
    assert (again.sent, again.left_pending) == (0, 0)
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == done.report.sent


def test_what_the_command_could_not_send_is_left_to_the_triggered_flow(
    council: Engine,
    sqlite_url: str,
    tmp_path: Path,
    settings_env: SettingsEnv,
    events: list[dict[str, Any]],
) -> None:
    relay_down = SmtpServer(free_port())  # not started: nobody listens on its port
    settings_env(
        **plain_smtp_settings(relay_down, sqlite_url, "audits@example.gov.uk", "https://a.test")
    )
    change = requested(council)
    assert change.event is not None
    done = deliver(council, change, POLICY)
    n = aps_count(council)
    assert done.by_event and done.report.left_pending == n and done.report.sent == 0
    warning = done.warning()
    assert warning is not None and warning.startswith(f"{n} email(s) left pending")
    assert "cannot connect" in warning and "the triggered flow tries again" in warning
    assert len(events) == 1  # emitted all the same: its flow sends what was left

    # The relay is back when the triggered flow runs: it sends them, once.
    settings_env(DATABASE_URL=sqlite_url, EMAIL_TRANSPORT="outbox", OUTBOX_DIR=str(tmp_path))
    flow = write_and_send(council, POLICY, "extension", change.event.request_id, deciding=False)
    assert (flow.sent, flow.left_pending) == (n, 0)
    rerun = write_and_send(council, POLICY, "extension", change.event.request_id, deciding=False)
    assert rerun.sent == 0 and len(list(tmp_path.glob("*.eml"))) == n


def test_an_event_that_cannot_be_emitted_leaves_the_emails_sent(
    council: Engine,
    sqlite_url: str,
    tmp_path: Path,
    settings_env: SettingsEnv,
    events: list[dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings_env(DATABASE_URL=sqlite_url, OUTBOX_DIR=str(tmp_path / "outbox"))

    def unreachable(*_: Any) -> bool:
        raise ConnectionError("the Prefect server is down")

    monkeypatch.setattr(delivery, "emit_request_event", unreachable)
    done = deliver(council, requested(council), POLICY)
    assert not done.by_event and done.report.sent == aps_count(council)
    assert done.warning() is None


def test_without_a_server_no_event_is_emitted(
    council: Engine,
    sqlite_url: str,
    tmp_path: Path,
    settings_env: SettingsEnv,
    events: list[dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("PREFECT_API_URL")
    settings_env(DATABASE_URL=sqlite_url, OUTBOX_DIR=str(tmp_path / "outbox"))
    done = deliver(council, requested(council), POLICY)
    assert not done.by_event and done.report.sent == aps_count(council) and events == []
