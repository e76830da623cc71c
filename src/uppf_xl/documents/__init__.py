"""The documents layer: writing what the domain modules select and compose.

The domain modules decide what to write and build each document's content without a file
format in sight; this package renders it (docxtpl, python-docx, openpyxl, Jinja), writes it
atomically and converts it to PDF/A by LibreOffice when asked:

- here: the letters (`uppf_xl.letters`) with their .eml drafts and send list, and the
  questionnaires (`uppf_xl.survey`);
- `documents.report`: the nämnd report (`uppf_xl.report`), its annex and charts;
- `documents.case`: the case report (`uppf_xl.case_report`);
- `documents.card`: the provider card (`uppf_xl.card`);
- `documents.public`: the public comparison pages (`uppf_xl.publish`).

Example:
    >>> result = write_letters(register, register.schedule, date(2025, 1, 10), Path("Utskick"),
    ...                        set(KINDS), (None, None), pdf=False)            # doctest: +SKIP
    >>> out = survey_out(register, "AVT", 2025, Path("Utskick"), date(2025, 1, 10))  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from uppf_xl import render, survey_returns
from uppf_xl.documents import mail
from uppf_xl.contract import SETTINGS, CellLocator, default_cell
from uppf_xl.errors import ERROR, ExternalProgramMissing, Problem, WorkbookInvalid
from uppf_xl.letters import (
    KALLELSE,
    KIND_NAMES,
    KINDS,
    SEND_LIST,
    SEND_LIST_HEADER,
    TEMPLATES,
    UNDERRATTELSE,
    Letter,
    LetterResult,
    Window,
    mark_sent_findings,
    mark_sent_schedule,
    plan,
    unique_names,
)
from uppf_xl.model import Register, ScheduleRow
from uppf_xl.outcome import Outcome
from uppf_xl.survey import (
    KEY_SETTING,
    build_spec,
    due_providers,
    new_survey_key,
    questionnaire_filename,
    survey_key,
)
from uppf_xl.workbook.content import SheetContent, TableBlock, Value
from uppf_xl.workbook.output import write_output_xlsx
from uppf_xl.workbook.questionnaire import read_questionnaire, write_questionnaire


def write_letters(
    register: Register,
    rows: list[ScheduleRow],
    today: date,
    out_dir: Path,
    kinds: set[str],
    window: Window,
    pdf: bool,
    progress: Callable[[int], None] | None = None,
    mask: bool = False,
    locate: CellLocator = default_cell,
) -> LetterResult:
    """Write the selected letters into `out_dir`, with .eml drafts and utskickslista.xlsx.

    Every letter is rendered in memory first: a template error (TemplateError) or personal
    data in a quoted text (PersonalDataFound) stops the run before any file is written.
    `progress(1)` is called once per letter rendered (total: `len(select(...))`).
    With `pdf`, each letter also gets a PDF/A-2b copy (one LibreOffice call); when
    LibreOffice is missing, everything else is written and `pdf_error` says why.
    """
    letters, skipped = plan(register, rows, today, kinds, window, mask, locate)
    result = LetterResult(skipped=skipped, letters=letters, attachment_folder=register.settings.mallmapp)
    from uppf_xl import annual

    result.lines.extend(annual.notice_warnings(letters, register, today))
    names = unique_names(letters)
    rendered: list[tuple[Path, bytes]] = []
    for letter, name in zip(letters, names):
        try:
            data = render.render_bytes(letter.template, letter.context, register.settings, _core(letter, today))
        except render.TemplateError as exc:
            if letter.row is None or letter.template == TEMPLATES[KALLELSE]:
                raise
            raise render.TemplateError(f"{exc.message} Mallen anges i kolumnen Mall för {letter.row.type_id} i Uppföljningstyper.") from exc
        rendered.append((out_dir / name, data))
        if progress:
            progress(1)
    result.files = render.write_all(rendered)

    if pdf and result.files:
        from uppf_xl.pdf import convert_to_pdf

        try:
            result.pdfs = convert_to_pdf(result.files, out_dir, pdfa=True)
        except ExternalProgramMissing as exc:
            result.pdf_error = exc.message
    attachments = result.pdfs or result.files

    send_rows: list[list[Value]] = []
    for letter, attachment in zip(letters, attachments):
        email = letter.email
        send_rows.append([letter.provider.name, letter.provider.id, email, attachment.name, letter.subject])
        if not email:
            result.no_email.append(letter)
            continue
        eml = attachment.with_suffix(".eml")
        mail.write_eml(
            eml,
            to=email,
            subject=letter.subject,
            body=mail.letter_body(letter.subject, register.settings, letter.sender, letter.body),
            attachment=attachment,
            extra=letter.attachments,
        )
        result.emls.append(eml)
    if letters:
        result.send_list = out_dir / SEND_LIST
        _write_send_list(result.send_list, send_rows)

    result.mark_sent_patch = mark_sent_schedule(letters, today)
    result.finding_patch = mark_sent_findings(letters, today)
    _summarise(result, out_dir, pdf)
    return result


def _write_send_list(path: Path, rows: list[list[Value]]) -> None:
    table = TableBlock("tblUtskick", 1, 1, SEND_LIST_HEADER, rows, styles={"UtförarID": "text"})
    write_output_xlsx(path, [SheetContent("Utskick", tables=[table], freeze="A2")])


def _core(letter: Letter, today: date) -> dict[str, Any]:
    """The letter's own core properties: its subject as title, the handläggare as author, its date."""
    author = letter.sender.name if letter.sender is not None and letter.sender.name else "uppf-xl"
    stamp = datetime.combine(today, time(12, 0))
    return {
        "title": letter.subject,
        "subject": KIND_NAMES[letter.kind][0].capitalize(),
        "author": author,
        "last_modified_by": author,
        "created": stamp,
        "modified": stamp,
        "comments": "",
        "keywords": letter.provider.id,
    }


