"""`make demo` then `make web`: the demo runs past the real date, so the pages on its database
act on, and say, the demo's last day; nothing on them is dated after it."""

from __future__ import annotations

import re
from datetime import date, timedelta
from email import message_from_bytes
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from config.clock import demo_today_file, today_in_london
from demo.run import run_demo
from models.actions import AuditAction
from models.concerns import SafeguardingConcern
from models.db import make_engine
from models.findings import FindingTag
from models.moderation import Moderation
from models.programme import Audit
from models.requests import ExemptionRequest, ExtensionRequest
from models.responses import PractitionerResponse
from rules.actions import shown_status
from rules.months import month_of
from rules.working_days import working_days_between
from tests.settings_env import SettingsEnv
from tests.web.live import serve, signed_in

SHORT_DATE = re.compile(r"\b(\d{1,2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4})\b")


def _dates_on(page: str) -> list[date]:
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    return [
        date(int(year), months.index(month) + 1, int(day))
        for day, month, year in SHORT_DATE.findall(page)
    ]


def _actions_done_open_and_escalated(actions: list[AuditAction], last_day: date) -> None:
    """Some actions done, some still open, some overdue, and a couple overdue by 5 working
    days or more (which the daily chase escalates) on the demo's last day."""
    shown = [shown_status(a.status, a.due_on, last_day) for a in actions]
    assert shown.count("done") >= 2 and shown.count("overdue") >= 2, shown
    late = [
        a for a in actions if a.status == "open" and working_days_between(a.due_on, last_day) >= 5
    ]
    assert len(late) >= 2, [(a.due_on, a.status) for a in actions]


def _oversight_on_the_demos_days(engine: Engine, last_day: date, outbox: Path) -> None:
    """Two concerns raised and acknowledged (one the next day, after the Director was told),
    the month's sample moderated with some judgements changed, social workers emailed the
    findings and responding; every date on or before the demo's last day."""
    with Session(engine) as session:
        concerns = list(session.scalars(select(SafeguardingConcern)))
        moderations = list(session.scalars(select(Moderation)))
        responses = list(session.scalars(select(PractitionerResponse)))
    assert len(concerns) == 2 and {c.status for c in concerns} == {"acknowledged"}
    spans = sorted(c.acknowledged_at - c.raised_at for c in concerns if c.acknowledged_at)
    assert spans[0] < timedelta(hours=8) < timedelta(hours=20) < spans[1]
    assert (
        moderations
        and any(not m.agreed for m in moderations)
        and any(m.agreed for m in moderations)
    )
    assert all(m.moderated_on <= last_day for m in moderations)
    assert responses and all(r.created_at.date() <= last_day for r in responses)
    sent = [message_from_bytes(p.read_bytes()) for p in outbox.glob("*.eml")]
    high = [m for m in sent if m["Importance"] == "high"]
    assert high and all("concern" in str(m["X-Audits-Reference"]) for m in high)
    assert any("findings" in str(m["X-Audits-Reference"]) for m in sent)
    assert any("moderation-sample:" in str(m["X-Audits-Reference"]) for m in sent)
    concern_texts = [c.text for c in concerns]
    assert not any(text in m.as_string() for m in high for text in concern_texts)


def test_the_demos_pages_live_on_the_demos_last_day(
    tmp_path: Path, settings_env: SettingsEnv, prefect_server: str
) -> None:
    db = tmp_path / "demo" / "audits.db"
    url = f"sqlite:///{db}"
    settings_env(DATABASE_URL=url, EMAIL_TRANSPORT="outbox", OUTBOX_DIR=str(tmp_path / "outbox"))
    # This month's part only: the history has a database of its own and no demo date.
    assert run_demo(tmp_path / "demo", None, seed=1, history=False) == 0
    path = demo_today_file(url)
    assert path is not None and path.exists()
    last_day = date.fromisoformat(path.read_text().strip())

    engine = make_engine(url)
    with Session(engine) as session:
        month = month_of(session.scalars(select(func.min(col(Audit.allocated_on)))).one())
        latest = [
            session.scalars(select(func.max(column))).one()
            for column in (
                col(Audit.completed_on),
                col(ExtensionRequest.requested_on),
                col(ExtensionRequest.decided_on),
                col(ExemptionRequest.requested_on),
                col(AuditAction.set_on),
                col(AuditAction.done_on),
            )
        ]
        actions = list(session.scalars(select(AuditAction)))
    assert all(day is not None and day <= last_day for day in latest), (latest, last_day)
    with Session(engine) as session:
        # This month's completed audits carry recurring findings (demo/tags.py), and only they.
        tagged = session.scalars(
            select(col(Audit.status)).join(FindingTag, col(FindingTag.audit_id) == col(Audit.id))
        ).all()
    assert tagged and set(tagged) == {"completed"}
    _actions_done_open_and_escalated(actions, last_day)
    _oversight_on_the_demos_days(engine, last_day, tmp_path / "outbox")

    settings_env(DEV_LOGIN="true")  # as `make web` runs it
    assert today_in_london() == last_day
    with serve(engine, clock=today_in_london) as base:
        aps = signed_in(base, "APS01")
        banner = f"Today is {last_day:%A} {last_day.day} {last_day:%B %Y} in this demo"
        queue = aps.get("/aps/requests").text
        assert banner in queue
        asked = _dates_on(queue)
        assert asked and max(asked) <= last_day
        dashboard = aps.get("/aps/dashboard").text
        assert banner in dashboard
        # Opened on the demo's month (allocated), not the next one its last day falls in.
        month_words = f"{date.fromisoformat(month + '-01'):%B %Y}"
        assert f"{month_words}: " in dashboard and "has not been allocated" not in dashboard
        waiting = re.search(r'id="pending">(\d+)<', dashboard)
        queued = re.search(r'href="/aps/requests">(\d+) request', dashboard)
        assert waiting and queued and waiting.group(1) == queued.group(1) != "0"
    engine.dispose()
