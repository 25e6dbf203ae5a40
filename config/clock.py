"""Today and now as a person in England sees them, and the demo's own "today".

``make demo`` plays a synthetic council's month through to a week or so past its due date, days
ahead of the real date. So that its pages and emails do not show requests "asked" in the future,
the demo writes the last day it ran in a small file beside its SQLite database
(``audits.db.demo-today``), and :func:`today_in_london` answers with that date, but only while
development sign-in (``AUDITS_DEV_LOGIN``) is on. Development sign-in never runs in production, so
there the file is ignored and no setting can move the date: production always has the real date.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from rules.values import InputError, parse_iso_date

LONDON = ZoneInfo("Europe/London")
#: Appended to the SQLite database's file name for the demo's date file.
DEMO_TODAY_SUFFIX = ".demo-today"


def real_today_in_london() -> date:
    """The real date in England, whatever the demo says."""
    return datetime.now(LONDON).date()


def today_in_london() -> date:
    """The date the programme acts on: the demo's date in a demo (see the module's note),
    otherwise the real date in England."""
    return demo_today() or real_today_in_london()


@lru_cache(maxsize=8)  # asked on every page under development sign-in
def demo_today_file(database_url: str) -> Path | None:
    """Where the demo keeps its date for this database: beside a SQLite file; None for any
    other database (the demo's date is only kept for a SQLite demo)."""
    try:
        url = make_url(database_url)
    except ArgumentError:
        return None
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database + DEMO_TODAY_SUFFIX)


def write_demo_today(database_url: str, day: date) -> Path | None:
    """Record ``day`` as the demo's today for this database (what ``make demo`` does last)."""
    path = demo_today_file(database_url)
    if path is not None:
        path.write_text(f"{day.isoformat()}\n", encoding="utf-8")
    return path


def demo_today() -> date | None:
    """The demo's date, only with development sign-in on and the demo's file beside the
    database; None otherwise (always in production). A file that does not hold one date is
    ignored: the real date is the safe answer."""
    from config.settings import get_settings

    try:
        settings = get_settings()
        if not settings.web.dev_login:
            return None
    except ValidationError:  # a malformed setting: the command that uses it says so
        return None
    path = demo_today_file(settings.database_url)
    if path is None:
        return None
    try:
        return parse_iso_date(path.read_text(encoding="utf-8").strip())
    except (OSError, UnicodeDecodeError, InputError):
        return None