def _count(kind: str, n: int) -> str:
    singular, plural = KIND_NAMES[kind]
    return f"{n} {singular if n == 1 else plural}"


def _summarise(result: LetterResult, out_dir: Path, pdf: bool) -> None:
    counts = {k: sum(1 for letter in result.letters if letter.kind == k) for k in KINDS}
    parts = [_count(k, n) for k, n in counts.items() if n]
    lines = result.lines
    if result.letters:
        lines.append(f"Skrev {len(result.letters)} brev i {out_dir}: {', '.join(parts)}.")
    else:
        lines.append("Inga brev att skriva för de valda brevtyperna och datumen.")
    if pdf and result.pdfs:
        lines.append(f"PDF/A: {len(result.pdfs)} filer (LibreOffice).")
    if result.pdf_error:
        lines.append(result.pdf_error)
    if result.emls:
        lines.append(f"E-postutkast: {len(result.emls)} (.eml, öppnas som utkast i Outlook).")
    if result.send_list:
        lines.append(f"Utskickslista (mottagare, fil och ämne för varje brev): {result.send_list}")
    for letter in result.no_email:
        if letter.kind == UNDERRATTELSE:
            lines.append(f"Ingen e-postadress till förvaltningschefen: lämna {letter.filename} på annat sätt "
                         "(fyll i Förvaltningschef e-post i Inställningar).")
            continue
        lines.append(
            f"Ingen e-postadress för {letter.provider.id} {letter.provider.name}: "
            f"skicka {letter.filename} på annat sätt (fyll i E-post i Utförare)."
        )
    missing = sorted({(name, letter.row.type_id) for letter in result.letters for name in letter.missing_attachments
                      if letter.row is not None})
    for name, type_id in missing:
        where = "finns inte i Mallmapp" if result.attachment_folder else "hittas inte (Mallmapp är tom i Inställningar)"
        lines.append(f'Bilagan "{name}" ({type_id}) {where} och bifogas inte e-postutkasten; '
                     "lägg filen i Mallmapp eller bifoga den själv.")
    if result.skipped:
        lines.append(f"Hoppade över {len(result.skipped)}:")
        lines.extend(f"  {s.text}" for s in result.skipped)
    if result.letters:
        result.tables.append(
            (
                "Skrivna brev",
                ["Utförare", "UtförarID", "Brev", "Fil", "E-post"],
                [
                    [letter.provider.name, letter.provider.id, KIND_NAMES[letter.kind][0], path.name, letter.provider.email or "–"]
                    for letter, path in zip(result.letters, result.files)
                ],
            )
        )
    if result.skipped:
        result.tables.append(
            (
                "Överhoppade",
                ["UtförarID", "Brev", "Avser", "Orsak"],
                [[s.provider_id, KIND_NAMES[s.kind][0], s.ref, s.reason] for s in result.skipped],
            )
        )
    detail = ", ".join(parts) if parts else "inga brev"
    result.log = f"{len(result.letters)} brev ({detail}); {len(result.skipped)} överhoppade" + (
        "; PDF/A" if result.pdfs else ""
    )


