"""Build the macro workbook (.xlsm) users open in Excel: the contract's sheets, xlwings, our VBA and ribbon.

The route (TECH.md, "Building the macro workbook on Linux"): the contract's sheets come from
`workbook.initbook.create_workbook`; openpyxl saves them as .xlsm around the VBA project of xlwings'
`quickstart_standalone.xlsm`; pyopenvba sets the project's modules from text sources (the
xlwings module of the installed xlwings, ours from xl_macros/); the ribbon parts and their
relationships are added last, when the package is rewritten with fixed timestamps.

Example:
    >>> build_workbook(Path("uppf-xl.xlsm"), demo=False, today=date(2025, 1, 10))  # doctest: +SKIP
"""

from __future__ import annotations

import importlib.resources
import io
import re
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from lxml import etree
from openpyxl.utils.cell import get_column_letter, range_boundaries

from uppf_xl.errors import UsageError

# The xlwings.conf sheet: xlwings reads the keys from A1 down to the first empty cell,
# so the version record sits below a gap where xlwings does not look.
CONF_SHEET = "xlwings.conf"
VERSION_LABEL = "uppf-xl byggd med xlwings"
VERSION_CELL = "B13"
VERSION_NAME = "uppf_xl_xlwings_version"  # defined name pointing at VERSION_CELL
UDF_MODULES = "uppf_xl.excel"
INTERPRETER_WIN = r"%USERPROFILE%\uppf-xl\Scripts\pythonw.exe"

CONF_ROWS: tuple[tuple[str, object], ...] = (
    ("Interpreter_Win", INTERPRETER_WIN),
    ("Interpreter_Mac", ""),
    ("PYTHONPATH", ""),
    ("Conda Path", ""),
    ("Conda Env", ""),
    ("UDF Modules", UDF_MODULES),
    ("Debug UDFs", False),
    ("Use UDF Server", False),
    ("Show Console", False),
)
CONF_HELP = (
    "Inställningar för xlwings. Interpreter_Win är sökvägen till pythonw.exe i den miljö där "
    "uppf-xl är installerat; %USERPROFILE% och andra miljövariabler fungerar."
)

SAMPLE_MODULE = "Module1"  # the quickstart's example macro, not ours
XLWINGS_MODULE = "xlwings"
OFFICE_GUID = "{2DF8D04C-5BFA-101B-BDE5-00AA0044DE52}"  # Microsoft Office Object Library: IRibbonControl
OFFICE_PATH = r"C:\Program Files\Common Files\Microsoft Shared\OFFICE16\MSO.DLL"

RIBBON_PARTS = {
    # part name in the package -> (source file in xl_macros/, relationship type)
    "customUI/customUI14.xml": ("customUI14.xml", "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"),
    "customUI/customUI.xml": ("customUI.xml", "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility"),
}
RIBBON_NAMESPACES = {
    "customUI/customUI14.xml": "http://schemas.microsoft.com/office/2009/07/customui",
    "customUI/customUI.xml": "http://schemas.microsoft.com/office/2006/01/customui",
}
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def quickstart_path() -> Path:
    """xlwings' standalone quickstart workbook, from the installed xlwings."""
    import xlwings

    path = Path(xlwings.__file__).parent / "quickstart_standalone.xlsm"
    if not path.is_file():
        raise UsageError(f"xlwings {xlwings.__version__} saknar quickstart_standalone.xlsm ({path}).")
    return path


def xlwings_bas() -> str:
    """The xlwings VBA module of the installed xlwings (it names that version's DLL)."""
    import xlwings

    return _crlf((Path(xlwings.__file__).parent / "xlwings.bas").read_text(encoding="ascii"))


def macro_file(name: str) -> str:
    """The text of one file of xl_macros/ (packaged as uppf_xl.macros)."""
    return importlib.resources.files("uppf_xl.macros").joinpath(name).read_text(encoding="utf-8")


def vba_sources() -> dict[str, str]:
    """Module name -> source (CRLF) for every .bas in xl_macros/."""
    out = {}
    folder = importlib.resources.files("uppf_xl.macros")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".bas"):
            source = _crlf(entry.read_text(encoding="utf-8"))
            out[module_name(source, entry.name[:-4])] = source
    return out


def module_name(source: str, default: str) -> str:
    m = re.match(r'Attribute VB_Name = "([^"]+)"', source)
    return m.group(1) if m else default


