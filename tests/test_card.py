"""The provider card: every section from a real workbook, re-read as .docx and PDF, never a personnummer."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from conftest import DATA, DEMO_TODAY
from personal_data import docx_text, found_in, pdf_text, planted_texts
from uppf_xl.cli import main
from uppf_xl.contract import MONTHLY
from uppf_xl.workbook import open_workbook
from uppf_xl.workbook.content import CellPatch, Changes, RowAppend, SheetContent, TableBlock


def run(*args: str) -> Result:
    result = CliRunner().invoke(main, [*args, "--today", DEMO_TODAY.isoformat()])
    assert "Traceback" not in result.output, result.output
    return result


@pytest.fixture(scope="module")
def card_book(demo_master: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo, planned, with Kolada values, monthly figures and personal data planted in internal texts."""
    import shutil

    book = tmp_path_factory.mktemp("card") / "uppfoljning.xlsx"
    shutil.copyfile(demo_master, book)
    assert run("plan", str(book)).exit_code == 0
    assert run("kolada-in", str(book), *map(str, sorted((DATA / "kolada").glob("*.json")))).exit_code == 0
    wb = open_workbook(book)
    reg = wb.register(DEMO_TODAY)
    u004 = reg.provider("U004")
    assert u004 is not None
    finding = next(f for f in reg.findings if f.provider_id == "U004")
    texts = planted_texts()
    monthly = TableBlock(MONTHLY.table, 1, 1, MONTHLY.headers, [
        ["2025-09", "U004", u004.name, 812, 640.5, 700.0, 0.915, 0.12, 0.03, 2, 14, 3, 11.0, f"Kort besök hos {texts[1]}"],
        ["2025-10", "U004", u004.name, 830, 655.0, 700.0, 0.936, 0.08, 0.02, 0, 9, 1, 10.0, ""],
        ["2025-10", "U001", "Annan", 100, 50.0, 60.0, 0.83, 0.5, 0.1, 9, 9, 9, 9.0, ""],
    ])
    wb.apply(Changes(
        sheets=[SheetContent(MONTHLY.name, tables=[monthly])],
        patches=[CellPatch("Utförare", {(u004.row, "Kommentar"): texts[2], (u004.row, "Riskskäl"): "3 händelser på 90 dagar"}),
                 CellPatch("Iakttagelser", {(finding.row, "Beskrivning"): texts[0], (finding.row, "Sammanfattning för nämnd"): texts[3]})],
        appends=[RowAppend("Händelser", [{"Datum": date(2025, 10, 1), "UtförarID": "U004", "Typ": "Lex Sarah",
                                         "Beskrivning": texts[1], "Allvarlig": "Nej", "Hanterad": "Nej"}])],
    ), "test", "planterat")
    return book


def test_card_has_every_section_and_no_personnummer(card_book: Path, tmp_path: Path) -> None:
    out = tmp_path / "kort" / "U004.docx"
    r = run("card", str(card_book), "U004", "--out", str(out), "--pdf")
    assert r.exit_code == 0, r.output
    assert "personnummer i texterna är maskerade" in r.output
    assert not found_in(r.output)
    text = docx_text(out)
    for heading in ("Register och avtal", "Risk", "Uppföljningar", "Iakttagelser och åtgärdsplaner", "Skickade brev",
                    "Informationsbegäranden", "Händelser", "Avvikande enkätsvar", "Månadsuppföljning", "Nyckeltal från Kolada"):
        assert heading in text
    assert "Trygga Händer Omsorg AB" in text and "Erik Holm" in text  # internal: the verksamhetschef is named
    assert "3 händelser på 90 dagar" in text
    assert "2025-09" in text and "92 %" in text and "640,5" in text  # monthly figures of U004 only
    assert "Annan" not in text
    assert "U21468" in text and "Brukarbedömning hemtjänst" in text
    assert "B-2025-04" in text  # the information request and its dates
    assert "Lex Sarah" in text and "Klagomål" in text
    assert "19XXXXXX-XXXX" in text
    assert found_in(text) == []
    pdf = out.with_suffix(".pdf")
    assert pdf.is_file()
    assert found_in(pdf_text(pdf)) == []
    assert "Utförarkort" in pdf_text(pdf)


def test_the_card_lists_follow_ups_of_every_year(card_book: Path, tmp_path: Path) -> None:
    out = tmp_path / "U001.docx"
    assert run("card", str(card_book), "U001", "--out", str(out)).exit_code == 0
    text = docx_text(out)
    assert "2024" in text and "2025" in text
    assert "I-2025-001" in text and "begärd" in text


def test_unknown_provider_is_a_usage_error(card_book: Path, tmp_path: Path) -> None:
    r = run("card", str(card_book), "U999", "--out", str(tmp_path / "x.docx"))
    assert r.exit_code == 2
    assert 'UtförarID "U999" finns inte i Utförare' in r.output
    assert not (tmp_path / "x.docx").exists()
