"""A chase's digests rendered partly by a waiting helper process (``flows.shared_rendering``):
the same emails, in the same order, as rendering them all here; and when the helper cannot
answer, this process renders its share too."""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path

import pytest

from flows import shared_rendering
from flows.outbox import SendReport
from flows.outbox_helpers import Helpers
from flows.shared_rendering import Job, render_here, render_shared
from models.db import make_engine
from models.outbox_store import Outgoing
from notifications.messages import Digest, DigestItem
from tests.settings_env import SettingsEnv

PROGRAMME = "Monthly case audit"
RUN_DATE = date(2026, 11, 23)
DIGESTS = shared_rendering.SHARE_FROM + 50


def item(n: int, k: int) -> DigestItem:
    return DigestItem(
        audit_id=n * 10 + k,
        case_ref=f"C{n:04d}{k}",
        kind="audit",
        stage="due_in_5",
        due_on=date(2026, 11, 30),
        original_due_on=date(2026, 11, 30),
        auditor_id=f"TM{n:04d}",
        auditor_name=f"Team Manager {n}",
        auditor_team="Assessment 1",
        days_overdue=0,
        link=f"https://audits.example/links/{n}-{k}",
    )


def jobs(count: int = DIGESTS) -> list[Job]:
    return [
        (
            f"TM{n:04d}",
            Digest(
                recipient_email=f"tm{n}@example.gov.uk",
                recipient_name=f"Team Manager {n}",
                role="auditor",
                run_date=RUN_DATE,
                items=tuple(item(n, k) for k in range(3)),
            ),
        )
        for n in range(count)
    ]


@pytest.fixture
def helpers(tmp_path: Path, settings_env: SettingsEnv) -> Iterator[Helpers]:
    """One helper process, started as a chase run starts it (it is never told to send)."""
    url = f"sqlite:///{tmp_path / 'audits.db'}"
    settings_env(DATABASE_URL=url)
    engine = make_engine(url)
    started = Helpers(engine, None, 1)
    yield started
    started.close()
    engine.dispose()


@pytest.fixture
def rendered_here(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many digests each call rendered in this process."""
    sizes: list[int] = []

    def counted(some: Sequence[Job], programme_name: str) -> list[Outgoing]:
        sizes.append(len(some))
        return render_here(some, programme_name)

    monkeypatch.setattr(shared_rendering, "render_here", counted)
    return sizes


def test_the_helper_renders_its_share_and_the_emails_are_the_same(
    helpers: Helpers, rendered_here: list[int]
) -> None:
    work = jobs()
    alone = render_here(work, PROGRAMME)
    assert helpers.render(work, PROGRAMME) == alone
    theirs = int(DIGESTS * shared_rendering.HELPER_SHARE)
    assert theirs > 0 and rendered_here == [DIGESTS - theirs]  # the rest came from the helper
    # Having rendered, the helper still ends as told (here: to stop, having sent nothing).
    assert helpers.finish() == [SendReport()]


def test_a_few_digests_are_all_rendered_here(helpers: Helpers, rendered_here: list[int]) -> None:
    few = jobs(shared_rendering.SHARE_FROM - 1)
    assert helpers.render(few, PROGRAMME) == render_here(few, PROGRAMME)
    assert rendered_here == [len(few)]


def test_a_helper_that_has_died_leaves_its_share_to_the_run(
    helpers: Helpers, rendered_here: list[int], caplog: pytest.LogCaptureFixture
) -> None:
    helpers.processes[0].kill()
    helpers.processes[0].wait(30)
    work = jobs()
    with caplog.at_level(logging.WARNING, logger="flows.shared_rendering"):
        assert helpers.render(work, PROGRAMME) == render_here(work, PROGRAMME)
    theirs = int(DIGESTS * shared_rendering.HELPER_SHARE)
    assert rendered_here == [DIGESTS - theirs, theirs]
    assert "rendered here" in caplog.text


@pytest.mark.parametrize(
    "answer",
    [
        "print('rendered this is not base64!')",
        "print('something else')",
        # A well-formed answer with too few emails.
        "from flows.shared_rendering import encode; print('rendered', encode([]))",
    ],
)
def test_a_helper_answering_nonsense_leaves_its_share_to_the_run(
    answer: str, rendered_here: list[int]
) -> None:
    script = f"import sys\nsys.stdin.readline()\n{answer}\nsys.stdin.read()\n"
    helper = subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        work = jobs()
        assert render_shared(work, PROGRAMME, helper) == render_here(work, PROGRAMME)
        assert len(rendered_here) == 2 and sum(rendered_here) == DIGESTS
    finally:
        helper.kill()
        helper.wait(30)
