"""`uppf-xl init`: the contract as a real workbook, opened by openpyxl, calamine and LibreOffice."""

from __future__ import annotations

import csv
import hashlib
import subprocess
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from conftest import DEMO_TODAY, soffice_convert
from uppf_xl import contract
from uppf_xl.cli import main


def test_new_workbook_has_every_sheet_as_a_table(tmp_path: Path) -> None:
    book = tmp_path / "ny.xlsx"
    result = CliRunner().invoke(main, ["init", str(book)])
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(book)
    assert wb.sheetnames == [s.name for s in contract.ALL_SHEETS]
    for sheet in contract.ALL_SHEETS:
        if sheet is contract.DASHBOARD:
            continue
        ws = wb[sheet.name]
        (table,) = ws.tables.values()
        assert table.ref.startswith("A1:"), sheet.name
        headers = [c.value for c in ws[1] if c.value is not None]
        assert headers[: len(sheet.headers)] == sheet.headers
        assert ws.freeze_panes == "A2"


def test_dropdowns_come_from_listor(tmp_path: Path) -> None:
    book = tmp_path / "ny.xlsx"
    CliRunner().invoke(main, ["init", str(book)])
    wb = openpyxl.load_workbook(book)
    formulas = {dv.formula1 for dv in wb["Utförare"].data_validations.dataValidation if dv.type == "list"}
    assert formulas == {"=lista_Regi", "=lista_Avtalsform", "=lista_Verksamhetsomrade", "=lista_Riskniva", "=lista_Namnd",
                        "=lista_IVO_tillstand"}
    assert wb.defined_names["lista_Regi"].attr_text == "'Listor'!$B$2:$B$200"


def test_date_columns_show_iso_dates(demo_master: Path) -> None:
    ws = openpyxl.load_workbook(demo_master)["Utförare"]
    start = [c for c in ws[1] if c.value == "Startdatum"][0].column
    assert ws.cell(2, start).number_format == "yyyy-mm-dd"


def test_init_refuses_to_overwrite(tmp_path: Path) -> None:
    book = tmp_path / "ny.xlsx"
    book.write_bytes(b"mitt eget")
    result = CliRunner().invoke(main, ["init", str(book), "--demo"])
    assert result.exit_code == 2
    assert result.stderr.strip() == "Fel: ny.xlsx finns redan. Använd --force för att skriva över den."
    assert book.read_bytes() == b"mitt eget"
    assert CliRunner().invoke(main, ["init", str(book), "--force"]).exit_code == 0
    assert openpyxl.load_workbook(book).sheetnames[0] == "Översikt"


def test_demo_is_valid_and_believable(demo_master: Path) -> None:
    from uppf_xl import open_workbook

    wb = open_workbook(demo_master)
    assert [p.text for p in wb.check(DEMO_TODAY) if p.is_error] == []
    register = wb.register(DEMO_TODAY)
    assert len(register.providers) >= 30
    assert {p.namnd for p in register.providers} == {"Äldreomsorgsnämnden", "Omsorgsnämnden"}
    assert {p.regi.value for p in register.providers} == {"Privat", "Egen regi", "Idéburen"}
    assert any(p.start.year == DEMO_TODAY.year for p in register.providers)
    assert any(p.end is not None for p in register.providers)
    assert len({p.area for p in register.providers}) >= 10


def test_libreoffice_opens_the_demo_workbook(demo_master: Path, tmp_path: Path) -> None:
    """LibreOffice, as an independent client, reads every sheet and renders dates as dates."""
    target = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1"
    soffice_convert([demo_master], target, tmp_path)
    with open(tmp_path / "demo-Utförare.csv", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][:3] == ["UtförarID", "Namn", "Organisationsnummer"]
    assert rows[1][0] == "U001" and rows[1][13] == "2015-02-01"
    assert len(rows) == 33
    settings = {r[0]: r[1] for r in csv.reader(open(tmp_path / "demo-Inställningar.csv", encoding="utf-8"))}
    assert settings["Kommun"] == "Sjöviks kommun"
    assert settings["Semester från"] == "07-01"

    soffice_convert([demo_master], "pdf", tmp_path)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "demo.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "Omsorgshuset Linnea AB" in text
    assert "###" not in text


@pytest.mark.parametrize("command", sorted(main.commands))
def test_every_command_has_help_with_an_example(command: str) -> None:
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0
    assert "Exempel:" in result.output
    assert "uppf-xl " + command in result.output


def test_check_never_writes(demo_book: Path) -> None:
    before = hashlib.sha256(demo_book.read_bytes()).hexdigest()
    assert CliRunner().invoke(main, ["check", str(demo_book)]).exit_code == 0
    assert hashlib.sha256(demo_book.read_bytes()).hexdigest() == before
