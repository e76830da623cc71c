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
from uppf_xl.errors import ERROR, ExternalProgramMissing, Problem, UsageError, WorkbookInvalid
from uppf_xl.model import ArchivedPair, Register, ScheduleRow
from uppf_xl.outcome import Outcome
from uppf_xl.workbook import Workbook, current_user
from uppf_xl.workbook.content import CellPatch, Changes

Progress = Callable[[int], None]
PERIODS = ("T1", "T2", "år")
# The longest file name a new file may get: room is left for the backup (.bak.xlsx) and temp names.
MAX_NAME_BYTES = 200
# Sheets only the questionnaire commands read: their errors do not stop the other commands.
QUESTIONNAIRE_SHEETS = frozenset({contract.QUESTIONS.name, contract.ANSWERS.name})
# Letters never read events or the annual plan; the calendar reads only the schedule and its rules.
LETTERS_UNUSED = QUESTIONNAIRE_SHEETS | {contract.EVENTS.name, contract.ANNUAL_PLAN.name}
CALENDAR_UNUSED = LETTERS_UNUSED | {contract.FINDINGS.name, contract.FOCUS.name}


def check(wb: Workbook, today: date) -> list[Problem]:
    """Every problem in the workbook (errors and warnings), then those of its archive workbook."""
    from uppf_xl import archive as archive_mod

    register, problems = wb.built(today)
    if wb.path is None:
        return list(problems)
    return [*problems, *archive_mod.check_archive(register, wb.path)]


def risk_lines(wb: Workbook, today: date, provider_id: str | None = None) -> list[str]:
    """What check says about risk: proposals that differ from Risknivå, or one provider's points."""
    from uppf_xl import risk

    register, _ = wb.built(today)
    if provider_id is not None and register.provider(provider_id) is None:
        known = ", ".join(p.id for p in register.providers[:5])
        raise UsageError(f'UtförarID "{provider_id}" finns inte i Utförare' + (f" (till exempel {known})" if known else ""))
    return risk.check_lines(register, today, provider_id)


def check_summary(problems: list[Problem], name: str) -> str:
    """The closing line of a check.

    >>> check_summary([], "x.xlsx")
    'Inga fel i x.xlsx.'
    """
    errors = sum(p.is_error for p in problems)
    warnings = len(problems) - errors
    counted = f"{warnings} {'varning' if warnings == 1 else 'varningar'}"
    if errors:
        return f"{errors} fel och {counted} i {name}."
    return f"Inga fel i {name}" + (f" ({counted})." if warnings else ".")


def init(path: Path, demo: bool, force: bool, today: date) -> Outcome:
    """Create a new workbook; refuses to overwrite an existing file unless `force`."""
    from uppf_xl.workbook.initbook import create_workbook

    _refuse_overwrite(path, force)
    if path.suffix.lower() == ".xlsm":
        raise UsageError(f"{path.name}: en makroarbetsbok (.xlsm) med menyfliken Uppföljning skapas med "
                         f"uppf-xl build-workbook {path.name}; init skapar en vanlig arbetsbok (.xlsx)")
    if path.suffix.lower() != ".xlsx":
        raise UsageError(f"{path.name}: filnamnet ska sluta på .xlsx")
    _require_folder(path)
    create_workbook(path, demo=demo, today=today)
    what = "demoarbetsbok för Sjöviks kommun" if demo else "arbetsbok"
    return Outcome("init", lines=[f"Skapade {what}: {path}"], files=[path])


def build_workbook(out: Path, demo: bool, force: bool, today: date) -> Outcome:
    """The macro workbook (.xlsm) with the ribbon tab Uppföljning."""
    from uppf_xl import macrobook

    _refuse_overwrite(out, force)
    _require_folder(out)
    macrobook.build_workbook(out, demo=demo, today=today)
    return Outcome("build-workbook", lines=[f"Skapade makroarbetsboken {out}"], files=[out])


