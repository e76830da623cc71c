"""The safe writer: apply `Changes` to a workbook file at the package (zip) level.

Every part of the original is copied byte for byte except what the change needs: the
tool-owned sheets are written fresh (inline strings, so shared strings stay untouched), the
styles the tool uses are appended to xl/styles.xml, single cells of user sheets are edited in
place, and the result is checked against the original (`guard`) before it replaces the file.

A tool sheet written anew keeps what the user added to it: its VBA code name, comments,
data validation (also in x14 extension blocks), their own conditional formats, pictures and
shapes; its old tables and the tool's own charts are replaced.

Example:
    >>> write_changes(Path("uppfoljning.xlsx"), changes)         # doctest: +SKIP
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import io
import math
import numbers
import os
import posixpath
import re
import zipfile
from xml.parsers import expat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from lxml import etree
from openpyxl.utils.cell import column_index_from_string, get_column_letter, range_boundaries

from uppf_xl.contract import ALL_SHEETS, HIDDEN_SHEETS, SHEETS, TOOL_SHEETS
from uppf_xl.errors import FileAccessError, WriteRefused
from uppf_xl.workbook.content import (
    CellPatch,
    Changes,
    ChartSpec,
    ConditionalFormat,
    RowAppend,
    SheetContent,
    TableBlock,
    Value,
)
from uppf_xl.workbook.safe import (
    UNCHANGED,
    ZIP_ERRORS,
    atomic_write,
    check_not_open,
    check_writable,
    inspect_file,
    remove_stale_temps,
    run_lock,
)

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
C_NS = "http://schemas.openxmlformats.org/drawingml/2006/chart"
A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
XDR_NS = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
XML_NS = "http://www.w3.org/XML/1998/namespace"

_OD = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
RT_OFFICE_DOCUMENT = _OD + "officeDocument"
RT_WORKSHEET = _OD + "worksheet"
RT_TABLE = _OD + "table"
RT_DRAWING = _OD + "drawing"
RT_CHART = _OD + "chart"
RT_CALC_CHAIN = _OD + "calcChain"
RT_VML = _OD + "vmlDrawing"
RT_HYPERLINK = _OD + "hyperlink"

CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_TABLE = "application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml"
CT_DRAWING = "application/vnd.openxmlformats-officedocument.drawing+xml"
CT_CHART = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"

# Relationship types of a replaced tool sheet whose targets the tool owns and may drop.
DROPPABLE = {
    RT_TABLE,
    RT_DRAWING,
    RT_CHART,
    RT_HYPERLINK,
    _OD + "printerSettings",
    _OD + "chartUserShapes",
    _OD + "themeOverride",
    "http://schemas.microsoft.com/office/2011/relationships/chartStyle",
    "http://schemas.microsoft.com/office/2011/relationships/chartColorStyle",
}
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
# zlib level 3 packs a 20 MB sheet in 0.2 s instead of 0.45 s at 6, for a file about 15 % larger.
COMPRESS_LEVEL = 3
MAX_TEXT = 32767  # Excel's limit for one cell
EMU_PER_CM = 360000

_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_ESCAPED_LOOKALIKE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
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
                layout.hidden.add(key)
            for col, c in cells.items():
                header = headers.get(col)
                style = c.get("s")
                if header in user_headers and style and style not in user_headers[header]:
                    layout.styles.setdefault(key, {})[header] = style
        row.clear()
    return layout


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
    text = etree.tostring(el, encoding="unicode")
    head, sep, rest = text.partition(">")
    head = head.replace(f' xmlns="{MAIN_NS}"', "").replace(f' xmlns:r="{R_NS}"', "")
    return head + sep + rest


def _rule_key(el: etree._Element) -> tuple:
    """A conditional format compared without its range and priority.

    The tool's own rules cover as many rows as the sheet has and are renumbered, so a rule of
    an earlier run differs from this run's only there; it must not be kept as the user's.
    """
    clone = copy.deepcopy(el)
    clone.attrib.pop("sqref", None)
    for rule in clone.iter(_q("cfRule")):
        rule.attrib.pop("priority", None)
    return _key(clone)


def _q(tag: str, ns: str = MAIN_NS) -> str:
    return f"{{{ns}}}{tag}"


# ---------------------------------------------------------------------------------------------
# The package: parts, relationships, content types


@dataclass
class Rel:
    id: str
    type: str
    target: str
    external: bool = False


class Package:
    """The parts of an OPC package (a .xlsx/.xlsm zip) kept in their original order."""

    def __init__(self, parts: dict[str, bytes], dates: dict[str, tuple[int, int, int, int, int, int]] | None = None):
        self.parts = parts
        self.dates = dates or {}

    @classmethod
    def read(cls, path: Path) -> Package:
        parts: dict[str, bytes] = {}
        dates = {}
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                if info.is_dir():
                    continue
                parts[info.filename] = zf.read(info)
                dates[info.filename] = info.date_time
        return cls(parts, dates)

    def copy(self) -> Package:
        return Package(dict(self.parts), dict(self.dates))

    def save(self, fh: BinaryIO) -> None:
        with zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL) as zf:
            names = sorted(self.parts, key=lambda n: n != "[Content_Types].xml")
            for name in names:
                info = zipfile.ZipInfo(name, self.dates.get(name, (1980, 1, 1, 0, 0, 0)))
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, self.parts[name])

    @staticmethod
    def rels_name(source: str) -> str:
        folder, name = posixpath.split(source)
        return posixpath.join(folder, "_rels", f"{name}.rels")

    @staticmethod
    def source_of(rels_name: str) -> str:
        folder, name = posixpath.split(rels_name)
        return posixpath.join(posixpath.dirname(folder), name[: -len(".rels")])

    def rels(self, source: str) -> list[Rel]:
        data = self.parts.get(self.rels_name(source))
        if data is None:
            return []
        root = etree.fromstring(data)
        return [
            Rel(el.get("Id", ""), el.get("Type", ""), el.get("Target", ""), el.get("TargetMode") == "External")
            for el in root.iter(_q("Relationship", PKG_REL_NS))
        ]

    def set_rels(self, source: str, rels: list[Rel]) -> None:
        name = self.rels_name(source)
        if not rels:
            self.parts.pop(name, None)
            return
        out = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n', f'<Relationships xmlns="{PKG_REL_NS}">']
        for rel in rels:
            mode = ' TargetMode="External"' if rel.external else ""
            out.append(f'<Relationship Id="{_attr(rel.id)}" Type="{_attr(rel.type)}" Target="{_attr(rel.target)}"{mode}/>')
        out.append("</Relationships>")
        self.parts[name] = "".join(out).encode("utf-8")

    @staticmethod
    def resolve(source: str, target: str) -> str:
        if target.startswith("/"):
            return target.lstrip("/")
        return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))

    @staticmethod
    def relative(source: str, part: str) -> str:
        return posixpath.relpath(part, posixpath.dirname(source) or ".")

    def rels_parts(self) -> list[str]:
        return [n for n in self.parts if n.endswith(".rels")]

    def workbook_part(self) -> str:
        for rel in self.rels(""):
            if rel.type == RT_OFFICE_DOCUMENT:
                return self.resolve("", rel.target)
        return "xl/workbook.xml"

    def sheet_parts(self, root: etree._Element | None = None) -> dict[str, str]:
        """Sheet name -> worksheet part name, in workbook order (of `root` when given)."""
        wb_part = self.workbook_part()
        targets = {r.id: self.resolve(wb_part, r.target) for r in self.rels(wb_part)}
        if root is None:
            root = etree.fromstring(self.parts[wb_part])
        out = {}
        for el in root.iter(_q("sheet")):
            rid = el.get(_q("id", R_NS))
            if rid in targets:
                out[el.get("name", "")] = targets[rid]
        return out


def _xml_bytes(root: etree._Element) -> bytes:
    """A part's XML with the declaration Excel writes."""
    return XML_DECLARATION + etree.tostring(root, encoding="unicode").encode("utf-8")


