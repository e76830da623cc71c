"""The live backend: the book open in Excel, read and written through xlwings in whole ranges.

Every read is one range read per contract sheet; every write is one range assignment per
block (a table, the cells of a sheet, a patched column, the appended rows), so the number of
Excel round-trips does not grow with the number of rows. The same code runs on classic
xlwings (Windows, COM) and on xlwings' remote engine (`xw.Book(json=...)`), which the tests use.

What live mode writes of a SheetContent: values, Excel tables, number formats, bold/size/
colour styles, column widths, frozen panes, native charts (their source is one rectangle:
columns between the chosen ones become series too) and cell-value conditional formats. What
it leaves out: tab colours (not in xlwings' API) and, when reading, merged cells (Excel has no
one-call way to list them; `uppf-xl check` on the saved file reports them). Formulas are read
where the engine offers them (classic Excel), not on the remote engine.

Example:
    >>> wb = Workbook(LiveBackend(xw.Book.caller()))          # doctest: +SKIP
    >>> register = wb.register(date.today())                 # doctest: +SKIP
"""

from __future__ import annotations

import bisect

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl.utils.cell import range_boundaries

from uppf_xl.contract import SHEETS
from uppf_xl.errors import FileAccessError, Problem, WriteRefused
from uppf_xl.workbook.base import RawTable, RawWorkbook
from uppf_xl.workbook.content import (
    Cell,
    CellPatch,
    Changes,
    ChartSpec,
    ConditionalFormat,
    RowAppend,
    SheetContent,
    Style,
    TableBlock,
    Value,
)

# Excel's error values as xlwings gives them with err_to_str.
ERROR_VALUES = frozenset({"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#DATA!", "#SPILL!", "#CALC!", "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!"})

NUMBER_FORMATS: dict[str, str] = {
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
    "int": "0",
    "number": "0.0",
    "percent": "0%",
    "text": "@",
}
FILLS: dict[str, str] = {"red": "#FFC7CE", "amber": "#FFEB9C", "green": "#C6EFCE", "header": "#DDEBF7"}
FONT_COLORS: dict[str, str] = {"red": "#9C0006", "amber": "#9C5700", "green": "#006100", "note": "#595959"}
TABLE_STYLE = "TableStyleMedium2"
CHART_TYPES = {"col": "column_clustered", "bar": "bar_clustered", "line": "line", "pie": "pie"}
OPERATORS = {"equals": "equal_to", "greater": "greater_than", "less": "less_than"}
POINTS_PER_CM = 72 / 2.54
# xlwings splits big ranges into chunks of its own (writes over 100,000 cells); one call per
# block keeps the round-trips independent of the row count, and a contract sheet of a few
# thousand providers is far below what one COM call carries.
WHOLE = {"chunksize": None}
# A patch writes a column in at most this many blocks (more only around formulas); gaps of up
# to JOIN_GAP unchanged rows are written over with their own values rather than split.
MAX_BLOCKS = 8
JOIN_GAP = 32


