"""The report's "Recurring findings" section from figures worked out by hand
(tests/reports/sample.py): the chart, its table, the split by judgement, a month without any,
and the Prefect artifact's line."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from reports.html import render_report_html
from reports.markdown import artifact_markdown
from tests.reports.sample import sample_figures


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _section(html: str) -> str:
    return html.split('<section id="recurring-findings">')[1].split("</section>")[0]


@pytest.fixture(scope="module")
def section() -> str:
    return _section(render_report_html(sample_figures()))


def test_the_chart_and_its_table_agree(section: str) -> None:
    bars = re.findall(r'id="finding:(\w+):(\d{4}-\d{2}):(\d+)"', section)
    # A panel for each finding seen in the 12 months (planning, never seen, has none).
    assert {tag for tag, _, _ in bars} == {"supervision", "drift_and_delay", "recording"}
    supervision = [(m, int(n)) for tag, m, n in bars if tag == "supervision"]
    assert supervision[0] == ("2019-10", 1) and supervision[-1] == ("2020-09", 4)
    assert len(supervision) == 12
    table = _text(section.split('id="recurring-findings-table"')[1].split("</table>")[0])
    assert "Supervision 1 2 3 2 3 0 0 0 2 1 3 4 21" in table
    assert "Drift and delay 0 0 1 1 0 0 0 0 0 2 1 2 7" in table
    assert "Planning 0 0 0 0 0 0 0 0 0 0 0 0 0" in table  # every tag is in the table
    # The months a pause touched are named (the sample's March to May 2020).
    assert "(October 2019 to September 2020); March 2020 partly paused, April 2020 paused, " \
        "May 2020 paused" in table  # fmt: skip


def test_the_split_by_judgement_lists_this_months_findings(section: str) -> None:
    table = _text(section.split('id="recurring-findings-judgements"')[1].split("</table>")[0])
    assert "Outstanding Good Requires improvement Inadequate" in table
    assert "Supervision 4 0 1 2 1" in table and "Drift and delay 2 0 0 1 1" in table
    assert "Recording" not in table  # none this month


def test_a_month_without_findings_says_so() -> None:
    figures = sample_figures()
    quiet = tuple(
        replace(r, this_month=0, by_month={**r.by_month, "2020-09": 0}) for r in
        figures.recurring_findings
    )  # fmt: skip
    section = _section(render_report_html(replace(figures, recurring_findings=quiet)))
    assert "No recurring findings were recorded in September 2020." in _text(section)
    assert 'id="recurring-findings-judgements"' not in section
    assert 'id="recurring-findings-table"' in section  # the trend is still shown
    none = tuple(
        replace(r, this_month=0, last_12_months=0, by_month=dict.fromkeys(r.by_month, 0))
        for r in figures.recurring_findings
    )
    empty = _section(render_report_html(replace(figures, recurring_findings=none)))
    assert "No recurring findings were recorded in the 12 months to September 2020." in empty
    assert "<svg" not in empty and "<table" not in empty


def test_the_artifact_names_this_months_findings() -> None:
    figures = sample_figures()
    text = artifact_markdown(figures)
    assert "Recurring findings in September 2020: Supervision 4, Drift and delay 2." in text
    quiet = replace(figures, recurring_findings=())
    assert "No recurring findings were recorded in September 2020." in artifact_markdown(quiet)
