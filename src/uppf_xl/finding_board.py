"""Översikt's sections about findings that need a person's action: proposals to confirm,
serious deficiencies not notified to the förvaltningschef in time, and reminders due.

- Att bekräfta: findings with Bekräftad Nej (proposed by survey-in or the monthly check);
  they count nowhere else until a user writes Ja.
- Allvarlig brist utan underrättelse i tid: an open Allvarlig brist whose Underrättad is
  empty after one working day from its Datum, or was filled in later than that.
- Påminnelser att skicka: late plans that `letters --kind paminnelse` would remind now.

Example:
    >>> [t.title for t in dashboard_tables(register, date(2025, 5, 2))]     # doctest: +SKIP
    ['Att bekräfta', 'Allvarlig brist utan underrättelse i tid', 'Påminnelser att skicka']
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from uppf_xl import findings as fnd
from uppf_xl.dates import add_working_days
from uppf_xl.model import Finding, Register
from uppf_xl.vocab import Category
from uppf_xl.workbook.content import Value

if TYPE_CHECKING:
    from uppf_xl.dashboard import DashTable


def notice_due(f: Finding) -> date:
    """The day the förvaltningschef must be told of a serious deficiency: one working day after Datum."""
    return add_working_days(f.day, 1)


def notice_late(f: Finding, today: date) -> bool:
    """An Allvarlig brist (confirmed, not verified) not notified within one working day."""
    if f.category is not Category.ALLVARLIG or not f.confirmed or f.verified is not None:
        return False
    due = notice_due(f)
    return (f.notified_chief is None and today > due) or (f.notified_chief is not None and f.notified_chief > due)


def dashboard_tables(register: Register, today: date) -> list[DashTable]:
    from uppf_xl.dashboard import DashTable
    from uppf_xl.letters import reminder_due

    s = register.settings

    def name(f: Finding) -> str:
        p = register.provider(f.provider_id)
        return p.name if p else ""

    ordered = sorted(register.findings, key=lambda f: (f.day, f.id))
    proposals: list[list[Value]] = [[f.id, f.day, f.provider_id, name(f), f.category.value, f.area, "Skriv Ja i Bekräftad eller ta bort raden"]
                 for f in ordered if not f.confirmed]
    notices: list[list[Value]] = [
        [f.id, f.day, f.provider_id, name(f), notice_due(f), f.notified_chief,
         "Sen underrättelse" if f.notified_chief else "Kör letters --kind underrattelse"]
        for f in ordered
        if notice_late(f, today)
    ]
    reminders: list[list[Value]] = [
        [f.id, f.provider_id, name(f), f.requested, fnd.deadline(f, s), f.reminder_sent,
         (today - (fnd.deadline(f, s) or today)).days]
        for f in ordered
        if f.confirmed and fnd.flow(f) is fnd.Flow.PLAN and reminder_due(f, s, today)
    ]
    return [
        DashTable("tblOversiktAttBekrafta", "Att bekräfta",
                  ["IakttagelseID", "Datum", "UtförarID", "Utförare", "Kategori", "Område", "Gör så här"], proposals),
        DashTable("tblOversiktUnderrattelse", "Allvarlig brist utan underrättelse i tid",
                  ["IakttagelseID", "Datum", "UtförarID", "Utförare", "Underrättas senast", "Underrättad", "Åtgärd"],
                  notices),
        DashTable("tblOversiktPaminnelser", "Påminnelser att skicka",
                  ["IakttagelseID", "UtförarID", "Utförare", "Begärd", "Svar senast", "Påminnelse skickad", "Dagar sen"],
                  reminders),
    ]
