"""The planned visits as an iCalendar file (`uppf-xl calendar FILE --out besok.ics`).

One VEVENT per Årshjul row of a type with Besök Ja that has a visit date (Planerat datum,
else Föreslaget datum). The UID comes from the row's Nyckel, so importing the file again
updates the events instead of adding copies. When the output file already exists, its
events are read first: an event whose content changed gets SEQUENCE + 1 and a new
LAST-MODIFIED, an unchanged one keeps both, and a visit that has become Utgår, or whose row
is gone (or left the year), is written once more as STATUS:CANCELLED so calendars remove it.

Times: Tid "09:00", "9.00", "kl 9" or a range "09:00-11:30" gives a timed event in Swedish
local time (written in UTC, which every calendar converts); a visit without Tid is an
all-day event. A visit without an end time lasts two hours.

Example:
    >>> write_calendar(register, register.schedule, 2025, Path("besok.ics"))  # doctest: +SKIP
    42
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vText

from uppf_xl import outputs
from uppf_xl.meetings import ReportDue, reports_due
from uppf_xl.model import Register, ScheduleRow
from uppf_xl.vocab import RowStatus

LOCAL = ZoneInfo("Europe/Stockholm")
DEFAULT_LENGTH = dt.timedelta(hours=2)
PRODID = "-//uppf-xl//Uppföljning av utförare//SV"
HASH_PROP = "X-UPPF-XL-HASH"
_TIME = re.compile(r"(\d{1,2})(?:[:.](\d{2}))?")


def uid_for(key: str, kommun: str = "") -> str:
    """A stable UID from the row's Nyckel (and the municipality, so two kommuner never clash)."""
    def slug(text: str) -> str:
        return re.sub(r"[^A-Za-z0-9._-]+", "-", text.strip()).strip("-")

    place = slug(kommun.lower().translate(str.maketrans("åäöé", "aaoe")))
    return f"{slug(key)}{'.' + place if place else ''}@uppf-xl"


def parse_time(text: str) -> tuple[dt.time, dt.time | None] | None:
    """('09:00-11:30') -> (09:00, 11:30); ('kl 9') -> (09:00, None); '' -> None."""
    found = []
    for m in _TIME.finditer(text or ""):
        hour, minute = int(m.group(1)), int(m.group(2) or 0)
        if hour < 24 and minute < 60:
            found.append(dt.time(hour, minute))
    if not found:
        return None
    return found[0], (found[1] if len(found) > 1 and found[1] > found[0] else None)


def _previous(out: Path) -> dict[str, tuple[int, dt.datetime | None, str]]:
    """UID -> (SEQUENCE, LAST-MODIFIED, content hash) of the events already in `out`."""
    if not out.is_file():
        return {}
    try:
        cal = Calendar.from_ical(out.read_bytes())
    except (ValueError, OSError):
        return {}  # not a calendar we wrote: start afresh
    seen = {}
    for ev in cal.walk("VEVENT"):
        last = ev.get("LAST-MODIFIED")
        seen[str(ev.get("UID"))] = (int(ev.get("SEQUENCE", 0)), last.dt if last else None, str(ev.get(HASH_PROP, "")))
    return seen


def _vanished(out: Path, written: set[str], stamp: dt.datetime) -> list[Event]:
    """The events of the previous file at `out` that this run no longer has (the row was
    removed, or its visit left the year): written once more as STATUS:CANCELLED, SEQUENCE + 1."""
    if not out.is_file():
        return []
    try:
        cal = Calendar.from_ical(out.read_bytes())
    except (ValueError, OSError):
        return []
    gone = []
    for old in cal.walk("VEVENT"):
        uid = str(old.get("UID"))
        if uid in written:
            continue
        was_cancelled = str(old.get("STATUS", "")).upper() == "CANCELLED"
        ev = Event()
        for name in ("UID", "SUMMARY", "DTSTART", "DTEND", "TRANSP", "LOCATION", "DESCRIPTION", "CATEGORIES"):
            if old.get(name) is not None:
                ev[name] = old[name]
        ev.add("STATUS", "CANCELLED")
        sequence = int(old.get("SEQUENCE", 0)) + (0 if was_cancelled else 1)
        ev.add("SEQUENCE", sequence)
        ev.add("DTSTAMP", stamp)
        last = old.get("LAST-MODIFIED")
        ev.add("LAST-MODIFIED", last.dt if was_cancelled and last is not None else stamp)
        ev.add(HASH_PROP, _fingerprint(ev))
        gone.append(ev)
    return gone


