"""Compliance arithmetic: whole per cents half up, released audits, on time or late."""

from __future__ import annotations

from dataclasses import fields
from datetime import date
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.figures import Compliance, ComplianceRow
from rules.compliance import (
    ComplianceFields,
    RowFields,
    compliance,
    compliance_from_statuses,
    compliance_row,
    inadequate_share,
    is_on_time,
    judgements_by_month,
    months_covered,
    months_from,
    no_judgements,
    timeliness,
    timeliness_of,
    whole_percent,
)
from tests.rules.labelled_dates import day

# --- whole per cents -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [
        # The seed's two headline figures.
        (1298, 1632, 80),  # 79.53...%
        (361, 456, 79),  # 79.17...%
        # Exactly half: always up.
        (1, 8, 13),  # 12.5%
        (3, 8, 38),  # 37.5%
        (5, 8, 63),  # 62.5%
        (7, 8, 88),  # 87.5%
        (1, 200, 1),  # 0.5%
        (3, 200, 2),  # 1.5%
        (199, 200, 100),  # 99.5%
        (1, 40, 3),  # 2.5%
        (1, 1000, 0),  # 0.1%
        (4, 1000, 0),  # 0.4%
        (5, 1000, 1),  # 0.5%
        (995, 1000, 100),  # 99.5%
        (994, 1000, 99),  # 99.4%
        # Just either side of a half.
        (1249, 10000, 12),  # 12.49%
        (1250, 10000, 13),  # 12.50%
        (1251, 10000, 13),  # 12.51%
        (124999, 1000000, 12),  # 12.4999%
        (125000, 1000000, 13),  # 12.5%
        # Thirds and sixths: never a half, so plain nearest.
        (1, 3, 33),
        (2, 3, 67),
        (1, 6, 17),
        (5, 6, 83),
        (1, 7, 14),  # 14.28...%
        (2, 7, 29),  # 28.57...%
        # Ends of the range.
        (0, 1, 0),
        (0, 1632, 0),
        (1, 1, 100),
        (1632, 1632, 100),
        (1, 2, 50),
        (1, 3000, 0),  # 0.033%
        (2999, 3000, 100),  # 99.97%
        # Floats would stumble on these: 100 * 0.145 is 14.499999999999998.
        (29, 200, 15),  # 14.5%
        (57, 200, 29),  # 28.5%
        (1, 1_000_000, 0),
        (999_999, 1_000_000, 100),
        (1_000_000, 1_000_000, 100),
        (500_000, 1_000_000, 50),
        (123_456, 987_654, 12),  # 12.49...%
        # A part above the whole is still arithmetic (not a compliance figure).
        (3, 2, 150),
    ],
)
def test_whole_percent(part: int, whole: int, expected: int) -> None:
    assert whole_percent(part, whole) == expected


@pytest.mark.parametrize(("part", "whole"), [(0, 0)])
def test_whole_percent_of_nothing_is_none(part: int, whole: int) -> None:
    assert whole_percent(part, whole) is None


@pytest.mark.parametrize(("part", "whole"), [(-1, 8), (1, -8), (-1, -1), (0, -1)])
def test_whole_percent_refuses_negative_counts(part: int, whole: int) -> None:
    with pytest.raises(ValueError, match="negative"):
        whole_percent(part, whole)


def _half_up(part: int, whole: int) -> int:
    exact = Fraction(100 * part, whole)
    floor = exact.numerator // exact.denominator
    return floor + 1 if exact - floor >= Fraction(1, 2) else floor


@given(
    st.integers(min_value=1, max_value=10**7).flatmap(
        lambda whole: st.tuples(st.integers(min_value=0, max_value=whole), st.just(whole))
    )
)
def test_whole_percent_is_exact_half_up(pair: tuple[int, int]) -> None:
    part, whole = pair
    result = whole_percent(part, whole)
    assert result == _half_up(part, whole)
    assert result is not None and 0 <= result <= 100


