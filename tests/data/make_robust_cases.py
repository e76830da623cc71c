"""Writes tests/data/robust/<case>.xlsx and <case>.expected: awkward and broken workbooks.

Three groups, each case built from the demo workbook (today 2025-11-22) the way a user or a
broken disk would leave it:
- tolerated: read right, `uppf-xl check` exits 0 (hidden rows, filters, moved and extra
  columns, long texts, emoji, ISO text dates, numbers stored as text);
- reported: every problem named with sheet and cell, exit 1 (wrong types in each kind of
  column, impossible dates, dates where text belongs, empty rows, a table away from A1, a
  renamed header, a duplicated column, formulas and error values, control characters,
  missing sheets), plus a few workbooks with many problems at once;
- refused: the file cannot be read at all, exit 3 (not a workbook, encrypted, old .xls,
  zero bytes, truncated or corrupt zip).
The cases complement tests/data/check (one defect each) and do not repeat them.

<case>.expected holds `exit N` on its first line, then the exact output of
`uppf-xl check <case>.xlsx --today 2025-11-22` run in the case's folder: stdout lines, then
stderr lines. Run: python tests/data/make_robust_cases.py
"""

from __future__ import annotations

import io
import re
import sys
import zipfile
from collections.abc import Callable
from copy import copy
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import openpyxl
from openpyxl.utils.cell import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.table import TableColumn
from openpyxl.worksheet.worksheet import Worksheet

HERE = Path(__file__).parent
OUT = HERE / "robust"
TODAY = date(2025, 11, 22)
sys.path.insert(0, str(HERE.parent.parent / "src"))

from make_check_cases import header_col, set_cell  # noqa: E402  (the same edits a user makes)
from uppf_xl.workbook.initbook import create_workbook

Mutation = Callable[[Workbook], None]
# Placeholders for characters openpyxl refuses to write; replaced by Excel's _xHHHH_ escape
# in the saved XML, which is how Excel itself stores them.
CONTROL_PLACEHOLDERS = {"\x07": "@@BEL@@", "\x0b": "@@VT@@", "\x1b": "@@ESC@@"}


@dataclass
class Case:
    name: str
    exit_code: int
    expected: list[str]
    mutate: Mutation | None = None  # a change to the demo workbook
    raw: Callable[[bytes], bytes] | None = None  # or a change to the file's bytes
    command: list[str] | None = None  # run instead of check: [command, *options] (the file goes second)
    after: list[str] | None = None  # then `check` afterwards: "exit N" and its exact output
    libreoffice: bool = False  # also built as <name>_lo: the same edit saved again by LibreOffice


CASES: dict[str, Case] = {}


def case(name: str, exit_code: int, *expected: str) -> Callable[[Mutation], Mutation]:
    def register(f: Mutation) -> Mutation:
        CASES[name] = Case(name, exit_code, list(expected), mutate=f)
        return f

    return register


def forgive_case(name: str, exit_code: int, *expected: str, command: list[str] | None = None,
                 after: list[str] | None = None) -> Callable[[Mutation], Mutation]:
    """A case of the forgiving workbook, built by openpyxl and once more through LibreOffice."""
    def register(f: Mutation) -> Mutation:
        CASES[name] = Case(name, exit_code, list(expected), mutate=f, command=command, after=after, libreoffice=True)
        return f

    return register


def raw_case(name: str, *expected: str) -> Callable[[Callable[[bytes], bytes]], Callable[[bytes], bytes]]:
    def register(f: Callable[[bytes], bytes]) -> Callable[[bytes], bytes]:
        CASES[name] = Case(name, 3, list(expected), raw=f)
        return f

    return register


def summary(errors: int, warnings: int, name: str) -> str:
    return f"{errors} fel och {warnings} varningar i {name}.xlsx."


# --- helpers: edits as a user makes them in Excel ---------------------------------------------


def table_of(ws: Worksheet):
    return next(iter(ws.tables.values()))


def rename_header(ws: Worksheet, old: str, new: str) -> None:
    """Rename a header cell and its table column, as Excel keeps them equal."""
    ws.cell(1, header_col(ws, old)).value = new
    for tc in table_of(ws).tableColumns:
        if tc.name == old:
            tc.name = new


def add_column(ws: Worksheet, header: str, values: dict[int, object], in_table: bool = True, gap: int = 0) -> int:
    """A new column right of the last one (in the table, or `gap` columns beyond it)."""
    col = ws.max_column + 1 + gap
    ws.cell(1, col).value = header
    for row, value in values.items():
        ws.cell(row, col).value = value
    if in_table:
        table = table_of(ws)
        first, last = table.ref.split(":")
        last_row = int(re.sub(r"[A-Z]+", "", last))
        table.ref = f"{first}:{get_column_letter(col)}{last_row}"
        table.tableColumns.append(TableColumn(id=len(table.tableColumns) + 1, name=header))
        if table.autoFilter is not None:
            table.autoFilter.ref = table.ref
    return col


def reorder_columns(ws: Worksheet, order: list[str]) -> None:
    """Rewrite the sheet's columns in `order` (headers not named keep their relative order after)."""
    headers = [c.value for c in ws[1]]
    rest = [h for h in headers if h not in order]
    new = order + rest
    grid = [[(c.value, c.number_format) for c in row] for row in ws.iter_rows(min_row=1, max_row=ws.max_row)]
    for r, row in enumerate(grid, start=1):
        by_header = dict(zip(headers, row))
        for i, h in enumerate(new, start=1):
            value, fmt = by_header[h]
            cell = ws.cell(r, i)
            cell.value = value
            cell.number_format = fmt
    table = table_of(ws)
    columns = {tc.name: tc for tc in table.tableColumns}
    table.tableColumns = [copy(columns[h]) for h in new]
    for i, tc in enumerate(table.tableColumns, start=1):
        tc.id = i
    ws.data_validations.dataValidation = []  # Excel moves them with the cells; they are not read


def clear_row(ws: Worksheet, row: int) -> None:
    for cell in ws[row]:
        cell.value = None


# --- tolerated: read right, exit 0 --------------------------------------------------------------


@case("hidden_rows", 0, "Inga fel i hidden_rows.xlsx.")
def _hidden_rows(wb: Workbook) -> None:
    # Hidden rows are data like any other; a user hides rows to print a part of the list.
    for row in (3, 4, 5):
        wb["Utförare"].row_dimensions[row].hidden = True
    wb["Iakttagelser"].row_dimensions[2].hidden = True
    wb["Händelser"].row_dimensions[9].hidden = True  # the last row


