"""Calendar export: one event per planned visit, stable UIDs, updates instead of duplicates."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from icalendar import Calendar

from test_letters import scenario
from uppf_xl.documents.calendar import parse_time, uid_for, write_calendar

FIRST = dt.datetime(2025, 1, 10, 8, 0, tzinfo=dt.timezone.utc)
LATER = dt.datetime(2025, 1, 20, 8, 0, tzinfo=dt.timezone.utc)
UTC = dt.timezone.utc


def events(path: Path) -> dict[str, object]:
    cal = Calendar.from_ical(path.read_bytes())
    return {str(ev["UID"]): ev for ev in cal.walk("VEVENT")}


def test_one_event_per_planned_visit(tmp_path: Path) -> None:
    reg = scenario()
    out = tmp_path / "besok.ics"
    # U017, U020, U030, U040 have visit dates; U050 has none, MAN is no visit
    assert write_calendar(reg, reg.schedule, 2025, out, now=FIRST) == 4
    found = events(out)
    assert sorted(found) == sorted(
        uid_for(f"{pid}|KVAL|2025", "Exempelby kommun") for pid in ("U017", "U020", "U030", "U040")
    )
    ev = found["U017-KVAL-2025.exempelby-kommun@uppf-xl"]
    assert str(ev["SUMMARY"]) == "Kvalitetsuppföljning – Utförare U017"
    assert ev["DTSTART"].dt == dt.datetime(2025, 3, 11, 8, 0, tzinfo=UTC)  # 09:00 Swedish winter time
    assert ev["DTEND"].dt == dt.datetime(2025, 3, 11, 10, 0, tzinfo=UTC)
    assert str(ev["LOCATION"]) == "Storgatan 1, Exempelby"
    assert "Dnr: VON 2025/123" in str(ev["DESCRIPTION"])
    assert int(ev["SEQUENCE"]) == 0
    all_day = found[uid_for("U020|KVAL|2025", "Exempelby kommun")]
    assert all_day["DTSTART"].dt == date(2025, 3, 12) and all_day["DTEND"].dt == date(2025, 3, 13)


def test_a_second_run_keeps_uids_and_sequence(tmp_path: Path) -> None:
    reg = scenario()
    out = tmp_path / "besok.ics"
    write_calendar(reg, reg.schedule, 2025, out, now=FIRST)
    first = events(out)
    write_calendar(reg, reg.schedule, 2025, out, now=LATER)
    second = events(out)
    assert sorted(first) == sorted(second)
    for uid, ev in second.items():
        assert int(ev["SEQUENCE"]) == 0
        assert ev["LAST-MODIFIED"].dt == first[uid]["LAST-MODIFIED"].dt == FIRST


def test_a_changed_visit_is_an_update(tmp_path: Path) -> None:
    reg = scenario()
    out = tmp_path / "besok.ics"
    write_calendar(reg, reg.schedule, 2025, out, now=FIRST)
    rows = [replace(r, time="13:30") if r.provider_id == "U017" else r for r in reg.schedule]
    rows = [replace(r, status="Utgår") if r.provider_id == "U030" else r for r in rows]
    assert write_calendar(reg, rows, 2025, out, now=LATER) == 4
    found = events(out)
    moved = found[uid_for("U017|KVAL|2025", "Exempelby kommun")]
    assert (int(moved["SEQUENCE"]), moved["LAST-MODIFIED"].dt) == (1, LATER)
    assert moved["DTSTART"].dt == dt.datetime(2025, 3, 11, 12, 30, tzinfo=UTC)
    gone = found[uid_for("U030|KVAL|2025", "Exempelby kommun")]
    assert (str(gone["STATUS"]), int(gone["SEQUENCE"])) == ("CANCELLED", 1)
    same = found[uid_for("U040|KVAL|2025", "Exempelby kommun")]
    assert (int(same["SEQUENCE"]), str(same["STATUS"])) == (0, "CONFIRMED")


def test_a_dropped_row_never_seen_is_not_written(tmp_path: Path) -> None:
    reg = scenario()
    rows = [replace(r, status="Utgår") if r.provider_id == "U030" else r for r in reg.schedule]
    assert write_calendar(reg, rows, 2025, tmp_path / "besok.ics", now=FIRST) == 3


def test_year_filter(tmp_path: Path) -> None:
    reg = scenario()
    assert write_calendar(reg, reg.schedule, 2024, tmp_path / "a.ics", now=FIRST) == 0
    assert write_calendar(reg, reg.schedule, None, tmp_path / "b.ics", now=FIRST) == 4
    cal = Calendar.from_ical((tmp_path / "a.ics").read_bytes())
    assert str(cal["VERSION"]) == "2.0" and cal.walk("VEVENT") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("09:00", (dt.time(9), None)),
        ("9.30", (dt.time(9, 30), None)),
        ("kl 10", (dt.time(10), None)),
        ("09:00-11:30", (dt.time(9), dt.time(11, 30))),
        ("13.00–15.00", (dt.time(13), dt.time(15))),
        ("", None),
        ("förmiddag", None),
    ],
)
def test_parse_time(text: str, expected: tuple[dt.time, dt.time | None] | None) -> None:
    assert parse_time(text) == expected


def test_uid_is_stable_and_safe() -> None:
    assert uid_for("U017|KVAL|2025", "Växjö kommun") == "U017-KVAL-2025.vaxjo-kommun@uppf-xl"
    assert uid_for("U017|HAND|2025-03-14") == "U017-HAND-2025-03-14@uppf-xl"
