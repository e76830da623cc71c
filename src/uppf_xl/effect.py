"""Does the follow-up work? The yearly report's effect section and plan adherence.

The 2017 strategy asks the nämnd to check "att uppföljningen ger de avsedda effekterna" and to
"följa förändringar över tid". The yearly report therefore compares the report year with the
two years before it, per service area of the nämnd, on five measures:

- *Iakttagelser per genomförd uppföljning*: findings of Kategori Avvikelse, Allvarlig brist or
  Förbättringsområde dated in the year, divided by the Årshjul rows (not Utgår, of any type
  but Månad) with Genomförd in the year. Proposed findings (Bekräftad Nej) count nowhere.
- *Återkommande iakttagelser*: those findings of the year for which the same provider had an
  earlier finding of the same Område (not empty) whose plan was approved or verified (the
  earlier of the two dates) before it, within 24 months.
- *Mediantid begäran–godkänd plan (dagar)*: over the findings whose Åtgärdsplan godkänd lies
  in the year: days from Åtgärdsplan begärd to Åtgärdsplan godkänd.
- *Andel planer inkomna i tid*: of the requested plans whose deadline in force (Ny svarstid,
  else Åtgärdsplan senast, else begärd + Svarstid åtgärdsplan, on a working day) lies in the
  year, the share with Åtgärdsplan inkommen on or before it.
- *Andel verifierade*: of the plans approved in the year, the share with Åtgärd verifierad.

Dates after `as_of` (the earlier of today and 31 December of the report year) are not known
yet and count nowhere. A provider belongs to the area in Utförare today.

Plan adherence: of the report year's Årshjul rows of the nämnd, those with Fastställd are the
adopted plan; how many of them were done (Genomförd) and how many became Utgår; rows without
Fastställd were added during the year, and why: an event (Vid behov), a new provider (a Vid
start row, or a provider that started after the plan was adopted), risk (Orsak mentions risk
or the provider has Risknivå Hög), or other reasons.

Example:
    >>> sec = build_effect(register, rows, 2025, "Vård- och omsorgsnämnden", date(2026, 1, 20))  # doctest: +SKIP
    >>> sec.total[-1].per_followup                                                               # doctest: +SKIP
    0.5
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from uppf_xl import archive
from uppf_xl.dates import add_months, next_working_day
from uppf_xl.model import Finding, Provider, Register, ScheduleRow
from uppf_xl.vocab import Category, Interval, Risk, RowStatus
from uppf_xl.workbook.content import Value

PLAN_CATEGORIES = frozenset({Category.AVVIKELSE, Category.ALLVARLIG, Category.FORBATTRING})
RECURRENCE_MONTHS = 24
YEARS_COMPARED = 3
ALL_AREAS = "Samtliga områden"
MEASURES = (
    "Iakttagelser per genomförd uppföljning",
    "Återkommande iakttagelser",
    "Mediantid begäran–godkänd plan (dagar)",
    "Andel planer inkomna i tid",
    "Andel verifierade",
)
REASONS = ("Händelser", "Nya utförare", "Risk", "Övrigt")


@dataclass
class YearFigures:
    """The counts behind the five measures for one area and year."""

    year: int
    followups: int = 0
    findings: int = 0
    recurring: int = 0
    approval_days: list[int] = field(default_factory=list)
    plans_due: int = 0
    on_time: int = 0
    approved: int = 0
    verified: int = 0

    @property
    def per_followup(self) -> float | None:
        return round(self.findings / self.followups, 2) if self.followups else None

    @property
    def median_days(self) -> float | None:
        return float(statistics.median(self.approval_days)) if self.approval_days else None

    @property
    def share_on_time(self) -> float | None:
        return self.on_time / self.plans_due if self.plans_due else None

    @property
    def share_verified(self) -> float | None:
        return self.verified / self.approved if self.approved else None

    def shown(self) -> list[str]:
        """The five measures as the document shows them."""
        return [
            _decimal(self.per_followup, f" ({self.findings}/{self.followups})"),
            str(self.recurring),
            _decimal(self.median_days, f" (n={len(self.approval_days)})", digits=1),
            _percent(self.on_time, self.plans_due),
            _percent(self.verified, self.approved),
        ]


@dataclass
class Adherence:
    """How the adopted plan of the year was followed."""

    year: int
    adopted_on: date | None  # the (first) Fastställd date; None: the plan was never adopted
    adopted: int = 0
    adopted_done: int = 0
    adopted_expired: int = 0
    added: int = 0
    added_done: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    def rows(self) -> list[list[str | int]]:
        why: list[list[str | int]] = [[f"varav {r.lower()}", self.reasons.get(r, 0)] for r in REASONS]
        return [
            ["I den fastställda planen", self.adopted],
            ["varav genomförda", self.adopted_done],
            ["varav utgått", self.adopted_expired],
            ["Tillkomna under året", self.added],
            *why,
            ["Tillkomna som genomförts", self.added_done],
        ]

    def text(self) -> str:
        if self.adopted_on is None:
            return (f"Årshjulet för {self.year} har ingen fastställd plan (kolumnen Fastställd är tom). "
                    "Kör plan med --fastställ när nämnden har beslutat planen, så kan följsamheten redovisas.")
        why = ", ".join(f"{n} {_reason_words(r)}" for r in REASONS if (n := self.reasons.get(r, 0)))
        share = f" ({round(100 * self.adopted_done / self.adopted)} %)" if self.adopted else ""
        return (f"Planen för {self.year} fastställdes {self.adopted_on.isoformat()} med {self.adopted} uppföljningar; "
                f"{self.adopted_done} av dem genomfördes{share} och {self.adopted_expired} utgick. "
                f"Under året tillkom {self.added} uppföljningar" + (f" ({why})" if why else "")
                + f", varav {self.added_done} genomfördes.")


@dataclass
class EffectSection:
    """The effect section of one nämnd's yearly report."""

    namnd: str
    years: list[int]
    as_of: date
    areas: dict[str, list[YearFigures]]  # area -> one YearFigures per year of `years`
    total: list[YearFigures]
    adherence: Adherence
    text: list[str] = field(default_factory=list)

    def table_rows(self) -> list[list[str]]:
        """[area, measure, shown per year...] for every area, then all areas together."""
        rows: list[list[str]] = []
        for area, figures in [*self.areas.items(), (ALL_AREAS, self.total)]:
            shown = [f.shown() for f in figures]
            for i, measure in enumerate(MEASURES):
                rows.append([area, measure, *(s[i] for s in shown)])
        return rows

    @property
    def header(self) -> list[str]:
        return ["Verksamhetsområde", "Mått", *(str(y) for y in self.years)]

    def annex_rows(self) -> list[list[Value]]:
        """The counts and measures as numbers, one row per area and year."""
        rows: list[list[Value]] = []
        for area, figures in [*self.areas.items(), (ALL_AREAS, self.total)]:
            for f in figures:
                rows.append([area, f.year, f.followups, f.findings, f.per_followup, f.recurring, len(f.approval_days),
                             f.median_days, f.plans_due, f.on_time, _round(f.share_on_time), f.approved, f.verified,
                             _round(f.share_verified)])  # fmt: skip
        return rows

    ANNEX_HEADER = [
        "Verksamhetsområde", "År", "Genomförda uppföljningar", "Iakttagelser", "Iakttagelser per uppföljning",
        "Återkommande iakttagelser", "Godkända planer med begäran", "Mediantid begäran–godkänd (dagar)",
        "Planer med svarstid under året", "Inkomna i tid", "Andel i tid", "Godkända planer", "Varav verifierade",
        "Andel verifierade",
    ]  # fmt: skip


