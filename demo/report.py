"""``make demo``'s history part: a council imported in October 2018, the programme replayed to
September 2020 in a database of its own, and the September 2020 highlight report compiled by
the real compile-highlight-report flow."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from config.settings import default_programme, load_policy, reset_settings
from demo.history import LAST, history_programme, replay
from demo.synthetic import (
    CASE_COLUMNS,
    STAFF_COLUMNS,
    add_social_workers,
    make_council,
    write_csv,
)
from importer import import_cases, import_staff
from models.db import make_engine, migrate, session_scope
from notifications.render import counted

IMPORTED_ON = date(2018, 10, 22)


@contextmanager
def _settings(**env: str) -> Iterator[None]:
    """Point the settings (and so the flow) at the history's database and programme file."""
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    reset_settings()
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        reset_settings()


def run_history(out: Path, seed: int) -> None:
    started = time.perf_counter()
    folder = out / "history"
    folder.mkdir(parents=True, exist_ok=True)
    programme = folder / "programme.toml"
    programme.write_text(history_programme(default_programme()))
    policy = load_policy(programme)
    db = folder / "audits.db"
    db.unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{db}")
    migrate(engine)
    council = make_council(seed, IMPORTED_ON)
    add_social_workers(council, seed)
    for name, columns, rows, do_import in (
        ("staff.csv", STAFF_COLUMNS, council.staff, import_staff),
        ("cases.csv", CASE_COLUMNS, council.cases, import_cases),
    ):
        path = write_csv(folder / name, columns, rows)
        with session_scope(engine) as session:
            do_import(session, path, IMPORTED_ON, display_name=str(path))
    print(f"\nHistory: the programme from November 2018 to {LAST}, replayed in {db}")
    replay(engine, policy, seed)
    engine.dispose()

    from flows.report import compile_highlight_report

    with _settings(AUDITS_DATABASE_URL=f"sqlite:///{db}", AUDITS_PROGRAMME=str(programme)):
        result = compile_highlight_report(month=LAST, out=str(out / "report"))
        print(f"Draft highlight report for {LAST} compiled; the APS team was told")
        _approve(result)
    print(
        f"Highlight report for {LAST}: {result['html']} and {result['pdf']}\n"
        f"  audits since November 2018: {result['completed']:,} of {result['allocated']:,} "
        f"completed ({result['compliance_pct']}%), {result['released']:,} released\n"
        f"  re-audits: {result['reaudits_completed']:,} of {result['reaudits_allocated']:,} "
        f"({result['reaudit_compliance_pct']}%)\n"
        f"History and report in {time.perf_counter() - started:.1f} s"
    )


#: The synthetic APS member who signs the demo's report off.
APPROVER = "APS01"


def _approve(result: dict[str, object]) -> None:
    """Sign the draft off as the APS team would on its review page: the final report replaces
    the draft and goes to the distribution list."""
    from flows.report_signoff import approve_report
    from models.db import get_engine

    if result["status"] != "draft":
        return
    approval = approve_report(get_engine(), load_policy(), LAST, APPROVER)
    print(
        f"Approved by {approval.approved_by_name} ({APPROVER}): the final report was emailed "
        f"to {counted(approval.sent, 'address', 'addresses')}"
    )
