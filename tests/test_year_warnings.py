"""The year's warnings, each with its cell: `check` on a planned workbook the user has typed in."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from test_year_scenario import add_row, delete_provider, edit, ok, provider_row, run, set_schedule, set_setting

TODAY = date(2025, 3, 3)


def _cell(book: Path, sheet: str, key_header: str, key: str, header: str) -> str:
    ws = openpyxl.load_workbook(book)[sheet]
    h = {str(c.value): c.column for c in ws[1] if c.value is not None}
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, h[key_header]).value == key:
            return f"{sheet}!{get_column_letter(h[header])}{r}"
    raise AssertionError(key)


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    book = tmp_path_factory.mktemp("warn") / "bok.xlsx"
    ok("init", str(book), today=date(2025, 1, 2))

    def start(wb: Any) -> None:
        set_setting(wb, "Kommun", "Ekby kommun")
        for pid in ("U1", "U2", "U3"):
            add_row(wb, "Utförare", provider_row(pid, f"Utförare {pid}", date(2020, 1, 1)))

    edit(book, start)
    ok("plan", str(book), today=date(2025, 1, 8))

    def typed(wb: Any) -> None:
        set_schedule(wb, "U1|KVAL|2025", "Planerat datum", date(2025, 7, 5))  # a Saturday in the holiday period
        set_schedule(wb, "U2|KVAL|2025", "Planerat datum", date(2026, 1, 5))  # after Senast, next year
        set_schedule(wb, "U1|VP|2025", "Genomförd", date(2025, 12, 1))  # in the future
        set_schedule(wb, "U2|VP|2025", "Genomförd", date(2025, 2, 3))
        set_schedule(wb, "U2|VP|2025", "Kallelse skickad", date(2025, 2, 10))  # after Genomförd
        set_schedule(wb, "U2|EGEN|2025-T1", "Föreslaget datum", date(2025, 3, 2))  # typed: a Sunday
        set_schedule(wb, "U2|EGEN|2025-T2", "Orsak", "ringde")
        set_schedule(wb, "U1|EGEN|2025-T1", "Senast", date(2025, 5, 15))
        set_schedule(wb, "U1|EGEN|2025-T2", "Utförare", "Fel namn AB")
        set_setting(wb, "Max besök per vecka och handläggare", 0)
        add_row(wb, "Iakttagelser", {"IakttagelseID": "I-1", "Datum": date(2025, 2, 1), "UtförarID": "U1",
                                     "Kategori": "Avvikelse", "Beskrivning": "Saknad rutin", "Nyckel": "U2|KVAL|2025"})
        delete_provider(wb, "U3")

    edit(book, typed)
    result = run("check", str(book), today=TODAY)
    assert result.exit_code == 0, result.output
    return book, result.output


@pytest.mark.parametrize("key, header, text", [
    ("U1|KVAL|2025", "Planerat datum", "Planerat datum 2025-07-05 är inte en arbetsdag"),
    ("U1|KVAL|2025", "Planerat datum", "ligger i semesterperioden"),
    ("U2|KVAL|2025", "Planerat datum", "ligger efter Senast 2025-12-31"),
    ("U2|KVAL|2025", "Planerat datum", "ligger i ett annat år än raden (2025)"),
    ("U1|VP|2025", "Genomförd", "Genomförd 2025-12-01 ligger i framtiden"),
    ("U2|VP|2025", "Kallelse skickad", "Kallelse skickad 2025-02-10 ligger efter Genomförd 2025-02-03"),
    ("U2|EGEN|2025-T1", "Föreslaget datum", "skriv datumet i Planerat datum"),
    ("U2|EGEN|2025-T2", "Orsak", "skriv egna anteckningar i Kommentar"),
    ("U1|EGEN|2025-T1", "Senast", "kolumnen Senast fylls i av verktyget (väntat 2025-04-30"),
    ("U1|EGEN|2025-T2", "Utförare", "kopieras från Utförare"),
    ("U3|KVAL|2025", "UtförarID", 'utföraren "U3" finns inte längre i Utförare'),
])
def test_schedule_warning_names_the_cell(checked: tuple[Path, str], key: str, header: str, text: str) -> None:
    book, output = checked
    cell = _cell(book, "Årshjul", "Nyckel", key, header)
    lines = [line for line in output.splitlines() if line.startswith(f"Varning: {cell}: ")]
    assert any(text in line for line in lines), (cell, output)


def test_other_warnings_name_their_cells(checked: tuple[Path, str]) -> None:
    book, output = checked
    nyckel = _cell(book, "Iakttagelser", "IakttagelseID", "I-1", "Nyckel")
    assert f'Varning: {nyckel}: Nyckel "U2|KVAL|2025" hör till utföraren U2, inte U1' in output
    cap = _cell(book, "Inställningar", "Inställning", "Max besök per vecka och handläggare", "Värde")
    assert f"Varning: {cap}: Max besök per vecka och handläggare är 0" in output
    assert "Fel:" not in output
