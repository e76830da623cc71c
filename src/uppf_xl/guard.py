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

import contextlib
import contextvars
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, NamedTuple

from personnummer import personnummer as _pnr

from uppf_xl.errors import ERROR, PersonalDataFound, Problem

if TYPE_CHECKING:
    from uppf_xl.model import Register
    from uppf_xl.workbook.base import RawWorkbook

PERSONNUMMER = "personnummer"
SAMORDNINGSNUMMER = "samordningsnummer"
NAME = "namn"

NAME_MASK = "[namn]"
EXCERPT_CONTEXT = 24  # characters shown either side of a hit in an error message
MASK_HINT = " eller kör med --mask"

# Characters a pasted or Word-edited number may carry between its digits that no one sees:
# soft hyphen, zero-width space/joiners, word joiner, BOM, bidi marks and embeddings.
_INVISIBLE = frozenset(
    [0x00AD, 0x180E, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2060, 0xFEFF]
    + list(range(0x202A, 0x202F))
    + list(range(0x2066, 0x206A))
)
# Dashes Word or Excel may have turned a hyphen into (en/em dash, minus, non-breaking hyphen).
_DASHES = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d")
# After normalising: 10 or 12 digits, optionally a separator ("-" or "+") before the last
# four, with up to three spaces or line breaks either side of it.
_CANDIDATE = re.compile(r"(?<![\d])(\d{6}|\d{8})\s{0,3}([-+]?)\s{0,3}(\d{4})(?![\d])")
# A phone number written without a dash looks like a personnummer born 2000-2009 (0701234567):
# it is taken for a phone number when a phone word stands just before it.
_PHONE_WORDS = re.compile(
    r"(?:\b(?:tel|tfn|telefon\w*|mobil\w*|mob|ring|sms|växel|fax)\b|\+)[\s.:]*$", re.IGNORECASE
)
_WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*")
_GENITIVE = re.compile(r"(?:s|[:'\u2019]s)(?![^\W_])", re.IGNORECASE)


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
    hint: str = field(default=MASK_HINT, repr=False, compare=False)

    @property
    def message(self) -> str:
        what = "namn på en person" if self.kind == NAME else self.kind
        return f'{what} i texten ("{self.excerpt}") – rätta texten i arbetsboken{self.hint}'

    @property
    def problem(self) -> Problem:
        return Problem(ERROR, self.sheet, self.cell, self.message)

    @property
    def text(self) -> str:
        return self.problem.text

    @property
    def key(self) -> str:
        """What identifies the person: the last ten digits of a number, a name folded."""
        return identity_key(self.kind, self.found)


def identity_key(kind: str, found: str) -> str:
    if kind == NAME:
        words = [w.casefold() for w in _WORD.findall(_normalised(found)[0])]
        if words and len(words) > 1 and words[-1] == "s":
            words = words[:-1]
        return " ".join(words)
    digits = "".join(c for c in _normalised(found)[0] if c.isdigit())
    return digits[-10:]


def person_names(register: Register) -> list[str]:
    """Names of people the register knows of that must not appear in public texts."""
    return sorted({p.chef.strip() for p in register.providers if p.chef.strip()})


class NameMatcher:
    """Finds known names of people in a text: every word in order, whole words, any case.

    The last word may carry a genitive s ("Maria Linds", "Maria Lind:s"). Words are looked
    up in a dictionary, so twenty thousand names cost no more than one per text.
    """

    def __init__(self, names: Iterable[str]) -> None:
        self.first: dict[str, list[list[str]]] = {}
        for name in sorted({n.strip() for n in names if n and n.strip()}, key=len, reverse=True):
            words = [w.casefold() for w in _WORD.findall(_normalised(name)[0])]
            if len(words) < 2:
                continue
            self.first.setdefault(words[0], []).append(words)

    def __bool__(self) -> bool:
        return bool(self.first)

    def find(self, text: str) -> list[tuple[int, int]]:
        """(start, end) of each name in `text`, already normalised."""
        if not self.first:
            return []
        tokens = list(_WORD.finditer(text))
        folded = [t.group().casefold() for t in tokens]
        spans: list[tuple[int, int]] = []
        i = 0
        while i < len(tokens):
            found = None
            for words in self.first.get(folded[i], ()):
                n = len(words)
                if i + n > len(tokens):
                    continue
                if not all(text[tokens[j].end() : tokens[j + 1].start()].isspace() for j in range(i, i + n - 1)):
                    continue
                last = folded[i + n - 1]
                end = tokens[i + n - 1].end()
                if folded[i : i + n - 1] != words[:-1]:
                    continue
                if last == words[-1]:
                    tail = _GENITIVE.match(text, end)
                    if tail and tail.group()[0] != "s":
                        end = tail.end()
                elif last != words[-1] + "s":
                    continue
                found = (tokens[i].start(), end, n)
                break
            if found:
                spans.append(found[:2])
                i += found[2]
            else:
                i += 1
        return spans