def build_effect(register: Register, rows: list[ScheduleRow], year: int, namnd: str, today: date) -> EffectSection:
    """The effect section of `namnd`'s yearly report for `year` (compared with the two years before)."""
    as_of = min(today, date(year, 12, 31))
    providers = {p.id: p for p in register.providers if p.namnd == namnd}
    years = list(range(year - YEARS_COMPARED + 1, year + 1))
    listed = register.lists.get("Verksamhetsområde", [])
    order = {a: i for i, a in enumerate(listed)}
    findings = [f for f in register.findings if f.provider_id in providers and f.confirmed and f.day <= as_of]
    live = [r for r in rows if r.provider_id in providers and r.status is not RowStatus.UTGAR]
    areas = sorted({p.area for p in providers.values()}, key=lambda a: (order.get(a, len(order)), a.casefold()))
    by_area: dict[str, list[YearFigures]] = {}
    for area in areas:
        ids = {pid for pid, p in providers.items() if p.area == area}
        figures = [_year(register, [r for r in live if r.provider_id in ids],
                         [f for f in findings if f.provider_id in ids], y, as_of, ids) for y in years]
        if any(f.followups or f.findings or f.approved or f.plans_due for f in figures):
            by_area[area] = figures
    total = [_year(register, live, findings, y, as_of, set(providers)) for y in years]
    section = EffectSection(namnd, years, as_of, by_area, total, adherence(register, rows, year, providers, as_of))
    section.text = _text(section)
    return section


