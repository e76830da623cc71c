"""Applying `Changes` to a copy of the package: tool sheets written anew, user cells edited in place."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from lxml import etree
from openpyxl.utils.cell import column_index_from_string, get_column_letter, range_boundaries

from uppf_xl.contract import ALL_SHEETS, HIDDEN_SHEETS, SHEETS, TOOL_SHEETS, HeaderMap
from uppf_xl.errors import WriteRefused
from uppf_xl.workbook.content import CellPatch, Changes, RowAppend, SheetContent, TableBlock, Value
from uppf_xl.workbook.safe import UNCHANGED
from uppf_xl.workbook.ooxml.parts import (
    A_NS,
    CT_CHART,
    CT_DRAWING,
    CT_TABLE,
    CT_WORKSHEET,
    C_NS,
    ContentTypes,
    DROPPABLE,
    MAIN_NS,
    Package,
    RT_CALC_CHAIN,
    RT_CHART,
    RT_DRAWING,
    RT_TABLE,
    RT_VML,
    RT_WORKSHEET,
    R_NS,
    Rel,
    XDR_NS,
    _OD,
    _attr,
    _q,
    _text,
    _xml_bytes,
)
from uppf_xl.workbook.ooxml.styles import Styles
from uppf_xl.workbook.ooxml.cells import (
    _CELL_REF,
    _SheetCells,
    _cell_text,
    _cell_xml,
    _code_name,
    _conditional_xml,
    _has_formulas,
    _has_value,
    _kind,
    _pane,
    _ref,
    _refuse_shared_formula,
    _root_start,
    _row_segments,
    _serial_text,
    _set_cell,
    _table_name,
    _unique_headers,
)
from uppf_xl.workbook.ooxml.user import (
    LAYOUT_KEY,
    LAYOUT_SHEET,
    TOOL_SHAPE_PREFIX,
    _UserLayout,
    _UserRules,
    _UserShapes,
    _fragment,
    _rule_key,
    _user_layout,
    _user_rules,
)
from uppf_xl.workbook.ooxml.charts import _chart_xml


EMU_PER_CM = 360000



def _table_columns(table: etree._Element, first_col: int) -> HeaderMap:
    """A table part's columns by name, from its first column on."""
    return HeaderMap(((tc.get("name") or "") for tc in table.iter(_q("tableColumn"))), first_col)

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

        # The sheet goes out as bytes a row at a time, each row let go as it is written: a sheet
        # that is one table (Årshjul) is never held whole as text beside its bytes. The
        # dimension, known only at the end, is written into a slot kept for it.
        written = io.BytesIO()
        dimension_at = 0
        max_row = max_col = 1

        def start_sheet() -> None:
            nonlocal dimension_at
            before, after = _sheet_head(content, tab_selected, code_name, layout)
            written.write(before)
            dimension_at = written.tell()
            written.write(_DIMENSION_SLOT)
            written.write(after)

        def write_row(r: int, cols_xml: dict[int, str]) -> None:
            nonlocal max_row, max_col
            start = f'<row r="{r}" hidden="1">' if r in hidden_rows else f'<row r="{r}">'
            written.write((start + "".join([cols_xml[c] for c in sorted(cols_xml)]) + "</row>").encode("utf-8"))
            max_row, max_col = max(max_row, r), max(max_col, max(cols_xml))

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
            # A sheet that is one table (Årshjul, Svar) writes each row as it is made.
            single = len(content.tables) == 1 and not content.cells
            if single:
                start_sheet()
                for r in sorted(grid):  # the header row
                    if grid[r]:
                        write_row(r, grid[r])
                grid.clear()
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
                        serial = _serial_text(value, d1904)
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
                    write_row(r, row)
        for cell in content.cells:
            put(cell.row, cell.col, cell.value, xf(cell.style))
        if not written.tell():
            start_sheet()
        for r in sorted(grid):
            cols_xml = grid.pop(r)
            if cols_xml:
                write_row(r, cols_xml)
        written.seek(dimension_at)
        dimension = f'<dimension ref="A1:{_ref(max_col, max_row)}"'
        written.write((dimension + " " * (len(_DIMENSION_SLOT) - len(dimension) - 2) + "/>").encode("ascii"))
        written.seek(0, io.SEEK_END)

        out = ["</sheetData>"]
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
        written.write("".join(out).encode("utf-8"))
        return written.getvalue()

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
        if table is not None:
            min_col, min_row, max_col, max_row = range_boundaries(table[1].get("ref"))
            return _table_columns(table[1], min_col).columns(), min_row, (min_col, min_row, max_col, max_row), table
        sst = self._shared_strings()
        cells = sheet.row_cells(1)
        last = max(cells, default=0)
        texts = [_cell_text(cells[col], sst) or "" if col in cells else "" for col in range(1, last + 1)]
        return HeaderMap(texts).columns(), 1, None, None

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
        columns = _table_columns(table[1], min_col).columns()
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
        # The stretches between written rows are views into the sheet, joined once: the
        # sheet's bytes are never copied but into the result.
        view = memoryview(data)
        pieces: list[bytes | memoryview] = []
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
            pieces += [view[at:start], inner.encode("utf-8")]
            at = end
        pieces.append(view[at:])
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


# ---------------------------------------------------------------------------------------------
# The front door



# Room for the largest dimension Excel allows; a smaller one is padded with spaces before "/>".
_DIMENSION_SLOT = b'<dimension ref="A1:XFD1048576"/>'


def _sheet_head(content: SheetContent, tab_selected: bool, code_name: str | None,
                layout: _UserLayout | None) -> tuple[bytes, bytes]:
    """A rewritten worksheet's XML up to its dimension, and from there to <sheetData>."""
    out = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n', f'<worksheet xmlns="{MAIN_NS}" xmlns:r="{R_NS}">']
    # codeName ties the sheet to its module in the VBA project; it must survive the rewrite.
    code = f' codeName="{_attr(code_name)}"' if code_name else ""
    tab = f'<tabColor rgb="FF{content.tab_color.lstrip("#").upper()[-6:]}"/>' if content.tab_color else ""
    fit = '<pageSetUpPr fitToPage="1"/>' if content.fit_to_width else ""
    if tab or fit:
        out.append(f"<sheetPr{code}>{tab}{fit}</sheetPr>")
    elif code:
        out.append(f"<sheetPr{code}/>")
    selected = ' tabSelected="1"' if tab_selected else ""
    rest = [f'<sheetViews><sheetView workbookViewId="0"{selected}>{_pane(content.freeze)}</sheetView></sheetViews>',
            '<sheetFormatPr defaultRowHeight="15"/>']
    if layout is not None and layout.cols:
        rest.append(layout.cols)
    elif content.widths:
        rest.append("<cols>")
        for col, width in sorted(content.widths.items()):
            rest.append(f'<col min="{col}" max="{col}" width="{width:g}" customWidth="1"/>')
        rest.append("</cols>")
    rest.append("<sheetData>")
    return "".join(out).encode("utf-8"), "".join(rest).encode("utf-8")


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