@case("autofilter", 0, "Inga fel i autofilter.xlsx.")
def _autofilter(wb: Workbook) -> None:
    # A table filtered on Regi = Privat: Excel hides the other rows and records the filter.
    ws = wb["Utförare"]
    table = table_of(ws)
    table.autoFilter = AutoFilter(ref=table.ref)
    regi = header_col(ws, "Regi")
    table.autoFilter.add_filter_column(regi - 1, ["Privat"])
    for row in range(2, ws.max_row + 1):
        if ws.cell(row, regi).value != "Privat":
            ws.row_dimensions[row].hidden = True
    # A sheet-level filter on a sheet whose table has none.
    ws = wb["Händelser"]
    ws.auto_filter.ref = table_of(ws).ref
    ws.auto_filter.add_filter_column(2, ["Klagomål"])


@case("header_spaces", 0, "Inga fel i header_spaces.xlsx.")
def _header_spaces(wb: Workbook) -> None:
    rename_header(wb["Utförare"], "Namn", "Namn ")
    rename_header(wb["Utförare"], "Regi", " Regi")
    rename_header(wb["Händelser"], "Datum", "Datum  ")
    rename_header(wb["Uppföljningstyper"], "Intervall", "Intervall\u00a0")  # a non-breaking space from the web


@case("invisible_spaces", 0, "Inga fel i invisible_spaces.xlsx.")
def _invisible_spaces(wb: Workbook) -> None:
    # Pasted from a web page or a PDF: a non-breaking space, a zero-width space, a BOM.
    set_cell(wb, "Utförare", 2, "Regi", "Privat\u00a0")
    set_cell(wb, "Utförare", 10, "Avtalsform", "LOV\u200b")
    set_cell(wb, "Händelser", 2, "UtförarID", "\ufeffU004")
    set_cell(wb, "Iakttagelser", 2, "Kategori", "\u200bAvvikelse")


@case("columns_reordered", 0, "Inga fel i columns_reordered.xlsx.")
def _columns_reordered(wb: Workbook) -> None:
    reorder_columns(wb["Utförare"], ["Namn", "Startdatum", "Regi", "UtförarID"])
    reorder_columns(wb["Händelser"], ["Beskrivning", "UtförarID", "Hanterad", "Datum"])
    reorder_columns(wb["Iakttagelser"], ["Status", "UtförarID", "Kategori", "IakttagelseID"])


@case("extra_columns", 0, "Inga fel i extra_columns.xlsx.")
def _extra_columns(wb: Workbook) -> None:
    add_column(wb["Utförare"], "Egen anteckning", {2: "ring i januari", 5: date(2025, 3, 1), 9: 12.5})
    add_column(wb["Utförare"], "Kontaktperson 2", {3: "Per Persson"})
    add_column(wb["Händelser"], "Ärendenummer", {2: "H-2025-17", 3: 4711})
    add_column(wb["Iakttagelser"], "Intern kommentar", {4: "följ upp muntligt"}, in_table=False, gap=2)


LONG = ("Vid uppföljningen framkom att rutinerna för dokumentation inte följs fullt ut. " * 400)[:32000]


@case("long_texts", 0, "Inga fel i long_texts.xlsx.")
def _long_texts(wb: Workbook) -> None:
    # Excel's limit is 32,767 characters a cell.
    set_cell(wb, "Utförare", 2, "Kommentar", LONG)
    set_cell(wb, "Iakttagelser", 2, "Beskrivning", "\n".join([LONG[:3000]] * 3))
    set_cell(wb, "Händelser", 3, "Beskrivning", LONG[:10000])
    set_cell(wb, "Fokusområden", 2, "Beskrivning", LONG[:5000])


@case("emoji", 0, "Inga fel i emoji.xlsx.")
def _emoji(wb: Workbook) -> None:
    set_cell(wb, "Utförare", 2, "Namn", "Omsorgshuset Linnea AB 🌻")
    set_cell(wb, "Utförare", 3, "Kommentar", "Bra samarbete 👍🏽 👩‍⚕️ 🇸🇪")
    set_cell(wb, "Utförare", 4, "Ansvarig", "Åsa Öberg ✨")
    set_cell(wb, "Händelser", 2, "Beskrivning", "Anhörig skrev: 😡😡 ingen kom")
    set_cell(wb, "Iakttagelser", 3, "Sammanfattning för nämnd", "Introduktionen 📋 dokumenterades inte.")


@case("dates_as_text", 0, "Inga fel i dates_as_text.xlsx.")
def _dates_as_text(wb: Workbook) -> None:
    # ISO dates typed as text (a cell formatted as Text, or pasted from another system),
    # with a time, with one-digit month and day; and a real date-time in a date column.
    set_cell(wb, "Händelser", 2, "Datum", "2025-09-12")
    set_cell(wb, "Händelser", 3, "Datum", " 2025-10-07 ")
    set_cell(wb, "Iakttagelser", 2, "Åtgärdsplan begärd", "2025-10-15 13:45")
    set_cell(wb, "Iakttagelser", 2, "Åtgärdsplan senast", "2025-11-14T00:00:00")
    set_cell(wb, "Iakttagelser", 3, "Datum", "2025-8-5")
    set_cell(wb, "Utförare", 2, "Startdatum", datetime(2015, 2, 1, 9, 30))
    set_cell(wb, "Årshjul", 2, "Genomförd", "2024-04-10")


@case("numbers_as_text", 0, "Inga fel i numbers_as_text.xlsx.")
def _numbers_as_text(wb: Workbook) -> None:
    set_cell(wb, "Årsplan", 2, "År", "2024")
    set_cell(wb, "Fokusområden", 3, "År", " 2025 ")
    set_cell(wb, "Uppföljningstyper", 2, "Månad", "10")
    set_cell(wb, "Uppföljningstyper", 3, "Underlag dagar före", "14")
    ws = wb["Inställningar"]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == "Max besök per vecka och handläggare":
            row[1].value = "4"
        if row[0].value == "Planår":
            row[1].value = "2025"
    # A text column holding a number (the postcode typed without a space), and a boolean
    # where Ja/Nej belongs (TRUE typed in Excel).
    set_cell(wb, "Utförare", 3, "Telefon", 123456789)
    set_cell(wb, "Händelser", 2, "Allvarlig", False)
    set_cell(wb, "Uppföljningstyper", 4, "Aktiv", True)