class LiveBackend:
    """An open xlwings Book. Reads are snapshots; writes go straight into the book."""

    def __init__(self, book: Any, path: Path | None = None) -> None:
        self.book = book
        self.path = path  # the book's file, when it has one: the output folder is beside it
        self._tables: dict[str, RawTable] = {}

    @property
    def name(self) -> str:
        return str(self.book.name)

    # ---- reading ---------------------------------------------------------------------------

    def read(self) -> RawWorkbook:
        """Read every contract sheet present: one range read per sheet (and its formulas, on COM)."""
        try:
            sheets = {s.name: s for s in self.book.sheets}
            problems: list[Problem] = []
            tables = {
                name: read_table(sheet, name, problems)
                for name, sheet in sheets.items()
                if name in SHEETS and SHEETS[name].input
            }
        except Exception as exc:  # COM errors carry no useful type; name the book
            raise FileAccessError(f"{self.name}: arbetsboken kan inte läsas från Excel ({exc}).") from exc
        self._tables = dict(tables)
        return RawWorkbook(self.name, list(sheets), tables, problems)

    # ---- writing ---------------------------------------------------------------------------

    def write(self, changes: Changes) -> None:
        """Apply `changes`: every step is planned (and every problem raised) before the first write.

        Excel has no transaction: an Excel failure in the middle of the writes leaves the
        earlier ones in place; the plan step catches everything the tool can know beforehand.
        """
        steps: list[Callable[[], None]] = []
        for content in changes.sheets:
            steps.extend(self._plan_sheet(content))
        for patch in changes.patches:
            steps.extend(self._plan_patch(patch))
        for append in changes.appends:
            steps.extend(self._plan_append(append))
        if not steps:
            return
        app = self.book.app
        app.screen_updating = False
        try:
            for step in steps:
                step()
        finally:
            app.screen_updating = True
        self._tables = {}

    def _existing(self, name: str) -> Any | None:
        names = [s.name for s in self.book.sheets]
        return self.book.sheets[name] if name in names else None

    def _sheet(self, name: str) -> Any:
        """The sheet `name`, added after the last sheet when the book lacks it."""
        sheet = self._existing(name)
        if sheet is None:
            sheets = self.book.sheets
            sheet = sheets.add(name, after=sheets[len(sheets) - 1])
        return sheet

    def _table(self, name: str) -> RawTable | None:
        """The table of a sheet as last read; sheets the read skipped (Logg) are read now."""
        if name not in self._tables:
            sheet = self._existing(name)
            if sheet is None:
                return None
            self._tables[name] = read_table(sheet, name, [])
        return self._tables[name]

    def _plan_sheet(self, content: SheetContent) -> list[Callable[[], None]]:
        for chart in content.charts:
            if not any(t.name == chart.table for t in content.tables):
                raise WriteRefused(f"{content.name}: diagrammet {chart.title!r} saknar tabellen {chart.table!r}.")
        is_points = self._widths_in_points()

        def run() -> None:
            sheet = self._sheet(content.name)
            clear_sheet(sheet)
            write_cells(sheet, content.cells)
            for block in content.tables:
                write_table(sheet, block)
            for col, width in sorted(content.widths.items()):
                sheet.range((1, col)).column_width = _points(width) if is_points else width
            for chart in content.charts:
                add_chart(sheet, chart, next(t for t in content.tables if t.name == chart.table))
            for rule in content.conditional:
                add_conditional(sheet, rule)
            if content.freeze:
                sheet.freeze_panes.freeze_at(content.freeze)
            # Tab colours are not in xlwings' API; the file backend sets them, Excel keeps them.

        return [run]

    def _plan_patch(self, patch: CellPatch) -> list[Callable[[], None]]:
        table = self._table(patch.sheet)
        if table is None:
            raise WriteRefused(f"{patch.sheet}: bladet finns inte i arbetsboken; inget skrevs.")
        by_header: dict[str, dict[int, Value]] = {}
        for (row, header), value in patch.values.items():
            by_header.setdefault(header, {})[row] = value
        current = {row: values for row, values in zip(table.row_numbers, table.rows)}
        steps: list[Callable[[], None]] = []
        extra = 0
        for header, cells in by_header.items():
            idx = table.index(header)
            if idx is None:
                # The tool may add its own columns; a missing tool column goes after the last one.
                col = table.col + len(table.header) + extra
                extra += 1
                steps.append(_writer(patch.sheet, self, (table.header_row, col), [[header]]))
            else:
                col = table.col + idx
            # Only the changed cells are written, in a few blocks per column: runs of changed
            # rows, joined over the shortest gaps (whose cells get their own values back) until
            # at most MAX_BLOCKS remain, so the round-trips do not grow with the rows. A gap
            # holding a formula or an error value is never joined: a write would destroy it.
            keep = {r for (r, h) in (*table.formulas, *table.errors) if h == header and r not in cells}
            for first, last in _blocks(sorted(cells), keep):
                column = [
                    [cells[r] if r in cells else _cell_value(current.get(r), idx)] for r in range(first, last + 1)
                ]
                steps.append(_writer(patch.sheet, self, (first, col), column))
                style = _column_style([row[0] for row in column])
                if style:
                    steps.append(_formatter(patch.sheet, self, (first, col), (last, col), style))
        if extra and table.table_name:
            last_row = max(table.row_numbers[-1] if table.row_numbers else table.header_row + 1, table.header_row + 1)
            last_col = table.col + len(table.header) + extra - 1
            steps.append(_resizer(patch.sheet, self, table.table_name, (table.header_row, table.col), (last_row, last_col)))
        return steps

    def _plan_append(self, append: RowAppend) -> list[Callable[[], None]]:
        if not append.rows:
            return []
        table = self._table(append.sheet)
        steps: list[Callable[[], None]] = []
        if table is None or not table.header:
            contract = SHEETS.get(append.sheet)
            header = contract.headers if contract else list(append.rows[0])
            table_name = contract.table if contract else None
            steps.append(_writer(append.sheet, self, (1, 1), [header]))
            header_row, col, start, existing_name = 1, 1, 2, None
        else:
            header, header_row, col = table.header, table.header_row, table.col
            start = (table.row_numbers[-1] if table.row_numbers else header_row) + 1
            # An empty Excel table still owns one blank data row: fill it rather than skip it.
            if not table.row_numbers and table.table_ref:
                _, _, _, ref_last = range_boundaries(table.table_ref)
                start = header_row + 1 if ref_last > header_row else start
            table_name, existing_name = None, table.table_name
        unknown = sorted({k for row in append.rows for k in row} - set(header))
        if unknown:
            raise WriteRefused(f"{append.sheet}: kolumnen {unknown[0]} saknas i tabellen; inget skrevs.")
        values = [[row.get(h) for h in header] for row in append.rows]
        last = start + len(values) - 1
        steps.append(_writer(append.sheet, self, (start, col), values))
        for i, h in enumerate(header):
            style = _column_style([v[i] for v in values])
            if style:
                steps.append(_formatter(append.sheet, self, (start, col + i), (last, col + i), style))
        last_col = col + len(header) - 1
        if existing_name:
            steps.append(_resizer(append.sheet, self, existing_name, (header_row, col), (last, last_col)))
        elif table_name:
            steps.append(_table_adder(append.sheet, self, table_name, (header_row, col), (last, last_col)))
        return steps

    def _widths_in_points(self) -> bool:
        # Classic xlwings sets widths in characters, the remote engines in points.
        return getattr(self.book.app.engine, "type", "") == "remote"


