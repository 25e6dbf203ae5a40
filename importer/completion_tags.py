"""The completions CSV's optional ``tags`` column: the recurring findings ([findings.tags]) of
each completed audit, ``;``-separated (``supervision;drift_and_delay``), blank for none.

A tag that is not on the programme's list is a problem naming the tag, the file, the row and the
column, and (as every problem of the import) nothing is imported.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from importer.csvfile import CsvTable, Problem
from rules.completion import CompletionDetails
from rules.recurring import TagError, check_tags, split_tags

TAGS = "tags"


def with_row_tags(
    details: CompletionDetails,
    table: CsvTable,
    line: int,
    values: Sequence[str],
    known: Mapping[str, str],
    problems: list[Problem],
) -> CompletionDetails:
    """``details`` with the row's tags, checked against ``known`` (the programme's tags); an
    unknown tag is added to ``problems`` where it is."""
    if TAGS not in table.index:
        return details
    try:
        tags = check_tags(split_tags(values[table.index[TAGS]]), known)
    except TagError as error:
        problems.append(table.problem(line, TAGS, str(error)))
        return details
    return replace(details, tags=tags)