def _attr(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    # A parser turns a literal line break in an attribute into a space.
    return text.replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")


def _text(text: str) -> str:
    """Cell text made safe for XML, with control characters in Excel's _xHHHH_ form."""
    if len(text) > MAX_TEXT:
        text = text[:MAX_TEXT]
    if "_x" not in text and _ILLEGAL_XML.search(text) is None:
        return text
    text = _ESCAPED_LOOKALIKE.sub(r"_x005F_\1", text)
    return _ILLEGAL_XML.sub(lambda m: f"_x{ord(m.group()):04X}_", text)


class ContentTypes:
    """[Content_Types].xml, edited in place."""

    def __init__(self, data: bytes) -> None:
        self.root = etree.fromstring(data)

    def set_override(self, part: str, content_type: str) -> None:
        self.remove_override(part)
        el = etree.SubElement(self.root, _q("Override", CT_NS))
        el.set("PartName", "/" + part)
        el.set("ContentType", content_type)

    def remove_override(self, part: str) -> None:
        for el in list(self.root.iter(_q("Override", CT_NS))):
            if el.get("PartName", "").lstrip("/") == part:
                self.root.remove(el)

    def to_bytes(self) -> bytes:
        return _xml_bytes(self.root)


# ---------------------------------------------------------------------------------------------
# Styles appended to xl/styles.xml

_STYLE_ORDER = ["numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles", "dxfs", "tableStyles", "colors", "extLst"]
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
# style -> (bold, italic, size, font colour)
_FONTS = {
    "header": (True, False, None, None),
    "title": (True, False, 14, None),
    "subtitle": (True, False, 12, "FF44546A"),
    "bold": (True, False, None, None),
    "note": (False, True, None, "FF7F7F7F"),
    "red": (False, False, None, "FF9C0006"),
    "amber": (False, False, None, "FF9C5700"),
    "green": (False, False, None, "FF006100"),
}
_FILLS = {"header": "FFDDEBF7", "red": "FFFFC7CE", "amber": "FFFFEB9C", "green": "FFC6EFCE"}
_NUMFMTS: dict[str, int | str] = {"int": 1, "number": 4, "percent": 9, "date": DATE_FORMAT, "datetime": DATETIME_FORMAT}
_BUILTIN_DATE_IDS = set(range(14, 23)) | set(range(27, 37)) | {45, 46, 47} | set(range(50, 59))


def _key(el: etree._Element) -> tuple:
    """A comparable form of an element: tag, attributes, children (prefixes ignored)."""
    return (
        etree.QName(el).localname,
        tuple(sorted((etree.QName(k).localname, v) for k, v in el.attrib.items())),
        tuple(_key(c) for c in el if isinstance(c.tag, str)),
    )


class Styles:
    """xl/styles.xml with the tool's styles appended (found again on later writes)."""

    def __init__(self, data: bytes | None) -> None:
        if data is None:
            data = (
                f'<styleSheet xmlns="{MAIN_NS}"><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
                '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
                '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
                '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
                '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs></styleSheet>'
            ).encode()
        self.original = data
        self.root = etree.fromstring(data)
        self.changed = False
        self._xf: dict[str, int] = {}
        self._dxf: dict[str, int] = {}
        self._variant: dict[tuple[int, str], int] = {}

    def _section(self, tag: str) -> etree._Element:
        found = self.root.find(_q(tag))
        if found is not None:
            return found
        el = etree.Element(_q(tag))
        later = _STYLE_ORDER[_STYLE_ORDER.index(tag) + 1 :]
        for i, child in enumerate(self.root):
            if isinstance(child.tag, str) and etree.QName(child).localname in later:
                self.root.insert(i, el)
                break
        else:
            self.root.append(el)
        self.changed = True
        return el

    def _find_or_append(self, tag: str, el: etree._Element) -> int:
        section = self._section(tag)
        want = _key(el)
        children = [c for c in section if isinstance(c.tag, str)]
        for i, child in enumerate(children):
            if _key(child) == want:
                return i
        section.append(el)
        section.set("count", str(len(children) + 1))
        self.changed = True
        return len(children)

    def numfmt(self, spec: int | str) -> int:
        if isinstance(spec, int):
            return spec
        section = self._section("numFmts")
        ids = [0]
        for el in section.iter(_q("numFmt")):
            if el.get("formatCode") == spec:
                return int(el.get("numFmtId", "0"))
            ids.append(int(el.get("numFmtId", "0")))
        new_id = max(163, *ids) + 1
        etree.SubElement(section, _q("numFmt"), numFmtId=str(new_id), formatCode=spec)
        section.set("count", str(len(section)))
        self.changed = True
        return new_id

    def _font(self, bold: bool, italic: bool, size: float | None, color: str | None) -> int:
        fonts = [f for f in self._section("fonts") if isinstance(f.tag, str)]
        base = fonts[0] if fonts else etree.Element(_q("font"))
        font = etree.Element(_q("font"))
        if bold:
            etree.SubElement(font, _q("b"))
        if italic:
            etree.SubElement(font, _q("i"))
        base_size = base.find(_q("sz"))
        sz = str(size) if size is not None else (base_size.get("val") if base_size is not None else "11")
        etree.SubElement(font, _q("sz"), val=sz.removesuffix(".0"))
        if color:
            etree.SubElement(font, _q("color"), rgb=color)
        elif base.find(_q("color")) is not None:
            font.append(copy.deepcopy(base.find(_q("color"))))
        for child in base:
            if isinstance(child.tag, str) and etree.QName(child).localname in ("name", "family", "charset", "scheme"):
                font.append(copy.deepcopy(child))
        return self._find_or_append("fonts", font)

    def _fill(self, rgb: str) -> int:
        fill = etree.Element(_q("fill"))
        pattern = etree.SubElement(fill, _q("patternFill"), patternType="solid")
        etree.SubElement(pattern, _q("fgColor"), rgb=rgb)
        etree.SubElement(pattern, _q("bgColor"), indexed="64")
        return self._find_or_append("fills", fill)

    def _thin_border(self) -> int:
        border = etree.Element(_q("border"))
        for side in ("left", "right", "top", "bottom"):
            etree.SubElement(etree.SubElement(border, _q(side), style="thin"), _q("color"), rgb="FFBFBFBF")
        etree.SubElement(border, _q("diagonal"))
        return self._find_or_append("borders", border)

    def _append_xf(self, attrs: dict[str, str], children: Iterable[etree._Element] = ()) -> int:
        xf = etree.Element(_q("xf"), **attrs)
        for child in children:
            xf.append(copy.deepcopy(child))
        return self._find_or_append("cellXfs", xf)

    def xf(self, style: str | None) -> int | None:
        """The cellXfs index of a named style; None for no style."""
        if style is None:
            return None
        if style in self._xf:
            return self._xf[style]
        attrs = {"numFmtId": "0", "fontId": "0", "fillId": "0", "borderId": "0", "xfId": "0"}
        if style in _NUMFMTS:
            attrs["numFmtId"] = str(self.numfmt(_NUMFMTS[style]))
            attrs["applyNumberFormat"] = "1"
        if style in _FONTS:
            attrs["fontId"] = str(self._font(*_FONTS[style]))
            attrs["applyFont"] = "1"
        if style in _FILLS:
            attrs["fillId"] = str(self._fill(_FILLS[style]))
            attrs["applyFill"] = "1"
        if style == "header":
            attrs["borderId"] = str(self._thin_border())
            attrs["applyBorder"] = "1"
        index = self._append_xf(attrs)
        self._xf[style] = index
        return index

    def dxf(self, style: str) -> int:
        """The dxfs index of a highlight (red, amber, green) for conditional formats."""
        if style not in self._dxf:
            dxf = etree.Element(_q("dxf"))
            etree.SubElement(etree.SubElement(dxf, _q("font")), _q("color"), rgb=_FONTS[style][3] or "FF000000")
            pattern = etree.SubElement(etree.SubElement(dxf, _q("fill")), _q("patternFill"))
            etree.SubElement(pattern, _q("bgColor"), rgb=_FILLS[style])
            self._dxf[style] = self._find_or_append("dxfs", dxf)
        return self._dxf[style]

    def is_date(self, xf_index: int | None) -> bool:
        if not xf_index:
            return False
        xfs = [x for x in self._section("cellXfs") if isinstance(x.tag, str)]
        if xf_index >= len(xfs):
            return False
        num = int(xfs[xf_index].get("numFmtId", "0"))
        if num in _BUILTIN_DATE_IDS:
            return True
        for el in self.root.iter(_q("numFmt")):
            if el.get("numFmtId") == str(num):
                code = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", el.get("formatCode", "")).lower()
                return bool(re.search(r"[dmyhs]", code))
        return False

    def as_date(self, xf_index: int | None, kind: str) -> int:
        """`xf_index` itself when it shows dates, else the same style with the tool's date format."""
        if self.is_date(xf_index):
            return xf_index  # type: ignore[return-value]
        if not xf_index:
            return self.xf(kind)  # type: ignore[return-value]
        cache_key = (xf_index, kind)
        if cache_key not in self._variant:
            xfs = [x for x in self._section("cellXfs") if isinstance(x.tag, str)]
            base = xfs[xf_index]
            attrs = dict(base.attrib)
            attrs["numFmtId"] = str(self.numfmt(_NUMFMTS[kind]))
            attrs["applyNumberFormat"] = "1"
            self._variant[cache_key] = self._append_xf(attrs, [c for c in base if isinstance(c.tag, str)])
        return self._variant[cache_key]

    def to_bytes(self) -> bytes:
        if not self.changed:
            return self.original
        return _xml_bytes(self.root)


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
        return f'<c r="{ref}"{s}><v>{_serial_text(value, date1904)}</v></c>'  # type: ignore[arg-type]
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


@dataclass
class Plan:
    """What a write did, for the guard: what may go, what may change, which cells were edited."""

    may_remove: set[str] = field(default_factory=set)  # parts of replaced tool sheets
    removed: set[str] = field(default_factory=set)  # every part taken out (guarded by may_remove)
    replaced: set[str] = field(default_factory=set)  # worksheet parts written fresh
    edited: dict[str, set[tuple[int, int]]] = field(default_factory=dict)  # part -> (row, col) written
    tables_changed: set[str] = field(default_factory=set)
    dropped_calc_chain: bool = False
    sheet_names: dict[str, str] = field(default_factory=dict)  # part -> sheet name
    grown: dict[str, dict[str, str]] = field(default_factory=dict)  # part -> {new sqref: old sqref}


_Columns = tuple[dict[str, int], int, "tuple[int, int, int, int] | None", "tuple[str, etree._Element] | None"]


class _Builder:
    """Applies Changes to a copy of the package."""

    def __init__(self, before: Package) -> None:
        self.before = before
        self.pkg = before.copy()
        self.plan = Plan()
        self.wb_part = self.pkg.workbook_part()
        self.wb_root = etree.fromstring(self.pkg.parts[self.wb_part])
        if etree.QName(self.wb_root).namespace != MAIN_NS:
            raise WriteRefused(
                "Skrivningen avbröts: arbetsboken är sparad som Strict Open XML, som uppf-xl inte kan skriva. "
                f"Spara den som vanlig Excel-arbetsbok (.xlsx eller .xlsm) och försök igen. {UNCHANGED}"
            )
        self.wb_changed = False
        self.ct = ContentTypes(self.pkg.parts["[Content_Types].xml"])
        styles_part = self._styles_part()
        self.styles_part = styles_part or "xl/styles.xml"
        self.styles = Styles(self.pkg.parts.get(self.styles_part))
        pr = self.wb_root.find(_q("workbookPr"))
        self.date1904 = pr is not None and pr.get("date1904") in ("1", "true")
        self.formulas_touched = False
        self.trees: dict[str, etree._Element] = {}  # edited user sheets, serialized at the end
        self.plan.sheet_names = {v: k for k, v in self.pkg.sheet_parts(self.wb_root).items()}
        self._incoming = self._reverse_rels()

    def _styles_part(self) -> str | None:
        for rel in self.pkg.rels(self.wb_part):
            if rel.type == _OD + "styles":
                return self.pkg.resolve(self.wb_part, rel.target)
        return None

    def _reverse_rels(self) -> dict[str, set[str]]:
        incoming: dict[str, set[str]] = {}
        for rels_name in self.pkg.rels_parts():
            source = Package.source_of(rels_name)
            for rel in self.pkg.rels(source):
                if not rel.external:
                    incoming.setdefault(self.pkg.resolve(source, rel.target), set()).add(source)
        return incoming

    # -- names -----------------------------------------------------------------------------
    def _free_part(self, pattern: str) -> str:
        """The lowest free name; names of parts this write dropped may be used again."""
        n = 1
        while pattern.format(n) in self.pkg.parts or (
            pattern.format(n) in self.before.parts and pattern.format(n) not in self.plan.may_remove
        ):
            n += 1
        return pattern.format(n)

    def _tables(self) -> list[tuple[str, etree._Element]]:
        out = []
        for name, data in self.pkg.parts.items():
            if name.startswith("xl/tables/") and name.endswith(".xml"):
                out.append((name, etree.fromstring(data)))
        return out

    def _defined_names(self) -> set[str]:
        return {el.get("name", "").lower() for el in self.wb_root.iter(_q("definedName"))}

    # -- removal ---------------------------------------------------------------------------
    def _remove(self, part: str, allowed: bool) -> None:
        if part in self.plan.removed or part not in self.pkg.parts:
            return
        self.plan.removed.add(part)
        if allowed:
            self.plan.may_remove.add(part)
        for rel in self.pkg.rels(part):
            if rel.external:
                continue
            target = self.pkg.resolve(part, rel.target)
            others = self._incoming.get(target, set()) - self.plan.removed
            if not others:
                self._remove(target, allowed and rel.type in DROPPABLE)
        self.pkg.parts.pop(part, None)
        self.pkg.parts.pop(Package.rels_name(part), None)
        self.ct.remove_override(part)

    # -- whole sheets ----------------------------------------------------------------------
    def write_sheet(self, content: SheetContent) -> None:
        if content.name not in TOOL_SHEETS:
            raise WriteRefused(
                f"Skrivningen avbröts: bladet {content.name} ägs av användaren och skrivs aldrig om av uppf-xl. {UNCHANGED}"
            )
        part = self._worksheet(content.name)
        carried: list[Rel] = []
        tab_selected = False
        code_name = None
        kept = _UserRules()
        shapes = _UserShapes()
        layout: _UserLayout | None = None
        if part is not None:
            old = self.pkg.parts.get(part, b"")
            code_name = _code_name(old)
            kept = _user_rules(old)
            if content.name == LAYOUT_SHEET and content.tables:
                spec = SHEETS.get(content.name)
                block = content.tables[0]
                plain = {str(self.styles.xf(k)) for k in ("date", "datetime")} | {"0"}
                user = {
                    h: plain | {str(self.styles.xf(block.styles.get(h)))}
                    for h in block.header
                    if spec is None or h not in spec.tool_columns
                }
                layout = _user_layout(old, self._shared_strings(), user)
                layout.filters = self._old_filters(part)
            if _has_formulas(old):
                self.formulas_touched = True
            tab_selected = b'tabSelected="1"' in old
            for rel in self.pkg.rels(part):
                if rel.type == RT_DRAWING and not rel.external:
                    shapes = self._keep_user_shapes(self.pkg.resolve(part, rel.target), shapes)
                elif rel.type in DROPPABLE:
                    if not rel.external:
                        target = self.pkg.resolve(part, rel.target)
                        if not (self._incoming.get(target, set()) - {part} - self.plan.removed):
                            self._remove(target, True)
                else:
                    carried.append(rel)
            self.pkg.parts.pop(Package.rels_name(part), None)
        else:
            part = self._add_sheet(content.name)
        self.plan.replaced.add(part)
        self.plan.sheet_names[part] = content.name
        used_ids = {r.id for r in carried}
        rels = list(carried)

        def new_rel(rel_type: str, target_part: str) -> str:
            n = 1
            while f"rId{n}" in used_ids:
                n += 1
            used_ids.add(f"rId{n}")
            rels.append(Rel(f"rId{n}", rel_type, Package.relative(part, target_part)))
            return f"rId{n}"

        blocks = {t.name: t for t in content.tables if t.name}
        filters = layout.filters if layout is not None else ""
        table_rids = [new_rel(RT_TABLE, self._write_table(t, filters if i == 0 else "")) for i, t in enumerate(content.tables) if t.name]
        drawing_rid = None
        if content.charts or shapes.anchors:
            drawing_rid = new_rel(RT_DRAWING, self._write_drawing(content, blocks, shapes))
        legacy_rid = next((r.id for r in carried if r.type == RT_VML), None)
        xml = self._render(content, tab_selected, drawing_rid, legacy_rid, table_rids, code_name, kept, layout)
        self.pkg.parts[part] = xml
        self.pkg.set_rels(part, rels)

    def _resize_table(self, tpart: str, troot: etree._Element, new_ref: str) -> None:
        """Give a table (and its filter) a new range."""
        troot.set("ref", new_ref)
        auto = troot.find(_q("autoFilter"))
        if auto is not None:
            auto.set("ref", new_ref)
        self.pkg.parts[tpart] = _xml_bytes(troot)
        self.plan.tables_changed.add(tpart)

    def _add_sheet(self, name: str) -> str:
        part = self._free_part("xl/worksheets/sheet{}.xml")
        wb_rels = self.pkg.rels(self.wb_part)
        ids = {r.id for r in wb_rels}
        n = len(ids) + 1
        while f"rId{n}" in ids:
            n += 1
        rid = f"rId{n}"
        wb_rels.append(Rel(rid, RT_WORKSHEET, Package.relative(self.wb_part, part)))
        self.pkg.set_rels(self.wb_part, wb_rels)
        self.ct.set_override(part, CT_WORKSHEET)
        sheets = self.wb_root.find(_q("sheets"))
        existing = list(sheets.iter(_q("sheet")))
        sheet_id = max([int(s.get("sheetId", "0")) for s in existing] + [0]) + 1
        el = etree.Element(_q("sheet"), nsmap={"r": R_NS})
        el.set("name", name)
        el.set("sheetId", str(sheet_id))
        el.set(_q("id", R_NS), rid)
        if name in HIDDEN_SHEETS:
            el.set("state", "hidden")
        # Place it by the contract's order, before the first existing sheet that comes after it.
        order = [s.name for s in ALL_SHEETS]
        position = len(existing)
        if name in order:
            later = set(order[order.index(name) + 1 :])
            for i, s in enumerate(existing):
                if s.get("name") in later:
                    position = i
                    break
        sheets.insert(position, el)
        self._shift_sheet_indices(position)
        self.wb_changed = True
        return part

    def _shift_sheet_indices(self, position: int) -> None:
        """Sheet-local names and the active tab count sheets by position: move them along."""
        for dn in self.wb_root.iter(_q("definedName")):
            local = dn.get("localSheetId")
            if local is not None and int(local) >= position:
                dn.set("localSheetId", str(int(local) + 1))
        for view in self.wb_root.iter(_q("workbookView")):
            for attr in ("activeTab", "firstSheet"):
                value = view.get(attr)
                if value is not None and int(value) >= position and not (attr == "firstSheet" and int(value) == 0):
                    view.set(attr, str(int(value) + 1))

    def _old_filters(self, part: str) -> str:
        """The inside of the autoFilter of a sheet's old table (the user's filter and sort)."""
        for rel in self.pkg.rels(part):
            if rel.type == RT_TABLE and not rel.external:
                data = self.pkg.parts.get(self.pkg.resolve(part, rel.target))
                if not data:
                    continue
                try:
                    auto = etree.fromstring(data).find(_q("autoFilter"))
                except etree.XMLSyntaxError:
                    return ""
                if auto is not None:
                    return "".join(_fragment(child) for child in auto if isinstance(child.tag, str))
        return ""

    def _write_table(self, block: TableBlock, filters: str = "") -> str:
        part = self._free_part("xl/tables/table{}.xml")
        tables = self._tables()
        table_id = max([int(t.get("id", "0")) for _, t in tables] + [0]) + 1
        taken = {t.get("name", "").lower() for _, t in tables} | {t.get("displayName", "").lower() for _, t in tables}
        taken |= self._defined_names()
        name, n = _table_name(block.name or "Tabell"), 2
        base = name
        while name.lower() in taken:
            name, n = f"{base}_{n}", n + 1
        headers = _unique_headers(block.header)
        ref = f"{_ref(block.col, block.row)}:{_ref(block.last_col, block.last_row)}"
        out = [
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n',
            f'<table xmlns="{MAIN_NS}" id="{table_id}" name="{_attr(name)}" displayName="{_attr(name)}" ref="{ref}" totalsRowShown="0">',
        ]
        if block.autofilter:
            out.append(f'<autoFilter ref="{ref}">{filters}</autoFilter>' if filters else f'<autoFilter ref="{ref}"/>')
        out.append(f'<tableColumns count="{len(headers)}">')
        out += [f'<tableColumn id="{i + 1}" name="{_attr(_text(h))}"/>' for i, h in enumerate(headers)]
        out.append("</tableColumns>")
        out.append('<tableStyleInfo name="TableStyleMedium2" showFirstColumn="0" showLastColumn="0" showRowStripes="1" showColumnStripes="0"/>')
        out.append("</table>")
        self.pkg.parts[part] = "".join(out).encode("utf-8")
        self.ct.set_override(part, CT_TABLE)
        return part

    def _keep_user_shapes(self, drawing: str, shapes: _UserShapes) -> _UserShapes:
        """Take a tool sheet's old drawing apart: the tool's charts go, the user's pictures and shapes stay.

        The tool's chart frames are named "uppf-xl: ..."; everything else in the drawing (a logo,
        a text box, the user's own chart) is carried into the new drawing with its relationships.
        """
        data = self.pkg.parts.get(drawing)
        if data is None:
            return shapes
        root = etree.fromstring(data)
        rels = {r.id: r for r in self.pkg.rels(drawing)}
        used: set[str] = set()
        for anchor in root:
            if not isinstance(anchor.tag, str):
                continue
            names = [el.get("name", "") for el in anchor.iter(_q("cNvPr", XDR_NS))]
            if names and all(n.startswith(TOOL_SHAPE_PREFIX) for n in names):
                continue
            shapes.anchors.append(etree.tostring(anchor, encoding="unicode"))
            ids = [int(i) for el in anchor.iter(_q("cNvPr", XDR_NS)) if (i := el.get("id", "")).isdigit()]
            shapes.max_id = max([shapes.max_id, *ids])
            for el in anchor.iter():
                used |= {v for k, v in el.attrib.items() if k.startswith("{" + R_NS + "}")}
        for rel_id, rel in rels.items():
            if rel_id in used:
                shapes.rels.append(Rel(rel.id, rel.type, rel.target if rel.external else self.pkg.resolve(drawing, rel.target), rel.external))
            elif not rel.external:
                target = self.pkg.resolve(drawing, rel.target)
                if not (self._incoming.get(target, set()) - {drawing} - self.plan.removed):
                    self._remove(target, rel.type in DROPPABLE)
        # The old drawing part goes; what it held of the user's is in the new one.
        self.plan.removed.add(drawing)
        self.plan.may_remove.add(drawing)
        self.pkg.parts.pop(drawing, None)
        self.pkg.parts.pop(Package.rels_name(drawing), None)
        self.ct.remove_override(drawing)
        return shapes

    def _write_drawing(self, content: SheetContent, blocks: dict[str, TableBlock], shapes: _UserShapes) -> str:
        drawing = self._free_part("xl/drawings/drawing{}.xml")
        self.ct.set_override(drawing, CT_DRAWING)
        # The user's relationships keep their ids (their anchors name them); targets are re-pointed.
        rels: list[Rel] = [
            Rel(r.id, r.type, r.target if r.external else Package.relative(drawing, r.target), r.external) for r in shapes.rels
        ]
        taken = {r.id for r in rels}
        anchors = list(shapes.anchors)
        # Shape ids must be unique within the drawing: the tool's frames number after the user's.
        first_id = shapes.max_id + 1
        for i, spec in enumerate(content.charts, start=1):
            block = blocks.get(spec.table)
            if block is None:
                raise ValueError(f"chart {spec.title!r} names table {spec.table!r}, which is not on sheet {content.name}")
            chart = self._free_part("xl/charts/chart{}.xml")
            self.pkg.parts[chart] = _chart_xml(spec, content.name, block)
            self.ct.set_override(chart, CT_CHART)
            n = i
            while f"rId{n}" in taken:
                n += 1
            rid = f"rId{n}"
            taken.add(rid)
            rels.append(Rel(rid, RT_CHART, Package.relative(drawing, chart)))
            col_letters, row = _CELL_REF.fullmatch(spec.anchor.upper()).groups()  # type: ignore[union-attr]
            col = column_index_from_string(col_letters)
            cx, cy = int(spec.width_cm * EMU_PER_CM), int(spec.height_cm * EMU_PER_CM)
            anchors.append(
                f"<xdr:oneCellAnchor><xdr:from><xdr:col>{col - 1}</xdr:col><xdr:colOff>0</xdr:colOff>"
                f"<xdr:row>{int(row) - 1}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from>"
                f'<xdr:ext cx="{cx}" cy="{cy}"/><xdr:graphicFrame macro="">'
                f'<xdr:nvGraphicFramePr><xdr:cNvPr id="{first_id + i - 1}" name="{TOOL_SHAPE_PREFIX} {_attr(_text(spec.title))}" '
                f'descr="{_attr(_text(spec.title))}"/><xdr:cNvGraphicFramePr/></xdr:nvGraphicFramePr>'
                '<xdr:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/></xdr:xfrm>'
                f'<a:graphic><a:graphicData uri="{C_NS}"><c:chart xmlns:c="{C_NS}" r:id="{rid}"/></a:graphicData></a:graphic>'
                "</xdr:graphicFrame><xdr:clientData/></xdr:oneCellAnchor>"
            )
        self.pkg.parts[drawing] = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<xdr:wsDr xmlns:xdr="{XDR_NS}" xmlns:a="{A_NS}" xmlns:r="{R_NS}">' + "".join(anchors) + "</xdr:wsDr>"
        ).encode("utf-8")
        self.pkg.set_rels(drawing, rels)
        return drawing

    def _render(
        self,
        content: SheetContent,
        tab_selected: bool,
        drawing_rid: str | None,
        legacy_rid: str | None,
        table_rids: list[str],
        code_name: str | None = None,
        kept: _UserRules | None = None,
        layout: _UserLayout | None = None,
    ) -> bytes:
        """The worksheet XML, built as text: tens of thousands of cells without a DOM."""
        hidden_rows: set[int] = set()
        xf = self.styles.xf
        # row -> col -> the cell's XML; later entries (single cells) win over table cells.
        grid: dict[int, dict[int, str]] = {}
        typed = {"date": xf("date"), "datetime": xf("datetime")}
        d1904 = self.date1904
        texts: dict[str, str] = {}
        letters: dict[int, str] = {}

        def letter(col: int) -> str:
            found = letters.get(col)
            if found is None:
                found = letters[col] = get_column_letter(col)
            return found

        def put(row: int, col: int, value: Value, style: int | None) -> None:
            if style is None and not isinstance(value, str):
                style = typed.get(_kind(value))
            xml = _cell_xml(letter(col) + str(row), value, style, d1904, texts)
            if xml:
                grid.setdefault(row, {})[col] = xml
            elif row in grid:
                grid[row].pop(col, None)

        for block in content.tables:
            header_style = None if block.name else xf("header")
            headers = _unique_headers(block.header) if block.name else block.header
            for i, h in enumerate(headers):
                put(block.row, block.col + i, h, header_style)
            col_styles = [xf(block.styles.get(h)) for h in block.header]
            n = len(col_styles)
            refs = [letter(block.col + i) for i in range(n)]
            attrs = [f' s="{st}"' if st else "" for st in col_styles]
            date_attr = f' s="{typed["date"]}"'
            # The common types are written inline here: a function call per cell is what costs.
            # A sheet that is one table (Årshjul, Svar) keeps each row as one joined string: the
            # cells of 20,000 rows held one by one would cost several times the sheet's size.
            single = len(content.tables) == 1 and not content.cells
            key_i = block.header.index(LAYOUT_KEY) if layout is not None and LAYOUT_KEY in block.header else None
            row_attrs, row_styles = attrs, col_styles
            for r, values in enumerate(block.rows, start=block.row + 1):
                row = {} if single else grid.setdefault(r, {})
                rt = str(r)
                if key_i is not None and layout is not None:
                    key = values[key_i] if key_i < len(values) else None
                    if key in layout.hidden:
                        hidden_rows.add(r)
                    own = layout.styles.get(key) if isinstance(key, str) else None
                    if own:
                        row_attrs, row_styles = list(attrs), list(col_styles)
                        for i, h in enumerate(block.header[:n]):
                            if h in own:
                                row_attrs[i], row_styles[i] = f' s="{own[h]}"', int(own[h])
                    else:
                        row_attrs, row_styles = attrs, col_styles
                for i, value in enumerate(values[:n]):
                    kind = type(value)
                    if kind is str:
                        inner = texts.get(value)  # type: ignore[arg-type]
                        if inner is None:
                            row[block.col + i] = _cell_xml(refs[i] + rt, value, row_styles[i], d1904, texts)
                        else:
                            row[block.col + i] = f'<c r="{refs[i]}{rt}"{row_attrs[i]} t="inlineStr">{inner}</c>'
                    elif value is None:
                        if row_attrs[i]:
                            row[block.col + i] = f'<c r="{refs[i]}{rt}"{row_attrs[i]}/>'
                    elif kind is dt.date:
                        serial = _serial_text(value, d1904)  # type: ignore[arg-type]
                        row[block.col + i] = f'<c r="{refs[i]}{rt}"{row_attrs[i] or date_attr}><v>{serial}</v></c>'
                    elif kind is int:
                        row[block.col + i] = f'<c r="{refs[i]}{rt}"{row_attrs[i]}><v>{value}</v></c>'
                    else:
                        style = row_styles[i]
                        if style is None:
                            style = typed.get(_kind(value))
                        xml = _cell_xml(refs[i] + rt, value, style, d1904, texts)
                        if xml:
                            row[block.col + i] = xml
                if single and row:
                    grid[r] = {block.col: "".join([row[c] for c in sorted(row)])}
        for cell in content.cells:
            put(cell.row, cell.col, cell.value, xf(cell.style))

        max_row = max((r for r, cols in grid.items() if cols), default=1)
        max_col = max((max(cols) for cols in grid.values() if cols), default=1)
        out = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n', f'<worksheet xmlns="{MAIN_NS}" xmlns:r="{R_NS}">']
        # codeName ties the sheet to its module in the VBA project; it must survive the rewrite.
        code = f' codeName="{_attr(code_name)}"' if code_name else ""
        tab = f'<tabColor rgb="FF{content.tab_color.lstrip("#").upper()[-6:]}"/>' if content.tab_color else ""
        fit = '<pageSetUpPr fitToPage="1"/>' if content.fit_to_width else ""
        if tab or fit:
            out.append(f"<sheetPr{code}>{tab}{fit}</sheetPr>")
        elif code:
            out.append(f"<sheetPr{code}/>")
        out.append(f'<dimension ref="A1:{_ref(max_col, max_row)}"/>')
        selected = ' tabSelected="1"' if tab_selected else ""
        out.append(f'<sheetViews><sheetView workbookViewId="0"{selected}>{_pane(content.freeze)}</sheetView></sheetViews>')
        out.append('<sheetFormatPr defaultRowHeight="15"/>')
        if layout is not None and layout.cols:
            out.append(layout.cols)
        elif content.widths:
            out.append("<cols>")
            for col, width in sorted(content.widths.items()):
                out.append(f'<col min="{col}" max="{col}" width="{width:g}" customWidth="1"/>')
            out.append("</cols>")
        out.append("<sheetData>")
        for r in sorted(grid):
            cols_xml = grid[r]
            if not cols_xml:
                continue
            out.append(f'<row r="{r}" hidden="1">' if r in hidden_rows else f'<row r="{r}">')
            out.append("".join([cols_xml[c] for c in sorted(cols_xml)]))
            out.append("</row>")
        out.append("</sheetData>")
        ours = [_conditional_xml(cf, self.styles.dxf(cf.style), i) for i, cf in enumerate(content.conditional, start=1)]
        out += ours
        kept = kept or _UserRules()
        # The user's own rules follow the tool's; the tool's from the last run are not repeated.
        mine = {_rule_key(etree.fromstring(f'<x xmlns="{MAIN_NS}">{xml}</x>')[0]) for xml in ours}
        priority = len(ours)
        for cf in kept.conditional:
            if _rule_key(cf) in mine:
                continue
            for rule in cf.iter(_q("cfRule")):
                priority += 1
                rule.set("priority", str(priority))
            out.append(_fragment(cf))
        if kept.validations is not None:
            out.append(_fragment(kept.validations))
        out.append('<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>')
        if content.landscape or content.fit_to_width:
            orientation = "landscape" if content.landscape else "portrait"
            fit_attrs = ' fitToWidth="1" fitToHeight="0"' if content.fit_to_width else ""
            out.append(f'<pageSetup paperSize="9" orientation="{orientation}"{fit_attrs}/>')
        if drawing_rid:
            out.append(f'<drawing r:id="{drawing_rid}"/>')
        if legacy_rid:
            out.append(f'<legacyDrawing r:id="{legacy_rid}"/>')
        if table_rids:
            out.append(f'<tableParts count="{len(table_rids)}">')
            out += [f'<tablePart r:id="{rid}"/>' for rid in table_rids]
            out.append("</tableParts>")
        if kept.exts:
            out.append("<extLst>" + "".join(_fragment(e) for e in kept.exts) + "</extLst>")
        out.append("</worksheet>")
        return "".join(out).encode("utf-8")

    # -- cells of existing sheets ------------------------------------------------------------
    def _worksheet(self, sheet: str) -> str | None:
        """The worksheet part of a sheet, None when there is no such sheet."""
        part = self.pkg.sheet_parts(self.wb_root).get(sheet)
        if part is None:
            return None
        kinds = {self.pkg.resolve(self.wb_part, r.target): r.type for r in self.pkg.rels(self.wb_part)}
        if kinds.get(part) != RT_WORKSHEET:
            raise WriteRefused(
                f"Skrivningen avbröts: bladet {sheet} är inget vanligt kalkylblad (till exempel ett diagramblad) "
                f"och uppf-xl kan inte skriva i det. Byt namn på det och försök igen. {UNCHANGED}"
            )
        return part

    def _tree(self, sheet: str) -> tuple[str, etree._Element]:
        part = self._worksheet(sheet)
        if part is None:
            raise WriteRefused(f"Skrivningen avbröts: bladet {sheet} saknas i arbetsboken. {UNCHANGED}")
        if part not in self.trees:
            data = self.pkg.parts[part]
            if _has_formulas(data):
                self.formulas_touched = True
            self.trees[part] = etree.fromstring(data)
        self.plan.sheet_names.setdefault(part, sheet)
        return part, self.trees[part]

    def _table_of(self, part: str, wanted: Iterable[str] = ()) -> tuple[str, etree._Element] | None:
        wanted = set(wanted)
        first = None
        for rel in self.pkg.rels(part):
            if rel.type != RT_TABLE or rel.external:
                continue
            tpart = self.pkg.resolve(part, rel.target)
            if tpart not in self.pkg.parts:
                continue
            root = etree.fromstring(self.pkg.parts[tpart])
            names = {(c.get("name") or "").strip() for c in root.iter(_q("tableColumn"))}
            if first is None:
                first = (tpart, root)
            if wanted <= names:
                return tpart, root
        return first

    def _columns(self, part: str, sheet: _SheetCells, wanted: Iterable[str]) -> _Columns:
        """Header -> column, the header row, the table's bounds and the table itself."""
        table = self._table_of(part, wanted)
        columns: dict[str, int] = {}
        if table is not None:
            min_col, min_row, max_col, max_row = range_boundaries(table[1].get("ref"))
            for i, tc in enumerate(table[1].iter(_q("tableColumn"))):
                columns.setdefault((tc.get("name") or "").strip(), min_col + i)
            return columns, min_row, (min_col, min_row, max_col, max_row), table
        sst = self._shared_strings()
        for col, c in sorted(sheet.row_cells(1).items()):
            text = _cell_text(c, sst)
            if text:
                columns.setdefault(text.strip(), col)
        return columns, 1, None, None

    def _shared_strings(self) -> list[str]:
        if not hasattr(self, "_sst"):
            self._sst: list[str] = []
            for rel in self.pkg.rels(self.wb_part):
                if rel.type == _OD + "sharedStrings":
                    data = self.pkg.parts.get(self.pkg.resolve(self.wb_part, rel.target))
                    if data:
                        root = etree.fromstring(data)
                        self._sst = ["".join(si.itertext()) for si in root.iter(_q("si"))]
        return self._sst

    def patch(self, patch: CellPatch) -> None:
        if self._patch_rows(patch):
            return
        part, root = self._tree(patch.sheet)
        cells = _SheetCells(root)
        headers = {h.strip() for _, h in patch.values}
        columns, header_row, bounds, table = self._columns(part, cells, headers)
        edited = self.plan.edited.setdefault(part, set())
        spec = SHEETS.get(patch.sheet)
        for header in sorted(headers - set(columns), key=lambda h: spec.headers.index(h) if spec and spec.has(h) else 0):
            if spec is None or not spec.has(header) or header not in spec.tool_columns or table is None or bounds is None:
                raise WriteRefused(
                    f"Skrivningen avbröts: kolumnen {header} saknas i bladet {patch.sheet}. {UNCHANGED}"
                )
            bounds = self._add_column(patch.sheet, cells, table, bounds, header)
            columns[header] = bounds[2]
            edited.add((header_row, bounds[2]))
        for (row, header), value in patch.values.items():
            col = columns[header.strip()]
            c = cells.cell(row, col)
            _refuse_shared_formula(c, patch.sheet)
            _set_cell(c, value, self.styles, self.date1904)
            edited.add((row, col))
        cells.update_dimension()

    def _patch_rows(self, patch: CellPatch) -> bool:
        """Patch existing cells of existing rows without parsing the whole sheet: only the rows
        written are parsed and serialized again, every other byte of the sheet is kept as it was.

        A sheet of many years (Årshjul) is a hundred megabytes of XML whose tree costs ten times
        that; the cells a status run changes are a few rows of it. Returns False (and changes
        nothing) when the patch needs more than that: a missing column, a missing row, a sheet
        already taken into a tree, or XML this scan does not recognise; the tree path takes over.
        """
        if not patch.values:
            return False
        part = self._worksheet(patch.sheet)
        if part is None or part in self.trees:
            return False
        headers = {h.strip() for _, h in patch.values}
        table = self._table_of(part, headers)
        if table is None:
            return False
        min_col, min_row, max_col, max_row = range_boundaries(table[1].get("ref"))
        columns: dict[str, int] = {}
        for i, tc in enumerate(table[1].iter(_q("tableColumn"))):
            columns.setdefault((tc.get("name") or "").strip(), min_col + i)
        if not headers <= set(columns):
            return False
        wanted: dict[int, list[tuple[int, Value]]] = {}
        for (row, header), value in patch.values.items():
            if not min_row < row <= max_row:
                return False
            wanted.setdefault(row, []).append((columns[header.strip()], value))
        data = self.pkg.parts[part]
        found = _row_segments(data, set(wanted))
        if found is None or set(found) != set(wanted):
            return False
        head = _root_start(data)
        if head is None:
            return False
        edited = self.plan.edited.setdefault(part, set())
        pieces: list[bytes] = []
        at = 0
        for r in sorted(found, key=lambda k: found[k][0]):
            start, end = found[r]
            mini = etree.fromstring(head + b"<sheetData>" + data[start:end] + b"</sheetData></worksheet>")
            cells = _SheetCells(mini)
            for col, value in wanted[r]:
                c = cells.cell(r, col)
                _refuse_shared_formula(c, patch.sheet)
                _set_cell(c, value, self.styles, self.date1904)
                edited.add((r, col))
            text = etree.tostring(mini, encoding="unicode")
            inner = text[text.index("<sheetData>") + len("<sheetData>"): text.rindex("</sheetData>")]
            pieces += [data[at:start], inner.encode("utf-8")]
            at = end
        pieces.append(data[at:])
        if b"<f" in data and _has_formulas(data):
            self.formulas_touched = True
        self.plan.sheet_names.setdefault(part, patch.sheet)
        self.pkg.parts[part] = b"".join(pieces)
        return True

    def _add_column(
        self, sheet: str, cells: _SheetCells, table: tuple[str, etree._Element], bounds: tuple[int, int, int, int], header: str
    ) -> tuple[int, int, int, int]:
        """Add one of the tool's own columns at the right end of a user table (the contract allows it)."""
        min_col, min_row, max_col, max_row = bounds
        col = max_col + 1
        for r in range(min_row, max_row + 1):
            if _has_value(cells.peek(r, col)):
                raise WriteRefused(
                    f"Skrivningen avbröts: kolumnen {header} saknas i bladet {sheet} och kan inte läggas till, "
                    f"eftersom cellen {_ref(col, r)} bredvid tabellen inte är tom. {UNCHANGED}"
                )
        head = cells.cell(min_row, col)
        left = cells.peek(min_row, max_col)
        if left is not None and left.get("s"):
            head.set("s", left.get("s"))
        _set_cell(head, header, self.styles, self.date1904)
        tpart, troot = table
        columns_el = troot.find(_q("tableColumns"))
        ids = [int(tc.get("id", "0")) for tc in columns_el.iter(_q("tableColumn"))]
        etree.SubElement(columns_el, _q("tableColumn"), id=str(max(ids, default=0) + 1), name=header)
        columns_el.set("count", str(len(ids) + 1))
        self._resize_table(tpart, troot, f"{_ref(min_col, min_row)}:{_ref(col, max_row)}")
        return (min_col, min_row, col, max_row)

    def append(self, append: RowAppend) -> None:
        spec = SHEETS.get(append.sheet)
        if spec is not None and spec.tool_owned and append.sheet not in self.pkg.sheet_parts(self.wb_root):
            self.write_sheet(
                SheetContent(
                    spec.name,
                    tables=[TableBlock(spec.table, 1, 1, spec.headers, [])],
                    widths={i + 1: c.width for i, c in enumerate(spec.columns)},
                    freeze="A2",
                )
            )
        part, root = self._tree(append.sheet)
        cells = _SheetCells(root)
        wanted = {k.strip() for row in append.rows for k in row}
        columns, header_row, bounds, table = self._columns(part, cells, wanted)
        if spec is not None and table is not None and bounds is not None:
            for header in [h for h in spec.tool_columns if h in wanted and h not in columns]:
                bounds = self._add_column(append.sheet, cells, table, bounds, header)
                columns[header] = bounds[2]
                self.plan.edited.setdefault(part, set()).add((header_row, bounds[2]))
        if bounds is not None:
            min_col, _, max_col, end_row = bounds
        else:
            min_col, max_col, end_row = min(columns.values(), default=1), max(columns.values(), default=1), cells.max_row()
        span = range(min_col, max_col + 1)
        last = header_row
        for r in range(end_row, header_row, -1):
            if any(_has_value(cells.peek(r, c)) for c in span):
                last = r
                break
        for r in range(last + 1, last + 1 + len(append.rows)):
            if r > end_row and any(_has_value(cells.peek(r, c)) for c in span):
                raise WriteRefused(
                    f"Skrivningen avbröts: rad {r} under tabellen i bladet {append.sheet} innehåller redan data "
                    f"och skulle skrivas över. {UNCHANGED}"
                )
        edited = self.plan.edited.setdefault(part, set())
        above = {c: cells.peek(last, c) for c in span} if last > header_row else {}
        for offset, values in enumerate(append.rows, start=1):
            r = last + offset
            by_header = {k.strip(): v for k, v in values.items()}
            for header, col in columns.items():
                value = by_header.get(header)
                c = cells.cell(r, col)
                source = above.get(col)
                if source is not None and source.get("s") and not c.get("s"):
                    c.set("s", source.get("s"))
                _refuse_shared_formula(c, append.sheet)
                _set_cell(c, value, self.styles, self.date1904)
                edited.add((r, col))
        new_end = max(end_row, last + len(append.rows))
        if table is not None and new_end != end_row:
            tpart, troot = table
            self._resize_table(tpart, troot, f"{_ref(min_col, header_row)}:{_ref(max_col, new_end)}")
        cells.update_dimension()

    # -- tables that follow the data ---------------------------------------------------------
    def grow_tables(self) -> None:
        """Grow each user table over the rows typed directly below it (openpyxl and LibreOffice
        never grow a table), carrying its data validations, conditional formats and cell formats."""
        for sheet, part in self.pkg.sheet_parts(self.wb_root).items():
            spec = SHEETS.get(sheet)
            if spec is None or not spec.input or sheet in TOOL_SHEETS or part not in self.pkg.parts:
                continue
            table = self._table_of(part)
            if table is None:
                continue
            tpart, troot = table
            try:
                min_col, min_row, max_col, max_row = range_boundaries(troot.get("ref", ""))
            except (TypeError, ValueError):
                continue
            if None in (min_col, min_row, max_col, max_row) or not self._rows_below(part, max_row, min_col, max_col):
                continue
            span = range(min_col, max_col + 1)
            # Look before taking the sheet into the write: an untouched sheet must stay byte-identical.
            # The reader takes every row down to the last one with a value as the table's (an
            # empty row between is skipped with a warning), so the table grows as far.
            probe = _SheetCells(self.trees[part] if part in self.trees else etree.fromstring(self.pkg.parts[part]))
            end = max((r for r in probe.rows if r > max_row and any(_has_value(probe.peek(r, c)) for c in span)),
                      default=max_row)
            if end == max_row:
                continue
            part, root = self._tree(sheet)
            cells = _SheetCells(root)
            self._resize_table(tpart, troot, f"{_ref(min_col, min_row)}:{_ref(max_col, end)}")
            edited = self.plan.edited.setdefault(part, set())
            for c in span:
                source = cells.peek(max_row, c) if max_row > min_row else None
                style = source.get("s") if source is not None else None
                if not style or style == "0":
                    continue
                for r in range(max_row + 1, end + 1):
                    cell = cells.peek(r, c)
                    if cell is None or not cell.get("s") or cell.get("s") == "0":
                        cell = cells.cell(r, c)
                        cell.set("s", style)
                        edited.add((r, c))
            self._grow_ranges(part, root, (min_col, max_col), max_row, end)
            cells.update_dimension()

    def _rows_below(self, part: str, max_row: int, min_col: int, max_col: int) -> bool:
        """Whether any row past the table's end has a cell in its columns (a cheap scan, no tree)."""
        data = self.pkg.parts[part]
        for m in re.finditer(rb'<(?:\w+:)?c r="([A-Z]+)(\d+)"', data):
            if int(m.group(2)) > max_row and min_col <= column_index_from_string(m.group(1).decode()) <= max_col:
                return True
        return False

    def _grow_ranges(self, part: str, root: etree._Element, cols: tuple[int, int], old_end: int, new_end: int) -> None:
        """Ranges of validations and conditional formats that ended with the table end with it again."""
        grown = self.plan.grown.setdefault(part, {})
        for el in [*root.iter(_q("dataValidation")), *root.iter(_q("conditionalFormatting"))]:
            old = el.get("sqref")
            if not old:
                continue
            parts = []
            for ref in old.split():
                try:
                    c1, r1, c2, r2 = range_boundaries(ref)
                except (TypeError, ValueError):
                    parts.append(ref)
                    continue
                if r2 == old_end and c1 is not None and c2 is not None and c1 <= cols[1] and c2 >= cols[0]:
                    ref = f"{_ref(c1, r1 or 1)}:{_ref(c2, new_end)}"
                parts.append(ref)
            new = " ".join(parts)
            if new != old:
                el.set("sqref", new)
                grown[new] = old

    # -- finishing ---------------------------------------------------------------------------
    def finish(self) -> tuple[Package, Plan]:
        for part, root in self.trees.items():
            self.pkg.parts[part] = _xml_bytes(root)
        if self.formulas_touched:
            self._drop_calc_chain()
        if self.styles.changed:
            self.pkg.parts[self.styles_part] = self.styles.to_bytes()
        if self.wb_changed:
            self.pkg.parts[self.wb_part] = _xml_bytes(self.wb_root)
        self.pkg.parts["[Content_Types].xml"] = self.ct.to_bytes()
        return self.pkg, self.plan

    def _drop_calc_chain(self) -> None:
        """Excel rebuilds calcChain.xml; a stale one pointing at cells without formulas is an error."""
        rels = self.pkg.rels(self.wb_part)
        keep = []
        for rel in rels:
            if rel.type == RT_CALC_CHAIN:
                target = self.pkg.resolve(self.wb_part, rel.target)
                self.pkg.parts.pop(target, None)
                self.ct.remove_override(target)
                self.plan.removed.add(target)
                self.plan.may_remove.add(target)
                self.plan.dropped_calc_chain = True
            else:
                keep.append(rel)
        if len(keep) != len(rels):
            self.pkg.set_rels(self.wb_part, keep)


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
    return v.text


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


