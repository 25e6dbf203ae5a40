"""What a completed audit records beyond its judgement: themes, reflection, feedback."""

from __future__ import annotations

from sqlmodel import Field, SQLModel

# The allowed values live with the rules that check them; named here too for readers of the schema.
from rules.completion import FEEDBACK_KINDS, FEEDBACK_SOURCES

__all__ = [
    "FEEDBACK_KINDS",
    "FEEDBACK_SOURCES",
    "Feedback",
    "FindingTag",
    "Reflection",
    "ThemeFinding",
]


class ThemeFinding(SQLModel, table=True):
    """The auditor's descriptor for one practice theme of the audited case."""

    __tablename__ = "theme_finding"

    id: int | None = Field(default=None, primary_key=True)
    audit_id: int = Field(foreign_key="audit.id", index=True)
    theme: str = Field(max_length=30)
    descriptor: str


class Reflection(SQLModel, table=True):
    """The reflection held with the social worker: the four questions of the reflection sheet."""

    audit_id: int = Field(foreign_key="audit.id", primary_key=True)
    done_well: str = ""
    challenges: str = ""
    enough_tools: str = ""
    do_differently: str = ""


class Feedback(SQLModel, table=True):
    """Feedback from a parent, child, carer or partner agency, gathered during the audit."""

    id: int | None = Field(default=None, primary_key=True)
    audit_id: int = Field(foreign_key="audit.id", index=True)
    source: str = Field(max_length=20)
    kind: str = Field(max_length=12)
    text: str


class FindingTag(SQLModel, table=True):
    """One recurring practice finding (``[findings.tags]``) that a completed audit carries."""

    __tablename__ = "finding_tag"

    audit_id: int = Field(foreign_key="audit.id", primary_key=True)
    tag: str = Field(primary_key=True, max_length=30, index=True)