def _planned(register: Register, rows: list[ScheduleRow], year: int | None) -> list[ScheduleRow]:
    out = []
    for row in rows:
        ftype = register.type(row.type_id)
        visit = row.visit_date
        if ftype is None or not ftype.visit or visit is None:
            continue
        if year is not None and visit.year != year:
            continue
        out.append(row)
    return sorted(out, key=lambda r: (r.visit_date, r.provider_id, r.key))


def _event(register: Register, row: ScheduleRow, cancelled: bool) -> Event:
    visit = row.visit_date
    assert visit is not None
    provider = register.provider(row.provider_id)
    ev = Event()
    ev.add("UID", uid_for(row.key, register.settings.kommun))
    ev.add("SUMMARY", f"{row.type_name or 'Kvalitetsuppföljning'} – {row.provider_name}")
    times = parse_time(row.time)
    if times is None:
        ev.add("DTSTART", visit)
        ev.add("DTEND", visit + dt.timedelta(days=1))
        ev.add("TRANSP", "TRANSPARENT")
    else:
        start = dt.datetime.combine(visit, times[0], tzinfo=LOCAL)
        end = dt.datetime.combine(visit, times[1], tzinfo=LOCAL) if times[1] else start + DEFAULT_LENGTH
        ev.add("DTSTART", start.astimezone(dt.timezone.utc))
        ev.add("DTEND", end.astimezone(dt.timezone.utc))
    location = row.place or (
        ", ".join(p for p in (provider.address, provider.city) if p) if provider is not None else ""
    )
    if location:
        ev.add("LOCATION", location)
    details = [
        f"Uppföljning: {row.type_name} ({row.type_id}), period {row.period}",
        f"Utförare: {row.provider_name} ({row.provider_id})",
        f"Nyckel: {row.key}",
    ]
    if row.dnr or register.settings.diarienummer:
        details.append(f"Dnr: {row.dnr or register.settings.diarienummer}")
    if row.responsible:
        details.append(f"Ansvarig: {row.responsible}")
    if row.notify_by:
        details.append(f"Kallas senast: {row.notify_by.isoformat()}")
    ev.add("DESCRIPTION", "\n".join(details))
    ev.add("CATEGORIES", ["Uppföljning"])
    ev.add("STATUS", "CANCELLED" if cancelled else "CONFIRMED")
    return ev


def _fingerprint(ev: Event) -> str:
    parts = [ev.get(name).to_ical() if ev.get(name) is not None else b"" for name in
             ("SUMMARY", "DTSTART", "DTEND", "LOCATION", "DESCRIPTION", "STATUS")]
    return hashlib.sha1(b"\x1f".join(parts)).hexdigest()[:16]


