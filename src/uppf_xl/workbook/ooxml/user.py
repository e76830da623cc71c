"""What a user added to a tool sheet that survives its rewrite: rules, the Årshjul layout, shapes."""

from __future__ import annotations

import copy
import html
import io
import re
from dataclasses import dataclass, field

from lxml import etree

from uppf_xl.workbook.ooxml.parts import MAIN_NS, R_NS, Rel, _q
from uppf_xl.workbook.ooxml.styles import _key
from uppf_xl.workbook.ooxml.cells import _CELL_REF, _SHEET_DATA_START, _cell_text


_ROOT_TAG = re.compile(rb"<(?:\w+:)?worksheet\b[^>]*>")
# Extension blocks the user may have on a tool sheet: list validation and conditional formats (Excel 2010+).
_KEPT_EXTS = {"{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}", "{78C0D931-6437-407d-A8EE-F0AAD7539E65}"}
_REVISION_NS = "http://schemas.microsoft.com/office/spreadsheetml/2014/revision"


@dataclass
class _UserRules:
    """What a user added to a tool sheet that survives its rewrite: validation and conditional formats."""

    conditional: list[etree._Element] = field(default_factory=list)
    validations: etree._Element | None = None
    exts: list[etree._Element] = field(default_factory=list)


def _user_rules(sheet_xml: bytes) -> _UserRules:
    """The rules after sheetData of an old tool sheet, read without parsing its (large) cell data."""
    root_tag = _ROOT_TAG.search(sheet_xml[:4096])
    end = max(
        (i + len(tag) for tag in (b"sheetData>", b"sheetData/>") if (i := sheet_xml.rfind(tag)) >= 0), default=-1
    )
    if root_tag is None or end < 0:
        return _UserRules()
    try:
        root = etree.fromstring(root_tag.group() + sheet_xml[end:])
    except etree.XMLSyntaxError:
        return _UserRules()
    for el in root.iter():
        for attr in [a for a in el.attrib if a.startswith("{" + _REVISION_NS)]:
            del el.attrib[attr]  # revision ids (xr:uid) mean nothing outside the old sheet
    exts = [e for e in root.iterfind(f"{_q('extLst')}/{_q('ext')}") if e.get("uri") in _KEPT_EXTS]
    return _UserRules(root.findall(_q("conditionalFormatting")), root.find(_q("dataValidations")), exts)


# The tool sheet whose layout is the user's: they filter it, hide rows and columns, widen
# columns and format the cells they own (matched by the row's key when rows move).
LAYOUT_SHEET = "Årshjul"
LAYOUT_KEY = "Nyckel"


@dataclass
class _UserLayout:
    """A user's layout of the Årshjul sheet, carried over its rewrite."""

    cols: str = ""  # the old <cols> element: widths, hidden columns
    hidden: set[str] = field(default_factory=set)  # keys of hidden rows
    styles: dict[str, dict[str, str]] = field(default_factory=dict)  # key -> header -> style index
    filters: str = ""  # what the old table's autoFilter held (filter columns, sort state)
    header_key: str = LAYOUT_KEY


def _user_layout(sheet_xml: bytes, sst: list[str], user_headers: dict[str, set[str]]) -> _UserLayout:
    """Column layout, hidden rows and the styles of user-owned cells of an old Årshjul sheet.

    `user_headers` maps each user-owned header to the styles the tool itself gives its cells;
    a cell with any other style was formatted by the user.
    """
    layout = _UserLayout()
    start = sheet_xml.find(b"<cols")
    if start < 0:
        start = sheet_xml.find(b":cols")
        start = sheet_xml.rfind(b"<", 0, start) if start >= 0 else -1
    data_at = _SHEET_DATA_START.search(sheet_xml)
    if start >= 0 and (data_at is None or start < data_at.start()):
        end = sheet_xml.find(b"cols>", start + 5)
        if end > 0:
            try:
                cols = etree.fromstring(sheet_xml[start : end + 5].replace(b"<x:", b"<").replace(b"</x:", b"</"))
                layout.cols = etree.tostring(cols, encoding="unicode").replace(f' xmlns="{MAIN_NS}"', "")
            except etree.XMLSyntaxError:
                layout.cols = ""
    if b'hidden="1"' not in sheet_xml and b' s="' not in sheet_xml:
        return layout
    found = _scanned_rows(sheet_xml, sst, user_headers) if data_at is not None else None
    layout.hidden, layout.styles = found if found is not None else _parsed_rows(sheet_xml, sst, user_headers)
    return layout