# --- reported: exit 1, each problem with sheet and cell -------------------------------------


@case(
    "wrong_date",
    1,
    # 2019 typed into a date cell is day 2019 after 1899-12-30, as Excel shows it; the
    # sheet's own date validation allows 1990-2100.
    "Fel: Utförare!N3: 1905-07-11 är inget rimligt datum (skriv ÅÅÅÅ-MM-DD)",
    'Fel: Utförare!O4: "tillsvidare" är inget giltigt datum (skriv ÅÅÅÅ-MM-DD)',
    'Fel: Händelser!A3: "igår" är inget giltigt datum (skriv ÅÅÅÅ-MM-DD)',
    'Fel: Händelser!A4: "45000" är inget datum (cellen är ett tal, inte ett datum)',
    'Fel: Iakttagelser!J2: "30 dagar" är inget giltigt datum (skriv ÅÅÅÅ-MM-DD)',
    'Fel: Iakttagelser!K3: "15/10/2025" är inget giltigt datum (skriv ÅÅÅÅ-MM-DD)',
    summary(6, 0, "wrong_date"),
)
def _wrong_date(wb: Workbook) -> None:
    set_cell(wb, "Utförare", 3, "Startdatum", 2019)
    set_cell(wb, "Utförare", 4, "Slutdatum", "tillsvidare")
    set_cell(wb, "Händelser", 3, "Datum", "igår")
    ws = wb["Händelser"]
    ws["A4"] = 45000  # a serial pasted as a value into a cell formatted General
    ws["A4"].number_format = "General"
    set_cell(wb, "Iakttagelser", 2, "Åtgärdsplan senast", "30 dagar")
    set_cell(wb, "Iakttagelser", 3, "Åtgärdsplan inkommen", "15/10/2025")


@case(
    "wrong_int",
    1,
    'Fel: Uppföljningstyper!I2: "45 dagar" är inget heltal',
    'Fel: Uppföljningstyper!I3: "4.5" är inget heltal',
    "Fel: Uppföljningstyper!M3: -5 får inte vara negativt",
    'Fel: Inställningar!B14: "tre" är inget heltal',
    summary(4, 0, "wrong_int"),
)
def _wrong_int(wb: Workbook) -> None:
    set_cell(wb, "Uppföljningstyper", 2, "Kallelse dagar före", "45 dagar")
    set_cell(wb, "Uppföljningstyper", 3, "Kallelse dagar före", 4.5)
    set_cell(wb, "Uppföljningstyper", 3, "Underlag dagar före", -5)
    ws = wb["Inställningar"]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == "Kallelse dagar före":
            row[1].value = "tre"


@case(
    "wrong_year",
    1,
    'Fel: Årsplan!A2: "nästa år" är inget heltal',
    "Fel: Årsplan!A3: 25 är inget rimligt årtal",
    'Fel: Fokusområden!A2: "2024.5" är inget heltal',
    'Fel: Inställningar!B10: "2025-01-01" är inget heltal',
    summary(4, 0, "wrong_year"),
)
def _wrong_year(wb: Workbook) -> None:
    set_cell(wb, "Årsplan", 2, "År", "nästa år")
    set_cell(wb, "Årsplan", 3, "År", 25)
    set_cell(wb, "Fokusområden", 2, "År", 2024.5)
    ws = wb["Inställningar"]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == "Planår":
            row[1].value = "2025-01-01"


@case(
    "wrong_month",
    1,
    "Fel: Uppföljningstyper!F2: 13 är ingen månad (1–12)",
    'Fel: Uppföljningstyper!F6: "nov" är inget heltal',
    "Fel: Uppföljningstyper!F7: 0 är ingen månad (1–12)",
    summary(3, 0, "wrong_month"),
)
def _wrong_month(wb: Workbook) -> None:
    set_cell(wb, "Uppföljningstyper", 2, "Månad", 13)
    set_cell(wb, "Uppföljningstyper", 6, "Månad", "nov")
    set_cell(wb, "Uppföljningstyper", 7, "Månad", 0)


@case(
    "wrong_yes_no",
    1,
    'Fel: Uppföljningstyper!H2: "J" är inget tillåtet värde för Ja/Nej; menade du "Ja"?',
    'Fel: Uppföljningstyper!O3: "Kanske" är inget tillåtet värde för Ja/Nej',
    'Fel: Händelser!E2: "x" är inget tillåtet värde för Ja/Nej',
    'Fel: Händelser!F3: "1" är inget tillåtet värde för Ja/Nej',
    summary(4, 0, "wrong_yes_no"),
)
def _wrong_yes_no(wb: Workbook) -> None:
    set_cell(wb, "Uppföljningstyper", 2, "Besök", "J")
    set_cell(wb, "Uppföljningstyper", 3, "Aktiv", "Kanske")
    set_cell(wb, "Händelser", 2, "Allvarlig", "x")
    set_cell(wb, "Händelser", 3, "Hanterad", 1)


@case(
    "wrong_email",
    1,
    'Fel: Utförare!I2: "info@linnea" är ingen giltig e-postadress',
    'Fel: Utförare!I3: "a@hemtjanst.example; b@hemtjanst.example" är ingen giltig e-postadress',
    'Fel: Utförare!I4: "Maria Lind <maria@trygga.example>" är ingen giltig e-postadress',
    'Fel: Utförare!I5: "info@@vardagshjalpen.example" är ingen giltig e-postadress',
    summary(4, 0, "wrong_email"),
)
def _wrong_email(wb: Workbook) -> None:
    set_cell(wb, "Utförare", 2, "E-post", "info@linnea")
    set_cell(wb, "Utförare", 3, "E-post", "a@hemtjanst.example; b@hemtjanst.example")
    set_cell(wb, "Utförare", 4, "E-post", "Maria Lind <maria@trygga.example>")
    set_cell(wb, "Utförare", 5, "E-post", "info@@vardagshjalpen.example")


@case(
    "wrong_orgnr",
    1,
    'Fel: Utförare!C2: "5566" är inget giltigt organisationsnummer (formen ska vara NNNNNN-NNNN)',
    'Fel: Utförare!C5: "5566778890" är inget giltigt organisationsnummer (kontrollsiffran stämmer inte)',
    'Fel: Utförare!C6: "AB Solgläntan" är inget giltigt organisationsnummer (formen ska vara NNNNNN-NNNN)',
    summary(3, 0, "wrong_orgnr"),
)
def _wrong_orgnr(wb: Workbook) -> None:
    set_cell(wb, "Utförare", 2, "Organisationsnummer", "5566")
    set_cell(wb, "Utförare", 5, "Organisationsnummer", 5566778890)  # typed as a number
    set_cell(wb, "Utförare", 6, "Organisationsnummer", "AB Solgläntan")


