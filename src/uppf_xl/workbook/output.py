"""Standalone output workbooks (the send list, a report's annex) written with openpyxl.

These files are new each run and belong to nobody, so they are written directly, unlike the
user's workbook. Text that starts with = + - @ stays text: a provider name or a finding can
never become a formula in a file that is mailed around.

Example:
    >>> t = TableBlock("tblUtskick", 1, 1, ["Utförare", "Fil"], [["=Solrosen", "a.docx"]])
    >>> write_output_xlsx(Path("utskickslista.xlsx"), [SheetContent("Utskick", tables=[t])])  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import io
import re
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import Cell as XlCell
from openpyxl.chart import BarChart, LineChart, PieChart, Reference
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from uppf_xl.workbook.content import Cell, ChartSpec, ConditionalFormat, SheetContent, Style, TableBlock, Value

DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
FORMULA_START = ("=", "+", "-", "@")
HEADER_FILL = PatternFill("solid", fgColor="1F2A44")
FILLS = {
    "red": PatternFill("solid", fgColor="F8CBAD"),
    "amber": PatternFill("solid", fgColor="FFE699"),
    "green": PatternFill("solid", fgColor="C6E0B4"),
}
_THIN = Side(style="thin", color="BFBFBF")


def write_output_xlsx(path: Path, sheets: list[SheetContent]) -> None:
    """Write a new .xlsx at `path` holding `sheets` (tables, cells, widths, charts)."""
    wb = Workbook()
    wb.remove(wb.active)
    for content in sheets:
        _sheet(wb.create_sheet(_sheet_title(content.name)), content)
    if not sheets:
        wb.create_sheet("Blad1")
    save_guarded(wb, path)


def save_guarded(wb: Workbook, path: Path, *, names: bool = True, phone_labels: frozenset[str] = frozenset()) -> None:
    """Save an output workbook: every text passes the personal-data guard and stays text.

    No cell of an output is a formula: text starting with "=" (a provider name such as
    `=HYPERLINK(...)`) is stored as text. The file is written whole or not at all. A cell
    right of a label in `phone_labels` is a phone field for the guard.
    """
    from uppf_xl import guard, outputs

    checker = guard.current()
    checker.filename(path.name)
    cells: list[XlCell] = []
    items: list[tuple[str, bool, bool]] = [(ws.title, names, False) for ws in wb.worksheets]
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value:
                    left = ws.cell(cell.row, cell.column - 1).value if cell.column > 1 else None
                    cells.append(cell)
                    items.append((cell.value, names, isinstance(left, str) and left in phone_labels))
    safe = checker.texts(f"Kalkylbladet {path.name}", items)
    for ws, title in zip(wb.worksheets, safe):
        if title != ws.title:
            ws.title = _sheet_title(title)
    for cell, text in zip(cells, safe[len(wb.worksheets) :]):
        if text != cell.value:
            cell.value = text
        if cell.data_type == "f":
            cell.data_type = "s"  # openpyxl takes any text starting with "=" for a formula
    buffer = io.BytesIO()
    wb.save(buffer)  # in memory: a full disk then fails on plain bytes, never inside a zip writer
    outputs.write_bytes(path, buffer.getvalue())


def _sheet_title(name: str) -> str:
    # Excel forbids []:*?/\ in sheet names and allows 31 characters.
    return re.sub(r"[\[\]:*?/\\]", "-", name)[:31] or "Blad1"


def set_value(cell: XlCell, value: Value, style: Style | None = None) -> None:
    """Set a value the way an output file needs it: dates formatted, text never a formula."""
    cell.value = value
    if isinstance(value, str) and value.startswith(FORMULA_START):
        cell.data_type = "s"  # openpyxl would otherwise write "=..." as a formula
    if isinstance(value, dt.datetime):
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, dt.date):
        cell.number_format = DATE_FORMAT
    if style:
        _style(cell, style)


def _style(cell: XlCell, style: Style) -> None:
    if style == "header":
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    elif style == "title":
        cell.font = Font(bold=True, size=16, color="1F2A44")
    elif style == "subtitle":
        cell.font = Font(bold=True, size=12, color="1F2A44")
    elif style == "bold":
        cell.font = Font(bold=True)
    elif style == "note":
        cell.font = Font(italic=True, color="595959")
    elif style in FILLS:
        cell.fill = FILLS[style]
    elif style == "int":
        cell.number_format = "0"
    elif style == "number":
        cell.number_format = "0.0"
    elif style == "percent":
        cell.number_format = "0%"
    elif style == "date":
        cell.number_format = DATE_FORMAT
    elif style == "datetime":
        cell.number_format = DATETIME_FORMAT
    elif style == "text":
        cell.number_format = "@"


def _sheet(ws: Worksheet, content: SheetContent) -> None:
    for block in content.tables:
        _table(ws, block)
    for c in content.cells:
        _cell(ws, c)
    widths = dict(content.widths)
    for block in content.tables:  # a sensible default width for table columns not given one
        for i, header in enumerate(block.header):
            col = block.col + i
            if col not in widths:
                longest = max([len(str(header))] + [len(_shown(r[i])) for r in block.rows[:200] if i < len(r)])
                widths[col] = min(max(10.0, longest + 2.0), 60.0)
    for col, width in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = width
    if content.freeze:
        ws.freeze_panes = content.freeze
    if content.tab_color:
        ws.sheet_properties.tabColor = content.tab_color
    for cf in content.conditional:
        _conditional(ws, cf)
    for chart in content.charts:
        _chart(ws, chart, content.tables)


def _shown(value: Value) -> str:
    if isinstance(value, dt.datetime):
        return "2025-01-01 00:00"
    if isinstance(value, dt.date):
        return "2025-01-01"
    return "" if value is None else str(value)


def _cell(ws: Worksheet, c: Cell) -> None:
    set_value(ws.cell(row=c.row, column=c.col), c.value, c.style)


def _table(ws: Worksheet, block: TableBlock) -> None:
    for i, header in enumerate(block.header):
        cell = ws.cell(row=block.row, column=block.col + i)
        set_value(cell, header, "header")
    for r, values in enumerate(block.rows, start=block.row + 1):
        for i, header in enumerate(block.header):
            value = values[i] if i < len(values) else None
            cell = ws.cell(row=r, column=block.col + i)
            set_value(cell, value, block.styles.get(header))
            cell.border = Border(bottom=_THIN)
            if isinstance(value, str) and len(value) > 60:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    if block.name:
        ref = (
            f"{get_column_letter(block.col)}{block.row}:"
            f"{get_column_letter(block.last_col)}{block.last_row}"
        )
        table = Table(displayName=_table_name(block.name), ref=ref)
        table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
        if not block.autofilter:
            table.autoFilter = None
        ws.add_table(table)


def _table_name(name: str) -> str:
    cleaned = re.sub(r"\W", "_", name)
    return cleaned if cleaned[:1].isalpha() or cleaned[:1] == "_" else f"t{cleaned}"


def _conditional(ws: Worksheet, cf: ConditionalFormat) -> None:
    operator = {"equals": "equal", "greater": "greaterThan", "less": "lessThan"}[cf.kind]
    value = f'"{cf.value}"' if cf.kind == "equals" and isinstance(cf.value, str) else str(cf.value)
    ws.conditional_formatting.add(cf.ref, CellIsRule(operator=operator, formula=[value], fill=FILLS[cf.style]))


def _chart(ws: Worksheet, spec: ChartSpec, tables: list[TableBlock]) -> None:
    block = next((t for t in tables if t.name == spec.table), None)
    if block is None or not block.rows:
        return
    chart = {"col": BarChart, "bar": BarChart, "line": LineChart, "pie": PieChart}[spec.kind]()
    if spec.kind == "bar":
        chart.type = "bar"
    elif spec.kind == "col":
        chart.type = "col"
    chart.title = spec.title
    first, last = block.row + 1, block.last_row
    cat_col = block.col + block.header.index(spec.categories)
    for name in spec.series:
        col = block.col + block.header.index(name)
        chart.add_data(Reference(ws, min_col=col, min_row=block.row, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=cat_col, min_row=first, max_row=last))
    if spec.y_title and hasattr(chart, "y_axis"):
        chart.y_axis.title = spec.y_title
    chart.width, chart.height = spec.width_cm, spec.height_cm
    ws.add_chart(chart, spec.anchor)


def write_plain_table(path: Path, sheet: str, table: str, header: list[str], rows: Iterable[list[Value]],
                      widths: Sequence[float] = ()) -> int:
    """A large one-table .xlsx streamed row by row (write-only openpyxl); returns the data rows.

    For files too large to build in memory, such as month-in's drill-down of flagged visits.
    Text that looks like a formula stays text.
    """
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet)
    for i, width in enumerate(widths, start=1):  # before the first row: a streamed sheet writes its columns then
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.append(header)
    n = 0
    for row in rows:
        ws.append([_as_text_cell(ws, v) for v in row])
        n += 1
    block = Table(displayName=table, ref=f"A1:{get_column_letter(len(header))}{max(n + 1, 2)}",
                  tableStyleInfo=TableStyleInfo(name="TableStyleMedium2", showRowStripes=True))
    block.tableColumns = [TableColumn(id=i, name=h) for i, h in enumerate(header, start=1)]
    with warnings.catch_warnings():  # openpyxl warns in write-only mode even with the columns given
        warnings.simplefilter("ignore")
        ws.add_table(block)
    from uppf_xl import outputs

    outputs.write_with(path, wb.save)  # whole or not at all, and removed again if the run fails
    return n


def _as_text_cell(ws: Worksheet, value: Value) -> object:
    """A value for a write-only row: a text starting with "=" is written as text, never a formula."""
    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"
        return cell
    return value
