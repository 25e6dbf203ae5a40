"""Dates, whole numbers and text read one strict way wherever they come in."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules.values import MAX_ID, InputError, parse_iso_date, parse_whole_number, unstorable


def test_a_date_written_yyyy_mm_dd() -> None:
    assert parse_iso_date("2026-11-27") == date(2026, 11, 27)
    assert parse_iso_date("1900-01-01") == date(1900, 1, 1)
    assert parse_iso_date("2199-12-31") == date(2199, 12, 31)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("20261127", "YYYY-MM-DD"),  # date.fromisoformat takes it
        ("2026-W48-5", "YYYY-MM-DD"),  # and this
        ("٢٠٢٦-١١-٢٧", "YYYY-MM-DD"),  # Arabic-Indic digits
        ("２０２６-11-27", "YYYY-MM-DD"),  # full-width digits
        ("2026-11-27\n", "YYYY-MM-DD"),
        (" 2026-11-27", "YYYY-MM-DD"),
        ("2026-1-27", "YYYY-MM-DD"),
        ("27/11/2026", "YYYY-MM-DD"),
        ("", "YYYY-MM-DD"),
        ("2026-02-30", "not a real date"),
        ("2026-13-01", "not a real date"),
        ("0000-01-01", "not a real date"),
        ("0001-01-01", "not between 1900-01-01 and 2199-12-31"),  # working days run off
        ("9999-12-31", "not between 1900-01-01 and 2199-12-31"),  # the ends of the calendar
    ],
)
def test_anything_else_is_not_a_date(text: str, why: str) -> None:
    with pytest.raises(InputError, match=why):
        parse_iso_date(text)


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2199, 12, 31)))
def test_every_date_reads_back(day: date) -> None:
    assert parse_iso_date(day.isoformat()) == day


def test_whole_numbers() -> None:
    assert parse_whole_number("0") == 0
    assert parse_whole_number("007") == 7
    assert parse_whole_number(str(MAX_ID)) == MAX_ID
    assert parse_whole_number("3", minimum=1, maximum=3) == 3


@pytest.mark.parametrize(
    "text",
    ["", "-1", "+3", "1_000", " 3", "3\n", "²", "٣", "３", "1.0", str(MAX_ID + 1), "9" * 5000],
)
def test_anything_else_is_not_a_whole_number(text: str) -> None:
    with pytest.raises(InputError, match="whole number from 0 to"):
        parse_whole_number(text)


def test_a_number_out_of_range_names_the_range() -> None:
    with pytest.raises(InputError, match="from 1 to 65535"):
        parse_whole_number("0", minimum=1, maximum=65535)


def test_long_values_are_cut_short_in_messages() -> None:
    with pytest.raises(InputError) as error:
        parse_iso_date("x" * 10_000)
    assert len(str(error.value)) < 80


def test_what_a_database_cannot_store() -> None:
    assert unstorable("any text, même accentuée, 中文, and emoji 🙂") is None
    assert "NUL" in (unstorable("a\x00b") or "")
    assert "Unicode" in (unstorable("name\udcff.csv") or "")
