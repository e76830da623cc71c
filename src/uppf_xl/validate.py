"""Validation of a read workbook into the typed Register, collecting every problem at once.

`build_register` never stops at the first problem: each cell is checked, each problem is
recorded with its sheet and cell, and whatever could be read goes into the Register.

Example:
    >>> register, problems = build_register(open_workbook("x.xlsx").raw(), date.today())  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from openpyxl.utils.cell import range_boundaries
from stdnum.se import orgnr as _orgnr

from uppf_xl import contract, vocab
from uppf_xl.contract import Kind, Sheet, column_letter
from uppf_xl.errors import CONTROL_RE, ERROR, WARNING, Problem, quote_value
from uppf_xl.period import Nyckel, Period
from uppf_xl.model import (
    SETTING_ATTRS,
    ArchivedPair,
    ImportField,
    MonthlyResult,
    Answer,
    Event,
    Finding,
    FocusArea,
    Handler,
    FollowUpType,
    HistoryRow,
    MonthlyDeviation,
    InfoRequest,
    KpiValue,
    Meeting,
    PlanEntry,
    Provider,
    Question,
    Register,
    RiskSignal,
    ScheduleRow,
    Settings,
)
from uppf_xl.workbook.base import RawTable, RawWorkbook
from uppf_xl.workbook.content import Value

EMAIL_RE = re.compile(r"^[^@\s;,<>]+@[^@\s;,<>]+\.[A-Za-z]{2,}$")
ISO_DATE_RE = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?\s*$")
# Lists whose unknown values are warnings only: themes and roles vary between municipalities.
SOFT_VOCABS = {"Område", "Ansvarig roll"}
# Lists whose case variants are read without a word (none: every list says "menade du").
FORGIVEN_SILENTLY: set[str] = set()
FIRST_YEAR, LAST_YEAR = 1950, 2100  # dates outside are typing mistakes, not history
# A typed row: header -> the value its column's kind converts to (str, date, int, tuple...).
Row = dict[str, Any]


@dataclass
class Reader:
    """Reads typed values out of one table, recording problems against their cells."""

    table: RawTable
    problems: list[Problem]
    lists: dict[str, list[str]]
    _folded: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    @property
    def sheet(self) -> str:
        return self.table.sheet

    def problem(self, row: int, header: str, message: str, severity: str = ERROR) -> None:
        cell = self.table.cell(row, header) if self.table.index(header) is not None else ""
        self.problems.append(Problem(severity, self.sheet, cell, message))

    def value(self, row: int, values: dict[str, Value], column: contract.Column) -> Any:
        """The typed value of a cell, or None (empty or wrong; a wrong one is reported)."""
        header = column.header
        table = self.table
        if table.errors and (row, header) in table.errors:
            self.problem(row, header, f"felvärdet {table.errors[row, header]}; skriv in ett giltigt värde")
            return None
        if table.formulas and (row, header) in table.formulas:
            self.problem(row, header, f"cellen innehåller formeln {table.formulas[row, header]}; skriv in själva värdet")
            return None
        raw = values.get(header)
        if raw is None:
            if column.required:
                self.problem(row, header, f'"{header}" måste fyllas i')
            return None
        kind = column.kind
        # The common cases, straight through: plain text, and real dates in range.
        if type(raw) is str and kind is Kind.TEXT and not column.vocab and raw.isprintable():
            return raw.strip()  # the reader already turned blank cells into None
        if type(raw) is dt.date and kind is Kind.DATE and FIRST_YEAR <= raw.year <= LAST_YEAR:
            return raw
        if isinstance(raw, str):
            if CONTROL_RE.search(raw):
                self.problem(row, header, f"{quote_value(raw)} innehåller osynliga styrtecken; skriv om texten")
                return None
            raw = raw.strip()
            if raw == "":
                raw = None
        if raw is None:
            if column.required:
                self.problem(row, header, f'"{header}" måste fyllas i')
            return None
        return self.convert(row, column, raw)

    def convert(self, row: int, column: contract.Column, raw: Value) -> Any:
        header, kind = column.header, column.kind
        if kind in (Kind.DATE, Kind.DATETIME):
            return self._date(row, header, raw, keep_time=kind is Kind.DATETIME)
        if kind in (Kind.INT, Kind.YEAR, Kind.MONTH):
            return self._int(row, header, raw, kind)
        if kind is Kind.NUMBER:
            if isinstance(raw, (int, float)) and not isinstance(raw, bool):
                return raw
            try:
                return float(str(raw).replace(",", ".").replace(" ", ""))
            except ValueError:
                self.problem(row, header, f"{quote_value(raw)} är inget tal")
                return None
        text = self._text(row, header, raw)
        if text is None:
            return None
        if kind is Kind.BOOL or column.vocab:
            if column.multi:
                return self._multi(row, column, text)
            return self.vocab(row, header, text, column.vocab or "Ja/Nej")
        if kind is Kind.EMAIL and not EMAIL_RE.match(text):
            self.problem(row, header, f"{quote_value(text)} är ingen giltig e-postadress")
            return None
        if kind is Kind.ORGNR and not _orgnr.is_valid(text):
            reason = "kontrollsiffran stämmer inte" if len(_orgnr.compact(text)) == 10 else "formen ska vara NNNNNN-NNNN"
            self.problem(row, header, f"{quote_value(text)} är inget giltigt organisationsnummer ({reason})")
            return None
        return text

    def _text(self, row: int, header: str, raw: Value) -> str | None:
        if isinstance(raw, (dt.date, dt.datetime)):
            self.problem(row, header, f"ett datum ({raw:%Y-%m-%d}) står där text väntas; skriv in texten")
            return None
        if isinstance(raw, bool):
            return "Ja" if raw else "Nej"
        if isinstance(raw, float) and raw.is_integer():
            return str(int(raw))
        return str(raw).strip()

    def _date(self, row: int, header: str, raw: Value, keep_time: bool = False) -> Any:
        if isinstance(raw, (dt.date, dt.datetime)):
            if not FIRST_YEAR <= raw.year <= LAST_YEAR:  # e.g. 2025 typed into a date cell: 1905-07-17
                self.problem(row, header, f"{raw:%Y-%m-%d} är inget rimligt datum (skriv ÅÅÅÅ-MM-DD)")
                return None
            if isinstance(raw, dt.datetime):
                return raw if keep_time else raw.date()
            return raw
        if isinstance(raw, str):
            m = ISO_DATE_RE.match(raw)
            if m:
                try:
                    return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
                except ValueError:
                    pass
            self.problem(row, header, f"{quote_value(raw)} är inget giltigt datum (skriv ÅÅÅÅ-MM-DD)")
            return None
        self.problem(row, header, f"{quote_value(raw)} är inget datum (cellen är ett tal, inte ett datum)")
        return None

    def _int(self, row: int, header: str, raw: Value, kind: Kind) -> int | None:
        number: int | None = None
        if isinstance(raw, bool) or isinstance(raw, (dt.date, dt.datetime)):
            number = None
        elif isinstance(raw, int):
            number = raw
        elif isinstance(raw, float) and raw.is_integer():
            number = int(raw)
        elif isinstance(raw, str) and re.fullmatch(r"-?\d+", raw.strip()):
            number = int(raw.strip())
        if number is None:
            self.problem(row, header, f"{quote_value(raw)} är inget heltal")
            return None
        if kind is Kind.YEAR and not 1990 <= number <= 2100:
            self.problem(row, header, f"{number} är inget rimligt årtal")
            return None
        if kind is Kind.MONTH and not 1 <= number <= 12:
            self.problem(row, header, f"{number} är ingen månad (1–12)")
            return None
        if kind is Kind.INT and number < 0:
            self.problem(row, header, f"{number} får inte vara negativt")
            return None
        return number

    def vocab(self, row: int, header: str, text: str, list_name: str) -> str | None:
        """The allowed value `text` stands for; trimming and case are forgiven when unambiguous."""
        allowed = self.lists.get(list_name, [])
        if text in allowed or (not allowed and list_name not in contract.CLOSED_LISTS):
            return text  # an open list the municipality has not filled in yet allows any value
        folded = self._folded.setdefault(list_name, {})
        if not folded:
            for value in allowed:
                folded.setdefault("".join(value.split()).casefold(), []).append(value)
        matches = folded.get("".join(text.split()).casefold(), [])
        if len(matches) == 1:
            if list_name not in FORGIVEN_SILENTLY:
                self.problem(row, header, f'{quote_value(text)} står inte så i listan {list_name}; menade du "{matches[0]}"? '
                                          "(läses så)", WARNING)
            return matches[0]
        close = difflib.get_close_matches(text, allowed, n=1, cutoff=0.6) or difflib.get_close_matches(
            text.casefold(), [a.casefold() for a in allowed], n=1, cutoff=0.6
        )
        hint = ""
        if close:
            suggestion = next((a for a in allowed if a.casefold() == close[0].casefold()), close[0])
            hint = f'; menade du "{suggestion}"?'
        severity = WARNING if list_name in SOFT_VOCABS else ERROR
        self.problem(row, header, f"{quote_value(text)} är inget tillåtet värde för {list_name}{hint}", severity)
        return text if severity == WARNING else None

    def _multi(self, row: int, column: contract.Column, text: str) -> tuple[str, ...] | None:
        parts = [p.strip() for p in text.split(";") if p.strip()]
        if any(p.casefold() == vocab.ALLA.casefold() for p in parts):
            return (vocab.ALLA,)
        out = []
        for part in parts:
            value = self.vocab(row, column.header, part, column.vocab or "")
            if value is None:
                return None
            out.append(value)
        return tuple(out)


def build_register(raw: RawWorkbook, today: date) -> tuple[Register, list[Problem]]:
    """Check every sheet of `raw` and build the Register from what could be read."""
    problems: list[Problem] = list(raw.problems)
    for sheet in contract.ALL_SHEETS:
        if sheet.input and sheet.name not in raw.tables and not sheet.tool_owned and not sheet.optional:
            problems.append(Problem(ERROR, sheet.name, "", "bladet saknas i arbetsboken"))
    lists = _read_lists(raw.tables.get(contract.LISTS.name), problems)
    settings = _read_settings(raw.tables.get(contract.SETTINGS.name), problems, lists)

    readers: dict[str, tuple[Reader, list[tuple[int, Row]]]] = {}
    for sheet in contract.ALL_SHEETS:
        table = raw.tables.get(sheet.name)
        if table is None or sheet in (contract.SETTINGS, contract.LISTS, contract.DASHBOARD, contract.LOG):
            continue
        reader = Reader(table, problems, lists)
        readers[sheet.name] = (reader, _typed_rows(reader, sheet))

    def rows(sheet: Sheet) -> list[tuple[int, Row]]:
        return readers.get(sheet.name, (None, []))[1]

    if not lists.get("Nämnd"):
        _fold_unlisted("Nämnd", [readers[s.name] for s in (contract.PROVIDERS, contract.ANNUAL_PLAN) if s.name in readers])
    providers = _providers(rows(contract.PROVIDERS), readers.get(contract.PROVIDERS.name, (None,))[0])
    types = [_follow_up_type(r, v) for r, v in rows(contract.TYPES)]
    # References are checked against every key typed, so one bad provider row does not
    # turn into an error on each row that names it.
    provider_ids = {str(v["UtförarID"]) for _, v in rows(contract.PROVIDERS) if v["UtförarID"]}
    type_ids = {str(v["TypID"]) for _, v in rows(contract.TYPES) if v["TypID"]}
    plan = [
        PlanEntry(v["År"], v["Nämnd"], v["Verksamhetsområde"], v["TypID"], v.get("Kommentar") or "", r)
        for r, v in rows(contract.ANNUAL_PLAN)
        if None not in (v["År"], v["Nämnd"], v["Verksamhetsområde"], v["TypID"])
    ]
    focus = [FocusArea(v["År"], v["Fokusområde"], v.get("Beskrivning") or "", r) for r, v in rows(contract.FOCUS)
             if v["År"] and v["Fokusområde"]]
    events = [
        Event(v["Datum"], v["UtförarID"], vocab.EventType(v["Typ"]), v.get("Beskrivning") or "",
              v.get("Allvarlig") == "Ja", v.get("Hanterad") == "Ja", r)
        for r, v in rows(contract.EVENTS)
        if v["Datum"] and v["UtförarID"] and v["Typ"]
    ]
    schedule = [_schedule_row(r, v) for r, v in rows(contract.SCHEDULE) if v.get("Nyckel")]
    findings = [_finding(r, v) for r, v in rows(contract.FINDINGS)
                if v["IakttagelseID"] and v["Datum"] and v["UtförarID"] and v["Kategori"]]
    questions = [_question(r, v) for r, v in rows(contract.QUESTIONS) if v["FrågeID"] and v["Svarstyp"]]
    answers = [
        Answer(v["UtförarID"] or "", v["TypID"] or "", v["År"] or 0, v["FrågeID"] or "", v.get("Svar") or "",
               v.get("Avviker") == "Ja", v.get("Fil") or "", v.get("Inläst"), r)
        for r, v in rows(contract.ANSWERS)
    ]
    register = Register(settings, providers, types, plan, focus, events, findings, schedule, lists, questions, answers)
    register.handlers = _handlers(rows(contract.HANDLAGGARE))
    _read_risk_sheets(register, raw, rows, readers.get(contract.RISK_MODEL.name, (None,))[0],
                      readers.get(contract.PROVIDERS.name, (None,))[0])
    register.archived = _archived(rows(contract.ARCHIVE), readers.get(contract.ARCHIVE.name, (None,))[0])
    register.info_requests = _info_requests(rows(contract.INFO_REQUESTS))
    register.kpis = _kpi_values(rows(contract.KPIS))
    register.meetings = _meetings(rows(contract.MEETINGS), readers.get(contract.MEETINGS.name, (None,))[0])
    register.import_format = [_import_field(r, v) for r, v in rows(contract.IMPORT_FORMAT) if v["Fält"]]
    register.monthly = [_monthly_result(r, v) for r, v in rows(contract.MONTHLY) if v.get("Månad") and v.get("UtförarID")]

    # References between sheets.
    keys: set[str] = {s.key for s in schedule}
    refs: list[tuple[Sheet, str, set[str], str]] = [
        (contract.EVENTS, "UtförarID", provider_ids, "UtförarID"),
        (contract.FINDINGS, "UtförarID", provider_ids, "UtförarID"),
        (contract.FINDINGS, "Nyckel", keys, "Nyckel i Årshjul"),
        (contract.ANNUAL_PLAN, "TypID", type_ids, "TypID"),
        (contract.INFO_REQUESTS, "UtförarID", provider_ids, "UtförarID"),
    ]
    if questions and type_ids:
        refs.append((contract.QUESTIONS, "TypID", type_ids, "TypID"))
    # A reference into a missing sheet is not checked: the missing sheet is the one error to fix.
    target = {"UtförarID": contract.PROVIDERS.name, "TypID": contract.TYPES.name, "Nyckel": contract.SCHEDULE.name}
    for sheet, header, known, label in refs:
        ref_reader = readers.get(sheet.name, (None,))[0]
        if ref_reader is None or target[header] not in raw.tables:
            continue
        for r, v in rows(sheet):
            value = v.get(header)
            if value and value not in known:
                close = difflib.get_close_matches(str(value), sorted(known), n=1) if header != "Nyckel" else []
                hint = f'; menade du "{close[0]}"?' if close else ""
                ref_reader.problem(r, header, f'{label} "{value}" finns inte{hint}')
    nämnder = {p.namnd for p in providers}
    plan_reader = readers.get(contract.ANNUAL_PLAN.name, (None,))[0]
    for entry in plan:
        if plan_reader and nämnder and entry.namnd not in nämnder:
            plan_reader.problem(entry.row, "Nämnd", f'ingen utförare hör till nämnden "{entry.namnd}"', WARNING)

    _finding_rules(register, readers.get(contract.FINDINGS.name, (None,))[0], today, problems)
    _handler_rules(register, readers.get(contract.PROVIDERS.name, (None,))[0], readers.get(contract.SCHEDULE.name, (None,))[0])
    _schedule_rules(register.schedule, readers.get(contract.SCHEDULE.name, (None,))[0])
    _info_request_rules(register, readers.get(contract.INFO_REQUESTS.name, (None,))[0], problems)
    from uppf_xl import annual

    problems.extend(annual.warnings(register, raw, today, problems))
    return register, _sorted(problems)


def _fold_unlisted(header: str, sheets: list[tuple[Reader, list[tuple[int, Row]]]]) -> None:
    """An open list not filled in yet: case and space variants of a value take its usual spelling."""
    counts: dict[str, dict[str, int]] = {}
    for _, typed in sheets[:1]:  # the first sheet (Utförare) decides the spelling
        for _, v in typed:
            if isinstance(v.get(header), str):
                spellings = counts.setdefault("".join(v[header].split()).casefold(), {})
                spellings[v[header]] = spellings.get(v[header], 0) + 1
    usual = {k: max(c, key=lambda spelling: c[spelling]) for k, c in counts.items()}
    for reader, typed in sheets:
        for r, v in typed:
            value = v.get(header)
            if not isinstance(value, str):
                continue
            spelling = usual.get("".join(value.split()).casefold())
            if spelling and spelling != value:
                reader.problem(r, header, f'{quote_value(value)} skrivs annars "{spelling}"; menade du "{spelling}"? (läses så)',
                               WARNING)
                v[header] = spelling


def _sorted(problems: list[Problem]) -> list[Problem]:
    order = {s.name: i for i, s in enumerate(contract.ALL_SHEETS)}

    def key(p: Problem) -> tuple[int, int, int, str, str]:
        m = re.fullmatch(r"([A-Z]+)(\d+)", p.cell)
        row, col = (int(m.group(2)), len(m.group(1)) * 100 + ord(m.group(1)[-1])) if m else (0, 0)
        return (order.get(p.sheet, 99), row, col, p.severity, p.message)

    seen: set[Problem] = set()
    out = []
    for p in sorted(problems, key=key):
        if p not in seen:
            seen.add(p)
            out.append(p)
    return out


def _typed_rows(reader: Reader, sheet: Sheet) -> list[tuple[int, Row]]:
    """Check the table's shape and every cell; return (excel_row, typed values) per data row."""
    table = reader.table
    seen: dict[str, int] = {}
    for i, header in enumerate(table.header):
        if not header:
            continue
        if header in seen:
            first = f"{table.column_letter(header)}{table.header_row}"
            here = f"{column_letter(table.col + i)}{table.header_row}"
            reader.problems.append(
                Problem(ERROR, sheet.name, here, f'kolumnen "{header}" finns två gånger ({first} och {here}); ta bort den ena')
            )
        seen.setdefault(header, i)
    missing = [c.header for c in sheet.columns if c.header not in seen and (c.required or c.owner is contract.Owner.USER)]
    required_missing = [h for h in missing if sheet.column(h).required]
    for header in required_missing:
        reader.problems.append(Problem(ERROR, sheet.name, "", f'kolumnen "{header}" saknas (rubriken ska stå i rad {table.header_row})'))
    for ref in table.merged:
        reader.problems.append(Problem(ERROR, sheet.name, ref.split(":")[0], f"sammanfogade celler ({ref}) i tabellen; dela upp dem"))

    columns = [c for c in sheet.columns if c.header in seen]
    out: list[tuple[int, Row]] = []
    key_rows: dict[str, int] = {}
    last_filled = table.last_filled()
    for i, (excel_row, values) in enumerate(table.iter_records()):
        if all(v is None for v in values.values()) and not any((excel_row, h) in table.errors or (excel_row, h) in table.formulas for h in values):
            if i < last_filled:
                reader.problems.append(
                    Problem(WARNING, sheet.name, f"{column_letter(table.col)}{excel_row}",
                            "tom rad mitt i tabellen; raden hoppas över (ta bort den)")
                )
            continue
        typed: Row = {c.header: reader.value(excel_row, values, c) for c in columns}
        for c in sheet.columns:
            typed.setdefault(c.header, None)
        if sheet is contract.SCHEDULE:
            typed["_extra"] = {h: values[h] for h in table.header if h and not sheet.has(h)}
        if sheet.key and typed.get(sheet.key):
            key = str(typed[sheet.key])
            if key in key_rows:
                reader.problem(excel_row, sheet.key, f'{sheet.key} "{key}" finns redan på rad {key_rows[key]}')
            else:
                key_rows[key] = excel_row
        out.append((excel_row, typed))
    _below_table_warning(reader, [r for r, _ in out])
    return out


