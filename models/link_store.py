"""Using a signed link: once only, however many processes or machines see it at once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from config.signed_links import LinkClaims, LinkError
from models.links import UsedLink


def consume(session: Session, claims: LinkClaims, now: datetime) -> None:
    """Record the link as used at ``now``; LinkError("used") if it already was.

    One INSERT ... ON CONFLICT DO NOTHING on the primary key: of two requests racing with the
    same link, the database lets exactly one row in (PostgreSQL makes the second wait for the
    first's commit; SQLite has one writer at a time), and only that one gets its row back.
    """
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(UsedLink)
        .values(jti=claims.jti, staff_id=claims.staff_id, purpose=claims.purpose, used_at=now)
        .on_conflict_do_nothing(index_elements=["jti"])
        .returning(col(UsedLink.jti))
    )
    if session.execute(statement).first() is None:
        raise LinkError("used")
