"""Returned questionnaires (`uppf-xl survey-in`): checked, read into Svar, findings proposed.

A returned file is accepted only when its signatures hold under the workbook's key (see
`uppf_xl.survey`); the answers of the newest accepted file per provider, type and year
replace the earlier ones in Svar, and an answer that breaks its requirement (Krav)
proposes a finding (Bekräftad Nej) once. The files are read by the reader passed in
(`uppf_xl.workbook.questionnaire.read_questionnaire`; `uppf_xl.documents.survey_in` passes it).
"""

from __future__ import annotations

import datetime as dt
import hmac
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from uppf_xl.contract import ANSWERS, FINDINGS
from uppf_xl.errors import ERROR, Problem
from uppf_xl.model import Answer, Register
from uppf_xl.outcome import Outcome
from uppf_xl.survey import (
    FORMAT,
    FULL_SIGNATURE,
    ID_FORMAT,
    ID_KEY,
    ID_PROVIDER,
    ID_SIGNATURE,
    ID_TYPE,
    ID_YEAR,
    KEY_SETTING,
    PROPOSAL_PREFIX,
    SignedQuestion,
    answer_text,
    due_rows,
    evaluate,
    follow_up_summary,
    full_signature,
    identity_signature,
    invalid_answer,
    key_id,
    survey_key,
)
from uppf_xl.vocab import AnswerType, Category
from uppf_xl.workbook.content import RowAppend, SheetContent, TableBlock, Value

@dataclass
class ReturnedQuestion:
    """One question row of a returned file: the signed copy and what the visible sheet shows."""

    signed: SignedQuestion
    cell: str  # the answer cell on the visible sheet, e.g. "D14"
    shown_id: object
    shown_text: object
    id_cell: str
    text_cell: str
    value: object


@dataclass
class ReturnedQuestionnaire:
    """What workbook.questionnaire read from a returned file, not yet checked."""

    path: Path
    sheet: str  # the visible sheet's name
    identity: dict[str, str] | None  # None: the hidden identity sheet is gone
    questions: list[ReturnedQuestion] = field(default_factory=list)
    saved: dt.datetime | None = None  # last saved, from the file's properties


class QuestionnaireRejected(Exception):
    """A returned file that cannot be imported; `problem` names the file and, if any, the cell."""

    def __init__(self, problem: Problem, more: Sequence[Problem] = ()) -> None:
        super().__init__(problem.text)
        self.problem = problem
        self.problems = [problem, *more]  # every problem found in the file, the first one first


def _reject(path: Path, message: str, sheet: str = "", cell: str = "") -> QuestionnaireRejected:
    where = f"{path.name}: {sheet}" if sheet else path.name
    return QuestionnaireRejected(Problem(ERROR, where, cell if sheet else "", message))


@dataclass
class Accepted:
    """A checked questionnaire: its provider, follow-up and answers (canonical text)."""

    path: Path
    provider_id: str
    type_id: str
    year: int
    answers: list[tuple[SignedQuestion, str]]  # answered questions only
    saved: dt.datetime | None = None


def check_returned(register: Register, returned: ReturnedQuestionnaire, key: str) -> Accepted:
    """Check one returned file against this workbook; raise QuestionnaireRejected if it fails."""
    path, sheet = returned.path, returned.sheet
    ident = returned.identity
    if not ident or not ident.get(ID_PROVIDER) or not ident.get(FULL_SIGNATURE):
        raise _reject(path, "enkätens dolda identitet saknas, så svaren kan inte kopplas till en utförare. Använd filen som skickades ut.")
    if not ident.get(ID_FORMAT, "").startswith(FORMAT.split("/")[0] + "/"):
        raise _reject(path, "filen är ingen enkät från uppf-xl.")
    if not key:
        raise _reject(path, f"Inställningar saknar {KEY_SETTING}, så enkäten kan inte kontrolleras. Använd arbetsboken som enkäterna skickades ut från.")
    if ident.get(ID_KEY) != key_id(key):
        raise _reject(path, "enkäten kommer från en annan arbetsbok (den är signerad med en annan Enkätnyckel).")
    if not hmac.compare_digest(ident.get(ID_SIGNATURE, ""), identity_signature(key, ident)):
        raise _reject(path, "enkätens dolda identitet (utförare, uppföljning, år) har ändrats; filen kan inte läsas in.")
    signed = [rq.signed for rq in returned.questions]
    if not hmac.compare_digest(ident.get(FULL_SIGNATURE, ""), full_signature(key, ident, signed)):
        raise _reject(path, "enkätens frågor har ändrats efter utskicket; filen kan inte läsas in.")
    changed: list[QuestionnaireRejected] = []
    for rq in returned.questions:
        if _shown(rq.shown_id) != rq.signed.id:
            changed.append(_reject(path, f'frågorna har ändrats: här ska fråga {rq.signed.id} stå, men det står "{_shown(rq.shown_id)}".', sheet, rq.id_cell))
        elif _shown(rq.shown_text) != rq.signed.text:
            changed.append(_reject(path, f"frågan {rq.signed.id} har ändrats; den ska lyda \"{rq.signed.text}\".", sheet, rq.text_cell))
    if changed:
        raise QuestionnaireRejected(changed[0].problem, [c.problem for c in changed[1:]])
    provider_id, type_id = ident[ID_PROVIDER], ident.get(ID_TYPE, "")
    if register.provider(provider_id) is None:
        raise _reject(path, f"utföraren {provider_id} finns inte i Utförare.")
    if register.type(type_id) is None:
        raise _reject(path, f"uppföljningstypen {type_id} finns inte i Uppföljningstyper.")
    answers: list[tuple[SignedQuestion, str]] = []
    missing: list[ReturnedQuestion] = []
    bad: list[Problem] = []  # every unreadable answer of the file, not only the first
    for rq in returned.questions:
        kind = rq.signed.kind
        text = answer_text(rq.value, kind)
        why = invalid_answer(text, kind, rq.signed.option_list)
        if why:
            bad.append(_reject(path, f"svaret på fråga {rq.signed.id} går inte att läsa: {why}.", sheet, rq.cell).problem)
            continue
        if text and kind is AnswerType.FLERVAL:
            # Typed instead of picked: store the option as the question spells it.
            text = next((o for o in rq.signed.option_list if o.casefold() == text.casefold()), text)
        if text:
            answers.append((rq.signed, text))
        elif rq.signed.required:
            missing.append(rq)
    if missing:
        cells = ", ".join(f"{rq.cell} ({rq.signed.id})" for rq in missing)
        bad.append(_reject(
            path,
            f"{len(missing)} obligatoriska frågor saknar svar: {cells}. Be utföraren fylla i dem och skicka filen igen.",
            sheet,
            missing[0].cell,
        ).problem)
    if bad:
        raise QuestionnaireRejected(bad[0], bad[1:])
    return Accepted(path, provider_id, type_id, int(ident.get(ID_YEAR, "0") or 0), answers, returned.saved)


