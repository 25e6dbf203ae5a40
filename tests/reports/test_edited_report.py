"""The report edited for its readers, from figures worked out by hand: a handful of each group
of answers, the featured quotes, how many more; the appendix CSV; the compliance chart against
its table; pauses shaded from their real dates."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from datetime import date

import pytest

from models.figures import ReportFigures
from reports.appendix import appendix_csv
from reports.chart import position
from reports.compliance_chart import compliance_chart
from reports.html import month_compliance_json, render_report_html
from tests.reports.sample import sample_figures, with_counts

# 12 answers, 6 distinct: A x4, B x3, C x2, then D, E, F once each.
DONE_WELL = ("A", "b", "a", "B", "C", "A", "D", "a", "b", "c", "E", "F")


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture(scope="module")
def figures() -> ReportFigures:
    sample = sample_figures()
    answers = {**sample.reflections, "done_well": DONE_WELL}
    return with_counts(
        replace(
            sample,
            reflections=answers,
            quotes_shown=2,
            featured_quotes={"reflection:done_well": ("e", "a", "gone")},
        )
    )


def _section(html: str, question: str) -> str:
    return _text(html.split(question)[1].split("<h3>")[0])


def test_a_handful_then_the_featured_then_how_many_more(figures: ReportFigures) -> None:
    text = _section(render_report_html(figures), "What was done well?")
    # The 2 most frequent (A 4, B 3, spelt as first given: "b"); E featured (A is already
    # shown; "gone" is no longer an answer); C 2 + D + F = 4 more answers.
    assert "A ×4 b ×3" in text
    assert "Chosen by the APS team: “E” ×1" in text
    assert "and 4 more answers: see the appendix" in text
    assert "D ×1" not in text and "gone" not in text


def test_every_answer_shown_says_no_more(figures: ReportFigures) -> None:
    text = _section(render_report_html(replace(figures, quotes_shown=10)), "What was done well?")
    assert "A ×4 b ×3 C ×2 D ×1 E ×1 F ×1" in text and "more answer" not in text


def test_the_appendix_lists_every_distinct_answer_with_its_count(figures: ReportFigures) -> None:
    rows = list(csv.DictReader(io.StringIO(appendix_csv(figures))))
    assert list(rows[0]) == ["section", "theme", "group", "text", "count"]
    done_well = [(r["text"], r["count"]) for r in rows if r["group"] == "done_well"]
    assert done_well == [("A", "4"), ("b", "3"), ("C", "2"), ("D", "1"), ("E", "1"), ("F", "1")]
    assert {"section": "theme", "theme": "cin", "group": "inadequate", "text": "Reviews late.",
            "count": "1"} in rows  # fmt: skip
    assert {"section": "feedback", "theme": "", "group": "improvement",
            "text": "Slow to share minutes.", "count": "1"} in rows  # fmt: skip
    assert len(rows) == 6 + 2 + 2 + 3  # done well, the theme's 2, feedback 2, 3 other questions


def test_the_appendix_keeps_a_formula_as_text(figures: ReportFigures) -> None:
    tricky = with_counts(replace(figures, reflections={"done_well": ("=1+1", "@SUM(A1)")}))
    texts = [r["text"] for r in csv.DictReader(io.StringIO(appendix_csv(tricky)))]
    assert "'=1+1" in texts and "'@SUM(A1)" in texts


def test_the_compliance_chart_and_its_table_agree(figures: ReportFigures) -> None:
    html = render_report_html(figures)
    lines = dict(re.findall(r'id="line:(audits:pct|reaudits:on_time_pct):([0-9,]*)"', html))
    # Audits 80% a month, none in the paused months (a gap); re-audits from June.
    assert lines["audits:pct"] == "80,80,,,,80,80,80,80"
    assert lines["reaudits:on_time_pct"] == ",,,,,80,80,80,80"
    table = _text(html.split('id="compliance-by-month-table"')[1].split("</table>")[0])
    assert "March 2020 (partly paused) 0 0 0 – (–) 0 0 0 – (–)" in table
    assert "June 2020 30 24 20 80% (67%) 5 4 4 80% (80%)" in table
    # The total row is the cumulative figures of the introduction.
    # (The sample gives no on-time counts for them: 0, no per cent.)
    assert "Since January 2020 240 193 0 80% (–) 45 36 0 80% (–)" in table


def test_a_pause_is_shaded_from_its_real_first_day() -> None:
    months = ["2020-02", "2020-03", "2020-04", "2020-05", "2020-06"]
    # March is position 1, spanning 0.5 to 1.5: 24 March starts 23/31 of the way in.
    assert position(date(2020, 3, 24), months) == pytest.approx(0.5 + 23 / 31)
    assert position(date(2020, 5, 31), months, end=True) == pytest.approx(3.5)
    # Days outside the chart clamp to its edges.
    assert position(date(2019, 12, 1), months) == -0.5
    assert position(date(2021, 1, 1), months, end=True) == 4.5
    svg = compliance_chart(
        month_compliance_json(sample_figures()), [(date(2020, 3, 24), date(2020, 5, 31))]
    )
    assert 'id="pause:2020-03-24:2020-05-31"' in svg and "<script" not in svg


def test_the_chart_takes_plain_json_data() -> None:
    data = {"2021-01": {"audits": {"pct": 50, "on_time_pct": None}, "reaudits": {}}}
    svg = compliance_chart(data, [])
    assert 'id="line:audits:pct:50"' in svg and "line:reaudits" not in svg
