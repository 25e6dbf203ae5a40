"""The completion form's recurring findings: checkboxes of the programme's ``[findings.tags]``
(``templates/web/_finding_tags.html``), read and checked here, apart from the form's other
fields."""

from __future__ import annotations

from starlette.datastructures import FormData

from rules.policy import Policy
from rules.recurring import TagError, check_tags
from web.forms import Errors, rule_message

FIELD = "tags"


def posted_tags(form: FormData) -> list[str]:
    """Every ticked box (the field repeats, one value per tag)."""
    return [str(value) for value in form.getlist(FIELD)]


def checked_tags(errors: Errors, posted: list[str], policy: Policy) -> tuple[str, ...]:
    """The ticked tags in the programme file's order; a tag that is not on its list (a stale
    form, or a forged one) is an error beside the checkboxes."""
    try:
        return check_tags(posted, policy.finding_tags)
    except TagError as error:
        errors[FIELD] = rule_message(error)
        return ()
