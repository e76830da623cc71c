"""The årshjul: one plan year's follow-ups from the register, merged with the user's rows.

`plan(register, year, today)` builds every row of year `year` from Utförare, Uppföljningstyper,
Årsplan, Händelser and Inställningar, keeps what the user wrote in the existing rows (matched
on Nyckel), and returns the whole new Årshjul with a summary. Rows of other years are history
and come back untouched.

Rules the contract leaves open, and what this module does (WORKBOOK.md's Decisions win):

- Periods and Senast: Månad `2025-03`, Kvartal `2025-Q1`, Tertial `2025-T2` (ends from
  Inställningar), Halvår `2025-H1`: Senast is the period's last day, or Slutdatum when the
  provider ends before it. År and Vartannat år
  (`2025`): with a Månad, Senast is that month's last day, else 31 December. Proposals are
  spread over the year up to Senast, except for a document check with a Månad: it is
  proposed in that month, when the document comes in (a Verksamhetsplan is looked at in
  November, not in March). Vid start (`2025`): Senast is Startdatum
  plus "Fördjupad uppföljning inom (månader)", planned in the year of that date, proposed
  between Startdatum (at the earliest 1 January) and Senast. Vid behov (`2025-03-14`): only
  from events, Senast 30 days after the triggering event, moved to the next working day.
- A provider gets a row for a period only when it is active (Startdatum..Slutdatum) somewhere
  in the proposal window (period start, or the Månad for such documents, .. Senast), and the
  proposal stays inside that overlap: a provider ending in May gets its monthly rows up to
  May and no Verksamhetsplan in November; one starting in June gets no Verksamhetsberättelse
  in February.
- Vartannat år: planned in the years of the same parity as the last year (the row's period
  year) in which the provider had this type Genomförd, in any other year's rows; without such
  history, the years after Startdatum's year (start 2024: 2025, 2027, ...).
- Risk: Hög uses "Intervall vid hög risk" when the type has one, Låg "Intervall vid låg
  risk" when it has one; otherwise the type's Intervall.
- Events: events with Hanterad Ja are ignored. An unhandled Allvarlig event proposes a row on
  its date. Unhandled events of one provider are counted in date order; when "Händelser
  antal" of them fall within "Händelser inom (dagar)" (first to last), a row is proposed on the
  date of the last, and those events are not counted again. Serious events count too. Two
  reasons on the same day make one row whose Orsak names both. Every active type whose
  interval (for the provider's risk) is Vid behov gets the row, subject to its filters.
- Föreslaget datum: a working day in the window, spread evenly over it across the providers
  of the same type and period (yearly items get a per-type offset so one provider's yearly
  visits do not all fall in the same week). It is not put before `today` when the window
  allows it, and for visits not before today + Kallelse dagar före (so the kallelse can go
  out in time) when the window allows that. Visits avoid the semester window; when a window
  has no later working day outside it, the visit is proposed inside it and reported.
- Load levelling: visits (Besök Ja) are levelled per person in the row's Ansvarig (the
  user's, else the provider's); rows without an Ansvarig are not levelled. Rows with a
  Planerat datum or Genomförd date, other years' rows and rows already kallade (their
  proposal is kept, the letter named it) count as fixed load. The rest are placed, tightest
  window first, in the week nearest their target that is below "Max besök per vecka och
  handläggare"; when no week in the window has room, in the least loaded week, and the row is
  reported in `unplaced`. A cap of 0 or less turns levelling off.
- Kallas senast (visits only): the visit date (Planerat datum, else Föreslaget) minus the
  type's Kallelse dagar före (else the setting), moved back to a working day.
- Keeping user cells: Planerat datum, Tid, Plats, Kallelse skickad, Genomförd, Ansvarig,
  Kommentar, Dnr and the user's own columns are copied from the existing row with the same
  Nyckel. A cell counts as written when it is not empty; Ansvarig when it is not empty and
  differs from the provider's Ansvarig (an empty Ansvarig takes the provider's; when the
  provider's Ansvarig changes, existing rows keep the old name, since it now differs from
  the default; when the provider is gone, Ansvarig alone does not count). A row of the plan
  year whose key is no longer produced stays with Status Utgår if written, stays as it is
  (Genomförd) when it has a Genomförd date, and is removed otherwise; a second row with a
  key already seen is treated the same way. Such kept rows keep their tool cells as they
  were. Running plan again on its own output gives the same rows.
- Proposals hold (Decisions v2): a kept row keeps its Föreslaget datum while it obeys the
  rules (inside its window, a working day, outside the semester window for visits); kept
  visits are counted against the weekly cap first, in date order, and one over the cap moves
  to a week with room, or stays where it was (reported) when there is none. Only new rows and
  rows that broke a rule are placed anew, so adding, removing or re-risking one provider
  moves only that provider's rows. Kallat datum and Fastställd are carried over; `adopt`
  (plan --fastställ) writes the adoption date on every row of the plan.
- A new row whose Senast (clipped to Slutdatum) has already passed is not created: no row is
  Försenad on the day it is made. Senast is never after the provider's Slutdatum.
- Missed follow-ups: a Vartannat år row of the year before that was neither done nor Utgår,
  and a Vid start follow-up never done, are planned again in the plan year with the reason in
  Orsak (Vid start: due within "Fördjupad uppföljning inom (månader)" of 1 January).
- Status: see `row_status`; Utgår wins over Försenad (a row the rules no longer produce is
  not late), Genomförd wins over everything.
- `unplaced` lists, in Swedish, every visit placed over the weekly cap and every visit that
  had to go inside the semester window; each sentence starts with the row's Nyckel.

Example:
    >>> result = plan(register, 2025, date(2025, 1, 10))       # doctest: +SKIP
    >>> result.added, len(result.unplaced)                     # doctest: +SKIP
    (412, 0)
"""

