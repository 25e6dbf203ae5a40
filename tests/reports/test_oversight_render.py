"""The report's "Safeguarding, moderation and practitioner responses" section from figures worked
out by hand (tests/reports/sample.py): its sentences, the agreement chart and its table, a month
with none of them, and that no auditor is named anywhere in the report."""

from __future__ import annotations

import io
import re
from dataclasses import replace

import pytest
from pypdf import PdfReader

from models.figures import ConcernFigures, ModerationFigures, MonthModeration, ResponseFigures
from reports.html import hours, rate, render_report_html
from reports.markdown import artifact_markdown
from reports.pdf import html_to_pdf
from tests.reports.sample import AUDITOR_IDS, MODERATED, sample_figures


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _section(html: str) -> str:
    return html.split('<section id="oversight">')[1].split("</section>")[0]


@pytest.fixture(scope="module")
def html() -> str:
    return render_report_html(sample_figures())


@pytest.fixture(scope="module")
def section(html: str) -> str:
    return _section(html)


def test_concerns_raised_acknowledged_and_the_median(section: str) -> None:
    assert (
        "3 safeguarding concerns were raised during audits of September 2020: 2 acknowledged by "
        "the case's managers or the APS team and 1 still open. The median time to acknowledge "
        "was 3.5 hours." in _text(section)
    )


def test_moderation_this_month_and_over_12_months(section: str) -> None:
    text = _text(section)
    assert (
        "The APS team moderated 3 of September 2020's completed audits: the moderator agreed "
        "with the auditor's overall judgement on 2 (66.7%) and changed it on 1." in text
    )
    assert "this report counts the moderator's judgement" in text
    assert "Over the 12 months to September 2020, 21 audits were moderated and the moderator " \
        "agreed with 17 (81%)." in text  # fmt: skip


def test_the_agreement_chart_and_its_table_agree(section: str) -> None:
    bars = re.findall(r'id="agreement:(\d{4}-\d{2}):(\d+):([\d.]+|None)"', section)
    # A bar for each cycle with moderated audits, none for the others (December, the pause).
    assert [(m, int(n)) for m, n, _ in bars] == [(m, n) for m, (n, _) in MODERATED.items() if n]
    assert bars[0] == ("2019-10", "2", "100.0") and bars[-1] == ("2020-09", "3", "66.7")
    table = _text(section.split('id="moderation-table"')[1].split("</table>")[0])
    assert "(October 2019 to September 2020)" in table
    assert "Month Moderated Agreed Changed Agreement" in table
    assert "November 2019 3 2 1 66.7%" in table
    assert "February 2020 2 1 1 50%" in table
    assert "April 2020 (paused) 0 0 0 –" in table
    assert table.rstrip().endswith("12 months 21 17 4 81%")


def test_practitioner_responses(section: str) -> None:
    assert "12 of the 30 completed audits and re-audits of September 2020 (40%) had a response " \
        "from the case's social worker." in _text(section)  # fmt: skip


def test_the_judgements_section_says_they_are_moderated(html: str) -> None:
    assert "Where the APS team moderated an audit, its judgement here is the moderator's " \
        "(section 7)." in _text(html)  # fmt: skip
    quiet = replace(sample_figures(), moderation_12_months=ModerationFigures())
    assert 'id="judgements-moderated"' not in render_report_html(quiet)


def test_no_auditor_is_named_in_the_report(html: str) -> None:
    pdf = PdfReader(io.BytesIO(html_to_pdf(html)))
    pdf_text = " ".join(page.extract_text() for page in pdf.pages)
    assert "7. Safeguarding, moderation and practitioner responses" in re.sub(r"\s+", " ", pdf_text)
    for staff_id in AUDITOR_IDS:
        assert staff_id not in html and staff_id not in pdf_text
        assert staff_id not in artifact_markdown(sample_figures())
    assert "by_auditor" not in html


def test_a_month_with_none_says_so_in_a_line_each() -> None:
    figures = sample_figures()
    none = replace(
        figures,
        concerns=ConcernFigures(),
        moderation=ModerationFigures(),
        moderation_12_months=ModerationFigures(),
        moderation_by_month=dict.fromkeys(figures.moderation_by_month, MonthModeration()),
        practitioner_responses=ResponseFigures(),
    )
    section = _section(render_report_html(none))
    text = _text(section)
    assert "No safeguarding concerns were raised during audits of September 2020." in text
    assert "No audits were moderated in the 12 months to September 2020." in text
    assert "No audits of September 2020 have been completed, so there are no responses" in text
    assert "<svg" not in section and "<table" not in section
    assert len(re.findall(r"<p[ >]", section)) == 3


def test_a_month_without_moderation_still_shows_the_trend() -> None:
    figures = sample_figures()
    by_month = {**figures.moderation_by_month, "2020-09": MonthModeration()}
    quiet = replace(figures, moderation=ModerationFigures(), moderation_by_month=by_month)
    section = _section(render_report_html(quiet))
    assert "No audits of September 2020 were moderated." in _text(section)
    assert 'id="moderation-table"' in section and "<svg" in section


def test_concerns_none_acknowledged_and_responses_none_given() -> None:
    figures = replace(
        sample_figures(),
        concerns=ConcernFigures(raised=1, acknowledged=0, open=1),
        practitioner_responses=ResponseFigures(completed=4, with_response=0),
    )
    text = _text(_section(render_report_html(figures)))
    assert "1 safeguarding concern was raised during audits of September 2020: 0 acknowledged" \
        in text and "None has been acknowledged yet." in text  # fmt: skip
    assert "None of the 4 completed audits and re-audits of September 2020 had a response" in text


@pytest.mark.parametrize(
    ("value", "shown"),
    [(3.5, "3.5 hours"), (1.0, "1 hour"), (26.0, "26 hours"), (0.1, "0.1 hours"),
     (1234.5, "1,234.5 hours")],
)  # fmt: skip
def test_hours_are_shown_to_a_tenth(value: float, shown: str) -> None:
    assert hours(value) == shown


def test_rates_are_shown_to_a_tenth() -> None:
    assert [rate(v) for v in (66.7, 100.0, 0.0, None)] == ["66.7%", "100%", "0%", "–"]


def test_the_artifact_names_the_months_oversight_figures() -> None:
    text = artifact_markdown(sample_figures())
    assert "Safeguarding concerns: 3 raised, 2 acknowledged (median 3.5 hours)." in text
    assert "Moderated: 3 (2 agreed, 66.7%; 1 changed)." in text
    assert "Practitioner responses: 12 of 30 completed audits and re-audits." in text
    quiet = replace(sample_figures(), moderation=ModerationFigures(), concerns=ConcernFigures())
    assert "Safeguarding concerns: 0 raised, 0 acknowledged. Moderated: none." in artifact_markdown(
        quiet
    )
