"""The nämnd report's content: every table and text, computed from a Register and Årshjul rows.

Pure computation; `documents.report` turns a `NamndReport` into the .docx, the annex and charts.
Definitions (WORKBOOK.md, Decisions "Nämnd report"):

- Periods: T1 = 1 January to Tertial 1 slut, T2 = 1 January to Tertial 2 slut (cumulative),
  år = the whole year. `as_of` = the earlier of today and the period's last day: states
  (open, late, resolved) are judged on that day.
- Providers at the start / end: those of the nämnd active on the period's first / last day.
- Followed up: a provider with an Årshjul row of a type whose Intervall is neither Månad nor
  Vid behov and whose Genomförd lies in the period. Got an action plan: a provider with a
  finding whose Åtgärdsplan begärd lies in the period. Both count providers; findings beside.
- Approved / verified: findings whose Åtgärdsplan godkänd / Åtgärd verifierad lies in the
  period. A finding needs action when its Kategori is Avvikelse or Allvarlig brist or an
  action plan was requested; it is resolved when approved or verified by `as_of`.
- The assessment per area names, by UtförarID, the providers with findings needing action
  that are not resolved (findings dated in the period, and older ones still open at its start).
- Texts come only from Sammanfattning för nämnd (findings), Orsak (Årshjul), Fokusområde
  and its Beskrivning; never from a finding's or an event's Beskrivning. Every one is listed
  in `NamndReport.texts` for the guard, with its sheet and cell; provider names shown are in
  `NamndReport.labels` (checked for personnummer only: a firm may carry its owner's name).
- Covered findings (what --mark-reported dates): every finding the report counts or quotes:
  dated, requested, approved or verified in the period, needing action and still open at its
  start, open serious deficiencies, and focus-area findings and good examples of the period.
- Counts about individuals: the number of events of type Klagomål, Avvikelse, Lex Sarah and
  Lex Maria (each concerns a care situation of one person) are shown "<3" below Minsta
  redovisade antal. Counts of providers, follow-ups and findings describe organisations and
  are shown as they are.

Example:
    >>> rep = build_report(register, register.schedule, 2025, "T1", "Vård- och omsorgsnämnden",
    ...                    date(2025, 5, 10))                                  # doctest: +SKIP
    >>> rep.counts.rows[-1]                                                   # doctest: +SKIP
    ['Totalt', 7, 3, 10, 8, 3, 11, '+1']
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import replace
from datetime import date
from typing import Any, Iterable

from uppf_xl import findings as workflow
from uppf_xl.contract import FINDINGS, PROVIDERS, SCHEDULE, CellLocator, default_cell
from uppf_xl.dates import swedish_month
from uppf_xl.errors import UsageError
from uppf_xl.guard import GuardItem, suppress
from uppf_xl.model import Event, Finding, Provider, Register, ScheduleRow
from uppf_xl.period import Kind, Period
from uppf_xl.report_model import AreaResult, ChartData, Example, FocusResult, NamndReport, Table
from uppf_xl.risk import report_tables as risk_tables
from uppf_xl.vocab import Category, EventType, Interval, Regi, RowStatus

PERIODS = ("T1", "T2", "år")

# Event types whose counts describe individuals (see the module docstring).
PERSON_EVENT_TYPES = frozenset({EventType.KLAGOMAL, EventType.AVVIKELSE, EventType.LEX_SARAH, EventType.LEX_MARIA})
ACTION_CATEGORIES = frozenset({Category.AVVIKELSE, Category.ALLVARLIG})
DEVIATION_CATEGORIES = (Category.AVVIKELSE, Category.ALLVARLIG, Category.FORBATTRING)
REGI_WORDS = {Regi.PRIVAT: ("privat", "privata"), Regi.EGEN: ("i egen regi", "i egen regi"), Regi.IDEBUREN: ("idéburen", "idéburna")}
NO_AREA = "Ej angivet"
SUMMARY = "Sammanfattning för nämnd"



def normalize_period(period: str | None) -> str:
    """"T1", "T2" or "år" from what a user typed (t1, År, ar, helår); default år."""
    value = (period or "år").strip()
    folded = value.casefold()
    if folded in ("t1", "t2"):
        return folded.upper()
    if folded in ("år", "ar", "helår", "helar"):
        return "år"
    raise UsageError(f'--period ska vara T1, T2 eller år, inte "{value}"')


def period_bounds(register: Register, year: int, period: str) -> tuple[date, date]:
    """First and last day of a report period; T1 and T2 are cumulative from 1 January."""
    t1, t2, t3 = register.settings.tertial_ends(year)
    last = {"T1": t1, "T2": t2, "år": t3}[normalize_period(period)]
    return date(year, 1, 1), last


def build_report(
    register: Register,
    rows: list[ScheduleRow],
    year: int,
    period: str,
    namnd: str,
    today: date,
    *,
    locate: CellLocator = default_cell,
) -> NamndReport:
    """Compute the report of one nämnd for `period` ("T1", "T2", "år") of `year`."""
    period = normalize_period(period)
    first, last = period_bounds(register, year, period)
    return _Builder(register, rows, year, period, namnd, today, first, last, locate).build()


def namnder(register: Register) -> list[str]:
    """The nämnder of the register, in the order they first appear in Utförare."""
    return list(dict.fromkeys(p.namnd for p in register.providers))


class _Builder:
    def __init__(
        self,
        register: Register,
        rows: list[ScheduleRow],
        year: int,
        period: str,
        namnd: str,
        today: date,
        first: date,
        last: date,
        locate: CellLocator,
    ) -> None:
        self.reg = register
        self.year, self.period, self.namnd, self.today = year, period, namnd, today
        self.first, self.last = first, last
        self.as_of = min(today, last)
        self.locate = locate
        self.minimum = register.settings.minsta_redovisade_antal
        self.providers = [p for p in register.providers if p.namnd == namnd]
        if not self.providers:
            known = ", ".join(namnder(register)) or "inga"
            raise UsageError(f'Nämnden "{namnd}" har inga utförare i Utförare (nämnder: {known})')
        self.by_id = {p.id: p for p in self.providers}
        self.rows = [r for r in rows if r.provider_id in self.by_id and r.status is not RowStatus.UTGAR]
        # A proposal with Bekräftad Nej counts nowhere until a user confirms it.
        self.findings = [f for f in register.findings if f.provider_id in self.by_id and f.confirmed]
        self.events = [e for e in register.events if e.provider_id in self.by_id and self.in_period(e.day)]
        self.areas = _ordered_areas(
            {p.area for p in self.providers if p.active_between(first, last)}, register.lists.get("Verksamhetsområde", [])
        )
        self.regi = [Regi.PRIVAT, Regi.EGEN] + (
            [Regi.IDEBUREN] if any(p.regi is Regi.IDEBUREN for p in self.providers) else []
        )
        self.texts: list[GuardItem] = []
        self.labels: list[GuardItem] = []
        self.warnings: list[str] = []
        self.covered: dict[str, Finding] = {}

    # -- helpers ---------------------------------------------------------------------------
    def in_period(self, day: date | None) -> bool:
        return day is not None and self.first <= day <= self.last

    def kind(self, row: ScheduleRow) -> Interval | None:
        ftype = self.reg.type(row.type_id)
        if ftype is not None:
            return ftype.interval
        if row.period.kind is Kind.MONTH:
            return Interval.MONTH
        if row.period.kind is Kind.DAY:
            return Interval.ON_DEMAND
        return None

    def type_name(self, row: ScheduleRow) -> str:
        ftype = self.reg.type(row.type_id)
        return (ftype.name if ftype else "") or row.type_name or row.type_id

    def area_of(self, provider_id: str) -> str:
        return self.by_id[provider_id].area

    def resolved(self, f: Finding) -> bool:
        return (f.approved is not None and f.approved <= self.as_of) or (
            f.verified is not None and f.verified <= self.as_of
        )

    def needs_action(self, f: Finding) -> bool:
        return f.category in ACTION_CATEGORIES or f.requested is not None

    def quote(self, f: Finding) -> str:
        """A finding's public summary, registered for the guard; "" (and a warning) when empty."""
        if not f.summary.strip():
            where = f"{FINDINGS.name}!{self.cell(FINDINGS.name, f.row, SUMMARY)}" if f.row else FINDINGS.name
            self.warnings.append(
                f"Varning: {where}: {SUMMARY} saknas för {f.id}; iakttagelsen räknas men citeras inte"
            )
            return ""
        self.text(FINDINGS.name, f.row, SUMMARY, f.summary)
        return f.summary.strip()

    def text(self, sheet: str, excel_row: int, header: str, value: str) -> None:
        item = GuardItem(sheet, self.cell(sheet, excel_row, header) if excel_row else "", value)
        if item not in self.texts:
            self.texts.append(item)

    def name(self, provider: Provider) -> str:
        """A provider's name, registered for the guard's personnummer check (not names: a firm
        may carry its owner's name, which is public)."""
        item = GuardItem(PROVIDERS.name, self.cell(PROVIDERS.name, provider.row, "Namn") if provider.row else "", provider.name)
        if item not in self.labels:
            self.labels.append(item)
        return provider.name

    def cell(self, sheet: str, excel_row: int, header: str) -> str:
        try:
            return self.locate(sheet, excel_row, header)
        except (KeyError, ValueError):
            return default_cell(sheet, excel_row, header)

    def cover(self, findings: Iterable[Finding]) -> None:
        for f in findings:
            self.covered.setdefault(f.id, f)

    def count(self, n: int) -> str | int:
        """A count about individuals: "<3" when suppressed, else the number."""
        shown = suppress(n, self.minimum)
        return n if shown == str(n) else shown

    # -- sections --------------------------------------------------------------------------
    def build(self) -> NamndReport:
        s = self.reg.settings
        areas = [self.area_result(a) for a in self.areas]
        counts = self.counts_table(areas)
        report = NamndReport(
            namnd=self.namnd,
            year=self.year,
            period=self.period,
            period_label=self.period_label(),
            first=self.first,
            last=self.last,
            today=self.today,
            as_of=self.as_of,
            kommun=s.kommun,
            forvaltning=s.forvaltning,
            handlaggare=s.avsandare,
            titel=s.titel,
            telefon=s.telefon,
            epost=s.epost,
            dnr=s.diarienummer,
            regi=[r.value for r in self.regi],
            minimum=self.minimum,
            areas=areas,
            counts=counts,
            followed=self.followed_table(areas),
            action_plans=self.action_table(areas),
            deviations=self.deviations_table(),
            in_depth=self.in_depth_table(),
            events=self.events_table(),
            monthly=self.monthly_table(),
            serious=self.serious_table(),
            summary=[],
            focus=self.focus_results(),
            examples=self.examples(),
            charts=self.chart_data(),
            covered=[],
            texts=self.texts,
            labels=self.labels,
            warnings=self.warnings,
            forvaltningschef=s.forvaltningschef,
        )
        report.risk = risk_tables(self.reg, self.rows, self.year, self.as_of, self.namnd)
        report.summary = self.summary(report)
        report.covered = sorted(self.covered.values(), key=lambda f: (f.row, f.id))
        report.kpis = self.kpi_table()
        return report

    def kpi_table(self) -> Table:
        """Kolada indicators per area: each unit's latest value against the municipality's."""
        from uppf_xl import kolada

        areas = [(a, [p for p in self.providers if p.area == a and p.active_between(self.first, self.last)]) for a in self.areas]
        rows = kolada.report_rows(self.reg.kpis, areas, self.year, self.name)
        return Table("nyckeltal", "Nyckeltal från Kolada", list(kolada.REPORT_HEADER), rows, numeric=False)

    def period_label(self) -> str:
        if self.period == "år":
            return f"helår {self.year}"
        return f"januari–{swedish_month(self.last.month)} {self.year}"

    def area_result(self, area: str) -> AreaResult:
        providers = [p for p in self.providers if p.area == area]
        ids = {p.id for p in providers}
        start = Counter(p.regi.value for p in providers if p.active_on(self.first))
        end = Counter(p.regi.value for p in providers if p.active_on(self.last))
        done = [
            r
            for r in self.rows
            if r.provider_id in ids
            and self.in_period(r.done)
            and self.kind(r) not in (Interval.MONTH, Interval.ON_DEMAND)
        ]
        by_type: dict[str, set[str]] = defaultdict(set)
        for r in done:
            by_type[self.type_name(r)].add(r.provider_id)
        clarifications = [f for f in self.findings if f.provider_id in ids and f.category is Category.FORTYDLIGANDE]
        findings = [f for f in self.findings if f.provider_id in ids and f.category is not Category.FORTYDLIGANDE]
        requested = [f for f in findings if self.in_period(f.requested)]
        approved = [f for f in findings if self.in_period(f.approved)]
        verified = [f for f in findings if self.in_period(f.verified)]
        # Findings of the period, and older ones that were still open when it began.
        relevant = [
            f
            for f in findings
            if self.needs_action(f)
            and f.day <= self.last
            and (self.in_period(f.day) or not _resolved_by(f, self.first))
        ]
        open_ids = sorted({f.provider_id for f in relevant if not self.resolved(f)})
        self.cover([*requested, *approved, *verified, *relevant])
        result = AreaResult(
            area=area,
            start={r.value: start[r.value] for r in self.regi},
            end={r.value: end[r.value] for r in self.regi},
            active=sum(p.active_between(self.first, self.last) for p in providers),
            followed=len({r.provider_id for r in done}),
            followed_by_type={k: len(v) for k, v in sorted(by_type.items(), key=lambda kv: (-len(kv[1]), kv[0]))},
            followups=len(done),
            action_providers=len({f.provider_id for f in requested}),
            action_findings=len(requested),
            approved=len(approved),
            verified=len(verified),
            open_ids=open_ids,
            needs_action=len(relevant),
            clarifications=sum(self.in_period(f.requested) for f in clarifications),
        )
        result.open_labels = [f"{self.name(self.by_id[pid])} ({pid})" for pid in open_ids]
        result.assessment = _assessment(result)
        result.text = self.area_text(result)
        return result

    def area_text(self, a: AreaResult) -> str:
        total_end = sum(a.end.values())
        split = ", ".join(f"{n} {_plural(n, *REGI_WORDS[Regi(r)])}" for r, n in a.end.items() if n)
        parts = [f"Vid periodens slut fanns {total_end} {_plural(total_end, 'utförare', 'utförare')}"
                 + (f" ({split})" if split else "") + "."]
        if a.followed:
            types = ", ".join(f"{name} {n}" for name, n in a.followed_by_type.items())
            parts.append(f"{a.followed} av {a.active} följdes upp ({types}).")
        else:
            parts.append(f"Ingen av {a.active} utförare följdes upp under perioden.")
        if a.action_providers:
            parts.append(
                f"{a.action_providers} {_plural(a.action_providers, 'utförare', 'utförare')} fick begäran om "
                f"åtgärdsplan ({a.action_findings} {_plural(a.action_findings, 'iakttagelse', 'iakttagelser')}); "
                f"{a.approved} {_plural(a.approved, 'åtgärdsplan', 'åtgärdsplaner')} godkändes och "
                f"{a.verified} {_plural(a.verified, 'åtgärd', 'åtgärder')} verifierades."
            )
        else:
            parts.append("Ingen utförare fick begäran om åtgärdsplan.")
        if a.clarifications:
            parts.append(f"{a.clarifications} {_plural(a.clarifications, 'begäran', 'begäranden')} om förtydligande "
                         "skickades (inte åtgärdsplaner).")
        return " ".join(parts)

    def counts_table(self, areas: list[AreaResult]) -> Table:
        """One row per area and regi present (start or end), then the totals per regi and overall."""
        regi = [r.value for r in self.regi]
        header = ["Verksamhetsområde", "Regi", "Början", "Slut", "Förändring"]
        rows: list[list[str | int]] = []
        total_start: Counter[str] = Counter()
        total_end: Counter[str] = Counter()
        for a in areas:
            total_start.update(a.start)
            total_end.update(a.end)
            rows.extend(_count_rows(a.area, regi, a.start, a.end))
        rows.extend(_count_rows("Totalt", regi, total_start, total_end, every=True))
        return Table("antal_utforare", "Antal utförare", header, rows, signed=("Förändring",))

    def followed_table(self, areas: list[AreaResult]) -> Table:
        header = ["Verksamhetsområde", "Utförare under perioden", "Uppföljda utförare",
                  "Genomförda uppföljningar", "Uppföljningstyper (antal utförare)"]  # fmt: skip
        rows: list[list[str | int]] = [
            [a.area, a.active, a.followed, a.followups,
             ", ".join(f"{k} {v}" for k, v in a.followed_by_type.items()) or "–"]  # fmt: skip
            for a in areas
        ]
        rows.append(["Totalt", sum(a.active for a in areas), sum(a.followed for a in areas),
                     sum(a.followups for a in areas), ""])  # fmt: skip
        return Table("uppfoljningar", "Uppföljningar", header, rows, numeric=False)

    def action_table(self, areas: list[AreaResult]) -> Table:
        header = ["Verksamhetsområde", "Utförare med åtgärdsplan", "Iakttagelser med åtgärdsplan",
                  "Godkända åtgärdsplaner", "Verifierade åtgärder", "Utförare med öppna iakttagelser"]  # fmt: skip
        rows: list[list[str | int]] = [
            [a.area, a.action_providers, a.action_findings, a.approved, a.verified, len(a.open_ids)] for a in areas
        ]
        rows.append(["Totalt", *(sum(int(r[i]) for r in rows) for i in range(1, 6))])
        return Table("atgardsplaner", "Åtgärdsplaner", header, rows)

    def deviations_table(self) -> Table:
        found = [f for f in self.findings if self.in_period(f.day) and f.category in DEVIATION_CATEGORIES]
        self.cover(found)
        cells: dict[tuple[str, str], Counter[Category]] = defaultdict(Counter)
        for f in found:
            cells[(self.area_of(f.provider_id), f.area.strip() or NO_AREA)][f.category] += 1
        header = ["Verksamhetsområde", "Område", *(c.value for c in DEVIATION_CATEGORIES), "Totalt"]
        rows: list[list[str | int]] = []
        order = {a: i for i, a in enumerate(self.areas)}
        for (area, theme), c in sorted(cells.items(), key=lambda kv: (order.get(kv[0][0], len(order)), kv[0][1].casefold())):
            rows.append([area, theme, *(c[k] for k in DEVIATION_CATEGORIES), sum(c.values())])
        totals = Counter(f.category for f in found)
        rows.append(["Totalt", "", *(totals[k] for k in DEVIATION_CATEGORIES), len(found)])
        return Table("iakttagelser", "Iakttagelser", header, rows)

    def in_depth_table(self) -> Table:
        header = ["Utförare", "Verksamhetsområde", "Uppföljning", "Orsak", "Genomförd"]
        rows: list[list[str | int]] = []
        picked = []
        for r in self.rows:
            kind = self.kind(r)
            if kind not in (Interval.AT_START, Interval.ON_DEMAND):
                continue
            origin = _origin(r, kind, self.by_id[r.provider_id])
            if self.in_period(r.done) or (r.done is None and origin is not None and origin <= self.last
                                          and (r.due is None or r.due >= self.first)):  # fmt: skip
                picked.append((kind, origin or self.first, r))
        for kind, origin, r in sorted(picked, key=lambda t: (t[1], t[2].provider_id, t[2].key)):
            provider = self.by_id[r.provider_id]
            reason = r.reason.strip()
            if reason:
                self.text(SCHEDULE.name, r.row, "Orsak", reason)
            elif kind is Interval.AT_START:
                reason = f"Ny utförare (start {provider.start.isoformat()})"
            else:
                reason = "Händelse"
            if r.done is not None and self.in_period(r.done):
                done = r.done.isoformat()
            else:  # not done by the period's end: the row's state (Planerad, Kallad, Försenad)
                done = r.status if r.status and r.status is not RowStatus.GENOMFORD else RowStatus.PLANERAD.value
            rows.append([f"{self.name(provider)} ({provider.id})", provider.area, self.type_name(r), reason, done])
        return Table("fordjupade", "Fördjupade och händelsestyrda", header, rows, numeric=False)

    def events_table(self) -> Table:
        counts: dict[tuple[str, EventType], list[Event]] = defaultdict(list)
        for e in self.events:
            counts[(self.area_of(e.provider_id), e.type)].append(e)
        order = {a: i for i, a in enumerate(self.areas)}
        types = list(EventType)
        rows: list[list[str | int]] = []
        for (area, etype), events in sorted(counts.items(), key=lambda kv: (order.get(kv[0][0], len(order)), types.index(kv[0][1]))):
            n, serious = len(events), sum(e.serious for e in events)
            if etype in PERSON_EVENT_TYPES:
                rows.append([area, etype.value, self.count(n), self.count(serious)])
            else:
                rows.append([area, etype.value, n, serious])
        return Table("handelser", "Händelser", ["Verksamhetsområde", "Typ av händelse", "Antal", "Varav allvarliga"], rows)

    def monthly_table(self) -> Table:
        from uppf_xl import monthly  # the monthly check's own results, when month-in has run

        checked = monthly.report_rows(self.reg, set(self.by_id), self.first, self.last, self.as_of)
        if checked:
            return Table("manadsuppfoljning", "Månadsuppföljning", monthly.REPORT_HEADER, checked)
        header = ["Verksamhetsområde", "Planerade", "Genomförda", "Ledde till åtgärdsplan"]
        month_rows = [r for r in self.rows if self.kind(r) is Interval.MONTH and _month_in(r.period, self.first, self.last)]
        by_key = defaultdict(list)
        for f in self.findings:
            if f.key:
                by_key[f.key].append(f)
        rows: list[list[str | int]] = []
        for area in self.areas:
            mine = [r for r in month_rows if self.area_of(r.provider_id) == area]
            if not mine:
                continue
            led = [r for r in mine if any(f.requested is not None and f.requested <= self.as_of
                                          and f.category is not Category.FORTYDLIGANDE for f in by_key[r.key])]
            rows.append([area, len(mine), sum(self.in_period(r.done) for r in mine), len(led)])
        if rows:
            rows.append(["Totalt", *(sum(int(r[i]) for r in rows) for i in range(1, 4))])
        return Table("manadsuppfoljning", "Månadsuppföljning", header, rows)

    def serious_table(self) -> Table:
        header = ["Utförare", "Datum", "Område", "Läge", "Sammanfattning", "Förslag"]
        rows: list[list[str | int]] = []
        open_serious = [
            f for f in self.findings if f.category is Category.ALLVARLIG and f.day <= self.last
            and (f.verified is None or f.verified > self.as_of)  # open until verified; a report closes nothing
        ]
        self.cover(open_serious)
        for f in sorted(open_serious, key=lambda f: (f.day, f.id)):
            provider = self.by_id[f.provider_id]
            then = _as_of(f, self.as_of)
            escalate = f.escalate.strip().casefold() == "ja" or workflow.escalate(then, self.reg.settings, self.as_of)
            proposal = (
                "Eskaleras: förvaltningen återkommer med förslag om åtgärd enligt avtalet"
                if escalate
                else "Bevakas: åtgärdsplanen följs upp"
            )
            rows.append([f"{self.name(provider)} ({provider.id})", f.day.isoformat(), f.area or NO_AREA,
                         workflow.finding_status(then, self.as_of, self.reg.settings).value, self.quote(f) or "–", proposal])  # fmt: skip
        return Table("allvarliga_brister", "Allvarliga brister", header, rows, numeric=False)

    def focus_results(self) -> list[FocusResult]:
        out = []
        for fa in sorted((f for f in self.reg.focus if f.year == self.year), key=lambda f: f.row):
            found = [
                f
                for f in self.findings
                if self.in_period(f.day) and f.area.strip().casefold() == fa.name.strip().casefold()
            ]
            self.cover(found)
            self.text("Fokusområden", fa.row, "Fokusområde", fa.name)
            if fa.description:
                self.text("Fokusområden", fa.row, "Beskrivning", fa.description)
            by_cat = Counter(f.category for f in found)
            counts = ", ".join(
                f"{by_cat[c]} {_category_word(c, by_cat[c])}" for c in Category if by_cat[c]
            ) or "Inga iakttagelser"
            summaries = [s for s in (self.quote(f) for f in sorted(found, key=lambda f: (f.day, f.id))) if s]
            out.append(FocusResult(fa.name.strip(), fa.description.strip(), counts, summaries))
        return out

    def examples(self) -> list[Example]:
        good = sorted(
            (f for f in self.findings if f.category is Category.GOTT_EXEMPEL and self.in_period(f.day)),
            key=lambda f: (f.day, f.id),
        )
        self.cover(good)
        out = []
        for f in good:
            text = self.quote(f)
            if text:
                provider = self.by_id[f.provider_id]
                out.append(Example(self.name(provider), provider.area, text))
        return out

    def chart_data(self) -> ChartData:
        months = list(range(1, self.last.month + 1))
        year_rows = [r for r in self.rows if r.year == self.year]
        planned_month = Counter(
            d.month for r in year_rows if (d := (r.visit_date or r.due)) is not None and d.year == self.year
        )
        done_month = Counter(r.done.month for r in self.rows if self.in_period(r.done) and r.done)
        categories = Counter(f.category.value for f in self.findings if self.in_period(f.day))
        wheel: dict[str, list[int]] = {}
        for r in sorted(year_rows, key=lambda r: r.type_id):
            d = r.visit_date or r.due
            if d is None or d.year != self.year:
                continue
            wheel.setdefault(self.type_name(r), [0] * 12)[d.month - 1] += 1
        return ChartData(
            months=months,
            planned=[planned_month[m] for m in months],
            done=[done_month[m] for m in months],
            categories={c.value: categories[c.value] for c in Category},
            wheel=wheel,
        )

    def summary(self, rep: NamndReport) -> list[str]:
        regi = rep.regi
        n_start = sum(sum(a.start.values()) for a in rep.areas)
        n_end = sum(sum(a.end.values()) for a in rep.areas)
        ends = [sum(a.end.get(r, 0) for a in rep.areas) for r in regi]
        split = ", ".join(f"{n} {_plural(n, *REGI_WORDS[Regi(r)])}" for n, r in zip(ends, regi))
        active = sum(a.active for a in rep.areas)
        followed = sum(a.followed for a in rep.areas)
        actions = sum(a.action_providers for a in rep.areas)
        action_findings = sum(a.action_findings for a in rep.areas)
        approved = sum(a.approved for a in rep.areas)
        verified = sum(a.verified for a in rep.areas)
        out = [
            f"Vid periodens slut hade nämnden {n_end} utförare ({split}), "
            f"{_change_words(n_end - n_start)} sedan periodens början. "
            f"{followed} av {active} utförare följdes upp under perioden.",
            f"{actions} {_plural(actions, 'utförare', 'utförare')} fick begäran om åtgärdsplan "
            f"({action_findings} {_plural(action_findings, 'iakttagelse', 'iakttagelser')}). "
            f"{approved} {_plural(approved, 'åtgärdsplan', 'åtgärdsplaner')} godkändes och "
            f"{verified} {_plural(verified, 'åtgärd', 'åtgärder')} verifierades under perioden.",
        ]
        open_areas = [a for a in rep.areas if a.open_ids]
        if open_areas:
            out.append(
                "Öppna iakttagelser finns inom "
                + "; ".join(f"{a.area}: {', '.join(a.open_labels or a.open_ids)}" for a in open_areas)
                + "."
            )
        else:
            out.append("Samtliga iakttagelser som krävt åtgärd är åtgärdade.")
        if rep.serious.rows:
            n = len(rep.serious.rows)
            out.append(
                f"{n} {_plural(n, 'allvarlig brist är inte åtgärdad', 'allvarliga brister är inte åtgärdade')}; "
                "se avsnittet Allvarliga brister."
            )
        return out


