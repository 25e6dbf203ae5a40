"""The calendar invitation of an audit, and the wording it shares with the emails.

The invitation is an iCalendar REQUEST made with the ``icalendar`` library: one event in
Europe/London time with its VTIMEZONE, the organiser and the auditor as a required attendee, and
a reminder the day before. It carries the case reference, the due date and a link: no child data.

Every invitation of one audit has the same UID (``audit-<id>@<domain>``), so a calendar keeps one
entry for it: the allocation's has SEQUENCE 0; each later one (a new due date after an extension
or a pause: METHOD:REQUEST; the auditor released by an exemption or a withdrawal: METHOD:CANCEL)
has the next SEQUENCE (``AllocationNotice.invite_sequence``), as iTIP (RFC 5546) asks, so the
calendar takes it as newer than what it holds.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event, Timezone, vCalAddress

from notifications.messages import AllocationNotice

LONDON = ZoneInfo("Europe/London")
PRODID = "-//Case audits//Monthly case audit programme//EN"
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_KINDS = {"audit": "Audit", "reaudit": "Re-audit"}


def human_date(day: date) -> str:
    """A date as a person reads it, whatever the locale: "Fri 27 Nov 2026"."""
    return f"{_DAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


def kind_word(kind: str) -> str:
    """ "audit" -> "Audit", "reaudit" -> "Re-audit"."""
    try:
        return _KINDS[kind]
    except KeyError:
        raise ValueError(f"unknown audit kind {kind!r}") from None


def cycle_label(cycle: str) -> str:
    """ "2026-11" -> "November 2026" (anything else is shown as it is)."""
    year, _, month = cycle.partition("-")
    if year.isdigit() and month.isdigit() and 1 <= int(month) <= 12:
        return f"{_MONTH_NAMES[int(month) - 1]} {year}"
    return cycle


def as_london(moment: datetime) -> datetime:
    """A slot time in Europe/London: a naive time is taken to be London time already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=LONDON)
    return moment.astimezone(LONDON)


def slot_words(start: datetime, end: datetime) -> str:
    """ "Tue 3 Nov 2026, 10:00 to 12:00" (London time)."""
    start, end = as_london(start), as_london(end)
    if start.date() == end.date():
        return f"{human_date(start.date())}, {start:%H:%M} to {end:%H:%M}"
    return f"{human_date(start.date())} {start:%H:%M} to {human_date(end.date())} {end:%H:%M}"


def invite_uid(notice: AllocationNotice) -> str:
    """Stable for an audit, so a re-sent invitation updates the same calendar entry."""
    domain = notice.organiser_email.rpartition("@")[2] or "case-audits"
    return f"audit-{notice.audit_id}@{domain}"


def _event_text(notice: AllocationNotice) -> tuple[str, str]:
    kind, due = kind_word(notice.kind), human_date(notice.due_on)
    summary = f"Case {kind.lower()} {notice.case_ref} (due {due})"
    description = (
        f"Time to complete the {kind.lower()} of case {notice.case_ref} and hold the reflection"
        f" conversation with the social worker. Due {due}."
        f"\n\nOpen the {kind.lower()}: {notice.link}"
    )
    return summary, description


def _attendee(notice: AllocationNotice) -> vCalAddress:
    attendee = vCalAddress(f"mailto:{notice.recipient_email}")
    attendee.params.update(
        {
            "CN": notice.recipient_name,
            "CUTYPE": "INDIVIDUAL",
            "ROLE": "REQ-PARTICIPANT",
            "PARTSTAT": "NEEDS-ACTION",
            "RSVP": "TRUE",
        }
    )
    return attendee


def _alarm(summary: str) -> Alarm:
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", f"Tomorrow: {summary}")
    alarm.add("trigger", timedelta(days=-1))
    return alarm


def _event(notice: AllocationNotice, stamp: datetime, status: str) -> Event:
    start, end = as_london(notice.slot_start), as_london(notice.slot_end)
    if end <= start:
        raise ValueError(f"audit {notice.audit_id}: the slot must end after it starts")
    summary, description = _event_text(notice)
    event = Event()
    event.add("uid", invite_uid(notice))
    event.add("dtstamp", stamp.astimezone(UTC).replace(microsecond=0))
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", summary)
    event.add("description", description)
    event.add("url", notice.link)
    event.add("organizer", vCalAddress(f"mailto:{notice.organiser_email}"))
    event.add("attendee", _attendee(notice))
    event.add("sequence", notice.invite_sequence)
    event.add("status", status)
    event.add("transp", "OPAQUE")
    event.add_component(_alarm(summary))
    return event


def allocation_invite(notice: AllocationNotice, *, stamp: datetime | None = None) -> bytes:
    """The iCalendar file (METHOD:REQUEST) holding the audit's slot, at the notice's SEQUENCE;
    ``stamp`` is DTSTAMP (default: now)."""
    return _calendar(notice, "REQUEST", _event(notice, stamp or datetime.now(UTC), "CONFIRMED"))


def cancelled_invite(notice: AllocationNotice, *, stamp: datetime | None = None) -> bytes:
    """The iCalendar file (METHOD:CANCEL, STATUS:CANCELLED) that takes the audit's slot out of
    the auditor's calendar: same UID, the notice's (higher) SEQUENCE."""
    event = _event(notice, stamp or datetime.now(UTC), "CANCELLED")
    event.pop("TRANSP")
    event.subcomponents.clear()  # no reminder for a slot that is gone
    return _calendar(notice, "CANCEL", event)


def _calendar(notice: AllocationNotice, method: str, event: Event) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    calendar.add_component(event)
    # The VTIMEZONE goes before the event that refers to it. It is the same for every invitation
    # of a year (transitions a year either side of the slot are plenty for any calendar to place
    # it), so it is made once: it is most of an invitation's lines, and an allocation writes
    # thousands.
    year = as_london(notice.slot_start).year
    event_start = b"BEGIN:VEVENT\r\n"
    return calendar.to_ical().replace(event_start, _london_zone(year) + event_start, 1)


@cache
def _london_zone(year: int) -> bytes:
    """Europe/London's VTIMEZONE from the year before ``year`` to the year after."""
    zone = Timezone.from_tzinfo(
        LONDON, "Europe/London", first_date=date(year - 1, 1, 1), last_date=date(year + 1, 12, 31)
    )
    return zone.to_ical()
