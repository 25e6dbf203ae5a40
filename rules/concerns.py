"""Safeguarding concerns found during an audit: who raises one, who acknowledges it, and when
the daily chase escalates it to the Directors.

A concern cannot wait for the month-end report: its emails go the moment it is raised, and an
open concern is re-sent in every chase run (each working day, a pause or not: a pause stops
audits, never child protection) until someone responsible acknowledges it. Its text may describe
a child, so it is never emailed, logged or reported; emails carry the case reference and a link.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from datetime import date, datetime

from rules.errors import RuleError
from rules.working_days import working_days_between

CONCERN_STATUSES = ("open", "acknowledged")
#: The chase's ``items_by_stage`` names for a concern re-sent, and one escalated to Directors.
CONCERN_STAGES = ("concern_open", "concern_escalation")
MAX_CONCERN_TEXT = 4000
MAX_ACKNOWLEDGE_NOTE = 2000
#: Audits a concern may be raised on: one being done or done (not one released).
RAISE_ON_STATUSES = ("allocated", "completed")


class ConcernError(RuleError):
    """Raising or acknowledging a concern breaks a rule; the message says which, in one line."""


def check_raise(text: str, audit_status: str, may_raise: bool, by: str) -> str:
    """The concern's text, trimmed, if ``by`` may raise it on an audit in ``audit_status``
    (``may_raise``: they are the audit's auditor or an active APS member)."""
    if not may_raise:
        raise ConcernError(
            f"{by} cannot raise a concern on this audit: only its auditor or the APS team can",
            "by",
        )
    if audit_status not in RAISE_ON_STATUSES:
        raise ConcernError(f"the audit is {audit_status}: a concern is raised on a live audit")
    text = text.strip()
    if not text:
        raise ConcernError("say what the concern is: the text is needed", "text")
    if len(text) > MAX_CONCERN_TEXT:
        raise ConcernError(f"a concern's text is at most {MAX_CONCERN_TEXT} characters", "text")
    return text


def check_acknowledge(status: str, note: str, may_acknowledge: bool, by: str) -> str:
    """The note, trimmed, if ``by`` may acknowledge a concern in ``status``
    (``may_acknowledge``: a Team Manager or Service Manager of the case's team, or APS)."""
    if status == "acknowledged":
        raise ConcernError("this concern is already acknowledged")
    if not may_acknowledge:
        raise ConcernError(
            f"{by} cannot acknowledge this concern: only the case team's Team Manager or "
            "Service Manager, or the APS team, can",
            "by",
        )
    note = note.strip()
    if not note:
        raise ConcernError("say what is being done: a note is needed", "note")
    if len(note) > MAX_ACKNOWLEDGE_NOTE:
        raise ConcernError(f"the note is at most {MAX_ACKNOWLEDGE_NOTE} characters", "note")
    return note


def chase_stage(raised_on: date, today: date, escalate_after_working_days: int) -> str | None:
    """What today's chase run does with a concern raised on ``raised_on`` and still open:
    nothing on the day it was raised (its emails went then), else ``concern_open`` (re-sent to
    the same people) or, once ``escalate_after_working_days`` working days have passed,
    ``concern_escalation`` (re-sent, and to the Directors too)."""
    if today <= raised_on:
        return None
    if working_days_between(raised_on, today) >= escalate_after_working_days:
        return "concern_escalation"
    return "concern_open"


def median_hours_to_acknowledge(spans: Iterable[tuple[datetime, datetime]]) -> float | None:
    """The median hours from raising to acknowledging, to one decimal place, of the
    ``(raised_at, acknowledged_at)`` pairs; None when there are none."""
    hours = [(acknowledged - raised).total_seconds() / 3600 for raised, acknowledged in spans]
    return round(statistics.median(hours), 1) if hours else None
