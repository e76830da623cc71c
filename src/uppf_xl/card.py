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

Example:
    >>> outcome, pdf_missing = write_card(register, "U004", Path("U004.docx"), date(2025, 11, 22), [])  # doctest: +SKIP
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from uppf_xl import findings as fnd
from uppf_xl import guard, insyn, kolada, statuses
from uppf_xl.contract import FINDINGS, INFO_REQUESTS, MONTHLY, PROVIDERS, default_cell
from uppf_xl.errors import ExternalProgramMissing, FileAccessError
from uppf_xl.letters import safe_name_part
from uppf_xl.model import Provider, Register
from uppf_xl.outcome import Outcome
from uppf_xl.workbook.content import Value

LANG = "sv-SE"
FONT = "Calibri"
DARK = RGBColor(0x1F, 0x2A, 0x44)
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


def sections(register: Register, provider: Provider, today: date,
             monthly: Sequence[tuple[int, dict[str, Value]]] = ()) -> tuple[list[tuple[str, str, list[str], Rows]], int]:
    """The card's content as (heading, intro, header, rows) in order, and how many personnummer were masked."""
    safe = _Masker()
    s = register.settings
    pid = provider.id

    def p(header: str, text: str) -> str:
        return safe(PROVIDERS.name, default_cell(PROVIDERS.name, provider.row, header) if provider.row else "", text)

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
        [r.period, f"{r.type_name} ({r.type_id})", _d(r.due), _d(r.visit_date), _d(r.notified), _d(r.done), r.status,
         safe("Årshjul", "", r.reason)]
        for r in rows
    ]

    found = sorted((f for f in register.findings if f.provider_id == pid and f.confirmed), key=lambda f: (f.day, f.id))
    finding_rows: Rows = []
    for f in found:
        text = safe(FINDINGS.name, default_cell(FINDINGS.name, f.row, "Beskrivning") if f.row else "", f.description or f.summary)
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
        [q.id, _d(q.day), safe(INFO_REQUESTS.name, default_cell(INFO_REQUESTS.name, q.row, "Vad som begärs") if q.row else "", q.what),
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


def _styles(doc) -> None:  # type: ignore[no-untyped-def]
    styles = doc.styles
    rpr_default = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault"))
    for holder in (rpr_default, styles["Normal"].element):
        rpr = holder.find(qn("w:rPr"))
        if rpr is None:
            rpr = OxmlElement("w:rPr")
            holder.append(rpr)
        lang = rpr.find(qn("w:lang"))
        if lang is None:
            lang = OxmlElement("w:lang")
            rpr.append(lang)
        lang.set(qn("w:val"), LANG)
    normal = styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(9.5)
    normal.paragraph_format.space_after = Pt(3)
    for name, size in (("Title", 18), ("Heading 1", 13)):
        st = styles[name]
        st.font.name, st.font.size, st.font.bold, st.font.color.rgb = FONT, Pt(size), True, DARK
        st.paragraph_format.keep_with_next = True


def _repeat_header(row) -> None:  # type: ignore[no-untyped-def]
    trpr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    trpr.append(el)


def build_document(register: Register, provider: Provider, today: date,
                   monthly: Sequence[tuple[int, dict[str, Value]]] = ()) -> tuple[DocxDocument, int]:
    """The card as a python-docx Document (not saved)."""
    doc = Document()
    _styles(doc)
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    section.left_margin = section.right_margin = Cm(1.8)
    section.top_margin = section.bottom_margin = Cm(1.5)
    footer = section.footer.paragraphs[0]
    footer.text = f"Utförarkort {provider.id} · internt arbetsmaterial · {register.settings.kommun} · {today.isoformat()}"
    doc.add_paragraph(f"Utförarkort: {provider.name} ({provider.id})", style="Title")
    doc.add_paragraph(
        f"{register.settings.forvaltning or register.settings.kommun}. Internt arbetsmaterial inför besök eller "
        f"ärende, framtaget {today.isoformat()} ur uppföljningsregistret. Innehåller interna uppgifter; lämnas inte ut "
        "utan sekretessprövning."
    )
    content, masked = sections(register, provider, today, monthly)
    for heading, intro, header, rows in content:
        doc.add_heading(heading, level=1)
        if intro:
            doc.add_paragraph(intro)
        if not rows:
            doc.add_paragraph("Inga uppgifter.")
            continue
        table = doc.add_table(rows=1, cols=len(header))
        table.style = doc.styles["Table Grid"]
        for cell, text in zip(table.rows[0].cells, header):
            cell.text = ""
            cell.paragraphs[0].add_run(text).bold = True
        _repeat_header(table.rows[0])
        for values in rows:
            cells = table.add_row().cells
            for cell, text in zip(cells, values):
                cell.text = text
    props = doc.core_properties
    props.title = f"Utförarkort {provider.id}"
    props.language, props.author = LANG, "uppf-xl"
    props.subject = f"{provider.name}, {provider.area}"
    return doc, masked


def write_card(register: Register, provider_id: str, out: Path, today: date,
               monthly: Sequence[tuple[int, dict[str, Value]]] = (), pdf: bool = False
               ) -> tuple[Outcome, ExternalProgramMissing | None]:
    """Write the card to `out` (.docx) and, with `pdf`, a PDF/A beside it."""
    provider = register.provider(provider_id)
    assert provider is not None
    doc, masked = build_document(register, provider, today, monthly)
    if out.suffix.lower() != ".docx":
        out = out.with_suffix(".docx")
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        doc.save(str(out))
    except OSError as exc:
        raise FileAccessError(f"{out.name} kan inte skrivas ({exc.strerror or exc}); är filen öppen i Word?") from exc
    outcome = Outcome("card", lines=[f"Utförarkort för {provider.id} {provider.name}: {out}"], files=[out])
    if masked:
        outcome.lines.append(f"{masked} personnummer i texterna är maskerade i kortet; rätta dem i arbetsboken.")
    missing: ExternalProgramMissing | None = None
    if pdf:
        from uppf_xl.pdf import convert_to_pdf

        try:
            pdfs = convert_to_pdf([out], out.parent, pdfa=True, tagged=True)
            outcome.files.extend(pdfs)
            outcome.lines.append(f"PDF/A: {pdfs[0]}")
        except ExternalProgramMissing as exc:
            missing = exc
    return outcome, missing
