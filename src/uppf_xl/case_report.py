"""The case report (`report --case IAKTTAGELSEID`): a tjänsteskrivelse to the nämnd about one
serious deficiency that the provider has not remedied, "med förslag till vidare hantering i
det enskilda fallet".

It names the provider, quotes the finding's public summary (Sammanfattning för nämnd, never
Beskrivning), lays out the chain of dates in order (found, the förvaltningschef told, plan
requested and the request sent, the deadline, reminders, an extended deadline, plan received,
approved or not, follow-ups of the provider since the finding, reported to the nämnd), counts
the provider's other open findings and its events of the last twelve months (events about
individuals below Minsta redovisade antal as "<3"), and ends with Förslag till beslut: the
template's alternatives (a new deadline, vite under the contract, ending the contract; for
egen regi a commission to the förvaltningschef instead) for the administrator to choose from.

Refused (UsageError, nothing written): an unknown IakttagelseID, a finding that is not an
Allvarlig brist, one already remedied (Åtgärd verifierad), an unconfirmed proposal. A finding
without Sammanfattning för nämnd is a content error (exit 1). The guard runs over every text
as for the nämnd report; with `pdf` the .docx is converted to tagged PDF/A.

This module builds the case and the template's context; `uppf_xl.documents.case` renders
and writes it.

Example:
    >>> case = build_case(register, "I-2025-013", date(2025, 11, 22))   # doctest: +SKIP
    >>> [c.event for c in case.chain][:2]                               # doctest: +SKIP
    ['Bristen konstaterades', 'Åtgärdsplan begärdes']
"""

from __future__ import annotations

import difflib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from uppf_xl import findings as workflow
from uppf_xl import archive, guard, statuses
from uppf_xl.contract import FINDINGS, PROVIDERS, CellLocator, default_cell
from uppf_xl.dates import next_working_day, swedish_month
from uppf_xl.effect import deadline_in_force
from uppf_xl.errors import ERROR, ExternalProgramMissing, Problem, UsageError, WorkbookInvalid
from uppf_xl.model import Finding, Register
from uppf_xl.vocab import Category, Regi

TEMPLATE = "arenderapport.docx"
SUMMARY = "Sammanfattning för nämnd"
EVENT_MONTHS = 12
CATEGORY_WORDS = {
    Category.AVVIKELSE: ("avvikelse", "avvikelser"),
    Category.ALLVARLIG: ("allvarlig brist", "allvarliga brister"),
    Category.FORBATTRING: ("förbättringsområde", "förbättringsområden"),
    Category.FORTYDLIGANDE: ("begäran om förtydligande", "begäranden om förtydligande"),
}


@dataclass(frozen=True)
class ChainItem:
    day: date
    event: str
    note: str = ""


@dataclass
class CaseReport:
    """Everything the case report shows, as plain values."""

    finding: Finding
    namnd: str
    provider: str
    provider_id: str
    regi: str
    avtalsform: str
    area: str
    theme: str
    summary: str
    chain: list[ChainItem]
    state: str  # where the case stands today, one sentence
    other_open: str
    events: str
    new_deadline: date
    today: date
    texts: list[guard.GuardItem] = field(default_factory=list)

    @property
    def title(self) -> str:
        return f"Allvarlig brist hos {self.provider} – förslag till vidare hantering"


@dataclass
class CaseResult:
    case: CaseReport
    docx: Path
    files: list[Path]
    lines: list[str]
    pdf_error: ExternalProgramMissing | None = None


def build_case(register: Register, finding_id: str, today: date, *, locate: CellLocator = default_cell) -> CaseReport:
    """The case report's content for finding `finding_id`; refuses what is not a case (see module)."""
    f = _finding(register, finding_id)
    provider = register.provider(f.provider_id)
    if provider is None:
        raise UsageError(f'{f.id}: UtförarID "{f.provider_id}" finns inte i Utförare')
    cell = _cell(locate)
    if not f.summary.strip():
        where = cell(FINDINGS.name, f.row, SUMMARY) if f.row else ""
        raise WorkbookInvalid([Problem(ERROR, FINDINGS.name, where,
                                       f"{SUMMARY} saknas för {f.id}; ärenderapporten citerar bara den "
                                       "(skriv en sammanfattning utan personuppgifter)")])  # fmt: skip
    s = register.settings
    texts = [guard.GuardItem(FINDINGS.name, cell(FINDINGS.name, f.row, SUMMARY) if f.row else "", f.summary.strip())]
    if f.area.strip():
        texts.append(guard.GuardItem(FINDINGS.name, cell(FINDINGS.name, f.row, "Område") if f.row else "", f.area.strip()))
    name_item = guard.GuardItem(PROVIDERS.name, cell(PROVIDERS.name, provider.row, "Namn") if provider.row else "", provider.name)
    return CaseReport(
        finding=f,
        namnd=provider.namnd,
        provider=provider.name,
        provider_id=provider.id,
        regi=provider.regi.value,
        avtalsform=provider.avtalsform.value,
        area=provider.area,
        theme=f.area.strip() or "Ej angivet",
        summary=f.summary.strip(),
        chain=chain_of_dates(register, f, today),
        state=_state(f, register, today),
        other_open=_other_open(register, f, today),
        events=_events(register, f.provider_id, today),
        new_deadline=next_working_day(today + timedelta(days=s.svarstid_atgardsplan)),
        today=today,
        texts=[*texts, name_item],
    )