def _shown(value: object) -> str:
    return "" if value is None else str(value).strip()


_Group = tuple[str, str, int]  # (UtförarID, TypID, År)


def _answer_row(a: Answer) -> list[Value]:
    return [a.provider_id, a.type_id, a.year, a.question_id, a.value, "Ja" if a.deviates else "Nej", a.file, a.read_at]


def _comparable(rows: Sequence[Sequence[Value]]) -> set[tuple[Value, ...]]:
    # Inläst is the only column that differs between two imports of the same file.
    return {tuple(r[:7]) for r in rows}


def proposal_id(year: int, provider_id: str, question_id: str) -> str:
    return f"E-{year}-{provider_id}-{question_id}"


def propose_finding(register: Register, acc: Accepted, q: SignedQuestion, answer: str, today: date) -> dict[str, Value]:
    """A proposed Avvikelse for an answer that breaks its Krav; Sammanfattning stays empty."""
    key = next((r.key for r in due_rows(register, acc.type_id, acc.year) if r.provider_id == acc.provider_id), "")
    return {
        "IakttagelseID": proposal_id(acc.year, acc.provider_id, q.id),
        "Datum": today,
        "UtförarID": acc.provider_id,
        "Nyckel": key,
        "Kategori": Category.AVVIKELSE.value,
        "Område": q.theme,
        "Beskrivning": (
            f'{PROPOSAL_PREFIX} fråga {q.id} "{q.text}" besvarades "{answer}" men kravet är "{q.requirement}" '
            f"({acc.type_id} {acc.year}, {acc.path.name}). Bekräfta genom att skriva Ja i Bekräftad "
            "(och en sammanfattning), ändra kategori eller ta bort raden."
        ),
        "Sammanfattning för nämnd": "",
        "Bekräftad": "Nej",  # a proposal counts nowhere until a user confirms it
    }