def _require_folder(path: Path) -> None:
    """A new file goes into a folder that exists (exit 3 otherwise), under a name the disk accepts."""
    from uppf_xl.errors import FileAccessError

    folder = path.parent
    if not folder.exists():
        raise FileAccessError(f"Mappen {folder} finns inte. Skapa den först eller välj en annan mapp.")
    if not folder.is_dir():
        raise FileAccessError(f"{folder} är ingen mapp.")
    if len(path.name.encode("utf-8")) > MAX_NAME_BYTES:
        raise FileAccessError(f"Filnamnet {path.name[:40]}... är för långt ({len(path.name.encode('utf-8'))} byte; "
                              f"högst {MAX_NAME_BYTES}). Välj ett kortare namn.")


def _refuse_overwrite(path: Path, force: bool) -> None:
    if path.exists() and not force:
        raise UsageError(f"{path.name} finns redan. Använd --force för att skriva över den.")


def _status_changes(register: Register, rows: list[ScheduleRow], year: int,
                    today: date) -> tuple[Changes, list[str], list[tuple[str, list[str], list[list[object]]]]]:
    """Iakttagelser's tool-owned columns and the Översikt sheet, from the given Årshjul rows."""
    from uppf_xl import dashboard, dashboard_sheet, findings, monthly

    board = dashboard.build(register, rows, year, today)
    changes = Changes(
        sheets=[monthly.add_trends(dashboard_sheet.dashboard_sheet(board), register.monthly)],
        patches=[findings.tool_columns(register, rows, today)] if register.findings else [],
    )
    from uppf_xl import annual

    lines = [*dashboard.lines(board), *annual.summary_lines(board)]
    return changes, lines, dashboard.terminal_tables(board)


def plan(wb: Workbook, year: int | None, today: date, progress: Callable[[int, int], None] | None = None,
         adopt: bool = False) -> Outcome:
    """Regenerate year Y of Årshjul, then refresh Iakttagelser's status columns and Översikt.

    `progress(done, total)` is called as the follow-up types are planned; `adopt`
    (--fastställ) records today as the adoption date in Fastställd on the rows of the plan.
    """
    from uppf_xl import risk, schedule, schedule_sheet

    register = wb.register(today, unused=QUESTIONNAIRE_SHEETS)
    year = register.plan_year(year, today)
    _refuse_archived_year(register, year, wb.name)
    seen = risk.observe(register, today)
    extra = risk.extra_slots(register, seen.all_changes(register), year)
    result = schedule.plan(register, year, today, progress=progress, extra_slots=extra, adopt=today if adopt else None)
    changes, lines, tables = _status_changes(register, result.rows, year, today)
    changes.sheets.insert(0, schedule_sheet.schedule_sheet(result.rows))
    lines = [*lines, *risk.add_changes(changes, register, today, seen)]
    counts = f"{result.added} nya, {result.kept} behållna, {result.expired} utgår, {result.removed} borttagna"
    details = f"År {year}: {counts}" + (f"; {len(result.unplaced)} besök kunde inte fördelas" if result.unplaced else "")
    from uppf_xl import annual, archive as archive_mod

    shown = [*result.summary_lines(), *lines, *annual.plan_lines(result, today if adopt else None),
             *archive_mod.plan_hint(register, result.rows, year, today, wb.name)]
    tables = [*result.summary_tables(), *tables]
    del register, result, seen, extra  # the typed rows are not needed to write: the content holds its values
    wb.apply(changes, "plan", details, now=_now(today))
    return Outcome("plan", changes=changes, lines=shown, tables=tables, log=details,
                   warnings=list(getattr(wb, "warnings", [])))


