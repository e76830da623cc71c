"""Build the nämnd report template templates/namndrapport.docx (a tjänsteskrivelse).

Run from the repository root: `python templates/build/report.py`. The template is a docxtpl
document filled by `uppf_xl.documents.report` (see `documents.report.context` for the fields). It is
built for accessibility: real Heading styles, Swedish as the language of every style, table
header rows that repeat on each page (w:tblHeader) and carry a caption, and chart markers
that `documents.report` replaces with pictures that have alternative text.

Tables are generic: one Word table whose first column and column loop (`{%tc %}`) take any
header, so a municipality can restyle a table in Word without touching the code.
"""

from __future__ import annotations

import sys
import zipfile
from datetime import datetime
from pathlib import Path

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "namndrapport.docx"
sys.path.insert(0, str(HERE))

from letters import DARK, FONT, _set_lang_and_font, _setup_styles  # noqa: E402

TEXT_WIDTH = Cm(16.0)
HEADER_FILL = "DCE3EE"

FORSLAG = (
    "{{ namnd }} godkänner redovisningen av uppföljningen av utförare för {{ period_label }} "
    "och lägger den till handlingarna."
)
BAKGRUND = [
    "Nämnden ansvarar för att verksamhet som utförs på dess uppdrag följer lag, avtal och mål, "
    "oavsett om den bedrivs i egen regi eller av en privat eller idéburen utförare "
    "(kommunallagen 6 kap. 6 § och 10 kap. 8 §). Hur och när uppföljningen görs beslutas i "
    "nämndens uppföljningsplan för {{ year }}.",
    "Redovisningen avser perioden {{ first }} – {{ last }}. Uppgifterna är hämtade ur "
    "förvaltningens uppföljningsregister den {{ datum }}.",
    "Tal som rör enskilda personer, till exempel antal lex Sarah-rapporter hos en utförare, "
    "redovisas som ”<{{ minimum }}” när de är färre än {{ minimum }}, så att ingen enskild kan "
    "identifieras. Texterna om iakttagelser är sammanfattningar avsedda för nämnden.",
]


# ---------------------------------------------------------------- styles
def _styles(doc) -> None:
    _setup_styles(doc)
    styles = doc.styles
    h3 = styles["Heading 3"]
    h3.font.name, h3.font.size, h3.font.bold = FONT, Pt(11), True
    h3.font.color.rgb = DARK
    h3.paragraph_format.space_before = Pt(8)
    h3.paragraph_format.space_after = Pt(2)
    h3.paragraph_format.keep_with_next = True
    _set_lang_and_font(h3.element)
    caption = styles["Caption"]
    caption.font.name, caption.font.size, caption.font.italic = FONT, Pt(9), True
    caption.font.color.rgb = RGBColor(0x44, 0x44, 0x44)
    _set_lang_and_font(caption.element)
    if "Tabelltext" not in [s.name for s in styles]:
        cell = styles.add_style("Tabelltext", WD_STYLE_TYPE.PARAGRAPH)
        cell.base_style = styles["Normal"]
        cell.font.size = Pt(9.5)
        cell.paragraph_format.space_after = Pt(0)
        cell.paragraph_format.line_spacing = 1.0


def _core(doc) -> None:
    props = doc.core_properties
    props.title = "{{ title }}"  # replaced by documents.report after rendering
    props.language = "sv-SE"
    props.author = ""
    props.comments = ""
    props.last_modified_by = "uppf-xl"
    props.created = props.modified = datetime(2025, 1, 1)  # a rebuild changes nothing when the code did not
    # The document-wide language Word and LibreOffice report (settings.xml themeFontLang).
    settings = doc.settings.element
    lang = settings.find(qn("w:themeFontLang"))
    if lang is None:
        lang = OxmlElement("w:themeFontLang")
        settings.append(lang)
    lang.set(qn("w:val"), "sv-SE")


def _page(doc) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.5)
    section.top_margin, section.bottom_margin = Cm(2.0), Cm(2.0)
    section.different_first_page_header_footer = True
    head = section.header.paragraphs[0]
    head.style = doc.styles["Footer"]
    head.add_run("{{ kommun }} · Tjänsteskrivelse · {{ title }}{% if dnr %} · Dnr {{ dnr }}{% endif %}")
    for footer in (section.footer, section.first_page_footer):
        para = footer.paragraphs[0]
        para.style = doc.styles["Footer"]
        para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        para.add_run("Sida ")
        _field(para, "PAGE")
        para.add_run(" av ")
        _field(para, "NUMPAGES")