def _below_table_warning(reader: Reader, rows: list[int]) -> None:
    """Rows typed under an Excel table (openpyxl and LibreOffice never grow it) are read as its rows."""
    table = reader.table
    if not table.table_ref or not rows:
        return
    try:
        _, _, _, table_end = range_boundaries(table.table_ref)
    except (TypeError, ValueError):
        return
    below = [r for r in rows if table_end is not None and r > table_end]
    if not below:
        return
    span = f"rad {below[0]}" if len(below) == 1 else f"raderna {below[0]}–{below[-1]}"
    reader.problems.append(Problem(
        WARNING, table.sheet, f"{column_letter(table.col)}{below[0]}",
        f"{span} står under tabellen {table.table_name or ''} ({table.table_ref}) och läses som rader i den; "
        "tabellen utökas över dem nästa gång uppf-xl skriver i arbetsboken".replace("tabellen  (", "tabellen ("),
    ))


def _read_lists(table: RawTable | None, problems: list[Problem]) -> dict[str, list[str]]:
    lists = {name: list(values) for name, values in contract.LIST_COLUMNS.items()}
    if table is None:
        return lists
    for i, header in enumerate(table.header):
        if not header or header in contract.CLOSED_LISTS:
            continue
        values = []
        for row in table.rows:
            value = row[i] if i < len(row) else None
            if value is not None and str(value).strip():
                values.append(str(value).strip())
        lists[header] = values
    return lists


