"""The commands as library calls: what the CLI and the Excel buttons both run.

Each function takes a Workbook (file or live), does the whole job (read, compute, write),
and returns an Outcome with what to tell the user; problems are raised as UppfError.

Example:
    >>> outcome = plan(open_workbook("x.xlsx"), year=2025, today=date(2025, 1, 10))  # doctest: +SKIP
    >>> print("\\n".join(outcome.lines))                                                 # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from pathlib import Path

from uppf_xl import contract
from uppf_xl.errors import ExternalProgramMissing, Problem, UsageError
from uppf_xl.model import Register, ScheduleRow
from uppf_xl.outcome import Outcome
from uppf_xl.workbook import Workbook, current_user
from uppf_xl.workbook.content import CellPatch, Changes

Progress = Callable[[int], None]
PERIODS = ("T1", "T2", "år")


def check(wb: Workbook, today: date) -> list[Problem]:
    """Every problem in the workbook (errors and warnings)."""
    return wb.check(today)


def check_summary(problems: list[Problem], name: str) -> str:
    """The closing line of a check: "Inga fel i x.xlsx." or "2 fel och 1 varningar i x.xlsx."."""
    errors = sum(p.is_error for p in problems)
    warnings = len(problems) - errors
    if errors:
        return f"{errors} fel och {warnings} varningar i {name}."
    return f"Inga fel i {name}" + (f" ({warnings} varningar)." if warnings else ".")


def init(path: Path, demo: bool, force: bool, today: date) -> Outcome:
    """Create a new workbook; refuses to overwrite an existing file unless `force`."""
    from uppf_xl.workbook.initbook import create_workbook

    _refuse_overwrite(path, force)
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise UsageError(f"{path.name}: filnamnet ska sluta på .xlsx")
    create_workbook(path, demo=demo, today=today)
    what = "demoarbetsbok för Sjöviks kommun" if demo else "arbetsbok"
    return Outcome("init", lines=[f"Skapade {what}: {path}"], files=[path])


def build_workbook(out: Path, demo: bool, force: bool, today: date) -> Outcome:
    """The macro workbook (.xlsm) with the ribbon tab Uppföljning."""
    from uppf_xl import macrobook

    _refuse_overwrite(out, force)
    macrobook.build_workbook(out, demo=demo, today=today)
    return Outcome("build-workbook", lines=[f"Skapade makroarbetsboken {out}"], files=[out])


def _refuse_overwrite(path: Path, force: bool) -> None:
    if path.exists() and not force:
        raise UsageError(f"{path.name} finns redan. Använd --force för att skriva över den.")


def _status_changes(register: Register, rows: list[ScheduleRow], year: int, today: date) -> tuple[Changes, list[str], list]:
    """Iakttagelser's tool-owned columns and the Översikt sheet, from the given Årshjul rows."""
    from uppf_xl import dashboard, dashboard_sheet, findings

    board = dashboard.build(register, rows, year, today)
    changes = Changes(
        sheets=[dashboard_sheet.dashboard_sheet(board)],
        patches=[findings.tool_columns(register, rows, today)] if register.findings else [],
    )
    return changes, dashboard.lines(board), dashboard.terminal_tables(board)


def plan(wb: Workbook, year: int | None, today: date, progress: Callable[[int, int], None] | None = None) -> Outcome:
    """Regenerate year Y of Årshjul, then refresh Iakttagelser's status columns and Översikt.

    `progress(done, total)` is called as the follow-up types are planned.
    """
    from uppf_xl import schedule, schedule_sheet

    register = wb.register(today)
    year = register.plan_year(year, today)
    result = schedule.plan(register, year, today, progress=progress)
    changes, lines, tables = _status_changes(register, result.rows, year, today)
    changes.sheets.insert(0, schedule_sheet.schedule_sheet(result.rows))
    counts = f"{result.added} nya, {result.kept} behållna, {result.expired} utgår, {result.removed} borttagna"
    details = f"År {year}: {counts}" + (f"; {len(result.unplaced)} besök kunde inte fördelas" if result.unplaced else "")
    wb.apply(changes, "plan", details, now=_now(today))
    out = Outcome("plan", changes=changes, log=details, warnings=list(getattr(wb, "warnings", [])))
    out.lines = [*result.summary_lines(), *lines]
    out.tables = [*result.summary_tables(), *tables]
    return out