# ---- reading helpers -------------------------------------------------------------------------


def read_grid(
    sheet: Any, with_formulas: bool = False
) -> tuple[list[list[Value]], dict[tuple[int, int], str], dict[tuple[int, int], str]]:
    """The sheet's values from A1 to the end of the used range, its error cells and formulas.

    One range read for the values (errors as text), padded to start at A1 so that row and
    column numbers are Excel's. With `with_formulas`, one more read for the formulas where
    the engine offers it (classic Excel does; the remote engine's payload carries none).
    Merged cells are not reported in live mode: Excel has no one-call way to list them.
    """
    used = sheet.used_range
    raw = used.options(ndim=2, err_to_str=True, **WHOLE).value or [[]]
    top, left = used.row, used.column
    width = left - 1 + max((len(r) for r in raw), default=0)
    grid: list[list[Value]] = [[None] * width for _ in range(top - 1)]
    errors: dict[tuple[int, int], str] = {}
    for r, row in enumerate(raw, start=top):
        cells: list[Value] = [None] * (left - 1)
        for c, value in enumerate(row, start=left):
            if isinstance(value, str) and value in ERROR_VALUES:
                errors[(r, c)] = value
                value = None
            cells.append(normalise(value))
        grid.append(cells)
    formulas: dict[tuple[int, int], str] = {}
    if with_formulas:
        try:
            texts = used.formula
        except NotImplementedError:
            texts = None
        if isinstance(texts, str):
            texts = ((texts,),)
        for r, row in enumerate(texts or (), start=top):
            for c, text in enumerate(row if isinstance(row, (list, tuple)) else (row,), start=left):
                if isinstance(text, str) and text.startswith("="):
                    formulas[(r, c)] = text
    return grid, errors, formulas


def read_table(sheet: Any, name: str, problems: list[Problem]) -> RawTable:
    """One sheet's table, found in its values as the file reader finds it in the file."""
    from uppf_xl.workbook.reader import make_table, SheetStructure

    grid, errors, formulas = read_grid(sheet, with_formulas=True)
    structure = SheetStructure()
    structure.errors.update(errors)
    structure.formulas.update(formulas)
    return make_table(name, grid, structure, table_info(sheet), problems)


def normalise(value: Any) -> Value:
    """Values as the file reader gives them: dates without time as date, '' as None."""
    if value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time(0) else value.replace(tzinfo=None)
    return value  # type: ignore[no-any-return]  # what xlwings gives: str, float, bool, date or None


