"""Build the letter templates (kallelse, begäran om åtgärdsplan, påminnelse, återkoppling,
begäran om förtydligande, and the memo underrättelse om allvarlig brist).

Run from the repository root: `python templates/build/letters.py` (writes templates/*.docx).
The templates are docxtpl documents: Jinja2 tags inside Word paragraphs, every tag in one run
so that a municipality can edit the text in Word without breaking a tag. The fields each
template uses are the ones `uppf_xl.letters` puts in its context (see `letters.CONTEXT_FIELDS`).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Union

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

FONT = "Calibri"  # Carlito on Linux is metric-compatible, so LibreOffice breaks lines as Word does
LANG = "sv-SE"
DARK = RGBColor(0x1F, 0x2A, 0x44)

Segment = Union[str, tuple[str, bool]]  # text, or (text, bold)
Block = tuple[str, Union[str, list[Segment]]]  # (style, content)

HERE = Path(__file__).resolve().parent
OUT = HERE.parent


# ---------------------------------------------------------------- styles
def _set_lang_and_font(rpr_parent, font: str = FONT) -> None:
    """Font for every script and Swedish proofing language on a style's run properties."""
    rpr = rpr_parent.find(qn("w:rPr"))
    if rpr is None:
        rpr = OxmlElement("w:rPr")
        rpr_parent.append(rpr)
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), font)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:cstheme", "w:eastAsiaTheme"):
        fonts.attrib.pop(qn(attr), None)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), LANG)
    lang.set(qn("w:eastAsia"), LANG)
    lang.set(qn("w:bidi"), "ar-SA")


def _setup_styles(doc) -> None:
    styles = doc.styles
    # Document defaults first: every style without its own font inherits these.
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr_default = defaults.find(qn("w:rPrDefault"))
    _set_lang_and_font(rpr_default)

    normal = styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(11)
    normal.paragraph_format.space_after = Pt(4)
    normal.paragraph_format.line_spacing = 1.1
    _set_lang_and_font(normal.element)

    for name, size, before in (("Heading 1", 15, 14), ("Heading 2", 12, 8), ("Title", 20, 0)):
        style = styles[name]
        style.font.name = FONT
        style.font.size = Pt(size)
        style.font.bold = True
        style.font.color.rgb = DARK
        style.paragraph_format.space_before = Pt(before)
        style.paragraph_format.space_after = Pt(4)
        style.paragraph_format.keep_with_next = True
        _set_lang_and_font(style.element)
    for name in ("Header", "Footer", "List Bullet", "No Spacing"):
        _set_lang_and_font(styles[name].element)
    styles["Footer"].font.size = Pt(8.5)
    styles["Footer"].font.color.rgb = RGBColor(0x55, 0x55, 0x55)

    # Tight lines for the address and header blocks.
    if "Adress" not in [s.name for s in styles]:
        block = styles.add_style("Adress", WD_STYLE_TYPE.PARAGRAPH)
        block.base_style = normal
        block.paragraph_format.space_after = Pt(0)
        block.paragraph_format.line_spacing = 1.0
    styles["List Bullet"].paragraph_format.space_after = Pt(2)


def _page(doc) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)  # A4, not python-docx's Letter
    section.left_margin = section.right_margin = Cm(2.5)
    section.top_margin, section.bottom_margin = Cm(1.5), Cm(1.5)
    section.footer_distance = Cm(0.8)
    footer = section.footer.paragraphs[0]
    footer.style = doc.styles["Footer"]
    footer.add_run("{{ avsandare.kommun }} · {{ avsandare.forvaltning }}{% if avsandare.postadress %} · {{ avsandare.postadress }}{% endif %}")
    footer.add_run(" · sida ")
    _field(footer, "PAGE")
    footer.add_run(" av ")
    _field(footer, "NUMPAGES")


def _field(paragraph, instruction: str) -> None:
    """A Word field (page number, page count) that Word and LibreOffice update when laying out."""
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), f" {instruction} ")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


