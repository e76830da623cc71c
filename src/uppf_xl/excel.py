"""The Excel entry points: one small function per ribbon button, `run(name)`, and cell functions.

A button of the Uppföljning tab calls `run(tag)` through RunPython (xl_macros/uppf_xl.bas).
Each function reads the calling book, runs the same library call as the CLI
(`uppf_xl.actions`), writes back through the live backend, and tells the user in a message
box: the outcome's lines, or the same Swedish `Fel: ...` messages as `uppf-xl check`. A
Python traceback never reaches the user; it goes to a log file the message names.

Example (what the Kontrollera button runs):
    >>> import uppf_xl.excel as x; x.run("check")   # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import xlwings as xw

from uppf_xl import actions, dates
from uppf_xl.errorlog import write_error_log
from uppf_xl.errors import Problem, UppfError
from uppf_xl.outcome import Outcome
from uppf_xl.workbook import Workbook
from uppf_xl.workbook.live import LiveBackend

MAX_LINES = 25  # a message box taller than the screen hides its OK button
SURVEY_OUT_FOLDER = "Enkäter"
SURVEY_IN_FOLDER = "Enkätsvar"

# Button tag -> (title of the message box, label on the ribbon). The tags are the names of
# the functions below; xl_macros/customUI*.xml uses the same tags.
TITLES: dict[str, str] = {
    "check": "Kontrollera",
    "plan": "Uppdatera årshjul",
    "status": "Uppdatera översikt",
    "kallelser": "Skapa kallelser",
    "atgardsbrev": "Åtgärdsplanbrev",
    "report": "Exportera nämndrapport",
    "calendar": "Exportera kalender",
    "survey_out": "Skicka enkäter",
    "survey_in": "Läs in enkätsvar",
}
APP_TITLE = "uppf-xl"


# ---- the buttons -------------------------------------------------------------------------------


def check() -> None:
    """Kontrollera: list every problem; never writes."""
    _run("check", _check)


def plan() -> None:
    """Uppdatera årshjul: the plan year's Årshjul, Iakttagelser's status columns, Översikt, Logg."""
    _run("plan", lambda wb, today: actions.plan(wb, None, today))


def status() -> None:
    """Uppdatera översikt: statuses and Översikt for today."""
    _run("status", lambda wb, today: actions.status(wb, None, today))


def kallelser() -> None:
    """Skapa kallelser: letters for the rows that are Att kalla, and the send list."""
    _run("kallelser", lambda wb, today: actions.letters(wb, None, today, kinds=("kallelse", "andrad")))


def atgardsbrev() -> None:
    """Åtgärdsplanbrev: requests, reminders and feedback about action plans."""
    kinds = ("atgardsplan", "paminnelse", "aterkoppling", "fortydligande", "underrattelse")
    _run("atgardsbrev", lambda wb, today: actions.letters(wb, None, today, kinds=kinds))


def report() -> None:
    """Exportera nämndrapport: the year's report per nämnd, with annex."""
    _run("report", lambda wb, today: actions.report(wb, None, "år", None, None, today))


def calendar() -> None:
    """Exportera kalender: the planned visits as an .ics file."""
    _run("calendar", lambda wb, today: actions.calendar(wb, None, None, today))


def survey_out() -> None:
    """Skicka enkäter: a questionnaire per provider, for each TypID the question bank names."""
    _run("survey_out", _survey_out)


def survey_in() -> None:
    """Läs in enkätsvar: every returned questionnaire in the folder Enkätsvar."""
    _run("survey_in", _survey_in)


BUTTONS: dict[str, Callable[[], None]] = {
    "check": check,
    "plan": plan,
    "status": status,
    "kallelser": kallelser,
    "atgardsbrev": atgardsbrev,
    "report": report,
    "calendar": calendar,
    "survey_out": survey_out,
    "survey_in": survey_in,
}


def run(name: str) -> None:
    """Run the button with tag `name` (what OnRibbonAction calls)."""
    button = BUTTONS.get(name)
    if button is None:
        book = xw.Book.caller()
        book.app.alert(f"Fel: okänd knapp {name!r}. Bygg om arbetsboken med uppf-xl build-workbook.", APP_TITLE, mode="critical")
        return
    button()


