"""The questionnaire file: one protected .xlsx per provider, written and read back with openpyxl.

The visible sheet "Enkät" shows an instruction line, the deadline, the provider's details
and the questions grouped by theme; only the yellow answer cells are unlocked, closed
answers have dropdowns and numbers and dates are validated. The very hidden sheet
"Identitet" carries the signed identity and a copy of every question with its answer cell
(see `uppf_xl.survey` for the signatures). The workbook structure is locked so the hidden
sheet cannot be unhidden, renamed or deleted from Excel's menus.

Example:
    >>> write_questionnaire(Path("2025_U001_Enkat_AVT.xlsx"), spec)    # doctest: +SKIP
    >>> read_questionnaire(Path("2025_U001_Enkat_AVT.xlsx")).identity  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import hashlib
import zipfile
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from uppf_xl.errors import ERROR, Problem
from uppf_xl.workbook.output import save_guarded
from uppf_xl.survey import (
    ANSWER_HINTS,
    FULL_SIGNATURE,
    ID_SIGNATURE,
    IDENTITY_FIELDS,
    QuestionnaireSpec,
    SignedQuestion,
)
from uppf_xl.survey_returns import QuestionnaireRejected, ReturnedQuestion, ReturnedQuestionnaire
from uppf_xl.vocab import AnswerType

SHEET = "Enkät"
ID_SHEET = "Identitet"
QUESTION_HEADER = ["FrågeID", "Tema", "Fråga", "Svarstyp", "Alternativ", "Krav", "Obligatorisk", "Svarscell"]
ANSWER_COL = "D"

_ANSWER_FILL = PatternFill("solid", fgColor="FFF2CC")
_THEME_FILL = PatternFill("solid", fgColor="DDEBF7")
_THIN = Side(style="thin", color="A6A6A6")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="top")
_UNLOCKED = Protection(locked=False)
_WIDTHS = {"A": 20.0, "B": 70.0, "C": 32.0, "D": 34.0}


def _sheet_password(spec: QuestionnaireSpec) -> str:
    # Not a secret that protects anything (the signature does): it only stops casual edits
    # of the questions, and the municipality can re-derive it from the file's signature.
    return hashlib.sha256(spec.identity[FULL_SIGNATURE].encode()).hexdigest()[:12]


def write_questionnaire(path: Path, spec: QuestionnaireSpec) -> None:
    """Write the questionnaire of `spec` to `path` (an .xlsx)."""
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    cells = _write_visible(ws, spec)
    _write_identity(wb.create_sheet(ID_SHEET), spec, cells)
    password = _sheet_password(spec)
    for sheet in wb.worksheets:
        sheet.protection.sheet = True
        sheet.protection.password = password
        # Resizing rows and columns helps with long answers and harms nothing.
        sheet.protection.formatColumns = False
        sheet.protection.formatRows = False
    wb.security = WorkbookProtection(workbookPassword=password, lockStructure=True)
    wb.active = 0
    # The provider's own details (its Verksamhetschef among them) are the point of the
    # questionnaire: only personnummer are looked for.
    save_guarded(wb, path, names=False, phone_labels=frozenset({"Kontaktperson"}))


def _write_visible(ws: Worksheet, spec: QuestionnaireSpec) -> dict[str, str]:
    """Fill the visible sheet; return the answer cell of each question ID."""
    p = spec.provider
    deadline = spec.deadline.isoformat()
    send_to = f" till {spec.contact_email}" if spec.contact_email else ""
    ws["A1"] = f"Enkät: {spec.type_name} {spec.identity['År']}"
    ws["A1"].font = Font(size=14, bold=True)
    ws["A2"] = (
        "Skriv era svar i de gula cellerna i kolumn D. Där det finns en lista väljer ni ett svar i den. "
        "Frågor märkta med * måste besvaras. Frågorna går inte att ändra. "
        f"Spara filen med samma namn och skicka den{send_to} senast {deadline}."
    )
    ws.merge_cells("A2:D2")
    ws["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[2].height = _height(str(ws["A2"].value), sum(_WIDTHS.values()))
    ws["A3"] = "Sista svarsdag"
    ws["B3"] = spec.deadline
    ws["B3"].number_format = "yyyy-mm-dd"
    ws["B3"].alignment = Alignment(horizontal="left")
    for c in ("A3", "B3"):
        ws[c].font = Font(bold=True, color="C00000")

    details = [
        ("Utförare", p.name),
        ("UtförarID", p.id),
        ("Organisationsnummer", p.orgnr),
        ("Verksamhetsområde", p.area),
        ("Regi", p.regi.value),
        ("Verksamhetschef", p.chef),
        ("Adress", ", ".join(x for x in (p.address, " ".join(y for y in (p.postcode, p.city) if y)) if x)),
        ("Uppföljning", f"{spec.type_name} {spec.identity['År']}"),
        ("Kommun", ", ".join(x for x in (spec.kommun, spec.forvaltning) if x)),
        ("Kontaktperson", ", ".join(x for x in (spec.contact_name, spec.contact_email, spec.contact_phone) if x)),
    ]
    row = 5
    for label, value in details:
        ws.cell(row, 1, label).font = Font(bold=True)
        ws.cell(row, 2, value)
        row += 1

    row += 1
    for col, header in enumerate(["FrågeID", "Fråga", "Svara så här", "Svar"], start=1):
        cell = ws.cell(row, col, header)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1F4E78")
    header_row = row
    row += 1

    validations: dict[tuple[str, str], DataValidation] = {}
    spec_cells: dict[str, str] = {}
    for theme, questions in spec.groups:
        ws.cell(row, 1, theme).font = Font(bold=True, size=12)
        for col in range(1, 5):
            ws.cell(row, col).fill = _THEME_FILL
        row += 1
        for q in questions:
            ws.cell(row, 1, q.id).alignment = _WRAP
            ws.cell(row, 2, q.text).alignment = _WRAP
            hint = ANSWER_HINTS[q.kind]
            if q.kind is AnswerType.FLERVAL:
                hint = f"{hint}: {'; '.join(q.option_list)}"
            ws.cell(row, 3, hint + (" *" if q.required else "")).alignment = _WRAP
            # Neither Excel nor LibreOffice grows a row for wrapped text written by a library.
            ws.row_dimensions[row].height = max(
                _height(q.text, _WIDTHS["B"]), _height(str(ws.cell(row, 3).value), _WIDTHS["C"])
            )
            answer = ws.cell(row, 4)
            answer.fill = _ANSWER_FILL
            answer.border = _BOX
            answer.protection = _UNLOCKED
            answer.alignment = _WRAP
            if q.kind is AnswerType.DATUM:
                answer.number_format = "yyyy-mm-dd"
            elif q.kind is AnswerType.TEXT:
                answer.number_format = "@"
            dv = _validation(validations, q)
            if dv is not None:
                dv.add(answer.coordinate)
            spec_cells[q.id] = answer.coordinate
            row += 1
    for dv in validations.values():
        ws.add_data_validation(dv)

    for letter, width in _WIDTHS.items():
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = f"A{header_row + 1}"
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    return spec_cells


def _height(text: str, width: float) -> float:
    """Row height in points for `text` wrapped in a column `width` characters wide."""
    lines = max(1, -(-len(text) // max(1, int(width * 1.15))))
    return 15.0 * lines + 3


def _validation(cache: dict[tuple[str, str], DataValidation], q: SignedQuestion) -> DataValidation | None:
    kind = q.kind
    if kind is AnswerType.JA_NEJ:
        key = ("list", "Ja;Nej")
    elif kind is AnswerType.FLERVAL and q.option_list:
        key = ("list", ";".join(q.option_list))
    elif kind in (AnswerType.TAL, AnswerType.DATUM):
        key = (kind.value, "")
    else:
        return None
    if key in cache:
        return cache[key]
    if key[0] == "list":
        options = key[1].split(";")
        # An inline list may not hold commas or exceed 255 characters; such options are
        # checked on import instead.
        formula = '"' + ",".join(options) + '"'
        if any("," in o or '"' in o for o in options) or len(formula) > 255:
            return None
        dv = DataValidation(type="list", formula1=formula, allow_blank=True)
        dv.error = f"Välj ett av svaren i listan: {', '.join(options)}."
    elif kind is AnswerType.TAL:
        dv = DataValidation(type="decimal", operator="between", formula1="-1000000000", formula2="1000000000", allow_blank=True)
        dv.error = "Svaret ska vara ett tal."
    else:
        dv = DataValidation(type="date", operator="between", formula1="DATE(1900,1,1)", formula2="DATE(2199,12,31)", allow_blank=True)
        dv.error = "Svaret ska vara ett datum, till exempel 2025-03-14."
    dv.errorTitle = "Ogiltigt svar"
    dv.showErrorMessage = True
    dv.errorStyle = "stop"
    cache[key] = dv
    return dv


def _write_identity(ws: Worksheet, spec: QuestionnaireSpec, cells: dict[str, str]) -> None:
    ws.sheet_state = "veryHidden"
    ws["A1"] = "Enkätens identitet. Ändra ingenting här: då kan enkäten inte läsas in."
    row = 2
    for label in (*IDENTITY_FIELDS, ID_SIGNATURE, FULL_SIGNATURE):
        ws.cell(row, 1, label)
        ws.cell(row, 2, spec.identity[label])
        row += 1
    row += 1
    for col, header in enumerate(QUESTION_HEADER, start=1):
        ws.cell(row, col, header)
    for q in spec.questions:
        row += 1
        for col, value in enumerate([*q.signed_fields(), cells[q.id]], start=1):
            # Every value is text, so no client turns "2025" or "Q01" into something else.
            ws.cell(row, col, value).number_format = "@"
    ws.column_dimensions["A"].width = 20
    ws.column_dimensions["B"].width = 66


def fill_answers(path: Path, answers: dict[str, object]) -> None:
    """Type answers into a questionnaire's answer cells and save it, as a provider does in Excel.

    `answers` maps FrågeID to the value typed. Used by the demo and the tests.
    """
    wb = load_workbook(path)
    ws = wb[SHEET]
    rows = {str(ws.cell(r, 1).value): r for r in range(1, ws.max_row + 1)}
    for question_id, value in answers.items():
        ws.cell(rows[question_id], 4).value = value
    wb.save(path)


def read_questionnaire(path: Path) -> ReturnedQuestionnaire:
    """Read a returned questionnaire without judging it; raise QuestionnaireRejected if unreadable."""
    path = Path(path)
    if not path.is_file():
        raise QuestionnaireRejected(Problem(ERROR, path.name, "", "filen finns inte."))
    try:
        wb = load_workbook(path, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise QuestionnaireRejected(
            Problem(ERROR, path.name, "", "filen är ingen Excel-arbetsbok (.xlsx) och kan inte läsas in.")
        ) from exc
    saved = wb.properties.modified if isinstance(wb.properties.modified, dt.datetime) else None
    visible = SHEET if SHEET in wb.sheetnames else wb.sheetnames[0]
    if ID_SHEET not in wb.sheetnames:
        return ReturnedQuestionnaire(path, visible, None, saved=saved)
    if SHEET not in wb.sheetnames:
        raise QuestionnaireRejected(
            Problem(ERROR, path.name, "", f"bladet {SHEET} saknas eller har bytt namn; använd filen som skickades ut.")
        )
    ids = wb[ID_SHEET]
    identity: dict[str, str] = {}
    header_row = None
    for row in ids.iter_rows(min_row=1, max_col=len(QUESTION_HEADER)):
        label = _text(row[0].value)
        if label == QUESTION_HEADER[0] and _text(row[2].value) == QUESTION_HEADER[2]:
            header_row = row[0].row
            break
        if label:
            identity[label] = _text(row[1].value)
    questions: list[ReturnedQuestion] = []
    if header_row is not None:
        ws = wb[SHEET]
        for row in ids.iter_rows(min_row=header_row + 1, max_col=len(QUESTION_HEADER), values_only=True):
            values = [_text(v) for v in row]
            if not values[0]:
                continue
            qid, theme, text, kind, options, req, required, cell = values
            try:
                number = int(cell[len(ANSWER_COL):])
            except ValueError:
                number = 0
            signed = SignedQuestion(qid, theme, text, kind, options, req, required == "Ja")
            if number < 1 or kind not in AnswerType.labels():
                # A damaged copy: keep it so the signature check reports the change.
                questions.append(ReturnedQuestion(signed, cell, None, None, "", "", None))
                continue
            questions.append(
                ReturnedQuestion(
                    signed,
                    cell=f"{ANSWER_COL}{number}",
                    shown_id=ws[f"A{number}"].value,
                    shown_text=ws[f"B{number}"].value,
                    id_cell=f"A{number}",
                    text_cell=f"B{number}",
                    value=ws[f"{ANSWER_COL}{number}"].value,
                )
            )
    return ReturnedQuestionnaire(path, visible, identity, questions, saved)


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()