# ---------------------------------------------------------------- content
def _paragraph(container, style: str, content: str | list[Segment]):
    para = container.add_paragraph(style=style)
    segments = [content] if isinstance(content, str) else content
    for seg in segments:
        text, bold = (seg, False) if isinstance(seg, str) else seg
        run = para.add_run(text)
        if bold:
            run.bold = True
    return para


def _cell_lines(cell, blocks: list[Block]) -> None:
    first = cell.paragraphs[0]
    for i, (style, content) in enumerate(blocks):
        if i == 0:
            first.style = cell.part.document.styles[style]
            segs = [content] if isinstance(content, str) else content
            for seg in segs:
                text, bold = (seg, False) if isinstance(seg, str) else seg
                first.add_run(text).bold = bold or None
        else:
            _paragraph(cell, style, content)


def _if(cond: str, style: str, content: str | list[Segment]) -> list[Block]:
    """A line shown only when `cond` holds; the {%p %} tags drop their own paragraphs."""
    return [("Adress", f"{{%p if {cond} %}}"), (style, content), ("Adress", "{%p endif %}")]


def _header(doc) -> None:
    """Sender left, the letter's facts right; a borderless two-column table."""
    table = doc.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    widths = (Cm(9.0), Cm(7.0))
    for cell, width in zip(table.rows[0].cells, widths):
        cell.width = width
    left: list[Block] = [
        ("Adress", [("{{ avsandare.kommun }}", True)]),
        ("Adress", "{{ avsandare.forvaltning }}"),
        *_if("avsandare.postadress", "Adress", "{{ avsandare.postadress }}"),
    ]
    right: list[Block] = [
        ("Adress", [("Datum: ", True), "{{ datum }}"]),
        *_if("dnr", "Adress", [("Dnr: ", True), "{{ dnr }}"]),
        ("Adress", [("Handläggare: ", True), "{{ avsandare.handlaggare }}"]),
        *_if("avsandare.telefon", "Adress", [("Telefon: ", True), "{{ avsandare.telefon }}"]),
        *_if("avsandare.epost", "Adress", [("E-post: ", True), "{{ avsandare.epost }}"]),
    ]
    _cell_lines(table.rows[0].cells[0], left)
    _cell_lines(table.rows[0].cells[1], right)


def _recipient(doc) -> None:
    doc.add_paragraph(style="Adress")
    blocks: list[Block] = [
        ("Adress", [("{{ mottagare.namn }}", True)]),
        *_if("mottagare.verksamhetschef", "Adress", "Att: {{ mottagare.verksamhetschef }}, verksamhetschef"),
        *_if("mottagare.adress", "Adress", "{{ mottagare.adress }}"),
        *_if("mottagare.postort", "Adress", "{{ mottagare.postort }}"),
    ]
    for style, content in blocks:
        _paragraph(doc, style, content)


def _signature(doc, memo: bool = False) -> None:
    """The closing; kept on one page with the lines before it (keep with next). A memo has none."""
    if memo:
        paragraphs = [_paragraph(doc, "Adress", "")]
        paragraphs[0].paragraph_format.space_before = Pt(8)
    else:
        closing = _paragraph(doc, "Normal", "Har ni frågor är ni välkomna att kontakta mig.")
        closing.paragraph_format.space_before = Pt(8)
        paragraphs = [closing, _paragraph(doc, "Normal", "Med vänlig hälsning"), _paragraph(doc, "Adress", "")]
    # Contact details stand in the header block, so the signature is name and title only.
    for style, content in [
        ("Adress", [("{{ avsandare.handlaggare }}", True)]),
        ("Adress", "{{ avsandare.titel }}, {{ avsandare.forvaltning }}"),
    ]:
        paragraphs.append(_paragraph(doc, style, content))
    for para in paragraphs[:-1]:
        para.paragraph_format.keep_with_next = True


def _bullets(loop: str, item: str) -> list[Block]:
    return [("Normal", f"{{%p for {loop} %}}"), ("List Bullet", item), ("Normal", "{%p endfor %}")]


