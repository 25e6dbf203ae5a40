"""The review page (``/aps/reports/YYYY-MM``) and the report archive (``/reports``): who may see
them, the downloads, the commentary, regenerating, and approving (the final report once to each
reader, nothing on a second approval), with any input refused on the page, never a 500."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models import report_issue_store
from tests.flows.signoff_support import DISTRIBUTION, MONTH, recipients
from tests.settings_env import SettingsEnv
from tests.web.live import csrf_of, signed_in
from tests.web.report_support import POLICY, draft_site, draft_template
from web.views_reports import REPORT_CSP

REVIEW = f"/aps/reports/{MONTH}"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory, prefect_server: str) -> Path:
    return draft_template(tmp_path_factory.mktemp("draft"))


@pytest.fixture
def site(template: Path, tmp_path: Path, settings_env: SettingsEnv) -> Iterator[tuple[str, Engine]]:
    with draft_site(template, tmp_path, settings_env, POLICY) as site:
        yield site


def _post(client: httpx.Client, path: str, data: dict[str, str]) -> httpx.Response:
    token = csrf_of(client.get(REVIEW).text)
    return client.post(path, data={**data, "csrf_token": token})


def _status(engine: Engine) -> tuple[str, str | None]:
    with Session(engine) as session:
        row = report_issue_store.issue(session, MONTH)
        assert row is not None
        return row.status, row.approved_by


@pytest.mark.parametrize(("who", "code"), [("APS1", 200), ("DIR1", 200), ("SM1", 200),
                                           ("TMX", 403)])  # fmt: skip
def test_the_archive_is_for_aps_directors_and_service_managers(
    site: tuple[str, Engine], who: str, code: int
) -> None:
    url, _ = site
    client = signed_in(url, who)
    page = client.get("/reports")
    assert page.status_code == code
    pdf = client.get(f"/reports/{MONTH}/pdf")
    assert pdf.status_code == code
    if code == 200:
        assert f'data-month="{MONTH}"' in page.text and "Draft" in page.text
        assert "June 2026" in page.text  # the month named, not its key
        assert 'href="/reports"' in page.text  # in the navigation
        assert pdf.headers["content-type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF")
    else:
        assert "You cannot do this" in page.text and not pdf.content.startswith(b"%PDF")
        assert 'href="/reports"' not in page.text


def test_signed_out_the_archive_asks_to_sign_in(site: tuple[str, Engine]) -> None:
    url, _ = site
    response = signed_in(url, None).get(f"/reports/{MONTH}/html")
    assert response.status_code == 303 and response.headers["location"].startswith("/sign-in")


def test_downloads_are_the_recorded_files_with_their_types(
    site: tuple[str, Engine], tmp_path: Path
) -> None:
    url, _ = site
    client = signed_in(url, "DIR1")
    html = client.get(f"/reports/{MONTH}/html")
    assert html.headers["content-type"] == "text/html; charset=utf-8"
    assert html.headers["content-security-policy"] == REPORT_CSP
    assert 'id="draft-mark"' in html.text
    appendix_file = tmp_path / "reports" / f"highlight-report-{MONTH}-appendix.csv"
    assert appendix_file.read_text(encoding="utf-8-sig").startswith("section,theme,group,text")
    appendix_file.unlink()  # a report compiled before there were appendices
    assert client.get(f"/reports/{MONTH}/appendix").status_code == 404
    assert "appendix" not in client.get("/reports").text.lower()
    appendix_file.write_text("a,b\n1,2\n")
    appendix = client.get(f"/reports/{MONTH}/appendix")
    assert appendix.status_code == 200 and appendix.text == "a,b\n1,2\n"
    assert appendix.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in appendix.headers["content-disposition"]
    assert f"/reports/{MONTH}/appendix" in client.get("/reports").text
    for path in (
        "/reports/2026-07/pdf",
        f"/reports/{MONTH}/db",
        "/reports/2026-6/pdf",
        "/reports/..%2F..%2Fetc/pdf",
        f"/reports/{MONTH}/..%2Faudits.db",
    ):
        assert client.get(path).status_code == 404, path  # fmt: skip


def test_the_review_page_is_for_aps_only(site: tuple[str, Engine]) -> None:
    url, _ = site
    for who in ("DIR1", "SM1", "TMX"):
        assert signed_in(url, who).get(REVIEW).status_code == 403
    page = signed_in(url, "APS1").get(REVIEW)
    assert page.status_code == 200
    assert "Draft" in page.text and 'id="theme-cin"' in page.text
    assert f'href="/reports/{MONTH}/html"' in page.text
    assert "Approve and send the report" in page.text and "2 addresses" in page.text


def test_commentary_is_written_and_a_blank_one_refused_beside_its_field(
    site: tuple[str, Engine],
) -> None:
    url, _ = site
    client = signed_in(url, "APS1")
    blank = _post(client, f"{REVIEW}/commentary", {"theme": "cse", "commentary": "  "})
    assert blank.status_code == 400 and 'href="#commentary-cse"' in blank.text
    assert "Enter the commentary" in blank.text
    saved = _post(client, f"{REVIEW}/commentary", {"theme": "cse", "commentary": "Plans drift."})
    assert saved.status_code == 303 and saved.headers["location"] == REVIEW
    page = client.get(REVIEW)
    assert "Plans drift." in page.text and "Commentary on" in page.text


def test_regenerate_compiles_the_draft_with_the_new_commentary(
    site: tuple[str, Engine], tmp_path: Path
) -> None:
    url, engine = site
    client = signed_in(url, "APS2")
    _post(client, f"{REVIEW}/commentary", {"theme": "cin", "commentary": "Voice of the child."})
    html = tmp_path / "reports" / f"highlight-report-{MONTH}.html"
    assert "Voice of the child." not in html.read_text()
    done = _post(client, f"{REVIEW}/regenerate", {})
    assert done.status_code == 303
    assert "Voice of the child." in html.read_text() and 'id="draft-mark"' in html.read_text()
    assert _status(engine) == ("draft", None)
    assert not (tmp_path / "outbox").exists()  # regenerating emails nobody


def test_approving_on_the_page_sends_once_and_again_sends_nothing(
    site: tuple[str, Engine], tmp_path: Path
) -> None:
    url, engine = site
    client = signed_in(url, "APS1")
    done = _post(client, f"{REVIEW}/approve", {})
    assert done.status_code == 303, done.text
    assert recipients(tmp_path) == sorted(DISTRIBUTION)
    assert _status(engine) == ("final", "APS1")
    page = client.get(REVIEW)
    assert "emailed to 2 addresses on the distribution list" in page.text  # the confirmation
    assert "Approve and send the report" not in page.text and "Final" in page.text
    html = (tmp_path / "reports" / f"highlight-report-{MONTH}.html").read_text()
    assert "draft-mark" not in html

    token = csrf_of(page.text)
    again = client.post(f"{REVIEW}/approve", data={"csrf_token": token})
    assert again.status_code == 303
    assert "already approved" in client.get(REVIEW).text
    assert recipients(tmp_path) == sorted(DISTRIBUTION)
    refused = client.post(f"{REVIEW}/regenerate", data={"csrf_token": token})
    assert refused.status_code == 400 and "already approved" in refused.text


def test_without_the_csrf_token_nothing_is_approved(
    site: tuple[str, Engine], tmp_path: Path
) -> None:
    url, engine = site
    client = signed_in(url, "APS1")
    client.get(REVIEW)
    assert client.post(f"{REVIEW}/approve", data={}).status_code == 403
    assert _status(engine) == ("draft", None) and not (tmp_path / "outbox").exists()


def test_a_month_with_no_draft_says_so_and_cannot_be_approved(site: tuple[str, Engine]) -> None:
    url, _ = site
    client = signed_in(url, "APS1")
    page = client.get("/aps/reports/2026-07")
    assert page.status_code == 200 and "no draft report for July 2026" in page.text
    token = csrf_of(page.text)
    refused = client.post("/aps/reports/2026-07/approve", data={"csrf_token": token})
    assert refused.status_code == 400 and "no draft report for 2026-07" in refused.text


SEGMENTS = st.text(max_size=12)  # no surrogates: st.text leaves them out


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(month=SEGMENTS | st.just(MONTH), kind=SEGMENTS | st.sampled_from(["html", "pdf"]),
       theme=SEGMENTS, text=st.text(max_size=50))  # fmt: skip
def test_any_address_or_form_is_answered_or_refused_never_a_failure(
    site: tuple[str, Engine], month: str, kind: str, theme: str, text: str
) -> None:
    url, engine = site
    client = signed_in(url, "APS1")
    address = f"/reports/{quote(month, safe='')}/{quote(kind, safe='')}"
    answered = client.get(address).status_code
    assert answered in (200, 307, 400, 404)  # 307: FastAPI's redirect of an empty segment
    assert (answered == 200) == (month == MONTH and kind in ("html", "pdf"))
    posted = _post(client, f"{REVIEW}/commentary", {"theme": theme, "commentary": text})
    assert posted.status_code in (303, 400)
    if posted.status_code == 400:
        assert re.search(r"govuk-error-summary", posted.text)
    assert _status(engine) == ("draft", None)