@case(
    "wrong_vocab",
    1,
    'Fel: Utförare!P3: "Medel" är inget tillåtet värde för Risknivå',
    'Fel: Uppföljningstyper!C2: "Hemtjänsten" är inget tillåtet värde för Verksamhetsområde; menade du "Hemtjänst"?',
    'Fel: Uppföljningstyper!E3: "Årlig" är inget tillåtet värde för Intervall',
    'Fel: Händelser!C2: "Klagomåll" är inget tillåtet värde för Händelsetyp; menade du "Klagomål"?',
    'Fel: Iakttagelser!E2: "Brist" är inget tillåtet värde för Kategori',
    'Varning: Iakttagelser!F3: "Personalfrågor" är inget tillåtet värde för Område',
    summary(5, 1, "wrong_vocab"),
)
def _wrong_vocab(wb: Workbook) -> None:
    set_cell(wb, "Utförare", 3, "Risknivå", "Medel")
    set_cell(wb, "Uppföljningstyper", 2, "Verksamhetsområden", "Hemtjänst; Hemtjänsten")
    set_cell(wb, "Uppföljningstyper", 3, "Intervall", "Årlig")
    set_cell(wb, "Händelser", 2, "Typ", "Klagomåll")
    set_cell(wb, "Iakttagelser", 2, "Kategori", "Brist")
    set_cell(wb, "Iakttagelser", 3, "Område", "Personalfrågor")


@case(
    "impossible_dates",
    1,
    'Fel: Händelser!A2: "2025-02-29" är inget giltigt datum (skriv ÅÅÅÅ-MM-DD)',
    'Fel: Iakttagelser!J3: "2025-04-31" är inget giltigt datum (skriv ÅÅÅÅ-MM-DD)',
    'Fel: Iakttagelser!N4: "2025-00-10" är inget giltigt datum (skriv ÅÅÅÅ-MM-DD)',
    summary(3, 0, "impossible_dates"),
)
def _impossible_dates(wb: Workbook) -> None:
    set_cell(wb, "Händelser", 2, "Datum", "2025-02-29")  # 2025 is no leap year
    set_cell(wb, "Iakttagelser", 3, "Åtgärdsplan senast", "2025-04-31")
    set_cell(wb, "Iakttagelser", 4, "Rapporterad till nämnd", "2025-00-10")


@case(
    "date_where_text",
    1,
    "Fel: Utförare!G3: ett datum (2025-01-01) står där text väntas; skriv in texten",
    "Fel: Utförare!J4: ett datum (2023-04-26) står där text väntas; skriv in texten",
    "Fel: Årsplan!D2: ett datum (2025-05-01) står där text väntas; skriv in texten",
    summary(3, 0, "date_where_text"),
)
def _date_where_text(wb: Workbook) -> None:
    set_cell(wb, "Utförare", 3, "Nämnd", date(2025, 1, 1))
    # Excel turns some typed numbers into dates ("4/26" in a Telefon cell).
    set_cell(wb, "Utförare", 4, "Telefon", datetime(2023, 4, 26))
    set_cell(wb, "Årsplan", 2, "TypID", date(2025, 5, 1))


@case(
    "empty_rows",
    0,
    # A cleared row is skipped with a warning; it stops nothing.
    "Varning: Utförare!A7: tom rad mitt i tabellen; raden hoppas över (ta bort den)",
    "Varning: Iakttagelser!A5: tom rad mitt i tabellen; raden hoppas över (ta bort den)",
    "Varning: Iakttagelser!A6: tom rad mitt i tabellen; raden hoppas över (ta bort den)",
    "Inga fel i empty_rows.xlsx (3 varningar).",
)
def _empty_rows(wb: Workbook) -> None:
    # A row holding only spaces looks empty in Excel and counts as one.
    ws = wb["Utförare"]
    for cell in ws[7]:
        cell.value = "  " if cell.column in (1, 2, 7) else None
    clear_row(wb["Iakttagelser"], 5)
    clear_row(wb["Iakttagelser"], 6)
    # Empty rows at the end of a table are not data and not reported.
    clear_row(wb["Händelser"], 9)


@case(
    "table_not_at_a1",
    1,
    "Fel: Händelser!B3: tabellen ska börja i A1 men börjar i B3; flytta den till A1",
    summary(1, 0, "table_not_at_a1"),
)
def _table_not_at_a1(wb: Workbook) -> None:
    # A title row and a margin column added above and left of the table.
    ws = wb["Händelser"]
    ws.insert_rows(1, 2)
    ws.insert_cols(1)
    ws["A1"] = "Händelser 2025"
    table = table_of(ws)
    last_row = ws.max_row
    table.ref = f"B3:{get_column_letter(ws.max_column)}{last_row}"
    ws.data_validations.dataValidation = []
    ws.freeze_panes = "B4"


@case(
    "header_renamed",
    1,
    'Fel: Händelser: kolumnen "UtförarID" saknas (rubriken ska stå i rad 1)',
    'Fel: Iakttagelser: kolumnen "Kategori" saknas (rubriken ska stå i rad 1)',
    summary(2, 0, "header_renamed"),
)
def _header_renamed(wb: Workbook) -> None:
    rename_header(wb["Händelser"], "UtförarID", "Utförar-ID")
    rename_header(wb["Iakttagelser"], "Kategori", "Kategorier")


@case(
    "duplicate_column",
    1,
    'Fel: Utförare!Z1: kolumnen "E-post" finns två gånger (I1 och Z1); ta bort den ena',
    summary(1, 0, "duplicate_column"),
)
def _duplicate_column(wb: Workbook) -> None:
    ws = wb["Utförare"]
    add_column(ws, "E-post", {2: "annan@linnea.example"})