FINDING_LINE: list[Segment] = [
    ("{{ i.id }}", True),
    " – {{ i.kategori }}{% if i.omrade %}, {{ i.omrade }}{% endif %}: {{ i.text }}",
]

KALLELSE: list[Block] = [
    ("Heading 1", "{{ amne }}"),
    ("Normal", "Härmed kallas {{ mottagare.namn }} till {{ uppfoljning_lc }}. "
     "Uppföljningen gäller {{ verksamhetsomrade_lc }} och görs av {{ avsandare.forvaltning }} på uppdrag av {{ namnd }}."),
    ("Heading 2", "Syfte och grund"),
    ("Normal", "Syftet är att kontrollera att verksamheten bedrivs i enlighet med {{ grund }}, gällande lagar och "
     "föreskrifter, och att de som får insatser får en god och säker vård och omsorg."),
    ("Normal", "{% if egen_regi %}Nämnden ska enligt 6 kap. 6 § kommunallagen se till att verksamheten "
     "bedrivs enligt de mål och riktlinjer som fullmäktige och nämnden har bestämt.{% else %}Nämnden ska "
     "enligt 10 kap. 8 § kommunallagen kontrollera och följa upp verksamhet som har lämnats över till en "
     "privat utförare.{% endif %}"),
    ("Heading 2", "Tid och plats"),
    ("Adress", [("Datum: ", True), "{{ besok.datum }}"]),
    ("Adress", [("Tid: ", True), "{% if besok.tid %}{{ besok.tid }}{% else %}meddelas senare{% endif %}"]),
    ("Normal", [("Plats: ", True), "{% if besok.plats %}{{ besok.plats }}{% else %}i er verksamhet{% endif %}"]),
    ("Normal", "Från förvaltningen deltar {{ besok.deltagare }}. Vi vill att verksamhetschefen deltar, "
     "gärna tillsammans med någon som ansvarar för det systematiska kvalitetsarbetet."),
    ("Normal", "{%p if underlag %}"),
    ("Heading 2", "Underlag inför besöket"),
    ("Normal", "Skicka följande underlag{% if avsandare.epost %} till {{ avsandare.epost }}{% endif %} "
     "{% if underlag_senast %}senast {{ underlag_senast }}{% else %}i god tid före besöket{% endif %}:"),
    *_bullets("u in underlag", "{{ u }}"),
    ("Normal", "{%p endif %}"),
    ("Normal", "{%p if fokusomraden %}"),
    ("Heading 2", "Fokusområden {{ ar }}"),
    ("Normal", "Nämndens fokusområden för året tas upp särskilt under besöket:"),
    *_bullets("f in fokusomraden", [("{{ f.namn }}", True), "{% if f.beskrivning %} – {{ f.beskrivning }}{% endif %}"]),
    ("Normal", "{%p endif %}"),
    ("Normal", "{%p if bilagor %}"),
    ("Heading 2", "Bilagor"),
    *_bullets("b in bilagor", "{{ b }}"),
    ("Normal", "{%p endif %}"),
]

ATGARDSPLAN: list[Block] = [
    ("Heading 1", "{{ amne }}"),
    ("Normal", "Vid förvaltningens uppföljning av {{ mottagare.namn }} har vi gjort {{ ord.iakttagelse }} som kräver "
     "åtgärder. Vi begär därför att ni lämnar in en åtgärdsplan senast {{ senast }}."),
    ("Heading 2", "{{ ord.rubrik }}"),
    *_bullets("i in iakttagelser", FINDING_LINE + [" (svar senast {{ i.senast }})"]),
    ("Heading 2", "Vad åtgärdsplanen ska innehålla"),
    ("List Bullet", "vilka åtgärder ni vidtar för varje iakttagelse"),
    ("List Bullet", "vem som ansvarar för åtgärden"),
    ("List Bullet", "när åtgärden ska vara genomförd"),
    ("List Bullet", "hur ni följer upp att åtgärden har avsedd effekt"),
    ("Normal", "Skicka åtgärdsplanen{% if avsandare.epost %} till {{ avsandare.epost }}{% endif %}"
     "{% if dnr %} och ange Dnr {{ dnr }}{% endif %}. Förvaltningen bedömer planen och återkommer. "
     "Att åtgärderna har genomförts följs upp vid ett senare tillfälle."),
]

