"""The styles the tool uses, appended to xl/styles.xml (nothing of the user's is renumbered)."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable

from lxml import etree

from uppf_xl.workbook.ooxml.parts import MAIN_NS, _q, _xml_bytes


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


def _key(el: etree._Element) -> tuple[object, ...]:
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