from __future__ import annotations

import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import lru_cache

from uppf_xl.dates import add_months, month_end, next_working_day, previous_working_day
from uppf_xl.model import Event, FollowUpType, Provider, Register, ScheduleRow, Settings
from uppf_xl.placing import Calendar, Item, Placer, notice_days, year_working_days
from uppf_xl.period import Nyckel, Period
from uppf_xl.vocab import Interval, RowStatus
from uppf_xl import archive, wording

ON_DEMAND_DAYS = 30  # Vid behov: Senast this many days after the event (WORKBOOK.md Decisions)

USER_FIELDS = ("planned", "time", "place", "notified", "done", "responsible", "comment", "dnr")
"""ScheduleRow attributes the user owns; regeneration keeps them row by row."""

MAX_WEEK_ROWS = 40  # above this, the week table lists only the weeks over the cap

MONTH_ABBR = ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec")


# ---------------------------------------------------------------- status


def row_status(row: ScheduleRow, settings: Settings, today: date) -> RowStatus:
    """The Status of an Årshjul row on `today`.

    Genomförd when done; Försenad when past Senast, whatever else it is (the contract's rule,
    so a row the plan no longer produces still shows as late once its date has passed); Utgår
    stays Utgår until then; Ändrad tid when a kallelse announced another date (Kallat datum)
    than the visit date now; Kallad when the kallelse is sent; Att kalla from "Kallelse
    varsel dagar" before Kallas senast (and after it, until sent); else Planerad.

    Example:
        >>> row_status(row, Settings(), date(2025, 3, 1))      # doctest: +SKIP
        <RowStatus.ATT_KALLA: 'Att kalla'>
    """
    if row.done is not None:
        return RowStatus.GENOMFORD
    if row.due is not None and today > row.due:
        return RowStatus.FORSENAD
    if row.status is RowStatus.UTGAR:
        return RowStatus.UTGAR
    if row.announced is not None and row.visit_date is not None and row.announced != row.visit_date:
        return RowStatus.ANDRAD_TID
    if row.notified is not None:
        return RowStatus.KALLAD
    if row.notify_by is not None and today >= row.notify_by - timedelta(days=settings.kallelse_varsel_dagar):
        return RowStatus.ATT_KALLA
    return RowStatus.PLANERAD