@case(
    "formulas_and_errors",
    1,
    "Fel: Utförare!N5: felvärdet #VALUE!; skriv in ett giltigt värde",
    "Fel: Utförare!A7: cellen innehåller formeln =\"U\"&\"006\"; skriv in själva värdet",
    "Fel: Händelser!A3: felvärdet #DIV/0!; skriv in ett giltigt värde",
    "Fel: Händelser!D4: cellen innehåller formeln =C4&\" från anhörig\"; skriv in själva värdet",
    "Fel: Iakttagelser!C2: felvärdet #REF!; skriv in ett giltigt värde",
    "Fel: Inställningar!B10: cellen innehåller formeln =YEAR(TODAY()); skriv in själva värdet",
    summary(6, 0, "formulas_and_errors"),
)
def _formulas_and_errors(wb: Workbook) -> None:
    set_cell(wb, "Utförare", 7, "UtförarID", '="U"&"006"')  # IDs numbered by a formula
    set_cell(wb, "Utförare", 5, "Startdatum", "#VALUE!")
    set_cell(wb, "Händelser", 3, "Datum", "#DIV/0!")
    set_cell(wb, "Iakttagelser", 2, "UtförarID", "#REF!")
    set_cell(wb, "Händelser", 4, "Beskrivning", '=C4&" från anhörig"')
    ws = wb["Inställningar"]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == "Planår":
            row[1].value = "=YEAR(TODAY())"


@case(
    "control_characters",
    1,
    # The quoted text shows each control character as its visible symbol (U+2400 + code),
    # so the user sees where it is and the terminal never receives a raw control code.
    'Fel: Utförare!B3: "Hemtjänst Norra\u2407 (egen regi)" innehåller osynliga styrtecken; skriv om texten',
    'Fel: Händelser!D2: "Anhörig klagar\u240bpå uteblivna besök" innehåller osynliga styrtecken; skriv om texten',
    'Fel: Iakttagelser!H2: "\u241b[1mGenomförandeplaner saknades." innehåller osynliga styrtecken; skriv om texten',
    summary(3, 0, "control_characters"),
)
def _control_characters(wb: Workbook) -> None:
    # Pasted from a terminal or an old system: BEL, vertical tab (Word's line break), ESC.
    set_cell(wb, "Utförare", 3, "Namn", f"Hemtjänst Norra{CONTROL_PLACEHOLDERS[chr(7)]} (egen regi)")
    set_cell(wb, "Händelser", 2, "Beskrivning", f"Anhörig klagar{CONTROL_PLACEHOLDERS[chr(11)]}på uteblivna besök")
    set_cell(wb, "Iakttagelser", 2, "Sammanfattning för nämnd",
             f"{CONTROL_PLACEHOLDERS[chr(27)]}[1mGenomförandeplaner saknades.")


@case(
    "missing_providers_sheet",
    1,
    "Fel: Utförare: bladet saknas i arbetsboken",
    summary(1, 0, "missing_providers_sheet"),
)
def _missing_providers_sheet(wb: Workbook) -> None:
    # Every Händelser and Iakttagelser row names a provider; the one missing sheet must not
    # turn into an error on each of them.
    del wb["Utförare"]


@case(
    "missing_sheets",
    1,
    "Fel: Inställningar: bladet saknas i arbetsboken",
    "Fel: Listor: bladet saknas i arbetsboken",
    summary(2, 0, "missing_sheets"),
)
def _missing_sheets(wb: Workbook) -> None:
    del wb["Inställningar"]
    del wb["Listor"]
    wb.defined_names.clear()  # the dropdown names pointed at Listor


@case(
    "many_in_providers",
    1,
    'Fel: Utförare!A3: "UtförarID" måste fyllas i',
    'Fel: Utförare!C4: "12-34" är inget giltigt organisationsnummer (formen ska vara NNNNNN-NNNN)',
    'Fel: Utförare!D4: "Kommunal" är inget tillåtet värde för Regi',
    'Fel: Utförare!I5: "info(at)vardagshjalpen.example" är ingen giltig e-postadress',
    'Fel: Utförare!N5: "2025-02-30" är inget giltigt datum (skriv ÅÅÅÅ-MM-DD)',
    "Fel: Utförare!G6: felvärdet #N/A; skriv in ett giltigt värde",
    'Fel: Utförare!A7: UtförarID "U005" finns redan på rad 6',
    "Fel: Utförare!O8: Slutdatum 2015-01-01 är före Startdatum 2020-06-01",
    "Varning: Utförare!A9: tom rad mitt i tabellen; raden hoppas över (ta bort den)",
    'Fel: Utförare!P10: "Mycket hög" är inget tillåtet värde för Risknivå',
    summary(9, 1, "many_in_providers"),
)
def _many_in_providers(wb: Workbook) -> None:
    set_cell(wb, "Utförare", 3, "UtförarID", None)
    set_cell(wb, "Utförare", 4, "Organisationsnummer", "12-34")
    set_cell(wb, "Utförare", 4, "Regi", "Kommunal")
    set_cell(wb, "Utförare", 5, "E-post", "info(at)vardagshjalpen.example")
    set_cell(wb, "Utförare", 5, "Startdatum", "2025-02-30")
    set_cell(wb, "Utförare", 6, "Nämnd", "#N/A")
    set_cell(wb, "Utförare", 7, "UtförarID", "U005")
    set_cell(wb, "Utförare", 8, "Startdatum", date(2020, 6, 1))
    set_cell(wb, "Utförare", 8, "Slutdatum", date(2015, 1, 1))
    clear_row(wb["Utförare"], 9)
    set_cell(wb, "Utförare", 10, "Risknivå", "Mycket hög")


@case(
    "many_everywhere",
    1,
    'Fel: Utförare!F2: "Hemtjanst" är inget tillåtet värde för Verksamhetsområde; menade du "Hemtjänst"?',
    'Fel: Uppföljningstyper!E4: "Varje månad" är inget tillåtet värde för Intervall; menade du "Månad"?',
    'Fel: Årsplan!D3: TypID "KVALITET" finns inte; menade du "KVAL"?',
    'Fel: Fokusområden!B3: "Fokusområde" måste fyllas i',
    'Fel: Händelser!B4: UtförarID "X99" finns inte',
    'Fel: Händelser!A5: "1/9" är inget giltigt datum (skriv ÅÅÅÅ-MM-DD)',
    'Fel: Iakttagelser!A4: IakttagelseID "I-2025-002" finns redan på rad 3',
    'Fel: Iakttagelser!C5: UtförarID "u005" finns inte; menade du "U005"?',
    'Fel: Inställningar!B11: "1 juli" är inget giltigt datum (skriv ÅÅÅÅ-MM-DD)',
    summary(9, 0, "many_everywhere"),
)
def _many_everywhere(wb: Workbook) -> None:
    set_cell(wb, "Utförare", 2, "Verksamhetsområde", "Hemtjanst")
    set_cell(wb, "Uppföljningstyper", 4, "Intervall", "Varje månad")
    set_cell(wb, "Årsplan", 3, "TypID", "KVALITET")
    set_cell(wb, "Fokusområden", 3, "Fokusområde", None)
    set_cell(wb, "Händelser", 4, "UtförarID", "X99")
    set_cell(wb, "Händelser", 5, "Datum", "1/9")
    set_cell(wb, "Iakttagelser", 4, "IakttagelseID", "I-2025-002")
    set_cell(wb, "Iakttagelser", 5, "UtförarID", "u005")
    ws = wb["Inställningar"]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == "Semester från":
            row[1].value = "1 juli"