def _guard_rows_by_text(old: bytes, new: bytes, edited: set[tuple[int, int]], sheet: str) -> bool:
    """The edited-sheet guard without trees: True when everything but the written rows is
    byte-identical (the dimension aside) and the written rows differ only in written cells.

    False means "not shown this way" (not "refused"): the full comparison then decides and
    names the cell.
    """
    old_rows, new_rows = _row_segments(old), _row_segments(new)
    if old_rows is None or new_rows is None or set(old_rows) != set(new_rows):
        return False
    edited_rows = {r for r, _ in edited}
    if not edited_rows <= set(old_rows):
        return False
    order = sorted(old_rows)
    if order != sorted(old_rows, key=lambda r: old_rows[r][0]) or order != sorted(new_rows, key=lambda r: new_rows[r][0]):
        return False

    def between(data: bytes, rows: dict[int, tuple[int, int]]) -> list[bytes]:
        spans = [rows[r] for r in order]
        gaps = [data[: spans[0][0]]] if spans else [data]
        gaps += [data[a[1]: b[0]] for a, b in zip(spans, spans[1:])]
        if spans:
            gaps.append(data[spans[-1][1]:])
        return gaps

    dim = re.compile(rb"<dimension\b[^>]*/>")
    old_gaps, new_gaps = between(old, old_rows), between(new, new_rows)
    if [dim.sub(b"", g) for g in old_gaps] != [dim.sub(b"", g) for g in new_gaps]:
        return False
    ignore = {_ref(c, r) for r, c in edited}
    head_old, head_new = _root_start(old), _root_start(new)
    if head_old is None or head_new is None:
        return False
    for r in order:
        a, b = old[slice(*old_rows[r])], new[slice(*new_rows[r])]
        if a == b:
            continue
        if r not in edited_rows:
            return False
        try:
            old_row = etree.fromstring(head_old + b"<sheetData>" + a + b"</sheetData></worksheet>")[0][0]
            new_row = etree.fromstring(head_new + b"<sheetData>" + b + b"</sheetData></worksheet>")[0][0]
        except (etree.XMLSyntaxError, IndexError):
            return False
        if {k: v for k, v in old_row.attrib.items() if k != "spans"} != {k: v for k, v in new_row.attrib.items() if k != "spans"}:
            return False
        after = {c.get("r", ""): c for c in new_row}
        for c in old_row:
            ref = c.get("r", "")
            if ref in ignore:
                pass
            elif ref not in after:
                return False
            elif etree.tostring(after[ref]) != etree.tostring(c) and _cell_sig(after[ref]) != _cell_sig(c):
                return False
            after.pop(ref, None)
        if set(after) - ignore:
            return False
    return True


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
        formula = _number(cf.value or 0)  # type: ignore[arg-type]
    return (
        f'<conditionalFormatting sqref="{_attr(cf.ref.replace(",", " "))}"><cfRule type="cellIs" dxfId="{dxf_id}" '
        f'priority="{priority}" operator="{operator}"><formula>{_escape(formula)}</formula></cfRule></conditionalFormatting>'
    )


