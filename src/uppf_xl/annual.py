"""The administrator's year: rules that keep the Årshjul right over time.

What lives here (WORKBOOK.md, Version 2, Decisions "Plan year", "Proposals hold", "Backlog",
"Deadlines"):

- Notice: no kallelse for a visit closer than *Minsta varsel (arbetsdagar)* (`short_notice`),
  a warning when the notice is shorter than the type's Kallelse dagar före
  (`notice_warnings`), and the material deadline never earlier than the letter's date plus
  Minsta varsel, always on a working day (`material_due`).
- Changed visit times: `letters --kind andrad` writes "Ändrad tid för uppföljning" for the
  rows whose Status is Ändrad tid (`changed_time_letters`); `--mark-sent` records the
  announced visit date in Kallat datum (`announced_cells`).
- Warnings with the cell (`warnings`): a stale Planår, a Planerat datum that breaks a rule, a
  Genomförd in the future, a kallelse after the visit, a finding's Nyckel on another
  provider's row, Max besök per vecka 0, a row whose provider is gone, a value typed into a
  column the tool fills in.
- Översikt (`sections`): the backlog of earlier years, the adopted plan (how many of its
  follow-ups were done, how many were added since) and the rows with Ändrad tid.

Example (14 days before the visit would be 6 March, but the letter of 2 March plus Minsta
varsel comes first):
    >>> material_due(date(2026, 3, 20), 14, date(2026, 3, 2), Settings())
    datetime.date(2026, 3, 9)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date, timedelta
from typing import TYPE_CHECKING

from uppf_xl import contract, risk
from uppf_xl.dates import (
    add_months,
    add_working_days,
    is_working_day,
    month_end,
    next_working_day,
    previous_working_day,
    swedish_long_date,
)
from uppf_xl.errors import WARNING, Problem, quote_value
from uppf_xl.model import FollowUpType, Provider, Register, ScheduleRow, Settings
from uppf_xl.period import Kind
from uppf_xl.risk import RISK_REASONS
from uppf_xl.vocab import Interval, RowStatus

if TYPE_CHECKING:
    from uppf_xl.dashboard import Dashboard
    from uppf_xl.letters import Letter, Skip, Window
    from uppf_xl.schedule import PlanResult
    from uppf_xl.workbook.base import RawTable, RawWorkbook
    from uppf_xl.workbook.content import CellPatch, Value

ANNOUNCED = "Kallat datum"
ON_DEMAND_DAYS = 30


# ---------------------------------------------------------------- notice


def earliest_visit(today: date, settings: Settings) -> date:
    """The first visit date a kallelse written `today` may announce (today + Minsta varsel)."""
    if settings.minsta_varsel <= 0:
        return today
    return add_working_days(today, settings.minsta_varsel)


def short_notice(row: ScheduleRow, settings: Settings, today: date) -> str:
    """Why a kallelse for `row` would come too late (Swedish), or "" when the notice is long enough."""
    visit = row.visit_date
    if visit is None or settings.minsta_varsel <= 0:
        return ""
    first = earliest_visit(today, settings)
    if visit >= first:
        return ""
    return (f"för kort varsel: besöket {visit.isoformat()} ligger närmare än Minsta varsel "
            f"({settings.minsta_varsel} arbetsdagar, tidigast {first.isoformat()}); kallelsen är sen, "
            "flytta besöket i Planerat datum eller kontakta utföraren")


def material_due(visit: date, material_days: int, today: date, settings: Settings) -> date:
    """The day the material is due: `material_days` before the visit, never earlier than the
    letter's date plus Minsta varsel, on a working day (moved forward, lag 1930:173 §2)."""
    due = visit - timedelta(days=material_days)
    floor = earliest_visit(today, settings)
    if due < floor:
        due = floor
    due = next_working_day(due)
    return min(due, previous_working_day(visit)) if due > visit else due


def notice_warnings(letters: Iterable[Letter], register: Register, today: date) -> list[str]:
    """"Varning: ..." lines for kallelser sent with less notice than their type asks for."""
    from uppf_xl.placing import notice_days

    out = []
    for letter in letters:
        row = letter.row
        if letter.kind != "kallelse" or row is None or row.visit_date is None:
            continue
        days = (row.visit_date - today).days
        wanted = notice_days(register.type(row.type_id), register.settings)
        if days < wanted:
            out.append(f"Varning: {row.key}: kallelsen går ut {days} dagar före besöket {row.visit_date.isoformat()}, "
                       f"kortare varsel än Kallelse dagar före ({wanted} dagar).")
    return out


# ---------------------------------------------------------------- changed visit times


def changed_time_letters(
    register: Register, rows: list[ScheduleRow], today: date, window: Window
) -> tuple[list[Letter], list[Skip]]:
    """"Ändrad tid för uppföljning" for each visit row whose Status is Ändrad tid.

    With a window (--from/--to), only visits whose new date is in it.
    """
    from uppf_xl import letters as lt
    from uppf_xl import statuses

    out: list[Letter] = []
    skipped: list[Skip] = []
    for row in sorted(rows, key=lambda r: (r.visit_date or date.max, r.provider_id, r.key)):
        ftype = register.type(row.type_id)
        if ftype is None or not ftype.visit or row.done is not None:
            continue
        if statuses.of(register, today).row(row) is not RowStatus.ANDRAD_TID:
            continue
        if (window[0] is not None or window[1] is not None) and not lt._in_window(row.visit_date, window):
            continue
        provider = register.provider(row.provider_id)
        reason = lt._why_no_kallelse(row, provider, today)
        if reason:
            skipped.append(lt.Skip(lt.ANDRAD, row.provider_id, row.type_id, reason))
            continue
        assert provider is not None and row.visit_date is not None and row.announced is not None
        letter = lt._kallelse(register, row, ftype, provider, row.visit_date, today)
        subject = f"Ändrad tid för {lt.lower_first(ftype.name)} – {provider.name}"
        letter.kind, letter.template, letter.subject = lt.ANDRAD, lt.TEMPLATES[lt.ANDRAD], subject
        letter.context["amne"] = subject
        letter.context["tidigare_datum"] = swedish_long_date(row.announced)
        letter.context["tidigare_iso"] = row.announced.isoformat()
        out.append(letter)
    return out, skipped


def announced_cells(letters: Iterable[Letter]) -> dict[tuple[int, str], Value]:
    """Årshjul cells --mark-sent writes in Kallat datum: the visit date each sent letter named."""
    out: dict[tuple[int, str], Value] = {}
    for letter in letters:
        row = letter.row
        if row is None or row.row <= 0 or row.visit_date is None:
            continue
        if letter.kind == "andrad" or (letter.kind == "kallelse" and (row.notified is None or row.announced is None)):
            out[(row.row, ANNOUNCED)] = row.visit_date
    return out


# ---------------------------------------------------------------- plan year


def stale_plan_year(raw: RawWorkbook, settings: Settings, today: date) -> list[Problem]:
    """A warning naming the Planår cell when it is earlier than today's year."""
    if settings.planar is None or settings.planar >= today.year:
        return []
    return [Problem(WARNING, contract.SETTINGS.name, _setting_cell(raw, "Planår"),
                    f"Planår {settings.planar} är äldre än i år; planåret blir {today.year}. "
                    f"Skriv {today.year} i Planår (eller ange --year).")]


def _setting_cell(raw: RawWorkbook, key: str) -> str:
    table = raw.tables.get(contract.SETTINGS.name)
    if table is None:
        return ""
    i = table.index("Inställning")
    if i is None:
        return ""
    for excel_row, row in zip(table.row_numbers, table.rows):
        if str(row[i] or "").strip() == key:
            return table.cell(excel_row, "Värde")
    return ""


# ---------------------------------------------------------------- warnings


def warnings(register: Register, raw: RawWorkbook, today: date, problems: Iterable[Problem] = ()) -> list[Problem]:
    """Every warning of this module, each with its cell (never an error).

    `problems` are the ones found so far: while Utförare or Uppföljningstyper have errors,
    the checks of the tool's own Årshjul columns are left out (they would only echo them).
    """
    settings = register.settings
    out = stale_plan_year(raw, settings, today)
    if settings.max_besok_per_vecka == 0:
        out.append(Problem(WARNING, contract.SETTINGS.name, _setting_cell(raw, "Max besök per vecka och handläggare"),
                           "Max besök per vecka och handläggare är 0: besöken fördelas inte per vecka. "
                           "Skriv hur många besök en handläggare hinner per vecka (t.ex. 3)."))
    table = raw.tables.get(contract.SCHEDULE.name)
    if table is not None:
        sources = {contract.PROVIDERS.name, contract.TYPES.name}
        trusted = not any(p.is_error and p.sheet in sources for p in problems)
        out.extend(_schedule_warnings(register, table, today, trusted))
    out.extend(_finding_key_warnings(register, raw))
    return out