def _read_settings(table: RawTable | None, problems: list[Problem], lists: dict[str, list[str]]) -> Settings:
    settings = Settings()
    if table is None:
        return settings
    reader = Reader(table, problems, lists)
    key_i, value_i = table.index("Inställning"), table.index("Värde")
    if key_i is None or value_i is None:
        for header in ("Inställning", "Värde"):
            if table.index(header) is None:
                problems.append(Problem(ERROR, table.sheet, "", f'kolumnen "{header}" saknas'))
        return settings
    seen_keys: dict[str, int] = {}
    for excel_row, row in zip(table.row_numbers, table.rows):
        key = row[key_i]
        if key is None or not str(key).strip():
            continue
        key = str(key).strip()
        definition = contract.SETTINGS_BY_KEY.get(key)
        if definition is not None and key in seen_keys:
            # Which of two rows wins would be a guess: the user decides.
            problems.append(Problem(ERROR, table.sheet, table.cell(excel_row, "Inställning"),
                                    f'inställningen "{key}" finns redan på rad {seen_keys[key]}; ta bort den ena raden'))
            continue
        seen_keys.setdefault(key, excel_row)
        if definition is None:
            close = difflib.get_close_matches(key, list(contract.SETTINGS_BY_KEY), n=1)
            hint = f'; menade du "{close[0]}"?' if close else ""
            problems.append(Problem(WARNING, table.sheet, table.cell(excel_row, "Inställning"), f'okänd inställning "{key}"{hint}'))
            continue
        column = contract.Column("Värde", definition.kind)
        found = row[value_i] is not None or (excel_row, "Värde") in table.formulas or (excel_row, "Värde") in table.errors
        value = reader.value(excel_row, {"Värde": row[value_i]}, column) if found else None
        raw_value = row[value_i]
        if definition.day_month and value is None and isinstance(raw_value, str):
            # "07-01" is a day-month; the reader reported it as a bad date, take it back if it parses.
            value = _day_month_text(raw_value)
            if value is not None:
                problems.pop()
        if value is None:
            continue
        if definition.day_month:
            value = (value.month, value.day) if isinstance(value, date) else value
        setattr(settings, SETTING_ATTRS[key], value)
    return settings


