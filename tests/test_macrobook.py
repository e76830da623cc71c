"""The macro workbook: ribbon parts, VBA read back by olevba, LibreOffice, file-backend writes."""

from __future__ import annotations

import shutil
import zipfile
from datetime import date
from pathlib import Path

import pytest
import xlwings
from lxml import etree
from oletools.olevba import VBA_Parser
from pyopenvba import ExcelFile

import uppf_xl.excel as excel
from conftest import DEMO_TODAY, soffice_convert
from uppf_xl import macrobook
from uppf_xl.contract import ALL_SHEETS
from uppf_xl.workbook import open_workbook
from uppf_xl.workbook.content import Cell, CellPatch, Changes, SheetContent

COMMITTED = Path(__file__).parents[1] / "workbook" / "uppf-xl.xlsm"
REL_2009 = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
REL_2006 = "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("macrobook")
    out = {"empty": folder / "uppf-xl.xlsm", "demo": folder / "demo.xlsm"}
    macrobook.build_workbook(out["empty"], demo=False, today=DEMO_TODAY)
    macrobook.build_workbook(out["demo"], demo=True, today=DEMO_TODAY)
    return out


@pytest.fixture(scope="module")
def ods(built: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("ods")
    soffice_convert([built["empty"]], "ods", folder)
    return folder / "uppf-xl.ods"


def olevba_modules(path: Path) -> dict[str, str]:
    """Module name -> source as oletools reads it from the file."""
    parser = VBA_Parser(str(path))
    try:
        return {name.rsplit(".", 1)[0]: code if isinstance(code, str) else code.decode("cp1252")
                for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()


def lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").rstrip("\n").split("\n")


def test_both_ribbon_parts_and_their_relationships(built: dict[str, Path]) -> None:
    with zipfile.ZipFile(built["empty"]) as zf:
        rels = etree.fromstring(zf.read("_rels/.rels"))
        targets = {r.get("Type"): r.get("Target") for r in rels}
        assert targets[REL_2009] == "customUI/customUI14.xml"
        assert targets[REL_2006] == "customUI/customUI.xml"
        for part, source in (("customUI/customUI14.xml", "customUI14.xml"), ("customUI/customUI.xml", "customUI.xml")):
            assert zf.read(part) == macrobook.macro_file(source).encode("utf-8")
            root = etree.fromstring(zf.read(part))
            assert root.tag == f"{{{macrobook.RIBBON_NAMESPACES[part]}}}customUI"
            tab = next(root.iter("{*}tab"))
            assert tab.get("label") == "Uppföljning"
            buttons = list(root.iter("{*}button"))
            assert [b.get("label") for b in buttons] == list(excel.TITLES.values())
            assert all(b.get("onAction") == "OnRibbonAction" and b.get("imageMso") for b in buttons)


def test_every_button_tag_names_an_entry_function(built: dict[str, Path]) -> None:
    with zipfile.ZipFile(built["empty"]) as zf:
        for part in macrobook.RIBBON_PARTS:
            for tag in macrobook.ribbon_tags(zf.read(part)):
                assert callable(getattr(excel, tag, None)) and excel.BUTTONS[tag] is getattr(excel, tag), tag


def test_vba_modules_read_back_identical_with_olevba(built: dict[str, Path]) -> None:
    modules = olevba_modules(built["empty"])
    for name, source in macrobook.vba_sources().items():
        assert lines(modules[name]) == lines(source), name
    assert lines(modules["xlwings"]) == lines(macrobook.xlwings_bas())
    assert "Module1" not in modules
    assert "ö" in modules["uppf_xl"]  # stored as Windows-1252, read back as the same text


def test_the_project_references_office_and_validates(built: dict[str, Path]) -> None:
    with ExcelFile(built["empty"]) as book:
        assert book.validate() == []
        assert macrobook.OFFICE_GUID in {r.guid.upper() for r in book.references()}
        assert set(book.module_names()) >= {"ThisWorkbook", "Sheet1", "Sheet2", "xlwings", "uppf_xl"}


def test_conf_sheet_and_recorded_version(built: dict[str, Path]) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(built["empty"])
    conf = wb[macrobook.CONF_SHEET]
    keys = [conf.cell(r, 1).value for r in range(1, len(macrobook.CONF_ROWS) + 1)]
    assert keys == [k for k, _ in macrobook.CONF_ROWS]
    assert conf.cell(len(macrobook.CONF_ROWS) + 1, 1).value is None  # xlwings stops reading here
    assert conf["B6"].value == "uppf_xl.excel"  # UDF Modules
    assert conf[macrobook.VERSION_CELL].value == xlwings.__version__
    assert wb.defined_names[macrobook.VERSION_NAME].attr_text == "'xlwings.conf'!$B$13"
    assert wb.sheetnames == [*(s.name for s in ALL_SHEETS), macrobook.CONF_SHEET]


def test_libreoffice_opens_it_and_lists_the_modules(ods: Path) -> None:
    with zipfile.ZipFile(ods) as zf:
        basic = {n for n in zf.namelist() if n.startswith("Basic/")}
        assert {"Basic/VBAProject/uppf_xl.xml", "Basic/VBAProject/xlwings.xml"} <= basic
        module = zf.read("Basic/VBAProject/uppf_xl.xml").decode("utf-8")
    assert "Public Sub OnRibbonAction(control As IRibbonControl)" in module
    assert "knapparna på fliken Uppföljning" in module


def test_file_backend_writes_keep_the_vba_project_and_the_ribbon(built: dict[str, Path], tmp_path: Path) -> None:
    from uppf_xl.workbook.package import write_changes

    path = tmp_path / "demo.xlsm"
    shutil.copyfile(built["demo"], path)
    before = zipfile.ZipFile(path)
    vba, ribbon = before.read("xl/vbaProject.bin"), {p: before.read(p) for p in macrobook.RIBBON_PARTS}
    before.close()
    register = open_workbook(path).register(DEMO_TODAY)
    finding = register.findings[0]
    write_changes(path, Changes(
        sheets=[SheetContent("Översikt", cells=[Cell(1, 1, "Översikt")])],
        patches=[CellPatch("Iakttagelser", {(finding.row, "Status"): "Ny"})],
    ))

    after = macrobook.inspect_workbook(path)
    with zipfile.ZipFile(path) as zf:
        assert zf.read("xl/vbaProject.bin") == vba
        assert {p: zf.read(p) for p in macrobook.RIBBON_PARTS} == ribbon
    assert after.root_rels[REL_2009] == "customUI/customUI14.xml"
    assert after.root_rels[REL_2006] == "customUI/customUI.xml"
    assert open_workbook(path).raw().tables["Iakttagelser"].records()[0][1]["Status"] == "Ny"


def test_the_committed_workbook_matches_the_sources(built: dict[str, Path]) -> None:
    committed = macrobook.inspect_workbook(COMMITTED)
    fresh = macrobook.inspect_workbook(built["empty"])
    assert committed.sheets == fresh.sheets
    assert committed.ribbon == fresh.ribbon
    assert committed.root_rels == fresh.root_rels
    assert {n: lines(s) for n, s in committed.modules.items()} == {n: lines(s) for n, s in fresh.modules.items()}
    assert committed.xlwings_version == fresh.xlwings_version == xlwings.__version__
    tables = {n: t.header for n, t in open_workbook(COMMITTED).raw().tables.items()}
    assert tables == {n: t.header for n, t in open_workbook(built["empty"]).raw().tables.items()}


def test_no_survey_key_is_shipped(built: dict[str, Path]) -> None:
    from uppf_xl.survey import KEY_SETTING

    for path in (COMMITTED, built["empty"], built["demo"]):
        settings = open_workbook(path).raw().tables["Inställningar"]
        assert KEY_SETTING not in [values.get("Inställning") for _, values in settings.records()], path


def test_build_is_deterministic(built: dict[str, Path], tmp_path: Path) -> None:
    again = tmp_path / "again.xlsm"
    macrobook.build_workbook(again, demo=False, today=DEMO_TODAY)
    assert again.read_bytes() == built["empty"].read_bytes()


def test_build_refuses_another_suffix(tmp_path: Path) -> None:
    from uppf_xl.errors import UsageError

    with pytest.raises(UsageError, match=r"x\.xlsx: makroarbetsboken måste sluta på \.xlsm\."):
        macrobook.build_workbook(tmp_path / "x.xlsx", demo=False, today=date(2025, 1, 10))


def test_vba_text_outside_windows_1252_is_refused() -> None:
    from uppf_xl.errors import UsageError

    with pytest.raises(UsageError, match="VBA-modulen m: tecknet '→' finns inte i Windows-1252."):
        macrobook._check_cp1252("m", "' pil →")
