"""Picking the quotes to feature on the review page (``/aps/reports/YYYY-MM``): each section
offers the answers the report does not already show; a choice is saved whole, shown ticked, and
in the draft once regenerated; too many, a forged text or section, anyone but APS and a missing
CSRF token are refused with nothing saved, never a 500."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.quote_store import featured_quotes
from rules.grouping import section_keys
from tests.flows.signoff_support import MONTH
from tests.settings_env import SettingsEnv
from tests.web.live import csrf_of, signed_in
from tests.web.report_support import QUOTES_POLICY, draft_site, draft_template

REVIEW = f"/aps/reports/{MONTH}"
QUOTES = f"{REVIEW}/quotes"
# June's practice strengths, most frequent first: the report shows the first (quotes_shown 1).
SHOWN = "Parent praised the worker's honesty"
OTHERS = ("Young person felt listened to", "Carer felt supported")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory, prefect_server: str) -> Path:
    return draft_template(tmp_path_factory.mktemp("draft"))


@pytest.fixture
def site(template: Path, tmp_path: Path, settings_env: SettingsEnv) -> Iterator[tuple[str, Engine]]:
    with draft_site(template, tmp_path, settings_env, QUOTES_POLICY) as site:
        yield site


def _post(client: httpx.Client, section: str, texts: list[str]) -> httpx.Response:
    token = csrf_of(client.get(REVIEW).text)
    return client.post(QUOTES, data={"csrf_token": token, "section": section, "text": texts})


def _featured(engine: Engine) -> dict[str, tuple[str, ...]]:
    with Session(engine) as session:
        return featured_quotes(session, MONTH)


def _form(page: str, section: str) -> str:
    """The HTML of one section's quote form on the review page."""
    found = re.search(rf'<form [^>]*data-section="{section}".*?</form>', page, re.S)
    assert found, f"no quote form for {section}"
    return found.group(0)


def _ticked(form: str) -> list[str]:
    return re.findall(
        r'<input class="govuk-checkboxes__input"[^>]*value="([^"]*)"[^>]* checked', form
    )


def test_each_section_offers_the_answers_the_report_does_not_show(
    site: tuple[str, Engine],
) -> None:
    url, _ = site
    page = signed_in(url, "APS1").get(REVIEW).text
    strengths = _form(page, "feedback:strength")
    assert all(f'value="{text}"' in strengths for text in OTHERS)
    assert SHOWN.replace("'", "&#39;") not in strengths  # shown in the report already
    assert "1 answer" in strengths and _ticked(strengths) == []
    # Children in Need: the second answer of each judgement; "Reviews not held" is the only
    # inadequate one, shown anyway.
    theme = _form(page, "theme:cin")
    assert 'value="Supervision drives the plan"' in theme and 'value="Re-audit finding"' in theme
    assert "Reviews not held" not in theme and "Visits on time" not in theme
    # One answer to the question, shown anyway: nothing to pick.
    assert not re.search(r'<form [^>]*data-section="reflection:challenges"', page)
    assert "The report shows every answer here (1 distinct answer)" in page


def test_a_choice_is_saved_ticked_and_in_the_regenerated_draft(
    site: tuple[str, Engine], tmp_path: Path
) -> None:
    url, engine = site
    client = signed_in(url, "APS2")
    html = tmp_path / "reports" / f"highlight-report-{MONTH}.html"
    assert "Chosen by the APS team" not in html.read_text()

    saved = _post(client, "feedback:strength", ["  carer felt SUPPORTED "])
    assert saved.status_code == 303 and saved.headers["location"] == REVIEW
    assert _featured(engine) == {"feedback:strength": ("Carer felt supported",)}
    page = client.get(REVIEW).text
    assert "1 quote featured in Practice strengths. Regenerate the draft to see it." in page
    assert _ticked(_form(page, "feedback:strength")) == ["Carer felt supported"]

    assert _post(client, "theme:cin", ["Re-audit finding"]).status_code == 303
    assert client.post(
        f"{REVIEW}/regenerate", data={"csrf_token": csrf_of(page)}
    ).status_code == 303  # fmt: skip
    draft = html.read_text()
    chosen = r"Chosen by the APS team:</strong></p>\s*<blockquote class=\"featured\">“{}”"
    assert re.search(chosen.format("Carer felt supported"), draft)
    assert re.search(chosen.format("Re-audit finding"), draft)

    removed = _post(client, "feedback:strength", [])  # nothing ticked: none featured
    assert removed.status_code == 303
    assert _featured(engine) == {"theme:cin": ("Re-audit finding",)}
    assert "No quotes are featured in Practice strengths now." in client.get(REVIEW).text