def _day_month_text(text: str) -> tuple[int, int] | None:
    m = re.fullmatch(r"\s*(\d{1,2})-(\d{1,2})\s*", text)
    if not m:
        return None
    month, day = int(m.group(1)), int(m.group(2))
    try:
        date(2024, month, day)
    except ValueError:
        return None
    return (month, day)


def _providers(rows: list[tuple[int, Row]], reader: Reader | None) -> list[Provider]:
    out = []
    for r, v in rows:
        if not (v["UtförarID"] and v["Namn"] and v["Regi"] and v["Avtalsform"] and v["Verksamhetsområde"]
                and v["Nämnd"] and v["Startdatum"]):
            continue
        if v["Slutdatum"] and v["Slutdatum"] < v["Startdatum"] and reader:
            reader.problem(r, "Slutdatum", f"Slutdatum {v['Slutdatum']:%Y-%m-%d} är före Startdatum {v['Startdatum']:%Y-%m-%d}")
            continue
        out.append(
            Provider(
                id=v["UtförarID"], name=v["Namn"], regi=vocab.Regi(v["Regi"]), avtalsform=vocab.Avtalsform(v["Avtalsform"]),
                area=v["Verksamhetsområde"], namnd=v["Nämnd"], start=v["Startdatum"], end=v["Slutdatum"],
                orgnr=v["Organisationsnummer"] or "", chef=v["Verksamhetschef"] or "", email=v["E-post"] or "",
                phone=v["Telefon"] or "", address=v["Adress"] or "", postcode=v["Postnummer"] or "", city=v["Ort"] or "",
                risk=vocab.Risk(v["Risknivå"]) if v["Risknivå"] else vocab.Risk.NORMAL,
                responsible=v["Ansvarig"] or "", comment=v["Kommentar"] or "",
                clients=v.get("Antal brukare"), contract_end=v.get("Avtal till"),
                extension_decision=v.get("Förlängning beslut senast"), ivo_permit=str(v.get("IVO-tillstånd") or ""),
                kolada_id=str(v.get("Kolada-ID") or "").strip(), proposed_risk=str(v.get("Föreslagen risknivå") or ""),
                risk_reasons=str(v.get("Riskskäl") or ""), row=r,
            )
        )
    return out


