"""Post-redirect-get, once for every form that changes something.

A view checks its form field by field (``web.forms``) and hands :class:`Submit` the result
(:class:`Posted`), the page that shows the form, the change to make, and what follows it. Any
problem found in the form, or a programme rule the change breaks (a ``rules.errors.RuleError``),
shows the form again (status 400) with each message beside the field it is about, what was typed
kept, and nothing changed; a change made redirects, with a confirmation shown once on the next
page.

A change is recorded with its emails in one transaction, then the emails are sent from this
request before it answers, and the change's event (if any) is emitted for what could not go
(``flows.delivery``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.engine import Engine
from sqlmodel import Session

from flows.delivery import Change, deliver
from models.db import in_transaction
from rules.errors import RuleError
from rules.policy import Policy
from web.forms import Errors, rule_message

T = TypeVar("T")
#: The session key of the one-off confirmation that the next page shows (``web.render.page``).
FLASH = "flash"
Values = dict[str, Any]
#: A form's page: ``(what was typed, problems by field id, status)``.
FormPage = Callable[[Values, Errors, int], HTMLResponse]


@dataclass(frozen=True)
class Posted:
    """A posted form as its view read it."""

    values: Values  # what was typed, shown again when the form is refused
    errors: Errors  # the problems the view found, by form field id
    #: The form field that shows a refused rule about none of ``fields`` (the record as it
    #: stands, or who asks).
    fallback: str
    #: A rule's field (``RuleError.field``: the argument it refused) -> the form field that is it.
    fields: Mapping[str, str] = field(default_factory=dict)

    def refused(self, error: RuleError) -> Errors:
        """The broken rule's message, beside the field it is about."""
        where = self.fields.get(error.field, self.fallback) if error.field else self.fallback
        return {where: rule_message(error)}


@dataclass(frozen=True)
class Done:
    """After a change: the confirmation for the next page, and that page."""

    message: str
    to: str


@dataclass(frozen=True)
class Submit:
    """Post-redirect-get for a request's form (the dependency ``web.deps.SubmitDep``)."""

    request: Request
    engine: Engine
    policy: Policy

    def __call__(
        self,
        form: Posted,
        page: FormPage,
        work: Callable[[Session], tuple[T, Change | None]],
        then: Callable[[T], Done],
    ) -> Response:
        """Show ``page`` again with the form's problems; else :meth:`_record` ``work``, showing
        ``page`` again with the rule it breaks, if any; else ``then`` (given what ``work``
        made, after the commit) says what to confirm and where to go."""
        if form.errors:
            return page(form.values, form.errors, 400)
        try:
            made = self._record(work)
        except RuleError as error:
            return page(form.values, form.refused(error), 400)
        done = then(made)
        self.request.session[FLASH] = done.message
        return RedirectResponse(done.to, status_code=303)

    def _record(self, work: Callable[[Session], tuple[T, Change | None]]) -> T:
        """Run ``work`` (which records a change, writes its emails and returns what it made with
        the change, or ``None`` for no emails) in one transaction, then deliver the change's
        emails. A delivery that left emails pending does not undo the change: the next chase
        run sends them."""
        made, change = in_transaction(self.engine, work)
        if change is not None:
            deliver(self.engine, change, self.policy)
        return made
