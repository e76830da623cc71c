"""Tests of the questionnaire file (uppf_xl.workbook.questionnaire): layout, protection, validation, LibreOffice."""

from __future__ import annotations

import datetime as dt
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import soffice_convert
from test_survey import TODAY, answer_file, compliant_answers, survey_register
from uppf_xl.documents import survey_in, survey_out
from uppf_xl.survey import applicable_questions
from uppf_xl.vocab import AnswerType
from uppf_xl.workbook.questionnaire import ID_SHEET, SHEET, read_questionnaire


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, dict[str, Path]]:
    reg = survey_register()
    out = survey_out(reg, "AVT", 2025, tmp_path_factory.mktemp("enkater"), TODAY)
    return reg, {f.name.split("_")[1]: f for f in out.files}


def _rows(ws) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Question ID -> row on the visible sheet."""
    return {str(ws.cell(r, 1).value): r for r in range(1, ws.max_row + 1) if str(ws.cell(r, 1).value or "").startswith("Q")}


def _validations(ws) -> dict[str, tuple[str, str | None]]:  # type: ignore[no-untyped-def]
    """Cell -> (validation type, formula1)."""
    out = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            for row in ws[rng.coord] if ":" in rng.coord else [[ws[rng.coord]]]:
                for cell in row:
                    out[cell.coordinate] = (dv.type, dv.formula1)
    return out


def test_the_visible_sheet_shows_instruction_deadline_provider_and_themes(written) -> None:  # type: ignore[no-untyped-def]
    reg, files = written
    wb = load_workbook(files["U003"])
    assert wb.sheetnames == [SHEET, ID_SHEET]
    ws = wb[SHEET]
    assert ws["A1"].value == "Enkät: Avtalsuppföljning 2025"
    assert ws["A2"].value == (
        "Skriv era svar i de gula cellerna i kolumn D. Där det finns en lista väljer ni ett svar i den. "
        "Frågor märkta med * måste besvaras. Frågorna går inte att ändra. "
        "Spara filen med samma namn och skicka den till anna@kommun.example senast 2025-02-07."
    )
    assert (ws["A3"].value, ws["B3"].value) == ("Sista svarsdag", dt.datetime(2025, 2, 7))
    details = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(5, 15)}
    assert details["Utförare"] == "Björkhagens boende" and details["UtförarID"] == "U003"
    assert details["Verksamhetsområde"] == "Särskilt boende för äldre" and details["Regi"] == "Egen regi"
    assert details["Kommun"] == "Exempelby kommun, Vård- och omsorgsförvaltningen"

    # Themes as headings, each followed by its questions, in question-bank order.
    expected = applicable_questions(reg, reg.provider("U003"), "AVT", 2025)
    layout: list[str] = []
    header = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "FrågeID")
    for r in range(header + 1, ws.max_row + 1):
        layout.append(str(ws.cell(r, 1).value))
    themes: list[str] = []
    for q in expected:
        if q.theme not in themes:
            themes.append(q.theme)
    assert [x for x in layout if not x.startswith("Q")] == themes
    assert [x for x in layout if x.startswith("Q")] == [q.id for q in expected]
    assert "Brand" in themes and "Mat och måltider" in themes and "Avtal och ekonomi" not in themes
    rows = _rows(ws)
    q02 = rows["Q02"]
    assert ws.cell(q02, 3).value == "Skriv ett tal *"
    assert ws.cell(rows["Q17"], 3).value == "Skriv fritt"  # no Krav: optional, no star


def test_only_answer_cells_are_unlocked_and_sheets_and_structure_are_protected(written) -> None:  # type: ignore[no-untyped-def]
    _, files = written
    wb = load_workbook(files["U001"])
    ws = wb[SHEET]
    assert wb.security.lockStructure
    for sheet in wb.worksheets:
        assert sheet.protection.sheet and sheet.protection.password
    assert wb[ID_SHEET].sheet_state == "veryHidden" and ws.sheet_state == "visible"
    answer_cells = {f"D{r}" for r in _rows(ws).values()}
    unlocked = {c.coordinate for row in ws.iter_rows() for c in row if not c.protection.locked}
    assert unlocked == answer_cells
    assert all(ws[c].fill.fgColor.rgb.endswith("FFF2CC") for c in answer_cells)


def test_dropdowns_and_number_and_date_validation(written) -> None:  # type: ignore[no-untyped-def]
    reg, files = written
    ws = load_workbook(files["U003"])[SHEET]
    rows = _rows(ws)
    checks = _validations(ws)
    for q in applicable_questions(reg, reg.provider("U003"), "AVT", 2025):
        cell = f"D{rows[q.id]}"
        got = checks.get(cell)
        if q.answer_type is AnswerType.JA_NEJ:
            assert got == ("list", '"Ja,Nej"'), q.id
        elif q.answer_type is AnswerType.FLERVAL:
            assert got == ("list", '"' + ",".join(q.options) + '"'), q.id
        elif q.answer_type is AnswerType.TAL:
            assert got is not None and got[0] == "decimal", q.id
        elif q.answer_type is AnswerType.DATUM:
            assert got is not None and got[0] == "date", q.id
            assert ws[cell].number_format == "yyyy-mm-dd"
        else:
            assert got is None, q.id
    for dv in ws.data_validations.dataValidation:
        assert dv.showErrorMessage and dv.errorTitle == "Ogiltigt svar"


def test_the_hidden_identity_reads_back(written) -> None:  # type: ignore[no-untyped-def]
    reg, files = written
    back = read_questionnaire(files["U001"])
    assert back.sheet == SHEET
    ident = back.identity
    assert ident is not None
    assert {k: ident[k] for k in ("Format", "UtförarID", "TypID", "År", "Skapad", "Sista svarsdag")} == {
        "Format": "uppf-xl-enkät/1", "UtförarID": "U001", "TypID": "AVT", "År": "2025",
        "Skapad": "2025-01-10", "Sista svarsdag": "2025-02-07",
    }
    assert len(ident["Frågebanksversion"]) == 12 and len(ident["Signatur"]) == 64
    expected = applicable_questions(reg, reg.provider("U001"), "AVT", 2025)
    assert [q.signed.id for q in back.questions] == [q.id for q in expected]
    assert all(q.shown_id == q.signed.id and q.shown_text == q.signed.text and q.value is None for q in back.questions)


def test_libreoffice_keeps_protection_dropdowns_and_the_signature(written, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    reg, files = written
    filled = tmp_path_factory.mktemp("ifyllda") / files["U001"].name
    filled.write_bytes(files["U001"].read_bytes())
    answers = compliant_answers(reg, "U001") | {"Q01": "Nej", "Q02": 31.5}
    answer_file(filled, answers)
    lo_dir = tmp_path_factory.mktemp("libreoffice")
    soffice_convert([filled, files["U003"]], "xlsx", lo_dir)

    for original in (filled, files["U003"]):
        before, after = load_workbook(original), load_workbook(lo_dir / original.name)
        assert after.sheetnames == [SHEET, ID_SHEET]
        # LibreOffice has no "very hidden": the identity sheet stays hidden and protected.
        assert after[ID_SHEET].sheet_state in ("hidden", "veryHidden")
        for name in (SHEET, ID_SHEET):
            assert after[name].protection.sheet
        ws_b, ws_a = before[SHEET], after[SHEET]
        assert _validations(ws_a) == _validations(ws_b)
        unlocked = {c.coordinate for row in ws_a.iter_rows() for c in row if not c.protection.locked}
        assert unlocked == {f"D{r}" for r in _rows(ws_b).values()}

    # A file filled in and saved by LibreOffice still reads in, with the same answers.
    direct = survey_in(reg, [filled], date(2025, 2, 1), now=dt.datetime(2025, 2, 1, 8))
    via_lo = survey_in(reg, [lo_dir / filled.name], date(2025, 2, 1), now=dt.datetime(2025, 2, 1, 8))
    assert via_lo.lines[0] == "Enkäter: 1 inlästa, 0 avvisade, 1 med nya eller ändrade svar."
    assert via_lo.changes.sheets[0].tables[0].rows == direct.changes.sheets[0].tables[0].rows
    assert [f["IakttagelseID"] for f in via_lo.changes.appends[0].rows] == ["E-2025-U001-Q01", "E-2025-U001-Q02"]
