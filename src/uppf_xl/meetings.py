"""The nämnd's calendar (Sammanträden): report drafts due before meetings, and the next report.

Each meeting whose Rapport is T1, T2 or år asks for that report of the meeting's year (a T2
report in a September meeting is the delårsrapport of that year; an "år" report in a
February meeting is the annual report of the year before). Its draft is due *Rapportutkast
dagar före* working days before Sista dag för ärenden (the meeting day itself when that is
empty). The draft deadlines show in Översikt's list of things to do and, as events of their
own, in the calendar export.

Example:
    >>> m = Meeting("Vård- och omsorgsnämnden", date(2025, 9, 24), date(2025, 9, 10), "T2")
    >>> draft_deadline(m, Settings())
    datetime.date(2025, 8, 27)
    >>> report_year(m)
    2025
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from uppf_xl.dates import add_working_days, previous_working_day
from uppf_xl.model import Meeting, Register, Settings

if TYPE_CHECKING:
    from uppf_xl.dashboard import WorkItem

PERIOD_WORDS = {"T1": "delårsrapport T1 (januari–april)", "T2": "delårsrapport T2 (januari–augusti)", "år": "årsrapport"}
DRAFT_TASK = "Rapportutkast klart"


@dataclass(frozen=True)
class ReportDue:
    """The report a meeting asks for."""

    meeting: Meeting
    period: str  # T1, T2, år
    year: int
    draft: date  # the draft deadline

    @property
    def label(self) -> str:
        return f"{PERIOD_WORDS[self.period]} {self.year}"

    def sentence(self) -> str:
        """'Rapporten till Vård- och omsorgsnämndens sammanträde 2025-09-24: delårsrapport T2 ... 2025.'"""
        last = self.meeting.deadline
        tail = f", sista dag för ärenden {last.isoformat()}" if last else ""
        return (f"Rapporten till {self.meeting.namnd}s sammanträde {self.meeting.day.isoformat()}: {self.label} "
                f"(utkast senast {self.draft.isoformat()}{tail}).")


def report_period(m: Meeting) -> str | None:
    """T1, T2 or år when the meeting asks for a report, else None (case forgiven)."""
    value = m.report.strip()
    folded = value.casefold()
    if folded in ("t1", "t2"):
        return folded.upper()
    if folded in ("år", "ar", "helår"):
        return "år"
    return None


def report_year(m: Meeting) -> int:
    """The year the report covers: a yearly report in the first half of a year covers the year before."""
    if report_period(m) == "år" and m.day.month <= 6:
        return m.day.year - 1
    return m.day.year


def draft_deadline(m: Meeting, settings: Settings) -> date:
    """Rapportutkast dagar före working days before Sista dag för ärenden (else the meeting)."""
    anchor = previous_working_day(m.deadline or m.day)
    return add_working_days(anchor, -max(settings.rapportutkast_dagar_fore, 0))


def reports_due(register: Register, namnd: str | None = None) -> list[ReportDue]:
    """Every report the meetings ask for, in date order; `namnd` keeps one nämnd's."""
    out = []
    for m in register.meetings:
        period = report_period(m)
        if period is None or (namnd is not None and m.namnd != namnd):
            continue
        out.append(ReportDue(m, period, report_year(m), draft_deadline(m, register.settings)))
    return sorted(out, key=lambda r: (r.meeting.day, r.meeting.namnd))


def next_report(register: Register, today: date, namnd: str | None = None) -> ReportDue | None:
    """The first report asked for by a meeting on or after `today` (of `namnd` when given)."""
    for due in reports_due(register, namnd):
        if due.meeting.day >= today:
            return due
    return None


def draft_work(register: Register, today: date, days_ahead: int) -> list[tuple[date, str, str, str]]:
    """(when, task, nämnd, ref) for the report drafts due from `today` to `days_ahead` days on."""
    last = today + dt.timedelta(days=days_ahead)
    out = []
    for due in reports_due(register):
        if today <= due.draft <= last:
            task = f"{DRAFT_TASK}: {due.label}, sammanträde {due.meeting.day.isoformat()}"
            out.append((due.draft, task, due.meeting.namnd, f"Sammanträden rad {due.meeting.row}"))
    return out


def with_drafts(work: list[WorkItem], register: Register, today: date, days_ahead: int = 30) -> list[WorkItem]:
    """Översikt's to-do list with the report drafts added (handläggare: the setting Avsändare)."""
    from uppf_xl.dashboard import NO_HANDLER, WorkItem  # noqa: F811 (the runtime import)

    handler = register.settings.avsandare or NO_HANDLER
    added = [WorkItem(handler, when, task, namnd, ref) for when, task, namnd, ref in draft_work(register, today, days_ahead)]
    if not added:
        return work
    return sorted([*work, *added], key=lambda w: (w.handler, w.when, w.ref, w.task))
