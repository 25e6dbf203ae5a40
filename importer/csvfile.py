"""Reading an export CSV and checking its values: the reading pieces both imports share.

Everything here turns a file into checked values and touches no database; writing them is
``importer.store``, and what the values mean (staff, cases) lives in ``importer.staff`` and
``importer.cases``. Nothing is written until the whole file has been read and every row checked,
so a file with any problem leaves the database exactly as it was.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rules.values import unstorable

# The longest value echoed back in a message: enough to recognise it, never a whole cell.
_ECHO = 30


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an import file, located as ``FILE:ROW:COLUMN`` like a compiler error."""

    file: str
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        # One line whatever a message quotes: a quoted cell may hold a line break (or a NUL).
        return _one_line(f"{self.file}:{self.row}:{self.column}: {self.message}")


def _one_line(text: str) -> str:
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class ImportFailed(Exception):
    """The file was refused; ``problems`` lists every problem found, in file order."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        super().__init__(f"{self.problems[0]} ({count} problem{'s' if count != 1 else ''} in all)")


@dataclass
class ImportResult:
    """What an import did. ``restored`` rows are also counted in ``updated`` (they were written)."""

    kind: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    marked_missing: int = 0
    restored: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        names = ("rows", "created", "updated", "unchanged", "marked_missing", "restored")
        return {name: getattr(self, name) for name in names}


class BadValue(ValueError):
    """Raised by a parser; its message completes "COLUMN: ..."."""


@dataclass
class CsvTable:
    """A read file: where each wanted column is, the columns not wanted, and the data rows.

    ``rows`` holds (line number where the record starts, raw values). ``problems`` holds the
    row-shape problems found while reading, to be reported with the value problems.
    """

    file: str
    sha256: str
    index: dict[str, int]
    extra: list[str]
    rows: list[tuple[int, list[str]]]
    problems: list[Problem] = field(default_factory=list)

    def problem(self, row: int, column: str, message: str) -> Problem:
        return Problem(self.file, row, column, message)

    def sorted_problems(self, problems: Iterable[Problem]) -> list[Problem]:
        """Problems in file order: by line, then by the column's place in the header."""
        return sorted(problems, key=lambda p: (p.row, self.index.get(p.column, -1)))


def read_table(
    path: Path,
    display_name: str | None,
    columns: Sequence[str],
    optional: Callable[[str], bool] | None = None,
) -> CsvTable:
    """Read ``path`` as CSV with a header naming at least ``columns``; raise ImportFailed for a
    problem with the file as a whole (unreadable, not UTF-8, empty, a column missing).

    ``optional`` says which other headings (lower case) are read too, when present: a file
    whose columns vary, such as one per theme."""
    name = display_name or str(path)
    if unstorable(name):  # bytes that are not UTF-8 in the name: it is recorded with the import
        shown = name.encode("utf-8", "backslashreplace").decode("utf-8")
        raise ImportFailed([Problem(shown, 1, "-", "the file's name is not UTF-8: rename it")])
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ImportFailed([Problem(name, 1, "-", f"cannot be read ({error.strerror})")]) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        message = f"is not UTF-8 text (first bad byte on line {line}); save it as CSV UTF-8"
        raise ImportFailed([Problem(name, 1, "-", message)]) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            raise ImportFailed([Problem(name, 1, "-", "is empty (no header row)")])
        table = CsvTable(name, hashlib.sha256(data).hexdigest(), {}, [], [])
        _read_header(table, header, columns, optional or (lambda key: False))
        _read_rows(table, reader, len(header))
    except csv.Error as error:
        problem = Problem(name, reader.line_num or 1, "-", f"is not valid CSV ({error})")
        raise ImportFailed([problem]) from None
    if not table.rows and not table.problems:
        raise ImportFailed([table.problem(1, "-", "has a header but no data rows")])
    return table


def _read_header(
    table: CsvTable, header: list[str], columns: Sequence[str], optional: Callable[[str], bool]
) -> None:
    problems = []
    for position, cell in enumerate(header):
        key = cell.strip().lower()
        if bad := unstorable(cell):  # an unused heading is stored too, in the import's record
            column = echo(cell).strip("'\"")
            problems.append(
                table.problem(1, column, f"heading contains {bad}, which cannot be stored")
            )
            continue
        wanted = key in columns or (bool(key) and optional(key))
        if wanted and key in table.index:
            first = table.index[key] + 1
            problems.append(table.problem(1, key, f"duplicate column (also column {first})"))
        elif wanted:
            table.index[key] = position
        elif key:  # a blank heading (a trailing comma) is not worth a mention
            table.extra.append(cell.strip())
    hint = " (is the file separated by commas?)" if len(header) == 1 else ""
    problems += [
        table.problem(1, c, f"missing column{hint}") for c in columns if c not in table.index
    ]
    if problems:
        raise ImportFailed(table.sorted_problems(problems))