def status(wb: Workbook, year: int | None, today: date) -> Outcome:
    """Recompute every status and refresh Översikt, without regenerating the schedule."""
    from uppf_xl import risk, schedule_sheet, statuses

    register = wb.register(today, unused=QUESTIONNAIRE_SHEETS)
    year = register.plan_year(year, today)
    rows = statuses.of(register, today).refreshed(register.schedule, types=register.types)
    changes, lines, tables = _status_changes(register, rows, year, today)
    lines = [*lines, *risk.add_changes(changes, register, today)]
    # status writes only what changes: a tool-owned cell that already holds its value stays.
    raw_tables = wb.raw().tables
    changes.patches = [
        CellPatch(p.sheet, raw_tables[p.sheet].changed_only(p.values)) if p.sheet in raw_tables else p
        for p in changes.patches
    ]
    changes.patches = [p for p in changes.patches if p.values]
    if rows and contract.SCHEDULE.name in wb.raw().tables:
        from uppf_xl import annual

        patch = annual.status_patch(wb.raw().tables[contract.SCHEDULE.name], register.schedule, rows)
        if patch is None:
            changes.sheets.insert(0, schedule_sheet.schedule_sheet(rows))
        elif patch.values:
            changes.patches.insert(0, patch)
    del raw_tables, register, rows  # the grid and the typed rows are not needed to write
    wb.apply(changes, "status", f"Översikten uppdaterad för {today:%Y-%m-%d}", now=_now(today))
    return Outcome("status", changes=changes, lines=lines, tables=tables, log="status",
                   warnings=list(getattr(wb, "warnings", [])))


def archive(wb: Workbook, before: int | None, today: date, restore: bool = False) -> Outcome:
    """Move the finished rows of the years before `before` (default last year) to the archive
    workbook beside this one, or with `restore` move every archived row back (see uppf_xl.archive).

    The archive file is written first and put back as it was when the workbook's write fails;
    the workbook itself is written whole or not at all.
    """
    from uppf_xl import archive as archive_mod
    from uppf_xl import schedule_sheet
    from uppf_xl.workbook.archive_file import read_archive, write_archive

    if wb.path is None:
        raise UsageError("arkivet läggs bredvid arbetsboken: spara arbetsboken som fil först")
    register = wb.register(today, unused=QUESTIONNAIRE_SHEETS)
    path = archive_mod.archive_path(wb.path)
    if not restore and before is not None and before > today.year:
        raise UsageError(f"--före {before}: bara år som har passerat kan arkiveras (senast --före {today.year})")
    archived = read_archive(path)
    if register.archived and not archived:
        from uppf_xl.errors import FileAccessError

        missing = archive_mod.missing_text(path, wb.name)
        raise FileAccessError(f"{missing[0].upper()}{missing[1:]}. Lägg tillbaka filen och kör igen; inget är ändrat.")
    if archived and not register.archived and not restore:
        raise UsageError(f"{path.name} finns redan bredvid {wb.name}, men arbetsboken har inget arkiverat (bladet Arkiv "
                         f"är tomt); den filen hör till en annan arbetsbok. Flytta eller döp om den och kör igen.")
    if restore:
        if not archived:
            return Outcome("archive", lines=[f"Det finns inget arkiv att återställa ({path.name} saknas)."])
        rows, skipped = archive_mod.restored(register.schedule, archived)
        pairs: list[ArchivedPair] = []
        details = f"{len(archived) - skipped} rader tillbaka från {path.name}"
        lines = [f"Flyttade tillbaka {len(archived) - skipped} rader från {path.name} till Årshjul ({len(rows)} rader)."]
        if skipped:
            lines.append(f"{skipped} arkiverade rader fanns redan i Årshjul och behölls som de står där.")
    else:
        cut = max(before or today.year - 1, archive_mod.archived_before(register) or 0)
        moved = archive_mod.movable(register, register.schedule, cut)
        moving = {id(r) for r in moved}
        rows = [r for r in register.schedule if id(r) not in moving]
        archived = archive_mod.merged(archived, moved)
        pairs = archive_mod.summarize(archived, cut)
        details = f"{len(moved)} rader före {cut} till {path.name}"
        lines = archive_mod.lines(len(moved), len(rows), cut, path, len(archived), wb.name)
        if not moved and pairs == register.archived:
            return Outcome("archive", lines=lines)
    register.archived = pairs
    register.memo.clear()
    year = register.plan_year(None, today)
    changes, _, _ = _status_changes(register, rows, year, today)
    changes.sheets[:0] = [schedule_sheet.schedule_sheet(rows), archive_mod.summary_sheet(register.archived)]
    old = path.read_bytes() if path.exists() else None
    if not restore:
        write_archive(path, archived)
    try:
        wb.apply(changes, "archive", details, now=_now(today))
    except BaseException:
        if not restore:
            _put_back(path, old)
        raise
    if restore:
        with contextlib.suppress(OSError):
            path.unlink()
    return Outcome("archive", changes=changes, log=details, lines=lines, files=[] if restore else [path],
                   warnings=list(getattr(wb, "warnings", [])))


