"""A new workbook with every sheet of the contract (openpyxl; a new file has nothing to lose).

Each input sheet gets one Excel table at A1, dropdowns fed from Listor through defined names,
frozen headers, widths from the contract and ISO date formats.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any
from datetime import date
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils.cell import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from uppf_xl import contract
from uppf_xl.contract import Kind, Sheet

DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
VALIDATION_ROWS = 2000  # dropdowns reach this far below the header, so new rows get them too
LIST_ROWS = 200
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
HEADER_FONT = Font(bold=True, color="FFFFFF")


def list_name(list_column: str) -> str:
    """The defined name of a Listor column, e.g. "lista_Verksamhetsomrade"."""
    table = str.maketrans({"å": "a", "ä": "a", "ö": "o", "Å": "A", "Ä": "A", "Ö": "O", "é": "e", "/": "_", " ": "_", "-": "_"})
    return "lista_" + list_column.translate(table)


def write_new_workbook(path: Path, tables: Mapping[str, Sequence[Sequence[Any]]],
                       extra_columns: dict[str, list[str]] | None = None,
                       lists: Mapping[str, Sequence[str]] | None = None) -> None:
    """Write a workbook with every contract sheet; `tables` gives the data rows per sheet name.

    `extra_columns` adds the tool's own columns after the contract's (e.g. Förklaring in
    Inställningar). `lists` overrides Listor's columns.
    """
    wb = Workbook()
    wb.remove(wb.active)
    list_columns: Mapping[str, Sequence[str]] = lists or contract.LIST_COLUMNS
    extra_columns = extra_columns or {}
    for sheet in contract.ALL_SHEETS:
        ws = wb.create_sheet(sheet.name)
        if sheet is contract.DASHBOARD:
            ws["A1"] = "Översikt"
            ws["A1"].font = Font(bold=True, size=16)
            ws["A3"] = "Översikten fylls i av uppf-xl: kör Uppdatera översikt (eller uppf-xl status)."
            ws.column_dimensions["A"].width = 80
            continue
        if sheet is contract.LISTS:
            _write_lists(ws, list_columns)
            continue
        headers = sheet.headers + extra_columns.get(sheet.name, [])
        _write_table(ws, sheet, headers, tables.get(sheet.name, []))
        if sheet.name in contract.HIDDEN_SHEETS:
            ws.sheet_state = "hidden"
    _add_validations(wb, list_columns)
    _add_reference_validations(wb)
    wb.active = wb.sheetnames.index(contract.PROVIDERS.name)
    wb.save(path)


def _write_table(ws: Worksheet, sheet: Sheet, headers: list[str], rows: Sequence[Sequence[Any]]) -> None:
    ws.append(headers)
    for r, row in enumerate(rows, start=2):
        for i, value in enumerate(row, start=1):
            cell = ws.cell(r, i, value)
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"  # text typed with a leading "=" stays text, never a formula
    last_row = max(2, len(rows) + 1)
    ref = f"A1:{get_column_letter(len(headers))}{last_row}"
    table = Table(displayName=sheet.table, ref=ref)
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    ws.add_table(table)
    ws.freeze_panes = "A2"
    for i, header in enumerate(headers, start=1):
        letter = get_column_letter(i)
        column = sheet.column(header) if sheet.has(header) else None
        ws.column_dimensions[letter].width = column.width if column else max(14, len(header) + 2)
        fmt = None
        if column and column.kind is Kind.DATE:
            fmt = DATE_FORMAT
        elif column and column.kind is Kind.DATETIME:
            fmt = DATETIME_FORMAT
        if sheet is contract.SETTINGS and header == "Värde":
            for r, row in enumerate(rows, start=2):
                if isinstance(row[1], date):
                    ws.cell(r, i).number_format = "mm-dd"
        if fmt:
            for r in range(2, last_row + 1):
                ws.cell(r, i).number_format = fmt
        if column and column.owner is contract.Owner.TOOL and not sheet.tool_owned:
            ws.cell(1, i).font = Font(italic=True)
    for r in range(2, last_row + 1):
        for i in range(1, len(headers) + 1):
            ws.cell(r, i).alignment = Alignment(vertical="top")


def _write_lists(ws: Worksheet, lists: Mapping[str, Sequence[str]]) -> None:
    names = list(lists)
    ws.append(names)
    longest = max(len(v) for v in lists.values())
    for r in range(longest):
        ws.append([lists[n][r] if r < len(lists[n]) else None for n in names])
    ref = f"A1:{get_column_letter(len(names))}{max(2, longest + 1)}"
    table = Table(displayName=contract.LISTS.table, ref=ref)
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=False)
    ws.add_table(table)
    ws.freeze_panes = "A2"
    for i, name in enumerate(names, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(16, len(name) + 4, *(len(v) + 2 for v in lists[name]))


def _add_validations(wb: Workbook, lists: Mapping[str, Sequence[str]]) -> None:
    names = list(lists)
    for i, name in enumerate(names, start=1):
        letter = get_column_letter(i)
        ref = f"{quote_sheetname(contract.LISTS.name)}!${letter}$2:${letter}${LIST_ROWS}"
        wb.defined_names[list_name(name)] = DefinedName(list_name(name), attr_text=ref)
    for sheet in contract.ALL_SHEETS:
        if not sheet.input or sheet.tool_owned or sheet is contract.LISTS:
            continue
        ws = wb[sheet.name]
        headers = [c.value for c in ws[1]]
        for column in sheet.columns:
            if not column.vocab or column.multi or column.header not in headers:
                continue
            letter = get_column_letter(headers.index(column.header) + 1)
            dv = DataValidation(type="list", formula1=f"={list_name(column.vocab)}", allow_blank=True)
            dv.error = f"Välj ett värde ur listan ({column.vocab} på bladet Listor)."
            dv.errorTitle = "Ogiltigt värde"
            dv.showErrorMessage = column.vocab in contract.CLOSED_LISTS or column.vocab == "Verksamhetsområde"
            dv.add(f"{letter}2:{letter}{VALIDATION_ROWS}")
            ws.add_data_validation(dv)
        for column in sheet.columns:
            if column.kind is Kind.DATE and column.header in headers:
                letter = get_column_letter(headers.index(column.header) + 1)
                dv = DataValidation(type="date", operator="between", formula1="DATE(1990,1,1)", formula2="DATE(2100,12,31)",
                                    allow_blank=True)
                dv.error = "Skriv ett datum som ÅÅÅÅ-MM-DD."
                dv.errorTitle = "Ogiltigt datum"
                dv.showErrorMessage = True
                dv.add(f"{letter}2:{letter}{VALIDATION_ROWS}")
                ws.add_data_validation(dv)


def as_rows(records: list[dict[str, Any]], sheet: Sheet) -> list[list[Any]]:
    return [[r.get(h) for h in sheet.headers] for r in records]


def default_tables(today: date, demo: bool) -> dict[str, list[list[Any]]]:
    """The rows a new workbook starts with: rules, settings, question bank, and the demo's data."""
    from uppf_xl import defaults, demo_data
    from uppf_xl.survey import default_questions, new_survey_key

    settings = defaults.default_settings(today.year)
    for row in settings:
        if isinstance(row[1], str) and contract.SETTINGS_BY_KEY[str(row[0])].day_month:
            month, day = (int(x) for x in row[1].split("-"))
            row[1] = date(today.year, month, day)
    tables: dict[str, list[list[Any]]] = {
        contract.TYPES.name: [list(r) for r in defaults.DEFAULT_TYPES],
        contract.SETTINGS.name: settings,
    }
    tables[contract.QUESTIONS.name] = default_questions()
    tables[contract.RISK_MODEL.name] = defaults.default_risk_model()
    tables[contract.IMPORT_FORMAT.name] = [list(r) for r in defaults.DEFAULT_IMPORT_FORMAT]
    for row in settings:
        if row[0] == "Enkätnyckel":
            row[1] = new_survey_key()
    if demo:
        for row in settings:
            if row[0] in demo_data.SETTINGS:
                row[1] = demo_data.SETTINGS[row[0]].format(year=today.year)
        tables[contract.PROVIDERS.name] = demo_data.providers(today)
        demo_data.add_kolada_ids(tables[contract.PROVIDERS.name])
        tables[contract.INFO_REQUESTS.name] = demo_data.info_requests(today)
        tables[contract.ANNUAL_PLAN.name] = demo_data.annual_plan(today)
        tables[contract.FOCUS.name] = demo_data.focus_areas(today)
        tables[contract.EVENTS.name] = demo_data.events(today)
        tables[contract.FINDINGS.name] = demo_data.findings(today) + demo_data.earlier_findings(today)
        tables[contract.MEETINGS.name] = demo_data.meetings(today)
        tables[contract.SCHEDULE.name] = as_rows(demo_data.history(today), contract.SCHEDULE)
        tables[contract.HANDLAGGARE.name] = demo_data.handlers()
    return tables