def _field(paragraph, code: str) -> None:
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, code), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        elif text == code:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = f" {code} "
        else:
            el = OxmlElement("w:t")
            el.text = text
        run._r.append(el)


# ---------------------------------------------------------------- blocks
def _p(doc, text: str = "", style: str = "Normal", bold_prefix: str = ""):
    para = doc.add_paragraph(style=style)
    if bold_prefix:
        para.add_run(bold_prefix).bold = True
    if text:
        para.add_run(text)
    return para


def _tag(doc, tag: str) -> None:
    """A paragraph holding only a {%p %} tag: docxtpl removes the paragraph itself."""
    doc.add_paragraph(tag, style="Normal")


def _head_block(doc) -> None:
    """Kommun, förvaltning, Datum, Dnr, Handläggare: lines with a right tab, no layout table."""
    lines = [
        (("{{ kommun }}", True), ("TJÄNSTESKRIVELSE", True)),
        (("{{ forvaltning }}", False), ("Datum: {{ datum }}", False)),
        (("", False), ("{% if dnr %}Dnr: {{ dnr }}{% endif %}", False)),
        (("Handläggare: {{ handlaggare }}{% if titel %}, {{ titel }}{% endif %}", False), ("", False)),
        (("{% if telefon %}Telefon {{ telefon }}{% endif %}{% if telefon and epost %} · {% endif %}{{ epost }}", False), ("", False)),
    ]  # fmt: skip
    for (left, left_bold), (right, right_bold) in lines:
        para = doc.add_paragraph(style="Adress")
        para.paragraph_format.tab_stops.add_tab_stop(TEXT_WIDTH, WD_TAB_ALIGNMENT.RIGHT)
        if left:
            para.add_run(left).bold = left_bold or None
        if right:
            para.add_run("\t")
            para.add_run(right).bold = right_bold or None
    doc.add_paragraph(style="Adress")
    _p(doc, "{{ namnd }}", "Adress", "Till: ")
    doc.add_paragraph(style="Adress")


def _shade(cell, fill: str) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tcpr.append(shd)


def _table(doc, var: str, numeric: bool) -> None:
    """A generic table: `var.header` and `var.rows`; the header row repeats on every page.

    Columns: the first holds row labels, the `{%tc %}` loop the rest. Rows: `{%tr %}`.
    """
    _tag(doc, f"{{%p if {var}.rows %}}")
    table = doc.add_table(rows=4, cols=4)
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    cells = [
        ["{{ %s.header[0] }}" % var, "{%%tc for h in %s.header[1:] %%}" % var, "{{ h }}", "{%tc endfor %}"],
        ["{%%tr for r in %s.rows %%}" % var, "", "", ""],
        ["{{ r[0] }}", "{%tc for v in r[1:] %}", "{{ v }}", "{%tc endfor %}"],
        ["{%tr endfor %}", "", "", ""],
    ]
    for r, texts in enumerate(cells):
        for c, text in enumerate(texts):
            cell = table.rows[r].cells[c]
            para = cell.paragraphs[0]
            para.style = doc.styles["Tabelltext"]
            run = para.add_run(text)
            if r == 0:
                run.bold = True
                _shade(cell, HEADER_FILL)
            if numeric and c > 0 and r in (0, 2):
                para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    # Accessibility: the first row is a header row, repeated on each page.
    tr_pr = table.rows[0]._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)
    cant_split = OxmlElement("w:cantSplit")
    table.rows[2]._tr.get_or_add_trPr().append(cant_split)
    tbl_pr = table._tbl.tblPr
    caption = OxmlElement("w:tblCaption")
    caption.set(qn("w:val"), "{{ %s.title }}" % var)
    tbl_pr.append(caption)
    _tag(doc, "{%p endif %}")


def _chart(doc, var: str) -> None:
    """The chart marker (replaced by the picture and its alt text) and its caption."""
    para = doc.add_paragraph("{{ %s.marker }}" % var, style="Normal")
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    para.paragraph_format.keep_with_next = True
    _p(doc, "Figur {{ %s.number }}. {{ %s.caption }}" % (var, var), "Caption")


def _loop_paragraphs(doc, loop: str, text: str, style: str = "Normal") -> None:
    _tag(doc, f"{{%p for {loop} %}}")
    _p(doc, text, style)
    _tag(doc, "{%p endfor %}")