def write_calendar(
    register: Register, rows: list[ScheduleRow], year: int | None, out: Path, now: dt.datetime | None = None
) -> int:
    """Write the planned visits of `year` (None: every year) to `out`; returns the events written.

    Events of rows with Status Utgår are written only as cancellations of events the
    previous file at `out` had, and are counted too.
    """
    stamp = (now or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc).replace(microsecond=0)
    previous = _previous(out)
    cal = Calendar()
    cal.add("PRODID", PRODID)
    cal.add("VERSION", "2.0")
    cal.add("CALSCALE", "GREGORIAN")
    cal.add("METHOD", "PUBLISH")
    name = " ".join(p for p in ("Uppföljningsbesök", register.settings.kommun, str(year) if year else "") if p)
    cal.add("X-WR-CALNAME", name)
    count = 0
    written: set[str] = set()
    for row in _planned(register, rows, year):
        cancelled = row.status is RowStatus.UTGAR
        uid = uid_for(row.key, register.settings.kommun)
        if cancelled and uid not in previous:
            continue
        ev = _event(register, row, cancelled)
        _stamp(ev, previous, stamp)
        cal.add_component(ev)
        written.add(uid)
        count += 1
    for due in draft_deadlines(register, year):  # report drafts before the nämnd's meetings
        ev = _draft_event(register, due)
        _stamp(ev, previous, stamp)
        cal.add_component(ev)
        written.add(str(ev.get("UID")))
        count += 1
    for ev in _vanished(out, written, stamp):
        cal.add_component(ev)
        count += 1
    guard_calendar(cal, out.name)
    outputs.write_bytes(out, cal.to_ical())
    return count


def draft_deadlines(register: Register, year: int | None) -> list[ReportDue]:
    """The report drafts the meetings in Sammanträden ask for, due in `year` (None: every year)."""
    return [d for d in reports_due(register) if year is None or d.draft.year == year]


def _draft_event(register: Register, due: ReportDue) -> Event:
    """An all-day event on the draft deadline of the report a meeting asks for."""
    m = due.meeting
    ev = Event()
    ev.add("UID", uid_for(f"rapportutkast|{m.namnd}|{m.day.isoformat()}", register.settings.kommun))
    ev.add("SUMMARY", f"Rapportutkast: {due.label} – {m.namnd}")
    ev.add("DTSTART", due.draft)
    ev.add("DTEND", due.draft + dt.timedelta(days=1))
    ev.add("TRANSP", "TRANSPARENT")
    details = [f"Utkastet till {due.label} ska vara klart.", f"Sammanträde: {m.namnd} {m.day.isoformat()}"]
    if m.deadline:
        details.append(f"Sista dag för ärenden: {m.deadline.isoformat()}")
    details.append(f"Rapportutkast dagar före: {register.settings.rapportutkast_dagar_fore} arbetsdagar")
    ev.add("DESCRIPTION", "\n".join(details))
    ev.add("CATEGORIES", ["Nämndrapport"])
    ev.add("STATUS", "CONFIRMED")
    return ev


def _stamp(ev: Event, previous: dict[str, tuple[int, dt.datetime | None, str]], stamp: dt.datetime) -> None:
    """SEQUENCE, DTSTAMP, LAST-MODIFIED and the content hash, as for the visits."""
    uid = str(ev.get("UID"))
    digest = _fingerprint(ev)
    sequence, last_modified, old_digest = previous.get(uid, (0, None, ""))
    if uid in previous and digest != old_digest:
        sequence, last_modified = sequence + 1, stamp
    ev.add("SEQUENCE", sequence)
    ev.add("DTSTAMP", stamp)
    ev.add("LAST-MODIFIED", last_modified or stamp)
    ev.add(HASH_PROP, digest)
GUARDED_PROPERTIES = ("SUMMARY", "LOCATION", "DESCRIPTION", "X-WR-CALNAME", "CATEGORIES")


def guard_calendar(cal: Calendar, name: str) -> None:
    """Pass every text of the calendar through the personal-data guard of the running command.

    Values are TEXT properties, which icalendar escapes (a line break becomes "\\n"), so a
    Plats with a line break can never start a property of its own.
    """
    from uppf_xl import guard

    components = [cal, *cal.walk("VEVENT")]
    slots = [(c, p) for c in components for p in GUARDED_PROPERTIES if isinstance(c.get(p), str)]
    safe = guard.current().texts(f"Kalendern {name}", [(str(c.get(p)), True, False) for c, p in slots])
    for (component, prop), text in zip(slots, safe):
        if text != str(component.get(prop)):
            component[prop] = vText(text)