def test_more_than_the_limit_is_refused_beside_the_section(site: tuple[str, Engine]) -> None:
    url, engine = site
    client = signed_in(url, "APS1")
    refused = _post(client, "feedback:strength", list(OTHERS))
    assert refused.status_code == 400
    assert 'href="#quotes-feedback-strength"' in refused.text  # the error summary
    form = _form(refused.text, "feedback:strength")
    assert "govuk-form-group--error" in form
    assert "2 quotes chosen: at most 1 can be featured in a section" in form
    assert _ticked(form) == list(OTHERS)  # what was ticked, kept
    assert _featured(engine) == {}


@pytest.mark.parametrize(
    ("section", "text", "where", "message"),
    [
        ("feedback:strength", "Built trust", "quotes-feedback-strength", "is not an answer"),
        ("feedback:improvement", "<script>x</script>", "quotes-feedback-improvement",
         "is not an answer"),
        ("theme:nowhere", OTHERS[0], "quotes", "Choose a section of this report"),
        ("", OTHERS[0], "quotes", "Choose a section of this report"),
    ],
)  # fmt: skip
def test_a_forged_text_or_section_is_refused(
    site: tuple[str, Engine], section: str, text: str, where: str, message: str
) -> None:
    url, engine = site
    refused = _post(signed_in(url, "APS1"), section, [text])
    assert refused.status_code == 400
    assert f'href="#{where}"' in refused.text and message in refused.text
    assert "<script>x" not in refused.text  # the auditors' free text is escaped
    assert _featured(engine) == {}


@pytest.mark.parametrize("who", ["DIR1", "SM1", "TMX"])
def test_only_aps_can_feature_quotes(site: tuple[str, Engine], who: str) -> None:
    url, engine = site
    client = signed_in(url, who)
    token = csrf_of(client.get("/", follow_redirects=True).text)  # their own page's token
    data = {"csrf_token": token, "section": "feedback:strength", "text": [OTHERS[0]]}
    assert client.post(QUOTES, data=data).status_code == 403
    assert _featured(engine) == {}


def test_without_the_csrf_token_nothing_is_featured(site: tuple[str, Engine]) -> None:
    url, engine = site
    client = signed_in(url, "APS1")
    client.get(REVIEW)
    data = {"section": "feedback:strength", "text": [OTHERS[0]]}
    assert client.post(QUOTES, data=data).status_code == 403
    assert client.post(QUOTES, data={**data, "csrf_token": "forged"}).status_code == 403
    assert _featured(engine) == {}


TEXTS = st.lists(st.sampled_from([*OTHERS, SHOWN, "Built trust"]) | st.text(max_size=30),
                 max_size=3)  # fmt: skip


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(section=st.sampled_from(section_keys()) | st.text(max_size=20), texts=TEXTS)
def test_any_quote_form_is_saved_or_refused_never_a_failure(
    site: tuple[str, Engine], section: str, texts: list[str]
) -> None:
    url, engine = site
    before = _featured(engine)
    posted = _post(signed_in(url, "APS1"), section, texts)
    assert posted.status_code in (303, 400)
    after = _featured(engine)
    if posted.status_code == 400:
        assert "govuk-error-summary" in posted.text and after == before
    else:
        assert len(after.get(section, ())) <= QUOTES_POLICY.report.featured_quotes
        assert {k: v for k, v in after.items() if k != section} == {
            k: v for k, v in before.items() if k != section
        }