def table_info(sheet: Any) -> tuple[str, str] | None:
    """(name, ref) of the sheet's first Excel table, or None."""
    for table in sheet.tables:
        address = table.range.address
        return str(table.name), address.replace("$", "")
    return None


# ---- writing helpers -------------------------------------------------------------------------


@dataclass
class _Box:
    top: int
    left: int
    bottom: int
    right: int


def clear_sheet(sheet: Any) -> None:
    """Empty a tool-owned sheet: values, formats, conditional formats, tables and charts."""
    for chart in list(sheet.charts):
        chart.delete()
    if getattr(sheet.book.app.engine, "type", "") != "remote":
        # Under COM, Cells.Clear leaves ListObjects behind; the remote clients drop them.
        for table in list(sheet.tables):
            table.api.Delete()
    sheet.clear()


def write_cells(sheet: Any, cells: list[Cell]) -> None:
    """All loose cells in one assignment over their bounding box, then their styles."""
    if not cells:
        return
    box = _Box(min(c.row for c in cells), min(c.col for c in cells), max(c.row for c in cells), max(c.col for c in cells))
    grid: list[list[Value]] = [[None] * (box.right - box.left + 1) for _ in range(box.bottom - box.top + 1)]
    for cell in cells:
        grid[cell.row - box.top][cell.col - box.left] = _excel_value(cell.value)
    sheet.range((box.top, box.left)).options(**WHOLE).value = grid
    for cell in cells:
        style = cell.style or _style_of(cell.value)
        if style:
            apply_style(sheet.range((cell.row, cell.col)), style)


def write_table(sheet: Any, block: TableBlock) -> None:
    """Header and rows in one assignment; an Excel table when the block is named."""
    width = len(block.header)
    rows = [[_excel_value(v) for v in row] + [None] * (width - len(row)) for row in block.rows]
    values = [list(block.header), *(rows or [[None] * width])]
    top_left = (block.row, block.col)
    bottom_right = (block.row + len(values) - 1, block.col + width - 1)
    sheet.range(top_left).options(**WHOLE).value = values
    if block.name:
        sheet.tables.add(
            source=sheet.range(top_left, bottom_right), name=block.name, has_headers=True, table_style_name=TABLE_STYLE
        )
        if not block.autofilter:
            sheet.tables[block.name].show_autofilter = False
    else:
        apply_style(sheet.range(top_left, (block.row, bottom_right[1])), "header")
    if not block.rows:
        return
    for i, header in enumerate(block.header):
        style = block.styles.get(header) or _column_style([row[i] if i < len(row) else None for row in block.rows])
        if style:
            apply_style(sheet.range((block.row + 1, block.col + i), (bottom_right[0], block.col + i)), style)


def apply_style(rng: Any, style: Style) -> None:
    """One named style on a whole range: a few calls, whatever the range's size."""
    if style in NUMBER_FORMATS:
        rng.number_format = NUMBER_FORMATS[style]
        return
    if style in ("header", "title", "subtitle", "bold"):
        rng.font.bold = True
    if style == "title":
        rng.font.size = 14
    elif style == "subtitle":
        rng.font.size = 12
    elif style == "note":
        rng.font.italic = True
    if style in FILLS:
        rng.color = FILLS[style]
    if style in FONT_COLORS:
        rng.font.color = FONT_COLORS[style]


def add_chart(sheet: Any, spec: ChartSpec, block: TableBlock) -> None:
    """A native chart over the block's category and series columns."""
    columns = [spec.categories, *spec.series]
    missing = [h for h in columns if h not in block.header]
    if missing:
        raise WriteRefused(f"{sheet.name}: diagrammet {spec.title!r} saknar kolumnen {missing[0]!r}.")
    last_row = block.row + max(len(block.rows), 1)
    idx = sorted(block.header.index(h) for h in columns)
    # xlwings takes one rectangle as the source: with columns between the chosen ones, those
    # become series too (the dashboard keeps its chart columns side by side).
    source = sheet.range((block.row, block.col + idx[0]), (last_row, block.col + idx[-1]))
    chart = sheet.charts.add(
        source=source,
        chart_type=CHART_TYPES[spec.kind],
        anchor=sheet.range(spec.anchor),
        width=spec.width_cm * POINTS_PER_CM,
        height=spec.height_cm * POINTS_PER_CM,
    )
    chart.title = spec.title


