"""The yearly provider questionnaire: who gets it, which questions, reading answers back.

`build_spec` composes the questionnaire of one provider due for a follow-up type in a year
(`uppf_xl.documents.survey_out` writes one per provider); `survey_in` checks returned
questionnaires, gives the new content of the Svar sheet
and proposes findings where an answer breaks its requirement (Krav). The files themselves
are written and read by `uppf_xl.workbook.questionnaire`; everything here is plain Python.

Tamper evidence: each questionnaire carries, on a very hidden sheet, its identity
(provider, type, year, question-bank version, key id, dates) and two HMAC-SHA256
signatures keyed with the workbook's secret setting "Enkätnyckel": one over the identity,
one over the identity plus every question (ID, theme, text, answer type, options, Krav).
A file signed with another key comes from another workbook; a bad identity signature
means the identity was edited; a bad full signature, or a visible question that differs
from the signed copy, means the questions were changed.

Example:
    >>> evaluate(">= 1", "0", AnswerType.TAL)
    True
    >>> evaluate("Ja", "Ja", AnswerType.JA_NEJ)
    False
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from collections.abc import Callable, Sequence

from uppf_xl.contract import ANSWERS, FINDINGS
from uppf_xl.dates import previous_working_day
from uppf_xl.errors import ERROR, Problem
from uppf_xl.model import Answer, Provider, Question, Register, ScheduleRow
from uppf_xl.outcome import Outcome
from uppf_xl.vocab import ALLA, AnswerType, Category, RowStatus
from uppf_xl.workbook.content import RowAppend, SheetContent, TableBlock, Value

FORMAT = "uppf-xl-enkät/1"
KEY_SETTING = "Enkätnyckel"
PROPOSAL_PREFIX = "Förslag från enkät:"
DEFAULT_ANSWER_DAYS = 30  # deadline when no visit date gives a better one
MATERIAL_DAYS = 14  # answers due this many days before the visit when the type says nothing

# Labels of the identity block on the hidden sheet, in signing order.
ID_FORMAT = "Format"
ID_PROVIDER = "UtförarID"
ID_TYPE = "TypID"
ID_YEAR = "År"
ID_VERSION = "Frågebanksversion"
ID_KEY = "Nyckel-ID"
ID_CREATED = "Skapad"
ID_DEADLINE = "Sista svarsdag"
ID_SIGNATURE = "Identitetssignatur"
FULL_SIGNATURE = "Signatur"
IDENTITY_FIELDS = (ID_FORMAT, ID_PROVIDER, ID_TYPE, ID_YEAR, ID_VERSION, ID_KEY, ID_CREATED, ID_DEADLINE)

ANSWER_HINTS = {
    AnswerType.JA_NEJ: "Välj Ja eller Nej",
    AnswerType.TAL: "Skriv ett tal",
    AnswerType.DATUM: "Skriv ett datum (ÅÅÅÅ-MM-DD)",
    AnswerType.FLERVAL: "Välj ett alternativ i listan",
    AnswerType.TEXT: "Skriv fritt",
}


# --- The question bank --------------------------------------------------------------------

_SBO = "Särskilt boende för äldre;Korttidsboende;Bostad med särskild service;Barnboende"
_HSL = "Hemtjänst;Särskilt boende för äldre;Korttidsboende;Bostad med särskild service"
_ELDERLY = "Särskilt boende för äldre;Korttidsboende"


def default_questions() -> list[list[Value]]:
    """A believable default Frågor table, rows in the contract's QUESTIONS header order.

    `init` writes it into a new workbook; the municipality edits it from there.
    """
    jn, tal, dat, fler, text = "Ja/Nej", "Tal", "Datum", "Flerval", "Text"
    share = "Alla;De flesta;Färre än hälften"
    rows: list[tuple[str, str, str, str, str, str, str, str]] = [
        ("Bemanning", "Finns en bemanningsplan som täcker verksamhetens alla öppettider och dygnets timmar?", jn, "", "Ja", ALLA, ALLA, ""),
        ("Bemanning", "Hur stor andel av de arbetade timmarna förra året utfördes av timavlönad personal (procent)?", tal, "", "<= 30", ALLA, ALLA, ""),
        ("Bemanning", "Hur många tillsvidareanställda omvårdnadspersonal arbetar i verksamheten?", tal, "", "> 0", ALLA, ALLA, ""),
        ("Kompetens", "Har all omvårdnadspersonal den utbildning som avtalet eller uppdraget kräver?", jn, "", "Ja", ALLA, ALLA, ""),
        ("Kompetens", "Finns en plan för kompetensutveckling för det kommande året?", jn, "", "Ja", ALLA, ALLA, ""),
        ("Kompetens", "Hur många medarbetare har fått introduktion i lex Sarah under det senaste året?", tal, "", ">= 1", ALLA, ALLA, ""),
        ("Kompetens", "Hur stor del av personalen behärskar svenska i tal och skrift så som uppdraget kräver?", fler, share, "Alla", ALLA, ALLA, ""),
        ("Dokumentation", "Hur många brukare har en aktuell genomförandeplan?", fler, share, "Alla", ALLA, ALLA, ""),
        ("Dokumentation", "Vilket datum gjordes den senaste egenkontrollen av social dokumentation?", dat, "", "", ALLA, ALLA, ""),
        ("Dokumentation", "Förs social dokumentation i kommunens verksamhetssystem?", jn, "", "Ja", ALLA, ALLA, ""),
        ("Klagomål och avvikelser", "Finns en skriftlig rutin för att ta emot och utreda klagomål?", jn, "", "Ja", ALLA, ALLA, ""),
        ("Klagomål och avvikelser", "Hur många klagomål tog verksamheten emot förra året?", tal, "", "", ALLA, ALLA, ""),
        ("Klagomål och avvikelser", "Hur många rapporter enligt lex Sarah upprättades förra året?", tal, "", "", ALLA, ALLA, ""),
        ("Klagomål och avvikelser", "Sammanställs och analyseras avvikelser och klagomål minst en gång per kvartal?", jn, "", "Ja", ALLA, ALLA, ""),
        ("Delaktighet och självbestämmande", "Är brukaren delaktig när genomförandeplanen upprättas och följs upp?", fler, "Alltid;Oftast;Sällan", "Alltid", ALLA, ALLA, ""),
        ("Delaktighet och självbestämmande", "Hur stor andel av brukarna har en utsedd kontaktperson (procent)?", tal, "", ">= 90", ALLA, ALLA, ""),
        ("Delaktighet och självbestämmande", "Beskriv kort hur brukarna kan påverka när och hur insatserna utförs.", text, "", "", ALLA, ALLA, ""),
        ("Brand", "Har all personal gått brandskyddsutbildning under de senaste tolv månaderna?", jn, "", "Ja", _SBO, ALLA, ""),
        ("Brand", "Vilket datum hölls den senaste utrymningsövningen?", dat, "", "", _SBO, ALLA, ""),
        ("Brand", "Finns ett dokumenterat systematiskt brandskyddsarbete (SBA)?", jn, "", "Ja", _SBO, ALLA, ""),
        ("Läkemedel", "Finns en rutin för läkemedelshantering som är godkänd av MAS?", jn, "", "Ja", _HSL, ALLA, ""),
        ("Läkemedel", "Hur många av dem som ger läkemedel har en giltig delegering?", fler, share, "Alla", _HSL, ALLA, ""),
        ("Läkemedel", "Hur många läkemedelsavvikelser rapporterades förra året?", tal, "", "", _HSL, ALLA, ""),
        ("Mat och måltider", "Erbjuds alla brukare minst tre huvudmål och mellanmål per dag, med högst elva timmars nattfasta?", jn, "", "Ja", _ELDERLY, ALLA, ""),
        ("Mat och måltider", "Görs en riskbedömning för undernäring för alla nyinflyttade?", jn, "", "Ja", _ELDERLY, ALLA, ""),
        ("Systematiskt kvalitetsarbete", "Finns ett ledningssystem för systematiskt kvalitetsarbete enligt SOSFS 2011:9?", jn, "", "Ja", ALLA, ALLA, ""),
        ("Systematiskt kvalitetsarbete", "Har egenkontrollerna genomförts enligt plan under året?", jn, "", "Ja", ALLA, ALLA, ""),
        ("Avtal och ekonomi", "Har skatter och arbetsgivaravgifter betalats i rätt tid under året?", jn, "", "Ja", ALLA, "Privat", "AVT"),
        ("Avtal och ekonomi", "Har verksamheten en gällande ansvarsförsäkring?", jn, "", "Ja", ALLA, "Privat", "AVT"),
    ]
    return [[f"Q{i:02d}", *row, "Ja"] for i, row in enumerate(rows, start=1)]


# --- Who gets which questions ---------------------------------------------------------------


def due_rows(register: Register, type_id: str, year: int) -> list[ScheduleRow]:
    """The Årshjul rows of `type_id` in `year` that still stand (not Utgår)."""
    return [
        r
        for r in register.schedule
        if r.type_id == type_id and _row_year(r) == year and r.status is not RowStatus.UTGAR
    ]


def due_providers(register: Register, type_id: str, year: int) -> list[Provider]:
    """Providers due for `type_id` in `year`.

    The providers of the type's Årshjul rows of that year when there are any; otherwise
    every provider the type applies to that is active some time in the year (and, when
    Årsplan lists the type for the year, whose nämnd and area are listed).
    """
    rows = due_rows(register, type_id, year)
    if rows:
        seen: dict[str, Provider] = {}
        for r in rows:
            p = register.provider(r.provider_id)
            if p is not None:
                seen.setdefault(p.id, p)
        return sorted(seen.values(), key=lambda p: p.id)
    ftype = register.type(type_id)
    if ftype is None:
        return []
    pairs = {(e.namnd, e.area) for e in register.plan if e.year == year and e.type_id == type_id}
    first, last = date(year, 1, 1), date(year, 12, 31)
    return sorted(
        (
            p
            for p in register.providers
            if ftype.applies_to(p)
            and p.active_between(first, last)
            and (not pairs or (p.namnd, p.area) in pairs)
        ),
        key=lambda p: p.id,
    )


def focus_themes(register: Register, year: int) -> list[str]:
    return [f.name for f in register.focus if f.year == year]


def _theme_matches(theme: str, focus: Sequence[str]) -> bool:
    # A focus area such as "Dokumentation enligt SoL" still picks the theme "Dokumentation".
    t = theme.strip().casefold()
    return bool(t) and any(t in f.strip().casefold() or f.strip().casefold() in t for f in focus if f.strip())


def applicable_questions(register: Register, provider: Provider, type_id: str, year: int) -> list[Question]:
    """The active questions for one provider in a follow-up, in question-bank order.

    A question applies when it is Aktiv, its Verksamhetsområden is "Alla" or lists the
    provider's area, its Regi is empty, "Alla" or the provider's regi, and its TypID is
    empty or `type_id`; a question tied to another type is asked too when its Tema is one
    of the year's focus areas.
    """
    focus = focus_themes(register, year)
    out = []
    for q in register.questions:
        if not q.active:
            continue
        areas = q.areas or (ALLA,)
        if ALLA not in areas and provider.area not in areas:
            continue
        if q.regi not in ("", ALLA) and q.regi != provider.regi.value:
            continue
        if q.type_id and q.type_id != type_id and not _theme_matches(q.theme, focus):
            continue
        out.append(q)
    return out


def group_by_theme(questions: Sequence[Question]) -> list[tuple[str, list[Question]]]:
    """Questions grouped by Tema, themes in the order they first appear."""
    groups: dict[str, list[Question]] = {}
    for q in questions:
        groups.setdefault(q.theme, []).append(q)
    return list(groups.items())


def is_required(question: Question) -> bool:
    """A question with a Krav must be answered: its answer is what the follow-up checks."""
    return bool(question.requirement.strip())


# --- Answers and requirements ------------------------------------------------------------

_COMPARISON = re.compile(r"^\s*(>=|<=|>|<|=|≥|≤)\s*(.+?)\s*$")


def parse_number(text: str) -> float | None:
    """A number as a Swede types it: "3", "2,5", "1 200", "12 %"."""
    cleaned = text.replace("\u00a0", "").replace(" ", "").replace("%", "").replace(",", ".")
    try:
        return float(cleaned)
    except ValueError:
        return None


def parse_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        return None


def evaluate(requirement: str, answer: str, answer_type: AnswerType) -> bool:
    """True when `answer` breaks `requirement` (Krav). An empty Krav or answer never does.

    Krav is "Ja"/"Nej", a comparison (">= 1", "> 0", "<= 5", "< 3", "= 2"; dates as
    ">= 2025-01-01"), or one or more options separated by ";" (Flerval and Text).
    """
    req, ans = requirement.strip(), answer.strip()
    if not req or not ans:
        return False
    m = _COMPARISON.match(req)
    if m:
        op = {"≥": ">=", "≤": "<="}.get(m.group(1), m.group(1))
        limit_text = m.group(2)
        limit_date, value_date = parse_date(limit_text), parse_date(ans)
        if answer_type is AnswerType.DATUM and limit_date and value_date:
            left: float | date = value_date
            right: float | date = limit_date
        else:
            num, limit = parse_number(ans), parse_number(limit_text)
            if num is None or limit is None:
                return True  # not a number where a number is required
            left, right = num, limit
        ok = {
            ">=": left >= right,  # type: ignore[operator]
            "<=": left <= right,  # type: ignore[operator]
            ">": left > right,  # type: ignore[operator]
            "<": left < right,  # type: ignore[operator]
            "=": left == right,
        }[op]
        return not ok
    allowed = {o.strip().casefold() for o in req.split(";") if o.strip()}
    return ans.casefold() not in allowed


def answer_text(value: object, answer_type: AnswerType) -> str:
    """The canonical text of a cell value, as stored in Svar: "3", "2,5", "2025-03-14", "Ja"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Ja" if value else "Nej"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if answer_type is AnswerType.DATUM or value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (int, float)):
        if float(value).is_integer():
            return str(int(value))
        # 12 significant digits hide binary noise such as 0.30000000000000004.
        return format(float(value), ".12g").replace(".", ",")
    text = str(value).strip()
    if answer_type is AnswerType.JA_NEJ and text.casefold() in ("ja", "nej"):
        return text.capitalize()
    if answer_type is AnswerType.TAL:
        num = parse_number(text)
        if num is not None:
            return answer_text(num, answer_type)
    return text


