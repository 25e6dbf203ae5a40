"""The demo's September 2020 report, built as `audits demo` builds it (the same council, seed and
history), is at most 10 pages, its text stays within the page and no table row is split."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from pypdf import PageObject, PdfReader

from config.settings import default_programme, load_policy
from demo.history import LAST, history_programme, replay
from demo.report import IMPORTED_ON
from demo.synthetic import CASE_COLUMNS, STAFF_COLUMNS, make_council, write_csv
from flows.report import CompiledReport, compile_report, publish
from importer import import_cases, import_staff
from models.db import make_engine, migrate, session_scope

DEMO_SEED = 2026  # `audits demo`'s default --seed
MM = 72 / 25.4  # PDF points in a millimetre
PAGE_MARGIN_MM = 16  # the report's @page side margins


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory: pytest.TempPathFactory) -> CompiledReport:
    folder: Path = tmp_path_factory.mktemp("demo-report")
    programme = folder / "programme.toml"
    programme.write_text(history_programme(default_programme()))
    policy = load_policy(programme)
    engine = make_engine(f"sqlite:///{folder / 'audits.db'}")
    migrate(engine)
    council = make_council(DEMO_SEED, IMPORTED_ON)
    for name, columns, rows, do_import in (
        ("staff.csv", STAFF_COLUMNS, council.staff, import_staff),
        ("cases.csv", CASE_COLUMNS, council.cases, import_cases),
    ):
        with session_scope(engine) as session:
            do_import(session, write_csv(folder / name, columns, rows), IMPORTED_ON)
    replay(engine, policy, DEMO_SEED)
    try:
        compiled = compile_report(engine, policy, LAST, folder / "report")
        publish(compiled)  # the files in place, as the flow does once the report is recorded
        return compiled
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def pages(demo_report: CompiledReport) -> PdfReader:
    return PdfReader(io.BytesIO(demo_report.pdf))


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_the_demo_report_is_at_most_10_pages(pages: PdfReader) -> None:
    assert 3 <= len(pages.pages) <= 10


def _text_starts(page: PageObject) -> list[tuple[float, str]]:
    """Where each piece of the page's text starts, left to right (points from the left edge),
    the charts' too: WeasyPrint draws each SVG text in a form XObject, whose text pypdf reports
    relative to the form, so the form's place on the page is applied here."""
    starts: list[tuple[float, str]] = []
    drawn_at: list[list[float]] = []  # the page's matrix where each form being read is drawn

    def before(operator: bytes, _operands: object, cm: list[float], _tm: object) -> None:
        if operator == b"Do":
            drawn_at.append(list(cm))

    def after(operator: bytes, *_: object) -> None:
        if operator == b"Do":
            drawn_at.pop()

    def visit(text: str, cm: list[float], tm: list[float], *_: object) -> None:
        if text.strip():
            x, y = _apply(cm, tm[4], tm[5])
            for outer in reversed(drawn_at):
                x, y = _apply(outer, x, y)
            starts.append((x, text))

    page.extract_text(
        visitor_operand_before=before, visitor_operand_after=after, visitor_text=visit
    )
    return starts


def _apply(matrix: list[float], x: float, y: float) -> tuple[float, float]:
    a, b, c, d, e, f = matrix
    return a * x + c * y + e, b * x + d * y + f


def test_no_text_starts_beyond_the_right_margin(pages: PdfReader) -> None:
    for number, page in enumerate(pages.pages, start=1):
        right = float(page.mediabox.width) - PAGE_MARGIN_MM * MM
        starts = _text_starts(page)
        beyond = [(x, text) for x, text in starts if x > right]
        assert starts and not beyond, f"page {number}: {beyond[:3]}"


def test_no_table_row_is_split_across_pages(demo_report: CompiledReport, pages: PdfReader) -> None:
    texts = [_flat(page.extract_text()) for page in pages.pages]
    figures = demo_report.figures
    rows = [*figures.compliance_rows]
    assert figures.compliance_total is not None
    rows.append(figures.compliance_total)
    for row in rows:
        # The row's label and its figures on one page.
        shown = f"{row.team or 'All teams'} {row.allocated:,} {row.on_time:,} {row.late:,}"
        if row.service_area == "All service areas":
            shown = f"All service areas {row.allocated:,} {row.on_time:,}"
        assert any(shown in text for text in texts), shown
    for month, counts in figures.judgements_by_month.items():
        values = " ".join(str(counts[j]) for j in counts)
        label = f"{month}"  # the row's month, as the table writes it
        year, number = label.split("-")
        assert any(re.search(rf"\b{int(year)}( \((partly )?paused\))? {values}", t) for t in texts)


def test_the_report_says_what_was_done_instead_and_marks_march_partly_paused(
    pages: PdfReader,
) -> None:
    text = _flat(" ".join(page.extract_text() for page in pages.pages))
    assert "What was done instead: RAG ratings of every open case" in text
    assert "March 2020 (partly paused)" in text and "April 2020 (paused)" in text
    assert "All service areas" in text and "12. Compliance by month" in text


def test_the_appendix_lies_beside_the_pdf(demo_report: CompiledReport) -> None:
    assert demo_report.appendix_path is not None
    assert demo_report.appendix_path.parent == demo_report.pdf_path.parent
    lines = demo_report.appendix_path.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "section,theme,group,text,count" and len(lines) > 20


def test_the_demo_report_shows_recurring_findings_with_a_trend(
    demo_report: CompiledReport, pages: PdfReader
) -> None:
    found = demo_report.figures.recurring_findings
    top = found[0]
    assert top.this_month > 0 and top.last_12_months > top.this_month
    # The demo's trend (demo/tags.py): management oversight found far less often after the
    # pause than before it.
    oversight = next(f for f in found if f.tag == "management_oversight").by_month
    before = sum(oversight[m] for m in ("2019-10", "2019-11", "2019-12"))
    after = sum(oversight[m] for m in ("2020-07", "2020-08", "2020-09"))
    assert after * 2 < before
    text = _flat(" ".join(page.extract_text() for page in pages.pages))
    assert "6. Recurring findings" in text and "by overall judgement" in text
