"""Reading posted forms the GOV.UK way: each problem is tied to the field it is about.

``Errors`` maps a field's id to its message; the page shows them in the error summary (each a
link to its field) and beside the field, in the order the fields appear.
"""

from __future__ import annotations

import re
from datetime import date

from rules.values import EARLIEST_DATE, LATEST_DATE, in_range, unstorable

Errors = dict[str, str]

MAX_TEXT = 2000
# ASCII digits only: str.isdigit() also takes "²" and Arabic-Indic digits, and a day of a
# thousand digits would overflow date() rather than be refused.
_DAY_OR_MONTH = re.compile(r"[0-9]{1,2}")
_YEAR = re.compile(r"[0-9]{4}")


def date_field(
    errors: Errors, field: str, label: str, day: str, month: str, year: str
) -> date | None:
    """A GOV.UK date input's three parts as a date, or an error on ``{field}-day``."""
    parts = [p.strip() for p in (day, month, year)]
    if not any(parts):
        errors[f"{field}-day"] = f"Enter {label}"
        return None
    missing = [name for name, part in zip(("day", "month", "year"), parts, strict=True) if not part]
    if missing:
        errors[f"{field}-{missing[0]}"] = f"{label.capitalize()} must include a {missing[0]}"
        return None
    day_, month_, year_ = parts
    if _DAY_OR_MONTH.fullmatch(day_) and _DAY_OR_MONTH.fullmatch(month_) and _YEAR.fullmatch(year_):
        try:
            chosen = date(int(year_), int(month_), int(day_))
        except ValueError:
            pass  # 31 February, month 13, year 0000
        else:
            if in_range(chosen):
                return chosen
            errors[f"{field}-year"] = (
                f"{label.capitalize()} must be between {EARLIEST_DATE.year} and {LATEST_DATE.year}"
            )
            return None
    errors[f"{field}-day"] = f"{label.capitalize()} must be a real date, like 27 11 2026"
    return None


def text_field(errors: Errors, field: str, value: str, missing: str) -> str:
    value = value.strip()
    if not value:
        errors[field] = missing
    elif len(value) > MAX_TEXT:
        errors[field] = f"Use {MAX_TEXT} characters or fewer"
    elif bad := unstorable(value):
        errors[field] = f"Remove {bad} from the text: it cannot be saved"
    return value


def choice_field(
    errors: Errors, field: str, value: str, allowed: tuple[str, ...], missing: str
) -> str:
    if value not in allowed:
        errors[field] = missing
    return value


def summary(errors: Errors) -> list[dict[str, str]]:
    """The error summary's list for govukErrorSummary."""
    return [{"text": message, "href": f"#{field}"} for field, message in errors.items()]


def date_parts(value: date | None) -> dict[str, str]:
    if value is None:
        return {"day": "", "month": "", "year": ""}
    return {"day": str(value.day), "month": str(value.month), "year": str(value.year)}


def rule_message(error: Exception) -> str:
    """A programme rule's one-line message as a sentence on a page."""
    text = str(error)
    return text[:1].upper() + text[1:]
