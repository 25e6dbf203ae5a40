"""Column types shared by every table."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import Column, DateTime
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware timestamp, stored as UTC on every database.

    SQLite has no time zones, so naive values read back are UTC by construction; a naive value
    written is refused rather than guessed at.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def timestamp(nullable: bool = False) -> Any:
    """A timezone-aware timestamp field; set to now when created unless ``nullable``."""
    if nullable:
        return Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    return Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class HasId(Protocol):
    id: int | None


def saved_id(row: HasId) -> int:
    """The id of a row already written (flushed or read back); SQLModel types every id
    ``int | None`` because a new row has none until it is written."""
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no id: it has not been written")
    return row.id