def refresh_statuses(rows: Iterable[ScheduleRow], settings: Settings, today: date,
                     types: Iterable[FollowUpType] | None = None) -> list[ScheduleRow]:
    """`rows` with Status recomputed for `today` (the `status` command): a row whose values
    change is a copy, a row that already holds them is the row itself (never change either).

    With `types`, Kallas senast is recomputed too from the visit date the user typed
    (Planerat datum, else Föreslaget datum) for the rows of a type with Besök Ja.
    """
    by_id = {t.id: t for t in types} if types is not None else None
    out = []
    for r in rows:
        due = r.notify_by
        if by_id is not None:
            ftype = by_id.get(r.type_id)
            if ftype is not None and ftype.visit and r.visit_date is not None:
                due = notify_by(r.visit_date, ftype, settings)
        if due != r.notify_by:
            r = replace(r, notify_by=due)
        status = row_status(r, settings, today)
        if status is not r.status:
            r = replace(r, status=status)
        out.append(r)
    return out


def notify_by(visit: date, ftype: FollowUpType | None, settings: Settings) -> date:
    """Kallas senast for a visit on `visit`: the type's Kallelse dagar före back, on a working day."""
    return previous_working_day(visit - timedelta(days=notice_days(ftype, settings)))


# ---------------------------------------------------------------- generation


@dataclass(frozen=True)
class _Slot:
    period: Period
    first: date  # earliest proposal (the period's or the anchor month's first day)
    due: date  # Senast
    reason: str = ""
    spread_offset: bool = False  # a yearly item spread over the whole year




def _slots(interval: Interval, ftype: FollowUpType, provider: Provider, year: int, settings: Settings,
           last_done: dict[tuple[str, str], int], missed: dict[tuple[str, str], int] | None = None) -> list[_Slot]:
    """The periods of `year` a provider gets for a type with this interval (Vid behov: none)."""
    y = Period.of_year(year)
    if interval is Interval.MONTH:
        return [_Slot(Period.month(year, m), date(year, m, 1), month_end(year, m)) for m in range(1, 13)]
    if interval is Interval.QUARTER:
        return [_Slot(Period.quarter(year, q), date(year, 3 * q - 2, 1), month_end(year, 3 * q)) for q in range(1, 5)]
    if interval is Interval.TERTIAL:
        ends = settings.tertial_ends(year)
        starts = (date(year, 1, 1), ends[0] + timedelta(days=1), ends[1] + timedelta(days=1))
        return [_Slot(Period.tertial(year, i + 1), starts[i], ends[i]) for i in range(3)]
    if interval is Interval.HALF_YEAR:
        return [_Slot(Period.half(year, 1), date(year, 1, 1), date(year, 6, 30)),
                _Slot(Period.half(year, 2), date(year, 7, 1), date(year, 12, 31))]
    if interval in (Interval.YEAR, Interval.TWO_YEARS):
        reason = ""
        if interval is Interval.TWO_YEARS and not _two_year_due(provider, ftype, year, last_done):
            missed_year = (missed or {}).get((provider.id, ftype.id))
            if missed_year != year - 1:
                return []
            reason = f"Vartannat år: uppföljningen {missed_year} genomfördes inte och planeras igen {year}"
        if not ftype.month:
            return [_Slot(y, date(year, 1, 1), date(year, 12, 31), reason, spread_offset=True)]
        due = month_end(year, ftype.month)
        if ftype.visit:  # a visit due by the Månad: spread over the year up to it
            return [_Slot(y, date(year, 1, 1), due, reason, spread_offset=True)]
        # a document due in the Månad (Verksamhetsplan in November) is looked at that month
        return [_Slot(y, date(year, ftype.month, 1), due, reason)]
    if interval is Interval.AT_START:
        due = add_months(provider.start, settings.fordjupad_inom_manader)
        if due.year < year and (missed or {}).get((provider.id, ftype.id)) is not None:
            # Never done: planned again, due within the same number of months of 1 January.
            first = date(year, 1, 1)
            again = min(add_months(first, settings.fordjupad_inom_manader) - timedelta(days=1), date(year, 12, 31))
            reason = (f"Fördjupad uppföljning vid start ({provider.start.isoformat()}) genomfördes inte "
                      f"(senast {due.isoformat()}); planeras igen {year}")
            return [_Slot(y, first, again, reason)]
        if due.year != year:
            return []
        reason = (f"Ny utförare: start {provider.start.isoformat()}, fördjupad uppföljning inom "
                  f"{settings.fordjupad_inom_manader} månader")
        return [_Slot(y, max(provider.start, date(year, 1, 1)), due, reason)]
    return []


