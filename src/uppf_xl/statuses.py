"""The status of each Årshjul row and Iakttagelse on one day, computed once per command.

`of(register, today)` gives the register's `Statuses` for that day (made on first use and
kept with the register); every part of a command that needs a status asks it, so a row's or
a finding's status is computed once and compared as the vocab enum. The rules themselves are
`schedule.row_status` and `findings.finding_status`.

    >>> st = of(register, date(2025, 3, 1))                                  # doctest: +SKIP
    >>> st.row(register.schedule[0]) is RowStatus.ATT_KALLA                 # doctest: +SKIP
    True
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from uppf_xl.findings import finding_status
from uppf_xl.model import Finding, FollowUpType, Register, ScheduleRow
from uppf_xl.schedule import refresh_statuses, row_status
from uppf_xl.vocab import FindingStatus, RowStatus


class Statuses:
    """Statuses on `today`, each computed the first time it is asked for.

    Kept by object: a copy of a row (the rows `refreshed` returns, a plan's new rows) is a
    row of its own.
    """

    def __init__(self, register: Register, today: date) -> None:
        self.register, self.today = register, today
        self._rows: dict[int, tuple[ScheduleRow, RowStatus]] = {}
        self._findings: dict[int, tuple[Finding, FindingStatus]] = {}

    def row(self, row: ScheduleRow) -> RowStatus:
        known = self._rows.get(id(row))
        if known is not None and known[0] is row:
            return known[1]
        status = row_status(row, self.register.settings, self.today)
        self._rows[id(row)] = (row, status)
        return status

    def finding(self, f: Finding) -> FindingStatus:
        known = self._findings.get(id(f))
        if known is not None and known[0] is f:
            return known[1]
        status = finding_status(f, self.today, self.register.settings)
        self._findings[id(f)] = (f, status)
        return status

    def refreshed(self, rows: Iterable[ScheduleRow], types: Iterable[FollowUpType] | None = None) -> list[ScheduleRow]:
        """`schedule.refresh_statuses` of `rows`: copies with today's Status, known here from then on."""
        out = refresh_statuses(rows, self.register.settings, self.today, types=types)
        for r in out:
            self._rows[id(r)] = (r, RowStatus(r.status))
        return out

def of(register: Register, today: date) -> Statuses:
    """The register's statuses on `today`."""
    key = ("statuses", today)
    known = register.memo.get(key)
    if isinstance(known, Statuses):
        return known
    made = register.memo[key] = Statuses(register, today)
    return made
