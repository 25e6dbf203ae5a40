"""The database schema (SQLModel) and access to it.

Importing this package registers every table on ``SQLModel.metadata``.
"""

from models.actions import ActionReminder, AuditAction
from models.cases import Case, CasePublic, ImportRun
from models.findings import Feedback, FindingTag, Reflection, ThemeFinding
from models.links import UsedLink
from models.outbox import Notification, ReminderStage
from models.people import Staff, StaffLeave, StaffPublic, Team
from models.programme import (
    Audit,
    AuditPublic,
    Cycle,
    Pause,
    Recommendation,
    ThemeCommentary,
)
from models.quotes import FeaturedQuote
from models.report_issue import ReportIssue
from models.requests import ExemptionRequest, ExtensionRequest
from models.trail import TrailEntry
from models.web_sessions import WebSession

__all__ = [
    "ActionReminder",
    "Audit",
    "AuditAction",
    "AuditPublic",
    "Case",
    "CasePublic",
    "Cycle",
    "ExemptionRequest",
    "ExtensionRequest",
    "FeaturedQuote",
    "Feedback",
    "FindingTag",
    "ImportRun",
    "Notification",
    "Pause",
    "Recommendation",
    "Reflection",
    "ReminderStage",
    "ReportIssue",
    "Staff",
    "StaffLeave",
    "StaffPublic",
    "Team",
    "ThemeCommentary",
    "ThemeFinding",
    "TrailEntry",
    "UsedLink",
    "WebSession",
]
