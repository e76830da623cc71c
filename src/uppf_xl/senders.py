"""Who a letter is from: the handläggare who owns the item, from sheet Handläggare.

The owner of a kallelse is its Årshjul row's Ansvarig (else the provider's); the owner of a
letter about findings is the provider's Ansvarig. The owner's row in Handläggare gives the
name, title, e-mail and phone printed in the letter's header, as the address for material,
as the signature and in the e-mail draft. An owner missing from Handläggare, or an empty
field of its row, falls back to the settings Avsändare, Titel, E-post and Telefon.

Example:
    >>> s = sender_for(register, "Anna Berg")                  # doctest: +SKIP
    >>> s.name, s.email                                        # doctest: +SKIP
    ('Anna Berg', 'anna.berg@sjovik.se')
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from uppf_xl.model import Handler, Provider, Register, ScheduleRow


@dataclass(frozen=True)
class Sender:
    """The contact a letter carries."""

    name: str
    title: str
    email: str
    phone: str
    listed: bool  # found in Handläggare


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def find_handler(register: Register, name: str) -> Handler | None:
    """The Handläggare row named `name` (case and spaces forgiven), or None."""
    wanted = _key(name)
    if not wanted:
        return None
    return next((h for h in register.handlers if _key(h.name) == wanted), None)


def sender_for(register: Register, owner: str) -> Sender:
    """The contact of `owner` from Handläggare; the settings fill what is missing.

    An owner not in Handläggare (or no owner) gets the settings' Avsändare and contact;
    when Avsändare is empty too, the owner's name stands with the settings' contact.
    """
    s = register.settings
    handler = find_handler(register, owner)
    if handler is None:
        return Sender(s.avsandare or owner.strip(), s.titel, s.epost, s.telefon, False)
    return Sender(handler.name, handler.title or s.titel, handler.email or s.epost, handler.phone or s.telefon, True)


def kallelse_owner(row: ScheduleRow, provider: Provider | None) -> str:
    """The owner of a kallelse: the row's Ansvarig, else the provider's."""
    return row.responsible.strip() or (provider.responsible.strip() if provider else "")


def unknown_responsible(register: Register, records: Iterable[Provider | ScheduleRow]) -> list[tuple[int, str]]:
    """(Excel row, message) for each Ansvarig that Handläggare does not list (only once it has rows)."""
    if not register.handlers:
        return []
    out = []
    for record in records:
        name = record.responsible.strip()
        if isinstance(record, ScheduleRow):
            provider = register.provider(record.provider_id)
            if provider is not None and _key(provider.responsible) == _key(name):
                continue  # the provider's own row says it once
        if name and record.row > 0 and find_handler(register, name) is None:
            out.append((record.row, f'Ansvarig "{name}" finns inte i Handläggare; breven får avsändaren i Inställningar'))
    return out
