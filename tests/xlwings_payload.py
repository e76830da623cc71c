"""Turn a real workbook file into the JSON payload of xlwings' remote engine, for live-mode tests.

The payload is what an Excel client sends to xlwings: every sheet's values from A1, its
tables, the book's name. `xw.Book(json=payload)` then behaves as the open book, and its
`json()["actions"]` records what the code wrote.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

# The remote engine needs a licence key; "noncommercial" is xlwings' PolyForm Noncommercial
# key (TECH.md). xlwings reads it when first imported, so set it before that import.
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

import xlwings as xw  # noqa: E402
from openpyxl import load_workbook  # noqa: E402
from openpyxl.utils.cell import get_column_letter, range_boundaries  # noqa: E402


def _ensure_remote_engine() -> None:
    """Register the remote engine when xlwings was imported before the key was set."""
    if "remote" in [e.name for e in xw.engines]:
        return
    from xlwings.main import Engine
    from xlwings.pro import _xlremote

    xw.engines.add(Engine(impl=_xlremote.engine))


_ensure_remote_engine()


def cell_json(value: Any) -> Any:
    """A cell value as an Office client sends it: dates as ISO date-times, empty as ""."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    if isinstance(value, dt.date):
        return f"{value.isoformat()}T00:00:00.000Z"
    if isinstance(value, dt.time):
        return value.isoformat()
    return value


def _address(c1: int, r1: int, c2: int, r2: int) -> str:
    return f"${get_column_letter(c1)}${r1}:${get_column_letter(c2)}${r2}"


def table_json(ref: str, name: str) -> dict[str, Any]:
    """An Excel table as the client describes it."""
    min_col, min_row, max_col, max_row = range_boundaries(ref)
    addr = _address
    return {
        "name": name,
        "range_address": addr(min_col, min_row, max_col, max_row),
        "header_row_range_address": addr(min_col, min_row, max_col, min_row),
        "data_body_range_address": addr(min_col, min_row + 1, max_col, max_row) if max_row > min_row else None,
        "total_row_range_address": None,
        "row_count": max_row - min_row + 1,
        "column_count": max_col - min_col + 1,
        "show_headers": True,
        "show_totals": False,
        "show_autofilter": True,
        "table_style": "TableStyleMedium2",
        "show_table_style_first_column": False,
        "show_table_style_last_column": False,
        "show_table_style_row_stripes": True,
        "show_table_style_column_stripes": False,
        "columns": [],
    }


def payload_from_file(path: Path, name: str | None = None) -> dict[str, Any]:
    """The remote-engine payload of the workbook at `path` (values as last saved)."""
    wb = load_workbook(path, data_only=True)
    sheets = []
    for ws in wb.worksheets:
        rows = [[cell_json(v) for v in row] for row in ws.iter_rows(values_only=True)]
        while rows and all(v == "" for v in rows[-1]):
            rows.pop()
        sheets.append(
            {
                "name": ws.title,
                "values": rows or [[""]],
                "pictures": [],
                "tables": [table_json(t.ref, t.displayName or t.name) for t in ws.tables.values()],
                "charts": [],
            }
        )
    return {
        "client": "Microsoft Office Scripts",
        "version": xw.__version__,
        "book": {"name": name or Path(path).name, "active_sheet_index": 0, "selection": "A1"},
        "names": [],
        "sheets": sheets,
    }


def book_from_file(path: Path, name: str | None = None) -> Any:
    """A remote-engine xlwings Book over the file's content (XLWINGS_LICENSE_KEY must be set)."""
    return xw.Book(json=payload_from_file(path, name))


def actions_of(book: Any) -> list[dict[str, Any]]:
    return list(book.json()["actions"])


def scaled_copy(src: Path, dest: Path, providers: int) -> Path:
    """A copy of `src` whose Utförare has `providers` rows: the originals, then clones of them.

    Clones keep nämnd, area, regi and dates, so every dashboard section has the same shape at
    any size; only the number of rows grows.
    """
    wb = load_workbook(src)
    ws = wb["Utförare"]
    table = ws.tables["tblUtforare"]
    min_col, min_row, max_col, max_row = range_boundaries(table.ref)
    header = [c.value for c in ws[min_row]]
    originals = [[c.value for c in row] for row in ws.iter_rows(min_row=min_row + 1, max_row=max_row)]
    id_col, name_col = header.index("UtförarID"), header.index("Namn")
    org_col = header.index("Organisationsnummer")
    row = max_row
    for n in range(len(originals), providers):
        clone = list(originals[n % len(originals)])
        clone[id_col] = f"K{n:05d}"
        clone[name_col] = f"{clone[name_col]} {n}"
        clone[org_col] = None
        row += 1
        for c, value in enumerate(clone, start=min_col):
            ws.cell(row, c, value).number_format = ws.cell(min_row + 1, c).number_format
    table.ref = f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{max(row, max_row)}"
    if table.autoFilter is not None:
        table.autoFilter.ref = table.ref
    wb.save(dest)
    return dest


def set_setting(payload: dict[str, Any], key: str, value: Any) -> dict[str, Any]:
    """Set one Inställningar value in a payload (e.g. Utdatamapp to a test folder)."""
    sheet = next(s for s in payload["sheets"] if s["name"] == "Inställningar")
    header = sheet["values"][0]
    k, v = header.index("Inställning"), header.index("Värde")
    for row in sheet["values"][1:]:
        if row[k] == key:
            row[v] = cell_json(value)
            return payload
    width = len(header)
    sheet["values"].append([cell_json(value) if i == v else (key if i == k else "") for i in range(width)])
    return payload