def deadline_in_force(f: Finding, register: Register) -> date | None:
    """Ny svarstid, else Åtgärdsplan senast, else begärd + Svarstid åtgärdsplan on a working day."""
    if f.new_deadline is not None:
        return f.new_deadline
    if f.deadline is not None:
        return f.deadline
    if f.requested is not None:
        return next_working_day(f.requested + timedelta(days=register.settings.svarstid_atgardsplan))
    return None


def _known(day: date | None, as_of: date) -> date | None:
    return day if day is not None and day <= as_of else None


def _resolved_on(f: Finding, as_of: date) -> date | None:
    days = [d for d in (_known(f.approved, as_of), _known(f.verified, as_of)) if d is not None]
    return min(days) if days else None


def recurring(f: Finding, earlier: list[Finding], as_of: date) -> bool:
    """Whether `f` repeats a finding of the same provider and Område resolved within 24 months before it."""
    theme = f.area.strip().casefold()
    if not theme:
        return False
    for g in earlier:
        if g is f or g.provider_id != f.provider_id or g.area.strip().casefold() != theme:
            continue
        resolved = _resolved_on(g, as_of)
        if resolved is not None and resolved < f.day <= add_months(resolved, RECURRENCE_MONTHS):
            return True
    return False


def _year(register: Register, rows: list[ScheduleRow], findings: list[Finding], year: int, as_of: date,
          ids: set[str]) -> YearFigures:
    def in_year(day: date | None) -> bool:
        return day is not None and day.year == year and day <= as_of

    y = YearFigures(year)
    for r in rows:
        ftype = register.type(r.type_id)
        if ftype is not None and ftype.interval is Interval.MONTH:
            continue
        if in_year(r.done):
            y.followups += 1
    if year <= as_of.year:  # rows moved to the archive workbook (uppf_xl.archive) still count
        y.followups += archive.done_in(register, ids, year, skip=frozenset({Interval.MONTH}))
    plan_findings = [f for f in findings if f.category in PLAN_CATEGORIES]
    for f in plan_findings:
        if in_year(f.day):
            y.findings += 1
            y.recurring += recurring(f, plan_findings, as_of)
        if in_year(f.approved):
            y.approved += 1
            y.verified += _known(f.verified, as_of) is not None
            if f.requested is not None:
                y.approval_days.append((f.approved - f.requested).days)  # type: ignore[operator]
        due = deadline_in_force(f, register) if f.requested is not None else None
        if in_year(due):
            y.plans_due += 1
            received = _known(f.received, as_of)
            y.on_time += received is not None and due is not None and received <= due
    return y


