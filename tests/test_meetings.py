"""Sammanträden: draft deadlines in Översikt and the calendar, the next report, file names per nämnd."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from click.testing import CliRunner
from icalendar import Calendar

from conftest import DEMO_TODAY
from factories import provider, register
from uppf_xl import dashboard, meetings
from uppf_xl.documents import calendar as ical
from uppf_xl.cli import main
from uppf_xl.demo_data import NAMND_AO, NAMND_ON
from uppf_xl.model import Meeting
from uppf_xl.workbook import open_workbook

VON = "Vård- och omsorgsnämnden"


def reg_with_meetings(**settings):
    reg = register([provider("U001")], **settings)
    reg.meetings = [
        Meeting(VON, date(2025, 2, 19), date(2025, 2, 5), "år", row=2),
        Meeting(VON, date(2025, 4, 16), date(2025, 4, 2), "", row=3),
        Meeting(VON, date(2025, 6, 11), date(2025, 5, 28), "T1", row=4),
        Meeting(VON, date(2025, 10, 22), None, "t2", row=5),
    ]
    return reg


def test_draft_deadline_is_working_days_before_the_last_day_for_items():
    reg = reg_with_meetings()
    due = meetings.reports_due(reg)
    assert [(d.period, d.year, d.draft) for d in due] == [
        ("år", 2024, date(2025, 1, 22)),  # 10 working days before Wednesday 5 February
        ("T1", 2025, date(2025, 5, 14)),
        ("T2", 2025, date(2025, 10, 8)),  # no Sista dag: counted from the meeting itself
    ]
    reg.settings.rapportutkast_dagar_fore = 3
    assert meetings.reports_due(reg)[0].draft == date(2025, 1, 31)


def test_next_report_and_the_sentence_that_says_which():
    reg = reg_with_meetings()
    due = meetings.next_report(reg, date(2025, 3, 1))
    assert due is not None and (due.period, due.year) == ("T1", 2025)
    assert due.sentence() == (
        "Rapporten till Vård- och omsorgsnämndens sammanträde 2025-06-11: delårsrapport T1 (januari–april) 2025 "
        "(utkast senast 2025-05-14, sista dag för ärenden 2025-05-28)."
    )
    assert meetings.next_report(reg, date(2025, 10, 23)) is None


def test_drafts_are_in_the_dashboards_list_of_things_to_do():
    reg = reg_with_meetings(avsandare="Karin Ek")
    board = dashboard.build(reg, [], 2025, date(2025, 5, 1))
    drafts = [w for w in board.work if w.task.startswith(meetings.DRAFT_TASK)]
    assert [(w.handler, w.when, w.task, w.provider) for w in drafts] == [
        ("Karin Ek", date(2025, 5, 14), "Rapportutkast klart: delårsrapport T1 (januari–april) 2025, "
                                        "sammanträde 2025-06-11", VON),
    ]


def test_drafts_are_events_of_their_own_in_the_calendar(tmp_path: Path):
    reg = reg_with_meetings()
    out = tmp_path / "k.ics"
    assert ical.write_calendar(reg, [], 2025, out) == 3
    events = Calendar.from_ical(out.read_bytes()).walk("VEVENT")
    assert [(str(e["SUMMARY"]), e["DTSTART"].dt) for e in events] == [
        (f"Rapportutkast: årsrapport 2024 – {VON}", date(2025, 1, 22)),
        (f"Rapportutkast: delårsrapport T1 (januari–april) 2025 – {VON}", date(2025, 5, 14)),
        (f"Rapportutkast: delårsrapport T2 (januari–augusti) 2025 – {VON}", date(2025, 10, 8)),
    ]
    assert all(str(e["UID"]).startswith("rapportutkast") for e in events)
    first = out.read_bytes()
    ical.write_calendar(reg, [], 2025, out)
    again = Calendar.from_ical(out.read_bytes()).walk("VEVENT")
    assert [int(e["SEQUENCE"]) for e in again] == [0, 0, 0] and len(first) > 0


def test_sammantraden_are_read_and_checked(demo_book: Path):
    reg = open_workbook(demo_book).register(DEMO_TODAY)
    assert len(reg.meetings) == 24 and {m.namnd for m in reg.meetings} == {NAMND_AO, NAMND_ON}
    assert [m.report for m in reg.meetings[:6]] == ["år", "år", "", "", "T1", "T1"]


def test_report_without_period_makes_the_next_meetings_report(demo_book: Path, tmp_path: Path):
    out = tmp_path / "ut"
    result = CliRunner().invoke(main, ["report", str(demo_book), "--out", str(out), "--today", "2025-05-02"])
    assert result.exit_code == 0, result.output
    assert f"Rapporten till {NAMND_AO}s sammanträde 2025-06-19: delårsrapport T1 (januari–april) 2025" in result.output
    assert sorted(p.name for p in out.glob("*.docx")) == [
        f"Nämndrapport_2025_T1_{NAMND_ON}.docx", f"Nämndrapport_2025_T1_{NAMND_AO}.docx",
    ]  # fmt: skip


def test_report_for_one_namnd_is_named_like_the_per_namnd_run(demo_book: Path, tmp_path: Path):
    """Two nämnder one after the other into the output folder: neither overwrites the other."""
    for namnd in (NAMND_AO, NAMND_ON):
        result = CliRunner().invoke(main, ["report", str(demo_book), "--year", "2025", "--period", "år",
                                           "--nämnd", namnd, "--today", DEMO_TODAY.isoformat()])  # fmt: skip
        assert result.exit_code == 0, result.output
    folder = demo_book.parent / "Utskick"
    assert sorted(p.name for p in folder.glob("*.docx")) == [
        f"Nämndrapport_2025_år_{NAMND_ON}.docx", f"Nämndrapport_2025_år_{NAMND_AO}.docx",
    ]  # fmt: skip
