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

This module selects and words the pages' content; `uppf_xl.documents.public` renders and
writes the HTML, the Word documents and the PDF/A.

Example:
    >>> pages = build_pages(register, date(2025, 11, 22))  # doctest: +SKIP
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from uppf_xl import archive, guard, kolada
from uppf_xl.contract import FINDINGS, KPIS, PROVIDERS, CellLocator, default_cell
from uppf_xl.dates import swedish_month
from uppf_xl.model import Finding, Provider, Register, ScheduleRow
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
    done = [r for r in [*register.schedule, *archive.stand_ins(register)]
            if r.provider_id == provider.id and r.done is not None and _counted_row(r, register)]
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


def guard_pages(register: Register, pages: list[AreaPage], locate: CellLocator = default_cell) -> None:
    """Stop (PersonalDataFound) when any published text holds personal data; names every cell."""
    items: list[guard.GuardItem] = []
    labels: list[guard.GuardItem] = []  # provider names: personnummer only (a firm may carry its owner's name)
    rows = {p.id: p.row for p in register.providers}
    summaries = {f.summary: f.row for f in register.findings if f.summary}

    def at(sheet: str, row: int, header: str) -> str:
        return locate(sheet, row, header) if row else ""

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