def _ordered_areas(areas: set[str], listed: list[str]) -> list[str]:
    order = {a: i for i, a in enumerate(listed)}
    return sorted(areas, key=lambda a: (order.get(a, len(order)), a.casefold()))


def _count_rows(label: str, regi: list[str], start: dict[str, int], end: dict[str, int],
                every: bool = False) -> list[list[str | int]]:
    """[label, regi, start, end, change] per regi with providers (each regi when `every`), and a
    "Samtliga" row when more than one regi is shown; the change is an int (see Table.signed)."""
    rows: list[list[str | int]] = [
        [label, r, start.get(r, 0), end.get(r, 0), end.get(r, 0) - start.get(r, 0)]
        for r in regi
        if every or start.get(r, 0) or end.get(r, 0)
    ]
    if len(rows) != 1:
        s, e = sum(start.get(r, 0) for r in regi), sum(end.get(r, 0) for r in regi)
        rows.append([label, "Samtliga", s, e, e - s])
    return rows


def signed(n: int) -> str:
    """+1, −2, ±0: a change as the document shows it."""
    return _signed(n)


def _signed(n: int) -> str:
    return f"+{n}" if n > 0 else ("±0" if n == 0 else f"−{-n}")


def _change_words(n: int) -> str:
    if n == 0:
        return "lika många som"
    return f"{'en ökning' if n > 0 else 'en minskning'} med {abs(n)}"


