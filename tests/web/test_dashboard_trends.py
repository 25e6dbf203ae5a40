"""The dashboard over time: a Director sees compliance and judgements by month (the report's
charts, with their tables) and compliance by service area, checked against hand-worked figures;
in real Chromium the charts are drawn under the pages' Content-Security-Policy."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from datetime import date

import pytest
from playwright.sync_api import Browser
from sqlalchemy import ColumnElement, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func

from models.db import session_scope
from models.programme import Audit
from tests.web.browser import chromium
from tests.web.live import serve_on_loopback, signed_in


def _complete(engine: Engine, cycle: str) -> tuple[int, int]:
    """Completes the cycle's first two audits, one on time (good) and one late (inadequate);
    returns (the cycle's allocated audits, all allocated audits)."""
    with session_scope(engine) as session:
        audits = session.scalars(
            select(Audit).where(col(Audit.cycle) == cycle, col(Audit.kind) == "audit")
            .order_by(col(Audit.id)).limit(2)
        ).all()  # fmt: skip
        on_time, late = audits
        on_time.status, on_time.judgement, on_time.completed_on = (
            "completed",
            "good",
            date(2026, 11, 20),
        )
        late.status, late.judgement = "completed", "inadequate"
        late.completed_on = date.fromordinal(late.due_on.toordinal() + 3)
    with Session(engine) as session:

        def count(*where: ColumnElement[bool]) -> int:
            query = (
                select(func.count()).select_from(Audit).where(col(Audit.kind) == "audit", *where)
            )
            return int(session.scalar(query) or 0)

        return count(col(Audit.cycle) == cycle), count(col(Audit.cycle) <= cycle)


def _row(page: str, table_id: str, label: str) -> list[str]:
    table = page[page.index(f'id="{table_id}"') :]
    table = table[: table.index("</table>")]
    row = re.search(rf">{re.escape(label)}[^<]*</th>(.*?)</tr>", table, re.S)
    assert row, (table_id, label)
    return [cell.strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)]


def _whole_pct(part: int, whole: int) -> int:
    """Half up, as the report rounds."""
    return (200 * part + whole) // (2 * whole)


def _chart(page: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}" src="data:image/svg\+xml;base64,([^"]+)"', page)
    assert found, element_id
    return base64.b64decode(found.group(1)).decode("utf-8")


def test_a_director_sees_compliance_and_judgements_over_time_and_by_area(
    web_engine: Engine, base_url: str, people: dict[str, str]
) -> None:
    allocated, allocated_ever = _complete(web_engine, "2026-11")
    page = signed_in(base_url, people["director"]).get("/aps/dashboard?month=2026-11").text

    november = _row(page, "compliance-by-month", "November 2026")
    assert november[:3] == [
        str(allocated),
        f"2 ({_whole_pct(2, allocated)}%)",
        f"1 ({_whole_pct(1, allocated)}%)",
    ]
    judgements = _row(page, "judgements-by-month", "November 2026")
    assert judgements == ["0", "1", "0", "1"]  # outstanding, good, requires improvement, inadequate

    everything = _row(page, "area-compliance", "All service areas")
    # allocated, on time, late, outstanding, compliance
    assert everything[:4] == [str(allocated_ever), "1", "1", str(allocated_ever - 2)]
    assert everything[4] == f"{_whole_pct(2, allocated_ever)}%"

    # The charts draw those figures: each line and bar names its values in the SVG.
    compliance = _chart(page, "compliance-chart")
    assert re.search(rf'id="line:audits:pct:[0-9,]*{_whole_pct(2, allocated)}"', compliance)
    assert 'id="bar:2026-11:inadequate:1"' in _chart(page, "judgements-chart")


def test_a_month_before_the_programme_began_has_no_trend(
    web_engine: Engine, base_url: str, people: dict[str, str]
) -> None:
    page = signed_in(base_url, people["director"]).get("/aps/dashboard?month=2019-01").text
    assert 'id="over-time"' not in page and "compliance-chart" not in page


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def test_the_charts_are_drawn_in_chromium(
    browser: Browser, web_engine: Engine, people: dict[str, str]
) -> None:
    _complete(web_engine, "2026-11")
    with serve_on_loopback(web_engine) as url:
        page = browser.new_context(base_url=url).new_page()
        refused: list[str] = []
        page.on("console", lambda message: refused.append(message.text))
        page.goto("/")
        page.get_by_label("Who are you signing in as?").select_option(people["director"])
        page.get_by_role("button", name="Sign in").click()
        page.goto("/aps/dashboard?month=2026-11")
        for chart in ("#compliance-chart", "#judgements-chart"):
            # naturalWidth is 0 for an image the browser refused or could not decode.
            width = page.locator(chart).evaluate("image => image.complete && image.naturalWidth")
            assert width and width > 100, chart
        assert not [m for m in refused if "Content Security Policy" in m], refused
