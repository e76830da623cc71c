"""Build the case report template templates/arenderapport.docx (a tjänsteskrivelse in one case).

Run from the repository root: `python templates/build/case_report.py`. The template is a
docxtpl document filled by `uppf_xl.case_report` (see `case_report.context` for the fields).
It reuses the nämnd report's styles, page, head block and generic table, so both documents
look alike and are equally accessible. Förslag till beslut lists the alternatives; the
administrator keeps one and deletes the others before the case goes to the nämnd.
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.oxml.ns import qn

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "arenderapport.docx"
sys.path.insert(0, str(HERE))

import report as base  # noqa: E402

ALTERNATIVES_CONTRACT = [
    "ge {{ provider }} en ny tidsfrist till och med {{ ny_frist }} att åtgärda bristen och redovisa vidtagna "
    "åtgärder, och uppdra åt förvaltningen att verifiera åtgärderna vid en uppföljning,",
    "kräva vite av {{ provider }} enligt {{ avtal }}s bestämmelser om sanktioner, eftersom bristen inte har "
    "åtgärdats inom den tid som getts,",
    "säga upp {{ avtal }} med {{ provider }} enligt {{ avtal }}s bestämmelser om uppsägning och hävning, "
    "eftersom bristen är väsentlig och inte har åtgärdats.",
]
ALTERNATIVES_OWN = [
    "ge verksamheten en ny tidsfrist till och med {{ ny_frist }} att åtgärda bristen och redovisa vidtagna "
    "åtgärder, och uppdra åt förvaltningen att verifiera åtgärderna vid en uppföljning,",
    "uppdra åt förvaltningschefen att inom egen regi vidta de åtgärder som krävs och återrapportera till "
    "nämnden senast {{ ny_frist }}.",
]


def build(out: Path = OUT) -> Path:
    doc = Document()
    base._styles(doc)
    base._page(doc)
    base._core(doc)
    body = doc.element.body
    for child in list(body):
        if child.tag == qn("w:p"):
            body.remove(child)

    base._head_block(doc)
    doc.add_paragraph("{{ title }}", style="Title")
    base._p(doc, "{{ provider }} ({{ provider_id }}), {{ area }}, {{ regi }}, {{ avtalsform }}", "Normal")

    base._section(doc, "Förslag till beslut", 1)
    base._p(doc, "Förvaltningen föreslår att {{ namnd }} beslutar att (välj ett av alternativen och stryk de "
                 "övriga innan ärendet skickas till nämnden):")  # fmt: skip
    base._tag(doc, "{%p if egen_regi %}")
    for i, text in enumerate(ALTERNATIVES_OWN, start=1):
        base._p(doc, text, "List Bullet", f"Alternativ {i}: ")
    base._tag(doc, "{%p else %}")
    for i, text in enumerate(ALTERNATIVES_CONTRACT, start=1):
        base._p(doc, text, "List Bullet", f"Alternativ {i}: ")
    base._tag(doc, "{%p endif %}")

    base._section(doc, "Sammanfattning", 1)
    base._p(doc, "Vid uppföljning av {{ provider }} konstaterades den {{ found }} en allvarlig brist inom "
                 "området {{ theme }}. Bristen är inte åtgärdad. {{ state }}")  # fmt: skip
    base._p(doc, "{{ summary }}", bold_prefix="Iakttagelsen: ")

    base._section(doc, "Bakgrund", 1)
    base._p(doc, "Nämnden ansvarar för att verksamhet som utförs på dess uppdrag följer lag, avtal och mål "
                 "(kommunallagen 6 kap. 6 § och 10 kap. 8 §). Enligt nämndens uppföljningsplan ska en allvarlig "
                 "brist som inte åtgärdas rapporteras till nämnden med förslag till vidare hantering i det "
                 "enskilda fallet.")  # fmt: skip
    base._section(doc, "Händelseförlopp")
    base._p(doc, "Datumen i ärendet i tidsordning (iakttagelse {{ finding_id }}).")
    base._table(doc, "chain", numeric=False)
    base._section(doc, "Utförarens övriga läge")
    base._p(doc, "{{ other_open }}")
    base._p(doc, "{{ events }}")

    base._section(doc, "Förvaltningens bedömning", 1)
    base._p(doc, "Bristen har inte åtgärdats inom den tid som getts. Förvaltningen bedömer att nämnden behöver "
                 "ta ställning till den vidare hanteringen. [Förvaltningens bedömning skrivs här.]")  # fmt: skip

    base.signature_block(doc)

    out.parent.mkdir(parents=True, exist_ok=True)
    doc.save(out)
    base._stable_zip(out)
    return out


def main(argv: list[str] | None = None) -> int:
    out = Path((argv or sys.argv[1:] or [str(OUT)])[0])
    print(build(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
