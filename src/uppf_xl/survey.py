"""The yearly provider questionnaire: who gets it, which questions, reading answers back.

`build_spec` composes the questionnaire of one provider due for a follow-up type in a year
(`uppf_xl.documents.survey_out` writes one per provider); `uppf_xl.survey_returns` checks
returned questionnaires, gives the new content of the Svar sheet and proposes findings where
an answer breaks its requirement (Krav). The files themselves are written and read by
`uppf_xl.workbook.questionnaire`; everything here is plain Python.

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
from dataclasses import dataclass
from datetime import date, timedelta
from collections.abc import Sequence

from uppf_xl.dates import previous_working_day
from uppf_xl.model import Answer, Provider, Question, Register, ScheduleRow
from uppf_xl.vocab import ALLA, AnswerType, RowStatus
from uppf_xl.workbook.content import Value

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
    "follow_up_summary",
    "questionnaire_filename",
    "new_survey_key",
]