def create_workbook(path: Path, demo: bool = False, today: date | None = None) -> None:
    """Write a new contract workbook at `path` (the caller decides about overwriting)."""
    today = today or dt.date.today()
    write_new_workbook(path, default_tables(today, demo), extra_columns={contract.SETTINGS.name: ["Förklaring"]},
                       lists=default_lists(demo))


def default_lists(demo: bool) -> dict[str, tuple[str, ...]]:
    """Listor of a new workbook; the demo fills in its own nämnder."""
    from uppf_xl import demo_data

    lists = dict(contract.LIST_COLUMNS)
    if demo:
        lists["Nämnd"] = demo_data.NAMNDER
    return lists


# Columns whose dropdown lists the keys of another sheet: (sheet, column) -> (key sheet, key column).
REFERENCE_DROPDOWNS: dict[tuple[str, str], tuple[str, str]] = {
    ("Händelser", "UtförarID"): ("Utförare", "UtförarID"),
    ("Iakttagelser", "UtförarID"): ("Utförare", "UtförarID"),
    ("Årsplan", "TypID"): ("Uppföljningstyper", "TypID"),
    ("Frågor", "TypID"): ("Uppföljningstyper", "TypID"),
}


def _add_reference_validations(wb: Workbook) -> None:
    """Dropdowns of UtförarID and TypID fed from Utförare and Uppföljningstyper (a warning, not a stop)."""
    for (sheet, header), (key_sheet, key_header) in REFERENCE_DROPDOWNS.items():
        if sheet not in wb.sheetnames or key_sheet not in wb.sheetnames:
            continue
        ws, keys = wb[sheet], wb[key_sheet]
        headers = [c.value for c in ws[1]]
        key_headers = [c.value for c in keys[1]]
        if header not in headers or key_header not in key_headers:
            continue
        key_letter = get_column_letter(key_headers.index(key_header) + 1)
        name = list_name(f"{key_sheet} {key_header}")
        if name not in wb.defined_names:
            ref = f"{quote_sheetname(key_sheet)}!${key_letter}$2:${key_letter}${VALIDATION_ROWS}"
            wb.defined_names[name] = DefinedName(name, attr_text=ref)
        letter = get_column_letter(headers.index(header) + 1)
        dv = DataValidation(type="list", formula1=f"={name}", allow_blank=True)
        dv.error = f"Välj ett {key_header} som finns på bladet {key_sheet}."
        dv.errorTitle = "Okänt värde"
        dv.errorStyle = "warning"
        dv.showErrorMessage = True
        dv.add(f"{letter}2:{letter}{VALIDATION_ROWS}")
        ws.add_data_validation(dv)