PAMINNELSE: list[Block] = [
    ("Heading 1", "{{ amne }}"),
    ("Normal", "Vi har begärt en åtgärdsplan från {{ mottagare.namn }} med svar senast {{ senast }}. "
     "Vi har ännu inte fått in någon åtgärdsplan för {{ ord.iakttagelsen }} nedan."
     "{% if tidigare_paminnelse %} Vi påminde er senast {{ tidigare_paminnelse }}.{% endif %}"),
    ("Heading 2", "{{ ord.rubrik }}"),
    *_bullets("i in iakttagelser", FINDING_LINE + [" (begärd {{ i.begard }}, svar senast {{ i.senast }})"]),
    ("Normal", "Vi ber er skicka åtgärdsplanen snarast{% if avsandare.epost %} till {{ avsandare.epost }}{% endif %}"
     "{% if dnr %} och ange Dnr {{ dnr }}{% endif %}. Om ni inte kan lämna planen, kontakta mig så snart som "
     "möjligt. En åtgärdsplan som inte kommer in kan leda till att ärendet rapporteras till {{ namnd }}."),
]

ATERKOPPLING: list[Block] = [
    ("Heading 1", "{{ amne }}"),
    ("Normal", "Tack för er åtgärdsplan. Förvaltningen har bedömt den och godkänner åtgärdsplanen för "
     "{{ ord.iakttagelsen }} nedan."),
    ("Heading 2", "{{ ord.godkanda }}"),
    *_bullets("i in iakttagelser", FINDING_LINE + [" (inkommen {{ i.inkommen }}, godkänd {{ i.godkand }})"]),
    ("Normal", "Att åtgärderna har genomförts och har avsedd effekt följs upp vid kommande uppföljning. "
     "Resultatet redovisas för {{ namnd }}."),
]

FORTYDLIGANDE: list[Block] = [
    ("Heading 1", "{{ amne }}"),
    ("Normal", "Vid förvaltningens uppföljning av {{ mottagare.namn }} behöver vi ett förtydligande om "
     "{% if antal == 1 %}punkten{% else %}punkterna{% endif %} nedan. Det är inte en begäran om åtgärdsplan: "
     "vi ber er beskriva hur ni arbetar, så att vi kan göra vår bedömning."),
    ("Heading 2", "Det vi vill ha förtydligat"),
    *_bullets("i in iakttagelser", [("{{ i.id }}", True),
                                    "{% if i.omrade %} – {{ i.omrade }}{% endif %}: {{ i.text }}"]),
    ("Normal", "Skicka ert svar{% if avsandare.epost %} till {{ avsandare.epost }}{% endif %} senast {{ senast }}"
     "{% if dnr %} och ange Dnr {{ dnr }}{% endif %}. Förvaltningen återkommer om svaret leder till "
     "en iakttagelse som kräver åtgärder."),
]

UNDERRATTELSE: list[Block] = [
    ("Heading 1", "{{ amne }}"),
    ("Normal", "Vid uppföljning av {{ mottagare.namn }} ({{ utforare_id }}, {{ brist.verksamhetsomrade }}, "
     "{{ brist.regi|lower }}) konstaterade förvaltningen den {{ brist.datum }} en allvarlig brist. "
     "Enligt nämndens plan för uppföljning underrättas förvaltningschefen omedelbart."),
    ("Heading 2", "Bristen"),
    ("Normal", [("{{ brist.id }}", True), "{% if brist.omrade %} – {{ brist.omrade }}{% endif %}: {{ brist.text }}"]),
    ("Heading 2", "Åtgärder"),
    ("Normal", "{% if brist.begard %}Åtgärdsplan begärdes {{ brist.begard }} med svar senast {{ brist.senast }}."
     "{% else %}Åtgärdsplan har ännu inte begärts.{% endif %} Ärendet bevakas tills åtgärderna är "
     "verifierade och redovisas för {{ namnd }}."),
]