# --- forgiven: what people do to a workbook stops nothing it need not stop ----------------------
# Each is built by openpyxl and again through a LibreOffice round trip (<name>_lo). A case with
# a command compares the command's Fel/Varning lines exactly, then the exact `check` afterwards.


def type_below(ws: Worksheet, rows: list[dict[str, object]]) -> None:
    """Rows typed directly under the table, as openpyxl and LibreOffice leave them (the table does not grow)."""
    start = ws.max_row + 1
    for offset, values in enumerate(rows):
        for header, value in values.items():
            ws.cell(start + offset, header_col(ws, header)).value = value


BELOW_EVENTS = [
    {"Datum": date(2025, 11, 3), "UtförarID": "U004", "Typ": "Klagomål", "Beskrivning": "Sen ankomst", "Allvarlig": "Nej"},
    {"Datum": date(2025, 11, 10), "UtförarID": "U005", "Typ": "Lex Sarah", "Beskrivning": "Utrett internt", "Allvarlig": "Ja"},
]


@forgive_case(
    "rows_below_table",
    0,
    "Varning: Fokusområden!A6: rad 6 står under tabellen tblFokusomraden (A1:C5) och läses som rader i den; "
    "tabellen utökas över dem nästa gång uppf-xl skriver i arbetsboken",
    "Varning: Händelser!A10: raderna 10–11 står under tabellen tblHandelser (A1:F9) och läses som rader i den; "
    "tabellen utökas över dem nästa gång uppf-xl skriver i arbetsboken",
    "Inga fel i rows_below_table.xlsx (2 varningar).",
)
def _rows_below_table(wb: Workbook) -> None:
    type_below(wb["Händelser"], BELOW_EVENTS)
    type_below(wb["Fokusområden"], [{"År": 2025, "Fokusområde": "Nattbemanning"}])


@forgive_case(
    "rows_below_table_grown",
    0,
    "Varning: Händelser!A10: raderna 10–11 står under tabellen tblHandelser (A1:F9) och läses som rader i den; "
    "tabellen utökas över dem nästa gång uppf-xl skriver i arbetsboken",
    command=["status"],
    after=["exit 0", "Inga fel i rows_below_table_grown.xlsx."],
)
def _rows_below_table_grown(wb: Workbook) -> None:
    # The next write (status) grows the table over the rows; check is quiet afterwards.
    type_below(wb["Händelser"], BELOW_EVENTS)


@forgive_case(
    "rows_below_table_gap",
    0,
    "Varning: Händelser!A10: tom rad mitt i tabellen; raden hoppas över (ta bort den)",
    "Varning: Händelser!A11: rad 11 står under tabellen tblHandelser (A1:F9) och läses som rader i den; "
    "tabellen utökas över dem nästa gång uppf-xl skriver i arbetsboken",
    command=["status"],
    after=["exit 0", "Varning: Händelser!A10: tom rad mitt i tabellen; raden hoppas över (ta bort den)",
           "Inga fel i rows_below_table_gap.xlsx (1 varning)."],
)
def _rows_below_table_gap(wb: Workbook) -> None:
    # One row left empty before the typed one: read all the same, and the table grows over both.
    ws = wb["Händelser"]
    ws.cell(ws.max_row + 1, 4).value = " "  # looks empty, counts as empty
    type_below(ws, BELOW_EVENTS[:1])


@forgive_case(
    "column_beside_arshjul",
    0,
    command=["plan", "--year", "2025"],
    after=["exit 0", "Inga fel i column_beside_arshjul.xlsx."],
)
def _column_beside_arshjul(wb: Workbook) -> None:
    # A heading typed in the first free column right of Årshjul's table, with a value on two rows.
    ws = wb["Årshjul"]
    col = ws.max_column + 1
    ws.cell(1, col).value = "Egen notering"
    ws.cell(2, col).value = "ring först"
    ws.cell(5, col).value = "bytt lokal"


@forgive_case(
    "column_beside_arshjul_unnamed",
    1,
    "Fel: Årshjul!Y1: kolumnen Y har värden (t.ex. Y3) men ingen rubrik; skriv en rubrik i Y1 så behålls kolumnen "
    "när uppf-xl skriver bladet, eller töm den",
    command=["plan", "--year", "2025"],
    after=["exit 1",
           "Fel: Årshjul!Y1: kolumnen Y har värden (t.ex. Y3) men ingen rubrik; skriv en rubrik i Y1 så behålls kolumnen "
           "när uppf-xl skriver bladet, eller töm den",
           summary(1, 0, "column_beside_arshjul_unnamed")],
)
def _column_beside_arshjul_unnamed(wb: Workbook) -> None:
    # Values one column further out with no heading: the write is refused, naming the column.
    ws = wb["Årshjul"]
    ws.cell(3, ws.max_column + 2).value = "anteckning"


@forgive_case(
    "empty_row_inside",
    0,
    "Varning: Utförare!A7: tom rad mitt i tabellen; raden hoppas över (ta bort den)",
    command=["status"],
    after=["exit 0", "Varning: Utförare!A7: tom rad mitt i tabellen; raden hoppas över (ta bort den)",
           "Inga fel i empty_row_inside.xlsx (1 varning)."],
)
def _empty_row_inside(wb: Workbook) -> None:
    # A provider no other sheet names, cleared with Delete: the other commands go on.
    ws = wb["Utförare"]
    rows = [r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == "U006"]
    clear_row(ws, rows[0])