def invalid_answer(text: str, answer_type: AnswerType, options: Sequence[str]) -> str | None:
    """Why an answer is not of its type (a Swedish phrase), or None when it is fine."""
    if not text:
        return None
    if answer_type is AnswerType.JA_NEJ and text not in ("Ja", "Nej"):
        return f'"{text}" är varken Ja eller Nej'
    if answer_type is AnswerType.TAL and parse_number(text) is None:
        return f'"{text}" är inget tal'
    if answer_type is AnswerType.DATUM and parse_date(text) is None:
        return f'"{text}" är inget giltigt datum (ÅÅÅÅ-MM-DD)'
    if answer_type is AnswerType.FLERVAL and options and text.casefold() not in {o.casefold() for o in options}:
        return f'"{text}" är inget av alternativen {"; ".join(options)}'
    return None


# --- Identity and signatures -------------------------------------------------------------


def new_survey_key() -> str:
    """A fresh secret for the setting Enkätnyckel (128 random bits, hex)."""
    return secrets.token_hex(16)


def survey_key(register: Register) -> str:
    return str(getattr(register.settings, "enkatnyckel", "") or "").strip()


def key_id(key: str) -> str:
    """A short public fingerprint of the key: tells which workbook a questionnaire came from."""
    return hashlib.sha256(f"uppf-xl enkätnyckel {key}".encode()).hexdigest()[:12]


