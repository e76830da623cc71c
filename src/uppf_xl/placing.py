"""Where on the calendar a generated Årshjul row's proposal falls (used by `uppf_xl.schedule`).

`Calendar` holds the working days of the years planned, with and without the semester
window; `Placer` picks each row's Föreslaget datum in its window: a working day, outside
the semester for a visit when one is free, at least the kallelse's notice ahead of today,
and, when leveling, in the responsible person's nearest week under Max besök per vecka.
Whatever it cannot honour it says in `unplaced`, in Swedish.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from uppf_xl.dates import previous_working_day, working_days
from uppf_xl.model import FollowUpType, ScheduleRow, Settings


@lru_cache(maxsize=32)
def year_working_days(year: int) -> tuple[date, ...]:
    return tuple(working_days(date(year, 1, 1), date(year, 12, 31)))


class Days:
    """A sorted list of eligible days with its ISO-week runs, for index arithmetic."""

    def __init__(self, days: list[date]) -> None:
        self.days = days
        self.run_of: list[int] = []
        self.runs: list[tuple[int, int, tuple[int, int]]] = []  # (start, end excl., (iso year, week))
        for i, d in enumerate(days):
            week = d.isocalendar()[:2]
            if not self.runs or self.runs[-1][2] != week:
                if self.runs:
                    s, _, w = self.runs[-1]
                    self.runs[-1] = (s, i, w)
                self.runs.append((i, i + 1, week))
            self.run_of.append(len(self.runs) - 1)
        if self.runs:
            s, _, w = self.runs[-1]
            self.runs[-1] = (s, len(days), w)

    def span(self, first: date, last: date) -> tuple[int, int]:
        """Index range [lo, hi) of the days from `first` to `last`."""
        return bisect.bisect_left(self.days, first), bisect.bisect_right(self.days, last)


class Calendar:
    """Working days, and working days outside the semester window, for a few years."""

    def __init__(self, settings: Settings, years: Iterable[int]) -> None:
        work: list[date] = []
        visit: list[date] = []
        self.semester: dict[int, tuple[date, date]] = {}
        for y in sorted(years):
            s, e = settings.holiday_period(y)
            self.semester[y] = (s, e)
            for d in year_working_days(y):
                work.append(d)
                if not s <= d <= e:
                    visit.append(d)
        self.work = Days(work)
        self.visit = Days(visit)

    def in_semester(self, day: date) -> bool:
        s, e = self.semester.get(day.year, (date.max, date.min))
        return s <= day <= e


@dataclass
class Item:
    """One row being generated: the row itself and what placing it needs."""

    row: ScheduleRow
    ftype: FollowUpType
    first: date
    last: date
    fraction: float = 0.5
    fixed: date | None = None  # a proposal that must not move
    hold: date | None = None  # the previous proposal, kept while it obeys the rules and the cap
    person: str = ""


def notice_days(ftype: FollowUpType | None, settings: Settings) -> int:
    if ftype is not None and ftype.notice_days is not None:
        return ftype.notice_days
    return settings.kallelse_dagar_fore


class Placer:
    """Chooses Föreslaget datum: working days, semester avoidance, weekly cap per person."""

    def __init__(self, cal: Calendar, settings: Settings, today: date) -> None:
        self.cal = cal
        self.settings = settings
        self.today = today
        self.cap = settings.max_besok_per_vecka
        self.load: Counter[tuple[str, tuple[int, int]]] = Counter()
        self.daily: Counter[tuple[str, date]] = Counter()
        self.unplaced: list[str] = []

    def add_load(self, person: str, day: date) -> None:
        if person:
            self.load[(person, day.isocalendar()[:2])] += 1
            self.daily[(person, day)] += 1

    def remove_load(self, person: str, day: date) -> None:
        if person:
            self.load[(person, day.isocalendar()[:2])] -= 1
            self.daily[(person, day)] -= 1

    def _choices(self, item: Item) -> list[tuple[Days, date | None, bool]]:
        """(day list, lower bound, in-semester allowed) in order of preference."""
        cal, today = self.cal, self.today
        if not item.ftype.visit:
            return [(cal.work, today, False), (cal.work, None, False)]
        soon = today + timedelta(days=notice_days(item.ftype, self.settings))
        return [(cal.visit, soon, False), (cal.visit, today, False), (cal.work, today, True),
                (cal.visit, None, False), (cal.work, None, True)]

    def place(self, item: Item, level: bool) -> date:
        for days, bound, semester in self._choices(item):
            flo, fhi = days.span(item.first, item.last)
            if flo >= fhi:
                continue
            lo = bisect.bisect_left(days.days, bound, flo, fhi) if bound is not None else flo
            if lo >= fhi:
                continue
            target = max(lo, min(fhi - 1, flo + int(item.fraction * (fhi - flo))))
            if level and item.person and self.cap > 0:
                day = self._level(item, days, lo, fhi, target)
            else:
                day = days.days[target]
            if semester and self.cal.in_semester(day):
                self._report_semester(item, day)
            return day
        # No working day in the window at all (a provider active over a weekend only).
        day = previous_working_day(item.last)
        if item.ftype.visit and self.cal.in_semester(day):
            self._report_semester(item, day)
        if level and item.person and self.cap > 0:
            week = day.isocalendar()[:2]
            if self.load[(item.person, week)] >= self.cap:
                self.unplaced.append(
                    f"{item.row.key}: ingen arbetsdag mellan {item.first.isoformat()} och {item.last.isoformat()}; "
                    f"föreslaget {day.isoformat()} (vecka {week[1]}, {self.load[(item.person, week)] + 1} besök) ändå."
                )
            self.add_load(item.person, day)
        return day

    def _level(self, item: Item, days: Days, lo: int, hi: int, target: int) -> date:
        person, cap = item.person, self.cap
        r_lo, r_hi, r_t = days.run_of[lo], days.run_of[hi - 1], days.run_of[target]
        chosen = self._free_week(person, days, r_lo, r_hi, r_t)
        full = chosen < 0
        if full:  # every week is at the cap: the least loaded one, nearest the target
            chosen = min(range(r_lo, r_hi + 1), key=lambda r: (self.load[(person, days.runs[r][2])], abs(r - r_t), r))
        start, end, week = days.runs[chosen]
        start, end = max(start, lo), min(end, hi)
        i = min(range(start, end), key=lambda i: (self.daily[(person, days.days[i])], abs(i - target), i))
        day = days.days[i]
        if full:
            self.unplaced.append(
                f"{item.row.key}: {person} har redan {cap} besök eller fler varje vecka mellan "
                f"{days.days[lo].isoformat()} och {days.days[hi - 1].isoformat()}; föreslaget "
                f"{day.isoformat()} (vecka {week[1]}, {self.load[(person, week)] + 1} besök) ändå."
            )
        self.add_load(person, day)
        return day

    def _free_week(self, person: str, days: Days, r_lo: int, r_hi: int, r_t: int) -> int:
        """The week run nearest `r_t` (earlier first on a tie) below the cap, or -1."""
        for d in range(max(r_t - r_lo, r_hi - r_t) + 1):
            for r in ((r_t - d, r_t + d) if d else (r_t,)):
                if r_lo <= r <= r_hi and self.load[(person, days.runs[r][2])] < self.cap:
                    return r
        return -1

    def _report_semester(self, item: Item, day: date) -> None:
        s, e = self.cal.semester[day.year]
        self.unplaced.append(
            f"{item.row.key}: ingen arbetsdag utanför semesterperioden ({s.isoformat()}–{e.isoformat()}) "
            f"före Senast {item.row.due.isoformat() if item.row.due else ''}; föreslaget {day.isoformat()} ändå."
        )
