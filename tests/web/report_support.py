"""A draft highlight report to review in the web tests: the sign-off programme
(tests/flows/signoff_support) with June 2026's draft compiled once per module by the real flow,
and a copy of its database and files for each test."""

from __future__ import annotations

import os
import shutil
import sqlite3
import tomllib
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import replace
from pathlib import Path
from unittest import mock

from sqlalchemy.engine import Engine

from config.settings import reset_settings
from models.db import make_engine
from rules.policy import Policy, policy_from_dict
from tests.flows.signoff_support import MONTH, SIGNOFF_PROGRAMME, signoff_env
from tests.settings_env import SettingsEnv
from tests.web.live import serve

POLICY = policy_from_dict(tomllib.loads(SIGNOFF_PROGRAMME))
#: The programme with quotes to pick in June's few answers: the report shows the most frequent
#: answer of each group only, and features at most one more per section.
QUOTES_POLICY = replace(POLICY, report=replace(POLICY.report, quotes_shown=1, featured_quotes=1))


@contextmanager
def settings_from(env: dict[str, str]) -> Iterator[None]:
    with mock.patch.dict(os.environ, {f"AUDITS_{k}": v for k, v in env.items()}):
        reset_settings()
        try:
            yield
        finally:
            reset_settings()


def draft_template(folder: Path) -> Path:
    """The programme with June's draft compiled (and its APS emails sent) in ``folder``."""
    from flows.report import compile_highlight_report
    from models.db import get_engine

    env = signoff_env(folder)
    with settings_from(env):
        result = compile_highlight_report(month=MONTH, out=str(folder / "reports"))
        get_engine().dispose()
    assert result["status"] == "draft"
    return folder


def draft_copy(template: Path, folder: Path) -> dict[str, str]:
    """A copy of the template's database and report files in ``folder`` (the record pointing
    at the copied files, no emails sent yet); the settings for it."""
    shutil.copy(template / "audits.db", folder / "audits.db")
    shutil.copytree(template / "reports", folder / "reports")
    shutil.copy(template / "programme.toml", folder / "programme.toml")
    with closing(sqlite3.connect(folder / "audits.db")) as connection:
        connection.execute("UPDATE report_issue SET out_dir = ?", (str(folder / "reports"),))
        connection.commit()
    return {
        "DATABASE_URL": f"sqlite:///{folder / 'audits.db'}",
        "PROGRAMME": str(folder / "programme.toml"),
        "EMAIL_TRANSPORT": "outbox",
        "OUTBOX_DIR": str(folder / "outbox"),
        "BASE_URL": "https://audits.example.gov.uk",
    }


@contextmanager
def draft_site(
    template: Path, folder: Path, settings_env: SettingsEnv, policy: Policy
) -> Iterator[tuple[str, Engine]]:
    """The web app on a copy of the drafted month's database (``draft_template``), with the
    settings pointing at it: (its address, its engine)."""
    settings_env(**draft_copy(template, folder))
    engine = make_engine(f"sqlite:///{folder / 'audits.db'}")
    try:
        with serve(engine, policy=policy) as url:
            yield url, engine
    finally:
        engine.dispose()
