"""The Årshjul sheet: Årshjul rows as a backend-neutral SheetContent (no Excel library here).

Example:
    >>> content = schedule_sheet(result.rows)                    # doctest: +SKIP
    >>> content.tables[0].name, content.freeze                   # doctest: +SKIP
    ('tblArshjul', 'A2')
"""

from __future__ import annotations

import datetime as dt

from uppf_xl.contract import SCHEDULE, Kind, column_letter
from uppf_xl.model import ScheduleRow
from uppf_xl.vocab import RowStatus
from uppf_xl.workbook.content import ConditionalFormat, SheetContent, Style, TableBlock, Value

# Header of the Årshjul -> ScheduleRow attribute (the reader can use the same map).
SCHEDULE_FIELDS: dict[str, str] = {
    "Nyckel": "key",
    "UtförarID": "provider_id",
    "Utförare": "provider_name",
    "Verksamhetsområde": "area",
    "Nämnd": "namnd",
    "TypID": "type_id",
    "Uppföljning": "type_name",
    "Period": "period",
    "Senast": "due",
    "Föreslaget datum": "proposed",
    "Planerat datum": "planned",
    "Tid": "time",
    "Plats": "place",
    "Kallas senast": "notify_by",
    "Kallelse skickad": "notified",
    "Genomförd": "done",
    "Status": "status",
    "Ansvarig": "responsible",
    "Kommentar": "comment",
    "Dnr": "dnr",
    "Orsak": "reason",
    "Kallat datum": "announced",
    "Fastställd": "adopted",
}

STATUS_COLORS: tuple[tuple[RowStatus, str], ...] = (
    (RowStatus.FORSENAD, "red"),
    (RowStatus.ATT_KALLA, "amber"),
    (RowStatus.GENOMFORD, "green"),
)

EXTRA_WIDTH = 16.0


def _cell(value: object) -> Value:
    """A value a backend can write: empty text becomes an empty cell, unknown objects text."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and type(value) is not str:
        # A Nyckel, a Period or a status is written as its text: the sheet's content holds
        # plain strings, not the parsed objects behind them.
        return str.__str__(value)
    if isinstance(value, (str, int, float, bool, dt.date, dt.datetime)):
        return value
    return str(value)


def extra_headers(rows: list[ScheduleRow]) -> list[str]:
    """The user's own columns, in the order first seen, without the contract's headers."""
    seen: dict[str, None] = {}
    for r in rows:
        for h in r.extra:
            if h not in SCHEDULE_FIELDS:
                seen.setdefault(h, None)
    return list(seen)


def schedule_sheet(rows: list[ScheduleRow]) -> SheetContent:
    """The whole Årshjul sheet: table tblArshjul at A1, contract columns then the user's own.

    Date columns get the "date" style, widths come from the contract (at least the header's
    length plus room for the filter button), the header row is
    frozen, and Status is coloured (Försenad red, Att kalla amber, Genomförd green).
    """
    extras = extra_headers(rows)
    header = [*SCHEDULE.headers, *extras]
    attrs = [SCHEDULE_FIELDS[h] for h in SCHEDULE.headers]
    data: list[list[Value]] = [
        [_cell(getattr(r, a)) for a in attrs] + [_cell(r.extra.get(h)) for h in extras] for r in rows
    ]
    styles: dict[str, Style] = {c.header: "date" for c in SCHEDULE.columns if c.kind is Kind.DATE}
    # The contract's width, widened to the header (and its filter button) where that is longer.
    widths = {i: max(c.width, len(c.header) + 3.0) for i, c in enumerate(SCHEDULE.columns, 1)}
    widths.update({len(SCHEDULE.columns) + i: max(EXTRA_WIDTH, len(h) + 2.0) for i, h in enumerate(extras, 1)})
    status_col = column_letter(header.index("Status") + 1)
    ref = f"{status_col}2:{status_col}{max(len(rows), 1) + 1}"
    conditional = [ConditionalFormat(ref, "equals", status.value, color) for status, color in STATUS_COLORS]  # type: ignore[arg-type]
    return SheetContent(
        name=SCHEDULE.name,
        tables=[TableBlock(SCHEDULE.table, 1, 1, header, data, styles=styles)],
        widths=widths,
        freeze="A2",
        conditional=conditional,
        landscape=True,
        fit_to_width=True,
    )