def _schedule_warnings(register: Register, table: RawTable, today: date, trusted: bool = True) -> list[Problem]:
    settings = register.settings
    out: list[Problem] = []
    twice = {i for i, n in Counter(p.id for p in register.providers).items() if n > 1}

    def warn(row: ScheduleRow, header: str, text: str) -> None:
        if table.index(header) is not None:
            out.append(Problem(WARNING, table.sheet, table.cell(row.row, header), f"{row.key}: {text}"))

    for row in register.schedule:
        if row.row <= 0:
            continue
        ftype = register.type(row.type_id)
        provider = register.provider(row.provider_id)
        gone = row.status is RowStatus.UTGAR
        if provider is None and row.done is None and not gone:
            warn(row, "UtförarID", f'utföraren "{row.provider_id}" finns inte längre i Utförare; raden blir Utgår '
                                   "vid nästa plan (lägg tillbaka utföraren om den ska följas upp)")
        if row.planned is not None:
            p = row.planned
            if not is_working_day(p):
                warn(row, "Planerat datum", f"Planerat datum {p.isoformat()} är inte en arbetsdag")
            if ftype is not None and ftype.visit:
                s, e = settings.holiday_period(p.year)
                if s <= p <= e:
                    warn(row, "Planerat datum", f"Planerat datum {p.isoformat()} ligger i semesterperioden "
                                                f"({s.isoformat()}–{e.isoformat()})")
            if row.due is not None and p > row.due:
                warn(row, "Planerat datum", f"Planerat datum {p.isoformat()} ligger efter Senast {row.due.isoformat()}")
            try:
                if p.year != row.year:
                    warn(row, "Planerat datum", f"Planerat datum {p.isoformat()} ligger i ett annat år än raden ({row.year})")
            except ValueError:
                pass
        if row.done is not None and row.done > today:
            warn(row, "Genomförd", f"Genomförd {row.done.isoformat()} ligger i framtiden; skriv datumet när "
                                   "uppföljningen är gjord (planerad tid skrivs i Planerat datum)")
        if row.done is not None and row.notified is not None and row.notified > row.done:
            warn(row, "Kallelse skickad", f"Kallelse skickad {row.notified.isoformat()} ligger efter Genomförd "
                                          f"{row.done.isoformat()}")
        if trusted:
            _typed_tool_cells(row, ftype, provider, settings, warn, row.provider_id in twice, today.year)
    return out


def _typed_tool_cells(row: ScheduleRow, ftype: FollowUpType | None, provider: Provider | None,
                      settings: Settings, warn: Callable[[ScheduleRow, str, str], None], duplicate: bool = False,
                      current_year: int = 0) -> None:
    """Values typed into the columns the tool fills in; `warn` records them."""
    advice = "skriv datumet i Planerat datum"
    if row.proposed is not None and (not is_working_day(row.proposed) or (row.due is not None and row.proposed > row.due)):
        warn(row, "Föreslaget datum", f"kolumnen Föreslaget datum fylls i av verktyget ({row.proposed.isoformat()} "
                                      f"följer inte reglerna); {advice}")
    if ftype is not None and row.status is not RowStatus.UTGAR:
        expected = expected_due(row, ftype, provider, settings)
        if expected is not None and row.due is not None and expected != row.due:
            warn(row, "Senast", f"kolumnen Senast fylls i av verktyget (väntat {expected.isoformat()}, står "
                                f"{row.due.isoformat()}); {advice}, eller ändra Intervall och Månad i Uppföljningstyper")
        if not ftype.visit and row.notify_by is not None:
            warn(row, "Kallas senast", f"kolumnen Kallas senast fylls i av verktyget ({ftype.id} har inget besök); "
                                       "skriv kallelsedatum i Kallelse skickad")
        elif ftype.visit and row.notify_by is not None and row.visit_date is not None \
                and row.notify_by > row.visit_date:
            warn(row, "Kallas senast", f"kolumnen Kallas senast fylls i av verktyget; {advice}")
        interval = ftype.interval_for(provider) if provider is not None else ftype.interval
        rhythm = (Interval.MONTH, Interval.QUARTER, Interval.TERTIAL, Interval.HALF_YEAR, Interval.YEAR)
        if row.reason and interval in rhythm:
            warn(row, "Orsak", "kolumnen Orsak fylls i av verktyget; skriv egna anteckningar i Kommentar")

    # Rows of earlier years keep the provider as it was then: no plan rewrites them.
    if provider is not None and not duplicate and row.year >= current_year:
        for header, mine, theirs in (("Utförare", row.provider_name, provider.name),
                                     ("Verksamhetsområde", row.area, provider.area),
                                     ("Nämnd", row.namnd, provider.namnd)):
            if mine and theirs and mine != theirs and _plain(mine) != _plain(theirs):
                warn(row, header, f"kolumnen {header} kopieras från Utförare ({quote_value(theirs)}); ändra i Utförare, "
                                  "nästa plan skriver över värdet här")


