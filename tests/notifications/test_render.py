"""Rendering digests and allocation emails: subjects, both parts, escaping, and the .ics."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from icalendar import Calendar

from notifications.invite import cycle_label, human_date, slot_words
from notifications.messages import AllocationNotice, Digest, DigestItem, Email
from notifications.render import (
    allocation_invite,
    digest_subject,
    invite_attachment,
    render_allocation,
    render_digest,
)

PROGRAMME = "Anytown case audits"
RUN = date(2026, 12, 1)  # a Tuesday
SENTINEL = "SENTINEL-must-never-appear"


def item(audit_id: int = 1, stage: str = "due_in_5", **changes: Any) -> DigestItem:
    due = changes.pop("due_on", date(2026, 11, 27))
    values: dict[str, Any] = {
        "audit_id": audit_id,
        "case_ref": f"C{100000 + audit_id}",
        "kind": "audit",
        "stage": stage,
        "due_on": due,
        "original_due_on": due,
        "auditor_id": f"staff-{audit_id}",
        "auditor_name": "Sam Auditor",
        "auditor_team": "North CIN",
        "days_overdue": 0,
        "link": f"https://audits.example/audits/{audit_id}",
    }
    values.update(changes)
    return DigestItem(**values)


def digest(role: str, *items: DigestItem, failed: tuple[str, ...] = ()) -> Digest:
    return Digest("reader@anytown.example", "Pat Reader", role, RUN, items, failed)


def notice(**changes: Any) -> AllocationNotice:
    values: dict[str, Any] = {
        "recipient_email": "sam@anytown.example",
        "recipient_name": "Sam Auditor",
        "audit_id": 123,
        "case_ref": "C100123",
        "kind": "audit",
        "cycle": "2026-11",
        "cohort_title": "Neglect",
        "allocated_on": date(2026, 11, 2),
        "due_on": date(2026, 11, 30),
        "link": "https://audits.example/audits/123",
        "slot_start": datetime(2026, 11, 10, 10, 0),
        "slot_end": datetime(2026, 11, 10, 12, 0),
        "organiser_email": "aps@anytown.example",
    }
    values.update(changes)
    return AllocationNotice(**values)


class _Html(HTMLParser):
    """Header cells, links (href, text) and whether any <style> or <script> element is left."""

    def __init__(self) -> None:
        super().__init__()
        self.headers: list[str] = []
        self.links: list[tuple[str, str]] = []
        self.tags: set[str] = set()
        self._open: list[str] = []
        self._href = ""
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self._open.append(tag)
        self._text = ""
        if tag == "a":
            self._href = dict(attrs).get("href") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "th" and self._open and self._open[-1] == "th":
            self.headers.append(self._text.strip())
        if tag == "a":
            self.links.append((self._href, self._text.strip()))
        if self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        self._text += data


def parsed(email: Email) -> _Html:
    parser = _Html()
    parser.feed(email.html)
    return parser


def every_part(email: Email) -> str:
    return "\n".join(
        [email.subject, email.text, email.html] + [a.content.decode() for a in email.attachments]
    )


# --- dates and words ------------------------------------------------------------------------


def test_dates_read_as_a_person_reads_them() -> None:
    assert human_date(date(2026, 11, 27)) == "Fri 27 Nov 2026"
    assert human_date(date(2026, 3, 2)) == "Mon 2 Mar 2026"
    assert cycle_label("2026-11") == "November 2026"
    assert slot_words(
        datetime(2026, 6, 1, 9, tzinfo=UTC), datetime(2026, 6, 1, 11, tzinfo=UTC)
    ) == (
        "Mon 1 Jun 2026, 10:00 to 12:00"  # BST
    )


# --- subjects -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "items", "subject"),
    [
        ("auditor", [item()], "Audit C100001 due Fri 27 Nov 2026: 5 working days left"),
        (
            "auditor",
            [item(stage="due_in_1", kind="reaudit")],
            "Re-audit C100001 due Fri 27 Nov 2026: 1 working day left",
        ),
        (
            "auditor",
            [item(stage="overdue", due_on=date(2026, 11, 30), days_overdue=1)],
            "Overdue: audit C100001 was due Mon 30 Nov 2026 — please complete it now",
        ),
        (
            "auditor",
            [item(stage="escalation", kind="reaudit", due_on=date(2026, 11, 23), days_overdue=6)],
            "Overdue: re-audit C100001 was due Mon 23 Nov 2026 — please complete it now",
        ),
        (
            "auditor",
            [item(1, due_on=date(2026, 12, 4)), item(2), item(3, "due_in_1")],
            "3 audits to complete: first due Fri 27 Nov 2026",
        ),
        (
            "auditor",
            [
                item(1, due_on=date(2026, 12, 8)),
                item(2, "overdue", due_on=date(2026, 11, 30), days_overdue=1),
                item(3, "escalation", due_on=date(2026, 11, 23), days_overdue=6),
            ],
            "3 audits to complete: 2 overdue, first was due Mon 23 Nov 2026",
        ),
        (
            "line_manager",
            [item(stage="escalation", days_overdue=5)],
            "Escalation: audit C100001 by Sam Auditor is 5 working days overdue",
        ),
        (
            "line_manager",
            [item(1, "escalation", days_overdue=5), item(2, "escalation", days_overdue=10)],
            "Escalation: 2 audits overdue in your teams",
        ),
    ],
)
def test_subject_for_each_role_and_stage(role: str, items: list[DigestItem], subject: str) -> None:
    assert digest_subject(digest(role, *items)) == subject
    assert render_digest(digest(role, *items), PROGRAMME).subject == subject


def test_aps_subject_counts_overdue_escalated_and_failed() -> None:
    items = [item(i, "overdue", days_overdue=1) for i in range(1, 5)]
    items += [item(i, "escalation", days_overdue=5) for i in (5, 6)]
    aps = digest("aps", *items, failed=("bounced: x@anytown.example",))
    assert digest_subject(aps) == (
        "Audit programme digest for Tue 1 Dec 2026: 4 overdue, 2 escalated, 1 failed email"
    )
    only_failures = digest("aps", failed=("a", "b"))
    assert (
        digest_subject(only_failures)
        == "Audit programme digest for Tue 1 Dec 2026: 2 failed emails"
    )
    assert digest_subject(digest("aps")).endswith(": nothing to report")


def test_subject_stays_on_one_line_whatever_the_inputs() -> None:
    subject = digest_subject(digest("auditor", item(case_ref="C1\r\nBcc: evil@example.com")))
    assert "\n" not in subject and "\r" not in subject
    assert subject.startswith("Audit C1 Bcc: evil@example.com due")


@pytest.mark.parametrize(
    "bad",
    [
        digest("auditor"),
        digest("line_manager"),
        digest("someone", item()),
        digest("auditor", item(stage="due_soonish")),
        digest("auditor", item(kind="review")),
    ],
)
def test_digest_that_makes_no_sense_is_refused(bad: Digest) -> None:
    with pytest.raises(ValueError):
        render_digest(bad, PROGRAMME)


# --- both parts -----------------------------------------------------------------------------


def test_html_has_its_css_inlined_and_no_style_block() -> None:
    email = render_digest(digest("auditor", item()), PROGRAMME)
    html = parsed(email)
    assert "style" not in html.tags and "<style" not in email.html
    assert "color: #0b0c0c" in email.html.split("<body", 1)[1].split(">", 1)[0]
    assert 'style="' in email.html.split("<td", 1)[1].split(">", 1)[0]


def test_both_parts_carry_every_item_with_a_header_row() -> None:
    items = [
        item(1),
        item(2, "due_in_1", kind="reaudit", due_on=date(2026, 12, 2)),
        item(3, "overdue", due_on=date(2026, 11, 30), days_overdue=1),
    ]
    email = render_digest(digest("auditor", *items), PROGRAMME)
    html = parsed(email)
    assert html.headers[:4] == ["Case reference", "Kind", "Due date", "Stage"]
    assert "Working days overdue" in html.headers and "Auditor" not in html.headers
    for it in items:
        due = human_date(it.due_on)
        for part in (email.text, email.html):
            assert it.case_ref in part and due in part and it.link in part
    text = f"Open audit 1 (case {items[0].case_ref})"
    assert (items[0].link, text) in html.links
    assert f"{text}: {items[0].link}" in email.text
    assert ("https://audits.example/audits/2", "Open re-audit 2 (case C100002)") in html.links
    for words in ("Due in 5 working days", "Due in 1 working day", "Overdue", "Re-audit"):
        assert words in email.text and words in email.html
    assert email.to == "reader@anytown.example" and email.attachments == ()


def test_most_overdue_items_come_first() -> None:
    items = [
        item(1),
        item(2, "escalation", due_on=date(2026, 11, 16), days_overdue=10),
        item(3, "overdue", due_on=date(2026, 11, 30), days_overdue=1),
    ]
    text = render_digest(digest("auditor", *items), PROGRAMME).text
    assert text.index("C100002") < text.index("C100003") < text.index("C100001")


def test_no_overdue_column_when_nothing_is_overdue() -> None:
    email = render_digest(digest("auditor", item()), PROGRAMME)
    assert "Working days overdue" not in parsed(email).headers
    assert "Working days overdue" not in email.text


def test_line_manager_and_aps_see_who_the_auditor_is() -> None:
    escalated = item(
        stage="escalation", days_overdue=5, auditor_name="Kim Late", auditor_team="East"
    )
    for role in ("line_manager", "aps"):
        email = render_digest(digest(role, escalated), PROGRAMME)
        assert "Auditor" in parsed(email).headers
        assert "Kim Late, East" in email.html and "Auditor: Kim Late, East" in email.text
        assert "Escalated to line manager" in email.text
        assert "Working days overdue: 5" in email.text
    no_team = dataclasses.replace(escalated, auditor_team="")
    assert "Auditor: Kim Late\n" in render_digest(digest("aps", no_team), PROGRAMME).text
    own = render_digest(digest("auditor", escalated), PROGRAMME)
    assert "Kim Late" not in every_part(own)


def test_an_extended_due_date_shows_the_original() -> None:
    extended = item(due_on=date(2026, 12, 4), original_due_on=date(2026, 11, 27))
    email = render_digest(digest("auditor", extended), PROGRAMME)
    assert "Fri 4 Dec 2026 (extended from Fri 27 Nov 2026)" in email.text
    assert "extended from Fri 27 Nov 2026" in email.html
    plain = render_digest(digest("auditor", item()), PROGRAMME)
    assert "extended" not in plain.text and "extended" not in plain.html


def test_aps_digest_lists_failed_notifications() -> None:
    failed = ("kim@anytown.example: 550 no such mailbox (reminder 2026-12-01)", "x: 403 <bad>")
    email = render_digest(
        digest("aps", item(stage="overdue", days_overdue=1), failed=failed), PROGRAMME
    )
    assert "Emails that could not be sent" in email.text and "could not be sent" in email.html
    assert f"- {failed[0]}" in email.text and "- x: 403 <bad>" in email.text
    assert f"<li>{failed[0]}</li>" in email.html and "<li>x: 403 &lt;bad&gt;</li>" in email.html
    quiet = render_digest(digest("aps", failed=failed), PROGRAMME)
    assert "No audits are overdue or escalated today" in quiet.text and failed[0] in quiet.html
    assert "<table" not in quiet.html


def test_only_the_aps_digest_shows_failures() -> None:
    email = render_digest(digest("auditor", item(), failed=("secret failure",)), PROGRAMME)
    assert "secret failure" not in every_part(email)


def test_html_escapes_what_it_is_given() -> None:
    script = "<script>alert(1)</script>"
    nasty = item(
        case_ref=f"C1{script}",
        auditor_name="<b>Kim</b>",
        auditor_team="A & B",
        link='https://audits.example/a?x=1&y="2"',
    )
    email = render_digest(
        Digest("r@x.example", "Pat <i>", "line_manager", RUN, (nasty,)), f"{script} audits"
    )
    assert "<script>" not in email.html and "<b>" not in email.html and "<i>" not in email.html
    assert "C1&lt;script&gt;alert(1)&lt;/script&gt;" in email.html
    assert "&lt;b&gt;Kim&lt;/b&gt;, A &amp; B" in email.html
    assert 'href="https://audits.example/a?x=1&amp;y=&quot;2&quot;"' in email.html
    assert parsed(email).links[0][0] == nasty.link
    assert "Hello Pat &lt;i&gt;," in email.html
    assert f"C1{script}" in email.text  # the plain-text part is not HTML


def test_nothing_but_the_allowed_fields_reaches_the_email() -> None:
    leaky = item(auditor_id=SENTINEL)
    for role in ("auditor", "line_manager", "aps"):
        assert SENTINEL not in every_part(render_digest(digest(role, leaky), PROGRAMME))
    email = render_allocation(notice(extra={"child_name": SENTINEL, SENTINEL: "x"}), PROGRAMME)
    assert SENTINEL not in every_part(email)


# --- the allocation email -------------------------------------------------------------------


def test_allocation_email_says_what_why_and_where() -> None:
    email = render_allocation(notice(), PROGRAMME)
    assert email.subject == "Audit allocated: complete case C100123 by Mon 30 Nov 2026"
    assert email.to == "sam@anytown.example"
    for part in (email.text, email.html):
        for words in ("C100123", "Audit", "November 2026", "Neglect", "Mon 30 Nov 2026"):
            assert words in part
        assert "block out time for the audit and the reflection conversation" in part
        assert "Tue 10 Nov 2026, 10:00 to 12:00" in part
        assert "https://audits.example/audits/123" in part
    assert ("https://audits.example/audits/123", "Open audit 123 (case C100123)") in parsed(
        email
    ).links
    assert "<style" not in email.html and 'style="' in email.html
    reaudit = render_allocation(notice(kind="reaudit"), PROGRAMME)
    assert reaudit.subject.startswith("Re-audit allocated: complete case C100123")


def test_allocation_email_offers_its_request_links_when_it_has_them() -> None:
    extension, exemption = (
        "https://audits.example/links/e.x.t",
        "https://audits.example/links/e.x.m",
    )
    email = render_allocation(notice(extension_link=extension, exemption_link=exemption), PROGRAMME)
    links = parsed(email).links
    assert (extension, "Request an extension") in links
    assert (exemption, "Request an exemption") in links
    assert f"Request an extension: {extension}" in email.text
    assert f"Request an exemption: {exemption}" in email.text
    assert "each works once" in email.text and "each works once" in email.html
    plain = render_allocation(notice(), PROGRAMME)
    assert "/links/" not in every_part(plain) and "Request an" not in every_part(plain)


def test_allocation_email_attaches_the_invitation() -> None:
    email = render_allocation(notice(), PROGRAMME)
    (attachment,) = email.attachments
    assert attachment.filename == "audit-123.ics"
    assert attachment.content_type == "text/calendar; method=REQUEST; charset=utf-8"
    event = Calendar.from_ical(attachment.content).events[0]
    assert str(event["UID"]) == "audit-123@anytown.example"


def test_allocation_email_for_a_transport_that_attaches_nothing_says_no_attachment() -> None:
    email = render_allocation(notice(), PROGRAMME, with_invite=False)
    assert email.attachments == ()
    for part in (email.text, email.html):
        assert "attached" not in part and "invitation" not in part
        assert "Tue 10 Nov 2026, 10:00 to 12:00" in part  # the slot, in words


# --- the calendar invitation ----------------------------------------------------------------


def test_invitation_parses_back_with_everything_a_calendar_needs() -> None:
    cal = Calendar.from_ical(allocation_invite(notice()))
    assert str(cal["METHOD"]) == "REQUEST" and str(cal["VERSION"]) == "2.0"
    assert str(cal["PRODID"])
    assert [tz.tz_name for tz in cal.timezones] == ["Europe/London"]
    assert len(cal.events) == 1
    event = cal.events[0]
    assert str(event["UID"]) == "audit-123@anytown.example"
    assert event["DTSTART"].params["TZID"] == "Europe/London"
    assert event["DTEND"].params["TZID"] == "Europe/London"
    assert event.start == datetime(2026, 11, 10, 10, tzinfo=UTC)  # GMT in November
    assert event.end - event.start == timedelta(hours=2)
    assert str(event["SUMMARY"]) == "Case audit C100123 (due Mon 30 Nov 2026)"
    assert "https://audits.example/audits/123" in str(event["DESCRIPTION"])
    assert str(event["ORGANIZER"]) == "mailto:aps@anytown.example"
    attendee = event["ATTENDEE"]
    assert str(attendee) == "mailto:sam@anytown.example"
    assert attendee.params["RSVP"] == "TRUE" and attendee.params["ROLE"] == "REQ-PARTICIPANT"
    assert event["SEQUENCE"] == 0 and str(event["STATUS"]) == "CONFIRMED"
    assert event.decoded("DTSTAMP").utcoffset() == timedelta(0)
    (alarm,) = event.walk("VALARM")
    assert alarm.decoded("TRIGGER") == timedelta(days=-1)


def test_a_later_invitation_keeps_the_uid_with_a_higher_sequence_and_can_cancel() -> None:
    moved = Calendar.from_ical(invite_attachment(notice(invite_sequence=2)).content)
    assert str(moved["METHOD"]) == "REQUEST"
    assert (str(moved.events[0]["UID"]), moved.events[0]["SEQUENCE"]) == (
        "audit-123@anytown.example", 2,
    )  # fmt: skip
    cancel = invite_attachment(notice(invite_sequence=3), "CANCEL")
    assert cancel.content_type == "text/calendar; method=CANCEL; charset=utf-8"
    calendar = Calendar.from_ical(cancel.content)
    assert str(calendar["METHOD"]) == "CANCEL"
    [event] = calendar.events
    assert (str(event["UID"]), event["SEQUENCE"], str(event["STATUS"])) == (
        "audit-123@anytown.example", 3, "CANCELLED",
    )  # fmt: skip
    assert not event.walk("VALARM")  # no reminder of a slot that is gone
    with pytest.raises(ValueError, match="REQUEST or CANCEL"):
        invite_attachment(notice(), "PUBLISH")


def test_invitation_in_summer_time_and_from_an_aware_slot() -> None:
    summer = notice(
        slot_start=datetime(2026, 6, 10, 8, 0, tzinfo=UTC),
        slot_end=datetime(2026, 6, 10, 10, 0, tzinfo=UTC),
    )
    raw = allocation_invite(summer).decode()
    assert "DTSTART;TZID=Europe/London:20260610T090000" in raw
    assert "DTEND;TZID=Europe/London:20260610T110000" in raw
    assert "\r\n" in raw
    event = Calendar.from_ical(raw).events[0]
    assert isinstance(event.start, datetime)
    assert event.start.astimezone(UTC) == datetime(2026, 6, 10, 8, tzinfo=UTC)


def test_same_notice_gives_the_same_uid_and_with_a_fixed_stamp_the_same_bytes() -> None:
    uids = {str(Calendar.from_ical(allocation_invite(notice())).events[0]["UID"]) for _ in "ab"}
    assert uids == {"audit-123@anytown.example"}
    other = Calendar.from_ical(allocation_invite(notice(audit_id=124))).events[0]
    assert str(other["UID"]) == "audit-124@anytown.example"
    stamp = datetime(2026, 11, 2, 7, 0, tzinfo=UTC)
    first = allocation_invite(notice(), stamp=stamp)
    assert first == allocation_invite(notice(), stamp=stamp)
    assert b"DTSTAMP:20261102T070000Z" in first


def test_invitation_refuses_a_slot_that_ends_before_it_starts() -> None:
    backwards = dataclasses.replace(notice(), slot_end=datetime(2026, 11, 10, 9, 0))
    with pytest.raises(ValueError):
        allocation_invite(backwards)


def test_a_late_reminder_says_how_long_is_really_left() -> None:
    # The 5-day reminder going out after a missed run, 2 working days before the due date.
    email = render_digest(digest("auditor", item(stage="due_in_5", working_days_left=2)), "P")
    assert "2 working days left" in email.subject
    assert "Due in 2 working days" in email.text and "Due in 5" not in email.text


def test_an_escalation_that_reached_nobody_else_says_so() -> None:
    note = "no line manager on record: only APS was told"
    email = render_digest(digest("aps", item(stage="escalation", days_overdue=5, note=note)), "P")
    assert note in email.text and note in email.html


def test_the_aps_digest_lists_requests_waiting_for_a_decision() -> None:
    line = "Extension request 3 for audit 12 (case C100051) until 2026-12-07, asked by S008"
    aps = Digest(
        "aps@example.gov.uk", "APS", "aps", date(2026, 11, 24), (), pending_requests=(line,)
    )
    email = render_digest(aps, "P")
    assert "1 request to decide" in email.subject
    assert line in email.text and "Requests waiting for a decision" in email.html
    auditor = render_digest(digest("auditor", item()), "P")
    assert "Requests waiting" not in auditor.text
