"""The workbook seam: what a backend reads (`RawTable`) and the interface it implements.

A backend reads every table of the contract in one call per sheet and applies a `Changes`
in one call. Two backends exist: `FileBackend` (a closed .xlsx/.xlsm on disk) and
`LiveBackend` (the book open in Excel, through xlwings).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol


from uppf_xl.contract import HeaderMap, default_cell
from uppf_xl.errors import Problem
from uppf_xl.workbook.content import Changes, Value


@dataclass
class RawTable:
    """One sheet's table as found: raw values, and where each one stands.

    `header` holds the trimmed header texts in sheet order; `rows` the data rows (values as
    the reader gives them: str, float, int, bool, date, datetime or None); `row_numbers` the
    Excel row of each data row. `col` is the 1-based column of the first header.
    `formulas` and `errors` are keyed by (excel_row, header); `merged` lists merged ranges
    that overlap the table; `hidden_rows` the Excel rows hidden by the user.
    """

    sheet: str
    header: list[str]
    rows: list[list[Value]]
    row_numbers: list[int]
    header_row: int = 1
    col: int = 1
    raw_header: list[str] = field(default_factory=list)  # untrimmed header cells
    formulas: dict[tuple[int, str], str] = field(default_factory=dict)
    errors: dict[tuple[int, str], str] = field(default_factory=dict)
    merged: list[str] = field(default_factory=list)
    hidden_rows: set[int] = field(default_factory=set)
    table_name: str | None = None
    table_ref: str | None = None
    _columns: HeaderMap | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def columns(self) -> HeaderMap:
        """Where each header stands, as read (the map every reader, check and write uses)."""
        known = self._columns
        if known is None or known.headers != self.header or known.first_col != self.col:
            known = self._columns = HeaderMap(self.header, self.col)
        return known

    def index(self, header: str) -> int | None:
        """Position of a header in `header`, or None."""
        return self.columns.index(header)

    def cell(self, excel_row: int, header: str) -> str:
        """The A1 name of the cell under `header` in `excel_row`, e.g. "F14"."""
        return self.columns.cell(excel_row, header)

    def column_letter(self, header: str) -> str:
        return self.columns.letter(header)

    def changed_only(self, values: dict[tuple[int, str], Value]) -> dict[tuple[int, str], Value]:
        """The entries of a patch's `values` that would change a cell as read: a cell that already
        holds the value is left out (a formula or an error value is always written over).

        A column the table lacks is kept whole, so that the write adds it.
        """
        where = {excel_row: i for i, excel_row in enumerate(self.row_numbers)}
        out: dict[tuple[int, str], Value] = {}
        for (excel_row, header), value in values.items():
            idx, i = self.index(header), where.get(excel_row)
            if idx is None or i is None or (excel_row, header) in self.formulas or (excel_row, header) in self.errors:
                out[(excel_row, header)] = value
                continue
            row = self.rows[i]
            if not _same_cell(row[idx] if idx < len(row) else None, value):
                out[(excel_row, header)] = value
        return out

    def records(self) -> list[tuple[int, dict[str, Value]]]:
        """(excel_row, {header: value}) per data row; a duplicated header keeps its first column."""
        return list(self.iter_records())

    def iter_records(self) -> Iterator[tuple[int, dict[str, Value]]]:
        """`records` one at a time: a sheet of many years is never held as dicts all at once."""
        first = {h: col - self.col for h, col in self.columns.columns().items()}
        for excel_row, values in zip(self.row_numbers, self.rows):
            yield excel_row, {h: (values[i] if i < len(values) else None) for h, i in first.items()}

    def last_filled(self) -> int:
        """The index of the last data row with a value under a header, -1 when there is none."""
        used = [col - self.col for col in self.columns.columns().values()]
        for i in range(len(self.rows) - 1, -1, -1):
            values = self.rows[i]
            if any(j < len(values) and values[j] is not None for j in used):
                return i
        return -1


def _same_cell(stored: Value, value: Value) -> bool:
    """True when writing `value` leaves a cell holding `stored` as it is (a date is read back as
    midnight of that day, an empty text as an empty cell)."""
    if value == "":
        value = None
    if isinstance(stored, dt.datetime) and not isinstance(value, dt.datetime) and isinstance(value, dt.date):
        return stored == dt.datetime(value.year, value.month, value.day)
    if type(stored) is not type(value) and not (isinstance(stored, (int, float)) and isinstance(value, (int, float))):
        return False
    return stored == value


@dataclass
class RawWorkbook:
    """Every sheet the backend found: tables of the contract's sheets, plus all sheet names."""

    name: str
    sheet_names: list[str]
    tables: dict[str, RawTable]
    problems: list[Problem] = field(default_factory=list)  # Problems met while reading (e.g. a table not at A1)

    def cell(self, sheet: str, excel_row: int, header: str) -> str:
        """The A1 name of a cell wherever the user put the column (contract order if unknown)."""
        table = self.tables.get(sheet)
        if table is None or table.index(header) is None:
            return default_cell(sheet, excel_row, header)
        return table.cell(excel_row, header)


class Backend(Protocol):
    """A place a workbook lives: a file or an open book."""

    @property
    def name(self) -> str:
        """The file or book name used in messages."""
        ...

    def read(self) -> RawWorkbook:
        """Read every contract sheet present, in one call per sheet."""
        ...

    def write(self, changes: Changes) -> None:
        """Apply `changes` whole or not at all; raise WriteRefused if user content would be lost."""
        ...