def _two_year_due(provider: Provider, ftype: FollowUpType, year: int, last_done: dict[tuple[str, str], int]) -> bool:
    """Whether a Vartannat år type falls in `year` for this provider."""
    anchor = last_done.get((provider.id, ftype.id))
    if anchor is None:
        if provider.start is not None:
            anchor = provider.start.year + 1
        else:  # defensive: spread evenly on a stable hash of the provider
            anchor = zlib.crc32(provider.id.encode()) % 2
    return (year - anchor) % 2 == 0


def _row_year(row: ScheduleRow) -> int | None:
    if row.period.year is not None:
        return row.period.year
    return row.due.year if row.due is not None else None


def _last_done(rows: Iterable[ScheduleRow], year: int) -> dict[tuple[str, str], int]:
    """(UtförarID, TypID) -> the latest other year whose row of that type was Genomförd."""
    out: dict[tuple[str, str], int] = {}
    for r in rows:
        ry = _row_year(r)
        if r.done is None or ry is None or ry == year:
            continue
        k = (r.provider_id, r.type_id)
        if ry > out.get(k, -1):
            out[k] = ry
    return out


def _missed(rows: Iterable[ScheduleRow], year: int) -> dict[tuple[str, str], int]:
    """(UtförarID, TypID) -> the latest earlier year with a row neither done nor Utgår, when no
    row of that pair was done in that year or later (a missed Vartannat år or Vid start)."""
    done: dict[tuple[str, str], int] = {}
    undone: dict[tuple[str, str], int] = {}
    for r in rows:
        ry = _row_year(r)
        if ry is None or ry >= year:
            continue
        k = (r.provider_id, r.type_id)
        if r.done is not None:
            done[k] = max(done.get(k, ry), ry)
        elif r.status is not RowStatus.UTGAR:
            undone[k] = max(undone.get(k, ry), ry)
    return {k: y for k, y in undone.items() if done.get(k, -1) < y}


def _plan_pairs(register: Register, year: int) -> dict[str, set[tuple[str, str]]]:
    """TypID -> the (Nämnd, Verksamhetsområde) pairs Årsplan lists for `year`."""
    out: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for e in register.plan:
        if e.year == year:
            out[e.type_id].add((e.namnd.strip(), e.area.strip()))
    return out


def event_triggers(events: Iterable[Event], settings: Settings, year: int) -> dict[str, list[tuple[date, str]]]:
    """UtförarID -> [(date, Orsak)] of the event-driven follow-ups that fall in `year`.

    Example:
        >>> event_triggers([Event(date(2025, 3, 14), "U1", EventType.LEX_SARAH, serious=True)],
        ...                Settings(), 2025)                    # doctest: +SKIP
        {'U1': [(datetime.date(2025, 3, 14), 'Allvarlig händelse 2025-03-14: Lex Sarah')]}
    """
    by_provider: dict[str, list[Event]] = defaultdict(list)
    for ev in events:
        if not ev.handled:
            by_provider[ev.provider_id].append(ev)
    n, within = max(settings.handelser_antal, 1), settings.handelser_inom_dagar
    out: dict[str, list[tuple[date, str]]] = {}
    for pid, evs in by_provider.items():
        evs.sort(key=lambda e: (e.day, e.row))
        found: dict[date, list[str]] = defaultdict(list)
        window: list[Event] = []
        for ev in evs:
            if ev.serious and ev.day.year == year:
                found[ev.day].append(f"Allvarlig händelse {ev.day.isoformat()}: {ev.type}")
            window.append(ev)
            window = [w for w in window if (ev.day - w.day).days <= within]
            if len(window) >= n:
                if ev.day.year == year:
                    span = f"{window[0].day.isoformat()}–{ev.day.isoformat()}" if len(window) > 1 else ev.day.isoformat()
                    found[ev.day].append(f"{wording.events_reason((w.type for w in window), within)} ({span})")
                window = []
        if found:
            out[pid] = [(d, "; ".join(found[d])) for d in sorted(found)]
    return out