def _plural(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


def _category_word(c: Category, n: int) -> str:
    words = {
        Category.AVVIKELSE: ("avvikelse", "avvikelser"),
        Category.ALLVARLIG: ("allvarlig brist", "allvarliga brister"),
        Category.FORBATTRING: ("förbättringsområde", "förbättringsområden"),
        Category.FORTYDLIGANDE: ("begäran om förtydligande", "begäranden om förtydligande"),
        Category.GOTT_EXEMPEL: ("gott exempel", "goda exempel"),
    }[c]
    return _plural(n, *words)


def _resolved_by(f: Finding, day: date) -> bool:
    return (f.approved is not None and f.approved < day) or (f.verified is not None and f.verified < day)


def _assessment(a: AreaResult) -> str:
    if not a.needs_action:
        return "Inga iakttagelser har krävt åtgärd under perioden."
    if not a.open_ids:
        return "Samtliga utförares iakttagelser är åtgärdade (åtgärdsplan godkänd eller åtgärd verifierad)."
    return f"Iakttagelser är inte åtgärdade hos {', '.join(a.open_labels or a.open_ids)}."


def _origin(row: ScheduleRow, kind: Interval | None, provider: Provider) -> date | None:
    """The day an in-depth or event-driven follow-up arose: the event's date or Startdatum."""
    if kind is Interval.ON_DEMAND:
        return row.period.day
    return provider.start if provider.start.year <= row.year else date(row.year, 1, 1)


def _month_in(period: Period, first: date, last: date) -> bool:
    bounds = period.month_bounds()
    return bounds is not None and first <= bounds[1] and bounds[0] <= last


def _as_of(f: Finding, day: date) -> Finding:
    """The finding as it stood on `day`: dates after it are not known yet."""
    later: dict[str, Any] = {attr: None for attr in _DATES if (v := getattr(f, attr)) is not None and v > day}
    return replace(f, **later)


_DATES = ("requested", "deadline", "received", "approved", "verified", "reported")
