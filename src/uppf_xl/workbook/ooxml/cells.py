"""Sheet XML: cell values as XML, cell references, rows of a worksheet and their lookup."""

from __future__ import annotations

import datetime as dt
import functools
import math
import numbers
import re

from lxml import etree
from openpyxl.utils.cell import column_index_from_string, get_column_letter, range_boundaries

from uppf_xl.errors import WriteRefused
from uppf_xl.workbook.content import ConditionalFormat, Value
from uppf_xl.workbook.safe import UNCHANGED
from uppf_xl.workbook.ooxml.parts import XML_NS, _attr, _q, _text
from uppf_xl.workbook.ooxml.styles import Styles


_CELL_REF = re.compile(r"([A-Z]+)(\d+)")
_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[ >/]")
_SHEET_DATA_START = re.compile(rb"<(?:\w+:)?sheetData[ >/]")


_CODE_NAME = re.compile(rb'<(?:\w+:)?sheetPr\b[^>]*?\bcodeName="([^"]*)"')


def _code_name(sheet_xml: bytes) -> str | None:
    found = _CODE_NAME.search(sheet_xml[:4096])
    return found.group(1).decode("utf-8") if found else None


def _has_formulas(sheet_xml: bytes) -> bool:
    """Whether any cell holds a formula (formulas in validation or format rules do not count)."""
    start = _SHEET_DATA_START.search(sheet_xml)
    if start is None:
        return False
    end = sheet_xml.rfind(b"sheetData>")
    return _FORMULA_TAG.search(sheet_xml, start.end(), end if end > start.end() else len(sheet_xml)) is not None


# ---------------------------------------------------------------------------------------------
# Values


def _serial(value: dt.date | dt.datetime, date1904: bool) -> float | int:
    epoch = dt.datetime(1904, 1, 1) if date1904 else dt.datetime(1899, 12, 30)
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.replace(tzinfo=None)
        delta = value - epoch
        serial = delta.days + delta.seconds / 86400 + delta.microseconds / 86400e6
        return round(serial, 10)
    return (value - epoch.date()).days


@functools.lru_cache(maxsize=4096)
def _serial_text(value: dt.date, date1904: bool) -> str:
    return _number(_serial(value, date1904))


def _kind(value: Value) -> str:
    """text, bool, number, date, datetime or empty."""
    if value is None or type(value).__name__ in ("NaTType", "NAType"):  # pandas' missing values
        return "empty"
    if isinstance(value, str):
        return "text"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, dt.datetime):
        return "datetime"
    if isinstance(value, dt.date):
        return "date"
    if isinstance(value, numbers.Real):
        return "number" if math.isfinite(float(value)) else "empty"
    return "text"


def _number(value: float | numbers.Real) -> str:
    if isinstance(value, numbers.Integral):
        return str(int(value))
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def _cell_xml(ref: str, value: Value, style: int | None, date1904: bool, texts: dict[str, str] | None = None) -> str:
    """One <c> element; strings are inline, so nothing ever becomes a formula.

    `texts` caches the escaped form of repeated strings (areas, names, statuses).
    """
    s = f' s="{style}"' if style else ""
    if isinstance(value, str):
        inner = texts.get(value) if texts is not None else None
        if inner is None:
            text = _text(value)
            space = ' xml:space="preserve"' if text != text.strip() or "\n" in text else ""
            inner = f"<is><t{space}>{_escape(text)}</t></is>"
            if texts is not None:
                texts[value] = inner
        return f'<c r="{ref}"{s} t="inlineStr">{inner}</c>'
    kind = _kind(value)
    if kind == "empty":
        return f'<c r="{ref}"{s}/>' if s else ""
    if kind == "text":
        return _cell_xml(ref, str(value), style, date1904, texts)
    if kind == "bool":
        return f'<c r="{ref}"{s} t="b"><v>{int(bool(value))}</v></c>'
    if kind in ("date", "datetime"):
        return f'<c r="{ref}"{s}><v>{_serial_text(value, date1904)}</v></c>'
    return f'<c r="{ref}"{s}><v>{_number(value)}</v></c>'  # type: ignore[arg-type]


def _escape(text: str) -> str:
    if "&" in text or "<" in text or ">" in text:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