def _written(old: ScheduleRow, provider: Provider | None) -> bool:
    """Whether the user wrote in any user-owned cell of `old` (Ansvarig: other than the default)."""
    for name in USER_FIELDS:
        value = getattr(old, name)
        if name == "responsible":
            if value and provider is not None and value != provider.responsible:
                return True
        elif value not in (None, ""):
            return True
    return any(v not in (None, "") for v in old.extra.values())


def _keep_user_cells(new: ScheduleRow, old: ScheduleRow, provider: Provider) -> None:
    for name in USER_FIELDS:
        if name == "responsible":
            if old.responsible and old.responsible != provider.responsible:
                new.responsible = old.responsible
        else:
            setattr(new, name, getattr(old, name))
    new.extra = dict(old.extra)


def _offset(type_id: str) -> float:
    return (zlib.crc32(type_id.encode()) % 1000) / 1000.0


# ---------------------------------------------------------------- plan


@dataclass
class PlanResult:
    """What `plan` produced: the whole new Årshjul and what to tell the user.

    `rows`: every row, all years, sorted by year, Senast, visit date, UtförarID, TypID.
    `added`: new keys of the plan year; `kept`: keys matched on an existing row, plus done
    rows the rules no longer produce; `expired`: rows kept as Utgår; `removed`: rows dropped.
    `unplaced`: Swedish sentences, each starting with the row's Nyckel.
    """

    year: int
    rows: list[ScheduleRow]
    unplaced: list[str] = field(default_factory=list)
    added: int = 0
    kept: int = 0
    removed: int = 0
    expired: int = 0
    cap: int = 0
    type_names: dict[str, str] = field(default_factory=dict)
    not_created: int = 0  # rows not created because their Senast had already passed

    def year_rows(self) -> list[ScheduleRow]:
        return [r for r in self.rows if _row_year(r) == self.year]

    def summary_lines(self) -> list[str]:
        """Swedish sentences for the terminal and the Logg row."""
        n = len(self.year_rows())
        lines = [
            f"Årshjul {self.year}: {n} rader ({self.added} nya, {self.kept} behållna, "
            f"{self.expired} utgår, {self.removed} borttagna)."
        ]
        if self.unplaced:
            lines.append(f"{len(self.unplaced)} besök kunde inte placeras enligt reglerna (se tabellen).")
        return lines

    def summary_tables(self) -> list[tuple[str, list[str], list[list[object]]]]:
        """(title, header, rows) tables: rows per type and month, visits per person and week, unplaced."""
        rows = [r for r in self.year_rows() if r.status is not RowStatus.UTGAR]
        per_type: dict[str, list[int]] = {}
        for r in sorted(rows, key=lambda r: r.type_id):
            day = r.visit_date or r.due
            counts = per_type.setdefault(r.type_id, [0] * 12)
            if day is not None and day.year == self.year:
                counts[day.month - 1] += 1
        header = ["TypID", *MONTH_ABBR, "Summa"]  # TypID only: 14 columns must fit a terminal
        table1: list[list[object]] = [[tid, *c, sum(c)] for tid, c in per_type.items()]
        totals = [sum(c[m] for c in per_type.values()) for m in range(12)]
        table1.append(["Summa", *totals, sum(totals)])
        tables: list[tuple[str, list[str], list[list[object]]]] = [
            (f"Rader per uppföljning och månad {self.year}", header, table1)
        ]

        weeks: Counter[tuple[str, tuple[int, int]]] = Counter()
        for r in rows:
            day = r.planned or r.done or r.proposed
            if r.notify_by is not None and r.responsible and day is not None:
                weeks[(r.responsible, day.isocalendar()[:2])] += 1
        per_person: dict[str, list[tuple[tuple[int, int], int]]] = defaultdict(list)
        for (person, week), n in weeks.items():
            per_person[person].append((week, n))
        table2: list[list[object]] = []
        for person in sorted(per_person):
            ws = per_person[person]
            busiest = max(ws, key=lambda wn: (wn[1], -wn[0][0], -wn[0][1]))
            at_cap = sum(1 for _, n in ws if self.cap > 0 and n >= self.cap)
            table2.append([person, sum(n for _, n in ws), len(ws), _week_label(busiest[0]), busiest[1], at_cap])
        tables.append((
            f"Besök per handläggare {self.year} (max {self.cap} per vecka)",
            ["Ansvarig", "Besök", "Veckor", "Mest belastade vecka", "Besök den veckan", "Veckor vid max"],
            table2,
        ))
        if self.cap > 0:
            # At the cap is a full week, over it a problem; list full weeks only while few.
            full = sorted((p, w, n) for (p, w), n in weeks.items() if n >= self.cap)
            title = "Veckor vid eller över max"
            if len(full) > MAX_WEEK_ROWS:
                full = [(p, w, n) for p, w, n in full if n > self.cap]
                title = "Veckor över max"
            if full:
                tables.append((
                    title,
                    ["Ansvarig", "Vecka", "Besök"],
                    [[p, _week_label(w), n] for p, w, n in full],
                ))
        if self.unplaced:
            tables.append(("Kunde inte placeras", ["Beskrivning"], [[s] for s in self.unplaced]))
        return tables