def scan(
    items: Iterable[GuardItem | tuple[str, str, str]],
    known_names: Iterable[str] | NameMatcher,
    *,
    hint: str = MASK_HINT,
) -> list[Hit]:
    """Every personnummer, samordningsnummer and known name in `items`, in item order."""
    matcher = known_names if isinstance(known_names, NameMatcher) else NameMatcher(known_names)
    hits: list[Hit] = []
    for sheet, cell, text in items:
        hits += hits_in(sheet, cell, text, matcher, hint=hint)
    return hits


def hits_in(
    sheet: str, cell: str, text: str, matcher: NameMatcher | None = None, *, phone: bool = False, hint: str = MASK_HINT
) -> list[Hit]:
    """The hits of one text (see `find`), located at `sheet`!`cell`."""
    if not text:
        return []
    spans = find(text, matcher, phone=phone)
    return [Hit(sheet, cell, kind, _excerpt(text, spans, s, e), s, e, text[s:e], hint) for kind, s, e in spans]


def find(text: str, matcher: NameMatcher | None = None, *, phone: bool = False) -> list[tuple[str, int, int]]:
    """(kind, start, end) of every personnummer and known name in `text`, in order.

    Invisible characters (soft hyphen, zero-width space), odd dashes and line breaks around
    the separator are looked through. With `phone` the text is a phone field: a number
    without a dash or plus is taken for a phone number.
    """
    if not text:
        return []
    digits = any(c.isdigit() for c in text)
    if not digits and not matcher:
        return []
    norm, index = _normalised(text)
    spans: list[tuple[str, int, int]] = []
    if digits:
        for m in _CANDIDATE.finditer(norm):
            head, sep, tail = m.group(1), m.group(2), m.group(3)
            if len(head) == 6 and head[0] == "0" and not sep and (phone or _PHONE_WORDS.search(norm, 0, m.start())):
                continue
            if _inside_hash(norm, m.start(), m.end()):
                continue
            kind = _id_kind(head, sep, tail)
            if kind:
                spans.append((kind, index[m.start()], index[m.end() - 1] + 1))
    if matcher:
        for start, end in matcher.find(norm):
            s, e = index[start], index[end - 1] + 1
            if not any(a < e and s < b for _, a, b in spans):
                spans.append((NAME, s, e))
    return sorted(spans, key=lambda sp: sp[1])


_HEX = frozenset("0123456789abcdefABCDEF")
HASH_LENGTH = 32  # a run of hex digits this long is a key or a signature, never a personnummer


