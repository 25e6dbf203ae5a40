"""The record of each month's highlight report: draft or final, and where its files are."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from models.base import timestamp


class ReportIssue(SQLModel, table=True):
    """A month's highlight report as last compiled (``rules.signoff``): a draft waiting for the
    APS team's approval, or final (approved, or compiled with ``sign_off = false``)."""

    __tablename__ = "report_issue"

    month: str = Field(primary_key=True, max_length=7)
    status: str = Field(max_length=10)  # rules.signoff.STATUSES
    # The folder its HTML, PDF (and appendix) were written to, absolute: the archive serves
    # those files and no others.
    out_dir: str = Field(max_length=1000)
    compiled_at: datetime = timestamp()
    # Who approved it and when (None: a draft, or final with no sign-off). A staff_id, not a
    # foreign key, as for pauses.
    approved_by: str | None = Field(default=None, max_length=40)
    approved_at: datetime | None = timestamp(nullable=True)
    # How many emails it was written to on the distribution list when it became final.
    sent: int = 0