def status(wb: Workbook, year: int | None, today: date) -> Outcome:
    """Recompute every status and refresh Översikt, without regenerating the schedule."""
    from uppf_xl import schedule, schedule_sheet

    register = wb.register(today)
    year = register.plan_year(year, today)
    rows = schedule.refresh_statuses(register.schedule, register.settings, today)
    changes, lines, tables = _status_changes(register, rows, year, today)
    if rows and contract.SCHEDULE.name in wb.raw().tables:
        changes.sheets.insert(0, schedule_sheet.schedule_sheet(rows))
    wb.apply(changes, "status", f"Översikten uppdaterad för {today:%Y-%m-%d}", now=_now(today))
    return Outcome("status", changes=changes, lines=lines, tables=tables, log="status",
                   warnings=list(getattr(wb, "warnings", [])))


def letters(
    wb: Workbook,
    out_dir: Path | None,
    today: date,
    kinds: Iterable[str] | None = None,
    window: tuple[date | None, date | None] = (None, None),
    pdf: bool = False,
    mark_sent: bool = False,
    progress: Progress | None = None,
) -> Outcome:
    """Write the letters due (kallelser and action-plan letters), the send list and e-mail drafts."""
    from uppf_xl import letters as letters_mod
    from uppf_xl import schedule

    kinds = set(kinds or letters_mod.KINDS)
    letters_mod.check_request(kinds, window)  # a usage error (exit 2), before the workbook is read
    register = _with_paths(wb, wb.register(today))
    out_dir = output_folder(wb, register, out_dir)
    rows = schedule.refresh_statuses(register.schedule, register.settings, today)
    pdf_missing: ExternalProgramMissing | None = None
    try:
        with _documents(wb, register):
            result = letters_mod.write_letters(register, rows, today, out_dir, kinds, window, pdf, progress=progress)
    except ExternalProgramMissing as exc:  # the letters are written; only the PDFs are missing
        result, pdf_missing = exc.result, exc  # type: ignore[attr-defined]
    outcome = Outcome("letters", lines=list(result.lines), tables=list(result.tables), files=list(result.files))
    if mark_sent:
        _record_date(wb, outcome, result.mark_sent_patch, "Kallelse skickad", "rader i Årshjul", today)
    log_to_folder(out_dir, "letters", result.log or f"{len(result.files)} brev", today)
    if pdf_missing is not None:
        pdf_missing.lines = outcome.lines  # type: ignore[attr-defined]
        raise pdf_missing
    return outcome


def report(
    wb: Workbook,
    year: int | None,
    period: str,
    namnd: str | None,
    out: Path | None,
    today: date,
    pdf: bool = False,
    mask: bool = False,
    mark_reported: bool = False,
) -> Outcome:
    """The nämnd report(s) with annex and charts; the guard keeps personal data out."""
    from uppf_xl import report_docs, schedule

    if period not in PERIODS:
        raise UsageError(f"okänd period {period}; välj bland {', '.join(PERIODS)}")
    register = _with_paths(wb, wb.register(today))
    year = register.plan_year(year, today)
    if namnd and namnd not in {p.namnd for p in register.providers}:
        known = ", ".join(sorted({p.namnd for p in register.providers}))
        raise UsageError(f'nämnden "{namnd}" finns inte i Utförare; välj bland {known}')
    if out is None:
        folder = output_folder(wb, register, None)
        out = folder / f"Nämndrapport_{year}_{period}.docx" if namnd else folder
    rows = schedule.refresh_statuses(register.schedule, register.settings, today)
    with _documents(wb, register, mask=mask, can_mask=True):
        result = report_docs.write_reports(register, rows, year, period, namnd, out, today, pdf, mask, locate=wb.raw().cell)
    outcome = Outcome("report", lines=list(result.lines), files=list(result.files))
    if mark_reported:
        _record_date(wb, outcome, result.mark_reported_patch, "Rapporterad till nämnd", "iakttagelser", today)
    log_to_folder(out if out.is_dir() else out.parent, "report", f"{len(result.files)} filer", today)
    result.raise_if_pdf_missing()
    return outcome


