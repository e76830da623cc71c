"""`uppf-xl demo`: the whole product on the demo municipality, in one command."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from uppf_xl import actions
from uppf_xl.errors import ExternalProgramMissing
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
            made.extend(outcome.files)

    step("Arbetsbok", actions.init(book, demo=True, force=True, today=today))
    wb = open_workbook(book)
    problems = actions.check(wb, today)
    step("Kontroll", Outcome("check", lines=[p.text for p in problems] or ["Inga fel."]))

    # The year as it went: last year planned in January and carried out, this year planned in
    # January and carried out up to today; then the dashboard for today.
    for year, until in ((today.year - 1, date(today.year - 1, 12, 31)), (today.year, today)):
        january = min(date(year, 1, 10), until)
        step(f"Årshjul {year} (planerat {january:%Y-%m-%d})", actions.plan(open_workbook(book), year, january))
        step(f"Fältarbete {year} (demo)", _simulate_fieldwork(book, year, until))
    step("Översikt", actions.status(open_workbook(book), today.year, today))
    step("Månadsuppföljning (demo)", _monthly_check(book, folder / "Tidsexport", today))

    pdf = shutil.which("soffice") is not None or shutil.which("libreoffice") is not None
    try:
        step("Brev", actions.letters(open_workbook(book), letters_dir, today, pdf=pdf))
    except ExternalProgramMissing as exc:
        step("Brev", Outcome("letters", lines=[exc.message]))
    step("Kalender", actions.calendar(open_workbook(book), letters_dir / "uppfoljningar.ics", None, today))
    step("Nämndrapporter", actions.report(open_workbook(book), today.year, "år", None, reports_dir, today, pdf=pdf))
    sent = actions.survey_out(open_workbook(book), "AVT", survey_dir, today.year, today)
    step("Enkäter", sent)
    answered = _simulate_answers(book, sent.files[:3], today)
    step("Enkätsvar (demo)", actions.survey_in(open_workbook(book), answered, today))
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
        if row.notify_by and row.notify_by <= today and not row.notified and not left_undone:
            values[row.row, "Kallelse skickad"] = row.notify_by - timedelta(days=2)
            sent += 1
        if when < today - timedelta(days=3) and not left_undone:
            values[row.row, "Genomförd"] = when
            done += 1
    changes = Changes(patches=[CellPatch("Årshjul", values)])
    wb.apply(changes, "demo", f"Fältarbete: {done} genomförda, {sent} kallelser skickade")
    return Outcome("demo", lines=[f"{done} uppföljningar markerade genomförda och {sent} kallelser skickade."])


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