# ---- what the buttons share --------------------------------------------------------------------


@dataclass
class Message:
    """What a button shows when it has no Outcome: the text, and whether it reports errors."""

    text: str
    mode: str = "info"  # "info" or "critical", xlwings' alert modes


def _run(tag: str, action: Callable[[Workbook, date], Outcome | Message]) -> None:
    """Read the calling book, run `action`, and tell the user; every error becomes a message."""
    book = xw.Book.caller()
    title = TITLES[tag]
    try:
        mismatch = version_mismatch(book)
        if mismatch:
            book.app.alert(mismatch, title, mode="critical")
            return
        wb = Workbook(LiveBackend(book, path=book_path(book)))
        result = action(wb, today())
        message = result if isinstance(result, Message) else Message(outcome_text(result),
                                                                     "critical" if result.failure else "info")
        book.app.alert(message.text, title, mode=message.mode)
    except UppfError as exc:
        book.app.alert(error_text(exc), title, mode="critical")
    except Exception as exc:
        log = write_error_log(exc, f"{tag} (xlwings {xw.__version__})")
        book.app.alert(
            f"Ett oväntat fel inträffade i uppf-xl ({title}). Åtgärden avbröts.\n"
            f"Detaljer finns i loggfilen:\n{log}",
            title,
            mode="critical",
        )


def _check(wb: Workbook, today: date) -> Message:
    problems = actions.check(wb, today)
    if any(p.is_error for p in problems):
        return Message(check_text(problems, wb.name), "critical")
    return Message(_join([check_text(problems, wb.name)], *actions.risk_lines(wb, today)), "info")


def _survey_out(wb: Workbook, today: date) -> Outcome:
    register = wb.register(today)
    type_ids = sorted({q.type_id for q in register.questions if q.active and q.type_id})
    if not type_ids:
        raise UppfError("Inga frågor på bladet Frågor har en TypID; ange vilken uppföljningstyp enkäten hör till.")
    folder = actions.output_folder(wb, register, None) / SURVEY_OUT_FOLDER
    merged = Outcome("survey-out")
    for type_id in type_ids:
        part = actions.survey_out(wb, type_id, folder, None, today)
        merged.lines.extend(part.lines)
        merged.files.extend(part.files)
        merged.warnings.extend(part.warnings)
    return merged


def _survey_in(wb: Workbook, today: date) -> Outcome:
    register = wb.register(today)
    folder = actions.output_folder(wb, register, None) / SURVEY_IN_FOLDER
    if not folder.is_dir() or not any(folder.glob("*.xlsx")):
        raise UppfError(f"Mappen {folder} har inga ifyllda enkäter (.xlsx). Lägg de besvarade enkäterna där och försök igen.")
    return actions.survey_in(wb, [folder], today)


def check_text(problems: list[Problem], name: str) -> str:
    """What `uppf-xl check` prints: each problem, then the count line."""
    return _join([p.text for p in problems], actions.check_summary(problems, name))


def outcome_text(outcome: Outcome) -> str:
    """The outcome's warnings and lines (the terminal's tables stay in the terminal)."""
    lines = list(outcome.lines) or ["Klart."]
    if outcome.failure is not None:
        lines = [*outcome.lines, *outcome.failure.details, outcome.failure.closing]
    return _join([p.text for p in outcome.warnings], *lines)


def error_text(exc: UppfError) -> str:
    """The same text as the CLI: the problems, then the message (`Fel: ...` unless it is a count)."""
    return _join([p.text for p in exc.problems] + exc.details, exc.closing)


def _join(items: list[str], *tail: str) -> str:
    shown = items[:MAX_LINES]
    if len(items) > MAX_LINES:
        shown.append(f"... och {len(items) - MAX_LINES} till. Kör Kontrollera efter rättning, eller uppf-xl check för hela listan.")
    return "\n".join([*shown, *tail])


# ---- the book, the day, the versions -----------------------------------------------------------


