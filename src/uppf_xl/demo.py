"""`uppf-xl demo`: the whole product on the demo municipality, in one command."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from uppf_xl import actions
from uppf_xl.model import ScheduleRow
from uppf_xl.outcome import Outcome
from uppf_xl.workbook import open_workbook
from uppf_xl.workbook.content import CellPatch, Changes, Value

Echo = Callable[[str], None]


def run_demo(folder: Path, today: date, echo: Echo = print) -> Outcome:
    """Create Sjöviks kommun in `folder` and run every step; returns what was made."""
    folder.mkdir(parents=True, exist_ok=True)
    book = folder / "uppfoljning.xlsx"
    letters_dir, reports_dir, survey_dir = folder / "Utskick", folder / "Nämndrapporter", folder / "Enkäter"
    for old in (letters_dir, reports_dir, survey_dir):
        shutil.rmtree(old, ignore_errors=True)
    made: list[Path] = []

    def step(title: str, outcome: Outcome | None = None) -> None:
        echo(f"\n== {title}")
        if outcome is not None:
            for line in outcome.lines[:12]:
                echo(f"   {line}")
            if outcome.failure is not None:  # e.g. no LibreOffice: the rest is made, the demo goes on
                echo(f"   {outcome.failure.closing}")
            made.extend(outcome.files)

    from uppf_xl.archive import archive_path

    archive_path(book).unlink(missing_ok=True)  # the archive of an earlier demo run
    step("Arbetsbok", actions.init(book, demo=True, force=True, today=today))
    wb = open_workbook(book)
    problems = actions.check(wb, today)
    step("Kontroll", Outcome("check", lines=[p.text for p in problems] or ["Inga fel."]))
    step("Rad under tabellen (demo)", _simulate_row_below(book, today))

    # The year as it went: last year planned in January and carried out, this year planned in
    # January and carried out up to today; then the dashboard for today.
    for year, until in ((today.year - 2, date(today.year - 2, 12, 31)), (today.year - 1, date(today.year - 1, 12, 31)),
                        (today.year, today)):
        january = min(date(year, 1, 10), until)
        step(f"Årshjul {year} (planerat och fastställt {january:%Y-%m-%d})",
             actions.plan(open_workbook(book), year, january, adopt=True))
        step(f"Fältarbete {year} (demo)", _simulate_fieldwork(book, year, until))
        if year == today.year - 1:
            step("Ny verksamhetschef och nya lokaler (demo)", _simulate_reorganisation(book, until))
        if year == today.year:  # in January: the years before last year go to the archive workbook
            step(f"Arkiv (åren före {year - 1})", actions.archive(open_workbook(book), None, january))
    _simulate_case(book, today)
    step("Flyttade besök (demo)", _simulate_moves(book, today))
    step("Översikt", actions.status(open_workbook(book), today.year, today))
    step("Nyckeltal från Kolada (demo)", _kolada_demo(book, folder, today))
    step("Månadsuppföljning (demo)", _monthly_check(book, folder / "Tidsexport", today))

    pdf = shutil.which("soffice") is not None or shutil.which("libreoffice") is not None
    step("Brev", actions.letters(open_workbook(book), letters_dir, today, pdf=pdf))
    step("Kalender", actions.calendar(open_workbook(book), letters_dir / "uppfoljningar.ics", None, today))
    step("Nämndrapporter", actions.report(open_workbook(book), today.year, "år", None, reports_dir, today, pdf=pdf))
    step("Sammanträden och ärenderapport", _meetings_and_case(book, reports_dir, today, pdf))
    _insyn_demo(book, folder, today, pdf, step)
    sent = actions.survey_out(open_workbook(book), "AVT", survey_dir, today.year, today)
    step("Enkäter", sent)
    answered = _simulate_answers(book, sent.files[:3], today)
    step("Enkätsvar (demo)", actions.survey_in(open_workbook(book), answered, today))
    # The week's last status: Översikt lists the proposals from the questionnaires and the monthly check.
    step("Översikt efter enkätsvaren", actions.status(open_workbook(book), today.year, today))
    macro_book = folder / "uppfoljning.xlsm"
    from uppf_xl import macrobook

    macrobook.build_workbook(macro_book, demo=True, today=today)
    step("Makroarbetsbok för Excel", Outcome("build-workbook", lines=[f"Skapade {macro_book}"], files=[macro_book]))

    echo(f"\nKlart. Arbetsboken: {book}")
    echo(f"Brev och utskickslista: {letters_dir}")
    echo(f"Nämndrapporter: {reports_dir}")
    echo(f"Enkäter: {survey_dir}")
    echo(f"Makroarbetsbok med menyfliken Uppföljning: {macro_book}")
    return Outcome("demo", files=[book, *made])


def _simulate_answers(book: Path, files: list[Path], today: date) -> list[Path]:
    """Answer some questionnaires as the providers would; the first one misses two requirements."""
    from uppf_xl import survey
    from uppf_xl.vocab import AnswerType
    from uppf_xl.workbook.questionnaire import fill_answers

    register = open_workbook(book).register(today)
    for n, path in enumerate(files):
        provider = register.provider(path.name.split("_")[1])
        assert provider is not None
        answers: dict[str, object] = {}
        for q in survey.applicable_questions(register, provider, "AVT", today.year):
            wanted = q.requirement.lstrip("<>= ") or (q.options[0] if q.options else "")
            if q.answer_type is AnswerType.JA_NEJ:
                answers[q.id] = "Nej" if n == 0 and len(answers) < 2 and wanted == "Ja" else wanted or "Ja"
            elif q.answer_type is AnswerType.TAL:
                base = float(wanted) if wanted else 3.0
                answers[q.id] = next(c for c in (base, base + 1, base - 1)
                                     if not survey.evaluate(q.requirement, f"{c:g}", q.answer_type))
            elif q.answer_type is AnswerType.DATUM:
                answers[q.id] = today - timedelta(days=90)
            elif q.answer_type is AnswerType.FLERVAL:
                answers[q.id] = wanted
            else:
                answers[q.id] = "Se bifogad rutin."
        fill_answers(path, answers)
    return files


def _simulate_fieldwork(book: Path, year: int, today: date) -> Outcome:
    """Fill in what the administrators would have typed by `today`: letters sent, visits done.

    Most past follow-ups of `year` are done and their letters sent; this year a few are left
    undone so the dashboard shows overdue work and letters to send.
    """
    wb = open_workbook(book)
    register = wb.register(today)
    values: dict[tuple[int, str], Value] = {}
    done = sent = 0
    for i, row in enumerate(r for r in register.schedule if r.year == year):
        when = row.visit_date or row.due
        if when is None or row.done is not None:
            continue
        left_undone = i % 9 == 4 and year == today.year
        recent = row.notify_by is not None and row.notify_by > today - timedelta(days=14)  # still on the desk
        if row.notify_by and row.notify_by <= today and not row.notified and not left_undone and not recent:
            values[row.row, "Kallelse skickad"] = row.notify_by - timedelta(days=2)
            values[row.row, "Kallat datum"] = row.visit_date
            sent += 1
        if when < today - timedelta(days=3) and not left_undone:
            values[row.row, "Genomförd"] = when
            done += 1
    changes = Changes(patches=[CellPatch("Årshjul", values)])
    wb.apply(changes, "demo", f"Fältarbete: {done} genomförda, {sent} kallelser skickade")
    return Outcome("demo", lines=[f"{done} uppföljningar markerade genomförda och {sent} kallelser skickade."])


def _simulate_reorganisation(book: Path, today: date) -> Outcome:
    """A provider gets a new verksamhetschef and another moves, as Utförare is kept up to date."""
    wb = open_workbook(book)
    register = wb.register(today)
    values: dict[tuple[int, str], Value] = {}
    for pid, header, value in (("U010", "Verksamhetschef", "Rebecka Holm"), ("U020", "Adress", "Nybyggevägen 4")):
        provider = register.provider(pid)
        if provider is not None:
            values[provider.row, header] = value
    wb.apply(Changes(patches=[CellPatch("Utförare", values)]), "demo", "Utförare: ny verksamhetschef och ny adress")
    return Outcome("demo", lines=["U010 har fått en ny verksamhetschef och U020 har flyttat; nästa plan märker det."])


def _kolada_demo(book: Path, folder: Path, today: date) -> Outcome:
    """Kolada files as an administrator downloads them (made-up values), read into Nyckeltal."""
    from uppf_xl import demo_data

    files = demo_data.write_kolada_sample(folder / "Kolada", today.year - 1)
    outcome = actions.kolada_in(open_workbook(book), [f for f in files if f.suffix == ".json"], today)
    outcome.lines.append(f"Samma värden som CSV (webbens nedladdning): {files[-1]}")
    return outcome


def _insyn_demo(book: Path, folder: Path, today: date, pdf: bool, step: Callable[[str, Outcome], None]) -> None:
    """The provider card of one provider and the public comparison for residents."""
    step("Utförarkort (U004)", actions.card(open_workbook(book), "U004", folder / "Utförarkort" / "U004_utforarkort.docx",
                                            today, pdf=pdf))
    step("Jämförelse för invånare", actions.publish(open_workbook(book), folder / "Jämförelse", today))


def _simulate_case(book: Path, today: date) -> None:
    """The serious deficiency of the demo that is not remedied: request sent, reminded, extended, chief told."""
    from uppf_xl.demo_data import CASE_ID

    wb = open_workbook(book)
    f = next((f for f in wb.register(today).findings if f.id == CASE_ID.format(year=today.year)), None)
    if f is None or f.requested is None or f.deadline is None:
        return
    values: dict[tuple[int, str], Value] = {
        (f.row, "Underrättad"): f.day + timedelta(days=1),
        (f.row, "Begäran skickad"): f.requested + timedelta(days=1),
        (f.row, "Påminnelse skickad"): f.deadline + timedelta(days=2),
        (f.row, "Ny svarstid"): f.deadline + timedelta(days=14),
    }
    wb.apply(Changes(patches=[CellPatch("Iakttagelser", values)]), "demo", f"Ärendet {f.id}: begäran, påminnelse, ny svarstid")


def _meetings_and_case(book: Path, reports_dir: Path, today: date, pdf: bool) -> Outcome:
    """Which report the next meeting asks for, and the case report about the unremedied serious deficiency."""
    from uppf_xl import meetings
    from uppf_xl.demo_data import CASE_ID

    register = open_workbook(book).register(today)
    lines = [due.sentence() for n in dict.fromkeys(p.namnd for p in register.providers)
             if (due := meetings.next_report(register, today, n)) is not None]  # fmt: skip
    case = actions.case_report(open_workbook(book), CASE_ID.format(year=today.year), reports_dir, today, pdf)
    return Outcome("report", lines=[*lines, *case.lines], files=case.files, failure=case.failure)


def _simulate_moves(book: Path, today: date) -> Outcome:
    """What an administrator does in the autumn: a visit already announced is moved a week
    (Ändrad tid, and its letter), and visits too close for a kallelse are moved to the first
    day with enough notice (Minsta varsel)."""
    from uppf_xl import annual
    from uppf_xl.dates import add_working_days, is_working_day, next_working_day
    from uppf_xl import statuses
    from uppf_xl.vocab import RowStatus

    wb = open_workbook(book)
    register = wb.register(today)
    rows = statuses.of(register, today).refreshed(register.schedule, types=register.types)
    values: dict[tuple[int, str], Value] = {}
    lines = []
    settings = register.settings
    earliest = annual.earliest_visit(today, settings)

    def visit_day(day: date) -> date:
        day = next_working_day(day)
        start, end = settings.holiday_period(day.year)
        return next_working_day(end + timedelta(days=1)) if start <= day <= end else day

    def moved(row: ScheduleRow) -> date | None:
        """A week later, or a week earlier when later would pass Senast."""
        assert row.visit_date is not None and row.due is not None
        later, earlier = visit_day(row.visit_date + timedelta(days=7)), visit_day(row.visit_date - timedelta(days=7))
        if later <= row.due:
            return later
        return earlier if earliest < earlier < row.visit_date else None

    announced = [r for r in rows if r.notified and r.done is None and r.visit_date and r.visit_date > earliest
                 and r.status is RowStatus.KALLAD and r.due is not None and moved(r) is not None]
    if announced:
        row = announced[0]
        assert row.visit_date is not None
        new = moved(row)
        assert new is not None
        if row.announced is None:
            values[row.row, "Kallat datum"] = row.visit_date
        values[row.row, "Planerat datum"] = new
        lines.append(f"{row.key}: besöket flyttat från {row.visit_date.isoformat()} till {new.isoformat()} "
                     "efter kallelsen (Ändrad tid).")
    for row in rows:
        if row.status is not RowStatus.ATT_KALLA or row.visit_date is None or not row.row:
            continue
        if row.visit_date < earliest:
            new = visit_day(max(earliest, add_working_days(today, settings.minsta_varsel)))
            if row.due is not None and new > row.due or not is_working_day(new):
                continue
            values[row.row, "Planerat datum"] = new
            lines.append(f"{row.key}: kallelsen hann inte gå ut med Minsta varsel; besöket flyttat till {new.isoformat()}.")
    if values:
        wb.apply(Changes(patches=[CellPatch("Årshjul", values)]), "demo", f"Flyttade besök: {len(lines)}")
    return Outcome("demo", lines=lines or ["Inga besök att flytta."])


def _simulate_row_below(book: Path, today: date) -> Outcome:
    """A Händelser row typed just under the table, as LibreOffice leaves it: read, warned, grown by the next write."""
    wb = open_workbook(book)
    table = wb.raw().tables["Händelser"]
    row = max(table.row_numbers, default=table.header_row) + 1
    typed: dict[tuple[int, str], Value] = {
        (row, "Datum"): today - timedelta(days=5), (row, "UtförarID"): "U004", (row, "Typ"): "klagomål",
        (row, "Beskrivning"): "Anhörig ringde om sena besök", (row, "Allvarlig"): "Nej",
    }
    wb.apply(Changes(patches=[CellPatch("Händelser", typed)]), "demo", "En händelse skriven under tabellen")
    lines = [p.text for p in actions.check(open_workbook(book), today) if p.sheet == "Händelser"]
    return Outcome("demo", lines=[*lines, "Nästa körning som skriver i arbetsboken utökar tabellen över raden."])


def _monthly_check(book: Path, folder: Path, today: date) -> Outcome:
    """Last month's export from the time-registration system, with three planted deviations, read in."""
    from uppf_xl.monthly_sample import GRANTED_COLUMNS, VISIT_COLUMNS, generate, write_csv

    register = open_workbook(book).register(today)
    home_care = [p for p in register.providers if p.area == "Hemtjänst" and p.active_on(today)]
    month = f"{(today.replace(day=1) - timedelta(days=1)):%Y-%m}"
    # The export names providers as the system does: by name, some by organisationsnummer.
    labels = [(p.orgnr if p.orgnr and i % 3 == 2 else p.name, p.name) for i, p in enumerate(home_care)]
    plants = {labels[0][0]: "dubbel", labels[1][0]: "tatt", labels[3][0]: "utford_lag"} if len(labels) > 3 else {}
    export = generate(labels, month, plants, customers=24, seed=today.toordinal())
    folder.mkdir(parents=True, exist_ok=True)
    visits, granted = folder / f"tid_{month}.csv", folder / f"beviljad_tid_{month}.csv"
    write_csv(visits, export.visits, VISIT_COLUMNS, encoding="cp1252")
    write_csv(granted, export.granted, GRANTED_COLUMNS)
    return actions.month_in(open_workbook(book), [visits, granted], month, True, today)