# ---------------------------------------------------------------------------------------------
# Charts


def _chart_xml(spec: ChartSpec, sheet: str, block: TableBlock) -> bytes:
    """A chartSpace over the columns of one table, with cached values so any reader shows it."""
    if spec.categories not in block.header:
        raise ValueError(f"chart {spec.title!r}: no column {spec.categories!r} in table {block.name}")
    first, last = block.row + 1, block.row + max(len(block.rows), 1)
    q = _quote_sheet(sheet)

    def col_of(header: str) -> int:
        if header not in block.header:
            raise ValueError(f"chart {spec.title!r}: no column {header!r} in table {block.name}")
        return block.header.index(header)

    cat_i = col_of(spec.categories)
    cat_letter = get_column_letter(block.col + cat_i)
    cats = [_text("" if row[cat_i] is None else str(row[cat_i])) for row in block.rows]
    cat_cache = "".join(f'<c:pt idx="{i}"><c:v>{_escape(v)}</c:v></c:pt>' for i, v in enumerate(cats))
    cat_xml = (
        f"<c:cat><c:strRef><c:f>{_escape(q)}!${cat_letter}${first}:${cat_letter}${last}</c:f>"
        f'<c:strCache><c:ptCount val="{len(cats)}"/>{cat_cache}</c:strCache></c:strRef></c:cat>'
    )
    values = [float(v) for h in spec.series for row in block.rows
              if isinstance(v := row[col_of(h)], (int, float)) and not isinstance(v, bool)]
    # Counts up to ten get whole-number steps; Excel's automatic 0.5 steps make no sense for them.
    small_counts = bool(values) and all(v.is_integer() for v in values) and max(values) <= 10
    major_unit = '<c:majorUnit val="1"/>' if small_counts else ""
    series = []
    for idx, header in enumerate(spec.series):
        i = col_of(header)
        letter = get_column_letter(block.col + i)
        pts = []
        for n, row in enumerate(block.rows):
            value = row[i] if i < len(row) else None
            if _kind(value) == "number":
                pts.append(f'<c:pt idx="{n}"><c:v>{_number(value)}</c:v></c:pt>')  # type: ignore[arg-type]
        tx = (
            f"<c:tx><c:strRef><c:f>{_escape(q)}!${letter}${block.row}</c:f><c:strCache><c:ptCount val=\"1\"/>"
            f'<c:pt idx="0"><c:v>{_escape(_text(header))}</c:v></c:pt></c:strCache></c:strRef></c:tx>'
        )
        val = (
            f"<c:val><c:numRef><c:f>{_escape(q)}!${letter}${first}:${letter}${last}</c:f>"
            f'<c:numCache><c:formatCode>General</c:formatCode><c:ptCount val="{len(block.rows)}"/>{"".join(pts)}</c:numCache></c:numRef></c:val>'
        )
        extra = '<c:invertIfNegative val="0"/>' if spec.kind in ("col", "bar") else ""
        if spec.kind == "line":
            extra = '<c:marker><c:symbol val="circle"/></c:marker>'
        tail = '<c:smooth val="0"/>' if spec.kind == "line" else ""
        series.append(f'<c:ser><c:idx val="{idx}"/><c:order val="{idx}"/>{tx}{extra}{cat_xml}{val}{tail}</c:ser>')
    title = (
        "<c:title><c:tx><c:rich><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr sz=\"1300\" b=\"1\"/></a:pPr>"
        f'<a:r><a:rPr lang="sv-SE" sz="1300" b="1"/><a:t>{_escape(_text(spec.title))}</a:t></a:r></a:p></c:rich></c:tx>'
        '<c:overlay val="0"/></c:title><c:autoTitleDeleted val="0"/>'
    )
    if spec.kind == "pie":
        plot = f'<c:pieChart><c:varyColors val="1"/>{"".join(series)}<c:firstSliceAng val="0"/></c:pieChart>'
    else:
        if spec.kind == "line":
            chart = f'<c:lineChart><c:grouping val="standard"/><c:varyColors val="0"/>{"".join(series)}<c:marker val="1"/>'
            cat_pos, val_pos = "b", "l"
        else:
            bar_dir = "bar" if spec.kind == "bar" else "col"
            chart = f'<c:barChart><c:barDir val="{bar_dir}"/><c:grouping val="clustered"/><c:varyColors val="0"/>{"".join(series)}<c:gapWidth val="150"/>'
            cat_pos, val_pos = ("l", "b") if spec.kind == "bar" else ("b", "l")
        end = "</c:lineChart>" if spec.kind == "line" else "</c:barChart>"
        y_title = ""
        if spec.y_title:
            y_title = (
                "<c:title><c:tx><c:rich><a:bodyPr/><a:lstStyle/><a:p><a:r><a:t>"
                f'{_escape(_text(spec.y_title))}</a:t></a:r></a:p></c:rich></c:tx><c:overlay val="0"/></c:title>'
            )
        plot = (
            f'{chart}<c:axId val="500000001"/><c:axId val="500000002"/>{end}'
            '<c:catAx><c:axId val="500000001"/><c:scaling><c:orientation val="minMax"/></c:scaling><c:delete val="0"/>'
            f'<c:axPos val="{cat_pos}"/><c:numFmt formatCode="General" sourceLinked="1"/><c:majorTickMark val="out"/>'
            '<c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/><c:crossAx val="500000002"/><c:crosses val="autoZero"/>'
            '<c:auto val="1"/><c:lblAlgn val="ctr"/><c:lblOffset val="100"/><c:noMultiLvlLbl val="0"/></c:catAx>'
            '<c:valAx><c:axId val="500000002"/><c:scaling><c:orientation val="minMax"/></c:scaling><c:delete val="0"/>'
            f'<c:axPos val="{val_pos}"/><c:majorGridlines/>{y_title}<c:numFmt formatCode="General" sourceLinked="1"/>'
            '<c:majorTickMark val="out"/><c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/><c:crossAx val="500000001"/>'
            f'<c:crosses val="autoZero"/><c:crossBetween val="between"/>{major_unit}</c:valAx>'
        )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<c:chartSpace xmlns:c="{C_NS}" xmlns:a="{A_NS}" xmlns:r="{R_NS}"><c:roundedCorners val="0"/>'
        f'<c:chart>{title}<c:plotArea><c:layout/>{plot}</c:plotArea>'
        '<c:legend><c:legendPos val="b"/><c:overlay val="0"/></c:legend><c:plotVisOnly val="1"/><c:dispBlanksAs val="gap"/>'
        "</c:chart></c:chartSpace>"
    ).encode("utf-8")


