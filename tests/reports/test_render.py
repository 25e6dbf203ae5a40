"""The report's HTML, chart and PDF from figures worked out by hand (tests/reports/sample.py)."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from reports.html import render_report_html
from reports.pdf import html_to_pdf
from tests.reports.sample import sample_figures

SECTIONS = [
    "1. Introduction",
    "2. Practice recommendations: September 2020",
    "3. Overall judgements – January 2020 to September 2020",
    "4. Inadequate practice this month",
    "5. Practice themes",
    "6. Recurring findings",
    "7. Safeguarding, moderation and practitioner responses",
    "8. Parent, child and partner agency feedback",
    "9. Social worker reflections",
    "10. Recommendations and practice standards for September 2020",
    "11. Compliance by service area and team",
    "12. Compliance by month",
    "Document author and contact",
]


@pytest.fixture(scope="module")
def html() -> str:
    return render_report_html(sample_figures())


@pytest.fixture(scope="module")
def pdf_text(html: str) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(html_to_pdf(html)))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_every_section_in_order(html: str) -> None:
    text = _text(html)
    positions = [text.index(section) for section in SECTIONS]
    assert positions == sorted(positions)


def test_the_introduction_says_the_figures_as_the_seed_does(html: str) -> None:
    text = _text(html)
    assert "240 children's cases have been allocated" in text
    assert "193 audits have been completed: an overall compliance rate of 80%" in text
    assert "Since April 2020, 45 re-audits have been allocated and 36 completed" in text
    assert "re-audit compliance rate of 80%" in text
    assert "77% (193 of 252)" in text  # counting released audits as allocated
    assert "paused from 24 March 2020 to 31 May 2020: stay-at-home order" in text
    assert "What was done instead: RAG ratings of open cases" in text


def test_the_chart_and_its_table_agree(html: str) -> None:
    figures = sample_figures()
    bars = {
        (month, judgement): int(count)
        for month, judgement, count in re.findall(r'id="bar:(\d{4}-\d{2}):(\w+):(\d+)"', html)
    }
    expected = {
        (month, judgement): count
        for month, counts in figures.judgements_by_month.items()
        for judgement, count in counts.items()
    }
    assert bars == expected
    table = html.split('id="judgements-table"')[1].split("</table>")[0]
    rows = re.findall(r"<tr[^>]*><th scope=\"row\"[^>]*>([^<]+)</th>(.*?)</tr>", table, re.S)
    assert len(rows) == len(figures.judgements_by_month) + 1  # and the total row
    september = [int(n) for n in re.findall(r">(\d+)</td>", rows[-2][1])]
    assert september == [1, 14, 11, 2, 28]
    # Total: outstanding 1+0+2+1+0+1, good 10+12+9+11+8+14, ... of every month.
    assert rows[-1][0] == "Total"
    assert [int(n) for n in re.findall(r">(\d+)</td>", rows[-1][1])] == [5, 64, 42, 15, 126]
    rows = rows[:-1]
    assert [label for label, _ in rows if "paused" in label] == [
        "March 2020 (partly paused)",
        "April 2020 (paused)",
        "May 2020 (paused)",
    ]


def test_the_inadequate_share_against_last_month(html: str) -> None:
    assert "7% of the cases audited in September 2020 were judged inadequate, against 15% in " \
        "August 2020" in _text(html)  # fmt: skip


def test_themes_feedback_reflections_and_recommendations(html: str) -> None:
    text = _text(html)
    assert "Children in Need" in text and "Reviews late." in text
    assert "Supervision must address drift." in text
    assert "“An open and honest relationship.” ×1 – parent" in text
    assert "“Slow to share minutes.” ×1 – partner agency" in text
    assert "Caseload pressures." in text
    assert "High priority: Supervision in line with timescales." in text
    assert '<li value="2">' in html


def test_compliance_rows(html: str) -> None:
    table = _text(html.split('id="compliance-table"')[1].split("</table>")[0])
    assert "North North Assessment 120 80 17 20 6 81%" in table
    assert "South All teams 120 76 20 21 3 80%" in table
    assert table.rstrip().endswith("All service areas 240 156 37 41 9 80%")


def test_the_page_is_self_contained(html: str) -> None:
    assert "<script" not in html
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert '<html lang="en">' in html and 'aria-label="Bar chart' in html


def test_the_pdf_renders_with_its_headings_and_figures(pdf_text: tuple[int, str]) -> None:
    pages, text = pdf_text
    flat = re.sub(r"\s+", " ", text)
    assert pages >= 3
    for heading in ("1. Introduction", "6. Recurring findings", "11. Compliance by service area"):
        assert heading in flat
    assert "overall compliance rate of 80%" in flat
    assert f"Page 1 of {pages}" in flat