def _refuse_archived_year(register: Register, year: int, name: str) -> None:
    """A year whose rows are in the archive workbook is not planned again over them."""
    from uppf_xl import archive as archive_mod

    before = archive_mod.archived_before(register)
    if before is not None and year < before:
        raise UsageError(f"År {year} är arkiverat (arkivet har åren före {before}); kör "
                         f"uppf-xl archive {name} --återställ först om året ska planeras om")


def _put_back(path: Path, old: bytes | None) -> None:
    """The archive file as it was before this run (removed when there was none)."""
    from uppf_xl import outputs

    with contextlib.suppress(Exception):
        if old is None:
            path.unlink()
        else:
            outputs.write_bytes(path, old)


def letters(
    wb: Workbook,
    out_dir: Path | None,
    today: date,
    kinds: Iterable[str] | None = None,
    window: tuple[date | None, date | None] = (None, None),
    pdf: bool = False,
    mark_sent: bool = False,
    progress: Progress | None = None,
    mask: bool = False,
) -> Outcome:
    """Write the letters due (kallelser and action-plan letters), the send list and e-mail drafts.

    `mark_sent` records the sending: Kallelse skickad in Årshjul, Begäran skickad, Påminnelse
    skickad and Underrättad in Iakttagelser. A run that fails leaves no new empty output folder.
    """
    from uppf_xl import documents, statuses
    from uppf_xl import letters as letters_mod

    kinds = set(kinds or letters_mod.KINDS)
    letters_mod.check_request(kinds, window)  # a usage error (exit 2), before the workbook is read
    register = _with_paths(wb, wb.register(today, unused=LETTERS_UNUSED))
    planned = _planned_folder(wb, register, out_dir)
    existed = planned.exists()
    out_dir = output_folder(wb, register, out_dir)
    rows = statuses.of(register, today).refreshed(register.schedule, types=register.types)
    try:
        with _documents(wb, register, mask=mask, can_mask=True):
            result = documents.write_letters(register, rows, today, out_dir, kinds, window, pdf, progress=progress,
                                             mask=mask, locate=wb.raw().cell)
    except BaseException:
        if not existed and out_dir.is_dir() and not any(out_dir.iterdir()):
            out_dir.rmdir()  # a failed run leaves no empty folder behind
        raise
    outcome = Outcome("letters", lines=list(result.lines), tables=list(result.tables), files=list(result.files),
                      warnings=list(getattr(wb, "warnings", [])))
    if mark_sent:
        from uppf_xl import insyn

        _record_sent(wb, outcome, result, today, insyn.mark_sent_patch(result.letters, today))
    log_to_folder(out_dir, "letters", result.log or f"{len(result.files)} brev", today)
    # The letters are written; only the PDFs are missing.
    return outcome.fail(ExternalProgramMissing(result.pdf_error) if result.pdf_error else None)


