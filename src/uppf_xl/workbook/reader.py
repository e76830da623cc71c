"""Reading a closed workbook: values through calamine, structure through a scan of the sheet XML.

Calamine gives the values fast but hides what a user needs to hear about: formulas, error
values (#N/A), merged cells, where the Excel table stands. Those come from one streaming
pass over the sheet's XML, and only when the raw bytes show there is something to find.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import python_calamine
from lxml import etree
from openpyxl.utils.cell import column_index_from_string, get_column_letter, range_boundaries

from uppf_xl.contract import SHEETS
from uppf_xl.errors import ERROR, FileAccessError, Problem
from uppf_xl.workbook.base import RawTable, RawWorkbook
from uppf_xl.workbook.content import Value

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_CELL_RE = re.compile(r"([A-Z]+)(\d+)")
# A cell formula element (<f>, <f t="shared" .../>, <x:f>), not <formula> of a conditional format.
_FORMULA_RE = re.compile(rb"<(?:\w+:)?f[\s>/]")
# Input sheets the tool writes whole (their table is rebuilt from what was read).
REWRITTEN_SHEETS = {"Årshjul"}


def read_workbook(path: Path) -> RawWorkbook:
    """Read every contract sheet present in the file at `path`."""
    from uppf_xl.workbook.safe import inspect_file

    inspect_file(path)
    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
        with zipfile.ZipFile(path) as zf:
            parts = _sheet_parts(zf)
            tables: dict[str, RawTable] = {}
            problems: list[Problem] = []
            for name in book.sheet_names:
                if name not in SHEETS or not SHEETS[name].input or name not in parts:
                    continue
                part, table_parts = parts[name]
                grid: list[list[Any]] = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
                structure = _scan_sheet(zf.read(part))
                table_info = _table_info(zf, table_parts)
                tables[name] = make_table(name, grid, structure, table_info, problems)
    except FileAccessError:
        raise
    except (zipfile.BadZipFile, python_calamine.CalamineError, KeyError, etree.XMLSyntaxError, OSError) as exc:
        raise FileAccessError(f"{path.name}: filen kan inte läsas som en Excel-arbetsbok ({exc}).") from exc
    return RawWorkbook(path.name, list(book.sheet_names), tables, problems)


def _sheet_parts(zf: zipfile.ZipFile) -> dict[str, tuple[str, list[str]]]:
    """Sheet name -> (worksheet part, [table parts])."""
    wb_xml = etree.fromstring(zf.read("xl/workbook.xml"))
    rels = _rels(zf, "xl/_rels/workbook.xml.rels", "xl")
    out: dict[str, tuple[str, list[str]]] = {}
    for sheet in wb_xml.iter(f"{{{NS}}}sheet"):
        rid = sheet.get(f"{{{REL_NS}}}id")
        part = rels.get(rid or "")
        if part is None or part not in zf.namelist():
            continue
        folder, base = posixpath.split(part)
        sheet_rels = _rels(zf, f"{folder}/_rels/{base}.rels", folder)
        table_parts = [p for p in sheet_rels.values() if "/tables/" in p]
        out[sheet.get("name", "")] = (part, table_parts)
    return out


def _rels(zf: zipfile.ZipFile, rels_part: str, base: str) -> dict[str, str]:
    try:
        root = etree.fromstring(zf.read(rels_part))
    except KeyError:
        return {}
    out = {}
    for rel in root.iter(f"{{{PKG_REL_NS}}}Relationship"):
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External":
            continue
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(base, target))
        out[rel.get("Id", "")] = path
    return out


def _table_info(zf: zipfile.ZipFile, table_parts: list[str]) -> tuple[str, str] | None:
    for part in table_parts:
        try:
            root = etree.fromstring(zf.read(part))
        except KeyError:
            continue
        return root.get("displayName") or root.get("name") or "", root.get("ref", "")
    return None


class SheetStructure:
    __slots__ = ("formulas", "errors", "hidden_rows", "merged")

    def __init__(self) -> None:
        self.formulas: dict[tuple[int, int], str] = {}
        self.errors: dict[tuple[int, int], str] = {}
        self.hidden_rows: set[int] = set()
        self.merged: list[str] = []


def _scan_sheet(xml: bytes) -> SheetStructure:
    """Formulas, error values, hidden rows and merged ranges of one sheet, in one pass."""
    found = SheetStructure()
    wants_cells = _FORMULA_RE.search(xml) is not None or b't="e"' in xml
    wants_rows = b'hidden="1"' in xml or b'hidden="true"' in xml
    wants_merges = b"<mergeCell " in xml
    if not (wants_cells or wants_rows or wants_merges):
        return found
    tags = []
    if wants_cells:
        tags.append(f"{{{NS}}}c")
    if wants_rows:
        tags.append(f"{{{NS}}}row")
    if wants_merges:
        tags.append(f"{{{NS}}}mergeCell")
    for _, el in etree.iterparse(_BytesReader(xml), events=("end",), tag=tags, huge_tree=True):
        tag = el.tag.rsplit("}", 1)[1]
        if tag == "c":
            ref = el.get("r")
            if ref:
                m = _CELL_RE.fullmatch(ref)
                if m:
                    pos = (int(m.group(2)), column_index_from_string(m.group(1)))
                    f = el.find(f"{{{NS}}}f")
                    if f is not None:
                        found.formulas[pos] = "=" + (f.text or "")
                    if el.get("t") == "e":
                        v = el.find(f"{{{NS}}}v")
                        found.errors[pos] = (v.text if v is not None else None) or "#FEL"
            el.clear()
        elif tag == "row":
            if el.get("hidden") in ("1", "true"):
                found.hidden_rows.add(int(el.get("r", "0")))
            el.clear()
        else:
            found.merged.append(el.get("ref", ""))
    return found


class _BytesReader:
    """A file-like view of bytes for iterparse without copying into BytesIO twice."""

    def __init__(self, data: bytes) -> None:
        self._data = memoryview(data)
        self._pos = 0

    def read(self, n: int = -1) -> bytes:
        if n < 0:
            n = len(self._data) - self._pos
        chunk = self._data[self._pos : self._pos + n]
        self._pos += len(chunk)
        return bytes(chunk)


def make_table(
    name: str,
    grid: list[list[Value]],
    structure: SheetStructure,
    table_info: tuple[str, str] | None,
    problems: list[Problem],
) -> RawTable:
    header_row, first_col = 1, 1
    table_name = table_ref = None
    last_col: int | None = None
    if table_info:
        table_name, table_ref = table_info
        try:
            min_col, min_row, max_col, _ = range_boundaries(table_ref)
        except (TypeError, ValueError):
            min_col = min_row = max_col = None
        if min_col and min_row:
            header_row, first_col, last_col = min_row, min_col, max_col
            if (min_row, min_col) != (1, 1):
                problems.append(
                    Problem(ERROR, name, table_ref.split(":")[0],
                            f"tabellen ska börja i A1 men börjar i {table_ref.split(':')[0]}; flytta den till A1")
                )
    raw_header_cells = grid[header_row - 1][first_col - 1 :] if len(grid) >= header_row else []
    raw_header = ["" if v is None else str(v) for v in raw_header_cells]
    if last_col is None or name in REWRITTEN_SHEETS:
        # A sheet the tool writes whole reads the user's own columns beside its table too, so
        # that they are written back with it rather than lost.
        while raw_header and raw_header[-1].strip() == "":
            raw_header.pop()
        if last_col is not None and len(raw_header) < last_col - first_col + 1:
            raw_header = raw_header + [""] * (last_col - first_col + 1 - len(raw_header))
    else:
        raw_header = raw_header[: last_col - first_col + 1]
    header = [h.strip() for h in raw_header]
    width = len(header)
    rows: list[list[Value]] = []
    numbers: list[int] = []
    # A provider's name, a type, a status or a date stands on many rows: each distinct text and
    # date is kept once, so years of Årshjul rows cost their distinct values, not their cells.
    shared: dict[Value, Value] = {}
    for r in range(header_row, len(grid)):
        values = _cleaned(grid[r][first_col - 1 : first_col - 1 + width], shared)
        values += [None] * (width - len(values))
        rows.append(values)
        numbers.append(r + 1)
    # Trailing empty rows are not data; empty rows in the middle are (validate reports them).
    while rows and all(v is None for v in rows[-1]) and not _has_structure(numbers[-1], structure, first_col, width):
        rows.pop()
        numbers.pop()
    if name in REWRITTEN_SHEETS:
        _unnamed_columns(name, grid, header, header_row, first_col, problems)

    def by_header(cells: dict[tuple[int, int], str]) -> dict[tuple[int, str], str]:
        out: dict[tuple[int, str], str] = {}
        for (r, c), text in cells.items():
            idx = c - first_col
            if r > header_row and 0 <= idx < width and header[idx]:
                out.setdefault((r, header[idx]), text)
        return out

    merged = []
    for ref in structure.merged:
        try:
            mc1, mr1, mc2, mr2 = range_boundaries(ref)
        except (TypeError, ValueError):
            continue
        last_row = numbers[-1] if numbers else header_row
        if mr1 <= last_row and mr2 >= header_row and mc1 <= first_col + width - 1 and mc2 >= first_col:
            merged.append(ref)
    return RawTable(
        sheet=name,
        header=header,
        rows=rows,
        row_numbers=numbers,
        header_row=header_row,
        col=first_col,
        raw_header=raw_header,
        formulas=by_header(structure.formulas),
        errors=by_header(structure.errors),
        merged=merged,
        hidden_rows={r for r in structure.hidden_rows if r > header_row},
        table_name=table_name,
        table_ref=table_ref,
    )


def _unnamed_columns(name: str, grid: list[list[Value]], header: list[str], header_row: int, first_col: int,
                     problems: list[Problem]) -> None:
    """Values in a column without a heading on a sheet the tool rewrites would be lost: an error naming it."""
    named = {first_col + i for i, h in enumerate(header) if h}
    found: dict[int, int] = {}
    for r in range(header_row, len(grid)):
        for c, value in enumerate(grid[r], start=1):
            if c < first_col or c in named or c in found:
                continue
            if value is not None and (type(value) is not str or value.strip(_EDGE_SPACE)):
                found[c] = r + 1
    for c, r in sorted(found.items()):
        letter = get_column_letter(c)
        problems.append(Problem(
            ERROR, name, f"{letter}{header_row}",
            f"kolumnen {letter} har värden (t.ex. {letter}{r}) men ingen rubrik; skriv en rubrik i {letter}{header_row} "
            "så behålls kolumnen när uppf-xl skriver bladet, eller töm den",
        ))


def _has_structure(row: int, structure: SheetStructure, first_col: int, width: int) -> bool:
    return any(r == row and first_col <= c < first_col + width for (r, c) in (*structure.formulas, *structure.errors))


# Spacing that pasting leaves at either end of a cell. Inside a text these characters belong to
# it: the zero-width joiner builds emoji such as 👩‍⚕️, the non-joiner matters in some scripts.
_EDGE_SPACE = " \t\n\r\u00a0\u200b\u200c\u200d\u2060\ufeff"


def _cleaned(cells: list[Value], shared: dict[Value, Value]) -> list[Value]:
    """The cells as read: None for an empty or blank cell (calamine gives ''), text without
    invisible spacing at its ends, and the one object kept in `shared` for an equal text or
    date (numbers stay apart: 1, 1.0 and True are equal keys)."""
    out: list[Value] = []
    for value in cells:
        if isinstance(value, str):
            value = value.strip(_EDGE_SPACE)
            value = shared.setdefault(value, value) if value else None
        elif type(value) is date or type(value) is datetime:
            value = shared.setdefault(value, value)
        out.append(value)
    return out
