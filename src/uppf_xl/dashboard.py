"""The status dashboard (Översikt): key figures computed from the tables for a plan year and a date.

`build` is a pure function of the register and the Årshjul rows; `tables` lays the result
out as titled tables that both the terminal (`terminal_tables`) and the sheet
(`dashboard_sheet.dashboard_sheet`) show.

Example:
    >>> d = build(register, register.schedule, 2025, date(2025, 3, 1))   # doctest: +SKIP
    >>> d.figure("Försenade uppföljningar")                              # doctest: +SKIP
    2
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from uppf_xl import finding_board
from uppf_xl import findings as fnd
from uppf_xl import archive, meetings, statuses
from uppf_xl.dates import add_months, month_end, swedish_month
from uppf_xl.model import Finding, FollowUpType, Provider, Register, ScheduleRow
from uppf_xl.risk import dashboard_tables as risk_tables
from uppf_xl.vocab import Category, FindingStatus, Interval, RowStatus
from uppf_xl.workbook.content import Value

WORK_DAYS_AHEAD = 30
# Key figures where anything above zero needs attention (red on the sheet, green at zero).
ALERT_FIGURES = (
    "Försenade uppföljningar",
    "Sena kallelser",
    "Utförare utanför intervall",
    "Försenade åtgärdsplaner",
    "Öppna allvarliga brister",
    "Eskaleringar",
)
NO_HANDLER = "(ej angiven)"

# How far back a completed follow-up still covers a provider, in months.
INTERVAL_MONTHS: dict[Interval, int] = {
    Interval.MONTH: 1,
    Interval.QUARTER: 3,
    Interval.TERTIAL: 4,
    Interval.HALF_YEAR: 6,
    Interval.YEAR: 12,
    Interval.TWO_YEARS: 24,
}


@dataclass
class PlanCount:
    """Planned, done and overdue rows of one group (a nämnd and area, a type or a month)."""

    planned: int = 0
    done: int = 0
    overdue: int = 0

    @property
    def share(self) -> float:
        return self.done / self.planned if self.planned else 0.0


@dataclass
class ScheduleItem:
    """One Årshjul row as the dashboard lists it."""

    key: str
    provider_id: str
    provider: str
    type_id: str
    follow_up: str
    date: date | None  # Senast for overdue rows, Kallas senast for letters
    responsible: str
    days_late: int = 0


@dataclass
class Coverage:
    provider_id: str
    provider: str
    type_id: str
    interval: str
    last_done: date | None
    within: bool
    next_planned: date | None


@dataclass
class NewProvider:
    provider_id: str
    provider: str
    start: date
    state: str  # Genomförd, Planerad, Försenad, Saknas
    when: date | None  # done, else the planned date
    due: date | None


@dataclass
class FindingItem:
    id: str
    provider_id: str
    provider: str
    category: str
    status: str
    requested: date | None
    deadline: date | None
    days_late: int
    escalate: bool
    request_missing: bool


@dataclass
class WorkItem:
    handler: str
    when: date
    task: str
    provider: str
    ref: str  # Nyckel or IakttagelseID


@dataclass
class Dashboard:
    """Everything Översikt shows, as plain values."""

    year: int
    today: date
    title: str
    notice_days: int
    by_unit: dict[tuple[str, str], PlanCount] = field(default_factory=dict)  # (nämnd, area)
    by_type: dict[tuple[str, str], PlanCount] = field(default_factory=dict)  # (TypID, name)
    by_month: dict[int, PlanCount] = field(default_factory=dict)  # 1..12
    overdue: list[ScheduleItem] = field(default_factory=list)
    letters_due: list[ScheduleItem] = field(default_factory=list)
    letters_late: list[ScheduleItem] = field(default_factory=list)
    coverage: list[Coverage] = field(default_factory=list)
    new_providers: list[NewProvider] = field(default_factory=list)
    finding_status: dict[str, int] = field(default_factory=dict)  # every status label
    late_plans: list[FindingItem] = field(default_factory=list)
    serious: list[FindingItem] = field(default_factory=list)  # open Allvarlig brist
    open_by_category: dict[str, int] = field(default_factory=dict)
    work: list[WorkItem] = field(default_factory=list)
    backlog: int = 0  # rows of earlier years neither done nor Utgår
    # Tables other modules add, shown after the dashboard's own in the order they were added:
    # findings (uppf_xl.finding_board), risk, information requests, then the year (uppf_xl.annual).
    sections: list[DashTable] = field(default_factory=list)

    @property
    def total(self) -> PlanCount:
        out = PlanCount()
        for c in self.by_unit.values():
            out.planned += c.planned
            out.done += c.done
            out.overdue += c.overdue
        return out

    @property
    def out_of_coverage(self) -> list[Coverage]:
        return [c for c in self.coverage if not c.within]

    @property
    def open_plans(self) -> int:
        return sum(n for s, n in self.finding_status.items() if FindingStatus(s) in fnd.OPEN_PLAN)

    @property
    def escalations(self) -> list[FindingItem]:
        return [f for f in self.serious if f.escalate]

    @property
    def key_figures(self) -> list[tuple[str, int]]:
        total = self.total
        return [
            (f"Planerade uppföljningar {self.year}", total.planned),
            ("Genomförda uppföljningar", total.done),
            ("Försenade uppföljningar", total.overdue),
            (f"Kallelser att skicka inom {self.notice_days} dagar", len(self.letters_due)),
            ("Sena kallelser", len(self.letters_late)),
            ("Utförare utanför intervall", len({c.provider_id for c in self.out_of_coverage})),
            (f"Nya utförare {self.year}", len(self.new_providers)),
            ("Öppna åtgärdsplaner", self.open_plans),
            ("Försenade åtgärdsplaner", len(self.late_plans)),
            ("Öppna allvarliga brister", len(self.serious)),
            ("Eskaleringar", len(self.escalations)),
            (f"Uppgifter kommande {WORK_DAYS_AHEAD} dagar", len(self.work)),
        ]

    def figure(self, label_start: str) -> int:
        """The key figure whose label starts with `label_start`."""
        for label, value in self.key_figures:
            if label.startswith(label_start):
                return value
        raise KeyError(label_start)


def _handler(row_responsible: str, provider: Provider | None) -> str:
    return row_responsible or (provider.responsible if provider else "") or NO_HANDLER


def _item(row: ScheduleRow, when: date | None, today: date, register: Register) -> ScheduleItem:
    late = (today - when).days if when is not None and today > when else 0
    return ScheduleItem(
        row.key,
        row.provider_id,
        row.provider_name,
        row.type_id,
        row.type_name,
        when,
        _handler(row.responsible, register.provider(row.provider_id)),
        late,
    )


def _required(t: FollowUpType, p: Provider, register: Register, year: int) -> bool:
    """Whether coverage counts type `t` for provider `p`: it applies, recurs, and Årsplan allows it."""
    if not t.active or not t.applies_to(p) or t.interval_for(p) not in INTERVAL_MONTHS:
        return False
    listed = [e for e in register.plan if e.year == year and e.type_id == t.id]
    return not listed or any(e.namnd == p.namnd and e.area == p.area for e in listed)


def build(register: Register, rows: list[ScheduleRow], year: int, today: date) -> Dashboard:
    """The dashboard for plan year `year` on `today`.

    Planned, done and overdue count the Årshjul rows of `year` (Utgår excluded); coverage,
    new providers and findings look at every row and finding.
    """
    s = register.settings
    d = Dashboard(year, today, _title(register, year), s.kallelse_varsel_dagar)
    st = statuses.of(register, today)
    status = {id(r): st.row(r) for r in rows}
    live = [r for r in rows if status[id(r)] is not RowStatus.UTGAR]

    for month in range(1, 13):
        d.by_month[month] = PlanCount()
    for r in live:
        if r.year != year:
            continue
        done = r.done is not None
        overdue = status[id(r)] is RowStatus.FORSENAD
        for counter in (
            d.by_unit.setdefault((r.namnd, r.area), PlanCount()),
            d.by_type.setdefault((r.type_id, r.type_name), PlanCount()),
        ):
            counter.planned += 1
            counter.done += done
            counter.overdue += overdue
        when = r.visit_date or r.due
        if when is not None and when.year == year:
            d.by_month[when.month].planned += 1
            d.by_month[when.month].overdue += overdue
        if r.done is not None and r.done.year == year:
            d.by_month[r.done.month].done += 1
        if overdue:
            d.overdue.append(_item(r, r.due, today, register))

    horizon = today + timedelta(days=s.kallelse_varsel_dagar)
    for r in live:
        if r.notify_by is None or r.notified is not None or r.done is not None:
            continue
        if r.notify_by < today:
            d.letters_late.append(_item(r, r.notify_by, today, register))
        elif r.notify_by <= horizon:
            d.letters_due.append(_item(r, r.notify_by, today, register))

    d.coverage = _coverage(register, live, year, today)
    d.new_providers = _new_providers(register, live, status, year, today)
    _findings(d, register, today)
    d.sections.extend(finding_board.dashboard_tables(register, today))
    d.work = _work(register, live, today)
    d.sections.extend(risk_tables(register, rows, today))
    d.sections.append(DashTable("tblOversiktInformationsbegaran", "Öppna informationsbegäranden", _info_request_header(),
                                _open_info_requests(register, today)))
    d.work = meetings.with_drafts(d.work, register, today, WORK_DAYS_AHEAD)

    d.by_unit = dict(sorted(d.by_unit.items()))
    d.by_type = dict(sorted(d.by_type.items()))
    for items in (d.overdue, d.letters_due, d.letters_late):
        items.sort(key=lambda i: (i.date or date.max, i.key))
    from uppf_xl import annual

    annual.add_to_dashboard(d, rows, status, year, today)
    return d


def _title(register: Register, year: int) -> str:
    kommun = register.settings.kommun
    return f"Översikt uppföljning {year}" + (f" – {kommun}" if kommun else "")


def covered_until(since: date, months: int) -> date:
    """The last day a follow-up done on `since` still covers: the end of the next period.

    Periods are aligned to the calendar (months, quarters, tertials, halves, years), so a
    monthly check done on 2 October covers the provider until 30 November.

    Example:
        >>> covered_until(date(2025, 10, 2), 1)
        datetime.date(2025, 11, 30)
    """
    nxt = add_months(since, months)
    align = min(months, 12)
    return month_end(nxt.year, ((nxt.month - 1) // align + 1) * align)


def _coverage(register: Register, live: list[ScheduleRow], year: int, today: date) -> list[Coverage]:
    last: dict[tuple[str, str], date] = {}
    upcoming: dict[tuple[str, str], date] = {}
    first_due: dict[tuple[str, str], date] = {}
    for r in [*live, *archive.stand_ins(register)]:  # the archived years' latest Genomförd count too
        k = (r.provider_id, r.type_id)
        if r.due is not None:
            first_due[k] = min(first_due.get(k, r.due), r.due)
        if r.done is not None and r.done <= today:
            last[k] = max(last.get(k, r.done), r.done)
        elif r.done is None and r.visit_date is not None and r.visit_date >= today:
            upcoming[k] = min(upcoming.get(k, r.visit_date), r.visit_date)
    out = []
    for p in sorted(register.providers, key=lambda p: p.id):
        if not p.active_on(today):
            continue
        for t in register.types:
            if not _required(t, p, register, year):
                continue
            interval = t.interval_for(p)
            k = (p.id, t.id)
            # A provider new within the interval is not yet due, so its start counts as the reference.
            since = last.get(k, p.start)
            within = today <= covered_until(since, INTERVAL_MONTHS[interval])
            if k not in last and k in first_due:  # no history: within until the first row's Senast passes
                within = today <= first_due[k]
            out.append(Coverage(p.id, p.name, t.id, interval.value, last.get(k), within, upcoming.get(k)))
    return out


def _new_providers(
    register: Register, live: list[ScheduleRow], status: dict[int, RowStatus], year: int, today: date
) -> list[NewProvider]:
    at_start = {t.id for t in register.types if t.interval is Interval.AT_START}
    start_rows: dict[str, list[ScheduleRow]] = {}
    for r in live:
        if r.type_id in at_start:
            start_rows.setdefault(r.provider_id, []).append(r)
    out = []
    for p in sorted(register.providers, key=lambda p: (p.start, p.id)):
        if p.start.year != year:
            continue
        own = start_rows.get(p.id, [])
        due = add_months(p.start, register.settings.fordjupad_inom_manader)
        if not own:
            out.append(NewProvider(p.id, p.name, p.start, "Saknas", None, due))
            continue
        r = min(own, key=lambda r: (r.done is None, r.done or r.visit_date or date.max))
        state = (RowStatus.GENOMFORD if r.done else RowStatus.FORSENAD if status[id(r)] is RowStatus.FORSENAD
                 else RowStatus.PLANERAD).value
        out.append(NewProvider(p.id, p.name, p.start, state, r.done or r.visit_date, r.due or due))
    return out


def _finding_item(f: Finding, status: FindingStatus, register: Register, today: date) -> FindingItem:
    s = register.settings
    due = fnd.deadline(f, s)
    late = (today - due).days if status is FindingStatus.FORSENAD and due is not None else 0
    p = register.provider(f.provider_id)
    return FindingItem(
        f.id,
        f.provider_id,
        p.name if p else "",
        f.category.value,
        status.value,
        f.requested,
        due,
        late,
        fnd.escalate(f, s, today),
        fnd.request_missing(f, s, today),
    )


def _findings(d: Dashboard, register: Register, today: date) -> None:
    counts: Counter[str] = Counter()
    open_cat: Counter[str] = Counter()
    for f in sorted(register.findings, key=lambda f: (f.day, f.id)):
        if not f.confirmed:
            continue  # a proposal counts nowhere until confirmed (listed under Att bekräfta)
        st = statuses.of(register, today).finding(f)
        counts[st.value] += 1
        if st not in fnd.CLOSED:
            open_cat[f.category.value] += 1
        if st is FindingStatus.FORSENAD:
            d.late_plans.append(_finding_item(f, st, register, today))
        if f.category is Category.ALLVARLIG and st not in fnd.CLOSED:
            d.serious.append(_finding_item(f, st, register, today))
    d.finding_status = {label: counts[label] for label in FindingStatus.labels()}
    d.open_by_category = {c.value: open_cat[c.value] for c in Category if c is not Category.GOTT_EXEMPEL}


def _work(register: Register, live: list[ScheduleRow], today: date) -> list[WorkItem]:
    """What falls due from today to WORK_DAYS_AHEAD days ahead, per handläggare."""
    s = register.settings
    last = today + timedelta(days=WORK_DAYS_AHEAD)
    out: list[WorkItem] = []

    def add(when: date | None, handler: str, task: str, provider: str, ref: str) -> None:
        if when is not None and today <= when <= last:
            out.append(WorkItem(handler, when, task, provider, ref))

    for r in live:
        if r.done is not None:
            continue
        handler = _handler(r.responsible, register.provider(r.provider_id))
        if r.notified is None:
            add(r.notify_by, handler, f"Skicka kallelse: {r.type_name}", r.provider_name, r.key)
        add(r.visit_date, handler, r.type_name, r.provider_name, r.key)
    for f in register.findings:
        if not f.confirmed:
            continue
        p = register.provider(f.provider_id)
        handler = _handler("", p)
        name = p.name if p else f.provider_id
        st = statuses.of(register, today).finding(f)
        if st is FindingStatus.BEGARD:
            add(fnd.deadline(f, s), handler, "Åtgärdsplan ska in", name, f.id)
        if f.category is Category.ALLVARLIG and f.requested is None and f.verified is None:
            add(f.day + timedelta(days=s.allvarlig_brist_inom), handler, "Begär åtgärdsplan (allvarlig brist)", name, f.id)
    out.sort(key=lambda w: (w.handler, w.when, w.ref, w.task))
    return out


@dataclass
class DashTable:
    """One titled table of the dashboard; `name` is its Excel table name on Översikt."""

    name: str
    title: str
    header: list[str]
    rows: list[list[Value]]


def _yes(flag: bool) -> str:
    return "Ja" if flag else "Nej"


def _pct(c: PlanCount) -> float:
    return round(c.share, 3)


def tables(d: Dashboard) -> list[DashTable]:
    """The dashboard's tables in display order, with Swedish titles and headers."""
    plan_header = ["Planerade", "Genomförda", "Försenade", "Andel genomförda"]
    sched_header = ["Nyckel", "UtförarID", "Utförare", "Uppföljning", "Ansvarig"]
    finding_header = ["IakttagelseID", "UtförarID", "Utförare", "Kategori", "Status", "Begärd", "Senast"]

    def sched(items: list[ScheduleItem], late: bool) -> list[list[Value]]:
        return [
            [i.key, i.provider_id, i.provider, i.follow_up, i.responsible, i.date] + ([i.days_late] if late else [])
            for i in items
        ]

    return [
        DashTable("tblOversiktNyckeltal", "Nyckeltal", ["Nyckeltal", "Antal"], [[k, v] for k, v in d.key_figures]),
        DashTable(
            "tblOversiktNamnd",
            "Planerat och genomfört per nämnd och verksamhetsområde",
            ["Nämnd", "Verksamhetsområde", *plan_header],
            [[n, a, c.planned, c.done, c.overdue, _pct(c)] for (n, a), c in d.by_unit.items()],
        ),
        DashTable(
            "tblOversiktTyp",
            "Planerat och genomfört per uppföljningstyp",
            ["TypID", "Uppföljning", *plan_header],
            [[t, n, c.planned, c.done, c.overdue, _pct(c)] for (t, n), c in d.by_type.items()],
        ),
        DashTable(
            "tblOversiktManad",
            "Planerat och genomfört per månad",
            ["Månad", "Planerade", "Genomförda"],
            [[swedish_month(m).capitalize(), c.planned, c.done] for m, c in d.by_month.items()],
        ),
        DashTable(
            "tblOversiktForsenade",
            "Försenade uppföljningar",
            [*sched_header, "Senast", "Dagar sen"],
            sched(d.overdue, True),
        ),
        DashTable(
            "tblOversiktKallelser",
            f"Kallelser att skicka inom {d.notice_days} dagar",
            [*sched_header, "Kallas senast"],
            sched(d.letters_due, False),
        ),
        DashTable(
            "tblOversiktSenaKallelser",
            "Sena kallelser",
            [*sched_header, "Kallas senast", "Dagar sen"],
            sched(d.letters_late, True),
        ),
        DashTable(
            "tblOversiktUtanforIntervall",
            "Utförare utanför intervall",
            ["UtförarID", "Utförare", "TypID", "Intervall", "Senast genomförd", "Nästa planerad"],
            [[c.provider_id, c.provider, c.type_id, c.interval, c.last_done, c.next_planned] for c in d.out_of_coverage],
        ),
        DashTable(
            "tblOversiktNyaUtforare",
            f"Nya utförare {d.year} och fördjupad uppföljning",
            ["UtförarID", "Utförare", "Startdatum", "Fördjupad uppföljning", "Datum", "Senast"],
            [[n.provider_id, n.provider, n.start, n.state, n.when, n.due] for n in d.new_providers],
        ),
        DashTable(
            "tblOversiktStatus",
            "Iakttagelser per status",
            ["Status", "Antal"],
            [[s, n] for s, n in d.finding_status.items()],
        ),
        DashTable(
            "tblOversiktKategori",
            "Öppna iakttagelser per kategori",
            ["Kategori", "Öppna"],
            [[c, n] for c, n in d.open_by_category.items()],
        ),
        DashTable(
            "tblOversiktSenaPlaner",
            "Försenade åtgärdsplaner",
            [*finding_header, "Dagar sen"],
            [[f.id, f.provider_id, f.provider, f.category, f.status, f.requested, f.deadline, f.days_late] for f in d.late_plans],
        ),
        DashTable(
            "tblOversiktAllvarliga",
            "Öppna allvarliga brister",
            [*finding_header, "Eskalera", "Begäran saknas"],
            [
                [f.id, f.provider_id, f.provider, f.category, f.status, f.requested, f.deadline, _yes(f.escalate), _yes(f.request_missing)]
                for f in d.serious
            ],
        ),
        DashTable(
            "tblOversiktArbetslista",
            f"Att göra kommande {WORK_DAYS_AHEAD} dagar per handläggare",
            ["Handläggare", "Datum", "Uppgift", "Utförare", "Avser"],
            [[w.handler, w.when, w.task, w.provider, w.ref] for w in d.work],
        ),
        DashTable(
            "tblOversiktTackning",
            "Senast genomförda uppföljning per utförare och typ",
            ["UtförarID", "Utförare", "TypID", "Intervall", "Senast genomförd", "Inom intervall", "Nästa planerad"],
            [
                [c.provider_id, c.provider, c.type_id, c.interval, c.last_done, _yes(c.within), c.next_planned]
                for c in d.coverage
            ],
        ),
        *d.sections,
    ]