def _section(doc, title: str, level: int = 2) -> None:
    doc.add_paragraph(title, style=f"Heading {level}")


def _otherwise(doc, var: str, text: str) -> None:
    _tag(doc, f"{{%p if not {var}.rows %}}")
    _p(doc, text)
    _tag(doc, "{%p endif %}")


def build(out: Path = OUT) -> Path:
    doc = Document()
    _styles(doc)
    _page(doc)
    _core(doc)
    body = doc.element.body
    for child in list(body):
        if child.tag == qn("w:p"):
            body.remove(child)

    _head_block(doc)
    doc.add_paragraph("{{ title }}", style="Title")
    _p(doc, "{{ namnd }}", "Normal")

    _section(doc, "Förslag till beslut", 1)
    _p(doc, FORSLAG)

    _section(doc, "Sammanfattning", 1)
    _loop_paragraphs(doc, "s in summary", "{{ s }}")

    _section(doc, "Bakgrund", 1)
    for text in BAKGRUND:
        _p(doc, text)

    _section(doc, "Resultat", 1)
    _section(doc, "Utförare i början och slutet av perioden")
    _p(doc, "Antal utförare per verksamhetsområde som var verksamma den första och den sista dagen "
            "i perioden, fördelat på driftsform, och förändringen under perioden.")  # fmt: skip
    _table(doc, "tables.counts", numeric=True)

    _section(doc, "Genomförda uppföljningar")
    _p(doc, "En utförare räknas som uppföljd när minst en planerad uppföljning (inte månadsuppföljning "
            "eller händelsestyrd uppföljning) genomfördes under perioden.")  # fmt: skip
    _table(doc, "tables.followed", numeric=False)
    _chart(doc, "charts.month")

    _section(doc, "Åtgärdsplaner")
    _p(doc, "Utförare som under perioden fick begäran om åtgärdsplan, antal iakttagelser som planerna "
            "avser, och hur många planer som godkänts och åtgärder som verifierats under perioden.")  # fmt: skip
    _table(doc, "tables.action_plans", numeric=True)

    _section(doc, "Iakttagelser per område och kategori")
    _table(doc, "tables.deviations", numeric=True)
    _otherwise(doc, "tables.deviations", "Inga avvikelser eller förbättringsområden noterades under perioden.")
    _chart(doc, "charts.categories")

    _section(doc, "Resultat per verksamhetsområde")
    _tag(doc, "{%p for a in areas %}")
    _section(doc, "{{ a.area }}", 3)
    _p(doc, "{{ a.text }}")
    _p(doc, "{{ a.assessment }}", bold_prefix="Bedömning: ")
    _tag(doc, "{%p endfor %}")

    _section(doc, "Fördjupade och händelsestyrda uppföljningar")
    _p(doc, "Fördjupad uppföljning görs alltid när en ny utförare startar, och händelsestyrd uppföljning "
            "när händelser hos en utförare ger anledning till det.")  # fmt: skip
    _table(doc, "tables.in_depth", numeric=False)
    _otherwise(doc, "tables.in_depth", "Inga fördjupade eller händelsestyrda uppföljningar under perioden.")
    _section(doc, "Händelser", 3)
    _table(doc, "tables.events", numeric=True)
    _otherwise(doc, "tables.events", "Inga händelser registrerades under perioden.")

    _section(doc, "Månadsuppföljningar")
    _table(doc, "tables.monthly", numeric=True)
    _otherwise(doc, "tables.monthly", "Inga månadsuppföljningar var planerade under perioden.")

    _tag(doc, "{%p if tables.kpis.rows %}")
    _section(doc, "Nyckeltal från Kolada")
    _p(doc, "Utförarnas senaste värden i Kolada per verksamhetsområde, bredvid kommunens och rikets värde.")
    _table(doc, "tables.kpis", numeric=False)
    _tag(doc, "{%p endif %}")

    _section(doc, "Fokusområden {{ year }}")
    _tag(doc, "{%p for f in focus %}")
    _section(doc, "{{ f.name }}", 3)
    _tag(doc, "{%p if f.description %}")
    _p(doc, "{{ f.description }}")
    _tag(doc, "{%p endif %}")
    _p(doc, "{{ f.counts }}.", bold_prefix="Iakttagelser under perioden: ")
    _loop_paragraphs(doc, "s in f.summaries", "{{ s }}", "List Bullet")
    _tag(doc, "{%p endfor %}")
    _tag(doc, "{%p if not focus %}")
    _p(doc, "Nämnden har inte beslutat om fokusområden för {{ year }}.")
    _tag(doc, "{%p endif %}")

    _section(doc, "Gott exempel")
    _loop_paragraphs(doc, "e in examples", "{{ e.provider }} ({{ e.area }}): {{ e.summary }}", "List Bullet")
    _tag(doc, "{%p if not examples %}")
    _p(doc, "Inga goda exempel redovisas för perioden.")
    _tag(doc, "{%p endif %}")

    _section(doc, "Allvarliga brister och eskalering")
    _table(doc, "tables.serious", numeric=False)
    _otherwise(doc, "tables.serious", "Inga allvarliga brister är öppna vid periodens slut.")

    _section(doc, "Riskbaserad planering")
    _p(doc, "Verktyget föreslår en risknivå för varje utförare utifrån händelser, iakttagelser, organisations"
            "förändringar och volym enligt nämndens riskmodell. Nämnden beslutar om risknivån; hög risk ger "
            "tätare uppföljning och låg risk glesare.")
    _table(doc, "tables.risk_tiers", numeric=True)
    _otherwise(doc, "tables.risk_tiers", "Ingen riskbedömning finns för perioden.")
    _section(doc, "Vanligaste riskskälen", 3)
    _table(doc, "tables.risk_reasons", numeric=True)
    _otherwise(doc, "tables.risk_reasons", "Inga risksignaler noterades.")
    _section(doc, "Ändringar i planen efter riskbedömningen", 3)
    _table(doc, "tables.risk_changes", numeric=False)
    _otherwise(doc, "tables.risk_changes", "Planen har inte ändrats av riskbedömningen sedan den fastställdes.")

    _section(doc, "Årshjul {{ year }}")
    _p(doc, "Planerade uppföljningar under året, per månad och typ av uppföljning.").paragraph_format.keep_with_next = True
    _chart(doc, "charts.wheel")

    _effect_section(doc)

    _section(doc, "Bilagor", 1)
    _loop_paragraphs(doc, "b in bilagor", "{{ b }}", "List Bullet")

    signature_block(doc)

    out.parent.mkdir(parents=True, exist_ok=True)
    doc.save(out)
    _stable_zip(out)
    return out