def ribbon_tags(xml: str | bytes) -> list[str]:
    """The tag of every button in a customUI document, in order."""
    root = etree.fromstring(xml.encode("utf-8") if isinstance(xml, str) else xml)
    return [b.get("tag", "") for b in root.iter("{*}button")]


def installed_xlwings() -> str:
    import xlwings

    return xlwings.__version__


def build_workbook(out: Path, demo: bool, today: date) -> None:
    """Write the macro workbook to `out` (.xlsm): empty contract sheets, or the demo with `demo`."""
    out = Path(out)
    if out.suffix.lower() != ".xlsm":
        raise UsageError(f"{out.name}: makroarbetsboken måste sluta på .xlsm.")
    try:
        import pyopenvba  # noqa: F401
    except ImportError as exc:
        raise UsageError("build-workbook behöver paketet pyopenvba: pip install \"uppf-xl[build]\"") from exc
    with tempfile.TemporaryDirectory(prefix="uppf-xl-build-") as tmp:
        contract = Path(tmp) / "contract.xlsx"
        with_vba = Path(tmp) / "with_vba.xlsm"
        with_modules = Path(tmp) / "with_modules.xlsm"
        from uppf_xl.workbook.initbook import create_workbook

        create_workbook(contract, demo, today)
        _add_vba_project(contract, with_vba)
        _set_modules(with_vba, with_modules)
        _finish_package(with_modules, out, today)


def _add_vba_project(contract: Path, dest: Path) -> None:
    """Save the contract workbook as .xlsm around the quickstart's VBA project, with the conf sheet."""
    from openpyxl import load_workbook
    from openpyxl.workbook.defined_name import DefinedName

    wb = load_workbook(contract)
    _drop_survey_key(wb)
    with zipfile.ZipFile(quickstart_path()) as qs:
        archive = zipfile.ZipFile(io.BytesIO(), "a", zipfile.ZIP_DEFLATED)
        for name in qs.namelist():
            archive.writestr(name, qs.read(name))
    wb.vba_archive = archive
    # The quickstart's project has document modules ThisWorkbook, Sheet1 and Sheet2 (its
    # conf sheet); give them sheets with those code names so nothing in the project is orphaned.
    wb.code_name = "ThisWorkbook"
    wb.worksheets[0].sheet_properties.codeName = "Sheet1"
    conf = wb.create_sheet(CONF_SHEET)
    conf.sheet_properties.codeName = "Sheet2"
    for row, (key, value) in enumerate(CONF_ROWS, start=1):
        conf.cell(row, 1, key)
        conf.cell(row, 2, value)
    conf.cell(11, 1, CONF_HELP)
    label_row = int(VERSION_CELL[1:])
    conf.cell(label_row, 1, VERSION_LABEL)
    conf[VERSION_CELL] = installed_xlwings()
    conf[VERSION_CELL].number_format = "@"
    conf.column_dimensions["A"].width = 28
    conf.column_dimensions["B"].width = 48
    wb.defined_names[VERSION_NAME] = DefinedName(VERSION_NAME, attr_text=f"'{CONF_SHEET}'!${VERSION_CELL[0]}${label_row}")
    wb.save(dest)


def _drop_survey_key(wb: Any) -> None:
    """Remove the Enkätnyckel row that `init` writes.

    The key signs the questionnaires, so it must be secret to one municipality; a macro
    workbook is a template that is copied and committed. Without the row, the first
    "Skicka enkäter" makes a key in the user's own copy (and says so), and builds are
    byte-for-byte reproducible.
    """
    from uppf_xl.contract import SETTINGS
    from uppf_xl.survey import KEY_SETTING

    if SETTINGS.name not in wb.sheetnames:
        return
    ws = wb[SETTINGS.name]
    rows = [c.row for c in ws["A"] if c.value == KEY_SETTING]
    for row in reversed(rows):
        ws.delete_rows(row)
        for table in ws.tables.values():
            min_col, min_row, max_col, max_row = range_boundaries(table.ref)
            if min_row < row <= max_row:
                table.ref = f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{max(max_row - 1, min_row + 1)}"
                if table.autoFilter is not None:
                    table.autoFilter.ref = table.ref


