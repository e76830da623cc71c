"""The provider card (utförarkort): one provider's whole record in one internal Word document.

For the administrator preparing a visit or a case for the nämnd: the register data and
contract dates, the risk proposal and its reasons, every follow-up over the years, the
findings with their action-plan history, the letters sent (the dates the workbook
records), the information requests, events as counts by type and year, questionnaire
answers that deviate from the requirement, the monthly-check figures (sheet
Månadsuppföljning, when there is one) and the Kolada indicators beside the municipality's
and the country's values.

The card is internal, so it names the verksamhetschef and quotes the internal
Beskrivning of findings; but personnummer and samordningsnummer never appear: every text
passes the personal-data guard, which masks them (19XXXXXX-XXXX). Event descriptions are
left out (only counts), since they often describe individuals.

This module selects and composes the card's sections; `uppf_xl.documents.card` writes the
Word document (and its PDF/A).

Example:
    >>> content, masked = sections(register, register.provider("U004"), date(2025, 11, 22))  # doctest: +SKIP
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime

from uppf_xl import findings as fnd
from uppf_xl import archive, guard, insyn, kolada, statuses
from uppf_xl.contract import FINDINGS, INFO_REQUESTS, MONTHLY, PROVIDERS, CellLocator, default_cell
from uppf_xl.letters import safe_name_part
from uppf_xl.model import Provider, Register
from uppf_xl.workbook.content import Value

MONTHLY_COLUMNS = ["Månad", "Besök", "Utförd tid (h)", "Beviljad tid (h)", "Andel utförd av beviljad",
                   "Andel manuellt registrerade", "Andel efterregistrerade", "Personalkontinuitet", "Avvikelser"]
SHARES = {"Andel utförd av beviljad", "Andel manuellt registrerade", "Andel efterregistrerade"}

Rows = list[list[str]]


def filename(provider_id: str, today: date) -> str:
    return f"{today.isoformat()}_{safe_name_part(provider_id)}_Utforarkort.docx"


def _d(day: date | datetime | None) -> str:
    if day is None:
        return ""
    return day.strftime("%Y-%m-%d")


def _num(x: object) -> str:
    if x is None or x == "":
        return ""
    if isinstance(x, float):
        return f"{x:.1f}".replace(".", ",") if not x.is_integer() else str(int(x))
    return str(x)


class _Masker:
    """Every text of the card through the guard: personnummer masked, counted for the summary."""

    def __init__(self) -> None:
        self.hits = 0

    def __call__(self, sheet: str, cell: str, text: str) -> str:
        if not text:
            return ""
        hits = guard.scan([guard.GuardItem(sheet, cell, text)], [])
        self.hits += len(hits)
        return guard.mask(text, hits) if hits else text


def sections(register: Register, provider: Provider, today: date, monthly: Sequence[tuple[int, dict[str, Value]]] = (),
             locate: CellLocator = default_cell) -> tuple[list[tuple[str, str, list[str], Rows]], int]:
    """The card's content as (heading, intro, header, rows) in order, and how many personnummer were masked."""
    safe = _Masker()
    s = register.settings
    pid = provider.id

    def p(header: str, text: str) -> str:
        return safe(PROVIDERS.name, locate(PROVIDERS.name, provider.row, header) if provider.row else "", text)

    facts: Rows = [[k, v] for k, v in [
        ("UtförarID", provider.id), ("Namn", p("Namn", provider.name)), ("Organisationsnummer", provider.orgnr),
        ("Regi", provider.regi.value), ("Avtalsform", provider.avtalsform.value), ("Verksamhetsområde", provider.area),
        ("Nämnd", provider.namnd), ("Verksamhetschef", p("Verksamhetschef", provider.chef)), ("E-post", provider.email),
        ("Telefon", p("Telefon", provider.phone)),
        ("Adress", p("Adress", ", ".join(x for x in (provider.address, " ".join(y for y in (provider.postcode, provider.city) if y)) if x))),
        ("Startdatum", _d(provider.start)), ("Slutdatum", _d(provider.end)), ("Avtal till", _d(provider.contract_end)),
        ("Förlängning beslut senast", _d(provider.extension_decision)), ("IVO-tillstånd", provider.ivo_permit),
        ("Antal brukare", _num(provider.clients)), ("Ansvarig", provider.responsible), ("Kolada-ID", provider.kolada_id),
        ("Kommentar", p("Kommentar", provider.comment)),
    ] if v]
    risk: Rows = [["Risknivå", provider.risk.value], ["Föreslagen risknivå", provider.proposed_risk or "(inte beräknad)"]]
    if provider.risk_reasons:
        risk.append(["Riskskäl", p("Riskskäl", provider.risk_reasons)])

    rows = sorted((r for r in register.schedule if r.provider_id == pid), key=lambda r: (r.period, r.type_id))
    follow_ups: Rows = [
        [f"före {a.before}", f"{ftype.name if (ftype := register.type(a.type_id)) else a.type_id} ({a.type_id})", "", "", "",
         _d(a.last_done), "Arkiverad", f"{a.rows} {'rad' if a.rows == 1 else 'rader'} i arkivet; genomförda per år: {archive.format_counts(a.done_by_year)}"]
        for a in register.archived if a.provider_id == pid
    ]  # the years moved to the archive workbook (uppf_xl.archive), one line per type
    follow_ups += [
        [r.period, f"{r.type_name} ({r.type_id})", _d(r.due), _d(r.visit_date), _d(r.notified), _d(r.done), r.status,
         safe("Årshjul", "", r.reason)]
        for r in rows
    ]

    found = sorted((f for f in register.findings if f.provider_id == pid and f.confirmed), key=lambda f: (f.day, f.id))
    finding_rows: Rows = []
    for f in found:
        text = safe(FINDINGS.name, locate(FINDINGS.name, f.row, "Beskrivning") if f.row else "", f.description or f.summary)
        history = "; ".join(x for x in (
            f"begärd {_d(f.requested)}" if f.requested else "",
            f"svar senast {_d(fnd.deadline(f, s))}" if f.requested else "",
            f"påmind {_d(f.reminder_sent)}" if f.reminder_sent else "",
            f"inkommen {_d(f.received)}" if f.received else "",
            f"godkänd {_d(f.approved)}" if f.approved else "",
            f"verifierad {_d(f.verified)}" if f.verified else "",
            f"rapporterad {_d(f.reported)}" if f.reported else "",
        ) if x)
        finding_rows.append([f.id, _d(f.day), f.category.value, f.area, text, history or "–",
                             statuses.of(register, today).finding(f).value])

    letters: list[tuple[date, str, str]] = []
    for r in rows:
        if r.notified:
            letters.append((r.notified, "Kallelse", f"{r.type_name} ({r.period})"))
    for f in found:
        if f.request_sent:
            letters.append((f.request_sent, "Begäran om åtgärdsplan" if fnd.flow(f) is fnd.Flow.PLAN else "Begäran om förtydligande", f.id))
        if f.reminder_sent:
            letters.append((f.reminder_sent, "Påminnelse", f.id))
    requests = sorted((q for q in register.info_requests if q.provider_id == pid), key=lambda q: (q.day, q.id))
    for q in requests:
        if q.sent:
            letters.append((q.sent, "Begäran om information", q.id))
        if q.reminder_sent:
            letters.append((q.reminder_sent, "Påminnelse om information", q.id))
    letter_rows: Rows = [[_d(d), kind, ref] for d, kind, ref in sorted(letters)]

    request_rows: Rows = [
        [q.id, _d(q.day), safe(INFO_REQUESTS.name, locate(INFO_REQUESTS.name, q.row, "Vad som begärs") if q.row else "", q.what),
         _d(insyn.deadline(q, s)), _d(q.sent), _d(q.received) or "–"]
        for q in requests
    ]

    counts = Counter((e.type.value, e.day.year) for e in register.events if e.provider_id == pid)
    years = sorted({y for _, y in counts})
    types = sorted({t for t, _ in counts})
    event_rows: Rows = [[t, *[str(counts.get((t, y), 0)) for y in years], str(sum(counts.get((t, y), 0) for y in years))] for t in types]
    serious = sum(1 for e in register.events if e.provider_id == pid and e.serious)

    questions = {q.id: q for q in register.questions}
    answer_rows: Rows = [
        [str(a.year), a.type_id, a.question_id, safe("Frågor", "", questions[a.question_id].text) if a.question_id in questions else "",
         safe("Svar", "", a.value), questions[a.question_id].requirement if a.question_id in questions else ""]
        for a in sorted(register.answers, key=lambda a: (a.year, a.type_id, a.question_id))
        if a.provider_id == pid and a.deviates
    ]

    month_rows: Rows = []
    for excel_row, values in monthly:
        if str(values.get("UtförarID") or "") != pid:
            continue
        line = []
        for h in MONTHLY_COLUMNS:
            v = values.get(h)
            if h in SHARES and isinstance(v, (int, float)) and not isinstance(v, bool):
                line.append(f"{v * 100:.0f} %" if v <= 1 else f"{v:.0f} %")
            elif h == "Avvikelser":
                line.append(safe(MONTHLY.name, "", str(v or "")))
            else:
                line.append(_d(v) if isinstance(v, (date, datetime)) else _num(v))
        month_rows.append(line)
    month_rows.sort(key=lambda r: r[0])

    kpi_rows: Rows = [
        [v.kpi, kolada.kpi_label(v), str(v.year), v.gender, _num(v.value), _num(v.municipality), _num(v.country)]
        for v in sorted(register.kpis, key=lambda v: (v.kpi, v.year, v.gender))
        if v.provider_id == pid
    ]

    out: list[tuple[str, str, list[str], Rows]] = [
        ("Register och avtal", "", ["Uppgift", "Värde"], facts),
        ("Risk", "Föreslagen risknivå och skäl räknas fram av verktyget; Risknivå är den som gäller.", ["Uppgift", "Värde"], risk),
        ("Uppföljningar", "Alla rader i Årshjul för utföraren, alla år.",
         ["Period", "Uppföljning", "Senast", "Datum", "Kallelse skickad", "Genomförd", "Status", "Orsak"], follow_ups),
        ("Iakttagelser och åtgärdsplaner", "Beskrivningen är intern; personnummer är maskerade.",
         ["ID", "Datum", "Kategori", "Område", "Beskrivning", "Åtgärdsplan", "Status"], finding_rows),
        ("Skickade brev", "Enligt datumen i arbetsboken (Kallelse skickad, Begäran skickad, Påminnelse skickad, Skickad).",
         ["Datum", "Brev", "Avser"], letter_rows),
        ("Informationsbegäranden", "", ["BegäranID", "Datum", "Vad som begärs", "Svar senast", "Skickad", "Inkommen"], request_rows),
        ("Händelser", f"Antal per typ och år; {serious} markerade som allvarliga. Beskrivningarna finns i bladet Händelser.",
         ["Typ", *[str(y) for y in years], "Totalt"], event_rows),
        ("Avvikande enkätsvar", "Svar som inte uppfyller kravet i frågebanken.",
         ["År", "TypID", "FrågeID", "Fråga", "Svar", "Krav"], answer_rows),
        ("Månadsuppföljning", "Ur bladet Månadsuppföljning.", MONTHLY_COLUMNS, month_rows),
        ("Nyckeltal från Kolada", "Enhetens värde bredvid kommunens och rikets (Kön: T totalt, K kvinnor, M män).",
         ["KPI", "Nyckeltal", "År", "Kön", "Värde", "Kommunen", "Riket"], kpi_rows),
    ]
    return out, safe.hits