def _effect_section(doc) -> None:
    """Ger uppföljningen avsedd effekt? Only in the yearly report (the context's effect is set)."""
    _tag(doc, "{%p if effect %}")
    _section(doc, "Ger uppföljningen avsedd effekt?", 1)
    _p(doc, "Nämnden ska följa att uppföljningen ger de avsedda effekterna och följa förändringar över tid. "
            "Tabellen jämför året med de två föregående, per verksamhetsområde. En iakttagelse räknas som "
            "återkommande när samma utförare fått en iakttagelse inom samma område inom 24 månader efter att "
            "en tidigare åtgärd godkänts eller verifierats. Inom parentes står underlaget (antal).")  # fmt: skip
    _loop_paragraphs(doc, "s in effect.text", "{{ s }}")
    _section(doc, "Förändring över tid {{ effect.years }}")
    _table(doc, "effect.table", numeric=False)
    _chart(doc, "charts.effect")
    _section(doc, "Följsamhet till uppföljningsplanen")
    _p(doc, "{{ effect.adherence_text }}")
    _table(doc, "effect.adherence", numeric=True)
    _tag(doc, "{%p endif %}")


def signature_block(doc) -> None:
    """Förvaltningschef and handläggare side by side: name over title, with room to sign above."""
    doc.add_paragraph(style="Adress")
    _p(doc, "{{ forvaltning }}", "Adress")
    for _ in range(2):
        doc.add_paragraph(style="Adress")
    half = Cm(8.5)
    for left, right in (("{{ forvaltningschef }}", "{{ handlaggare }}"), ("Förvaltningschef", "{{ titel }}")):
        para = doc.add_paragraph(style="Adress")
        para.paragraph_format.tab_stops.add_tab_stop(half)
        para.add_run(left)
        para.add_run("\t")
        para.add_run(right)


def _stable_zip(path: Path) -> None:
    """Rewrite the package with fixed entry times, so an unchanged build gives the same bytes."""
    with zipfile.ZipFile(path) as zf:
        entries = [(info.filename, zf.read(info)) for info in zf.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries:
            zf.writestr(zipfile.ZipInfo(name, date_time=(2025, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)


def main(argv: list[str] | None = None) -> int:
    out = Path((argv or sys.argv[1:] or [str(OUT)])[0])
    print(build(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
