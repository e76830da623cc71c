"""Swedish words that follow a number: "3 klagomål inom 90 dagar", "2 avvikelser och 1 lex Sarah".

Example:
    >>> events_reason(["Klagomål", "Klagomål", "Klagomål"], 90)
    '3 klagomål inom 90 dagar'
    >>> events_reason(["Klagomål", "Avvikelse", "Klagomål"], 90)
    '3 händelser inom 90 dagar: 2 klagomål och 1 avvikelse'
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

# Händelsetyp -> (singular, plural), as people write them in running text.
EVENT_WORDS: dict[str, tuple[str, str]] = {
    "Klagomål": ("klagomål", "klagomål"),
    "Avvikelse": ("avvikelse", "avvikelser"),
    "Lex Sarah": ("lex Sarah-rapport", "lex Sarah-rapporter"),
    "Lex Maria": ("lex Maria-anmälan", "lex Maria-anmälningar"),
    "Media": ("mediehändelse", "mediehändelser"),
    "Budgetavvikelse": ("budgetavvikelse", "budgetavvikelser"),
    "Organisationsförändring": ("organisationsförändring", "organisationsförändringar"),
    "Övrigt": ("övrig händelse", "övriga händelser"),
}


def count_words(n: int, one: str, many: str, zero: str = "inga") -> str:
    """'inga avvikelser', 'en avvikelse' is written '1 avvikelse', '3 avvikelser'."""
    if n == 0:
        return f"{zero} {many}"
    return f"{n} {one if n == 1 else many}"


def event_count(n: int, event_type: str) -> str:
    one, many = EVENT_WORDS.get(event_type, (event_type.lower(), event_type.lower()))
    return count_words(n, one, many)


def join_and(parts: list[str]) -> str:
    """'a', 'a och b', 'a, b och c'."""
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " och " + parts[-1]


def events_reason(types: Iterable[str], days: int) -> str:
    """The Orsak of an event-driven follow-up: the events counted by kind within the window."""
    counts = Counter(str(t) for t in types)
    total = sum(counts.values())
    if len(counts) == 1:
        ((kind, n),) = counts.items()
        return f"{event_count(n, kind)} inom {days} dagar"
    kinds = join_and([event_count(n, k) for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))])
    return f"{total} händelser inom {days} dagar: {kinds}"