def bank_version(questions: Sequence[Question]) -> str:
    """Version of the question bank: a hash of the active questions' IDs and texts."""
    payload = json.dumps([[q.id, q.text.strip()] for q in questions if q.active], ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()[:12]


@dataclass
class SignedQuestion:
    """A question as written into a questionnaire and covered by its signature."""

    id: str
    theme: str
    text: str
    answer_type: str  # the Svarstyp label
    options: str  # Alternativ, ";"-separated
    requirement: str  # Krav
    required: bool

    def signed_fields(self) -> list[str]:
        return [self.id, self.theme, self.text, self.answer_type, self.options, self.requirement, "Ja" if self.required else "Nej"]

    @property
    def kind(self) -> AnswerType:
        return AnswerType(self.answer_type)

    @property
    def option_list(self) -> list[str]:
        return [o.strip() for o in self.options.split(";") if o.strip()]

    @classmethod
    def of(cls, q: Question) -> SignedQuestion:
        return cls(q.id, q.theme.strip(), q.text.strip(), q.answer_type.value, ";".join(q.options), q.requirement.strip(), is_required(q))


def _mac(key: str, payload: list[object]) -> str:
    message = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return hmac.new(key.encode(), message.encode(), hashlib.sha256).hexdigest()


def identity_signature(key: str, identity: dict[str, str]) -> str:
    return _mac(key, [identity.get(f, "") for f in IDENTITY_FIELDS])


def full_signature(key: str, identity: dict[str, str], questions: Sequence[SignedQuestion]) -> str:
    return _mac(key, [[identity.get(f, "") for f in IDENTITY_FIELDS], *[q.signed_fields() for q in questions]])


# --- Survey out ----------------------------------------------------------------------------


@dataclass
class QuestionnaireSpec:
    """Everything one questionnaire file shows and carries; written by workbook.questionnaire."""

    provider: Provider
    type_name: str
    identity: dict[str, str]  # IDENTITY_FIELDS plus the two signatures
    groups: list[tuple[str, list[SignedQuestion]]]
    deadline: date
    kommun: str = ""
    forvaltning: str = ""
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""

    @property
    def questions(self) -> list[SignedQuestion]:
        return [q for _, qs in self.groups for q in qs]


def questionnaire_filename(provider_id: str, type_id: str, year: int) -> str:
    """The file name of a questionnaire; the kallelse can name it as an attachment."""
    from uppf_xl.filenames import safe_part

    return f"{year}_{safe_part(provider_id)}_Enkat_{safe_part(type_id)}.xlsx"


def answer_deadline(register: Register, provider_id: str, type_id: str, year: int, today: date) -> date:
    """When answers are due: before the visit (Underlag dagar före, else 14 days), else in 30 days."""
    ftype = register.type(type_id)
    days = ftype.material_days if ftype and ftype.material_days is not None else MATERIAL_DAYS
    for r in due_rows(register, type_id, year):
        if r.provider_id == provider_id and r.visit_date is not None:
            candidate = previous_working_day(r.visit_date - timedelta(days=days))
            if candidate > today:
                return candidate
    return previous_working_day(today + timedelta(days=DEFAULT_ANSWER_DAYS))


def build_spec(register: Register, provider: Provider, type_id: str, year: int, today: date, key: str) -> QuestionnaireSpec:
    """The questionnaire of one provider, signed with `key`."""
    ftype = register.type(type_id)
    questions = [SignedQuestion.of(q) for q in applicable_questions(register, provider, type_id, year)]
    deadline = answer_deadline(register, provider.id, type_id, year, today)
    identity = {
        ID_FORMAT: FORMAT,
        ID_PROVIDER: provider.id,
        ID_TYPE: type_id,
        ID_YEAR: str(year),
        ID_VERSION: bank_version(register.questions),
        ID_KEY: key_id(key),
        ID_CREATED: today.isoformat(),
        ID_DEADLINE: deadline.isoformat(),
    }
    identity[ID_SIGNATURE] = identity_signature(key, identity)
    identity[FULL_SIGNATURE] = full_signature(key, identity, questions)
    groups: dict[str, list[SignedQuestion]] = {}
    for q in questions:
        groups.setdefault(q.theme, []).append(q)
    s = register.settings
    return QuestionnaireSpec(
        provider=provider,
        type_name=ftype.name if ftype else type_id,
        identity=identity,
        groups=list(groups.items()),
        deadline=deadline,
        kommun=s.kommun,
        forvaltning=s.forvaltning,
        contact_name=s.avsandare,
        contact_email=s.epost,
        contact_phone=s.telefon,
    )


# --- Survey in -----------------------------------------------------------------------------


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
    widths = {i: c.width for i, c in enumerate(ANSWERS.columns, start=1)}
    return SheetContent(ANSWERS.name, tables=[block], widths=widths, freeze="A2")


# --- Summary -------------------------------------------------------------------------------


def follow_up_summary(
    register: Register, type_id: str, year: int, answers: Sequence[Answer] | None = None
) -> tuple[list[str], tuple[str, list[str], list[list[object]]]]:
    """Who has answered the questionnaire of a follow-up, who has not, and the answers to look at.

    Returns Swedish lines and a (title, header, rows) table for the terminal.
    """
    answers = register.answers if answers is None else answers
    mine = [a for a in answers if a.type_id == type_id and a.year == year]
    answered = {a.provider_id for a in mine}
    due = due_providers(register, type_id, year)
    due_ids = {p.id for p in due}
    questions = {q.id: q for q in register.questions}
    ftype = register.type(type_id)
    title = f"Enkät {ftype.name if ftype else type_id} ({type_id}) {year}"
    lines = [f"{title}: {len(answered & due_ids)} av {len(due)} utförare har svarat."]
    waiting = [p for p in due if p.id not in answered]
    if waiting:
        lines.append("  Har inte svarat: " + ", ".join(f"{p.id} {p.name}" for p in waiting))
    flagged = [a for a in mine if a.deviates]
    if flagged:
        lines.append(f"  Svar att titta på ({len(flagged)}):")
        for a in sorted(flagged, key=lambda a: (a.provider_id, a.question_id)):
            q = questions.get(a.question_id)
            req = f' (krav "{q.requirement}")' if q and q.requirement else ""
            lines.append(f'    {a.provider_id} {a.question_id}: "{a.value}"{req}')
    rows: list[list[object]] = []
    for p in due:
        pa = [a for a in mine if a.provider_id == p.id]
        rows.append([p.id, p.name, "Ja" if pa else "Nej", sum(a.deviates for a in pa)])
    return lines, (title, ["UtförarID", "Utförare", "Svarat", "Avvikande svar"], rows)


def _row_year(row: ScheduleRow) -> int | None:
    try:
        return row.year
    except ValueError:
        return None


__all__ = [
    "default_questions",
    "due_providers",
    "applicable_questions",
    "group_by_theme",
    "evaluate",
    "survey_in",
    "follow_up_summary",
    "questionnaire_filename",
    "new_survey_key",
]
