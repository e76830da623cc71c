"""The public comparison pages written: HTML from the templates, a Word document per area and
its tagged PDF/A. `uppf_xl.publish` selects and words the content.

Example:
    >>> outcome, pdf_missing = publish(register, Path("Jämförelse"), date(2025, 11, 22))  # doctest: +SKIP
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from uppf_xl.contract import CellLocator, default_cell
from uppf_xl.dates import swedish_long_date
from uppf_xl.errors import ExternalProgramMissing, FileAccessError
from uppf_xl.model import Register
from uppf_xl.outcome import Outcome
from uppf_xl.publish import COUNTED, INDEX_TEMPLATE, PAGE_TEMPLATE, YEARS_COUNTED, AreaPage, build_pages, guard_pages
from uppf_xl.render import template_path


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


def publish(register: Register, out: Path, today: date, pdf: bool = True, *,
            locate: CellLocator = default_cell) -> tuple[Outcome, ExternalProgramMissing | None]:
    """Write index.html, one page and one PDF/A per area into `out`; guard first, then write."""
    pages = build_pages(register, today)
    guard_pages(register, pages, locate)
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