Marks = tuple[set[str], dict[str, dict[str, str]]]  # keys of hidden rows; key -> header -> style


def _parsed_rows(sheet_xml: bytes, sst: list[str], user_headers: dict[str, set[str]]) -> Marks:
    """Hidden rows and user styles by parsing every row (any markup a sheet may have)."""
    hidden: set[str] = set()
    styles: dict[str, dict[str, str]] = {}
    headers: dict[str, str] = {}
    key_col = None
    for _, row in etree.iterparse(io.BytesIO(sheet_xml), tag=_q("row")):
        cells = {_CELL_REF.match(c.get("r", "")).group(1): c for c in row if _CELL_REF.match(c.get("r", ""))}  # type: ignore[union-attr]
        if not headers:
            headers = {col: _cell_text(c, sst).strip() for col, c in cells.items()}
            key_col = next((col for col, h in headers.items() if h == LAYOUT_KEY), None)
            row.clear()
            continue
        key = _cell_text(cells[key_col], sst) if key_col and key_col in cells else ""
        if key:
            if row.get("hidden") in ("1", "true"):
                hidden.add(key)
            for col, c in cells.items():
                header = headers.get(col)
                style = c.get("s")
                if header in user_headers and style and style not in user_headers[header]:
                    styles.setdefault(key, {})[header] = style
        row.clear()
    return hidden, styles


# Markup the scan below does not read: a cell or row without r first, or prefixed elements.
_ODD_CELL = re.compile(rb'<c(?=[\s>/])(?!\s+r=")')
_ODD_ROW = re.compile(rb'<row(?=[\s>/])(?!\s+r="\d+")')
_FIRST_ROW = re.compile(rb'<row\s+r="(\d+)"[^>]*>')
# A cell holding one run of inline text without a carriage return (which XML would normalise).
_PLAIN_TEXT_CELL = re.compile(rb'<c [^>]*\bt="inlineStr"[^>]*><is><t(?: [^>]*)?>([^<\r]*)</t></is></c>')
_HIDDEN_ROW = re.compile(rb'<row\s+r="(\d+)"[^>]*?\shidden="(?:1|true)"')


