"""Values people type or files carry: dates, whole numbers and text, read one strict way.

Every way in (the CLI, the web pages, the CSV imports, a flow's parameters) reads dates and
numbers through these, so that what one accepts another does not refuse, and nothing that would
fail later (in the database, or in ``date()``) gets past the first check:

- digits are ASCII only: ``str.isdigit`` and ``int`` also take "²", "٣" (Arabic-Indic) or "３"
  (full width), and ``date.fromisoformat`` takes "20261127" and "2026-W48-5";
- a date is exactly ``YYYY-MM-DD``: ``$`` would match before a trailing newline, ``fullmatch``
  does not;
- numbers are bounded before ``int()`` sees them: an id beyond the schema's INTEGER columns
  cannot exist, and SQLite cannot even compare one above 2**63 - 1;
- dates the programme acts on lie between 1900 and 2199: working days and bank holidays are
  counted past a date, and near year 1 or 9999 that runs off the end of Python's calendar;
- text must be storable: PostgreSQL's text cannot hold NUL, and no UTF-8 database can hold a
  lone surrogate (what Python makes of bytes in a file name or argument that are not UTF-8).
"""

from __future__ import annotations

import re
from datetime import date

#: The largest id the schema's INTEGER columns hold (PostgreSQL's INTEGER is 32-bit).
MAX_ID = 2**31 - 1
#: The first and last dates the programme acts on (requests, decisions, pauses, runs).
EARLIEST_DATE, LATEST_DATE = date(1900, 1, 1), date(2199, 12, 31)
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_DIGITS = re.compile(r"[0-9]+")
# The longest value echoed back in a message: enough to recognise it, never a whole field.
_ECHO = 30


class InputError(ValueError):
    """A value that cannot be read; the message says what was expected."""


def shown(value: str) -> str:
    """``value`` quoted for a message (control characters escaped), cut short."""
    return repr(value if len(value) <= _ECHO else value[:_ECHO] + "...")


def parse_iso_date(text: str) -> date:
    """``"2026-11-27"`` -> ``date(2026, 11, 27)``: a real date written YYYY-MM-DD, from
    EARLIEST_DATE to LATEST_DATE; anything else raises :class:`InputError`."""
    found = _DATE.fullmatch(text)
    if not found:
        raise InputError(f"{shown(text)} is not a date written YYYY-MM-DD")
    try:
        day = date(*(int(part) for part in found.groups()))
    except ValueError:
        raise InputError(f"{shown(text)} is not a real date") from None
    if not in_range(day):
        raise InputError(f"{text} is not between {EARLIEST_DATE} and {LATEST_DATE}")
    return day


def in_range(day: date) -> bool:
    """Whether ``day`` is one the programme can act on (see EARLIEST_DATE)."""
    return EARLIEST_DATE <= day <= LATEST_DATE


def parse_whole_number(text: str, minimum: int = 0, maximum: int = MAX_ID) -> int:
    """ASCII digits for a number from ``minimum`` to ``maximum``, or :class:`InputError`."""
    expected = f"a whole number from {minimum} to {maximum}"
    # Length first: int() of a long enough string is slow, or refused outright (4300 digits).
    if len(text) > len(str(maximum)) + 5 or not _DIGITS.fullmatch(text):
        raise InputError(f"{shown(text)} is not {expected}")
    number = int(text)
    if not minimum <= number <= maximum:
        raise InputError(f"{shown(text)} is not {expected}")
    return number


def unstorable(text: str) -> str | None:
    """What in ``text`` no database here can store (a description), or None if nothing."""
    if "\x00" in text:
        return "a NUL character (\\x00)"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "a character that is not valid Unicode text"
    return None
