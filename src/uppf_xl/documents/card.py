"""The provider card as an internal Word document (and PDF/A): `uppf_xl.card` composes it.

Example:
    >>> outcome, pdf_missing = write_card(register, "U004", Path("U004.docx"), date(2025, 11, 22), [])  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from uppf_xl.card import sections
from uppf_xl.contract import CellLocator, default_cell
from uppf_xl.errors import ExternalProgramMissing, FileAccessError
from uppf_xl.model import Provider, Register
from uppf_xl.outcome import Outcome
from uppf_xl.workbook.content import Value

LANG = "sv-SE"
FONT = "Calibri"
DARK = RGBColor(0x1F, 0x2A, 0x44)


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


def build_document(register: Register, provider: Provider, today: date, monthly: Sequence[tuple[int, dict[str, Value]]] = (),
                   locate: CellLocator = default_cell) -> tuple[DocxDocument, int]:
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
    content, masked = sections(register, provider, today, monthly, locate)
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
               monthly: Sequence[tuple[int, dict[str, Value]]] = (), pdf: bool = False, *,
               locate: CellLocator = default_cell) -> tuple[Outcome, ExternalProgramMissing | None]:
    """Write the card to `out` (.docx) and, with `pdf`, a PDF/A beside it."""
    provider = register.provider(provider_id)
    assert provider is not None
    doc, masked = build_document(register, provider, today, monthly, locate)
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
        from uppf_xl.pdf import tagged_pdfa_beside

        pdfs, missing = tagged_pdfa_beside(out)
        if pdfs:
            outcome.files.extend(pdfs)
            outcome.lines.append(f"PDF/A: {pdfs[0]}")
    return outcome, missing
