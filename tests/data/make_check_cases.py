"""Writes tests/data/check/<case>.xlsx and <case>.expected: one workbook per kind of defect.

Each case starts from the demo workbook (today 2025-11-22) and breaks it in one way with
openpyxl, as a user would in Excel. The .expected file holds the exact `uppf-xl check`
output lines. Run: python tests/data/make_check_cases.py
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

import openpyxl
from openpyxl.workbook.workbook import Workbook

HERE = Path(__file__).parent
OUT = HERE / "check"
TODAY = date(2025, 11, 22)
sys.path.insert(0, str(HERE.parent.parent / "src"))

from uppf_xl.workbook.initbook import create_workbook  # noqa: E402


def header_col(ws, header: str) -> int:
    for cell in ws[1]:
        if cell.value == header:
            return cell.column
    raise KeyError(header)


def set_cell(wb: Workbook, sheet: str, row: int, header: str, value: object) -> None:
    ws = wb[sheet]
    ws.cell(row, header_col(ws, header)).value = value


def rename_header(wb: Workbook, sheet: str, old: str, new: str) -> None:
    ws = wb[sheet]
    col = header_col(ws, old)
    ws.cell(1, col).value = new
    for table in ws.tables.values():
        for tc in table.tableColumns:
            if tc.name == old:
                tc.name = new


CASES: dict[str, tuple[Callable[[Workbook], None], list[str]]] = {}


def case(name: str, *expected: str) -> Callable[[Callable[[Workbook], None]], Callable[[Workbook], None]]:
    def register(f: Callable[[Workbook], None]) -> Callable[[Workbook], None]:
        CASES[name] = (f, list(expected))
        return f

    return register


@case("good", "Inga fel i good.xlsx.")
def _good(wb: Workbook) -> None:
    pass


@case(
    "forgiven",
    'Varning: Utförare!D2: "privat" står inte så i listan Regi; menade du "Privat"? (läses så)',
    'Varning: Utförare!F3: "hemtjänst" står inte så i listan Verksamhetsområde; menade du "Hemtjänst"? (läses så)',
    "Inga fel i forgiven.xlsx (2 varningar).",
)
def _forgiven(wb: Workbook) -> None:
    # Case and stray spaces in a vocabulary are forgiven where unambiguous; ISO text dates and
    # numbers stored as text are read as what they mean.
    set_cell(wb, "Utförare", 2, "Regi", " privat ")
    set_cell(wb, "Utförare", 3, "Verksamhetsområde", "hemtjänst")
    set_cell(wb, "Utförare", 4, "Startdatum", "2019-05-01")
    set_cell(wb, "Uppföljningstyper", 2, "Kallelse dagar före", "45")
    set_cell(wb, "Utförare", 5, "Postnummer", 12345)


@case("missing_sheet", "Fel: Händelser: bladet saknas i arbetsboken")
def _missing_sheet(wb: Workbook) -> None:
    del wb["Händelser"]


@case("missing_column", 'Fel: Utförare: kolumnen "Startdatum" saknas (rubriken ska stå i rad 1)')
def _missing_column(wb: Workbook) -> None:
    rename_header(wb, "Utförare", "Startdatum", "Start")


@case("empty_required", 'Fel: Utförare!B5: "Namn" måste fyllas i')
def _empty_required(wb: Workbook) -> None:
    set_cell(wb, "Utförare", 5, "Namn", None)


@case("duplicate_key", 'Fel: Utförare!A7: UtförarID "U003" finns redan på rad 4')
def _duplicate_key(wb: Workbook) -> None:
    set_cell(wb, "Utförare", 7, "UtförarID", "U003")


@case(
    "unknown_vocab",
    'Fel: Utförare!D3: "Privatt" är inget tillåtet värde för Regi; menade du "Privat"?',
    'Fel: Utförare!F4: "Hemtjänstt" är inget tillåtet värde för Verksamhetsområde; menade du "Hemtjänst"?',
)
def _unknown_vocab(wb: Workbook) -> None:
    set_cell(wb, "Utförare", 3, "Regi", "Privatt")
    set_cell(wb, "Utförare", 4, "Verksamhetsområde", "Hemtjänstt")


@case(
    "bad_dates",
    'Fel: Utförare!N3: "2025-13-01" är inget giltigt datum (skriv ÅÅÅÅ-MM-DD)',
    'Fel: Utförare!N4: "2025-02-30" är inget giltigt datum (skriv ÅÅÅÅ-MM-DD)',
    'Fel: Utförare!N5: "1 mars" är inget giltigt datum (skriv ÅÅÅÅ-MM-DD)',
)
def _bad_dates(wb: Workbook) -> None:
    set_cell(wb, "Utförare", 3, "Startdatum", "2025-13-01")
    set_cell(wb, "Utförare", 4, "Startdatum", "2025-02-30")
    set_cell(wb, "Utförare", 5, "Startdatum", "1 mars")


@case("end_before_start", "Fel: Utförare!O6: Slutdatum 2010-01-31 är före Startdatum 2018-05-01")
def _end_before_start(wb: Workbook) -> None:
    set_cell(wb, "Utförare", 6, "Startdatum", date(2018, 5, 1))
    set_cell(wb, "Utförare", 6, "Slutdatum", date(2010, 1, 31))


@case(
    "bad_orgnr_email",
    'Fel: Utförare!C2: "556637-1076" är inget giltigt organisationsnummer (kontrollsiffran stämmer inte)',
    'Fel: Utförare!I3: "info.hemtjanst.example" är ingen giltig e-postadress',
)
def _bad_orgnr_email(wb: Workbook) -> None:
    set_cell(wb, "Utförare", 2, "Organisationsnummer", "556637-1076")
    set_cell(wb, "Utförare", 3, "E-post", "info.hemtjanst.example")


@case(
    "unknown_refs",
    'Fel: Årsplan!D2: TypID "KVALL" finns inte; menade du "KVAL"?',
    'Fel: Händelser!B2: UtförarID "U99" finns inte',
    'Fel: Iakttagelser!D2: Nyckel i Årshjul "U001|KVAL|2031" finns inte',
)
def _unknown_refs(wb: Workbook) -> None:
    set_cell(wb, "Årsplan", 2, "TypID", "KVALL")
    set_cell(wb, "Händelser", 2, "UtförarID", "U99")
    set_cell(wb, "Iakttagelser", 2, "Nyckel", "U001|KVAL|2031")


@case(
    "excel_errors",
    "Fel: Utförare!G4: felvärdet #N/A; skriv in ett giltigt värde",
    "Fel: Utförare!Q5: cellen innehåller formeln =B5&\"x\"; skriv in själva värdet",
)
def _excel_errors(wb: Workbook) -> None:
    set_cell(wb, "Utförare", 4, "Nämnd", "#N/A")
    set_cell(wb, "Utförare", 5, "Ansvarig", '=B5&"x"')


@case("merged_cells", "Fel: Utförare!R3: sammanfogade celler (R3:R4) i tabellen; dela upp dem")
def _merged(wb: Workbook) -> None:
    wb["Utförare"].merge_cells("R3:R4")


@case(
    "empty_row",
    "Varning: Händelser!A4: tom rad mitt i tabellen; raden hoppas över (ta bort den)",
    "Inga fel i empty_row.xlsx (1 varning).",
)
def _empty_row(wb: Workbook) -> None:
    ws = wb["Händelser"]
    for cell in ws[4]:
        cell.value = None


@case(
    "settings",
    'Fel: Inställningar!B13: "fyra" är inget heltal',
    'Varning: Inställningar!A32: okänd inställning "Kallelse dagar innan"; menade du "Kallelse dagar före"?',
)
def _settings(wb: Workbook) -> None:
    ws = wb["Inställningar"]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == "Max besök per vecka och handläggare":
            row[1].value = "fyra"
    ws.append(["Kallelse dagar innan", 30, None])
    table = ws.tables["tblInstallningar"]
    table.ref = f"A1:C{ws.max_row}"


@case(
    "tool_columns_typed",
    'Varning: Årshjul!Q3: kolumnen "Status" fylls i av verktyget; "Klar" skrivs över vid nästa körning',
    'Varning: Iakttagelser!O2: kolumnen "Status" fylls i av verktyget; "Klar" skrivs över med "Åtgärdsplan försenad"',
    "Inga fel i tool_columns_typed.xlsx (2 varningar).",
)
def _tool_columns_typed(wb: Workbook) -> None:
    set_cell(wb, "Årshjul", 3, "Status", "Klar")
    set_cell(wb, "Iakttagelser", 2, "Status", "Klar")


def build() -> None:
    OUT.mkdir(exist_ok=True)
    base = OUT / "_base.xlsx"
    create_workbook(base, demo=True, today=TODAY)
    for name, (mutate, expected) in CASES.items():
        wb = openpyxl.load_workbook(base)
        mutate(wb)
        wb.save(OUT / f"{name}.xlsx")
        (OUT / f"{name}.expected").write_text("\n".join(expected) + "\n", encoding="utf-8")
    base.unlink()


if __name__ == "__main__":
    build()
