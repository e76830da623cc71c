"""The public-insight guard: keeps personnummer and names of people out of public documents.

Nämnd reports (and letters to third parties) are public records. Every text that goes into
one is scanned first:

- personnummer and samordningsnummer in any common form: YYMMDD-NNNN, YYMMDDNNNN,
  YYYYMMDD-NNNN, YYYYMMDDNNNN, with "+" (past 100 years), a space or a dash as separator.
  A number counts only when it is a real date (samordningsnummer: day + 60) and its Luhn
  check digit is valid, so dates, phone numbers and organisationsnummer (month 20 and up)
  rarely trip it. A phone number that happens to form a valid personnummer is reported too:
  in a public record a false alarm is cheaper than a leak.
- names of people the tool knows: the Verksamhetschef of every provider in Utförare. A name
  counts when all its words appear in order (case-insensitive, any whitespace between them,
  whole words only). One-word entries ("Vakant") are ignored. Ansvarig is municipal staff
  acting in office, who are named in nämnd documents anyway (the report's Handläggare), so
  those names are not flagged.

`mask` replaces what was found: a personnummer keeps its shape and century, every other
digit becomes X ("19XXXXXX-XXXX", "XXXXXX-XXXX"); a name becomes "[namn]".

`suppress` shows counts that describe individuals and fall below the setting Minsta
redovisade antal as "<3"; 0 is shown as 0 (it identifies nobody).

Example:
    >>> hits = scan([GuardItem("Iakttagelser", "H7", "Brukare 19121212-1212 föll.")], [])
    >>> hits[0].text
    'Fel: Iakttagelser!H7: personnummer i texten ("Brukare 19XXXXXX-XXXX föll.") – rätta texten i arbetsboken eller kör med --mask'
    >>> mask("Brukare 19121212-1212 föll.", hits)
    'Brukare 19XXXXXX-XXXX föll.'
    >>> suppress(2, 3), suppress(0, 3), suppress(7, 3)
    ('<3', '0', '7')
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable, NamedTuple

from personnummer import personnummer as _pnr

from uppf_xl.errors import ERROR, PersonalDataFound, Problem

if TYPE_CHECKING:
    from uppf_xl.model import Register

PERSONNUMMER = "personnummer"
SAMORDNINGSNUMMER = "samordningsnummer"
NAME = "namn"

NAME_MASK = "[namn]"
EXCERPT_CONTEXT = 24  # characters shown either side of a hit in an error message

# 10 or 12 digits, optionally a separator before the last four. Dashes Word or Excel may
# have turned into en/em dashes or a non-breaking hyphen count as dashes.
_CANDIDATE = re.compile(r"(?<![\d])(\d{6}|\d{8})([-+ \u2010\u2011\u2012\u2013\u2014\u00a0]?)(\d{4})(?![\d])")


class GuardItem(NamedTuple):
    """A text bound for a public document and where it comes from in the workbook."""

    sheet: str
    cell: str
    text: str


@dataclass(frozen=True)
class Hit:
    """One piece of personal data found in a text. `excerpt` is already masked."""

    sheet: str
    cell: str
    kind: str  # PERSONNUMMER, SAMORDNINGSNUMMER or NAME
    excerpt: str
    start: int = field(default=0, repr=False)
    end: int = field(default=0, repr=False)
    found: str = field(default="", repr=False, compare=False)  # the raw match; never printed

    @property
    def message(self) -> str:
        what = "namn på en person" if self.kind == NAME else self.kind
        return f'{what} i texten ("{self.excerpt}") – rätta texten i arbetsboken eller kör med --mask'

    @property
    def problem(self) -> Problem:
        return Problem(ERROR, self.sheet, self.cell, self.message)

    @property
    def text(self) -> str:
        return self.problem.text


def person_names(register: Register) -> list[str]:
    """Names of people the register knows of that must not appear in public texts."""
    return sorted({p.chef.strip() for p in register.providers if p.chef.strip()})


def scan(items: Iterable[GuardItem | tuple[str, str, str]], known_names: Iterable[str]) -> list[Hit]:
    """Every personnummer, samordningsnummer and known name in `items`, in item order."""
    name_patterns = _name_patterns(known_names)
    hits: list[Hit] = []
    for sheet, cell, text in items:
        if not text:
            continue
        spans = _find(text, name_patterns)
        for kind, start, end in spans:
            hits.append(Hit(sheet, cell, kind, _excerpt(text, spans, start, end), start, end, text[start:end]))
    return hits


def mask(text: str, hits: Iterable[Hit]) -> str:
    """`text` with every hit that belongs to it masked (hits of other texts are ignored)."""
    spans = sorted(
        {(h.start, h.end, h.kind) for h in hits if h.found and text[h.start : h.end] == h.found},
        reverse=True,
    )
    for start, end, kind in spans:
        text = text[:start] + _masked(text[start:end], kind) + text[end:]
    return text


def raise_if_found(hits: list[Hit]) -> None:
    """Stop the output: PersonalDataFound listing every hit (sheet, cell, masked excerpt)."""
    if not hits:
        return
    problems = [h.problem for h in hits]
    places = len({(h.sheet, h.cell) for h in hits})
    raise PersonalDataFound(
        f"Personuppgifter i {places} {'text' if places == 1 else 'texter'} som skulle bli offentlig handling; "
        "inget har skrivits.",
        problems,
    )


def scan_texts(
    items: Iterable[GuardItem | tuple[str, str, str]], known_names: Iterable[str], *, masked: bool = False
) -> list[str]:
    """The texts of `items` in order, ready for a public document.

    Without `masked` it raises PersonalDataFound when anything is found; with it, the texts
    come back masked. Example: `summary, = scan_texts([("Iakttagelser", "H7", s)], names)`.
    """
    guarded = [GuardItem(*i) for i in items]
    hits = scan(guarded, known_names)
    if not masked:
        raise_if_found(hits)
    return [mask(i.text, [h for h in hits if (h.sheet, h.cell) == (i.sheet, i.cell)]) for i in guarded]


def suppress(n: int, minimum: int) -> str:
    """A count about individuals as shown publicly: "<3" when 0 < n < minimum."""
    if 0 < n < minimum:
        return f"<{minimum}"
    return str(n)


def _name_patterns(names: Iterable[str]) -> list[re.Pattern[str]]:
    patterns = []
    for name in sorted({n.strip() for n in names if n and n.strip()}, key=len, reverse=True):
        words = name.split()
        if len(words) < 2:
            continue
        body = r"\s+".join(re.escape(w) for w in words)
        patterns.append(re.compile(rf"(?<!\w){body}(?!\w)", re.IGNORECASE))
    return patterns


def _find(text: str, name_patterns: list[re.Pattern[str]]) -> list[tuple[str, int, int]]:
    spans: list[tuple[str, int, int]] = []
    for m in _CANDIDATE.finditer(text):
        kind = _id_kind(m.group(1), m.group(2), m.group(3))
        if kind:
            spans.append((kind, m.start(), m.end()))
    for pattern in name_patterns:
        for m in pattern.finditer(text):
            if not any(s < m.end() and m.start() < e for _, s, e in spans):
                spans.append((NAME, m.start(), m.end()))
    return sorted(spans, key=lambda s: s[1])


def _id_kind(head: str, sep: str, tail: str) -> str | None:
    """PERSONNUMMER or SAMORDNINGSNUMMER when the digits form a valid one, else None."""
    sep = "+" if sep == "+" else "-"
    try:
        number = _pnr.Personnummer(f"{head}{sep}{tail}")
    except _pnr.PersonnummerException:
        return None
    return SAMORDNINGSNUMMER if number.is_coordination_number() else PERSONNUMMER


def _masked(found: str, kind: str) -> str:
    if kind == NAME:
        return NAME_MASK
    digits = [c for c in found if c.isdigit()]
    keep = 2 if len(digits) == 12 else 0  # the century says little and shows the form
    out, seen = [], 0
    for c in found:
        if c.isdigit():
            out.append(c if seen < keep else "X")
            seen += 1
        else:
            out.append(c)
    return "".join(out)


def _excerpt(text: str, spans: list[tuple[str, int, int]], start: int, end: int) -> str:
    """The hit with some context, every hit in the window masked, whitespace collapsed."""
    out, pos, new_start, new_end = [], 0, 0, 0
    for kind, s, e in spans:
        out.append(text[pos:s])
        if s == start:
            new_start = sum(map(len, out))
        out.append(_masked(text[s:e], kind))
        if s == start:
            new_end = sum(map(len, out))
        pos = e
    out.append(text[pos:])
    piece = "".join(out)
    lo, hi = max(0, new_start - EXCERPT_CONTEXT), min(len(piece), new_end + EXCERPT_CONTEXT)
    # Whole words only at the edges of the window.
    while 0 < lo < new_start and not piece[lo - 1].isspace():
        lo += 1
    while new_end < hi < len(piece) and not piece[hi].isspace():
        hi -= 1
    snippet = " ".join(piece[lo:hi].split())
    return f"{'...' if lo > 0 else ''}{snippet}{'...' if hi < len(piece) else ''}"
