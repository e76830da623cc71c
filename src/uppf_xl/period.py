"""The Årshjul's two identifiers as value types: a row's Period and its Nyckel.

Both are their own text (a `str`), so they are written, compared, sorted and shown as the
workbook has them; what the text says is parsed once, when the value is made. One place
builds them (the class methods) and one parses them (the constructor).

    >>> p = Period("2025-T2")
    >>> p.year, p.kind, p.number
    (2025, <Kind.TERTIAL: 'T'>, 2)
    >>> Period.quarter(2025, 1), Period.month(2025, 3), Period.event(date(2025, 4, 7))
    ('2025-Q1', '2025-03', '2025-04-07')
    >>> Period("2025-04-07").day
    datetime.date(2025, 4, 7)
    >>> Period("våren").kind is None
    True
    >>> key = Nyckel.of("U001", "EGK", Period.of_year(2025))
    >>> key, key.provider_id, key.type_id, key.period.year
    ('U001|EGK|2025', 'U001', 'EGK', 2025)
"""

from __future__ import annotations

import re
from datetime import date
from enum import Enum
from typing import ClassVar

from uppf_xl.dates import month_end
from uppf_xl.vocab import Interval


class Kind(Enum):
    """What a Period text names: a year, a half, a tertial, a quarter, a month or a day."""

    YEAR = "Y"
    HALF = "H"
    TERTIAL = "T"
    QUARTER = "Q"
    MONTH = "M"
    DAY = "D"


_SHAPES = (
    (re.compile(r"(\d{4})"), Kind.YEAR),
    (re.compile(r"(\d{4})-H([12])"), Kind.HALF),
    (re.compile(r"(\d{4})-T([1-3])"), Kind.TERTIAL),
    (re.compile(r"(\d{4})-Q([1-4])"), Kind.QUARTER),
    (re.compile(r"(\d{4})-(0[1-9]|1[0-2])"), Kind.MONTH),
    (re.compile(r"(\d{4})-(\d{2})-(\d{2})"), Kind.DAY),
)

_INTERVALS = {Kind.YEAR: Interval.YEAR, Kind.HALF: Interval.HALF_YEAR, Kind.TERTIAL: Interval.TERTIAL,
              Kind.QUARTER: Interval.QUARTER, Kind.MONTH: Interval.MONTH}


class Period(str):
    """A Period of Årshjul. `kind` is None for a text that is none of the shapes; `year` is
    then the leading four digits when there are any (as the workbook has always read it)."""

    year: int | None
    kind: Kind | None
    number: int  # the half, tertial, quarter or month (1-based); 0 for a year or a day
    day: date | None  # an event's date

    _known: ClassVar[dict[str, Period]] = {}

    def __new__(cls, text: str) -> Period:
        known = cls._known.get(text)
        if known is not None:
            return known
        self = super().__new__(cls, text)
        self.year, self.kind, self.number, self.day = None, None, 0, None
        for shape, kind in _SHAPES:
            m = shape.fullmatch(text)
            if m is None:
                continue
            if kind is Kind.DAY:
                try:
                    self.day = date.fromisoformat(text)
                except ValueError:
                    break
            self.kind, self.number = kind, int(m.group(2)) if kind not in (Kind.YEAR, Kind.DAY) else 0
            break
        head = text[:4]
        if head.isascii() and head.isdigit():
            self.year = int(head)
        if len(cls._known) < 100_000:  # a workbook has a few hundred distinct periods
            cls._known[text] = self
        return self

    @classmethod
    def of_year(cls, year: int) -> Period:
        return cls(f"{year}")

    @classmethod
    def half(cls, year: int, half: int) -> Period:
        return cls(f"{year}-H{half}")

    @classmethod
    def tertial(cls, year: int, tertial: int) -> Period:
        return cls(f"{year}-T{tertial}")

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        return cls(f"{year}-Q{quarter}")

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        return cls(f"{year}-{month:02d}")

    @classmethod
    def event(cls, day: date) -> Period:
        """The Period of an event-driven or in-depth row: the day it arose."""
        return cls(day.isoformat())

    @property
    def interval(self) -> Interval | None:
        """The interval whose periods have this shape (År for a year; None for a day)."""
        return _INTERVALS.get(self.kind) if self.kind is not None else None

    def month_bounds(self) -> tuple[date, date] | None:
        """The first and last day of a month period (None for any other)."""
        if self.kind is not Kind.MONTH or self.year is None:
            return None
        return date(self.year, self.number, 1), month_end(self.year, self.number)


class Nyckel(str):
    """A row's Nyckel: UtförarID|TypID|Period. The parts of a text that is not three parts
    are empty (a typed-over key; `check` reports it)."""

    provider_id: str
    type_id: str
    period: Period

    def __new__(cls, text: str) -> Nyckel:
        self = super().__new__(cls, text)
        parts = text.rsplit("|", 2)
        if len(parts) == 3:
            self.provider_id, self.type_id, self.period = parts[0], parts[1], Period(parts[2])
        else:
            self.provider_id, self.type_id, self.period = "", "", Period("")
        return self

    @classmethod
    def of(cls, provider_id: str, type_id: str, period: str) -> Nyckel:
        return cls(f"{provider_id}|{type_id}|{period}")
