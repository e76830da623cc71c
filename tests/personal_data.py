"""A corpus of personal data to plant in a workbook and to look for in every output.

Personnummer and samordningsnummer in the forms people type them (10 or 12 digits, with
"-", "+", a space or nothing), and the verksamhetschef names of the demo's Utförare.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

# One valid personnummer and one valid samordningsnummer (day + 60), each in every form.
PNR = "19121212-1212"
SAMORDNING = "19701063-2391"


def forms(number: str) -> list[str]:
    digits = number.replace("-", "")
    short = digits[2:]
    return [number, digits, f"{short[:6]}-{short[6:]}", short, f"{short[:6]}+{short[6:]}", f"{short[:6]} {short[6:]}",
            f"{digits[:8]} {digits[8:]}"]


CORPUS = forms(PNR) + forms(SAMORDNING)


def planted_texts() -> list[str]:
    """Texts with personal data in several forms, for the workbook's free-text cells."""
    return [
        f"Brukare {PNR} föll i badrummet.",
        f"Anhörig till {forms(PNR)[3]} klagar.",
        f"Samordningsnummer {SAMORDNING} saknades i journalen.",
        f"Kontakt {forms(SAMORDNING)[2]} om detta.",
    ]


def found_in(text: str, names: list[str] = ()) -> list[str]:  # type: ignore[assignment]
    """Every corpus entry and name that occurs in `text` (names: whole words, any case)."""
    hits = [p for p in CORPUS if re.search(rf"(?<!\d){re.escape(p)}(?!\d)", text)]
    for name in names:
        if re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text, re.IGNORECASE):
            hits.append(name)
    return hits


def docx_text(path: Path) -> str:
    import docx

    doc = docx.Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(c.text for c in row.cells)
    for section in doc.sections:
        parts.extend(p.text for p in section.footer.paragraphs)
    props = doc.core_properties
    parts += [props.title or "", props.subject or "", props.comments or ""]
    return "\n".join(parts)


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout
