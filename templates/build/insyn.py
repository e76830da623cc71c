"""Build the information-request templates: begäran om information and its påminnelse.

Run from the repository root: `python templates/build/insyn.py` (writes templates/*.docx).
The letters share the layout of the other letters (templates/build/letters.py); the fields
are the ones `uppf_xl.insyn` puts in its context. The legal basis is ordinary template text,
so a municipality words it as its own contracts do by editing the file in Word (or by
putting a file of the same name in Mallmapp).
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.oxml.ns import qn

HERE = Path(__file__).resolve().parent
OUT = HERE.parent
sys.path.insert(0, str(HERE))

from letters import LANG, Block, _bullets, _header, _page, _paragraph, _recipient, _setup_styles, _signature  # noqa: E402

GRUND: list[Block] = [
    ("Heading 2", "Grund för begäran"),
    ("Normal", "{% if egen_regi %}Nämnden ska enligt 6 kap. 6 § kommunallagen (2017:725) se till att verksamheten "
     "bedrivs enligt de mål och riktlinjer som fullmäktige och nämnden har bestämt, och att den redovisas öppet."
     "{% else %}När kommunen lämnar över vården av en kommunal angelägenhet till en privat utförare ska den enligt "
     "10 kap. 9 § kommunallagen (2017:725) tillförsäkra sig information som gör det möjligt för allmänheten att få "
     "insyn i hur angelägenheten utförs. Enligt {{ grund }} ska ni på nämndens begäran lämna de uppgifter som behövs "
     "för det och för nämndens uppföljning (10 kap. 8 §).{% endif %}"),
    ("Normal", "Uppgifterna kan komma att lämnas ut som allmän handling. Skicka därför inga uppgifter om enskilda "
     "brukare eller medarbetare, och markera det ni anser omfattas av sekretess."),
]

BEGARAN: list[Block] = [
    ("Heading 1", "{{ amne }}"),
    ("Normal", "{{ namnd }} begär härmed information från {{ mottagare.namn }}. Vi ber er lämna det som "
     "efterfrågas nedan senast {{ senast }}."),
    ("Heading 2", "Vad vi begär"),
    *_bullets("v in begaran.vad", "{{ v }}"),
    ("Normal", [("Svar senast: ", True), "{{ senast }}"]),
    *GRUND,
    ("Heading 2", "Så lämnar ni informationen"),
    ("Normal", "Skicka informationen{% if avsandare.epost %} till {{ avsandare.epost }}{% endif %} och ange "
     "{% if dnr %}Dnr {{ dnr }} och {% endif %}begäran {{ begaran.id }}. Kan ni inte lämna den i tid, "
     "kontakta mig före {{ senast }}."),
]

PAMINNELSE: list[Block] = [
    ("Heading 1", "{{ amne }}"),
    ("Normal", "Den {{ begaran.datum }} begärde {{ namnd }} information från {{ mottagare.namn }} med svar "
     "senast {{ begaran.senast }}. Vi har ännu inte fått in den."),
    ("Heading 2", "Det vi har begärt"),
    *_bullets("v in begaran.vad", "{{ v }}"),
    ("Normal", "Vi ber er skicka informationen snarast, dock senast {{ senast }}"
     "{% if avsandare.epost %}, till {{ avsandare.epost }}{% endif %}{% if dnr %}, och ange Dnr {{ dnr }}{% endif %}. "
     "Uteblir svaret kan ärendet redovisas för {{ namnd }}."),
    *GRUND,
]

TEMPLATES: dict[str, tuple[str, list[Block]]] = {
    "begaran_information.docx": ("Begäran om information", BEGARAN),
    "paminnelse_information.docx": ("Påminnelse om begäran om information", PAMINNELSE),
}


def build(name: str, out_dir: Path = OUT) -> Path:
    title, body = TEMPLATES[name]
    doc = Document()
    _setup_styles(doc)
    _page(doc)
    body_el = doc.element.body
    for p in list(body_el.findall(qn("w:p"))):
        body_el.remove(p)
    _header(doc)
    _recipient(doc)
    for style, content in body:
        _paragraph(doc, style, content)
    _signature(doc)
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
