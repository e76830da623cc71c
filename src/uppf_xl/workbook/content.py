"""What a run writes into a workbook, described without any Excel library.

Both backends (the file backend and the live xlwings backend) take a `Changes` and apply
it: whole tool-owned sheets (`SheetContent`), single cells in user sheets (`CellPatch`),
rows appended to a user table (`RowAppend`).

Example:
    >>> t = TableBlock("tblLogg", 1, 1, ["Tidpunkt", "Åtgärd"], [["2025-01-01", "plan"]])
    >>> SheetContent("Logg", tables=[t]).name
    'Logg'
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal, Union

Value = Union[str, int, float, bool, dt.date, dt.datetime, None]

# Named cell styles every backend knows. "date" shows YYYY-MM-DD, "datetime" YYYY-MM-DD hh:mm.
Style = Literal[
    "text",
    "int",
    "number",
    "percent",
    "date",
    "datetime",
    "header",
    "title",
    "subtitle",
    "bold",
    "note",
    "red",
    "amber",
    "green",
]


@dataclass
class TableBlock:
    """A rectangular table with a header row; written as an Excel table when `name` is set.

    `styles` maps a header to the style of its data cells (default: by value type).
    `row`, `col` are 1-based and give the header's top-left cell.
    """

    name: str | None
    row: int
    col: int
    header: list[str]
    rows: list[list[Value]]
    styles: dict[str, Style] = field(default_factory=dict)
    autofilter: bool = True

    @property
    def last_row(self) -> int:
        return self.row + max(len(self.rows), 1)

    @property
    def last_col(self) -> int:
        return self.col + len(self.header) - 1


@dataclass
class Cell:
    row: int
    col: int
    value: Value
    style: Style | None = None


@dataclass
class ChartSpec:
    """A native chart over the data of one TableBlock on the same sheet.

    kind: "col" (clustered columns), "bar" (horizontal), "line" or "pie".
    `categories` is the header of the category column, `series` the headers of the values.
    """

    kind: Literal["col", "bar", "line", "pie"]
    title: str
    table: str  # TableBlock.name
    categories: str
    series: list[str]
    anchor: str  # top-left cell, e.g. "J3"
    width_cm: float = 16.0
    height_cm: float = 8.0
    y_title: str = ""


@dataclass
class ConditionalFormat:
    """Highlight cells of `ref` (e.g. "C5:C40") with `style` (red/amber/green) when the rule holds.

    kind "equals": the cell's text equals `value`; "greater"/"less": numeric comparison.
    """

    ref: str
    kind: Literal["equals", "greater", "less"]
    value: Value
    style: Literal["red", "amber", "green"]


@dataclass
class SheetContent:
    """The whole content of a tool-owned sheet."""

    name: str
    tables: list[TableBlock] = field(default_factory=list)
    cells: list[Cell] = field(default_factory=list)
    widths: dict[int, float] = field(default_factory=dict)  # 1-based column -> width
    freeze: str | None = None  # e.g. "A2"
    charts: list[ChartSpec] = field(default_factory=list)
    conditional: list[ConditionalFormat] = field(default_factory=list)
    tab_color: str | None = None  # "RRGGBB"
    landscape: bool = False  # printed on A4 landscape
    fit_to_width: bool = False  # printed one page wide, as many pages down as it takes


@dataclass
class CellPatch:
    """Values for cells of an existing user sheet, addressed by Excel row and header.

    Used for tool-owned columns inside user tables (Iakttagelser Status, ...) and for the
    dates a command records on request (--mark-sent, --mark-reported).
    """

    sheet: str
    values: dict[tuple[int, str], Value]


@dataclass
class RowAppend:
    """Rows added at the end of a user table; the table grows to hold them."""

    sheet: str
    rows: list[dict[str, Value]]


@dataclass
class Changes:
    sheets: list[SheetContent] = field(default_factory=list)
    patches: list[CellPatch] = field(default_factory=list)
    appends: list[RowAppend] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.sheets or self.patches or self.appends)