def report(
    wb: Workbook,
    year: int | None,
    period: str | None,
    namnd: str | None,
    out: Path | None,
    today: date,
    pdf: bool = False,
    mask: bool = False,
    mark_reported: bool = False,
) -> Outcome:
    """The nämnd report(s) with annex and charts; the guard keeps personal data out.

    Without `period` and `year`, each nämnd gets the report its next meeting in Sammanträden
    asks for (helår of the plan year when none does), and the outcome says which.
    """
    from uppf_xl import statuses
    from uppf_xl.documents import report as report_docs

    if period is None and year is None and wb.register(today).meetings:
        return _meeting_reports(wb, namnd, out, today, pdf, mask, mark_reported)
    period = period or "år"
    if period not in PERIODS:
        raise UsageError(f"okänd period {period}; välj bland {', '.join(PERIODS)}")
    register = _with_paths(wb, wb.register(today, unused=QUESTIONNAIRE_SHEETS))
    year = register.plan_year(year, today)
    if not register.providers:
        raise WorkbookInvalid([Problem(ERROR, contract.PROVIDERS.name, "",
                                       "bladet har inga utförare, så det finns ingen nämndrapport att skriva; "
                                       "fyll i Utförare (och kör plan) först")])
    if namnd:
        from uppf_xl.names import match_name

        names = sorted({p.namnd for p in register.providers} | set(register.lists.get("Nämnd", [])))
        namnd = match_name(namnd, names) or namnd
    if namnd and namnd not in {p.namnd for p in register.providers}:
        known = ", ".join(sorted({p.namnd for p in register.providers}))
        raise UsageError(f'nämnden "{namnd}" finns inte i Utförare; välj bland {known}')
    if out is None:
        folder = output_folder(wb, register, None)
        out = folder  # named inside as by the per-nämnd run, so two nämnder never overwrite each other
    rows = statuses.of(register, today).refreshed(register.schedule)
    with _documents(wb, register, mask=mask, can_mask=True):
        result = report_docs.write_reports(register, rows, year, period, namnd, out, today, pdf, mask, locate=wb.raw().cell)
    outcome = Outcome("report", lines=list(result.lines), files=list(result.files),
                      warnings=list(getattr(wb, "warnings", [])))
    if mark_reported:
        _record_date(wb, outcome, result.mark_reported_patch, "Rapporterad till nämnd", "iakttagelser", today)
    log_to_folder(out if out.is_dir() else out.parent, "report", f"{len(result.files)} filer", today)
    return outcome.fail(result.pdf_error)


def _meeting_reports(wb: Workbook, namnd: str | None, out: Path | None, today: date, pdf: bool, mask: bool,
                     mark_reported: bool) -> Outcome:
    """One report per nämnd: the one its next meeting asks for (see uppf_xl.meetings)."""
    from uppf_xl import meetings

    register = wb.register(today)
    boards = [namnd] if namnd else list(dict.fromkeys(p.namnd for p in register.providers))
    merged = Outcome("report")
    for board in boards:
        due = meetings.next_report(register, today, board)
        if due is None:
            year = register.plan_year(None, today)
            merged.lines.append(f"Inget kommande sammanträde för {board} begär en rapport; helårsrapport {year} skrivs.")
            part = report(wb, year, "år", board, out, today, pdf, mask, mark_reported)
        else:
            merged.lines.append(due.sentence())
            part = report(wb, due.year, due.period, board, out, today, pdf, mask, mark_reported)
        merged.lines.extend(part.lines)
        merged.files.extend(part.files)
        merged.changes = part.changes or merged.changes
        merged.fail(part.failure)
    return merged


def case_report(wb: Workbook, finding_id: str, out: Path | None, today: date, pdf: bool = False) -> Outcome:
    """The tjänsteskrivelse about one serious deficiency that is not remedied (report --case)."""
    from uppf_xl.documents import case as case_doc

    register = _with_paths(wb, wb.register(today))
    if out is None:
        out = output_folder(wb, register, None)
    result = case_doc.write_case_report(register, finding_id, out, today, pdf, locate=wb.raw().cell)
    outcome = Outcome("report", lines=list(result.lines), files=list(result.files))
    log_to_folder(result.docx.parent, "report --case", f"{finding_id}: {len(result.files)} filer", today)
    return outcome.fail(result.pdf_error)