@given(st.integers(min_value=1, max_value=10**6), st.integers(min_value=0, max_value=200))
def test_an_exact_half_per_cent_always_rounds_up(scale: int, halves: int) -> None:
    # (halves / 2)% of 200 * scale is halves * scale: exactly representable, .5 when odd.
    assert whole_percent(halves * scale, 200 * scale) == (halves + 1) // 2


# --- compliance from counts ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("allocated", "completed", "released", "on_time", "expected"),
    [
        # The seed: 1,632 allocated, 1,298 completed: 80%.
        (1632, 1298, 0, 0, Compliance(1632, 1298, 0, 80, 1632, 80, 0, 0)),
        (456, 361, 0, 361, Compliance(456, 361, 0, 79, 456, 79, 361, 79)),
        # 8 allocated after 2 released: 3 of 8 is 37.5% -> 38; with them 3 of 10 is 30%.
        (8, 3, 2, 1, Compliance(8, 3, 2, 38, 10, 30, 1, 13)),
        # 1 of 8 is 12.5% -> 13; with 2 released 1 of 10 is 10%.
        (8, 1, 2, 1, Compliance(8, 1, 2, 13, 10, 10, 1, 13)),
        # Everything released: nothing allocated, no per cent; with them 0 of 3 is 0%.
        (0, 0, 3, 0, Compliance(0, 0, 3, None, 3, 0, 0, None)),
        # Nothing at all.
        (0, 0, 0, 0, Compliance(0, 0, 0, None, 0, None, 0, None)),
        # All done on time.
        (5, 5, 0, 5, Compliance(5, 5, 0, 100, 5, 100, 5, 100)),
        # 7 of 8 is 87.5% -> 88; with 1 released 7 of 9 is 77.7% -> 78; 5 of 8 on time 62.5 -> 63.
        (8, 7, 1, 5, Compliance(8, 7, 1, 88, 9, 78, 5, 63)),
    ],
)
def test_compliance(
    allocated: int, completed: int, released: int, on_time: int, expected: Compliance
) -> None:
    assert Compliance(**compliance(allocated, completed, released, on_time)) == expected


def test_compliance_refuses_more_completed_than_allocated() -> None:
    with pytest.raises(ValueError, match="completed"):
        compliance(2, 3, 0)


def test_compliance_refuses_more_on_time_than_completed() -> None:
    with pytest.raises(ValueError, match="on time"):
        compliance(4, 2, 0, on_time=3)


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        # 5 outstanding + 3 completed = 8 allocated; 1 exempted + 1 withdrawn = 2 released.
        (
            {"allocated": 5, "completed": 3, "exempted": 1, "withdrawn": 1},
            Compliance(8, 3, 2, 38, 10, 30, 0, 0),
        ),
        ({"completed": 1298, "allocated": 334}, Compliance(1632, 1298, 0, 80, 1632, 80, 0, 0)),
        ({"exempted": 2}, Compliance(0, 0, 2, None, 2, 0, 0, None)),
        ({"withdrawn": 1, "completed": 1}, Compliance(1, 1, 1, 100, 2, 50, 0, 0)),
        ({}, Compliance(0, 0, 0, None, 0, None, 0, None)),
    ],
)
def test_compliance_from_statuses(counts: dict[str, int], expected: Compliance) -> None:
    assert Compliance(**compliance_from_statuses(counts)) == expected


def test_compliance_from_statuses_carries_on_time() -> None:
    found = compliance_from_statuses({"completed": 3, "allocated": 5}, on_time=1)
    assert (found["on_time"], found["on_time_pct"]) == (1, 13)  # 1 of 8 = 12.5% -> 13


