"""What a nämnd report holds: its tables, per-area results, focus areas, examples, charts.

`uppf_xl.report` computes a `NamndReport`; `uppf_xl.documents.report` writes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from uppf_xl.guard import GuardItem
from uppf_xl.model import Finding


@dataclass
class Table:
    """A table as the report shows it: text cells, or ints where a number is shown as is.

    `numeric`: every column after the first holds counts (right-aligned in the document).
    """

    key: str  # short English id, also the annex sheet's table name
    title: str  # Swedish; the annex sheet's name (max 31 characters)
    header: list[str]
    rows: list[list[str | int]]
    numeric: bool = True
    signed: tuple[str, ...] = ()  # columns of changes: ints, shown as +1, −2, ±0 in the document

    def column(self, header: str) -> list[str | int]:
        i = self.header.index(header)
        return [r[i] for r in self.rows]


@dataclass
class AreaResult:
    """One service area's figures and the sentence and assessment the report prints."""

    area: str
    start: dict[str, int]
    end: dict[str, int]
    active: int  # providers active at some time in the period
    followed: int
    followed_by_type: dict[str, int]  # type name -> providers followed up by it
    followups: int  # Årshjul rows done in the period (types other than Månad, Vid behov)
    action_providers: int
    action_findings: int
    approved: int
    verified: int
    open_ids: list[str]
    needs_action: int  # findings needing action that the assessment looked at
    text: str = ""
    assessment: str = ""
    clarifications: int = 0  # requests for clarification (Förtydligande), never counted as action plans
    open_labels: list[str] = field(default_factory=list)  # "Name (ID)" of the providers in open_ids


@dataclass
class FocusResult:
    name: str
    description: str
    counts: str  # "2 avvikelser, 1 förbättringsområde" or "Inga iakttagelser"
    summaries: list[str]


@dataclass
class Example:
    provider: str
    area: str
    summary: str


@dataclass
class ChartData:
    months: list[int]  # the months the period covers, 1..12
    planned: list[int]  # per month of `months`
    done: list[int]
    categories: dict[str, int]  # Kategori label -> findings in the period
    wheel: dict[str, list[int]]  # follow-up type name -> rows planned per month (12)


@dataclass
class NamndReport:
    """Everything the nämnd report shows, as plain values."""

    namnd: str
    year: int
    period: str  # T1, T2 or år
    period_label: str  # "januari–april 2025"
    first: date
    last: date
    today: date
    as_of: date
    kommun: str
    forvaltning: str
    handlaggare: str
    titel: str
    telefon: str
    epost: str
    dnr: str
    regi: list[str]
    minimum: int
    areas: list[AreaResult]
    counts: Table
    followed: Table
    action_plans: Table
    deviations: Table
    in_depth: Table
    events: Table
    monthly: Table
    serious: Table
    summary: list[str]
    focus: list[FocusResult]
    examples: list[Example]
    charts: ChartData
    covered: list[Finding]  # findings the report covers (for --mark-reported)
    texts: list[GuardItem]  # every workbook text the report quotes, for the guard
    labels: list[GuardItem]  # provider names shown: checked for personnummer only
    warnings: list[str] = field(default_factory=list)
    risk: list[Table] = field(default_factory=list)  # uppf_xl.risk: tiers, reasons, changes since adoption
    kpis: Table = field(default_factory=lambda: Table("nyckeltal", "Nyckeltal", [], []))  # Kolada, per area
    forvaltningschef: str = ""  # signs the report with the handläggare

    @property
    def tables(self) -> list[Table]:
        return [
            self.counts,
            self.followed,
            self.action_plans,
            self.deviations,
            self.in_depth,
            self.events,
            self.monthly,
            self.serious,
            *self.risk,
            *([self.kpis] if self.kpis.rows else []),
        ]

    @property
    def title(self) -> str:
        return f"Uppföljning av utförare {self.period_label}"
