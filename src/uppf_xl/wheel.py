"""The year wheel's rings: follow-up types grouped by kind, so the wheel has at most six rings.

A municipality may have a dozen types; a ring each makes a wheel no nämnd member can read.
The types are grouped by what the follow-up is:

- Besök: planned visits (Besök Ja, a recurring interval),
- Fördjupade uppföljningar: Vid start (a new provider),
- Händelsestyrda uppföljningar: Vid behov (an event),
- Dokument och redovisningar: documents the provider sends in (Besök Nej, yearly, tertial...),
- Datakontroller: data checks (Besök Nej, monthly or quarterly),
- Övrigt: rows whose type is no longer in Uppföljningstyper.

Example:
    >>> ring_of(FollowUpType("MAN", "Månadsuppföljning", ("Alla",), "Alla", Interval.MONTH))
    'Datakontroller'
"""

from __future__ import annotations

from uppf_xl.model import FollowUpType, Register
from uppf_xl.vocab import Interval

RINGS = (
    "Besök",
    "Fördjupade uppföljningar",
    "Händelsestyrda uppföljningar",
    "Dokument och redovisningar",
    "Datakontroller",
    "Övrigt",
)
DATA_INTERVALS = frozenset({Interval.MONTH, Interval.QUARTER})


def ring_of(ftype: FollowUpType | None) -> str:
    """The ring a follow-up type belongs to (see the module docstring)."""
    if ftype is None:
        return RINGS[5]
    if ftype.interval is Interval.AT_START:
        return RINGS[1]
    if ftype.interval is Interval.ON_DEMAND:
        return RINGS[2]
    if ftype.visit:
        return RINGS[0]
    if ftype.interval in DATA_INTERVALS:
        return RINGS[4]
    return RINGS[3]


def group(register: Register, by_type: dict[str, list[int]]) -> tuple[dict[str, list[int]], dict[str, list[str]]]:
    """(ring -> rows per month, ring -> type names) from the wheel per type name; empty rings left out."""
    types = {t.name: t for t in register.types}
    types.update({t.id: t for t in register.types})
    counts: dict[str, list[int]] = {}
    members: dict[str, list[str]] = {}
    for name, months in by_type.items():
        ring = ring_of(types.get(name))
        total = counts.setdefault(ring, [0] * 12)
        for m, n in enumerate(months):
            total[m] += n
        members.setdefault(ring, []).append(name)
    order = {r: i for i, r in enumerate(RINGS)}
    ordered = sorted(counts, key=order.__getitem__)
    return {r: counts[r] for r in ordered}, {r: sorted(members[r]) for r in ordered}
