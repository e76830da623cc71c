"""The guard and the check of the written file: nothing the user owns is lost, every part is well-formed."""

from __future__ import annotations

import copy
import re
import zipfile
from xml.parsers import expat
from pathlib import Path
from typing import IO

from lxml import etree

from uppf_xl.contract import TOOL_SHEETS
from uppf_xl.errors import WriteRefused
from uppf_xl.workbook.safe import UNCHANGED, ZIP_ERRORS
from uppf_xl.workbook.ooxml.parts import DROPPABLE, Package, R_NS, _q
from uppf_xl.workbook.ooxml.styles import _key
from uppf_xl.workbook.ooxml.cells import _code_name, _ref, _root_start, _row_segments
from uppf_xl.workbook.ooxml.builder import Plan


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

    dim = re.compile(rb"<dimension\b[^>]*/>")
    first, last = order[0], order[-1]
    # Before the first row and after the last: equal but for the dimension.
    if dim.sub(b"", old[: old_rows[first][0]]) != dim.sub(b"", new[: new_rows[first][0]]):
        return False
    if old[old_rows[last][1]:] != new[new_rows[last][1]:]:
        return False
    ignore = {_ref(c, r) for r, c in edited}
    head_old, head_new = _root_start(old), _root_start(new)
    if head_old is None or head_new is None:
        return False
    # Between the written rows: one byte comparison per stretch of rows nobody wrote.
    old_view, new_view = memoryview(old), memoryview(new)  # compared in place, never copied
    at_old, at_new = old_rows[first][0], new_rows[first][0]
    for r in sorted(edited_rows):
        (a0, a1), (b0, b1) = old_rows[r], new_rows[r]
        if old_view[at_old:a0] != new_view[at_new:b0]:
            return False
        at_old, at_new = a1, b1
        a, b = old[a0:a1], new[b0:b1]
        if a == b:
            continue
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
    return old_view[at_old : old_rows[last][1]] == new_view[at_new : new_rows[last][1]]


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


def _cell_sig(c: etree._Element) -> tuple[object, ...]:
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
        lost = [str(k[0]) for k in old_rest if k not in new_rest] or [str(k[0]) for k in new_rest if k not in old_rest]
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


def verify(tmp: Path, before: Package, after: Package, plan: Plan) -> None:
    """Check the written temp file: a whole zip holding exactly the parts of `after`, and
    nothing lost between `before` and `after`; `readable` then reads the written sheets back.

    Reading every member checks its CRC (what testzip does); each is compared with the part it
    was written from a stretch at a time, so the file is never held a second time in memory.
    """
    try:
        _same_parts(tmp, after)
    except ZIP_ERRORS as exc:
        raise WriteRefused(f"Skrivningen avbröts: den nya filen blev inte ett giltigt zip-arkiv ({exc}). {UNCHANGED}") from exc
    guard(before, after, plan)
    _check_well_formed(before, after)


def written_sheets(plan: Plan) -> set[str]:
    """The names of the sheets this write replaced or edited."""
    return {name for p in plan.replaced | set(plan.edited) if (name := plan.sheet_names.get(p))}


def readable(tmp: Path, sheets: set[str]) -> None:
    """calamine, an independent reader, parses every sheet named in `sheets` of the file at `tmp`."""
    try:
        from python_calamine import CalamineWorkbook

        book = CalamineWorkbook.from_path(str(tmp))
        try:
            for name in book.sheet_names:
                if name in sheets:
                    book.get_sheet_by_name(name)  # parses the whole sheet; converting it adds nothing
        finally:
            book.close()
    except Exception as exc:  # calamine raises its own error types
        raise WriteRefused(f"Skrivningen avbröts: den nya arbetsboken gick inte att läsa tillbaka ({exc}). {UNCHANGED}") from exc


def _same_parts(tmp: Path, after: Package, chunk: int = 1 << 20) -> None:
    """The zip at `tmp` holds the parts of `after` and nothing else, byte for byte."""
    with zipfile.ZipFile(tmp) as zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        if sorted(i.filename for i in infos) != sorted(after.parts):
            raise WriteRefused(f"Skrivningen avbröts: den nya filen fick inte samma delar som skrevs. {UNCHANGED}")
        for info in infos:
            with zf.open(info) as fh:
                if not _same_stream(fh, memoryview(after.parts[info.filename]), chunk):
                    raise WriteRefused(f"Skrivningen avbröts: delen {info.filename} skrevs inte som avsett. {UNCHANGED}")


def _same_stream(fh: IO[bytes], want: memoryview, chunk: int) -> bool:
    """Whether what `fh` holds is `want`, read a stretch at a time."""
    at = 0
    while block := fh.read(chunk):
        if want[at : at + len(block)] != block:
            return False
        at += len(block)
    return at == len(want)


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