def add_conditional(sheet: Any, rule: ConditionalFormat) -> None:
    value = rule.value
    formula = f'"{value}"' if isinstance(value, str) else value
    sheet.range(rule.ref).conditional_formats.add_cell_value(
        OPERATORS[rule.kind], formula, fill_color=FILLS[rule.style], font_color=FONT_COLORS[rule.style]
    )


def _writer(
    sheet_name: str, backend: LiveBackend, at: tuple[int, int], values: Sequence[Sequence[Value]]
) -> Callable[[], None]:
    def run() -> None:
        sheet = backend._sheet(sheet_name)
        sheet.range(at).options(**WHOLE).value = [[_excel_value(v) for v in row] for row in values]

    return run


def _formatter(
    sheet_name: str, backend: LiveBackend, first: tuple[int, int], last: tuple[int, int], style: Style
) -> Callable[[], None]:
    def run() -> None:
        sheet = backend._sheet(sheet_name)
        apply_style(sheet.range(first, last), style)

    return run


def _resizer(
    sheet_name: str, backend: LiveBackend, table: str, first: tuple[int, int], last: tuple[int, int]
) -> Callable[[], None]:
    def run() -> None:
        sheet = backend._sheet(sheet_name)
        sheet.tables[table].resize(sheet.range(first, last))

    return run


def _table_adder(
    sheet_name: str, backend: LiveBackend, table: str, first: tuple[int, int], last: tuple[int, int]
) -> Callable[[], None]:
    def run() -> None:
        sheet = backend._sheet(sheet_name)
        sheet.tables.add(source=sheet.range(first, last), name=table, has_headers=True, table_style_name=TABLE_STYLE)

    return run


def _blocks(rows: list[int], keep: set[int], most: int | None = None) -> list[tuple[int, int]]:
    """(first, last) row blocks covering the sorted `rows`: contiguous runs, joined across the
    gaps of at most JOIN_GAP rows and then across the shortest gaps until `most` (MAX_BLOCKS)
    remain; a gap holding a row of `keep` is never joined."""
    most = MAX_BLOCKS if most is None else most
    blocks: list[list[int]] = []
    for r in rows:
        if blocks and r == blocks[-1][1] + 1:
            blocks[-1][1] = r
        else:
            blocks.append([r, r])
    if len(blocks) < 2:
        return [(a, b) for a, b in blocks]
    keep_sorted = sorted(keep)

    def joinable(left: list[int], right: list[int]) -> bool:
        i = bisect.bisect_right(keep_sorted, left[1])
        return i >= len(keep_sorted) or keep_sorted[i] >= right[0]

    gaps = [(blocks[i + 1][0] - blocks[i][1] - 1, i) for i in range(len(blocks) - 1) if joinable(blocks[i], blocks[i + 1])]
    joined: set[int] = set()  # gap i joins blocks i and i + 1
    count = len(blocks)
    for gap, i in sorted(gaps):
        if gap > JOIN_GAP and count <= most:
            break
        joined.add(i)
        count -= 1
    out: list[tuple[int, int]] = []
    start = blocks[0][0]
    for i in range(len(blocks)):
        if i not in joined:
            out.append((start, blocks[i][1]))
            if i + 1 < len(blocks):
                start = blocks[i + 1][0]
    return out


def _cell_value(row: list[Value] | None, idx: int | None) -> Value:
    if row is None or idx is None or idx >= len(row):
        return None
    return row[idx]


def _excel_value(value: Value) -> Value:
    # A date travels as a datetime so that COM stores a date serial, not text.
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day)
    return value


def _style_of(value: Value) -> Style | None:
    if isinstance(value, dt.datetime):
        return "date" if value.time() == dt.time(0) else "datetime"
    if isinstance(value, dt.date):
        return "date"
    return None


def _column_style(values: list[Value]) -> Style | None:
    """The number format a column's values need: date or datetime, else none."""
    styles = {_style_of(v) for v in values if v is not None}
    if styles == {"date"}:
        return "date"
    if styles and styles <= {"date", "datetime"}:
        return "datetime"
    return None


def _points(chars: float) -> float:
    # Excel's column width in characters of the Normal font -> points (7-pixel digit, 5 px padding).
    return round((chars * 7 + 5) * 0.75, 2)