@forgive_case(
    "namnd_variants",
    1,
    'Varning: Utförare!G2: "äldreomsorgsnämnden" står inte så i listan Nämnd; menade du "Äldreomsorgsnämnden"? (läses så)',
    'Varning: Utförare!G3: "Äldreomsorgs nämnden" står inte så i listan Nämnd; menade du "Äldreomsorgsnämnden"? (läses så)',
    'Fel: Utförare!G4: "Socialnämnden" är inget tillåtet värde för Nämnd; menade du "Omsorgsnämnden"?',
    'Varning: Årsplan!B2: "ÄLDREOMSORGSNÄMNDEN" står inte så i listan Nämnd; menade du "Äldreomsorgsnämnden"? (läses så)',
    summary(1, 3, "namnd_variants"),
)
def _namnd_variants(wb: Workbook) -> None:
    set_cell(wb, "Utförare", 2, "Nämnd", "äldreomsorgsnämnden")
    set_cell(wb, "Utförare", 3, "Nämnd", "Äldreomsorgs nämnden")
    set_cell(wb, "Utförare", 4, "Nämnd", "Socialnämnden")
    set_cell(wb, "Årsplan", 2, "Nämnd", "ÄLDREOMSORGSNÄMNDEN")


@forgive_case(
    "namnd_unlisted",
    0,
    'Varning: Utförare!G2: "äldreomsorgsnämnden" skrivs annars "Äldreomsorgsnämnden"; menade du "Äldreomsorgsnämnden"? (läses så)',
    'Varning: Årsplan!B3: "äldreomsorgsnämnden" skrivs annars "Äldreomsorgsnämnden"; menade du "Äldreomsorgsnämnden"? (läses så)',
    "Inga fel i namnd_unlisted.xlsx (2 varningar).",
)
def _namnd_unlisted(wb: Workbook) -> None:
    # Listor's Nämnd left empty: the spelling most providers use is the one meant.
    ws = wb["Listor"]
    col = header_col(ws, "Nämnd")
    for r in range(2, ws.max_row + 1):
        ws.cell(r, col).value = None
    set_cell(wb, "Utförare", 2, "Nämnd", "äldreomsorgsnämnden")
    set_cell(wb, "Årsplan", 3, "Nämnd", "äldreomsorgsnämnden")


BAD_QUESTION = 'Fel: Frågor!I3: TypID "GAMMAL" finns inte'


@forgive_case(
    "bad_question_plan",
    0,
    "Varning: Frågor: 1 fel i bladet (se uppf-xl check); de stoppar inte den här körningen, som inte läser bladet, "
    "men väl kommandon som gör det",
    command=["plan", "--year", "2025"],
    after=["exit 1", BAD_QUESTION, summary(1, 0, "bad_question_plan")],
)
def _bad_question_plan(wb: Workbook) -> None:
    # A question names a follow-up type that was removed: plan goes on, check still lists it.
    set_cell(wb, "Frågor", 3, "TypID", "GAMMAL")


@forgive_case(
    "bad_question_survey_out",
    1,
    BAD_QUESTION,
    command=["survey-out", "--type", "AVT", "--year", "2025", "--out", "Enkäter"],
    after=["exit 1", BAD_QUESTION, summary(1, 0, "bad_question_survey_out")],
)
def _bad_question_survey_out(wb: Workbook) -> None:
    set_cell(wb, "Frågor", 3, "TypID", "GAMMAL")


BAD_EVENT = 'Fel: Händelser!A3: "igår" är inget giltigt datum (skriv ÅÅÅÅ-MM-DD)'


@forgive_case(
    "bad_event_calendar",
    0,
    "Varning: Händelser: 1 fel i bladet (se uppf-xl check); de stoppar inte den här körningen, som inte läser bladet, "
    "men väl kommandon som gör det",
    command=["calendar", "--year", "2025", "--out", "besok.ics"],
    after=["exit 1", BAD_EVENT, summary(1, 0, "bad_event_calendar")],
)
def _bad_event_calendar(wb: Workbook) -> None:
    # The calendar reads only the schedule: a bad Händelser row does not stop it (plan it does).
    set_cell(wb, "Händelser", 3, "Datum", "igår")


@forgive_case(
    "bad_event_plan",
    1,
    BAD_EVENT,
    command=["plan", "--year", "2025"],
    after=["exit 1", BAD_EVENT, summary(1, 0, "bad_event_plan")],
)
def _bad_event_plan(wb: Workbook) -> None:
    set_cell(wb, "Händelser", 3, "Datum", "igår")


@case(
    "duplicate_setting",
    1,
    'Fel: Inställningar!A32: inställningen "Kommun" finns redan på rad 2; ta bort den ena raden',
    summary(1, 0, "duplicate_setting"),
)
def _duplicate_setting(wb: Workbook) -> None:
    # Kommun typed twice: which one wins would be a guess.
    ws = wb["Inställningar"]
    row = ws.max_row + 1
    ws.cell(row, 1).value = "Kommun"
    ws.cell(row, 2).value = "Norrviks kommun"
    table = table_of(ws)
    first, last = table.ref.split(":")
    table.ref = f"{first}:{re.sub(r'[0-9]+', '', last)}{row}"


@case("line_breaks_in_texts", 0, "Inga fel i line_breaks_in_texts.xlsx.")
def _line_breaks_in_texts(wb: Workbook) -> None:
    # Alt+Enter in Excel: a line break is ordinary text in a name or a place; the outputs fold it.
    set_cell(wb, "Utförare", 2, "Namn", "Omsorgshuset Linnea AB\nBcc: angripare@evil.example")
    set_cell(wb, "Årshjul", 2, "Plats", "Sjövägen 3\nATTENDEE:mailto:angripare@evil.example")


@case(
    "line_break_in_email",
    1,
    'Fel: Utförare!I2: "info@linnea.example\u240aBcc: angripare@evil.example" är ingen giltig e-postadress',
    summary(1, 0, "line_break_in_email"),
)
def _line_break_in_email(wb: Workbook) -> None:
    set_cell(wb, "Utförare", 2, "E-post", "info@linnea.example\nBcc: angripare@evil.example")


@case("formula_text_in_names", 0, "Inga fel i formula_text_in_names.xlsx.")
def _formula_text_in_names(wb: Workbook) -> None:
    # Typed with a leading apostrophe: text that looks like a formula is text.
    for row, value in ((2, '=HYPERLINK("http://evil.example","Klicka")'), (3, "=cmd|' /C calc'!A0")):
        cell = wb["Utförare"].cell(row, header_col(wb["Utförare"], "Namn"))
        cell.value = value
        cell.data_type = "s"


# --- refused: exit 3, a message naming the file ------------------------------------------------


@raw_case("zero_bytes", "Fel: Filen zero_bytes.xlsx är tom (0 byte) och är ingen arbetsbok.")
def _zero_bytes(data: bytes) -> bytes:
    return b""


