"""Names as people type them: case, spaces and å/ä/ö forgiven when the match is unambiguous.

Example:
    >>> match_name("äldreomsorgsnämnden", ["Omsorgsnämnden", "Äldreomsorgsnämnden"])
    'Äldreomsorgsnämnden'
    >>> fold(" Hel  ÅR ")
    'helar'
"""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """A value as it is compared: no case, no spaces, å/ä/ö and accents as plain letters."""
    decomposed = unicodedata.normalize("NFKD", "".join(str(text).split()).casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def match_name(typed: str, names: list[str]) -> str | None:
    """The one name `typed` stands for when case, spacing and å/ä/ö are forgiven."""
    if typed in names:
        return typed
    found = [n for n in names if fold(n) == fold(typed)]
    return found[0] if len(found) == 1 else None
