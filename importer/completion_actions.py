"""The completions CSV's optional action columns: ``action_<n>_owner``, ``action_<n>_due``,
``action_<n>_text`` (n = 1, 2, ...), one action per n, all three or all blank.

Read apart from the rest of the row (``importer.completions``): each group is checked as
``audits action add`` checks an action (an active Team or Service Manager as owner, a working
day not before the completion date), every problem naming the file, row and column, so that a
bad action stops the whole import before anything is written.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date

from sqlalchemy import select
from sqlmodel import Session, col

from importer.cases import iso_date
from importer.csvfile import BadValue, CsvTable, ImportFailed, Problem, text
from models.people import Staff
from rules.actions import MAX_ACTION_TEXT, ActionDraft, ActionError, Owner, check_new_action
from rules.values import unstorable

ACTION = re.compile(r"action_([1-9][0-9]?)_(owner|due|text)")
PARTS = ("owner", "due", "text")
#: Which column shows a rule's complaint (``ActionError.field``).
RULE_COLUMNS = {"owner": "owner", "due_on": "due", "text": "text"}
_OWNER, _TEXT = text(40), text(MAX_ACTION_TEXT)


def is_action_heading(heading: str) -> bool:
    return bool(ACTION.fullmatch(heading))


def action_numbers(table: CsvTable) -> list[str]:
    """The action numbers the header has; ImportFailed for a group missing a column."""
    parts: dict[str, set[str]] = defaultdict(set)
    for heading in table.index:
        if found := ACTION.fullmatch(heading):
            parts[found.group(1)].add(found.group(2))
    problems = [
        table.problem(1, f"action_{n}_{part}", f"missing column (action {n})")
        for n, have in sorted(parts.items(), key=lambda item: int(item[0]))
        for part in PARTS
        if part not in have
    ]
    if problems:
        raise ImportFailed(table.sorted_problems(problems))
    return sorted(parts, key=int)


def read_actions(
    session: Session, table: CsvTable, numbers: list[str], problems: list[Problem]
) -> dict[int, tuple[ActionDraft, ...]]:
    """Each row's actions by its line, their problems added to ``problems``."""
    if not numbers:
        return {}
    owners = _owners(session, table, numbers)
    found: dict[int, tuple[ActionDraft, ...]] = {}
    for line, values in table.rows:
        drafts = []
        for n in numbers:
            draft = _group(table, line, values, n, owners, problems)
            if draft is not None:
                drafts.append(draft)
        found[line] = tuple(drafts)
    return found


def row_actions(
    session: Session,
    table: CsvTable,
    numbers: list[str],
    set_on: dict[int, date],
    problems: list[Problem],
) -> dict[int, tuple[ActionDraft, ...]]:
    """Each row's actions by its line (every row's cells read, problems added), those of the
    rows to record (``set_on``: line -> completion date) checked as set on that date."""
    actions = read_actions(session, table, numbers, problems)
    owners = owners_of(session, actions)
    for line, day in set_on.items():
        check_set_on(table, line, actions.get(line, ()), owners, day, problems)
    return actions


def check_set_on(
    table: CsvTable, line: int, drafts: tuple[ActionDraft, ...], owners: dict[str, Owner],
    set_on: date, problems: list[Problem],
) -> None:  # fmt: skip
    """Check the row's actions as set on its completion date, ``set_on``."""
    for n, draft in enumerate(drafts, start=1):
        try:
            check_new_action(draft.text, owners.get(draft.owner_id), draft.due_on, set_on)
        except ActionError as error:
            column = f"action_{n}_{RULE_COLUMNS.get(error.field or '', 'owner')}"
            problems.append(table.problem(line, column, str(error)))


def _owners(session: Session, table: CsvTable, numbers: list[str]) -> dict[str, Owner]:
    cells = {
        values[table.index[f"action_{n}_owner"]].strip()
        for _, values in table.rows
        for n in numbers
    }
    # Only what could be a staff id: PostgreSQL refuses a NUL even in a lookup.
    ids = {cell for cell in cells if 0 < len(cell) <= 40 and unstorable(cell) is None}
    query = select(Staff).where(col(Staff.staff_id).in_(sorted(ids)))
    return {s.staff_id: Owner(s.staff_id, s.role, s.active) for s in session.scalars(query)}


def _group(
    table: CsvTable, line: int, values: list[str], n: str, owners: dict[str, Owner],
    problems: list[Problem],
) -> ActionDraft | None:  # fmt: skip
    headings = {part: f"action_{n}_{part}" for part in PARTS}
    raw = {part: values[table.index[h]].strip() for part, h in headings.items()}
    blank = [part for part in PARTS if not raw[part]]
    if len(blank) == len(PARTS):
        return None
    if blank:
        message = f"is blank, but the rest of action {n} is given: all or none"
        problems += [table.problem(line, headings[part], message) for part in blank]
        return None
    try:
        owner, due, words = _OWNER(raw["owner"]), iso_date(raw["due"]), _TEXT(raw["text"])
    except BadValue as error:
        problems.append(table.problem(line, headings["due"], str(error)))
        return None
    if owner not in owners:
        problems.append(table.problem(line, headings["owner"], f"{owner} is not on the staff list"))
        return None
    return ActionDraft(owner, due, words)


def owners_of(session: Session, actions: dict[int, tuple[ActionDraft, ...]]) -> dict[str, Owner]:
    """The proposed owners of ``actions`` as the staff list has them."""
    ids = sorted({draft.owner_id for drafts in actions.values() for draft in drafts})
    if not ids:
        return {}
    query = select(Staff).where(col(Staff.staff_id).in_(ids))
    return {s.staff_id: Owner(s.staff_id, s.role, s.active) for s in session.scalars(query)}