def _set_modules(src: Path, dest: Path) -> None:
    """Replace the sample module by ours, refresh the xlwings module, make sure Office is referenced."""
    from pyopenvba import ExcelFile

    with ExcelFile(src) as book:
        project = book.vba_project()
        names = {n.casefold(): n for n in book.module_names()}
        if SAMPLE_MODULE.casefold() in names:
            project.delete_module(names[SAMPLE_MODULE.casefold()])
        book.set_module(XLWINGS_MODULE, xlwings_bas())
        for name, source in vba_sources().items():
            _check_cp1252(name, source)
            if name.casefold() in names:
                book.set_module(name, source)
            else:
                project.add_module(name, source)
        if not any(r.guid.upper() == OFFICE_GUID for r in book.references()):
            book.add_reference(
                "Office", OFFICE_GUID, 2, 8, path=OFFICE_PATH, description="Microsoft Office 16.0 Object Library"
            )
        book.save(dest)
    with ExcelFile(dest) as saved:
        problems = saved.validate()
    if problems:
        raise UsageError("VBA-projektet blev inkonsekvent: " + "; ".join(problems))


def _check_cp1252(name: str, source: str) -> None:
    # The project stores source in its code page (Windows-1252); a character outside it
    # would arrive as "?" in the VBA editor, so refuse it at build time instead.
    try:
        source.encode("cp1252")
    except UnicodeEncodeError as exc:
        raise UsageError(f"VBA-modulen {name}: tecknet {source[exc.start]!r} finns inte i Windows-1252.") from exc


def _finish_package(src: Path, dest: Path, today: date) -> None:
    """Copy the package with the ribbon parts and relationships added, timestamps fixed."""
    stamp = f"{today.isoformat()}T00:00:00Z"
    with zipfile.ZipFile(src) as zin:
        entries = [(i, zin.read(i.filename)) for i in zin.infolist()]
    tmp = dest.with_name(dest.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in entries:
            name = info.filename
            if name in RIBBON_PARTS:
                continue
            if name == "_rels/.rels":
                data = _with_ribbon_rels(data)
            elif name == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(), data)
            _write(zout, name, data)
        for part, (source, _) in RIBBON_PARTS.items():
            _write(zout, part, macro_file(source).encode("utf-8"))
    tmp.replace(dest)


def _with_ribbon_rels(data: bytes) -> bytes:
    root = etree.fromstring(data)
    rels = root.findall(f"{{{PKG_REL_NS}}}Relationship")
    for rel in rels:
        if rel.get("Type") in {t for _, t in RIBBON_PARTS.values()}:
            root.remove(rel)
    used = {rel.get("Id") for rel in root.findall(f"{{{PKG_REL_NS}}}Relationship")}
    for n, (part, (_, rel_type)) in enumerate(RIBBON_PARTS.items(), start=1):
        rid = f"rIdUppfRibbon{n}"
        assert rid not in used
        etree.SubElement(root, f"{{{PKG_REL_NS}}}Relationship", Id=rid, Type=rel_type, Target=part)
    xml: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    return xml


def _write(zout: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o600 << 16
    zout.writestr(info, data)


def _crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n")


@dataclass
class BuiltWorkbook:
    """What a built .xlsm carries that the build is responsible for, for checks and tests."""

    sheets: list[str]
    modules: dict[str, str]
    ribbon: dict[str, bytes]
    root_rels: dict[str, str]  # relationship type -> target
    xlwings_version: str | None


def inspect_workbook(path: Path) -> BuiltWorkbook:
    """Read back the sheet list, VBA module sources, ribbon parts and the recorded xlwings version."""
    from openpyxl import load_workbook
    from pyopenvba import ExcelFile

    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        ribbon = {p: zf.read(p) for p in RIBBON_PARTS if p in names}
        root = etree.fromstring(zf.read("_rels/.rels"))
        rels = {r.get("Type", ""): r.get("Target", "") for r in root.iter(f"{{{PKG_REL_NS}}}Relationship")}
    with ExcelFile(path) as book:
        modules = {n: book.get_module(n) for n in book.module_names()}
    wb = load_workbook(path, read_only=True)
    try:
        version = wb[CONF_SHEET][VERSION_CELL].value if CONF_SHEET in wb.sheetnames else None
        sheets = list(wb.sheetnames)
    finally:
        wb.close()
    return BuiltWorkbook(sheets, modules, ribbon, rels, None if version is None else str(version))
