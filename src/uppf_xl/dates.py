"""Swedish calendar facts: working days, ISO weeks, tertials, dates written the Swedish way.

Non-working days are Saturdays, Sundays, the public holidays and the de facto ones
(midsommarafton, julafton, nyårsafton), from `holidays.SE(categories=(PUBLIC, DE_FACTO))`.

Example:
    >>> swedish_long_date(date(2025, 3, 11))
    'tisdag 11 mars 2025'
    >>> is_working_day(date(2025, 6, 20))  # midsommarafton
    False
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from functools import lru_cache

import holidays

MONTHS = (
    "januari", "februari", "mars", "april", "maj", "juni",
    "juli", "augusti", "september", "oktober", "november", "december",
)  # fmt: skip
WEEKDAYS = ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag")


@lru_cache(maxsize=64)
def _holidays(year: int) -> frozenset[date]:
    se = holidays.country_holidays(
        "SE", years=year, categories=(holidays.PUBLIC, holidays.DE_FACTO), language="sv"
    )
    # holidays.SE lists every Sunday as a holiday; keep only the named days off.
    return frozenset(d for d, name in se.items() if name != "Söndag")


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def previous_working_day(day: date) -> date:
    """`day` itself when it is a working day, else the nearest working day before it."""
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


def next_working_day(day: date) -> date:
    """`day` itself when it is a working day, else the nearest working day after it."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def add_working_days(day: date, n: int) -> date:
    """Move `n` working days forward (negative: back) from `day`."""
    step = 1 if n >= 0 else -1
    while n:
        day += timedelta(days=step)
        if is_working_day(day):
            n -= step
    return day


def working_days(first: date, last: date) -> list[date]:
    """Every working day from `first` to `last`, inclusive."""
    out = []
    day = first
    while day <= last:
        if is_working_day(day):
            out.append(day)
        day += timedelta(days=1)
    return out


def iso_week(day: date) -> int:
    return day.isocalendar()[1]


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clipped to the month's end (31 Jan + 1 = 28/29 Feb)."""
    total = day.year * 12 + day.month - 1 + months
    year, month = divmod(total, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def swedish_month(month: int) -> str:
    return MONTHS[month - 1]


def swedish_long_date(day: date) -> str:
    """'tisdag 11 mars 2025'."""
    return f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]} {day.year}"


def swedish_date_with_week(day: date) -> str:
    """'tisdag 11 mars 2025, vecka 11'."""
    return f"{swedish_long_date(day)}, vecka {iso_week(day)}"


def tertial_of(day: date, tertial1_end: date, tertial2_end: date) -> int:
    """1, 2 or 3: the tertial `day` falls in, given the year's tertial end dates."""
    if day <= tertial1_end:
        return 1
    if day <= tertial2_end:
        return 2
    return 3