# --- on time or late -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("completed_on", "due_on", "on_time"),
    [
        ("Mon 2026-11-30", "Mon 2026-11-30", True),  # on the due date itself
        ("Fri 2026-11-27", "Mon 2026-11-30", True),
        ("Mon 2026-11-02", "Mon 2026-11-30", True),
        ("Tue 2026-12-01", "Mon 2026-11-30", False),  # the day after
        ("Fri 2027-01-29", "Mon 2026-11-30", False),
        # An extension to Fri 4 Dec: the extended due date is the one that counts.
        ("Fri 2026-12-04", "Fri 2026-12-04", True),
        ("Mon 2026-12-07", "Fri 2026-12-04", False),
    ],
)
def test_is_on_time(completed_on: str, due_on: str, on_time: bool) -> None:
    assert is_on_time(day(completed_on), day(due_on)) is on_time


DUE = day("Mon 2026-11-30")


@pytest.mark.parametrize(
    ("status", "completed_on", "expected"),
    [
        ("completed", date(2026, 11, 30), "on_time"),
        ("completed", date(2026, 11, 12), "on_time"),
        ("completed", date(2026, 12, 1), "late"),
        ("allocated", None, "outstanding"),
        ("exempted", None, "released"),
        ("withdrawn", None, "released"),
        # A released audit stays released whatever dates it carries.
        ("exempted", date(2026, 11, 2), "released"),
        # Completed, but with no date recorded: not shown to be on time.
        ("completed", None, "late"),
    ],
)
def test_timeliness(status: str, completed_on: date | None, expected: str) -> None:
    assert timeliness(status, completed_on, DUE) == expected


@pytest.mark.parametrize(
    ("status", "on_time", "expected"),
    [
        ("completed", True, "on_time"),
        ("completed", False, "late"),
        ("completed", None, "late"),
        ("allocated", None, "outstanding"),
        ("allocated", False, "outstanding"),
        ("exempted", None, "released"),
        ("withdrawn", True, "released"),
    ],
)
def test_timeliness_of_a_databases_comparison(
    status: str, on_time: bool | None, expected: str
) -> None:
    assert timeliness_of(status, on_time) == expected


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        # 3 on time + 2 late + 3 outstanding = 8; 5 of 8 = 62.5% -> 63.
        (
            {"on_time": 3, "late": 2, "outstanding": 3, "released": 1},
            ComplianceRow("North", "North A", 8, 3, 2, 3, 1, 63),
        ),
        ({"released": 2}, ComplianceRow("North", "North A", 0, 0, 0, 0, 2, None)),
        ({"outstanding": 4}, ComplianceRow("North", "North A", 4, 0, 0, 4, 0, 0)),
        ({"late": 1}, ComplianceRow("North", "North A", 1, 0, 1, 0, 0, 100)),
    ],
)
def test_compliance_row(counts: dict[str, int], expected: ComplianceRow) -> None:
    assert ComplianceRow("North", "North A", **compliance_row(counts)) == expected


def test_compliance_row_for_an_area_total_has_no_team() -> None:
    row = ComplianceRow("South", None, **compliance_row({"on_time": 1, "outstanding": 7}))
    assert (row.team, row.allocated, row.pct) == (None, 8, 13)  # 1 of 8 = 12.5% -> 13


def test_the_rules_fields_are_the_reports_fields() -> None:
    # rules/ cannot import reports/, so the two are kept in step here.
    assert list(ComplianceFields.__annotations__) == [f.name for f in fields(Compliance)]
    assert list(RowFields.__annotations__) == [f.name for f in fields(ComplianceRow)][2:]


# --- judgements ----------------------------------------------------------------------------------


def test_no_judgements_lists_every_judgement_in_order() -> None:
    assert list(no_judgements().items()) == [
        ("outstanding", 0),
        ("good", 0),
        ("requires_improvement", 0),
        ("inadequate", 0),
    ]