# ---------------------------------------------------------------------------------------------
# The guard

_DESCRIPTIONS = [
    ("customUI/", "menyfliksområdet"),
    ("xl/vbaProject", "VBA-projektet med makron"),
    ("xl/threadedComments/", "trådad kommentar"),
    ("xl/persons/", "kommentarernas personer"),
    ("xl/comments", "anteckningar"),
    ("xl/drawings/vmlDrawing", "anteckningarnas ritlager"),
    ("xl/media/", "bild"),
    ("xl/drawings/", "ritobjekt: bilder, former eller diagram"),
    ("xl/charts/", "diagram"),
    ("xl/tables/", "tabell"),
    ("xl/pivot", "pivottabell"),
    ("xl/externalLinks/", "länk till en annan arbetsbok"),
    ("xl/sharedStrings", "delade texter"),
    ("xl/styles", "cellformat"),
    ("xl/theme/", "tema"),
    ("xl/slicer", "utsnitt"),
    ("xl/queryTables/", "fråga"),
    ("xl/connections", "dataanslutningar"),
    ("xl/ctrlProps/", "formulärkontroll"),
    ("xl/embeddings/", "inbäddat objekt"),
    ("customXml/", "anpassad XML"),
    ("docProps/", "dokumentegenskaper"),
]


