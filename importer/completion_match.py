"""Which audit each row of a completions CSV is about: by case and cycle, or ``audit_id``."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from importer.csvfile import CsvTable, Problem
from models.programme import Audit
from rules.completion import CompletionDetails


@dataclass
class CompletionRow:
    """One row of the file as read: its line, its parsed columns and what it records."""

    line: int
    values: dict[str, Any]
    details: CompletionDetails


def match_rows(
    session: Session, table: CsvTable, rows: list[CompletionRow], problems: list[Problem]
) -> list[tuple[CompletionRow, Audit]]:
    """Each row with its audit, found by case and cycle (or audit_id); one query for all."""
    refs = {r.values["case_ref"] for r in rows if "case_ref" in r.values}
    cycles = {r.values["cycle"] for r in rows if "cycle" in r.values}
    by_key: dict[tuple[str, str], list[Audit]] = defaultdict(list)
    query = (
        select(Audit)
        .where(col(Audit.case_ref).in_(refs), col(Audit.cycle).in_(cycles))
        .order_by(col(Audit.id))
    )
    for found in session.scalars(query) if refs and cycles else ():
        by_key[(found.case_ref, found.cycle)].append(found)
    matched, seen = [], dict[int, int]()
    for row in rows:
        audit = audit_for(table, row, by_key, problems)
        if audit is None or audit.id is None:
            continue
        first = seen.setdefault(audit.id, row.line)
        if first != row.line:
            message = f"audit {audit.id} is also on line {first}: one row per audit"
            problems.append(table.problem(row.line, key_column(row), message))
            continue
        matched.append((row, audit))
    return matched


def key_column(row: CompletionRow) -> str:
    return "audit_id" if row.values.get("audit_id") is not None else "case_ref"


def audit_for(
    table: CsvTable,
    row: CompletionRow,
    by_key: dict[tuple[str, str], list[Audit]],
    problems: list[Problem],
) -> Audit | None:
    ref, cycle = row.values.get("case_ref"), row.values.get("cycle")
    if ref is None or cycle is None:
        return None  # already reported
    found = by_key.get((ref, cycle), [])
    wanted = row.values.get("audit_id")
    if wanted is not None:
        audit = next((a for a in found if a.id == wanted), None)
        if audit is None:
            message = f"audit {wanted} is not an audit of case {ref} in {cycle}"
            problems.append(table.problem(row.line, "audit_id", message))
        return audit
    live = [a for a in found if a.status in ("allocated", "completed")]
    if len(live) == 1:
        return live[0]
    if not found:
        message = f"case {ref} has no audit in {cycle}"
    elif not live:
        last = found[-1]
        message = f"case {ref}'s audit in {cycle} (audit {last.id}) is {last.status}"
    else:
        ids = ", ".join(str(a.id) for a in live)
        message = f"case {ref} has {len(live)} audits in {cycle} ({ids}): give audit_id"
    problems.append(table.problem(row.line, "case_ref", message))
    return None
