"""How the ``audits`` command reads its flags' values: the same strict readers as the web pages
and the imports (``rules.values``, ``rules.months``), each error one line naming the flag.

argparse's own ``type=int`` takes "٣" (an Arabic-Indic 3), "1_000" and numbers no table can
hold, which then failed in the database with a traceback; these refuse them first.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date
from typing import TypeVar

from rules.months import MonthError, parse_programme_month
from rules.values import MAX_ID, InputError, parse_iso_date, parse_whole_number

T = TypeVar("T")


def _argument_type(read: Callable[[str], T], name: str) -> Callable[[str], T]:
    """``read`` as an argparse type: its error becomes argparse's one-line message, which
    names the flag ("argument --on: ...")."""

    def parse(text: str) -> T:
        try:
            return read(text)
        except (InputError, MonthError) as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    parse.__name__ = name
    return parse


def _port(text: str) -> int:
    return parse_whole_number(text, minimum=1, maximum=65535)


def _record_id(text: str) -> int:
    return parse_whole_number(text, minimum=1, maximum=MAX_ID)


as_date: Callable[[str], date] = _argument_type(parse_iso_date, "date")
as_month: Callable[[str], str] = _argument_type(parse_programme_month, "month")
#: An audit's, request's or recommendation's number: 1 up to what the schema holds.
record_id: Callable[[str], int] = _argument_type(_record_id, "id")
port: Callable[[str], int] = _argument_type(_port, "port")
whole_number: Callable[[str], int] = _argument_type(parse_whole_number, "number")