def _scanned_rows(sheet_xml: bytes, sst: list[str], user_headers: dict[str, set[str]]) -> Marks | None:
    """What `_parsed_rows` finds, by searching the bytes instead of parsing every row: one
    search per user-owned column for a cell whose style the tool does not give, one for hidden
    rows, and the key cells read of only those rows. None when the sheet's markup is not the
    plain kind Excel, LibreOffice and uppf-xl write (the caller parses it then)."""
    root_tag = _ROOT_TAG.search(sheet_xml[:4096])
    if root_tag is None or not root_tag.group().startswith(b"<worksheet") or _ODD_CELL.search(sheet_xml) \
            or _ODD_ROW.search(sheet_xml):
        return None
    head = root_tag.group() + b"<sheetData>"

    def row_of(xml: bytes) -> etree._Element:
        """One row's markup parsed inside the sheet's own root tag (its namespaces)."""
        return etree.fromstring(head + xml + b"</sheetData></worksheet>")[0][0]

    first = _FIRST_ROW.search(sheet_xml)
    if first is None or first.group().endswith(b"/>"):
        return None
    end = sheet_xml.find(b"</row>", first.end())
    try:
        header_row = row_of(sheet_xml[first.start() : end + 6])
    except etree.XMLSyntaxError:
        return None
    headers = {m.group(1): _cell_text(c, sst).strip() for c in header_row if (m := _CELL_REF.match(c.get("r", "")))}
    if not headers:
        return None
    header_no = int(first.group(1))
    key_col = next((col for col, h in headers.items() if h == LAYOUT_KEY), None)
    if key_col is None:
        return set(), {}
    # One search per set of tool styles (the date columns share one, the text columns another).
    by_styles: dict[frozenset[str], list[str]] = {}
    for col, header in headers.items():
        if header in user_headers:
            by_styles.setdefault(frozenset(user_headers[header]), []).append(col)
    marks: list[tuple[int, int, str, str]] = []  # (offset, row, header, style) of user-styled cells
    for tool_styles, cols in by_styles.items():
        tool = b"|".join(re.escape(s.encode()) for s in sorted(tool_styles)) or b"(?!)"
        either = b"|".join(c.encode() for c in cols)
        cell = re.compile(rb'<c r="(' + either + rb')(\d+)"[^>]*?\ss="(?!(?:' + tool + rb')")(\d+)"')
        marks.extend((m.start(), int(m.group(2)), headers[m.group(1).decode()], m.group(3).decode())
                     for m in cell.finditer(sheet_xml))
    hidden_rows = [int(m.group(1)) for m in _HIDDEN_ROW.finditer(sheet_xml)]
    wanted = ({n for _, n, _, _ in marks} | set(hidden_rows)) - {header_no}
    keys: dict[int, str] = {}
    if wanted:
        key_cell = re.compile(rb'<c r="' + key_col.encode() + rb'(\d+)"[^>]*?(?:/>|>.*?</c>)', re.DOTALL)
        try:
            for hit in key_cell.finditer(sheet_xml):
                if (n := int(hit.group(1))) in wanted:
                    plain = _PLAIN_TEXT_CELL.fullmatch(hit.group())
                    keys[n] = (html.unescape(plain.group(1).decode()) if plain is not None
                               else _cell_text(row_of(b"<row>" + hit.group() + b"</row>")[0], sst))
        except etree.XMLSyntaxError:
            return None
    hidden = {key for n in hidden_rows if n != header_no and (key := keys.get(n, ""))}
    styles: dict[str, dict[str, str]] = {}
    for _, n, header, style in sorted(marks):
        if n != header_no and (key := keys.get(n, "")):
            styles.setdefault(key, {})[header] = style
    return hidden, styles


# The name the tool gives its chart frames, so a later rewrite tells them from the user's objects.
TOOL_SHAPE_PREFIX = "uppf-xl:"


@dataclass
class _UserShapes:
    """The user's own drawing objects on a tool sheet: anchors as XML and the relationships they use."""

    anchors: list[str] = field(default_factory=list)
    rels: list[Rel] = field(default_factory=list)  # targets as part names (resolved), not relative
    max_id: int = 1  # the highest shape id among them


def _fragment(el: etree._Element) -> str:
    """An element of an old sheet as text for the new one, whose root already declares main and r."""
    text: str = etree.tostring(el, encoding="unicode")
    head, sep, rest = text.partition(">")
    head = head.replace(f' xmlns="{MAIN_NS}"', "").replace(f' xmlns:r="{R_NS}"', "")
    return head + sep + rest


def _rule_key(el: etree._Element) -> tuple[object, ...]:
    """A conditional format compared without its range and priority.

    The tool's own rules cover as many rows as the sheet has and are renumbered, so a rule of
    an earlier run differs from this run's only there; it must not be kept as the user's.
    """
    clone = copy.deepcopy(el)
    clone.attrib.pop("sqref", None)
    for rule in clone.iter(_q("cfRule")):
        rule.attrib.pop("priority", None)
    return _key(clone)