def _split(text: object) -> tuple[str, ...]:
    return tuple(p.strip() for p in str(text or "").split(";") if p.strip())


def _follow_up_type(r: int, v: Row) -> FollowUpType:
    return FollowUpType(
        id=v["TypID"] or "", name=v["Namn"] or "", areas=v["Verksamhetsområden"] or (vocab.ALLA,),
        regi=v["Regi"] or vocab.ALLA, interval=vocab.Interval(v["Intervall"] or vocab.Interval.YEAR.value),
        month=v["Månad"], interval_high_risk=vocab.Interval(v["Intervall vid hög risk"]) if v["Intervall vid hög risk"] else None,
        visit=v["Besök"] == "Ja", notice_days=v["Kallelse dagar före"], role=v["Ansvarig roll"] or "",
        template=v["Mall"] or "", material=_split(v["Underlag"]), material_days=v["Underlag dagar före"],
        attachments=_split(v["Bilagor"]), active=v["Aktiv"] != "Nej", row=r,
        interval_low_risk=vocab.Interval(v["Intervall vid låg risk"]) if v.get("Intervall vid låg risk") else None,
    )


def _schedule_row(r: int, v: Row) -> ScheduleRow:
    def text(h: str) -> str:
        value = v.get(h)
        return "" if value is None else str(value)

    return ScheduleRow(
        key=Nyckel(text("Nyckel")), provider_id=text("UtförarID"), provider_name=text("Utförare"), area=text("Verksamhetsområde"),
        namnd=text("Nämnd"), type_id=text("TypID"), type_name=text("Uppföljning"), period=Period(text("Period")),
        due=v.get("Senast"), proposed=v.get("Föreslaget datum"), planned=v.get("Planerat datum"), time=text("Tid"),
        place=text("Plats"), notify_by=v.get("Kallas senast"), notified=v.get("Kallelse skickad"), done=v.get("Genomförd"),
        status=text("Status"), responsible=text("Ansvarig"), comment=text("Kommentar"), dnr=text("Dnr"),
        reason=text("Orsak"), announced=v.get("Kallat datum"), adopted=v.get("Fastställd"),
        extra=dict(v.get("_extra") or {}), row=r,
    )


