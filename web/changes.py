"""Recording a change from a web page: the change and its emails in one transaction, then the
emails made to go (by the change's event, or from this request: ``flows.delivery``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from fastapi import Request
from sqlmodel import Session

from flows.delivery import Change, deliver
from models.db import in_transaction
from notifications.email_context import EmailContext, email_context

T = TypeVar("T")


def page_email_context(request: Request) -> EmailContext:
    """The emails' context for a change made on a page: links signed with the app's key."""
    state = request.app.state
    return email_context(state.policy, secret=state.secret_key)


def record_change(request: Request, work: Callable[[Session], tuple[T, Change | None]]) -> T:
    """Run ``work`` (which records a change, writes its emails and returns what it made with the
    change, or ``None`` for no change) in one transaction, then deliver the change's emails. A
    delivery that left emails pending does not undo the change: the next chase run sends them."""
    state = request.app.state
    made, change = in_transaction(state.engine, work)
    if change is not None:
        deliver(state.engine, change, state.policy)
    return made