def survey_out(register: Register, type_id: str, year: int, out_dir: Path, today: date) -> Outcome:
    """Write one questionnaire .xlsx per provider due for `type_id` in `year` into `out_dir`.

    The workbook is never changed. The questionnaires are signed with the setting Enkätnyckel,
    which `init` writes; a workbook without it gets a WorkbookInvalid naming a fresh key to
    paste into Inställningar.

    Example:
        >>> out = survey_out(register, "AVT", 2025, Path("Utskick"), date(2025, 1, 10))  # doctest: +SKIP
        >>> out.files[0].name                                                             # doctest: +SKIP
        '2025_U001_Enkat_AVT.xlsx'
    """
    outcome = Outcome(action="survey-out")
    ftype = register.type(type_id)
    if ftype is None:
        known = ", ".join(t.id for t in register.types) or "inga"
        outcome.warnings.append(Problem(ERROR, "Uppföljningstyper", "", f'TypID "{type_id}" finns inte (finns: {known})'))
        outcome.lines.append(outcome.warnings[-1].text)
        return outcome
    key = survey_key(register)
    if not key:
        raise WorkbookInvalid([Problem(
            ERROR, SETTINGS.name, "",
            f'inställningen "{KEY_SETTING}" saknas; den signerar enkäterna. Lägg till raden {KEY_SETTING} '
            f"med värdet {new_survey_key()} och kör igen (ändra den sedan inte förrän svaren är inlästa)",
        )])
    providers = due_providers(register, type_id, year)
    if not providers:
        outcome.lines.append(f"Inga utförare ska ha {ftype.name} ({type_id}) {year}; inga enkäter skrevs.")
        return outcome
    out_dir.mkdir(parents=True, exist_ok=True)
    for p in providers:
        spec = build_spec(register, p, type_id, year, today, key)
        if not spec.questions:
            outcome.lines.append(f"{p.id} {p.name}: inga frågor gäller utföraren; ingen enkät skrevs.")
            continue
        path = out_dir / questionnaire_filename(p.id, type_id, year)
        write_questionnaire(path, spec)
        outcome.files.append(path)
        outcome.lines.append(f"{path.name}: {p.name}, {len(spec.questions)} frågor, sista svarsdag {spec.deadline.isoformat()}")
    outcome.lines.insert(0, f"{len(outcome.files)} enkäter för {ftype.name} ({type_id}) {year} skrevs till {out_dir}.")
    outcome.log = f"survey-out {type_id} {year}: {len(outcome.files)} enkäter till {out_dir}"
    return outcome


def survey_in(register: Register, paths: list[Path], today: date, now: dt.datetime | None = None) -> Outcome:
    """Import returned questionnaires (`uppf_xl.survey_returns.survey_in`), read from their files."""
    return survey_returns.survey_in(register, paths, today, now, read=read_questionnaire)
