"""Cycle months written YYYY-MM, and arithmetic on them."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules.months import (
    MonthError,
    add_months,
    adjacent_months,
    format_month,
    month_of,
    months_before,
    parse_month,
    parse_programme_month,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11", (2026, 11)),
        ("2026-01", (2026, 1)),
        ("2026-12", (2026, 12)),
        ("2027-09", (2027, 9)),
        ("1999-10", (1999, 10)),
    ],
)
def test_parse_month(text: str, expected: tuple[int, int]) -> None:
    assert parse_month(text) == expected


BAD_MONTHS: list[Any] = [
    "2026-13",
    "2026-00",
    "2026-1",
    "2026-011",
    "26-11",
    "02026-11",
    "0000-01",
    "2026/11",
    "2026 11",
    "2026-11-01",
    "11-2026",
    "Nov 2026",
    "November 2026",
    "2026-11x",
    "x2026-11",
    "2026-11\n2026-12",
    "２０２６-11",  # full-width digits
    "٢٠٢٦-١١",  # Arabic-Indic digits
    "2026-1²",
    "2026-11\n",  # a regular expression's $ matches before a final newline: \Z does not
    " 2026-11 ",
    "2026-11\x00",
    "",
    "   ",
    None,
    202611,
    date(2026, 11, 1),
]


@pytest.mark.parametrize("text", BAD_MONTHS, ids=[repr(text) for text in BAD_MONTHS])
def test_parse_month_refuses(text: Any) -> None:
    with pytest.raises(MonthError, match="YYYY-MM"):
        parse_month(text)


def test_month_error_is_a_value_error() -> None:
    assert issubclass(MonthError, ValueError)


@pytest.mark.parametrize(
    ("year", "month", "expected"),
    [(2026, 1, "2026-01"), (2026, 12, "2026-12"), (2027, 10, "2027-10"), (999, 3, "0999-03")],
)
def test_format_month(year: int, month: int, expected: str) -> None:
    assert format_month(year, month) == expected


@pytest.mark.parametrize(("year", "month"), [(2026, 0), (2026, 13), (2026, -1), (0, 5), (10000, 1)])
def test_format_month_refuses(year: int, month: int) -> None:
    with pytest.raises(MonthError):
        format_month(year, month)


@given(year=st.integers(min_value=1, max_value=9999), month=st.integers(min_value=1, max_value=12))
def test_format_then_parse(year: int, month: int) -> None:
    assert parse_month(format_month(year, month)) == (year, month)


@pytest.mark.parametrize(
    ("month", "count", "expected"),
    [
        ("2026-11", 0, "2026-11"),
        ("2026-11", 1, "2026-12"),
        ("2026-12", 1, "2027-01"),
        ("2026-11", 3, "2027-02"),
        ("2026-10", 3, "2027-01"),
        ("2026-11", 12, "2027-11"),
        ("2026-06", 24, "2028-06"),
        ("2026-01", 35, "2028-12"),
        ("2027-01", -1, "2026-12"),
        ("2027-02", -3, "2026-11"),
        ("2026-01", -12, "2025-01"),
        ("2026-01", -13, "2024-12"),
        ("2026-02", -11, "2025-03"),
    ],
)
def test_add_months(month: str, count: int, expected: str) -> None:
    assert add_months(month, count) == expected


@given(
    year=st.integers(min_value=1900, max_value=2200),
    month=st.integers(min_value=1, max_value=12),
    count=st.integers(min_value=-600, max_value=600),
)
def test_add_months_there_and_back(year: int, month: int, count: int) -> None:
    start = format_month(year, month)
    moved = add_months(start, count)
    assert add_months(moved, -count) == start
    moved_year, moved_month = parse_month(moved)
    assert (moved_year * 12 + moved_month) - (year * 12 + month) == count


@pytest.mark.parametrize("month", ["2026-13", "2026/11", ""])
def test_add_months_refuses_a_bad_month(month: str) -> None:
    with pytest.raises(MonthError):
        add_months(month, 1)


@pytest.mark.parametrize(
    ("month", "count", "expected"),
    [
        ("2026-02", 3, ["2026-01", "2025-12", "2025-11"]),
        ("2027-01", 1, ["2026-12"]),
        ("2026-06", 0, []),
    ],
)
def test_months_before(month: str, count: int, expected: list[str]) -> None:
    assert months_before(month, count) == expected


def test_months_before_the_exclusion_window() -> None:
    # A case audited in any of the 11 cycles before 2026-11 is excluded: 2025-12 .. 2026-10.
    window = months_before("2026-11", 11)
    assert len(window) == 11
    assert window[0] == "2026-10"
    assert window[-1] == "2025-12"
    assert "2026-11" not in window and "2025-11" not in window


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 12, 31), "2026-12"),
        (date(2027, 1, 1), "2027-01"),
        (date(2028, 2, 29), "2028-02"),
    ],
)
def test_month_of(day: date, expected: str) -> None:
    assert month_of(day) == expected


@pytest.mark.parametrize(
    ("month", "expected"),
    [
        ("2026-11", ("2026-10", "2026-12")),
        ("2199-12", ("2199-11", None)),
        ("1900-01", (None, "1900-02")),
        ("9999-12", (None, None)),
    ],
)
def test_adjacent_months_stop_at_the_ends_of_the_programme(
    month: str, expected: tuple[str | None, str | None]
) -> None:
    assert adjacent_months(month) == expected


def test_programme_months_lie_between_1900_and_2199() -> None:
    assert parse_programme_month("1900-01") == "1900-01"
    assert parse_programme_month("2199-12") == "2199-12"
    for month in ("1899-12", "2200-01", "9999-12", "0001-01"):
        with pytest.raises(MonthError, match="is not between 1900-01 and 2199-12"):
            parse_programme_month(month)
    with pytest.raises(MonthError, match="YYYY-MM"):
        parse_programme_month("2026-12\n")