def _set_cell(c: etree._Element, value: Value, styles: Styles, date1904: bool) -> None:
    """Put `value` into an existing <c>, keeping its style (a date gets a date format)."""
    for child in list(c):
        if isinstance(child.tag, str) and etree.QName(child).localname in ("f", "v", "is"):
            c.remove(child)
    for attr in ("t", "cm", "vm"):
        c.attrib.pop(attr, None)
    kind = _kind(value)
    if kind in ("date", "datetime"):
        current = int(c.get("s", "0"))
        c.set("s", str(styles.as_date(current, kind)))
    if kind == "empty":
        return
    if kind == "text":
        c.set("t", "inlineStr")
        is_el = etree.Element(_q("is"))
        t = etree.SubElement(is_el, _q("t"))
        text = _text(str(value))
        t.text = text
        if text != text.strip() or "\n" in text:
            t.set(_q("space", XML_NS), "preserve")
        c.insert(0, is_el)
        return
    v = etree.Element(_q("v"))
    if kind == "bool":
        c.set("t", "b")
        v.text = str(int(bool(value)))
    elif kind in ("date", "datetime"):
        v.text = _number(_serial(value, date1904))  # type: ignore[arg-type]
    else:
        v.text = _number(value)  # type: ignore[arg-type]
    c.insert(0, v)


# ---------------------------------------------------------------------------------------------
# Writing a tool-owned sheet


def _ref(col: int, row: int) -> str:
    return f"{get_column_letter(col)}{row}"


def _quote_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def _table_name(name: str) -> str:
    clean = re.sub(r"[^\w.]", "_", name)
    return clean if re.match(r"[^\W\d]", clean[:1] or "1") else f"_{clean}"