@pytest.mark.parametrize(
    ("judgements", "expected"),
    [
        ({"good": 6, "requires_improvement": 1, "inadequate": 1}, 13),  # 1 of 8 = 12.5%
        ({"good": 5, "inadequate": 3}, 38),  # 3 of 8 = 37.5%
        ({"outstanding": 1, "good": 12, "inadequate": 1}, 7),  # 1 of 14 = 7.1%
        ({"good": 17, "inadequate": 3}, 15),  # 3 of 20
        ({"good": 4}, 0),
        ({"inadequate": 2}, 100),
        (no_judgements(), None),
        ({}, None),
    ],
)
def test_inadequate_share(judgements: dict[str, int], expected: int | None) -> None:
    assert inadequate_share(judgements) == expected


def test_judgements_by_month_has_every_month_with_zeros() -> None:
    rows = [("2020-02", "good", 3), ("2020-06", "inadequate", 1), ("2020-02", "good", 2)]
    table = judgements_by_month(rows, months_from("2020-02", "2020-06"))
    assert list(table) == ["2020-02", "2020-03", "2020-04", "2020-05", "2020-06"]
    assert table["2020-02"] == {
        "outstanding": 0,
        "good": 5,
        "requires_improvement": 0,
        "inadequate": 0,
    }
    assert table["2020-04"] == no_judgements()
    assert table["2020-06"]["inadequate"] == 1


@pytest.mark.parametrize(
    "row", [("2020-07", "good", 1), ("2020-02", "excellent", 1), ("2020-02", None, 1)]
)
def test_judgements_by_month_refuses_rows_it_has_no_place_for(row: tuple[str, str, int]) -> None:
    with pytest.raises(ValueError, match="no column"):
        judgements_by_month([row], ["2020-02"])


# --- months --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        ("2020-03", "2020-03", ["2020-03"]),
        ("2019-11", "2020-02", ["2019-11", "2019-12", "2020-01", "2020-02"]),
        ("2020-04", "2020-03", []),
        ("2021-01", "2020-01", []),
    ],
)
def test_months_from(first: str, last: str, expected: list[str]) -> None:
    assert months_from(first, last) == expected


def test_months_from_spans_the_seed_programme() -> None:
    months = months_from("2018-11", "2020-09")
    assert len(months) == 23 and months[0] == "2018-11" and months[-1] == "2020-09"


@pytest.mark.parametrize(
    ("starts_on", "last_day", "first", "last", "expected"),
    [
        # The seed's pause: 24 March 2020 until the resume on 1 June (last paused day 31 May).
        (
            date(2020, 3, 24),
            date(2020, 5, 31),
            "2018-11",
            "2020-09",
            ("2020-03", "2020-04", "2020-05"),
        ),
        # Clipped to the report's months.
        (date(2020, 3, 24), date(2020, 5, 31), "2020-04", "2020-09", ("2020-04", "2020-05")),
        (date(2020, 3, 24), date(2020, 5, 31), "2018-11", "2020-04", ("2020-03", "2020-04")),
        # One day is enough to mark a month.
        (date(2020, 6, 30), date(2020, 7, 1), "2020-01", "2020-12", ("2020-06", "2020-07")),
        (date(2020, 6, 15), date(2020, 6, 15), "2020-01", "2020-12", ("2020-06",)),
        # Across a new year.
        (date(2020, 12, 20), date(2021, 1, 10), "2020-01", "2021-12", ("2020-12", "2021-01")),
        # Wholly outside the report's months.
        (date(2021, 3, 1), date(2021, 4, 30), "2020-01", "2020-12", ()),
        (date(2019, 3, 1), date(2019, 4, 30), "2020-01", "2020-12", ()),
        # Resumed on its first day: nothing was paused.
        (date(2020, 6, 15), date(2020, 6, 14), "2020-01", "2020-12", ()),
    ],
)
def test_months_covered(
    starts_on: date, last_day: date, first: str, last: str, expected: tuple[str, ...]
) -> None:
    assert months_covered(starts_on, last_day, first, last) == expected