@raw_case("not_a_workbook", "Fel: Filen not_a_workbook.xlsx är ingen Excel-arbetsbok (.xlsx eller .xlsm).")
def _not_a_workbook(data: bytes) -> bytes:
    # A CSV export saved under the workbook's name.
    return "UtförarID;Namn\nU001;Omsorgshuset Linnea AB\n".encode("cp1252")


@raw_case(
    "docx_renamed",
    "Fel: Filen docx_renamed.xlsx är ett zip-arkiv men ingen Excel-arbetsbok (xl/workbook.xml saknas).",
)
def _docx_renamed(data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        zf.writestr("word/document.xml", '<?xml version="1.0"?><document/>')
    return buffer.getvalue()


@raw_case(
    "encrypted",
    "Fel: Filen encrypted.xlsx är krypterad (lösenordsskyddad). Ta bort lösenordet i Excel "
    "(Arkiv > Info > Skydda arbetsbok > Kryptera med lösenord) och försök igen.",
)
def _encrypted(data: bytes) -> bytes:
    try:
        from msoffcrypto.format.ooxml import OOXMLFile
    except ImportError:  # the signature and the stream name are what the reader looks at
        return _ole_file(with_encryption=True)
    out = io.BytesIO()
    OOXMLFile(io.BytesIO(data)).encrypt("hemligt", out)
    return out.getvalue()


@raw_case(
    "old_xls",
    "Fel: Filen old_xls.xlsx är i det gamla .xls-formatet. Öppna den i Excel och spara den som .xlsx eller .xlsm.",
)
def _old_xls(data: bytes) -> bytes:
    return _ole_file(with_encryption=False)


@raw_case("truncated", "Fel: Filen truncated.xlsx är skadad eller ofullständig (zip-arkivet går inte att läsa).")
def _truncated(data: bytes) -> bytes:
    # A copy interrupted half way (a full disk, a dropped network share).
    return data[: len(data) // 2]


@raw_case("corrupt_zip", "Fel: Filen corrupt_zip.xlsx är skadad eller ofullständig (zip-arkivet går inte att läsa).")
def _corrupt_zip(data: bytes) -> bytes:
    # Bytes flipped inside a compressed part: the zip's directory is whole, a CRC is not.
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        info = zf.getinfo("xl/worksheets/sheet3.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra) + 40
    broken = bytearray(data)
    for i in range(start, start + 16):
        broken[i] ^= 0xFF
    return bytes(broken)


@raw_case(
    "xxe_in_sheet",
    "Fel: Filen xxe_in_sheet.xlsx innehåller en dokumenttypdeklaration (DOCTYPE/ENTITY) i xl/worksheets/sheet1.xml. "
    "Excel skriver aldrig sådana; de kan få ett program att läsa andra filer. Filen läses inte. "
    "Öppna den i Excel och spara den igen.",
)
def _xxe_in_sheet(data: bytes) -> bytes:
    # An external entity that would read a file of the machine into a cell (XXE).
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            part = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                doctype = b'<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
                if part.startswith(b"<?xml"):
                    end = part.index(b"?>") + 2
                    part = part[:end] + doctype + part[end:]
                else:
                    part = doctype + part
                part = part.replace(b"<v>", b"<v>&xxe;", 1) if b"<v>" in part else part
            dst.writestr(info, part)
    return buffer.getvalue()


def _ole_file(with_encryption: bool) -> bytes:
    """A minimal OLE compound-file image: the header, and the stream name an encrypted one holds."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    body = bytearray(4096)
    if with_encryption:
        name = "EncryptionInfo".encode("utf-16-le")
        body[:len(name)] = name
    return header + bytes(body)


# --- building ---------------------------------------------------------------------------------


def _escape_controls(path: Path) -> None:
    """Replace the placeholders by Excel's _xHHHH_ escapes inside the saved package."""
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        parts = {info.filename: zf.read(info) for info in infos}
    escaped = dict(parts)
    for name, data in parts.items():
        for char, placeholder in CONTROL_PLACEHOLDERS.items():
            data = data.replace(placeholder.encode(), f"_x{ord(char):04X}_".encode())
        escaped[name] = data
    if escaped == parts:
        return
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in infos:
            zf.writestr(info, escaped[info.filename])


def build() -> None:
    OUT.mkdir(exist_ok=True)
    for old in OUT.glob("*"):
        old.unlink()
    base = OUT / "_base.xlsx"
    create_workbook(base, demo=True, today=TODAY)
    base_bytes = base.read_bytes()
    for name, c in CASES.items():
        target = OUT / f"{name}.xlsx"
        if c.raw is not None:
            target.write_bytes(c.raw(base_bytes))
        else:
            wb = openpyxl.load_workbook(base)
            assert c.mutate is not None
            c.mutate(wb)
            wb.save(target)
            _escape_controls(target)
        _write_expected(c, name)
    _libreoffice_twins([c for c in CASES.values() if c.libreoffice])
    base.unlink()


def _write_expected(c: Case, name: str) -> None:
    first = f"exit {c.exit_code}" + (f" | {' '.join(c.command)}" if c.command else "")
    lines = [first, *(line.replace(f"{c.name}.xlsx", f"{name}.xlsx") for line in c.expected)]
    if c.after is not None:
        lines += [f"== check {c.after[0]}", *(line.replace(f"{c.name}.xlsx", f"{name}.xlsx") for line in c.after[1:])]
    (OUT / f"{name}.expected").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _libreoffice_twins(cases: list[Case]) -> None:
    """Each case opened and saved again by LibreOffice (headless), all in one call."""
    import shutil
    import subprocess
    import tempfile

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None or not cases:
        print("LibreOffice missing: no _lo cases built")
        return
    with tempfile.TemporaryDirectory() as tmp:
        sources = []
        for c in cases:
            source = Path(tmp) / f"{c.name}_lo.xlsx"
            shutil.copyfile(OUT / f"{c.name}.xlsx", source)
            sources.append(str(source))
        out = Path(tmp) / "out"
        subprocess.run([soffice, f"-env:UserInstallation=file://{tmp}/profile", "--headless", "--convert-to",
                        "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), *sources],
                       check=True, capture_output=True, timeout=600)
        for c in cases:
            shutil.copyfile(out / f"{c.name}_lo.xlsx", OUT / f"{c.name}_lo.xlsx")
            _write_expected(c, f"{c.name}_lo")


if __name__ == "__main__":
    build()