def _finding(r: int, v: Row) -> Finding:
    def text(h: str) -> str:
        value = v.get(h)
        return "" if value is None else str(value)

    return Finding(
        id=text("IakttagelseID"), day=v["Datum"], provider_id=text("UtförarID"), category=vocab.Category(v["Kategori"]),
        key=Nyckel(text("Nyckel")), area=text("Område"), description=text("Beskrivning"), summary=text("Sammanfattning för nämnd"),
        requested=v.get("Åtgärdsplan begärd"), deadline=v.get("Åtgärdsplan senast"), received=v.get("Åtgärdsplan inkommen"),
        approved=v.get("Åtgärdsplan godkänd"), verified=v.get("Åtgärd verifierad"), reported=v.get("Rapporterad till nämnd"),
        status=text("Status"), escalate=text("Eskalera"), verify_at=text("Verifieras vid"),
        request_sent=v.get("Begäran skickad"), reminder_sent=v.get("Påminnelse skickad"), new_deadline=v.get("Ny svarstid"),
        notified_chief=v.get("Underrättad"), confirmed=v.get("Bekräftad") != "Nej", answer_by=v.get("Svar senast"), row=r,
    )


def _meetings(rows: list[tuple[int, Row]], reader: Reader | None) -> list[Meeting]:
    """Sammanträden; a Sista dag för ärenden after the meeting itself is an error on its cell."""
    out = []
    for r, v in rows:
        if not (v["Nämnd"] and v["Datum"]):
            continue
        last = v.get("Sista dag för ärenden")
        if last is not None and last > v["Datum"] and reader is not None:
            reader.problem(r, "Sista dag för ärenden",
                           f"Sista dag för ärenden {last:%Y-%m-%d} är efter sammanträdet {v['Datum']:%Y-%m-%d}")
            last = None
        out.append(Meeting(str(v["Nämnd"]), v["Datum"], last, str(v.get("Rapport") or ""), r))
    return sorted(out, key=lambda m: (m.day, m.namnd, m.row))