def survey_in(register: Register, paths: list[Path], today: date, now: dt.datetime | None = None, *,
              read: Callable[[Path], ReturnedQuestionnaire]) -> Outcome:
    """Import returned questionnaires: new Svar content, proposed findings and a summary.

    `paths` are files or folders (every .xlsx in a folder), each file read by `read`
    (`uppf_xl.documents.survey_in` passes the questionnaire reader). Each rejected file gets one
    Swedish line naming it (and the cell); the others are imported. `changes` is empty when
    nothing is new, so importing the same files again changes nothing.

    Example:
        >>> out = survey_in(register, [Path("Svar")], date(2025, 3, 1), read=read_questionnaire)  # doctest: +SKIP
        >>> out.lines[0]                                                   # doctest: +SKIP
        'Enkäter: 3 inlästa, 1 avvisade.'
    """
    outcome = Outcome(action="survey-in")
    read_at = (now or dt.datetime.combine(today, dt.datetime.now().time())).replace(microsecond=0)
    key = survey_key(register)
    files = _expand(paths)
    rejected: list[Problem] = []
    rejected_files: set[Path] = set()
    accepted: list[Accepted] = []
    for path in files:
        try:
            accepted.append(check_returned(register, read(path), key))
        except QuestionnaireRejected as exc:
            rejected.extend(exc.problems)
            rejected_files.add(path)

    # One file per provider and follow-up: the most recently saved one wins within a batch.
    chosen: dict[_Group, Accepted] = {}
    notes: list[str] = []
    for acc in accepted:
        group = (acc.provider_id, acc.type_id, acc.year)
        other = chosen.get(group)
        if other is None:
            chosen[group] = acc
            continue
        newer, older = (acc, other) if _saved_key(acc) >= _saved_key(other) else (other, acc)
        chosen[group] = newer
        notes.append(f"{acc.provider_id}: {older.path.name} och {newer.path.name} gäller samma enkät; den senast sparade, {newer.path.name}, läses in.")

    existing: dict[_Group, list[list[Value]]] = {}
    for a in register.answers:
        existing.setdefault((a.provider_id, a.type_id, a.year), []).append(_answer_row(a))

    final = {g: list(rows) for g, rows in existing.items()}
    changed: list[Accepted] = []
    for group, acc in chosen.items():
        rows: list[list[Value]] = [
            [acc.provider_id, acc.type_id, acc.year, q.id, text, "Ja" if evaluate(q.requirement, text, q.kind) else "Nej", acc.path.name, read_at]
            for q, text in acc.answers
        ]
        old = existing.get(group)
        if old is not None and _comparable(old) == _comparable(rows):
            notes.append(f"{acc.path.name}: samma svar som redan är inlästa för {acc.provider_id}; inget ändrat.")
            continue
        if old is not None:
            old_files = ", ".join(sorted({str(r[6]) for r in old if r[6]})) or "okänd fil"
            notes.append(f"{acc.provider_id}: svaren från {acc.path.name} ersätter de tidigare inlästa ({old_files}).")
        final[group] = rows
        changed.append(acc)

    known_ids = {f.id for f in register.findings}
    proposals: list[dict[str, Value]] = []
    for acc in changed:
        for q, text in acc.answers:
            if not evaluate(q.requirement, text, q.kind):
                continue
            fid = proposal_id(acc.year, acc.provider_id, q.id)
            if fid in known_ids:
                continue
            known_ids.add(fid)
            proposals.append(propose_finding(register, acc, q, text, today))

    if changed:
        outcome.changes.sheets.append(svar_sheet(final))
    if proposals:
        outcome.changes.appends.append(RowAppend(FINDINGS.name, proposals))

    outcome.lines.append(f"Enkäter: {len(chosen)} inlästa, {len(rejected_files)} avvisade, {len(changed)} med nya eller ändrade svar.")
    outcome.lines.extend(p.text for p in rejected)
    outcome.lines.extend(notes)
    if proposals:
        what = "föreslagen iakttagelse" if len(proposals) == 1 else "föreslagna iakttagelser"
        outcome.lines.append(f"{len(proposals)} {what} (Avvikelse) lades till i Iakttagelser med Bekräftad Nej; "
                             "skriv Ja i Bekräftad för att bekräfta, eller ta bort raden.")
    answers_now = [a for rows in final.values() for a in _rows_to_answers(rows)]
    for type_id, year in sorted({(g[1], g[2]) for g in chosen}):
        lines, table = follow_up_summary(register, type_id, year, answers_now)
        outcome.lines.extend(lines)
        outcome.tables.append(table)
    outcome.warnings.extend(rejected)
    outcome.log = (
        f"survey-in: {len(changed)} enkäter inlästa ({', '.join(a.path.name for a in changed) or 'inga'}), "
        f"{len(rejected_files)} avvisade, {len(proposals)} föreslagna iakttagelser"
    )
    return outcome


def _saved_key(acc: Accepted) -> tuple[dt.datetime, float]:
    saved = acc.saved or dt.datetime.min
    try:
        mtime = acc.path.stat().st_mtime
    except OSError:
        mtime = 0.0
    return saved, mtime


def _expand(paths: Sequence[Path]) -> list[Path]:
    """Files as given; a folder stands for its .xlsx/.xlsm files (Excel's ~$ lock files skipped)."""
    out: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            out.extend(sorted(f for f in p.iterdir() if f.suffix.lower() in (".xlsx", ".xlsm") and not f.name.startswith("~$")))
        else:
            out.append(p)
    return out


def _rows_to_answers(rows: Sequence[Sequence[Value]]) -> list[Answer]:
    return [
        Answer(str(r[0]), str(r[1]), int(r[2]), str(r[3]), str(r[4]), r[5] == "Ja", str(r[6] or ""), r[7] if isinstance(r[7], dt.datetime) else None)  # type: ignore[arg-type]
        for r in rows
    ]


def svar_sheet(groups: dict[_Group, list[list[Value]]]) -> SheetContent:
    """The whole Svar sheet: one row per provider, follow-up and answered question."""
    rows = [r for g in sorted(groups) for r in sorted(groups[g], key=lambda r: str(r[3]))]
    block = TableBlock(ANSWERS.table, 1, 1, ANSWERS.headers, rows, styles={"År": "int", "Inläst": "datetime", "Svar": "text"})
    widths = ANSWERS.widths
    return SheetContent(ANSWERS.name, tables=[block], widths=widths, freeze="A2")