def calendar(wb: Workbook, out: Path | None, year: int | None, today: date) -> Outcome:
    """Every planned visit as an .ics event with a stable UID."""
    from uppf_xl.documents import calendar as ical

    register = wb.register(today, unused=CALENDAR_UNUSED)
    year = register.plan_year(year, today)
    if out is None:
        out = output_folder(wb, register, None) / f"uppfoljningar_{year}.ics"
    out.parent.mkdir(parents=True, exist_ok=True)
    with _documents(wb, register):
        count = ical.write_calendar(register, register.schedule, year, out)
    log_to_folder(out.parent, "calendar", f"{count} händelser", today)
    drafts = len(ical.draft_deadlines(register, year))
    what = f"{count - drafts} besök" + (f" och {drafts} rapportutkast" if drafts else "")
    return Outcome("calendar", lines=[f"Kalendern har {what}: {out}"], files=[out],
                   warnings=list(getattr(wb, "warnings", [])))


def survey_out(wb: Workbook, type_id: str, out_dir: Path | None, year: int | None, today: date) -> Outcome:
    """One questionnaire workbook per provider due for `type_id`."""
    from uppf_xl import documents

    register = wb.register(today)
    year = register.plan_year(year, today)
    if register.type(type_id) is None:
        raise UsageError(f'TypID "{type_id}" finns inte i Uppföljningstyper')
    out_dir = output_folder(wb, register, out_dir)
    with _documents(wb, register):
        outcome = documents.survey_out(register, type_id, year, out_dir, today)
    log_to_folder(out_dir, "survey-out", f"{len(outcome.files)} enkäter", today)
    return outcome


def survey_in(wb: Workbook, paths: list[Path], today: date) -> Outcome:
    """Read returned questionnaires into Svar and propose findings."""
    from uppf_xl import documents

    register = wb.register(today)
    outcome = documents.survey_in(register, paths, today)  # a folder stands for its .xlsx and .xlsm files
    if outcome.changes:
        wb.apply(outcome.changes, "survey-in", outcome.log or f"{len(paths)} filer", now=_now(today))
    if any(p.is_error for p in outcome.warnings):
        outcome.exit_code = 1  # the accepted files are in; the rejected ones are named above
    return outcome


def kolada_in(wb: Workbook, paths: list[Path], today: date) -> Outcome:
    """Read downloaded Kolada files (JSON from the API, CSV from the web) into Nyckeltal."""
    from uppf_xl import kolada

    register = wb.register(today)
    outcome = kolada.kolada_in(register, paths)
    if outcome.changes:
        wb.apply(outcome.changes, "kolada-in", outcome.log, now=_now(today))
    return outcome


def card(wb: Workbook, provider_id: str, out: Path | None, today: date, pdf: bool = False) -> Outcome:
    """The provider card (internal dossier) of one provider as .docx, and PDF/A with `pdf`."""
    from uppf_xl import card as card_mod
    from uppf_xl.documents import card as card_doc

    register = _with_paths(wb, wb.register(today))
    if register.provider(provider_id) is None:
        raise UsageError(f'UtförarID "{provider_id}" finns inte i Utförare')
    if out is None:
        out = output_folder(wb, register, None) / card_mod.filename(provider_id, today)
    monthly = wb.raw().tables.get(contract.MONTHLY.name)
    outcome, pdf_missing = card_doc.write_card(register, provider_id, out, today,
                                               monthly.records() if monthly is not None else [], pdf, locate=wb.raw().cell)
    log_to_folder(out.parent, "card", f"{provider_id}: {out.name}", today)
    return outcome.fail(pdf_missing)