def _week_label(week: tuple[int, int]) -> str:
    return f"{week[0]} v{week[1]:02d}"


def _sort_key(r: ScheduleRow) -> tuple[object, ...]:
    return (_row_year(r) or 0, r.due or date.max, r.visit_date or date.max, r.provider_id, r.type_id, r.period, r.key)


def plan(
    register: Register,
    year: int,
    today: date,
    progress: Callable[[int, int], None] | None = None,
    extra_slots: dict[tuple[str, str], list[tuple[Period, date, date, str]]] | None = None,
    adopt: date | None = None,
) -> PlanResult:
    """Generate year `year` of the Årshjul and merge it with the existing rows (see the module docstring).

    `progress(done, total)` is called after each follow-up type, for a progress bar.
    `extra_slots` maps (UtförarID, TypID) to (Period, first day, Senast, Orsak) of rows asked
    for beside the type's own rhythm (uppf_xl.risk: organisational changes, contract decisions).
    `adopt` (plan --fastställ): the adoption date written in Fastställd on the rows of the plan.

    Example:
        >>> r = plan(register, 2025, date(2025, 1, 10))          # doctest: +SKIP
        >>> r.rows[0].key                                         # doctest: +SKIP
        'U001|VB|2025'
    """
    settings = register.settings
    providers = register.providers
    existing: dict[str, ScheduleRow] = {}
    duplicates: list[ScheduleRow] = []
    others: list[ScheduleRow] = []
    for r in register.schedule:
        if _row_year(r) != year:
            others.append(r)
        elif r.key in existing:
            duplicates.append(r)
        else:
            existing[r.key] = r

    history = [*register.schedule, *archive.stand_ins(register)]  # the archived years' latest Genomförd too
    last_done = _last_done(history, year)
    missed = _missed(history, year)
    not_created = 0
    pairs = _plan_pairs(register, year)
    triggers = event_triggers(register.events, settings, year)
    items: list[Item] = []
    produced: set[str] = set()
    added = kept = 0
    types = [t for t in register.types if t.active]

    def add(provider: Provider, ftype: FollowUpType, slot: _Slot) -> Item | None:
        nonlocal added, kept, not_created
        first = max(slot.first, provider.start)
        last = slot.due if provider.end is None else min(slot.due, provider.end)
        if first > last:
            return None
        key = Nyckel.of(provider.id, ftype.id, slot.period)
        if key in produced:
            return None
        old = existing.get(key)
        if old is None and last < today:
            not_created += 1  # a new row is never late on the day it is created
            return None
        produced.add(key)
        row = ScheduleRow(
            key=key, provider_id=provider.id, provider_name=provider.name, area=provider.area,
            namnd=provider.namnd, type_id=ftype.id, type_name=ftype.name, period=slot.period,
            due=last, responsible=provider.responsible, reason=slot.reason,
        )
        item = Item(row, ftype, first, last)
        if old is not None:
            kept += 1
            _keep_user_cells(row, old, provider)
            row.announced, row.adopted = old.announced, old.adopted
            if (old.notified or old.done) and old.proposed and first <= old.proposed <= last \
                    and old.proposed in _year_set(old.proposed.year):
                item.fixed = old.proposed  # the kallelse (or the visit) named this date
            elif old.proposed is not None and _obeys(old.proposed, first, last, ftype, settings):
                item.hold = old.proposed  # proposals hold while they obey the rules
        else:
            added += 1
        if adopt is not None:
            row.adopted = adopt
        item.person = row.responsible
        items.append(item)
        return item

    for n_type, ftype in enumerate(types, 1):
        allowed = pairs.get(ftype.id)
        groups: dict[str, list[Item]] = defaultdict(list)
        offset_groups: set[str] = set()
        for p in providers:
            if not ftype.applies_to(p):
                continue
            if allowed is not None and (p.namnd.strip(), p.area.strip()) not in allowed:
                continue
            for period, first_day, due_day, why in (extra_slots or {}).get((p.id, ftype.id), ()):
                item = add(p, ftype, _Slot(period, first_day, due_day, why))
                if item is not None:
                    groups[period].append(item)
            interval = ftype.interval_for(p)
            if interval is Interval.ON_DEMAND:
                for day, reason in triggers.get(p.id, ()):
                    # a deadline the tool computes falls on a working day (Decisions v2)
                    slot = _Slot(Period.event(day), day, next_working_day(day + timedelta(days=ON_DEMAND_DAYS)), reason)
                    item = add(p, ftype, slot)
                    if item is not None:
                        groups["ON_DEMAND"].append(item)
                continue
            for slot in _slots(interval, ftype, p, year, settings, last_done, missed):
                item = add(p, ftype, slot)
                if item is not None:
                    groups[slot.period].append(item)
                    if slot.spread_offset:
                        offset_groups.add(slot.period)
        for group_name, group in groups.items():
            if group_name == "ON_DEMAND":
                continue  # one per event: the middle of its 30 days
            group.sort(key=lambda it: it.row.provider_id)
            shift = _offset(ftype.id) if group_name in offset_groups else 0.0
            n = len(group)
            for i, it in enumerate(group):
                it.fraction = ((i + 0.5) / n + shift) % 1.0
        if progress is not None:
            progress(n_type, len(types))

    # Orphans: rows of the plan year the rules no longer produce.
    kept_rows: list[ScheduleRow] = []
    removed = expired = 0
    for old in [*existing.values(), *duplicates]:
        if old.key in produced and existing.get(old.key) is old:
            continue
        if old.done is not None:
            kept_rows.append(replace(old, status=RowStatus.GENOMFORD))
            kept += 1
        elif _written(old, register.provider(old.provider_id)):
            kept_rows.append(replace(old, status=RowStatus.UTGAR))
            expired += 1
        else:
            removed += 1

    years = {year, year + 1}
    years.update(it.first.year for it in items)
    cal = Calendar(settings, range(min(years), max(years) + 1))
    placer = Placer(cal, settings, today)

    # Fixed load first: other years, kept done rows, and rows with a date the user fixed.
    for r in [*others, *kept_rows]:
        if r.status is RowStatus.UTGAR:
            continue
        known = register.type(r.type_id)
        is_visit = known.visit if known is not None else r.notify_by is not None
        when = r.planned or r.done or r.proposed
        if is_visit and when is not None:
            provider = register.provider(r.provider_id)
            placer.add_load(r.responsible or (provider.responsible if provider else ""), when)
    to_level: list[Item] = []
    holds: list[Item] = []
    for it in items:
        row = it.row
        if not it.ftype.visit:
            row.proposed = it.fixed or it.hold or placer.place(it, level=False)
            continue
        load_day = row.planned or row.done or it.fixed
        if load_day is not None:
            row.proposed = it.fixed or it.hold or placer.place(it, level=False)
            placer.add_load(it.person, load_day)
        elif it.hold is not None:
            holds.append(it)
        else:
            to_level.append(it)
    # Kept proposals next, in date order, while their week has room under the cap.
    holds.sort(key=lambda it: (it.hold or date.max, it.row.key))
    over_cap: list[Item] = []
    for it in holds:
        assert it.hold is not None
        week = it.hold.isocalendar()[:2]
        if placer.cap <= 0 or not it.person or placer.load[(it.person, week)] < placer.cap:
            it.row.proposed = it.hold
            placer.add_load(it.person, it.hold)
        else:
            over_cap.append(it)
    # A kept proposal over the cap moves to a week with room; when there is none, it stays.
    for it in over_cap:
        assert it.hold is not None
        reported = len(placer.unplaced)
        day = placer.place(it, level=True)
        if len(placer.unplaced) > reported:
            del placer.unplaced[reported:]
            placer.remove_load(it.person, day)
            placer.add_load(it.person, it.hold)
            week = it.hold.isocalendar()[:2]
            placer.unplaced.append(
                f"{it.row.key}: {it.person} har ingen vecka under max ({placer.cap} besök) före Senast; "
                f"föreslaget {it.hold.isoformat()} behålls (vecka {week[1]}, {placer.load[(it.person, week)]} besök)."
            )
            day = it.hold
        it.row.proposed = day
    to_level.sort(key=lambda it: ((it.last - it.first).days, it.first, it.fraction, it.row.key))
    for it in to_level:
        it.row.proposed = placer.place(it, level=True)

    for it in items:
        row = it.row
        if it.ftype.visit and row.visit_date is not None:
            row.notify_by = notify_by(row.visit_date, it.ftype, settings)
        row.status = row_status(row, settings, today)

    # The other years' rows are written again too, so with today's Status: last year's
    # backlog turns Försenad as the plan is made, not at the next status run.
    others = [r if (now := row_status(r, settings, today)) is r.status else replace(r, status=now) for r in others]
    rows = [it.row for it in items] + kept_rows + others
    rows.sort(key=_sort_key)
    return PlanResult(
        year=year, rows=rows, unplaced=placer.unplaced, added=added, kept=kept, removed=removed,
        expired=expired, cap=settings.max_besok_per_vecka, type_names={t.id: t.name for t in register.types},
        not_created=not_created,
    )


def _obeys(day: date, first: date, last: date, ftype: FollowUpType, settings: Settings) -> bool:
    """Whether a kept proposal still obeys the rules: in its window, a working day, and for
    visits outside the holiday period (the weekly cap is checked when placing)."""
    if not first <= day <= last or day not in _year_set(day.year):
        return False
    if ftype.visit:
        s, e = settings.holiday_period(day.year)
        if s <= day <= e:
            return False
    return True


@lru_cache(maxsize=32)
def _year_set(year: int) -> frozenset[date]:
    return frozenset(year_working_days(year))


__all__ = [
    "PlanResult",
    "USER_FIELDS",
    "event_triggers",
    "notify_by",
    "plan",
    "refresh_statuses",
    "row_status",
]