def _text(value: Value) -> object:
    """A value as the terminal shows it."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.0%}"
    return value


def terminal_tables(d: Dashboard) -> list[tuple[str, list[str], list[list[object]]]]:
    """(title, header, rows) for the terminal; empty tables are left out, except the key figures."""
    return [
        (t.title, t.header, [[_text(v) for v in row] for row in t.rows])
        for t in tables(d)
        if t.rows or t.name == "tblOversiktNyckeltal"
    ]


def _n(count: int, one: str, many: str) -> str:
    """'3 kallelser', '1 kallelse'; for zero 'inga kallelser' ('ingen' before a singular-only word)."""
    if count == 0:
        return f"{'ingen' if one == many else 'inga'} {many}"
    return f"{count} {one if count == 1 else many}"


def _cap(line: str) -> str:
    return line[:1].upper() + line[1:]


def lines(d: Dashboard) -> list[str]:
    """A few Swedish sentences summing up the dashboard."""
    total = d.total
    late_letters = len(d.letters_late)
    late_plans = len(d.late_plans)
    late_word = "ingen är sen" if late_letters == 0 else f"{late_letters} {'är sen' if late_letters == 1 else 'är sena'}"
    late_plan_word = "ingen försenad" if late_plans == 0 else f"{late_plans} {'försenad' if late_plans == 1 else 'försenade'}"
    escalations = len(d.escalations)
    return [_cap(line) for line in [
        f"{d.title}, per {d.today.isoformat()}.",
        f"{total.done} av {_n(total.planned, 'planerad uppföljning', 'planerade uppföljningar')} är genomförda; "
        f"{total.overdue} {'är försenad' if total.overdue == 1 else 'är försenade'}.",
        f"{_n(len(d.letters_due), 'kallelse', 'kallelser')} ska skickas inom {d.notice_days} dagar; {late_word}.",
        f"{_n(len({c.provider_id for c in d.out_of_coverage}), 'utförare', 'utförare')} är utanför sitt intervall.",
        f"{_n(d.open_plans, 'öppen åtgärdsplan', 'öppna åtgärdsplaner')}"
        + (f", varav {late_plan_word}" if d.open_plans else "") + "; "
        f"{_n(len(d.serious), 'öppen allvarlig brist', 'öppna allvarliga brister')}, "
        f"{escalations if escalations else 'ingen'} att eskalera.",
    ]]


def _open_info_requests(register: Register, today: date) -> list[list[Value]]:
    from uppf_xl import insyn

    return insyn.open_request_rows(register, today)


def _info_request_header() -> list[str]:
    from uppf_xl import insyn

    return list(insyn.OPEN_HEADER)
