"""The quotes the APS team chose to feature in a month's highlight report (models.quote_store)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import timestamp


class FeaturedQuote(SQLModel, table=True):
    """One featured quote: an answer of the section that month, shown after the most frequent."""

    __tablename__ = "featured_quote"
    __table_args__ = (UniqueConstraint("cycle", "section_key", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    cycle: str = Field(foreign_key="cycle.month", max_length=7, index=True)
    # theme:<cohort>, feedback:strength, feedback:improvement or reflection:<question_key>
    section_key: str = Field(max_length=60)
    text: str
    position: int  # 1, 2, 3 ... in the order chosen
    chosen_by: str = Field(max_length=40)
    chosen_at: datetime = timestamp()
