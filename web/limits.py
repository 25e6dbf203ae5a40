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
    except BodyTooLarge:
        raise FormRefused(413, _TOO_LARGE) from None
    except HTTPException as error:  # Starlette's word for a form it could not parse
        status = 413 if "maximum" in str(error.detail) else 400
        raise FormRefused(status, _TOO_LARGE if status == 413 else _UNREADABLE) from None


_TOO_LARGE = (
    "The form was too large to send. Nothing was changed. Go back, shorten what you wrote and "
    "try again."
)
_UNREADABLE = "The form could not be read. Nothing was changed. Go back and try again."


class BodyTooLarge(Exception):
    """Raised while a body is read, once it passes MAX_BODY_BYTES."""


class LimitBody:
    """ASGI middleware: reading a request body beyond MAX_BODY_BYTES raises BodyTooLarge (a
    body nobody reads costs nothing). A declared Content-Length beyond it fails at once."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"0")
        seen = MAX_BODY_BYTES + 1 if _too_long(declared) else 0

        async def counted() -> Message:
            nonlocal seen
            if seen > MAX_BODY_BYTES:
                raise BodyTooLarge()
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > MAX_BODY_BYTES:
                raise BodyTooLarge()
            return message

        await self.app(scope, counted, send)


def _too_long(declared: bytes) -> bool:
    return len(declared) > 12 or (declared.isdigit() and int(declared) > MAX_BODY_BYTES)