ANDRAD: list[Block] = [
    ("Heading 1", "{{ amne }}"),
    ("Normal", "Vi har tidigare kallat {{ mottagare.namn }} till {{ uppfoljning_lc }} "
     "{{ tidigare_datum }}. Tiden för uppföljningen är ändrad."),
    ("Heading 2", "Ny tid och plats"),
    ("Adress", [("Datum: ", True), "{{ besok.datum }}"]),
    ("Adress", [("Tid: ", True), "{% if besok.tid %}{{ besok.tid }}{% else %}meddelas senare{% endif %}"]),
    ("Normal", [("Plats: ", True), "{% if besok.plats %}{{ besok.plats }}{% else %}i er verksamhet{% endif %}"]),
    ("Normal", "Den tidigare tiden, {{ tidigare_datum }}, gäller inte längre. Från förvaltningen deltar "
     "{{ besok.deltagare }}."),
    ("Normal", "{%p if underlag %}"),
    ("Heading 2", "Underlag inför besöket"),
    ("Normal", "Skicka följande underlag{% if avsandare.epost %} till {{ avsandare.epost }}{% endif %} "
     "{% if underlag_senast %}senast {{ underlag_senast }}{% else %}i god tid före besöket{% endif %}:"),
    *_bullets("u in underlag", "{{ u }}"),
    ("Normal", "{%p endif %}"),
    ("Normal", "Passar den nya tiden inte, kontakta mig så snart som möjligt."),
]

TEMPLATES: dict[str, tuple[str, list[Block]]] = {
    "kallelse.docx": ("Kallelse", KALLELSE),
    "begaran_atgardsplan.docx": ("Begäran om åtgärdsplan", ATGARDSPLAN),
    "paminnelse.docx": ("Påminnelse om åtgärdsplan", PAMINNELSE),
    "aterkoppling.docx": ("Återkoppling på åtgärdsplan", ATERKOPPLING),
    "begaran_fortydligande.docx": ("Begäran om förtydligande", FORTYDLIGANDE),
    "underrattelse.docx": ("Underrättelse om allvarlig brist", UNDERRATTELSE),
    "andrad_tid.docx": ("Ändrad tid för uppföljning", ANDRAD),
}
# Memos inside the administration: addressed to the förvaltningschef, not to a provider.
MEMOS = {"underrattelse.docx"}


def _memo_recipient(doc) -> None:
    doc.add_paragraph(style="Adress")
    for style, content in [
        ("Adress", [("Till: ", True), "{% if chef.namn %}{{ chef.namn }}, {% endif %}förvaltningschef, "
                    "{{ avsandare.forvaltning }}"]),
        ("Adress", [("Från: ", True), "{{ avsandare.handlaggare }}, {{ avsandare.titel }}"]),
    ]:
        _paragraph(doc, style, content)


def build(name: str, out_dir: Path = OUT) -> Path:
    title, body = TEMPLATES[name]
    doc = Document()
    _setup_styles(doc)
    _page(doc)
    # python-docx's default document starts with one empty paragraph; the header table goes first.
    body_el = doc.element.body
    for p in list(body_el.findall(qn("w:p"))):
        body_el.remove(p)
    _header(doc)
    (_memo_recipient if name in MEMOS else _recipient)(doc)
    for style, content in body:
        _paragraph(doc, style, content)
    _signature(doc, memo=name in MEMOS)
    props = doc.core_properties
    props.title, props.language, props.author = title, LANG, "uppf-xl"
    props.comments = "Mall för uppf-xl (docxtpl): fälten inom klammerparenteser fylls i av programmet."
    out = out_dir / name
    doc.save(out)
    return out


def main(argv: list[str] | None = None) -> int:
    out_dir = Path(argv[0]) if argv else OUT
    for name in TEMPLATES:
        print(build(name, out_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