def _question(r: int, v: Row) -> Question:
    return Question(
        id=str(v["FrågeID"]), theme=str(v["Tema"] or ""), text=str(v["Fråga"] or ""),
        answer_type=vocab.AnswerType(v["Svarstyp"]), options=_split(v.get("Alternativ")), requirement=str(v.get("Krav") or ""),
        areas=v.get("Verksamhetsområden") or (vocab.ALLA,), regi=str(v.get("Regi") or vocab.ALLA),
        type_id=str(v.get("TypID") or ""), active=v.get("Aktiv") != "Nej", row=r,
    )


def _schedule_rules(rows: list[ScheduleRow], reader: Reader | None) -> None:
    """Årshjul's tool-owned columns: a typed-over key or status is overwritten at the next run."""
    if reader is None:
        return
    statuses = set(vocab.RowStatus.labels())
    for row in rows:
        expected_key = Nyckel.of(row.provider_id, row.type_id, row.period)
        if row.key != expected_key:
            reader.problem(row.row, "Nyckel", f'kolumnen "Nyckel" fylls i av verktyget; "{row.key}" stämmer inte med '
                                              f'UtförarID, TypID och Period ("{expected_key}")', WARNING)
        if row.status and row.status not in statuses:
            reader.problem(row.row, "Status", f'kolumnen "Status" fylls i av verktyget; "{row.status}" skrivs över '
                                              "vid nästa körning", WARNING)


def _finding_rules(register: Register, reader: Reader | None, today: date, problems: list[Problem]) -> None:
    """Date order and tool-owned columns of Iakttagelser (rules live in uppf_xl.findings)."""
    from uppf_xl import findings

    if reader is None:
        return
    cell: Callable[[int, str], str] = reader.table.cell
    for finding in register.findings:
        problems.extend(findings.date_order_problems(finding, cell))
        problems.extend(findings.deadline_day_problems(finding, cell))
    problems.extend(findings.tool_column_warnings(register, register.schedule, today, cell))


def _handlers(rows: list[tuple[int, Row]]) -> list[Handler]:
    return [
        Handler(str(v["Namn"]), str(v.get("Titel") or ""), str(v.get("E-post") or ""), str(v.get("Telefon") or ""),
                v.get("Aktiv") != "Nej", r)
        for r, v in rows
        if v.get("Namn")
    ]


def _handler_rules(register: Register, providers: Reader | None, schedule: Reader | None) -> None:
    """A warning for each Ansvarig missing from Handläggare, once that sheet has rows."""
    from uppf_xl import senders

    for reader, records in ((providers, register.providers), (schedule, register.schedule)):
        if reader is None:
            continue
        for row, message in senders.unknown_responsible(register, records):
            reader.problem(row, "Ansvarig", message, WARNING)


def _read_risk_sheets(register: Register, raw: RawWorkbook, rows: Callable[[Sheet], list[tuple[int, Row]]],
                      reader: Reader | None, provider_reader: Reader | None = None) -> None:
    """Riskmodell, Utförarhistorik and the deviations of Månadsuppföljning, for uppf_xl.risk;
    a warning for what a user typed into Utförare's risk columns (the tool's)."""
    from uppf_xl import risk

    if provider_reader is not None:
        for p in register.providers:
            for header, value in risk.typed_over(p):
                provider_reader.problem(p.row, header, f'kolumnen "{header}" fylls i av verktyget; "{value}" skrivs över '
                                                       "vid nästa plan eller status", WARNING)

    if contract.RISK_MODEL.name in raw.tables:
        register.risk_model = [
            RiskSignal(str(v["Signal"]), float(v["Poäng"] or 0), str(v.get("Förklaring") or ""), r)
            for r, v in rows(contract.RISK_MODEL) if v["Signal"]
        ]
        if reader is not None:
            for s in register.risk_model:
                if s.signal not in risk.KNOWN:
                    close = difflib.get_close_matches(s.signal, list(risk.KNOWN), n=1)
                    hint = f'; menade du "{close[0]}"?' if close else ""
                    reader.problem(s.row, "Signal", f'okänd signal "{s.signal}" räknas inte{hint}', WARNING)

    def text(value: object) -> str:
        return "" if value is None else str(value).strip()

    register.history = [
        HistoryRow(text(v["UtförarID"]), text(v["Organisationsnummer"]), text(v["Verksamhetschef"]), text(v["Adress"]),
                   text(v["Namn"]), v["Sedd"] if isinstance(v["Sedd"], date) else None, r)
        for r, v in rows(contract.PROVIDER_HISTORY) if v["UtförarID"]
    ]
    register.monthly_deviations = [
        MonthlyDeviation(text(v["Månad"])[:7], text(v["UtförarID"]), text(v["Avvikelser"]))
        for r, v in rows(contract.MONTHLY) if v.get("UtförarID") and text(v.get("Avvikelser"))
    ]