def _read_rows(table: CsvTable, reader: Any, width: int) -> None:
    """Keep every non-blank record with the line it starts on (a quoted value may span lines)."""
    previous = reader.line_num
    for record in reader:
        start, previous = previous + 1, reader.line_num
        if not "".join(record).strip():
            continue  # blank lines and rows of empty cells, as spreadsheets leave at the end
        if len(record) > width and not "".join(record[width:]).strip():
            record = record[:width]  # trailing empty cells past the header are harmless
        if len(record) != width:
            message = f"has {len(record)} values but the header has {width} (a stray comma?)"
            table.problems.append(table.problem(start, "-", message))
            continue
        table.rows.append((start, record))


# Parsers: each takes a stripped, non-blank value and returns it checked, or raises BadValue.
Parser = Callable[[str], Any]


def echo(value: str) -> str:
    """A value quoted for a message, cut short so a message never carries a long cell."""
    return repr(value if len(value) <= _ECHO else value[:_ECHO] + "...")


def text(max_length: int) -> Parser:
    def parse(value: str) -> str:
        if len(value) > max_length:
            raise BadValue(f"is longer than {max_length} characters")
        if bad := unstorable(value):  # PostgreSQL would refuse it on writing, after every check
            raise BadValue(f"contains {bad}, which cannot be stored")
        return value

    return parse


def choice(allowed: Sequence[str]) -> Parser:
    """One of ``allowed``, in any letter case (spreadsheets capitalise); stored in lower case."""

    def parse(value: str) -> str:
        if value.lower() not in allowed:
            raise BadValue(f"{echo(value)} is not one of {', '.join(allowed)}")
        return value.lower()

    return parse


_YES_NO = choice(("yes", "no"))


def yes_no(value: str) -> bool:
    return _YES_NO(value) == "yes"


@dataclass(frozen=True)
class Column:
    name: str
    parse: Parser
    required: bool = True


def parse_row(
    table: CsvTable,
    line: int,
    values: list[str],
    columns: Sequence[Column],
    problems: list[Problem],
) -> dict[str, Any]:
    """The row's values by column name, blank optional values as None. A value with a problem is
    left out and the problem added, so that later checks see what could be read."""
    row: dict[str, Any] = {}
    for column in columns:
        value = values[table.index[column.name]].strip()
        if not value:
            if column.required:
                problems.append(table.problem(line, column.name, "is required"))
            else:
                row[column.name] = None
            continue
        try:
            row[column.name] = column.parse(value)
        except BadValue as error:
            problems.append(table.problem(line, column.name, str(error)))
    return row


def check_unique(
    table: CsvTable, line: int, column: str, row: dict[str, Any], seen: dict[str, int]
) -> list[Problem]:
    """A problem if the row's ``column`` value was on an earlier line; reported where it repeats."""
    value = row.get(column)
    first = seen.setdefault(value, line) if value is not None else line
    if first == line:
        return []
    return [table.problem(line, column, f"duplicate {column} {value} (first on line {first})")]


def ignored_notice(table: CsvTable, columns: Sequence[str], why: str) -> list[str]:
    """One line for stderr about columns left unread (empty when there are none)."""
    return [f"{table.file}: ignored column(s) {', '.join(columns)}: {why}"] if columns else []


class TeamAreas:
    """Each team's service area as the file gives it; a team given two areas is a problem."""

    def __init__(self, table: CsvTable) -> None:
        self.table = table
        self.areas: dict[str, tuple[str, int]] = {}

    def check(self, line: int, row: dict[str, Any]) -> list[Problem]:
        team, area = row.get("team"), row.get("service_area")
        if team is None or area is None:
            return []
        first = self.areas.setdefault(team, (area, line))
        if first[0] == area:
            return []
        message = f"team {echo(team)} is in service area {echo(first[0])} on line {first[1]}"
        return [self.table.problem(line, "service_area", message)]

    def mapping(self) -> dict[str, str]:
        return {team: area for team, (area, _) in self.areas.items()}