def publish(wb: Workbook, out: Path | None, today: date) -> Outcome:
    """The public provider comparison: one HTML page and one PDF/A per area where residents choose."""
    from uppf_xl.documents import public

    register = wb.register(today)
    if out is None:
        out = output_folder(wb, register, None) / "Jämförelse"
    outcome, pdf_missing = public.publish(register, out, today, locate=wb.raw().cell)
    log_to_folder(out.parent, "publish", outcome.log, today)  # the folder itself is published
    return outcome.fail(pdf_missing)


def month_in(wb: Workbook, exports: list[Path], month: str | None, details: bool, today: date,
             progress: Callable[[int, int], None] | None = None) -> Outcome:
    """Read time-registration exports into Månadsuppföljning, mark Månad rows done, propose findings."""
    import re
    from dataclasses import replace

    from uppf_xl import monthly, monthly_read, statuses
    from uppf_xl.documents import monthly as monthly_doc
    from uppf_xl.errors import ERROR, ExportInvalid, WorkbookInvalid
    from uppf_xl.survey import new_survey_key, survey_key
    from uppf_xl.workbook.content import RowAppend

    if month is not None and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month.strip()):
        raise UsageError(f'--month ska skrivas ÅÅÅÅ-MM, inte "{month}"')
    month = month.strip() if month else None
    register = wb.register(today)
    key = survey_key(register)
    if not key:
        raise WorkbookInvalid([Problem(ERROR, contract.SETTINGS.name, "", "Enkätnyckel saknas; den behövs för att göra "
                                       f"brukare och personal till pseudonymer. Lägg till raden Enkätnyckel med till exempel "
                                       f"värdet {new_survey_key()}")])
    files: list[Path] = []
    for path in exports:
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.suffix.lower() in (".csv", ".txt", ".xlsx") and not p.name.startswith("~$")))
        else:
            files.append(path)
    # The bar counts each export read, the analysis and the writing.
    steps = len(files) + 2
    read = monthly_read.read_exports(register, files, key, (lambda done, _total: progress(done, steps)) if progress else None)
    if not read.problems and read.visits.height == 0:
        read.problems.append("ingen av filerna är en besöksexport (kolumnerna i Importformat för Start och Slut saknas)")
    if read.problems:
        raise ExportInvalid(read.problems)
    analysis = monthly.analyse(read, register, {month} if month else None)
    if progress:
        progress(len(files) + 1, steps)
    if not analysis.results:
        raise ExportInvalid([f"exporterna har inga besök i {month}"])
    months = sorted({r.month for r in analysis.results})
    merged = monthly.merged_results(register.monthly, analysis.results)
    patch, done_keys = monthly.done_patch(register, analysis.results, today)
    proposed = monthly.proposals(register, analysis, today)
    register.monthly = merged
    rows = [replace(r, done=today) if r.key in done_keys else r for r in register.schedule]
    rows = statuses.of(register, today).refreshed(rows)
    year = register.plan_year(None, today)
    changes, _, _ = _status_changes(register, rows, year, today)
    changes.sheets.insert(0, monthly.monthly_sheet(merged, register.settings))
    if patch.values:
        changes.patches.append(patch)
    if proposed:
        changes.appends.append(RowAppend(contract.FINDINGS.name, proposed))
    visits = sum(r.visits for r in analysis.results)
    flagged = [r for r in analysis.results if r.deviations]
    log = (f"{', '.join(months)}: {len(analysis.results)} utförare, {visits} besök ur {len(files)} filer; "
           f"{len(flagged)} med avvikelser, {len(proposed)} föreslagna iakttagelser")
    details_path: Path | None = None
    count = 0
    # The drill-down passes the personal-data guard first: a stop leaves the workbook untouched,
    # and a failed workbook write removes the drill-down again.
    with _documents(wb, register):
        if details:
            details_path = output_folder(wb, register, None) / (
                f"Månadsuppföljning_{months[0]}{'_' + months[-1] if len(months) > 1 else ''}_detaljer.xlsx")
            count = monthly_doc.write_details(details_path, analysis.flagged)
        wb.apply(changes, "month-in", log, now=_now(today))
    if progress:
        progress(steps, steps)
    outcome = Outcome("month-in", changes=changes, log=log, warnings=list(getattr(wb, "warnings", [])))
    outside = read.visits.height - visits
    outcome.lines.append(f"Månadsuppföljning {', '.join(months)}: {len(analysis.results)} utförare och {visits} besök "
                         f"inlästa ur {len(files)} filer.")
    if outside:
        outcome.lines.append(f"{outside} besök utanför {month} lästes inte in.")
    outcome.lines.append(f"{len(flagged)} av {len(analysis.results)} utförare har avvikelser." if flagged
                         else "Inga avvikelser mot gränserna i Inställningar.")
    if done_keys:
        what = "månadsuppföljning" if len(done_keys) == 1 else "månadsuppföljningar"
        outcome.lines.append(f"Genomförd är ifylld för {len(done_keys)} {what} i Årshjul.")
    missing = monthly.missing_rows(register, analysis.results)
    if missing:
        outcome.lines.append(f"Varning: inga besök i exporterna för {', '.join(missing)}, som har en månadsuppföljning i Årshjul.")
    if proposed:
        what = "föreslagen iakttagelse" if len(proposed) == 1 else "föreslagna iakttagelser"
        outcome.lines.append(f"{len(proposed)} {what} (Avvikelse, Tidsregistrering) lades till i Iakttagelser med Bekräftad Nej; "
                             "skriv Ja i Bekräftad för dem som ska gå vidare, eller ta bort raden.")
    if details_path is not None:
        outcome.files.append(details_path)
        outcome.lines.append(f"Detaljer: {count} flaggade besök (brukare och personal som pseudonymer) i {details_path}")
    outcome.tables.append((
        f"Månadsuppföljning {', '.join(months)}",
        ["Månad", "UtförarID", "Utförare", "Besök", "Utförd av beviljad", "Avvikelser"],
        [[r.month, r.provider_id, r.provider_name, r.visits,
          f"{r.performed_share:.0%}" if r.performed_share is not None else "", r.deviations or "–"]
         for r in sorted(analysis.results, key=lambda r: (not r.deviations, r.month, r.provider_id))],
    ))
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