def calendar(wb: Workbook, out: Path | None, year: int | None, today: date) -> Outcome:
    """Every planned visit as an .ics event with a stable UID."""
    from uppf_xl import ical

    register = wb.register(today)
    year = register.plan_year(year, today)
    if out is None:
        out = output_folder(wb, register, None) / f"uppfoljningar_{year}.ics"
    out.parent.mkdir(parents=True, exist_ok=True)
    with _documents(wb, register):
        count = ical.write_calendar(register, register.schedule, year, out)
    log_to_folder(out.parent, "calendar", f"{count} händelser", today)
    return Outcome("calendar", lines=[f"Kalendern har {count} besök: {out}"], files=[out])


def survey_out(wb: Workbook, type_id: str, out_dir: Path | None, year: int | None, today: date) -> Outcome:
    """One questionnaire workbook per provider due for `type_id`."""
    from uppf_xl import survey

    register = wb.register(today)
    year = register.plan_year(year, today)
    if register.type(type_id) is None:
        raise UsageError(f'TypID "{type_id}" finns inte i Uppföljningstyper')
    out_dir = output_folder(wb, register, out_dir)
    with _documents(wb, register):
        outcome = survey.survey_out(register, type_id, year, out_dir, today)
    log_to_folder(out_dir, "survey-out", f"{len(outcome.files)} enkäter", today)
    return outcome


def survey_in(wb: Workbook, paths: list[Path], today: date) -> Outcome:
    """Read returned questionnaires into Svar and propose findings."""
    from uppf_xl import survey

    register = wb.register(today)
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(p for p in path.glob("*.xlsx") if not p.name.startswith("~$")) if path.is_dir() else [path])
    outcome = survey.survey_in(register, files, today)
    if outcome.changes:
        wb.apply(outcome.changes, "survey-in", outcome.log or f"{len(files)} filer", now=_now(today))
    if any(p.is_error for p in outcome.warnings):
        outcome.exit_code = 1  # the accepted files are in; the rejected ones are named above
    return outcome


def _record_date(wb: Workbook, outcome: Outcome, patch: CellPatch | None, column: str, what: str, today: date) -> None:
    """Write the dates a document run records on request (--mark-sent, --mark-reported)."""
    if patch is None or not patch.values:
        return
    changes = Changes(patches=[patch])
    count = len(patch.values)
    wb.apply(changes, outcome.action, f"{column} {today:%Y-%m-%d} för {count} {what}", now=_now(today))
    outcome.changes = changes
    outcome.lines.append(f"{column} är ifylld för {count} {what}.")


def _with_paths(wb: Workbook, register: Register) -> Register:
    """A relative Mallmapp means: beside the workbook, as for Utdatamapp."""
    folder = register.settings.mallmapp
    if folder and not Path(folder).is_absolute() and wb.path is not None:
        register.settings.mallmapp = str(wb.path.parent / folder)
    return register


def output_folder(wb: Workbook, register: Register, out: Path | None) -> Path:
    """--out, else the setting Utdatamapp, else "Utskick" next to the workbook."""
    if out is None:
        if register.settings.utdatamapp:
            out = Path(register.settings.utdatamapp)
            if not out.is_absolute() and wb.path is not None:
                out = wb.path.parent / out
        else:
            out = (wb.path.parent if wb.path is not None else Path.cwd()) / "Utskick"
    out.mkdir(parents=True, exist_ok=True)
    return out


def log_to_folder(folder: Path, action: str, details: str, today: date) -> None:
    """Runs that only produce documents leave their Logg line in uppf-xl.log in the folder."""
    from uppf_xl.outputs import append_text

    stamp = _now(today).strftime("%Y-%m-%d %H:%M:%S")
    append_text(folder / "uppf-xl.log", f"{stamp}\t{action}\t{details}\t{current_user()}\n")


def _now(today: date) -> dt.datetime:
    """The time stamped on Logg rows: now, on the day given by --today."""
    now = dt.datetime.now()
    return dt.datetime.combine(today, now.time()).replace(microsecond=0)


@contextlib.contextmanager
def _documents(wb: Workbook, register: Register, *, mask: bool = False, can_mask: bool = False) -> Iterator[None]:
    """A run that writes documents: every text passes the personal-data guard, naming its cell,
    and a run that fails half-way removes the files it had created."""
    from uppf_xl import guard, outputs

    with guard.watching(guard.OutputGuard(register, wb.raw(), mask=mask, can_mask=can_mask)), outputs.batch():
        yield