def _plain(text: str) -> str:
    """Letters and digits only, case-folded: an emoji or a space more is not a typed value."""
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def expected_due(row: ScheduleRow, ftype: FollowUpType, provider: Provider | None, settings: Settings) -> date | None:
    """Senast as the tool computes it from Period (None when it cannot tell)."""
    period = row.period
    y, kind = period.year, period.kind
    if y is None or kind is None:
        return None
    due: date | None = None
    if kind is Kind.YEAR:
        interval = ftype.interval_for(provider) if provider is not None else ftype.interval
        if interval is Interval.AT_START:
            if row.reason and "planeras igen" in row.reason:
                return None
            due = add_months(provider.start, settings.fordjupad_inom_manader) if provider is not None else None
        elif row.reason:
            return None
        else:
            due = month_end(y, ftype.month) if ftype.month else date(y, 12, 31)
    elif kind is Kind.QUARTER:
        due = month_end(y, 3 * period.number)
    elif kind is Kind.TERTIAL:
        due = settings.tertial_ends(y)[period.number - 1]
    elif kind is Kind.HALF:
        due = date(y, 6, 30) if period.number == 1 else date(y, 12, 31)
    elif kind is Kind.MONTH:
        due = month_end(y, period.number)
    elif period.day is not None and row.reason.startswith(RISK_REASONS[0]):  # an organisational change
        due = risk.change_due(period.day, settings)
    elif period.day is not None and row.reason.startswith(RISK_REASONS[1]):  # before a contract decision
        due = period.day
    elif period.day is not None:
        due = next_working_day(period.day + timedelta(days=ON_DEMAND_DAYS))
    if due is not None and provider is not None and provider.end is not None and provider.end < due:
        due = provider.end
    return due


def _finding_key_warnings(register: Register, raw: RawWorkbook) -> list[Problem]:
    table = raw.tables.get(contract.FINDINGS.name)
    if table is None or table.index("Nyckel") is None:
        return []
    by_key = {r.key: r for r in register.schedule}
    out = []
    for f in register.findings:
        row = by_key.get(f.key) if f.key else None
        if row is not None and f.row > 0 and row.provider_id != f.provider_id:
            out.append(Problem(WARNING, table.sheet, table.cell(f.row, "Nyckel"),
                               f'Nyckel "{f.key}" hör till utföraren {row.provider_id}, inte {f.provider_id}; '
                               "välj en rad i Årshjul för samma utförare"))
    return out


# ---------------------------------------------------------------- Översikt


def backlog(rows: Iterable[ScheduleRow], year: int) -> list[ScheduleRow]:
    """Rows of years before `year` that are neither done nor Utgår."""
    out = []
    for r in rows:
        try:
            ry = r.year
        except ValueError:
            continue
        if ry < year and r.done is None and r.status is not RowStatus.UTGAR:
            out.append(r)
    return sorted(out, key=lambda r: (r.due or date.max, r.provider_id, r.key))


def adopted_counts(rows: Iterable[ScheduleRow], year: int) -> tuple[int, int, int]:
    """(adopted rows, adopted rows done, rows of the year added after adoption) for `year`."""
    mine = []
    for r in rows:
        try:
            if r.year == year:
                mine.append(r)
        except ValueError:
            continue
    adopted = [r for r in mine if r.adopted is not None]
    if not adopted:
        return 0, 0, 0
    added = sum(1 for r in mine if r.adopted is None and r.status is not RowStatus.UTGAR)
    return len(adopted), sum(1 for r in adopted if r.done is not None), added


def changed_rows(rows: Iterable[ScheduleRow]) -> list[ScheduleRow]:
    return [r for r in rows if r.status is RowStatus.ANDRAD_TID]


