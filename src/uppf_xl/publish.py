"""The public comparison of providers (`uppf-xl publish`): static web pages and PDF/A per area.

Residents who choose their hemtjänst or boende (valfrihetssystem, LOV) must be able to
compare the providers. For every service area where residents choose (an area with an
active LOV provider), `publish` writes one HTML page, and an index page, that need no
scripts, and the same content as a tagged PDF/A-2b. For each provider active on the day:
name, regi and contact (the provider's own e-mail, phone and address, never the
verksamhetschef's name), the latest follow-up (type and month), its outcome in plain
words, findings by category (counts under Minsta redovisade antal shown as "<3"), good
examples from the public summaries (Sammanfattning för nämnd; never the internal
Beskrivning), and the Kolada indicators beside the municipality's value.

Outcome in plain words, from the findings of the latest follow-up (those whose Nyckel is
its Årshjul row, or without a Nyckel dated on or after it):
- "inga avvikelser": no Avvikelse, Allvarlig brist or Förbättringsområde;
- "åtgärdsplan begärd, åtgärdad": every such finding's plan approved or verified;
- "åtgärdsplan begärd, pågår": a plan requested and not yet approved;
- "uppföljning pågår": findings not yet sent for a plan, or a follow-up underway with
  none done before;
- "ingen uppföljning ännu": nothing done and nothing underway.

Every text passes the personal-data guard (personnummer, verksamhetschefers namn): a hit
stops the run before any file is written (exit code 1). The pages meet WCAG 2.1 AA:
lang="sv", headings in order, tables with caption and header cells, a skip link, text that
reflows at 200 % and 320 px, meaning never by colour alone. The HTML comes from the
templates jamforelse.html and jamforelse_index.html (Mallmapp wins, as for letters); the
PDF goes through a Word document with real headings and table header rows, converted by
LibreOffice with tags (the same route as the nämnd report).

Example:
    >>> outcome, pdf_missing = publish(register, Path("Jämförelse"), date(2025, 11, 22))  # doctest: +SKIP
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from uppf_xl import findings as fnd
from uppf_xl import guard, kolada
from uppf_xl.contract import FINDINGS, KPIS, PROVIDERS, default_cell
from uppf_xl.dates import swedish_long_date, swedish_month
from uppf_xl.errors import ExternalProgramMissing, FileAccessError
from uppf_xl.model import Finding, Provider, Register, ScheduleRow
from uppf_xl.outcome import Outcome
from uppf_xl.render import template_path
from uppf_xl.vocab import Avtalsform, Category, Interval

PAGE_TEMPLATE = "jamforelse.html"
INDEX_TEMPLATE = "jamforelse_index.html"
COUNTED = (Category.AVVIKELSE, Category.ALLVARLIG, Category.FORBATTRING, Category.GOTT_EXEMPEL)
DEVIATIONS = {Category.AVVIKELSE, Category.ALLVARLIG, Category.FORBATTRING}
NO_FINDINGS = "inga avvikelser"
RESOLVED = "åtgärdsplan begärd, åtgärdad"
PLAN_OPEN = "åtgärdsplan begärd, pågår"
ONGOING = "uppföljning pågår"
NOTHING_YET = "ingen uppföljning ännu"
YEARS_COUNTED = 2  # findings of this year and the year before


@dataclass
class PublicProvider:
    id: str
    name: str
    regi: str
    email: str
    phone: str
    address: str
    latest: str  # "Kvalitetsuppföljning, oktober 2025" or ""
    outcome: str
    counts: list[str]  # per COUNTED category, suppressed
    good_examples: list[str]
    kpis: dict[str, str] = field(default_factory=dict)  # kpi -> shown value


@dataclass
class PublicKpi:
    kpi: str
    title: str
    year: int
    municipality: str


@dataclass
class AreaPage:
    area: str
    slug: str
    providers: list[PublicProvider]
    kpis: list[PublicKpi]

    @property
    def html_name(self) -> str:
        return f"{self.slug}.html"

    @property
    def pdf_name(self) -> str:
        return f"{self.slug}.pdf"


def slug(text: str) -> str:
    """'Särskilt boende för äldre' -> 'sarskilt-boende-for-aldre'."""
    table = str.maketrans("åäöéüÅÄÖÉÜ", "aaoeuAAOEU")
    return re.sub(r"[^a-z0-9]+", "-", text.translate(table).lower()).strip("-") or "omrade"


def choice_areas(register: Register, today: date) -> list[str]:
    """Service areas where residents choose: those with an active LOV provider."""
    return sorted({p.area for p in register.providers if p.avtalsform is Avtalsform.LOV and p.active_on(today)})


def _counted_row(row: ScheduleRow, register: Register) -> bool:
    ftype = register.type(row.type_id)
    return ftype is None or ftype.interval not in (Interval.MONTH, Interval.ON_DEMAND)


def latest_follow_up(register: Register, provider: Provider) -> ScheduleRow | None:
    done = [r for r in register.schedule if r.provider_id == provider.id and r.done is not None and _counted_row(r, register)]
    return max(done, key=lambda r: (r.done, r.key)) if done else None


def outcome_words(register: Register, provider: Provider, latest: ScheduleRow | None, today: date) -> str:
    """The outcome of the latest follow-up in plain words (see the module docstring)."""
    if latest is None or latest.done is None:
        underway = any(r.provider_id == provider.id and r.done is None and r.notified is not None
                       for r in register.schedule)
        return ONGOING if underway else NOTHING_YET
    done = latest.done
    found = [f for f in register.findings if f.provider_id == provider.id and f.confirmed and f.category in DEVIATIONS
             and (f.key == latest.key or (not f.key and f.day >= done))]
    if not found:
        return NO_FINDINGS
    if all(f.approved is not None or f.verified is not None for f in found):
        return RESOLVED
    if all(f.requested is not None for f in found):
        return PLAN_OPEN
    return ONGOING


def _counts(findings: list[Finding], minimum: int) -> list[str]:
    return [guard.suppress(sum(1 for f in findings if f.category is c), minimum) for c in COUNTED]


def build_pages(register: Register, today: date) -> list[AreaPage]:
    """The public content per area, before the guard (texts as in the workbook)."""
    minimum = register.settings.minsta_redovisade_antal
    latest_kpis = kolada.latest_by_provider(register.kpis)
    pages = []
    for area in choice_areas(register, today):
        providers = sorted((p for p in register.providers if p.area == area and p.active_on(today)), key=lambda p: p.name)
        shown: list[PublicProvider] = []
        kpis: dict[str, PublicKpi] = {}
        for p in providers:
            latest = latest_follow_up(register, p)
            recent = [f for f in register.findings if f.provider_id == p.id and f.confirmed
                      and f.day.year > today.year - YEARS_COUNTED and f.day <= today]
            examples = [f.summary for f in sorted(recent, key=lambda f: f.day, reverse=True)
                        if f.category is Category.GOTT_EXEMPEL and f.summary]
            values: dict[str, str] = {}
            for v in latest_kpis.get(p.id, []):
                values[v.kpi] = _number(v.value)
                known = kpis.get(v.kpi)
                if known is None or v.year > known.year:
                    kpis[v.kpi] = PublicKpi(v.kpi, kolada.kpi_label(v), v.year, _number(v.municipality))
            shown.append(PublicProvider(
                id=p.id, name=p.name, regi=p.regi.value, email=p.email, phone=p.phone,
                address=", ".join(x for x in (p.address, " ".join(y for y in (p.postcode, p.city) if y)) if x),
                latest=_latest_text(register, latest), outcome=outcome_words(register, p, latest, today),
                counts=_counts(recent, minimum), good_examples=examples, kpis=values,
            ))
        pages.append(AreaPage(area, slug(area), shown, sorted(kpis.values(), key=lambda k: k.kpi)))
    return pages


def _latest_text(register: Register, row: ScheduleRow | None) -> str:
    if row is None or row.done is None:
        return ""
    ftype = register.type(row.type_id)
    name = ftype.name if ftype else row.type_name
    return f"{name}, {swedish_month(row.done.month)} {row.done.year}"


def _number(x: float | None) -> str:
    if x is None:
        return "–"
    return (f"{x:.0f}" if float(x).is_integer() else f"{x:.1f}").replace(".", ",")


def guard_pages(register: Register, pages: list[AreaPage]) -> None:
    """Stop (PersonalDataFound) when any published text holds personal data; names every cell."""
    items: list[guard.GuardItem] = []
    labels: list[guard.GuardItem] = []  # provider names: personnummer only (a firm may carry its owner's name)
    rows = {p.id: p.row for p in register.providers}
    summaries = {f.summary: f.row for f in register.findings if f.summary}

    def at(sheet: str, row: int, header: str) -> str:
        return default_cell(sheet, row, header) if row else ""

    for page in pages:
        for p in page.providers:
            r = rows.get(p.id, 0)
            labels.append(guard.GuardItem(PROVIDERS.name, at(PROVIDERS.name, r, "Namn"), p.name))
            items += [guard.GuardItem(PROVIDERS.name, at(PROVIDERS.name, r, "E-post"), p.email),
                      guard.GuardItem(PROVIDERS.name, at(PROVIDERS.name, r, "Telefon"), p.phone),
                      guard.GuardItem(PROVIDERS.name, at(PROVIDERS.name, r, "Adress"), p.address)]
            items += [guard.GuardItem(FINDINGS.name, at(FINDINGS.name, summaries.get(t, 0), "Sammanfattning för nämnd"), t)
                      for t in p.good_examples]
        items += [guard.GuardItem(KPIS.name, "", k.title) for k in page.kpis]
    guard.raise_if_found(guard.scan(labels, []) + guard.scan(items, guard.person_names(register)))


def _environment(register: Register) -> SandboxedEnvironment:
    """Templates from Mallmapp first, then the packaged ones (so an include finds either)."""
    from uppf_xl.render import packaged_templates_dir

    folders = [str(Path(register.settings.mallmapp).expanduser())] if register.settings.mallmapp else []
    builtin = packaged_templates_dir()
    if builtin is not None:
        folders.append(str(builtin))
    return SandboxedEnvironment(loader=jinja2.FileSystemLoader(folders), undefined=jinja2.StrictUndefined,
                                autoescape=True, trim_blocks=True, lstrip_blocks=True)


def _render(name: str, context: dict[str, Any], register: Register) -> str:
    from uppf_xl.errors import TemplateError

    path = template_path(name, register.settings)
    try:
        return _environment(register).get_template(name).render(**context)
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(f'Mallen "{exc.name}" finns inte (den används av {name}, {path}).') from exc
    except jinja2.UndefinedError as exc:
        raise TemplateError(f'Mallen "{name}" använder ett fält som inte finns ({exc.message}); rätta mallen ({path}).') from exc
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f'Mallen "{name}" har ett fel i en mallkod: {exc.message} ({path}).') from exc


def _context(register: Register, pages: list[AreaPage], today: date) -> dict[str, Any]:
    s = register.settings
    return {
        "kommun": s.kommun or "Kommunen",
        "forvaltning": s.forvaltning,
        "kontakt": {"epost": s.epost, "telefon": s.telefon, "postadress": s.postadress},
        "datum": today.isoformat(),
        "datum_text": swedish_long_date(today),
        "minimum": s.minsta_redovisade_antal,
        "kategorier": [c.value for c in COUNTED],
        "sidor": pages,
        "ar_fran": today.year - YEARS_COUNTED + 1,
        "ar_till": today.year,
    }


def render_html(register: Register, pages: list[AreaPage], today: date) -> dict[str, str]:
    """File name -> HTML text for the index and every area page."""
    context = _context(register, pages, today)
    out = {"index.html": _render(INDEX_TEMPLATE, context, register)}
    for page in pages:
        out[page.html_name] = _render(PAGE_TEMPLATE, {**context, "sida": page}, register)
    return out


def _docx(register: Register, page: AreaPage, today: date, path: Path) -> None:
    """The page's content as an accessible Word document (converted to tagged PDF/A)."""
    from docx import Document
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    context = _context(register, [page], today)
    doc = Document()
    for holder in (doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")),):
        rpr = holder.find(qn("w:rPr"))
        if rpr is None:
            rpr = OxmlElement("w:rPr")
            holder.append(rpr)
        lang = OxmlElement("w:lang")
        lang.set(qn("w:val"), "sv-SE")
        rpr.append(lang)
    doc.styles["Normal"].font.name = "Calibri"
    doc.styles["Normal"].font.size = Pt(10.5)

    def table(caption: str, header: list[str], rows: list[list[str]]) -> None:
        doc.add_paragraph(caption, style="Caption")
        t = doc.add_table(rows=1, cols=len(header))
        t.style = doc.styles["Table Grid"]
        for cell, text in zip(t.rows[0].cells, header):
            cell.paragraphs[0].add_run(text).bold = True
        trpr = t.rows[0]._tr.get_or_add_trPr()
        mark = OxmlElement("w:tblHeader")
        mark.set(qn("w:val"), "true")
        trpr.append(mark)
        for values in rows:
            for cell, text in zip(t.add_row().cells, values):
                cell.text = text

    kommun = context["kommun"]
    doc.add_heading(f"Jämför utförare: {page.area}", level=1)
    doc.add_paragraph(f"{kommun}. Uppgifterna gäller {context['datum_text']}. Här kan du jämföra de utförare du kan "
                      f"välja mellan inom {page.area.lower()}: senaste uppföljningen av kommunen, resultatet och nyckeltal.")
    doc.add_heading("Utförare och senaste uppföljning", level=2)
    table(f"Utförare inom {page.area.lower()}, senaste uppföljning och resultat",
          ["Utförare", "Regi", "Senaste uppföljning", "Resultat"],
          [[p.name, p.regi, p.latest or "–", p.outcome] for p in page.providers])
    doc.add_heading("Iakttagelser per utförare", level=2)
    table(f"Antal iakttagelser {context['ar_fran']}–{context['ar_till']} per kategori (färre än {context['minimum']} visas som <{context['minimum']})",
          ["Utförare", *context["kategorier"]], [[p.name, *p.counts] for p in page.providers])
    if page.kpis:
        doc.add_heading("Nyckeltal från Kolada", level=2)
        table("Nyckeltal per utförare, med kommunens värde på sista raden (– betyder att uppgift saknas)",
              ["Utförare", *[f"{k.title} ({k.year})" for k in page.kpis]],
              [[p.name, *[p.kpis.get(k.kpi, "–") for k in page.kpis]] for p in page.providers]
              + [["Kommunen", *[k.municipality for k in page.kpis]]])
    doc.add_heading("Utförarna", level=2)
    for p in page.providers:
        doc.add_heading(p.name, level=3)
        for label, value in (("Regi", p.regi), ("E-post", p.email), ("Telefon", p.phone), ("Adress", p.address),
                             ("Senaste uppföljning", p.latest or "–"), ("Resultat", p.outcome)):
            if value:
                para = doc.add_paragraph()
                para.add_run(f"{label}: ").bold = True
                para.add_run(value)
        if p.good_examples:
            doc.add_paragraph("Goda exempel:")
            for text in p.good_examples:
                doc.add_paragraph(text, style="List Bullet")
    doc.add_heading("Om uppgifterna", level=2)
    doc.add_paragraph(f"Uppgifterna kommer från {kommun}s uppföljning av utförarna och från Kolada. Antal under "
                      f"{context['minimum']} redovisas som <{context['minimum']} så att ingen enskild kan identifieras.")
    props = doc.core_properties
    props.title = f"Jämför utförare: {page.area} – {kommun}"
    props.language, props.author = "sv-SE", kommun
    doc.save(str(path))


def publish(register: Register, out: Path, today: date, pdf: bool = True) -> tuple[Outcome, ExternalProgramMissing | None]:
    """Write index.html, one page and one PDF/A per area into `out`; guard first, then write."""
    pages = build_pages(register, today)
    guard_pages(register, pages)
    html = render_html(register, pages, today)
    outcome = Outcome("publish")
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, text in html.items():
            (out / name).write_text(text, encoding="utf-8")
            outcome.files.append(out / name)
    except OSError as exc:
        raise FileAccessError(f"{out} kan inte skrivas ({exc.strerror or exc}).") from exc
    missing: ExternalProgramMissing | None = None
    if pdf and pages:
        from uppf_xl.pdf import convert_to_pdf

        with tempfile.TemporaryDirectory(prefix="uppf_xl_publish_") as tmp:
            docs = []
            for page in pages:
                path = Path(tmp) / f"{page.slug}.docx"
                _docx(register, page, today, path)
                docs.append(path)
            try:
                outcome.files.extend(convert_to_pdf(docs, out, pdfa=True, tagged=True))
            except ExternalProgramMissing as exc:
                missing = exc
    n = sum(len(p.providers) for p in pages)
    outcome.lines.append(f"Jämförelse för {len(pages)} verksamhetsområden med valfrihet ({n} utförare): {out / 'index.html'}")
    for page in pages:
        outcome.lines.append(f"  {page.area}: {len(page.providers)} utförare, {page.html_name}"
                             + (f" och {page.pdf_name}" if missing is None and pdf else ""))
    if not pages:
        outcome.lines.append("Inget verksamhetsområde har en aktiv utförare enligt LOV; bara index.html skrevs.")
    outcome.log = f"publish: {len(pages)} områden, {n} utförare"
    return outcome, missing