def chain_of_dates(register: Register, f: Finding, today: date) -> list[ChainItem]:
    """The case's dates in order; a date after `today` is kept only for planned steps."""
    s = register.settings
    items: list[ChainItem] = []

    def add(day: date | None, event: str, note: str = "") -> None:
        if day is not None:
            items.append(ChainItem(day, event, note))

    origin = ""
    if f.key:
        row = next((r for r in register.schedule if r.key == f.key), None)
        if row is not None:
            origin = f"vid {(row.type_name or row.type_id).lower()}"
    add(f.day, "Bristen konstaterades", origin)
    add(f.notified_chief, "Förvaltningschefen underrättades")
    add(f.requested, "Åtgärdsplan begärdes")
    add(f.request_sent, "Begäran skickades till utföraren")
    first_deadline = f.deadline or (
        next_working_day(f.requested + timedelta(days=s.svarstid_atgardsplan)) if f.requested else None
    )
    add(first_deadline, "Sista dag för åtgärdsplan")
    add(f.reminder_sent, "Påminnelse skickades")
    add(f.new_deadline, "Ny svarstid (förlängd)")
    due = deadline_in_force(f, register)
    if f.received is not None:
        late = (f.received - due).days if due is not None and f.received > due else 0
        add(f.received, "Åtgärdsplan inkom", f"{late} dagar efter svarstiden" if late else "inom svarstiden")
    add(f.approved, "Åtgärdsplanen godkändes")
    history = [*register.schedule, *archive.stand_ins(register)]  # archived years: their latest visit per type
    for r in sorted(history, key=lambda r: (r.done or date.max, r.key)):
        if r.provider_id != f.provider_id or r.key == f.key:
            continue
        ftype = register.type(r.type_id)
        name = (ftype.name if ftype else "") or r.type_name or r.type_id
        if ftype is not None and not ftype.visit and r.key != f.verify_at:
            continue  # documents and data checks verify nothing on site
        if r.done is not None and f.day < r.done <= today:
            add(r.done, "Uppföljningsbesök genomfört", name)
        elif r.key == f.verify_at and r.done is None and r.visit_date is not None:
            add(r.visit_date, "Planerad uppföljning för att verifiera åtgärderna", name)
    add(f.reported, "Rapporterad till nämnden")
    order = {e: i for i, e in enumerate(_ORDER)}
    return sorted(items, key=lambda c: (c.day, order.get(c.event, len(order))))


_ORDER = (
    "Bristen konstaterades", "Förvaltningschefen underrättades", "Åtgärdsplan begärdes",
    "Begäran skickades till utföraren", "Påminnelse skickades", "Sista dag för åtgärdsplan", "Ny svarstid (förlängd)",
    "Åtgärdsplan inkom", "Åtgärdsplanen godkändes", "Uppföljningsbesök genomfört",
)  # fmt: skip


def _finding(register: Register, finding_id: str) -> Finding:
    wanted = finding_id.strip()
    found = next((f for f in register.findings if f.id == wanted), None)
    if found is None:
        found = next((f for f in register.findings if f.id.casefold() == wanted.casefold()), None)
    if found is None:
        close = difflib.get_close_matches(wanted, [f.id for f in register.findings], n=1)
        hint = f'; menade du "{close[0]}"?' if close else ""
        raise UsageError(f'IakttagelseID "{wanted}" finns inte i Iakttagelser{hint}')
    if not found.confirmed:
        raise UsageError(f"{found.id} är ett förslag som inte är bekräftat (Bekräftad Nej); "
                         "bekräfta iakttagelsen innan en ärenderapport skrivs")  # fmt: skip
    if found.category is not Category.ALLVARLIG:
        raise UsageError(f"{found.id} har kategorin {found.category.value}; en ärenderapport skrivs bara om en "
                         "allvarlig brist som inte är åtgärdad")  # fmt: skip
    if found.verified is not None:
        raise UsageError(f"{found.id} är redan åtgärdad (Åtgärd verifierad {found.verified.isoformat()}); "
                         "ingen ärenderapport behövs")  # fmt: skip
    return found


