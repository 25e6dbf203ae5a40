"""The evidence workbook from the APS dashboard, on SQLite and PostgreSQL: APS download the same
workbook as ``audits export`` writes (as an attachment, typed as xlsx, named by its months);
nobody else may; months that cannot be read show the dashboard again with each error beside its
field."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.export_store import load_evidence
from reports.export_xlsx import write_workbook
from tests.audits.export_support import build_evidence, read_sheets
from tests.models.test_report_store import POLICY, build_programme, built_once
from tests.web.browser import chromium
from tests.web.live import serve, serve_on_loopback, signed_in

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def programme(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    yield from built_once(request, tmp_path_factory, build_programme, build_evidence)


@pytest.fixture
def base_url(programme: Engine) -> Iterator[str]:
    with serve(programme, policy=POLICY) as url:
        yield url


def test_aps_download_the_commands_workbook(
    programme: Engine, base_url: str, tmp_path: Path
) -> None:
    response = signed_in(base_url, "APS1").get("/aps/export?from=2026-01&to=2026-07")
    assert response.status_code == 200
    assert response.headers["content-type"] == XLSX
    assert response.headers["content-disposition"] == (
        'attachment; filename="audit-evidence-2026-01-2026-07.xlsx"'
    )
    downloaded = tmp_path / "downloaded.xlsx"
    downloaded.write_bytes(response.content)
    expected = io.BytesIO()
    with Session(programme) as session:
        write_workbook(load_evidence(session, POLICY, "2026-01", "2026-07"), expected)
    (tmp_path / "expected.xlsx").write_bytes(expected.getvalue())
    sheets = read_sheets(downloaded)
    assert sheets == read_sheets(tmp_path / "expected.xlsx")
    # The default 10 tags in each of 6 cycles, and the retired tag found in June.
    assert [len(rows) - 1 for rows in sheets.values()] == [29, 4, 6, 61]


def test_the_dashboard_offers_the_last_12_cycles_to_aps_only(base_url: str) -> None:
    page = signed_in(base_url, "APS1").get("/aps/dashboard?month=2026-06").text
    form = page[page.index('id="export-form"') :]
    assert 'name="from" type="text" value="2025-07"' in form
    assert 'name="to" type="text" value="2026-06"' in form
    director = signed_in(base_url, "DIR1").get("/aps/dashboard?month=2026-06")
    assert director.status_code == 200 and "export-form" not in director.text


@pytest.mark.parametrize("who", ["DIR1", "TM1"])
def test_nobody_else_gets_the_workbook(base_url: str, who: str) -> None:
    response = signed_in(base_url, who).get("/aps/export?from=2026-01&to=2026-07")
    assert response.status_code == 403 and response.headers["content-type"] != XLSX


def test_signed_out_is_sent_to_sign_in(base_url: str) -> None:
    response = signed_in(base_url, None).get("/aps/export?from=2026-01&to=2026-07")
    assert response.status_code in (302, 303) and "/sign-in" in response.headers["location"]


@pytest.mark.parametrize(
    "query,field,words",
    [
        ("from=2026-13&to=2026-07", "export-from", "2026-13"),
        ("from=&to=2026-07", "export-from", "Enter the first cycle"),
        ("from=2026-07&to=2026-01", "export-to", "The last cycle must be 2026-07 or after it"),
        ("from=2026-01&to=9999-12", "export-to", "9999-12"),
        ("from=2026-01&to=%3Cb%3E", "export-to", "&#39;&lt;b&gt;&#39;"),
    ],
)
def test_bad_months_show_the_dashboard_with_the_error_beside_the_field(
    base_url: str, query: str, field: str, words: str
) -> None:
    response = signed_in(base_url, "APS1").get(f"/aps/export?{query}&month=2026-06")
    assert response.status_code == 400 and response.headers["content-type"].startswith("text/html")
    page = response.text
    beside = re.search(rf'id="{field}-error">(.*?)</p>', page, re.S)
    assert beside and words in beside.group(1), page
    assert f'href="#{field}"' in page  # and in the error summary, linked to the field
    assert "Programme dashboard" in page


# Any text a form field can carry, months near and far, and the good ones.
_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=10)
_months = st.one_of(
    st.sampled_from(["2026-01", "2026-06", "2026-07", "1900-01", "2199-12"]),
    st.sampled_from(["2026-13", "2026-1", " 2026-06 ", "٢٠٢٦-٠٦", "9999-12", "2026-06\n"]),
    _text,
)


@settings(
    max_examples=12,  # each shows the dashboard with its charts again: up to a second
    deadline=None,
    derandomize=True,
    # One app for every example: the export only reads.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
# (The dashboard's own month is drawn from few: a dashboard of 2199 draws 2,000 months of
# charts, slow and tested with the dashboard.)
@given(first=_months, last=_months, month=st.sampled_from(["2026-06", "", "2026-13"]) | _text)
def test_fuzzed_months_give_the_workbook_or_the_form_again(
    base_url: str, first: str, last: str, month: str
) -> None:
    """Whatever the fields carry: never a server error; the workbook, or the dashboard again
    (400) with the problem beside a field."""
    client = signed_in(base_url, "APS1")
    query = urlencode({"from": first, "to": last, "month": month})
    response = client.get(f"/aps/export?{query}")
    assert response.status_code in (200, 400), response.text[:300]
    if response.status_code == 200:
        event("workbook")
        assert response.headers["content-type"] == XLSX
        assert response.content.startswith(b"PK")  # a zip, as every xlsx is
    else:
        event("form again")
        assert re.search(r'id="export-(from|to)-error"', response.text)


def test_aps_download_it_in_chromium(programme: Engine, tmp_path: Path) -> None:
    """The dashboard's form in a real browser: the fields filled in, the button pressed, a
    download of the workbook under its name."""
    if programme.dialect.name != "sqlite":
        return  # the browser's part does not depend on the database
    with chromium() as browser, serve_on_loopback(programme, policy=POLICY) as url:
        page = browser.new_context(base_url=url, accept_downloads=True).new_page()
        page.goto("/")
        page.get_by_label("Who are you signing in as?").select_option("APS1")
        page.get_by_role("button", name="Sign in").click()
        page.goto("/aps/dashboard?month=2026-06")
        page.get_by_label("First cycle (YYYY-MM)").fill("2026-05")
        page.get_by_label("Last cycle (YYYY-MM)").fill("2026-06")
        with page.expect_download() as waited:
            page.get_by_role("button", name="Download the evidence workbook").click()
        download = waited.value
        assert download.suggested_filename == "audit-evidence-2026-05-2026-06.xlsx"
        saved = tmp_path / download.suggested_filename
        download.save_as(saved)
    sheets = read_sheets(saved)
    assert {row[0] for row in sheets["Compliance"][1:]} == {"2026-05", "2026-06"}
