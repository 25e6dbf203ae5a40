"""The database schema (SQLModel) and access to it.

Importing this package registers every table on ``SQLModel.metadata``.
"""

from models.actions import ActionReminder, AuditAction
from models.cases import Case, CasePublic, ImportRun
from models.concerns import SafeguardingConcern
from models.findings import Feedback, FindingTag, Reflection, ThemeFinding
from models.links import UsedLink
from models.moderation import Moderation, ModerationSample
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
from models.responses import PractitionerResponse
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
    "Moderation",
    "ModerationSample",
    "Notification",
    "PractitionerResponse",
    "Pause",
    "Recommendation",
    "Reflection",
    "ReminderStage",
    "ReportIssue",
    "SafeguardingConcern",
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