def _cell(locate: CellLocator) -> CellLocator:
    def cell(sheet: str, row: int, header: str) -> str:
        try:
            return locate(sheet, row, header)
        except (KeyError, ValueError):
            return default_cell(sheet, row, header)

    return cell


def _state(f: Finding, register: Register, today: date) -> str:
    due = deadline_in_force(f, register)
    if f.requested is None:
        return f"Ingen åtgärdsplan har begärts per {today.isoformat()}."
    if f.approved is not None:
        return (f"Åtgärdsplanen godkändes {f.approved.isoformat()}, men åtgärderna är inte verifierade "
                f"per {today.isoformat()}.")  # fmt: skip
    if f.received is not None:
        return f"Åtgärdsplanen inkom {f.received.isoformat()} och är inte godkänd per {today.isoformat()}."
    if due is not None and today > due:
        return (f"Ingen åtgärdsplan har kommit in; svarstiden gick ut {due.isoformat()}, "
                f"{(today - due).days} dagar före {today.isoformat()}.")  # fmt: skip
    return f"Åtgärdsplanen har inte kommit in; svarstiden går ut {due.isoformat() if due else '–'}."


def _other_open(register: Register, f: Finding, today: date) -> str:
    counts: Counter[Category] = Counter(
        g.category
        for g in register.findings
        if g.provider_id == f.provider_id and g.id != f.id and g.confirmed and g.category in CATEGORY_WORDS
        and statuses.of(register, today).finding(g) not in workflow.CLOSED
    )  # fmt: skip
    if not counts:
        return "Utföraren har inga andra öppna iakttagelser."
    parts = [f"{n} {CATEGORY_WORDS[c][0 if n == 1 else 1]}" for c, n in counts.items()]
    return f"Utföraren har {sum(counts.values())} andra öppna iakttagelser: {', '.join(parts)}."


def _events(register: Register, provider_id: str, today: date) -> str:
    since = date(today.year - 1, today.month, min(today.day, 28))
    mine = [e for e in register.events if e.provider_id == provider_id and since < e.day <= today]
    minimum = register.settings.minsta_redovisade_antal
    total, serious = guard.suppress(len(mine), minimum), guard.suppress(sum(e.serious for e in mine), minimum)
    return (f"Händelser hos utföraren de senaste {EVENT_MONTHS} månaderna: {total}, varav allvarliga {serious} "
            f"(antal under {minimum} redovisas som <{minimum}).")  # fmt: skip


def context(case: CaseReport, register: Register) -> dict[str, Any]:
    """The template's fields; every value is plain text, lists and dicts."""
    s = register.settings
    f = case.finding
    return {
        "title": case.title,
        "namnd": case.namnd,
        "kommun": s.kommun,
        "forvaltning": s.forvaltning,
        "handlaggare": s.avsandare,
        "titel": s.titel,
        "telefon": s.telefon,
        "epost": s.epost,
        "dnr": s.diarienummer,
        "datum": case.today.isoformat(),
        "forvaltningschef": s.forvaltningschef,
        "provider": case.provider,
        "provider_id": case.provider_id,
        "regi": case.regi,
        "avtalsform": case.avtalsform,
        "area": case.area,
        "finding_id": f.id,
        "found": _long(f.day),
        "theme": case.theme,
        "summary": case.summary,
        "chain": {"title": "Händelseförlopp", "header": ["Datum", "Händelse", "Anmärkning"],
                  "rows": [[c.day.isoformat(), c.event, c.note] for c in case.chain]},
        "state": case.state,
        "other_open": case.other_open,
        "events": case.events,
        "egen_regi": case.regi == Regi.EGEN.value,
        "avtal": "överenskommelsen" if case.avtalsform == "IOP" else "avtalet",
        "ny_frist": _long(case.new_deadline),
    }


def _long(d: date) -> str:
    return f"{d.day} {swedish_month(d.month)} {d.year}"


def case_file_name(case: CaseReport) -> str:
    """`Ärenderapport_U013_I-2025-013.docx`: IDs only, never a name."""
    from uppf_xl.letters import safe_name_part

    return f"Ärenderapport_{safe_name_part(case.provider_id)}_{safe_name_part(case.finding.id)}.docx"