def describe(part: str, sheet_names: dict[str, str]) -> str:
    """A Swedish name for what a package part holds, for messages."""
    if part.endswith(".rels"):
        source = Package.source_of(part)
        return f"relationerna för {describe(source, sheet_names) if source else 'paketet'}"
    if part in sheet_names:
        return f"bladet {sheet_names[part]}"
    if part.startswith("xl/worksheets/"):
        return "ett blad"
    for prefix, text in _DESCRIPTIONS:
        if part.startswith(prefix):
            return text
    return "en del av arbetsboken"


# The only parts a write may drop: those of a rewritten tool sheet, and calcChain.xml.
_DROPPABLE_PART = re.compile(
    r"xl/(tables/|charts/|drawings/(?!vmlDrawing)[^/]+\.xml$|drawings/_rels/(?!vmlDrawing)|printerSettings/|calcChain\.xml$"
    r"|theme/themeOverride)"
)


def _lost(what: str) -> WriteRefused:
    return WriteRefused(f"Skrivningen avbröts: {what} skulle gå förlorad. {UNCHANGED}")


def guard(before: Package, after: Package, plan: Plan) -> None:
    """Raise WriteRefused naming what the new package would lose compared to `before`."""
    names = dict(plan.sheet_names)
    names.update({v: k for k, v in _sheet_parts_or_empty(before).items()})
    # The plan comes from the writer; the guard does not take its word for what may go.
    for part in sorted(plan.replaced):
        if part in before.parts and names.get(part) not in TOOL_SHEETS:
            raise WriteRefused(f"Skrivningen avbröts: {describe(part, names)} skulle skrivas om. {UNCHANGED}")
    plan = copy.copy(plan)
    plan.may_remove = {p for p in plan.may_remove if _DROPPABLE_PART.match(p)}
    # The parts the user sees as most precious are named first.
    ordered = sorted(before.parts, key=lambda n: (not n.startswith(("customUI/", "xl/vbaProject")), n))
    for part in ordered:
        if part not in after.parts and part not in plan.may_remove:
            # A rewritten sheet's relationships are checked one by one below.
            if part.endswith(".rels") and Package.source_of(part) in plan.may_remove | plan.replaced:
                continue
            raise _lost(f"delen {part} ({describe(part, names)})")
    for rels_name in sorted(before.rels_parts(), key=lambda n: (n != "_rels/.rels", n)):
        source = Package.source_of(rels_name)
        if source and source in plan.may_remove:
            continue
        kept = {(r.type, r.target if r.external else Package.resolve(source, r.target)) for r in after.rels(source)}
        for rel in before.rels(source):
            target = rel.target if rel.external else Package.resolve(source, rel.target)
            if target in plan.may_remove:
                continue
            if source in plan.replaced and rel.type in DROPPABLE:
                continue
            if (rel.type, target) not in kept:
                where = source or "paketet"
                raise _lost(f"relationen från {where} till {target} ({describe(target, names)})")
    may_change = {"[Content_Types].xml", Package.rels_name(after.workbook_part()), after.workbook_part()}
    may_change |= {p for p in before.parts if p.startswith("xl/styles")}
    may_change |= plan.replaced | {Package.rels_name(p) for p in plan.replaced}
    may_change |= set(plan.edited) | plan.tables_changed | plan.may_remove
    may_change |= {Package.rels_name(p) for p in plan.may_remove}
    for part in sorted(before.parts, key=lambda n: (not n.startswith(("customUI/", "xl/vbaProject")), n)):
        if part in after.parts and part not in may_change and before.parts[part] != after.parts[part]:
            raise WriteRefused(f"Skrivningen avbröts: delen {part} ({describe(part, names)}) skulle ändras. {UNCHANGED}")
    _guard_workbook(before, after)
    for part in plan.replaced:
        old_code = _code_name(before.parts.get(part, b""))
        if old_code and _code_name(after.parts.get(part, b"")) != old_code:
            raise WriteRefused(
                f"Skrivningen avbröts: {describe(part, names)} skulle förlora sin koppling till VBA-projektet "
                f"(kodnamnet {old_code}). {UNCHANGED}"
            )
    for part, cells in plan.edited.items():
        if part in plan.replaced or part not in before.parts:
            continue
        _guard_edited_sheet(before.parts[part], after.parts.get(part, b""), cells, names.get(part, part),
                            plan.grown.get(part, {}))
    for part in plan.tables_changed:
        if part in before.parts:
            _guard_table(before.parts[part], after.parts.get(part, b""), part)