def adherence(register: Register, rows: list[ScheduleRow], year: int, providers: dict[str, Provider],
              as_of: date) -> Adherence:
    """How the adopted plan (Fastställd) of `year` was followed, for the providers given."""
    mine = [r for r in rows if r.provider_id in providers and r.year == year]
    adopted = [r for r in mine if r.adopted is not None]
    if not adopted:
        return Adherence(year, None)
    adopted_on = min(r.adopted for r in adopted if r.adopted is not None)
    out = Adherence(year, adopted_on)
    done = [r for r in mine if r.done is not None and r.done <= as_of]
    out.adopted = len(adopted)
    out.adopted_done = sum(r in done for r in adopted)
    out.adopted_expired = sum(r.status is RowStatus.UTGAR and r.done is None for r in adopted)
    added = [r for r in mine if r.adopted is None and r.status is not RowStatus.UTGAR]
    out.added = len(added)
    out.added_done = sum(r in done for r in added)
    reasons: Counter[str] = Counter(_reason(register, r, providers[r.provider_id], adopted_on) for r in added)
    out.reasons = {r: reasons[r] for r in REASONS}
    return out


def _reason(register: Register, r: ScheduleRow, provider: Provider, adopted_on: date) -> str:
    ftype = register.type(r.type_id)
    interval = ftype.interval if ftype is not None else None
    if interval is Interval.ON_DEMAND:
        return "Händelser"
    if interval is Interval.AT_START or provider.start > adopted_on:
        return "Nya utförare"
    if "risk" in r.reason.casefold() or provider.risk is Risk.HOG:
        return "Risk"
    return "Övrigt"


def _reason_words(reason: str) -> str:
    return {"Händelser": "efter händelser", "Nya utförare": "för nya utförare", "Risk": "på grund av risk",
            "Övrigt": "av andra skäl"}[reason]  # fmt: skip


def _text(sec: EffectSection) -> list[str]:
    """Three sentences comparing the report year with the earliest year compared that has data."""
    last = sec.total[-1]
    y1 = sec.years[-1]
    with_data = [f for f in sec.total[:-1] if f.followups or f.findings]
    first = with_data[0] if with_data else None
    out = []
    if first is not None and first.per_followup is not None and last.per_followup is not None:
        trend = "färre" if last.per_followup < first.per_followup else ("fler" if last.per_followup > first.per_followup else "lika många")
        out.append(f"I genomsnitt gav en uppföljning {_decimal(last.per_followup)} iakttagelser {y1} mot "
                   f"{_decimal(first.per_followup)} {first.year}: {trend} brister hittas per uppföljning.")
    else:
        out.append("Underlaget räcker ännu inte för att jämföra iakttagelser per uppföljning med tidigare år.")
    before = f" ({first.year}: {first.recurring} av {first.findings})" if first is not None else ""
    out.append(f"{last.recurring} av {last.findings} iakttagelser {y1} återkom hos samma utförare inom samma område "
               f"inom {RECURRENCE_MONTHS} månader efter en godkänd eller verifierad åtgärd{before}.")
    if last.median_days is not None:
        earlier = next((f for f in sec.total[:-1] if f.median_days is not None), None)
        out.append(f"Från begäran till godkänd åtgärdsplan gick i median {_decimal(last.median_days, digits=1)} dagar {y1}"
                   + (f" ({earlier.year}: {_decimal(earlier.median_days, digits=1)} dagar)." if earlier else "."))
    return out


def _decimal(value: float | None, suffix: str = "", digits: int = 2) -> str:
    if value is None:
        return "–"
    text = f"{value:.{digits}f}".rstrip("0").rstrip(".") if digits else f"{value:.0f}"
    return text.replace(".", ",") + suffix


def _percent(part: int, whole: int) -> str:
    if not whole:
        return "–"
    return f"{round(100 * part / whole)} % ({part}/{whole})"


def _round(value: float | None) -> float | None:
    return round(value, 3) if value is not None else None