def _record_sent(wb: Workbook, outcome: Outcome, result: object, today: date, *more: CellPatch | None) -> None:
    """--mark-sent for letters: the sent dates in Årshjul, Iakttagelser and Informationsbegäran, one write."""
    patches = [p for p in (getattr(result, "mark_sent_patch", None), getattr(result, "finding_patch", None), *more)
               if p and p.values]
    if not patches:
        return
    changes = Changes(patches=patches)
    parts = []
    for patch in patches:
        by_column: dict[str, int] = {}
        for (_, column) in patch.values:
            by_column[column] = by_column.get(column, 0) + 1
        what = {contract.SCHEDULE.name: "rader i Årshjul", contract.INFO_REQUESTS.name: "informationsbegäranden"}.get(
            patch.sheet, "iakttagelser")
        parts += [f"{column} för {n} {what}" for column, n in by_column.items()]
    wb.apply(changes, outcome.action, f"{today:%Y-%m-%d}: " + ", ".join(parts), now=_now(today))
    outcome.changes = changes
    outcome.lines.append(f"Ifyllt {today:%Y-%m-%d}: " + ", ".join(parts) + ".")


def _planned_folder(wb: Workbook, register: Register, out: Path | None) -> Path:
    """The folder `output_folder` would use, without creating it."""
    if out is not None:
        return out
    if register.settings.utdatamapp:
        folder = Path(register.settings.utdatamapp)
        return folder if folder.is_absolute() or wb.path is None else wb.path.parent / folder
    return (wb.path.parent if wb.path is not None else Path.cwd()) / "Utskick"


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