def today() -> date:
    """Today, or UPPF_XL_TODAY (YYYY-MM-DD) when set: demos and tests run on a fixed day."""
    fixed = os.environ.get("UPPF_XL_TODAY")
    return date.fromisoformat(fixed) if fixed else date.today()


def book_path(book: Any) -> Path | None:
    """The workbook's file, when Excel knows one (an unsaved book has none)."""
    try:
        full = Path(str(book.fullname))
    except Exception:  # the remote engine may not report a path
        return None
    return full if full.is_absolute() else None


def recorded_xlwings_version(book: Any) -> str | None:
    """The xlwings version the workbook was built with (its xlwings.conf sheet), if recorded."""
    from uppf_xl.macrobook import CONF_SHEET, VERSION_LABEL

    if CONF_SHEET not in [s.name for s in book.sheets]:
        return None
    values = book.sheets[CONF_SHEET].used_range.options(ndim=2).value or []
    for row in values:
        if row and row[0] == VERSION_LABEL and len(row) > 1 and row[1] not in (None, ""):
            return str(row[1])
    return None


def version_mismatch(book: Any) -> str | None:
    """A Swedish message when the book was built for another xlwings than the installed one."""
    recorded = recorded_xlwings_version(book)
    if recorded is None or recorded == xw.__version__:
        return None
    return (
        f"Fel: arbetsboken är byggd för xlwings {recorded}, men xlwings {xw.__version__} är installerat. "
        f"Installera samma version (pip install xlwings=={recorded}) eller bygg om arbetsboken med "
        "uppf-xl build-workbook. Inget har ändrats."
    )


# ---- cell functions (Windows: xlwings registers them via UDF Modules = uppf_xl.excel) -----------


@xw.func
@xw.arg("caller", vba="Caller")
def uppf_nasta_datum(utforar_id: str, typ_id: str, caller: Any = None) -> dt.datetime | str:
    """Senast of the provider's first Årshjul row of the type that is not Genomförd, or ""."""
    book = caller.sheet.book if caller is not None and hasattr(caller, "sheet") else xw.Book.caller()
    due = next_due(_cached_register(book), str(utforar_id), str(typ_id))
    return dt.datetime.combine(due, dt.time()) if due else ""


REGISTER_TTL = 30.0  # seconds: a sheet full of these formulas reads the book once, not once per cell
_registers: dict[str, tuple[float, Any]] = {}


def _cached_register(book: Any) -> Any:
    key = str(book.fullname)
    now = time.monotonic()
    hit = _registers.get(key)
    if hit is None or now - hit[0] > REGISTER_TTL:
        hit = (now, Workbook(LiveBackend(book)).register(today()))
        _registers[key] = hit
    return hit[1]


def next_due(register: Any, provider_id: str, type_id: str) -> date | None:
    """The earliest Senast among the open Årshjul rows of one provider and type."""
    open_rows = [
        r.due for r in register.schedule
        if r.provider_id == provider_id and r.type_id == type_id and r.done is None and r.due is not None
    ]
    return min(open_rows) if open_rows else None


@xw.func
def uppf_arbetsdag(datum: dt.datetime, dagar: int = 0) -> dt.datetime:
    """`datum` moved `dagar` working days (0: the day itself, or the next working day)."""
    day = _as_date(datum)
    shifted = dates.next_working_day(day) if not dagar else dates.add_working_days(day, int(dagar))
    return dt.datetime.combine(shifted, dt.time())


@xw.func
def uppf_vecka(datum: dt.datetime) -> int:
    """ISO week number."""
    return dates.iso_week(_as_date(datum))


@xw.func
def uppf_tertial(datum: dt.datetime) -> int:
    """1, 2 or 3, with the default tertial ends (30 April, 31 August)."""
    day = _as_date(datum)
    return dates.tertial_of(day, date(day.year, 4, 30), date(day.year, 8, 31))


def _as_date(value: Any) -> date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)):  # an Excel serial when the cell is not formatted as a date
        return date(1899, 12, 30) + dt.timedelta(days=int(value))
    return date.fromisoformat(str(value)[:10])