def _sheet_parts_or_empty(pkg: Package) -> dict[str, str]:
    try:
        return pkg.sheet_parts()
    except (KeyError, etree.XMLSyntaxError):
        return {}


def _guard_workbook(before: Package, after: Package) -> None:
    old = etree.fromstring(before.parts[before.workbook_part()])
    new = etree.fromstring(after.parts[after.workbook_part()])
    new_sheets = {(s.get("name"), s.get("sheetId"), s.get(_q("id", R_NS))) for s in new.iter(_q("sheet"))}
    for s in old.iter(_q("sheet")):
        if (s.get("name"), s.get("sheetId"), s.get(_q("id", R_NS))) not in new_sheets:
            raise _lost(f"bladet {s.get('name')}")
    new_names = {(d.get("name"), d.text) for d in new.iter(_q("definedName"))}
    for d in old.iter(_q("definedName")):
        if (d.get("name"), d.text) not in new_names:
            raise _lost(f"namnet {d.get('name')}")
    for tag in ("workbookPr", "workbookProtection", "fileVersion", "extLst", "calcPr", "pivotCaches", "externalReferences"):
        a, b = old.find(_q(tag)), new.find(_q(tag))
        if a is not None and (b is None or _key(a) != _key(b)):
            raise WriteRefused(f"Skrivningen avbröts: arbetsbokens inställning {tag} skulle ändras. {UNCHANGED}")


