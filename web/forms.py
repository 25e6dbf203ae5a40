"""Reading posted forms the GOV.UK way: each problem is tied to the field it is about.

``Errors`` maps a field's id to its message; the page shows them in the error summary (each a
link to its field) and beside the field, in the order the fields appear.
"""

from __future__ import annotations

from datetime import date

Errors = dict[str, str]

MAX_TEXT = 2000


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
    if not all(p.isdigit() for p in parts) or len(parts[2]) != 4:
        errors[f"{field}-day"] = f"{label.capitalize()} must be a real date, like 27 11 2026"
        return None
    try:
        return date(int(parts[2]), int(parts[1]), int(parts[0]))
    except ValueError:
        errors[f"{field}-day"] = f"{label.capitalize()} must be a real date, like 27 11 2026"
        return None


def text_field(errors: Errors, field: str, value: str, missing: str) -> str:
    value = value.strip()
    if not value:
        errors[field] = missing
    elif len(value) > MAX_TEXT:
        errors[field] = f"Use {MAX_TEXT} characters or fewer"
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
