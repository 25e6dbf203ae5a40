"""What a request may carry, so that bad input gets a clear answer and never a 500.

- Ids in paths and page numbers in queries are bounded by what the schema can hold: beyond it
  SQLite cannot even compare them (above 2**63 - 1), and no such row can exist anyway.
- A form is read here, before FastAPI reads it with Starlette's limit of 1 MB a field, which
  answers a bare 400 and loses what was typed. With more room, a long text field reaches its
  view, which says beside the field how long it may be and shows the text again.
- The whole body is bounded too, so room for one long field is not room for a thousand.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Path, Query, Request, Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rules.values import MAX_ID

#: A form field's largest size, percent-encoded: a megabyte of text typed in any script.
MAX_FIELD_BYTES = 12 * 1024 * 1024
#: A request body's largest size.
MAX_BODY_BYTES = 16 * 1024 * 1024

RecordId = Annotated[int, Path(ge=1, le=MAX_ID)]
PageNumber = Annotated[int, Query(alias="page", le=MAX_ID)]


class FormRefused(Exception):
    """A form that could not be read at all (too large, or not a form): nothing was changed."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


class FormRoute(APIRoute):
    """A route whose POST form is read with room for long fields (see the module's notes); the
    form is kept on the request, so FastAPI and the views read that one."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def read_form_first(request: Request) -> Response:
            if request.method == "POST":
                await read_form(request)
            return await handle(request)

        return read_form_first


async def read_form(request: Request) -> None:
    try:
        await request.form(max_part_size=MAX_FIELD_BYTES)
    except HTTPException as error:  # Starlette's word for a form it could not parse
        too_large = "maximum" in str(error.detail)
        status, message = (413, _TOO_LARGE) if too_large else (400, _UNREADABLE)
        raise FormRefused(status, message) from None
    if request.scope.get(_CUT_SHORT):
        raise FormRefused(413, _TOO_LARGE)


_TOO_LARGE = (
    "The form was too large to send. Nothing was changed. Go back, shorten what you wrote and "
    "try again."
)
_UNREADABLE = "The form could not be read. Nothing was changed. Go back and try again."
_CUT_SHORT = "audits.body_cut_short"


class LimitBody:
    """ASGI middleware: a request body is passed on up to MAX_BODY_BYTES, and the rest read and
    dropped (so the browser finishes sending and sees the answer), the request marked as cut
    short for ``read_form`` to refuse. A body nobody reads costs nothing."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] != "http.request":
                return message
            seen += len(message.get("body", b""))
            if seen <= MAX_BODY_BYTES:
                return message
            scope[_CUT_SHORT] = True
            while message.get("more_body", False) and message["type"] == "http.request":
                message = await receive()
            return {"type": "http.request", "body": b"", "more_body": False}

        await self.app(scope, counted, send)