def add_to_dashboard(d: Dashboard, rows: list[ScheduleRow], status: dict[int, RowStatus], year: int, today: date) -> None:
    """Översikt's backlog figure and tables: the backlog, the adopted plan, the changed times.

    `status` maps id(row) to the row's Status on `today`.
    """
    from uppf_xl.dashboard import DashTable

    # Only the rows whose Status moves today are copied: seven years of Årshjul are mostly done rows.
    live = [r if status.get(id(r), r.status) == r.status else replace(r, status=status[id(r)]) for r in rows]
    old = backlog(live, year)
    d.backlog = len(old)
    d.sections.append(DashTable(
        "tblOversiktEfterslapning",
        f"Ej genomförda från tidigare år ({len(old)})",
        ["År", "Nyckel", "UtförarID", "Utförare", "Uppföljning", "Senast", "Dagar sen", "Status", "Ansvarig"],
        [[r.year, r.key, r.provider_id, r.provider_name, r.type_name, r.due,
          (today - r.due).days if r.due else None, r.status, r.responsible] for r in old],
    ))
    n, done, added = adopted_counts(live, year)
    if n:
        first = min(r.adopted for r in live if r.adopted is not None and _year_of(r) == year)
        d.sections.append(DashTable(
            "tblOversiktFaststalld",
            f"Fastställd plan {year}",
            ["Fastställd", "Uppföljningar i planen", "Genomförda", "Tillagda efter fastställandet"],
            [[first, n, done, added]],
        ))
    changed = changed_rows(live)
    d.sections.append(DashTable(
        "tblOversiktAndradTid",
        f"Ändrad tid efter kallelse ({len(changed)})",
        ["Nyckel", "UtförarID", "Utförare", "Uppföljning", "Kallat datum", "Nytt datum", "Ansvarig"],
        [[r.key, r.provider_id, r.provider_name, r.type_name, r.announced, r.visit_date, r.responsible]
         for r in changed],
    ))


def _year_of(row: ScheduleRow) -> int | None:
    try:
        return row.year
    except ValueError:
        return None


def summary_lines(d: Dashboard) -> list[str]:
    """Terminal lines: the backlog, the adopted plan, the changed times."""
    lines = []
    if d.backlog:
        lines.append(f"{d.backlog} uppföljningar från tidigare år är inte genomförda (se Översikt).")
    for t in d.sections:
        if t.name == "tblOversiktFaststalld" and t.rows:
            _, n, done, added = t.rows[0]
            lines.append(f"Fastställd plan {d.year}: {done} av {n} genomförda, {added} tillagda efter fastställandet.")
        if t.name == "tblOversiktAndradTid" and t.rows:
            lines.append(f"Ändrad tid: {len(t.rows)} besök har fått nytt datum efter kallelsen (letters --kind andrad).")
    return lines


# ---------------------------------------------------------------- commands


def plan_lines(result: PlanResult, adopted: date | None) -> list[str]:
    """What `plan` adds to its summary: the adoption, rows not created, rows planned again."""
    lines = []
    year_rows = result.year_rows()
    if adopted is not None:
        n = sum(1 for r in year_rows if r.adopted == adopted)
        lines.append(f"Fastställd {adopted.isoformat()}: {n} rader i planen för {result.year}.")
    if result.not_created:
        lines.append(f"{result.not_created} rader skapades inte: deras Senast hade redan passerat.")
    again = [r for r in year_rows if "planeras igen" in r.reason]
    if again:
        lines.append(f"{len(again)} uppföljningar från tidigare år planeras igen (se Orsak).")
    return lines


def status_patch(table: RawTable, old: list[ScheduleRow], new: list[ScheduleRow]) -> CellPatch | None:
    """The changed Kallas senast and Status cells of Årshjul, or None when the sheet must be
    written whole (a column is missing)."""
    from uppf_xl.workbook.content import CellPatch

    headers = ("Kallas senast", "Status")
    if any(table.index(h) is None for h in headers) or any(r.row <= 0 for r in old):
        return None
    values: dict[tuple[int, str], Value] = {}
    for before, after in zip(old, new):
        if before.notify_by != after.notify_by:
            values[(before.row, "Kallas senast")] = after.notify_by
        if before.status != after.status:
            values[(before.row, "Status")] = after.status or None
    return CellPatch(contract.SCHEDULE.name, values)