def _unique_headers(headers: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for i, h in enumerate(headers):
        base = str(h).strip() if h is not None and str(h).strip() else f"Kolumn{i + 1}"
        name, n = base, 2
        while name.lower() in seen:
            name, n = f"{base}{n}", n + 1
        seen.add(name.lower())
        out.append(name)
    return out


def _refuse_shared_formula(c: etree._Element, sheet: str) -> None:
    f = c.find(_q("f"))
    if f is None or not f.get("ref"):
        return
    if f.get("t") == "shared" or ":" in f.get("ref", ""):
        raise WriteRefused(
            f"Skrivningen avbröts: cellen {sheet}!{c.get('r')} innehåller en formel som andra celler bygger på "
            f"och skulle förstöras. Ta bort formeln och försök igen. {UNCHANGED}"
        )


def _has_value(c: etree._Element | None) -> bool:
    if c is None:
        return False
    for child in c:
        if isinstance(child.tag, str) and etree.QName(child).localname in ("v", "is", "f"):
            if child.text or len(child):
                return True
    return False


def _cell_text(c: etree._Element, sst: list[str]) -> str:
    t = c.get("t")
    if t == "inlineStr":
        is_el = c.find(_q("is"))
        return "".join(is_el.itertext()) if is_el is not None else ""
    v = c.find(_q("v"))
    if v is None or v.text is None:
        return ""
    if t == "s":
        i = int(v.text)
        return sst[i] if i < len(sst) else ""
    return str(v.text)


def _split_ref(ref: str) -> tuple[int, int]:
    m = _CELL_REF.fullmatch(ref)
    if m is None:
        raise ValueError(ref)
    return int(m.group(2)), column_index_from_string(m.group(1))


_ROW_START = re.compile(rb'<row\s(?:[^>]*?\s)?r="(\d+)"[^>]*?(/?)>')


def _row_segments(data: bytes, wanted: set[int] | None = None) -> dict[int, tuple[int, int]] | None:
    """Excel row -> (start, end) byte offsets of its <row> element in a sheet's XML, for the
    rows in `wanted` (all when None); None when the sheet does not look the way this scan
    needs (prefixed elements, rows without numbers, a row twice)."""
    if b"<sheetData>" not in data or data.count(b"<sheetData>") != 1:
        return None
    total = 0
    out: dict[int, tuple[int, int]] = {}
    for m in _ROW_START.finditer(data):
        total += 1
        r = int(m.group(1))
        if wanted is not None and r not in wanted:
            continue
        if r in out:
            return None
        if m.group(2):
            end = m.end()
        else:
            close = data.find(b"</row>", m.end())
            if close < 0:
                return None
            end = close + len(b"</row>")
        out[r] = (m.start(), end)
    if b":row" in data or total != data.count(b"<row ") + data.count(b"<row>") + data.count(b"<row/>"):
        return None
    return out


def _root_start(data: bytes) -> bytes | None:
    """The worksheet's start tag, with every namespace it declares (for parsing one row alone)."""
    m = re.search(rb"<worksheet\b[^>]*>", data)
    if m is None or m.group().endswith(b"/>"):
        return None
    return m.group()


class _SheetCells:
    """Row and cell lookup over a parsed worksheet, inserting rows and cells in order."""

    def __init__(self, root: etree._Element) -> None:
        self.root = root
        self.data = root.find(_q("sheetData"))
        if self.data is None:
            self.data = etree.SubElement(root, _q("sheetData"))
        self.rows: dict[int, etree._Element] = {}
        self.cells: dict[int, dict[int, etree._Element]] = {}
        r = 0
        for row in self.data.iter(_q("row")):
            r = int(row.get("r") or r + 1)
            row.set("r", str(r))
            self.rows[r] = row

    def row_cells(self, r: int) -> dict[int, etree._Element]:
        if r not in self.cells:
            found: dict[int, etree._Element] = {}
            row = self.rows.get(r)
            if row is not None:
                col = 0
                for c in row.iter(_q("c")):
                    ref = c.get("r")
                    if ref:
                        col = _split_ref(ref)[1]
                    else:
                        col += 1
                        c.set("r", _ref(col, r))
                    found[col] = c
            self.cells[r] = found
        return self.cells[r]

    def peek(self, r: int, col: int) -> etree._Element | None:
        return self.row_cells(r).get(col)

    def max_row(self) -> int:
        return max(self.rows, default=1)

    def cell(self, r: int, col: int) -> etree._Element:
        found = self.row_cells(r)
        if col in found:
            return found[col]
        row = self.rows.get(r)
        if row is None:
            row = etree.Element(_q("row"), r=str(r))
            later = [k for k in self.rows if k > r]
            if later:
                self.rows[min(later)].addprevious(row)
            else:
                self.data.append(row)
            self.rows[r] = row
        c = etree.Element(_q("c"), r=_ref(col, r))
        later_cols = [k for k in found if k > col]
        if later_cols:
            found[min(later_cols)].addprevious(c)
        else:
            row.append(c)
        found[col] = c
        spans = row.get("spans")
        if spans and ":" in spans:
            lo, hi = (int(x) for x in spans.split(":"))
            row.set("spans", f"{min(lo, col)}:{max(hi, col)}")
        return c

    def update_dimension(self) -> None:
        dim = self.root.find(_q("dimension"))
        if dim is None:
            return
        max_row = self.max_row()
        max_col = max((max(self.row_cells(r), default=1) for r in self.rows), default=1)
        try:
            min_col, min_row, old_col, old_row = range_boundaries(dim.get("ref", "A1"))
        except (ValueError, TypeError):
            return
        if max_row > (old_row or 0) or max_col > (old_col or 0):
            dim.set("ref", f"{_ref(min_col or 1, min_row or 1)}:{_ref(max(max_col, old_col or 1), max(max_row, old_row or 1))}")


def _pane(freeze: str | None) -> str:
    if not freeze or freeze.upper() == "A1":
        return ""
    row, col = _split_ref(freeze.upper())
    x, y = col - 1, row - 1
    if x and y:
        active = "bottomRight"
    elif y:
        active = "bottomLeft"
    else:
        active = "topRight"
    split = (f' xSplit="{x}"' if x else "") + (f' ySplit="{y}"' if y else "")
    return (
        f'<pane{split} topLeftCell="{freeze.upper()}" activePane="{active}" state="frozen"/>'
        f'<selection pane="{active}" activeCell="{freeze.upper()}" sqref="{freeze.upper()}"/>'
    )


def _conditional_xml(cf: ConditionalFormat, dxf_id: int, priority: int) -> str:
    operator = {"equals": "equal", "greater": "greaterThan", "less": "lessThan"}[cf.kind]
    if isinstance(cf.value, str):
        formula = '"' + _text(cf.value).replace('"', '""') + '"'
    elif isinstance(cf.value, (dt.date, dt.datetime)):
        formula = _number(_serial(cf.value, False))
    else:
        formula = _number(cf.value or 0)
    return (
        f'<conditionalFormatting sqref="{_attr(cf.ref.replace(",", " "))}"><cfRule type="cellIs" dxfId="{dxf_id}" '
        f'priority="{priority}" operator="{operator}"><formula>{_escape(formula)}</formula></cfRule></conditionalFormatting>'
    )
