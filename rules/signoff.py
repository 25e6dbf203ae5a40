"""Sign-off of the highlight report: a month's report is a draft until the APS team approves it.

With ``[report] sign_off = true`` (the default) the month-end run writes the report as a draft
and only the APS team hears of it; an active APS member approves it, which makes it final and
sends it to the distribution list, once. With ``sign_off = false`` the report is final at once.
A final report stays final: compiling the month again rewrites it as final, never as a draft.
"""

from __future__ import annotations

from rules.errors import RuleError

DRAFT = "draft"
FINAL = "final"
STATUSES = (DRAFT, FINAL)


class SignOffError(RuleError):
    """A draft that cannot be approved or regenerated; the message says why in one line."""


def status_to_compile(sign_off: bool, recorded: str | None) -> str:
    """What compiling a month's report makes it: final once approved (or with no sign-off),
    else a draft."""
    if recorded == FINAL or not sign_off:
        return FINAL
    return DRAFT


def needs_approval(month: str, cycle_exists: bool, recorded: str | None) -> bool:
    """Whether approving ``month``'s report has work to do: True for a draft, False for a
    report already final (approving it again sends nothing). A month the programme never ran,
    or whose report was never compiled, is refused."""
    if recorded is None:
        if not cycle_exists:
            raise SignOffError(f"there is no cycle {month}: nothing to approve", field="month")
        raise SignOffError(
            f"there is no draft report for {month}: compile it first "
            f"(audits report --month {month} --out DIR)",
            field="month",
        )
    return recorded == DRAFT


def check_regenerate(month: str, recorded: str | None) -> None:
    """Only a draft is regenerated: a final report has gone to its readers as it is."""
    if recorded is None:
        raise SignOffError(
            f"there is no draft report for {month} yet: the month-end run writes it "
            f"(or audits report --month {month} --out DIR)",
            field="month",
        )
    if recorded == FINAL:
        raise SignOffError(
            f"the report for {month} is already approved and sent: it is not regenerated",
            field="month",
        )