def _archived(rows: list[tuple[int, Row]], reader: Reader | None) -> list[ArchivedPair]:
    """The hidden sheet Arkiv (uppf_xl.archive); a broken row is reported, never guessed at."""
    from uppf_xl import archive

    out = []
    for r, v in rows:
        if not v["UtförarID"] or not v["TypID"]:
            continue
        counts = archive.parse_counts(str(v["Genomförda per år"] or ""))
        if counts is None:
            if reader is not None:
                reader.problem(r, "Genomförda per år", f'{quote_value(str(v["Genomförda per år"]))} är inte i formen '
                                                       '"2025: 3; 2026: 1"; bladet skrivs av uppf-xl archive')
            continue
        out.append(ArchivedPair(str(v["UtförarID"]), str(v["TypID"]), archive.key_of(str(v["Nyckel"] or "")),
                                v["Senast genomförd"], v["Rader"] or 0, counts, v["Arkiverat före"] or 0, r))
    return out


def schedule_rows(table: RawTable) -> tuple[list[ScheduleRow], list[Problem]]:
    """The rows of one Årshjul table alone (the archive workbook's), checked cell by cell."""
    problems: list[Problem] = []
    reader = Reader(table, problems, {})
    rows = [_schedule_row(r, v) for r, v in _typed_rows(reader, contract.SCHEDULE) if v.get("Nyckel")]
    return rows, problems


def _info_requests(rows: list[tuple[int, Row]]) -> list[InfoRequest]:
    return [
        InfoRequest(
            id=str(v["BegäranID"]), day=v["Datum"], provider_id=str(v["UtförarID"]), what=str(v["Vad som begärs"]),
            answer_by=v.get("Svar senast"), sent=v.get("Skickad"), received=v.get("Inkommen"),
            reminder_sent=v.get("Påminnelse skickad"), row=r,
        )
        for r, v in rows
        if v["BegäranID"] and v["Datum"] and v["UtförarID"] and v["Vad som begärs"]
    ]


def _kpi_values(rows: list[tuple[int, Row]]) -> list[KpiValue]:
    def number(x: object) -> float | None:
        return float(x) if isinstance(x, (int, float)) and not isinstance(x, bool) else None

    return [
        KpiValue(
            kpi=str(v["KPI"]), title=str(v.get("Nyckeltal") or ""), kolada_id=str(v.get("Kolada-ID") or ""),
            provider_id=str(v.get("UtförarID") or ""), year=int(v["År"]), gender=str(v.get("Kön") or "T"),
            value=number(v.get("Värde")), municipality=number(v.get("Kommunen")), country=number(v.get("Riket")), row=r,
        )
        for r, v in rows
        if v.get("KPI") and v.get("År")
    ]


def _info_request_rules(register: Register, reader: Reader | None, problems: list[Problem]) -> None:
    """A typed Svar senast on a non-working day (rules live in uppf_xl.insyn)."""
    from uppf_xl import insyn

    if reader is not None:
        problems.extend(insyn.typed_deadline_warnings(register, reader.table.cell))


def _import_field(r: int, v: Row) -> ImportField:
    return ImportField(field=str(v["Fält"]), column=str(v.get("Kolumn i exporten") or "").strip(),
                       values=_split(v.get("Värden")), row=r)


def _monthly_result(r: int, v: Row) -> MonthlyResult:
    def number(h: str) -> float | None:
        value = v.get(h)
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None

    return MonthlyResult(
        month=str(v["Månad"]), provider_id=str(v["UtförarID"]), provider_name=str(v.get("Utförare") or ""),
        visits=int(v.get("Besök") or 0), performed_hours=number("Utförd tid (h)") or 0.0,
        granted_hours=number("Beviljad tid (h)"), performed_share=number("Andel utförd av beviljad"),
        manual_share=number("Andel manuellt registrerade") or 0.0, late_share=number("Andel efterregistrerade") or 0.0,
        duplicates=int(v.get("Dubbelregistreringar") or 0), short=int(v.get("Korta besök") or 0),
        close=int(v.get("Tätt efter varandra") or 0), continuity=number("Personalkontinuitet"),
        deviations=str(v.get("Avvikelser") or ""), row=r,
    )
