"""Recording the month's practice recommendations and the commentary on its practice themes.

Only active APS members write them. A month's recommendations are numbered 1 to n with no gaps:
a new one goes at the end (or replaces the one of the number given), and removing one renumbers
those after it. The cycle is locked while its recommendations change, so two people at once
cannot both take the same number. A month with no cycle yet gets a planned one (the theme the
programme file gives it), which allocation later takes over.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from models.base import utcnow
from models.people import check_active_aps
from models.programme import Cycle, Recommendation, ThemeCommentary
from models.trail import TrailEntry
from rules.policy import Policy
from rules.recommendations import (
    RecommendationError,
    check_removal,
    check_text,
    check_theme,
    place,
    renumbered,
)

#: Why anyone else is refused, after "... is not an active member of the APS team".
ONLY_APS = ": only APS enter recommendations and commentary"


def _cycle(session: Session, month: str, policy: Policy, by: str) -> Cycle:
    """The month's cycle, locked; a planned one is made if there is none."""
    theme = policy.choose_theme(month, None)
    dialect = session.get_bind().dialect.name
    new = (postgresql_insert if dialect == "postgresql" else sqlite_insert)(Cycle)
    made = session.execute(
        new.values(month=month, theme=theme, status="planned", created_at=utcnow())
        .on_conflict_do_nothing()
        .returning(col(Cycle.month))
    ).scalar_one_or_none()
    if made is not None:
        _trail(session, by, "cycle.planned", month, {"theme": theme})
    cycle = session.get(Cycle, month, with_for_update=True, populate_existing=True)
    assert cycle is not None
    return cycle


def _trail(session: Session, actor: str, action: str, month: str, detail: dict) -> None:
    session.add(
        TrailEntry(
            actor=actor, action=action, subject_type="cycle", subject_id=month, detail=detail
        )
    )


def recommendations(session: Session, month: str) -> list[Recommendation]:
    return list(
        session.scalars(
            select(Recommendation)
            .where(col(Recommendation.cycle) == month)
            .order_by(col(Recommendation.number))
        )
    )


def commentary(session: Session, month: str) -> list[ThemeCommentary]:
    return list(
        session.scalars(
            select(ThemeCommentary)
            .where(col(ThemeCommentary.cycle) == month)
            .order_by(col(ThemeCommentary.theme))
        )
    )


def recommend(
    session: Session,
    month: str,
    text: str,
    high_priority: bool,
    number: int | None,
    by: str,
    policy: Policy,
) -> tuple[Recommendation, str]:
    """Add a recommendation (at the end, or at ``number`` = n + 1) or replace number ``number``;
    returns it and ``"added"`` or ``"replaced"``."""
    check_active_aps(session, by, RecommendationError, ONLY_APS)
    text = check_text(text, "the recommendation's text")
    _cycle(session, month, policy, by)
    existing = recommendations(session, month)
    number, replaces = place(month, number, len(existing))
    if replaces:
        row = existing[number - 1]
        previous = {"text": row.text, "high_priority": row.high_priority}
        row.text, row.high_priority, row.created_by = text, high_priority, by
        row.created_at = utcnow()
    else:
        row = Recommendation(
            cycle=month, number=number, text=text, high_priority=high_priority, created_by=by
        )
        previous = None
    session.add(row)
    session.flush()
    action = "replaced" if replaces else "added"
    detail = {"number": number, "text": text, "high_priority": high_priority}
    _trail(session, by, f"recommendation.{action}", month, {**detail, "previous": previous})
    return row, action


def remove_recommendation(
    session: Session, month: str, number: int, by: str, policy: Policy
) -> dict[int, int]:
    """Remove recommendation ``number``; those after it move up one. Returns old -> new."""
    check_active_aps(session, by, RecommendationError, ONLY_APS)
    _cycle(session, month, policy, by)
    existing = recommendations(session, month)
    check_removal(month, number, len(existing))
    gone = existing[number - 1]
    session.delete(gone)
    session.flush()
    moves = renumbered([r.number for r in existing if r.number != number], number)
    for row in existing:
        if row.number in moves:
            row.number = moves[row.number]
            session.add(row)
    session.flush()
    _trail(
        session,
        by,
        "recommendation.removed",
        month,
        {"number": number, "text": gone.text, "high_priority": gone.high_priority,
         "renumbered": {str(k): v for k, v in moves.items()}},
    )  # fmt: skip
    return moves


def set_commentary(
    session: Session, month: str, theme: str, text: str | None, by: str, policy: Policy
) -> tuple[ThemeCommentary | None, str]:
    """Write (or, with ``text`` None, remove) the commentary on ``theme`` for ``month``;
    returns it and ``"added"``, ``"replaced"`` or ``"removed"``."""
    check_active_aps(session, by, RecommendationError, ONLY_APS)
    theme = check_theme(theme)
    if text is not None:
        text = check_text(text, "the commentary")
    _cycle(session, month, policy, by)
    row = session.scalars(
        select(ThemeCommentary).where(
            col(ThemeCommentary.cycle) == month, col(ThemeCommentary.theme) == theme
        )
    ).first()
    previous = row.text if row is not None else None
    if text is None:
        if row is None:
            raise RecommendationError(f"{month} has no commentary on {theme} to remove")
        session.delete(row)
        action = "removed"
    elif row is None:
        row = ThemeCommentary(cycle=month, theme=theme, text=text, created_by=by)
        action = "added"
    else:
        row.text, row.created_by, row.created_at = text, by, utcnow()
        action = "replaced"
    if action != "removed":
        session.add(row)
    session.flush()
    detail = {"theme": theme, "text": text, "previous": previous}
    _trail(session, by, f"commentary.{action}", month, detail)
    return (row if action != "removed" else None), action


def recommendation_json(row: Recommendation) -> dict[str, Any]:
    return {
        "month": row.cycle,
        "number": row.number,
        "text": row.text,
        "high_priority": row.high_priority,
        "created_by": row.created_by,
    }


def commentary_json(row: ThemeCommentary) -> dict[str, Any]:
    return {"month": row.cycle, "theme": row.theme, "text": row.text, "created_by": row.created_by}