def _cell_sig(c: etree._Element) -> tuple:
    return (c.get("s"), c.get("t"), tuple(_key(ch) + (ch.text, "".join(ch.itertext())) for ch in c))


def _rows(root: etree._Element) -> dict[str, etree._Element]:
    data = root.find(_q("sheetData"))
    return {} if data is None else {row.get("r", ""): row for row in data.iter(_q("row"))}


def _guard_edited_sheet(old: bytes, new: bytes, edited: set[tuple[int, int]], sheet: str,
                        grown: dict[str, str] | None = None) -> None:
    """Only the written cells of a user sheet may differ; everything outside sheetData is kept
    (save the ranges of validations and formats grown with their table, `grown`: new -> old)."""
    if not grown and _guard_rows_by_text(old, new, edited, sheet):
        return
    try:
        old_root, new_root = etree.fromstring(old), etree.fromstring(new)
    except etree.XMLSyntaxError as exc:
        raise WriteRefused(f"Skrivningen avbröts: bladet {sheet} blev oläsbart ({exc}). {UNCHANGED}") from exc
    if grown:
        for el in [*new_root.iter(_q("dataValidation")), *new_root.iter(_q("conditionalFormatting"))]:
            if el.get("sqref") in grown:
                el.set("sqref", grown[el.get("sqref", "")])
    ignore = {_ref(c, r) for r, c in edited}
    edited_rows = {str(r) for r, _ in edited}
    old_rows, new_rows = _rows(old_root), _rows(new_root)
    for r, old_row in old_rows.items():
        new_row = new_rows.get(r)
        # A row without a written cell must come out exactly as it went in: compare it whole.
        if r not in edited_rows and new_row is not None and etree.tostring(old_row) == etree.tostring(new_row):
            continue
        after = {c.get("r", ""): c for c in (new_row if new_row is not None else [])}
        for c in old_row:
            ref = c.get("r", "")
            if ref not in ignore and (ref not in after or _cell_sig(after.pop(ref)) != _cell_sig(c)):
                raise WriteRefused(
                    f"Skrivningen avbröts: cellen {sheet}!{ref} skulle ändras fast uppf-xl inte ska skriva där. {UNCHANGED}"
                )
            after.pop(ref, None)
        extra = sorted(set(after) - ignore)
        if extra:
            raise WriteRefused(
                f"Skrivningen avbröts: cellen {sheet}!{extra[0]} skulle skrivas utan att höra till ändringen. {UNCHANGED}"
            )
    for r in set(new_rows) - set(old_rows):
        extra = sorted({c.get("r", "") for c in new_rows[r]} - ignore)
        if extra:
            raise WriteRefused(
                f"Skrivningen avbröts: cellen {sheet}!{extra[0]} skulle skrivas utan att höra till ändringen. {UNCHANGED}"
            )
    skip = {"sheetData", "dimension"}
    old_rest = [_key(el) for el in old_root if isinstance(el.tag, str) and etree.QName(el).localname not in skip]
    new_rest = [_key(el) for el in new_root if isinstance(el.tag, str) and etree.QName(el).localname not in skip]
    if old_rest != new_rest:
        lost = [k[0] for k in old_rest if k not in new_rest] or [k[0] for k in new_rest if k not in old_rest]
        what = _SHEET_PARTS.get(lost[0], lost[0]) if lost else "bladets inställningar"
        raise WriteRefused(f"Skrivningen avbröts: bladet {sheet} skulle förlora eller ändra {what}. {UNCHANGED}")


_SHEET_PARTS = {
    "extLst": "ett tilläggsblock (till exempel listvalidering mot ett annat blad)",
    "dataValidations": "datavalideringen",
    "conditionalFormatting": "villkorsstyrd formatering",
    "legacyDrawing": "anteckningarna",
    "drawing": "bilder, former eller diagram",
    "tableParts": "tabellerna",
    "mergeCells": "sammanfogade celler",
    "hyperlinks": "hyperlänkar",
    "cols": "kolumnbredderna",
    "sheetViews": "bladets vy (låsta rutor)",
    "sheetProtection": "bladets skydd",
    "autoFilter": "filtret",
}


def _guard_table(old: bytes, new: bytes, part: str) -> None:
    a, b = etree.fromstring(old), etree.fromstring(new)
    for attr in ("id", "name", "displayName"):
        if a.get(attr) != b.get(attr):
            raise WriteRefused(f"Skrivningen avbröts: tabellen {a.get('name')} ({part}) skulle byta {attr}. {UNCHANGED}")
    old_cols = [c.get("name") for c in a.iter(_q("tableColumn"))]
    new_cols = [c.get("name") for c in b.iter(_q("tableColumn"))]
    if new_cols[: len(old_cols)] != old_cols:
        raise _lost(f"en kolumn i tabellen {a.get('name')}")


# ---------------------------------------------------------------------------------------------
# The front door


def build(before: Package, changes: Changes) -> tuple[Package, Plan]:
    """The new package and what it changed; nothing touches the disk."""
    builder = _Builder(before)
    builder.grow_tables()
    for content in changes.sheets:
        builder.write_sheet(content)
    for patch in changes.patches:
        builder.patch(patch)
    for append in changes.appends:
        builder.append(append)
    return builder.finish()


def verify(tmp: Path, before: Package, plan: Plan) -> None:
    """Check the written temp file: a whole zip, nothing lost, the written sheets readable by calamine.

    Reading every member checks its CRC (what testzip does); sheets not written this run are
    byte-identical to the original, which the guard has checked.
    """
    try:
        after = Package.read(tmp)
    except ZIP_ERRORS as exc:
        raise WriteRefused(f"Skrivningen avbröts: den nya filen blev inte ett giltigt zip-arkiv ({exc}). {UNCHANGED}") from exc
    guard(before, after, plan)
    _check_well_formed(before, after)
    written = {plan.sheet_names.get(p) for p in plan.replaced | set(plan.edited)} - {None}
    try:
        from python_calamine import CalamineWorkbook

        book = CalamineWorkbook.from_path(str(tmp))
        try:
            for name in book.sheet_names:
                if name in written:
                    book.get_sheet_by_name(name)  # parses the whole sheet; converting it adds nothing
        finally:
            book.close()
    except Exception as exc:  # calamine raises its own error types
        raise WriteRefused(f"Skrivningen avbröts: den nya arbetsboken gick inte att läsa tillbaka ({exc}). {UNCHANGED}") from exc


def _check_well_formed(before: Package, after: Package) -> None:
    """Excel offers to "repair" (and drops) a part that is not well-formed XML: parse every new one.

    expat with namespace processing streams the part without building a tree, so a sheet of
    a million cells costs no more memory than its bytes (lxml's tree would cost ten times that).
    """
    for name, data in after.parts.items():
        if before.parts.get(name) == data or not name.endswith((".xml", ".rels")):
            continue
        parser = expat.ParserCreate(namespace_separator=" ")
        try:
            parser.Parse(data, True)
        except expat.ExpatError as exc:
            raise WriteRefused(f"Skrivningen avbröts: delen {name} blev ogiltig XML ({exc}). {UNCHANGED}") from exc


def write_changes(path: Path, changes: Changes, read_stamp: tuple[int, int] | None = None) -> None:
    """Write `changes` into the workbook at `path`, whole or not at all.

    Refuses (FileAccessError, exit code 3) when the workbook is open in Excel or in another
    uppf-xl run, or was saved by someone else since it was read (`read_stamp`, from
    `file_stamp` at read time), and (WriteRefused) when anything the user owns would be lost;
    in every failure the file is left byte-identical.

    Example:
        >>> write_changes(Path("uppfoljning.xlsx"), Changes(sheets=[SheetContent("Översikt")]))  # doctest: +SKIP
    """
    path = Path(path)
    if not changes:
        return
    link = path
    if path.is_symlink():
        # Replacing the link by a file would leave the real workbook stale: write the target.
        path = Path(os.path.realpath(path))
    inspect_file(path)
    with run_lock(path):
        check_not_open(link)
        check_not_open(path)
        check_writable(path)
        remove_stale_temps(path)
        stamp = file_stamp(path)
        if read_stamp is not None and stamp != read_stamp:
            # The changes were computed from a version that is no longer there: another run or
            # a person saved in between, and writing now would undo their work.
            raise FileAccessError(
                f"Arbetsboken {path.name} ändrades av någon annan medan uppf-xl arbetade. {UNCHANGED} Försök igen."
            )
        before = Package.read(path)
        after, plan = build(before, changes)

        def check(tmp: Path) -> None:
            verify(tmp, before, plan)
            if file_stamp(path) != stamp:
                raise FileAccessError(
                    f"Arbetsboken {path.name} ändrades av ett annat program medan uppf-xl arbetade. {UNCHANGED} Försök igen."
                )
            check_not_open(path)

        atomic_write(path, after.save, check)


def file_stamp(path: Path) -> tuple[int, int]:
    """(mtime in ns, size): what tells that a file was saved again."""
    st = os.stat(path)
    return st.st_mtime_ns, st.st_size


__all__ = ["write_changes", "file_stamp", "guard", "build", "verify", "Package", "Plan", "describe"]