def _inside_hash(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] lies inside a long hexadecimal token (an HMAC, a key, a digest)."""
    if any(c not in _HEX for c in text[start:end]):
        return False
    while start > 0 and text[start - 1] in _HEX:
        start -= 1
    while end < len(text) and text[end] in _HEX:
        end += 1
    token = text[start:end]
    return len(token) >= HASH_LENGTH and any(c.isalpha() for c in token)


def _normalised(text: str) -> tuple[str, list[int]]:
    """`text` with invisible characters dropped, dashes as "-", digits as ASCII, whitespace as
    " "; and for each character kept, its position in `text`."""
    if text.isascii():
        return text, list(range(len(text)))
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        code = ord(ch)
        if code < 128:
            out.append(ch)
        elif code in _INVISIBLE:
            continue
        elif ch in _DASHES:
            out.append("-")
        elif ch == "\uff0b":
            out.append("+")
        elif ch.isdigit():
            value = unicodedata.digit(ch, None)
            out.append(str(value) if value is not None else ch)
        elif ch.isspace():
            out.append(" ")
        else:
            out.append(ch)
        index.append(i)
    return "".join(out), index


def mask(text: str, hits: Iterable[Hit]) -> str:
    """`text` with every hit that belongs to it masked (hits of other texts are ignored)."""
    spans = sorted(
        {(h.start, h.end, h.kind) for h in hits if h.found and text[h.start : h.end] == h.found},
        reverse=True,
    )
    for start, end, kind in spans:
        text = text[:start] + _masked(text[start:end], kind) + text[end:]
    return text


def mask_all(text: str, matcher: NameMatcher | None = None, *, phone: bool = False) -> str:
    """`text` with every personnummer and known name in it masked."""
    for kind, start, end in reversed(find(text, matcher, phone=phone)):
        text = text[:start] + _masked(text[start:end], kind) + text[end:]
    return text


def raise_if_found(hits: list[Hit]) -> None:
    """Stop the output: PersonalDataFound listing every hit (sheet, cell, masked excerpt)."""
    if not hits:
        return
    problems = list(dict.fromkeys(h.problem for h in hits))
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


def _id_kind(head: str, sep: str, tail: str) -> str | None:
    """PERSONNUMMER or SAMORDNINGSNUMMER when the digits form a valid one, else None."""
    sep = "+" if sep == "+" else "-"
    try:
        number = _pnr.Personnummer(f"{head}{sep}{tail}")
    except (_pnr.PersonnummerException, ValueError, TypeError):
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
        elif ord(c) in _INVISIBLE:
            continue
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
    snippet = "".join(c for c in snippet if c.isprintable() and ord(c) not in _INVISIBLE)
    return f"{'...' if lo > 0 else ''}{snippet}{'...' if hi < len(piece) else ''}"


# ---------------------------------------------------------------- every output
# Context keys whose value is the addressee's own name (a letter to the verksamhetschef):
# a name there is the point of the field, not a leak. Personnummer are still looked for.
ADDRESSEE_KEYS = frozenset({"verksamhetschef"})
PHONE_KEYS = frozenset({"telefon", "phone", "tel"})
MAX_PROBLEMS = 50


class OutputGuard:
    """Checks every text on its way into an output file and names the workbook cell it came from.

    Each writer of an output (a rendered .docx, an .eml, the calendar, an .xlsx, a file
    name) hands its texts to `current()`. A command installs a guard that knows the register
    and the raw workbook with `watching(...)`; without one, personnummer are still stopped,
    only without a cell.

    Provider names are exempt from the name check (a sole trader's firm carries the owner's
    name, which is public), never from the personnummer check.

    Example:
        >>> with watching(OutputGuard(register, wb.raw())):                 # doctest: +SKIP
        ...     write_letters(...)
    """

    def __init__(
        self, register: Register | None = None, raw: RawWorkbook | None = None, *, mask: bool = False, can_mask: bool = False
    ) -> None:
        self.mask = mask
        self.hint = MASK_HINT if (mask or can_mask) else ""
        names = person_names(register) if register is not None else []
        self.matcher = NameMatcher(names)
        self.exempt = [p.name.strip() for p in register.providers if p.name.strip()] if register is not None else []
        self.raw = raw
        self.hits: list[Hit] = []  # what was masked (with mask=True)
        self._index: dict[str, list[tuple[str, str, str, bool, str]]] | None = None

    # -- front doors -----------------------------------------------------------------------
    def text(self, where: str, text: str, *, names: bool = True, phone: bool = False) -> str:
        """One text as it may be written, masked with `mask`, else PersonalDataFound."""
        return self.texts(where, [(text, names, phone)])[0]

    def texts(self, where: str, items: list[tuple[str, bool, bool]]) -> list[str]:
        """(text, check names, is a phone field) -> the texts as they may be written."""
        found: list[tuple[int, list[tuple[str, int, int]]]] = []
        for i, (text, names, phone) in enumerate(items):
            if not isinstance(text, str) or not text:
                continue
            spans = find(text, self.matcher if names else None, phone=phone)
            spans = self._without_exempt(text, spans)
            if spans:
                found.append((i, spans))
        if not found:
            return [t for t, _, _ in items]
        out = [t for t, _, _ in items]
        hits: list[Hit] = []
        sinks: list[str] = []
        for i, spans in found:
            text = out[i]
            for kind, s, e in spans:
                hits.append(Hit(where, "", kind, _excerpt(text, spans, s, e), s, e, text[s:e], self.hint))
                sinks.append(text)
            out[i] = mask(text, hits[-len(spans):])
        if not self.mask:
            self.stop(hits, sinks)
        self.hits.extend(self._located(hits, sinks))
        return out

    def context(self, where: str, ctx: Any) -> Any:
        """A template context (dicts, lists, strings) as it may be rendered."""
        items: list[tuple[str, bool, bool]] = []

        def collect(value: Any, key: str) -> None:
            if isinstance(value, str):
                items.append((value, key not in ADDRESSEE_KEYS, key in PHONE_KEYS))
            elif isinstance(value, dict):
                for k, v in value.items():
                    collect(v, str(k).casefold())
            elif isinstance(value, (list, tuple)):
                for v in value:
                    collect(v, key)

        collect(ctx, "")
        safe = iter(self.texts(where, items))

        def rebuild(value: Any) -> Any:
            if isinstance(value, str):
                return next(safe)
            if isinstance(value, dict):
                return {k: rebuild(v) for k, v in value.items()}
            if isinstance(value, list):
                return [rebuild(v) for v in value]
            if isinstance(value, tuple):
                return tuple(rebuild(v) for v in value)
            return value

        return rebuild(ctx)

    def filename(self, name: str) -> str:
        """A file name built from IDs: stopped (or masked) like any other text."""
        return self.text(f"Filnamnet {mask_all(name, self.matcher)}", name)

    def cells_holding(self, value: str) -> list[tuple[str, str]]:
        """(sheet, cell) of every workbook cell whose text is `value` (trimmed)."""
        wanted = value.strip()
        out = []
        for sheet, table in (self.raw.tables.items() if self.raw is not None else ()):
            for row_no, values in zip(table.row_numbers, table.rows):
                for col, v in enumerate(values):
                    if isinstance(v, str) and v.strip() == wanted and col < len(table.header):
                        out.append((sheet, table.cell(row_no, table.header[col])))
        return out

    # -- where a hit comes from ----------------------------------------------------------------
    def _without_exempt(self, text: str, spans: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
        if not any(kind == NAME for kind, _, _ in spans):
            return spans
        covered = [(m.start(), m.end()) for name in self.exempt if name in text for m in re.finditer(re.escape(name), text)]
        return [sp for sp in spans if sp[0] != NAME or not any(a <= sp[1] and sp[2] <= b for a, b in covered)]

    def stop(self, hits: list[Hit], sinks: list[str] | None = None) -> None:
        """Raise PersonalDataFound for `hits`, each named at the workbook cells holding it."""
        raise_if_found(self._located(hits, sinks))

    def _located(self, hits: list[Hit], sinks: list[str] | None = None) -> list[Hit]:
        """Each hit at the workbook cells that hold the same personnummer or name.

        Of those cells, the ones whose whole text reached the output (`sinks`, the texts the
        hits were found in) are named first; user-owned cells before the tool's own copies.
        """
        out: list[Hit] = []
        for i, hit in enumerate(hits):
            cells = self._sources().get(hit.key, [])
            sink = sinks[i] if sinks is not None and i < len(sinks) else ""
            if sink:
                cells = [c for c in cells if c[4].strip() and c[4].strip() in sink] or cells
            cells = [c for c in cells if not c[3]] or cells
            if not cells:
                out.append(hit)
                continue
            for sheet, cell, excerpt, _, _ in cells[:MAX_PROBLEMS]:
                out.append(Hit(sheet, cell, hit.kind, excerpt, hit.start, hit.end, hit.found, hit.hint))
        return list(dict.fromkeys(out))

    def _sources(self) -> dict[str, list[tuple[str, str, str, bool, str]]]:
        """identity key -> (sheet, cell, masked excerpt, tool-owned, text) of every cell holding it."""
        if self._index is not None:
            return self._index
        from uppf_xl.contract import SHEETS

        index: dict[str, list[tuple[str, str, str, bool, str]]] = {}
        for sheet, table in (self.raw.tables.items() if self.raw is not None else ()):
            spec = SHEETS.get(sheet)
            tool = set(spec.tool_columns) if spec is not None else set()
            whole_tool = spec is not None and spec.tool_owned and not spec.columns
            for row_no, values in zip(table.row_numbers, table.rows):
                for col, value in enumerate(values):
                    text = _as_text(value)
                    if not text or col >= len(table.header):
                        continue
                    header = table.header[col]
                    names = self.matcher if header != "Verksamhetschef" else None
                    spans = find(text, names, phone=header == "Telefon")
                    for kind, s, e in spans:
                        cell = table.cell(row_no, header)
                        entry = (sheet, cell, _excerpt(text, spans, s, e), whole_tool or header in tool, text)
                        index.setdefault(identity_key(kind, text[s:e]), []).append(entry)
        self._index = index
        return index


def _as_text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, (int, float)) and float(value).is_integer() and 1e9 <= abs(value) < 1e12:
        return str(int(value))  # an organisationsnummer typed as a number
    return ""


_CURRENT: contextvars.ContextVar[OutputGuard | None] = contextvars.ContextVar("uppf_xl_output_guard", default=None)


def current() -> OutputGuard:
    """The guard of the running command, or one that stops personnummer without naming cells."""
    return _CURRENT.get() or OutputGuard()


@contextlib.contextmanager
def watching(output_guard: OutputGuard) -> Iterator[OutputGuard]:
    """Install `output_guard` for every output written inside the block."""
    token = _CURRENT.set(output_guard)
    try:
        yield output_guard
    finally:
        _CURRENT.reset(token)
