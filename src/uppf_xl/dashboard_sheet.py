"""The sheet Översikt as a backend-neutral SheetContent: values, tables, charts, colours, widths.

Everything is a value the tool computed, never a formula, so the sheet reads the same in
Excel, LibreOffice and any viewer.

Example:
    >>> content = dashboard_sheet(build(register, rows, 2025, today))   # doctest: +SKIP
    >>> [t.name for t in content.tables][:2]                           # doctest: +SKIP
    ['tblOversiktNyckeltal', 'tblOversiktNamnd']
"""

from __future__ import annotations

import math
from datetime import date, datetime

from uppf_xl.contract import DASHBOARD, column_letter
from uppf_xl.dashboard import ALERT_FIGURES, Dashboard, DashTable, tables
from uppf_xl.vocab import FindingStatus, Risk, RowStatus
from uppf_xl.workbook.content import Cell, ChartSpec, ConditionalFormat, SheetContent, TableBlock, Value

FIRST_TABLE_ROW = 4
CHART_WIDTH_CM = 15.0
CHART_HEIGHT_CM = 7.0
ROW_HEIGHT_CM = 0.53  # Excel's default row height, 15 points
CM_PER_WIDTH_UNIT = 0.196  # one width unit (a digit of Calibri 11) is about 7.4 pixels at 96 dpi
MIN_WIDTH, MAX_WIDTH = 8.0, 60.0

# (table, header) -> [(rule kind, value, style)]; rules on text columns compare the whole text.
RULES: dict[tuple[str, str], list[tuple[str, Value, str]]] = {
    ("tblOversiktNamnd", "Försenade"): [("greater", 0, "red")],
    ("tblOversiktTyp", "Försenade"): [("greater", 0, "red")],
    ("tblOversiktNamnd", "Andel genomförda"): [("greater", 0.999, "green")],
    ("tblOversiktTyp", "Andel genomförda"): [("greater", 0.999, "green")],
    ("tblOversiktForsenade", "Dagar sen"): [("greater", 0, "red")],
    ("tblOversiktSenaKallelser", "Dagar sen"): [("greater", 0, "red")],
    ("tblOversiktNyaUtforare", "Fördjupad uppföljning"): [
        ("equals", "Saknas", "red"),
        ("equals", RowStatus.FORSENAD.value, "red"),
        ("equals", RowStatus.PLANERAD.value, "amber"),
        ("equals", RowStatus.GENOMFORD.value, "green"),
    ],
    ("tblOversiktSenaPlaner", "Dagar sen"): [("greater", 0, "red")],
    ("tblOversiktAllvarliga", "Status"): [
        ("equals", FindingStatus.FORSENAD.value, "red"),
        ("equals", FindingStatus.NY.value, "amber"),
        ("equals", FindingStatus.BEGARD.value, "amber"),
    ],
    ("tblOversiktAllvarliga", "Eskalera"): [("equals", "Ja", "red")],
    ("tblOversiktAllvarliga", "Begäran saknas"): [("equals", "Ja", "red")],
    ("tblOversiktTackning", "Inom intervall"): [("equals", "Nej", "red"), ("equals", "Ja", "green")],
    ("tblOversiktRisk", "Föreslagen risknivå"): [("equals", Risk.HOG.value, "red"), ("equals", Risk.LAG.value, "green")],
}


def _shown(value: Value) -> str:
    """The text a cell shows for `value` in the sheet's formats."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.0%}"
    return str(value)


def _widths(blocks: list[TableBlock]) -> dict[int, float]:
    """Column widths that show every value: the longest text per column, headers with room for the filter button."""
    longest: dict[int, float] = {}
    for b in blocks:
        for i, h in enumerate(b.header):
            col = b.col + i
            need = len(h) + 4.0  # bold header plus the autofilter arrow
            for row in b.rows:
                need = max(need, len(_shown(row[i])) + 2.0)
            longest[col] = max(longest.get(col, 0.0), need)
    return {c: round(min(MAX_WIDTH, max(MIN_WIDTH, w)), 1) for c, w in sorted(longest.items())}


def _block(t: DashTable, row: int) -> TableBlock:
    styles = {h: "percent" for h in t.header if h.startswith("Andel")}
    return TableBlock(t.name, row, 1, t.header, t.rows, styles=styles)  # type: ignore[arg-type]


def dashboard_sheet(d: Dashboard) -> SheetContent:
    """Översikt: title and date, the key figures with the two charts below them, then every
    other dashboard table; colours and widths that show every value.

    The charts sit in the first columns under the key figures, so a printout's first page
    holds the whole summary.
    """
    all_tables = tables(d)
    cells = [
        Cell(1, 1, d.title, "title"),
        Cell(2, 1, f"Uppgifter per {d.today.isoformat()}", "subtitle"),
    ]
    key = all_tables[0]
    cells.append(Cell(FIRST_TABLE_ROW - 1, 1, key.title, "subtitle"))
    blocks = [_block(key, FIRST_TABLE_ROW)]
    # Lay the other tables out first with a placeholder start, to know the widths.
    chart_rows = math.ceil(CHART_HEIGHT_CM / ROW_HEIGHT_CM) + 1
    first_chart = blocks[0].last_row + 2
    row = first_chart + 2 * chart_rows + 3
    for t in all_tables[1:]:
        cells.append(Cell(row - 1, 1, t.title, "subtitle"))
        block = _block(t, row)
        blocks.append(block)
        row = block.last_row + 3

    widths = _widths(blocks)
    # As wide as the key figures' two columns, so a chart is never cut at a page edge.
    width_cm = min(CHART_WIDTH_CM, (widths[1] + widths[2]) * CM_PER_WIDTH_UNIT - 0.3)
    charts = [
        ChartSpec(
            "col",
            "Planerat och genomfört per månad",
            "tblOversiktManad",
            "Månad",
            ["Planerade", "Genomförda"],
            f"A{first_chart}",
            width_cm,
            CHART_HEIGHT_CM,
            "Antal",
        ),
        ChartSpec(
            "bar",
            "Öppna iakttagelser per kategori",
            "tblOversiktKategori",
            "Kategori",
            ["Öppna"],
            f"A{first_chart + chart_rows}",
            width_cm,
            CHART_HEIGHT_CM,
            "Antal",
        ),
    ]
    return SheetContent(
        DASHBOARD.name,
        tables=blocks,
        cells=cells,
        widths=widths,
        freeze=None,
        charts=charts,
        conditional=_conditional(d, blocks),
        tab_color="1F4E79",
        landscape=True,
        fit_to_width=True,
    )


def _conditional(d: Dashboard, blocks: list[TableBlock]) -> list[ConditionalFormat]:
    out = []
    key = blocks[0]
    for i, (label, _) in enumerate(d.key_figures):
        if label in ALERT_FIGURES:
            ref = f"{column_letter(key.col + 1)}{key.row + 1 + i}"
            out.append(ConditionalFormat(ref, "greater", 0, "red"))
            out.append(ConditionalFormat(ref, "less", 1, "green"))
    for b in blocks:
        if not b.rows:
            continue
        for i, h in enumerate(b.header):
            for kind, value, style in RULES.get((b.name or "", h), []):
                letter = column_letter(b.col + i)
                ref = f"{letter}{b.row + 1}:{letter}{b.row + len(b.rows)}"
                out.append(ConditionalFormat(ref, kind, value, style))  # type: ignore[arg-type]
    return out
