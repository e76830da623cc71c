"""The domain model: typed records for every input table, free of any Excel library.

Each record keeps `row`, the Excel row it came from (0 for records made by code), so a
domain rule can point the user at a cell. `Register` bundles one workbook's data.

Example:
    >>> p = Provider(id="U001", name="Solrosen", regi=Regi.PRIVAT, avtalsform=Avtalsform.LOV,
    ...              area="Hemtjänst", namnd="Vård- och omsorgsnämnden", start=date(2024, 1, 1))
    >>> p.active_on(date(2025, 6, 1))
    True
"""

from __future__ import annotations

import datetime as _dt
from functools import cached_property
from dataclasses import dataclass, field
from datetime import date

from uppf_xl.period import Nyckel, Period
from uppf_xl.vocab import (
    ALLA,
    AnswerType,
    Avtalsform,
    Category,
    EventType,
    FindingStatus,
    Interval,
    Regi,
    Risk,
    RowStatus,
)


@dataclass
class Settings:
    """Values of Inställningar, typed, defaults filled in (see contract.SETTING_DEFS)."""

    kommun: str = ""
    forvaltning: str = ""
    avsandare: str = ""
    titel: str = "Strateg"
    telefon: str = ""
    epost: str = ""
    postadress: str = ""
    diarienummer: str = ""
    planar: int | None = None
    semester_fran: tuple[int, int] = (7, 1)  # (month, day)
    semester_till: tuple[int, int] = (8, 10)
    max_besok_per_vecka: int = 4
    kallelse_dagar_fore: int = 45
    kallelse_varsel_dagar: int = 14
    svarstid_atgardsplan: int = 30
    allvarlig_brist_inom: int = 3
    fordjupad_inom_manader: int = 6
    handelser_antal: int = 3
    handelser_inom_dagar: int = 90
    minsta_redovisade_antal: int = 3
    tertial1_slut: tuple[int, int] = (4, 30)
    tertial2_slut: tuple[int, int] = (8, 31)
    mallmapp: str = ""
    utdatamapp: str = ""
    enkatnyckel: str = ""
    forvaltningschef: str = ""
    forvaltningschef_epost: str = ""
    minsta_varsel: int = 5
    paminnelse_igen_dagar: int = 7
    rapportutkast_dagar_fore: int = 10
    avtalsuppfoljning_fore_manader: int = 3
    # Thresholds of the monthly check (uppf_xl.monthly).
    utford_lagst: float = 75.0
    utford_hogst: float = 100.0
    manuella_hogst: float = 10.0
    efterregistrerad_timmar: float = 24.0
    efterregistrerade_hogst: float = 5.0
    dubbel_hogst: float = 0.5
    kort_besok_minuter: float = 5.0
    korta_hogst: float = 5.0
    tatt_minuter: float = 1.0
    tatt_hogst: float = 0.5
    kontinuitet_hogst: float = 15.0
    samma_personal_andel: float = 90.0
    samma_personal_besok: int = 30

    def holiday_period(self, year: int) -> tuple[date, date]:
        """The semester window of a year, inclusive."""
        return _day_month(year, self.semester_fran), _day_month(year, self.semester_till)

    def tertial_ends(self, year: int) -> tuple[date, date, date]:
        return _day_month(year, self.tertial1_slut), _day_month(year, self.tertial2_slut), date(year, 12, 31)


# Map from the Swedish setting key to the Settings attribute.
SETTING_ATTRS: dict[str, str] = {
    "Kommun": "kommun",
    "Förvaltning": "forvaltning",
    "Avsändare": "avsandare",
    "Titel": "titel",
    "Telefon": "telefon",
    "E-post": "epost",
    "Postadress": "postadress",
    "Diarienummer": "diarienummer",
    "Planår": "planar",
    "Semester från": "semester_fran",
    "Semester till": "semester_till",
    "Max besök per vecka och handläggare": "max_besok_per_vecka",
    "Kallelse dagar före": "kallelse_dagar_fore",
    "Kallelse varsel dagar": "kallelse_varsel_dagar",
    "Svarstid åtgärdsplan (dagar)": "svarstid_atgardsplan",
    "Allvarlig brist begäran inom (dagar)": "allvarlig_brist_inom",
    "Fördjupad uppföljning inom (månader)": "fordjupad_inom_manader",
    "Händelser antal": "handelser_antal",
    "Händelser inom (dagar)": "handelser_inom_dagar",
    "Minsta redovisade antal": "minsta_redovisade_antal",
    "Tertial 1 slut": "tertial1_slut",
    "Tertial 2 slut": "tertial2_slut",
    "Mallmapp": "mallmapp",
    "Utdatamapp": "utdatamapp",
    "Enkätnyckel": "enkatnyckel",
    "Förvaltningschef": "forvaltningschef",
    "Förvaltningschef e-post": "forvaltningschef_epost",
    "Minsta varsel (arbetsdagar)": "minsta_varsel",
    "Påminnelse igen efter (dagar)": "paminnelse_igen_dagar",
    "Rapportutkast dagar före": "rapportutkast_dagar_fore",
    "Avtalsuppföljning före förlängningsbeslut (månader)": "avtalsuppfoljning_fore_manader",
    "Utförd tid lägst (procent av beviljad)": "utford_lagst",
    "Utförd tid högst (procent av beviljad)": "utford_hogst",
    "Manuellt registrerade högst (procent)": "manuella_hogst",
    "Efterregistrerad efter (timmar)": "efterregistrerad_timmar",
    "Efterregistrerade högst (procent)": "efterregistrerade_hogst",
    "Dubbelregistreringar högst (procent)": "dubbel_hogst",
    "Kort besök under (minuter)": "kort_besok_minuter",
    "Korta besök högst (procent)": "korta_hogst",
    "Tätt efter varandra under (minuter)": "tatt_minuter",
    "Tätt efter varandra högst (procent)": "tatt_hogst",
    "Personalkontinuitet högst (personal på 14 dagar)": "kontinuitet_hogst",
    "Samma personal andel (procent)": "samma_personal_andel",
    "Samma personal minst besök": "samma_personal_besok",
}


def _day_month(year: int, md: tuple[int, int]) -> date:
    month, day = md
    if month == 2 and day == 29:
        day = 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return date(year, month, day)


@dataclass
class Provider:
    id: str
    name: str
    regi: Regi
    avtalsform: Avtalsform
    area: str
    namnd: str
    start: date
    end: date | None = None
    orgnr: str = ""
    chef: str = ""
    email: str = ""
    phone: str = ""
    address: str = ""
    postcode: str = ""
    city: str = ""
    risk: Risk = Risk.NORMAL
    responsible: str = ""
    comment: str = ""
    clients: int | None = None  # Antal brukare
    contract_end: date | None = None  # Avtal till
    extension_decision: date | None = None  # Förlängning beslut senast
    ivo_permit: str = ""  # IVO-tillstånd: Ja, Nej, Ej krav
    kolada_id: str = ""
    proposed_risk: str = ""  # Föreslagen risknivå (tool)
    risk_reasons: str = ""  # Riskskäl (tool)
    row: int = 0

    def active_on(self, day: date) -> bool:
        return self.start <= day and (self.end is None or self.end >= day)

    def active_between(self, first: date, last: date) -> bool:
        return self.start <= last and (self.end is None or self.end >= first)


@dataclass
class FollowUpType:
    id: str
    name: str
    areas: tuple[str, ...]  # (ALLA,) or a list of areas
    regi: str  # ALLA or a Regi label
    interval: Interval
    month: int | None = None
    interval_high_risk: Interval | None = None
    visit: bool = False
    notice_days: int | None = None  # Kallelse dagar före; None: the setting
    role: str = ""
    template: str = ""
    material: tuple[str, ...] = ()  # Underlag
    material_days: int | None = None
    attachments: tuple[str, ...] = ()  # Bilagor
    active: bool = True
    interval_low_risk: Interval | None = None
    row: int = 0

    def applies_to(self, provider: Provider) -> bool:
        area_ok = ALLA in self.areas or provider.area in self.areas
        regi_ok = self.regi == ALLA or self.regi == provider.regi.value
        return area_ok and regi_ok

    def interval_for(self, provider: Provider) -> Interval:
        if provider.risk is Risk.HOG and self.interval_high_risk is not None:
            return self.interval_high_risk
        if provider.risk is Risk.LAG and self.interval_low_risk is not None:
            return self.interval_low_risk
        return self.interval


@dataclass
class PlanEntry:
    """A row of Årsplan: type `type_id` is planned in `year` for (namnd, area)."""

    year: int
    namnd: str
    area: str
    type_id: str
    comment: str = ""
    row: int = 0


@dataclass
class FocusArea:
    year: int
    name: str
    description: str = ""
    row: int = 0


@dataclass
class Event:
    day: date
    provider_id: str
    type: EventType
    description: str = ""
    serious: bool = False
    handled: bool = False
    row: int = 0


@dataclass(slots=True)
class Finding:
    id: str
    day: date
    provider_id: str
    category: Category
    key: Nyckel = Nyckel("")  # of the Årshjul row it came from
    area: str = ""  # Område (theme)
    description: str = ""  # internal, may hold personal data
    summary: str = ""  # Sammanfattning för nämnd, public-safe
    requested: date | None = None
    deadline: date | None = None
    received: date | None = None
    approved: date | None = None
    verified: date | None = None
    reported: date | None = None
    status: FindingStatus | str = ""  # as found in the workbook (tool-owned): the enum, or a text typed over it
    escalate: str = ""
    verify_at: str = ""
    request_sent: date | None = None  # Begäran skickad
    reminder_sent: date | None = None  # Påminnelse skickad
    new_deadline: date | None = None  # Ny svarstid
    notified_chief: date | None = None  # Underrättad
    confirmed: bool = True  # Bekräftad: only an explicit "Nej" makes a proposal that counts nowhere
    answer_by: date | None = None  # Svar senast as found in the workbook (tool-owned)
    row: int = 0

    def __post_init__(self) -> None:
        if type(self.key) is not Nyckel:
            self.key = Nyckel(self.key)
        if type(self.status) is str:  # a label becomes its enum; a typed-over text stays as it is
            self.status = FindingStatus.of(self.status) or self.status

    @property
    def public_text(self) -> str:
        """The text a letter may quote: the public summary, else the internal description."""
        return self.summary or self.description


@dataclass(slots=True)
class ScheduleRow:
    """A row of Årshjul. Tool-owned fields are recomputed; user-owned ones are kept."""

    key: Nyckel
    provider_id: str
    provider_name: str
    area: str
    namnd: str
    type_id: str
    type_name: str
    period: Period
    due: date | None  # Senast
    proposed: date | None = None  # Föreslaget datum
    planned: date | None = None  # Planerat datum (user)
    time: str = ""
    place: str = ""
    notify_by: date | None = None  # Kallas senast
    notified: date | None = None  # Kallelse skickad
    done: date | None = None  # Genomförd
    status: RowStatus | str = ""  # the enum, or a text typed over it (check warns; the next run writes the enum)
    responsible: str = ""
    comment: str = ""
    dnr: str = ""
    reason: str = ""  # Orsak
    announced: date | None = None  # Kallat datum: the visit date the sent kallelse announced (tool)
    adopted: date | None = None  # Fastställd: the date the year's plan was adopted (tool)
    extra: dict[str, object] = field(default_factory=dict)  # the user's own columns
    row: int = 0

    def __post_init__(self) -> None:
        if type(self.key) is not Nyckel:
            self.key = Nyckel(self.key)
        if type(self.period) is not Period:
            self.period = Period(self.period)
        if type(self.status) is str:  # a label becomes its enum; a typed-over text stays as it is
            self.status = RowStatus.of(self.status) or self.status

    @property
    def year(self) -> int:
        if self.period.year is None:
            raise ValueError(f"Period {self.period!r} börjar inte med ett år")
        return self.period.year

    @property
    def visit_date(self) -> date | None:
        """The date the follow-up takes place: the user's Planerat datum, else the proposal."""
        return self.planned or self.proposed


@dataclass
class Question:
    id: str
    theme: str
    text: str
    answer_type: AnswerType
    options: tuple[str, ...] = ()
    requirement: str = ""
    areas: tuple[str, ...] = (ALLA,)
    regi: str = ALLA
    type_id: str = ""
    active: bool = True
    row: int = 0


@dataclass
class Answer:
    provider_id: str
    type_id: str
    year: int
    question_id: str
    value: str
    deviates: bool = False
    file: str = ""
    read_at: _dt.datetime | None = None
    row: int = 0


@dataclass
class Handler:
    """A row of Handläggare: an administrator whose contact a letter carries."""

    name: str
    title: str = ""
    email: str = ""
    phone: str = ""
    active: bool = True
    row: int = 0


@dataclass
class ImportField:
    """A row of Importformat: which export column holds a field, and the export's own words."""

    field: str  # Fält: Utförare, Brukare, Personal, Datum, Start, Slut, Registrering, Registrerad, Månad, Beviljad tid
    column: str = ""  # Kolumn i exporten; empty: the export has no such column
    values: tuple[str, ...] = ()  # Värden, split on ";"
    row: int = 0


@dataclass
class RiskSignal:
    """A row of Riskmodell: the points one signal gives (or a threshold of the model)."""

    signal: str
    points: float
    explanation: str = ""
    row: int = 0


@dataclass
class HistoryRow:
    """A row of Utförarhistorik: what a provider looked like from the day `seen`."""

    provider_id: str
    orgnr: str = ""
    chef: str = ""
    address: str = ""
    name: str = ""
    seen: date | None = None
    row: int = 0


@dataclass
class ArchivedPair:
    """A row of the hidden sheet Arkiv: what the archived Årshjul rows of one provider and
    follow-up type leave behind in the workbook (see uppf_xl.archive)."""

    provider_id: str
    type_id: str
    key: Nyckel | None  # the latest archived row with Genomförd
    last_done: date | None
    rows: int  # archived rows of the pair
    done_by_year: dict[int, int]  # the year of Genomförd -> archived rows done in it
    before: int  # the archive holds the years before this one
    row: int = field(default=0, compare=False)


@dataclass
class InfoRequest:
    """A row of Informationsbegäran: information requested from a provider (allmänhetens insyn)."""

    id: str
    day: date
    provider_id: str
    what: str  # Vad som begärs
    answer_by: date | None = None  # Svar senast as typed
    sent: date | None = None  # Skickad
    received: date | None = None  # Inkommen
    reminder_sent: date | None = None  # Påminnelse skickad
    row: int = 0


@dataclass
class MonthlyDeviation:
    """A month of Månadsuppföljning whose Avvikelser column is filled in, for the risk model."""

    month: str  # YYYY-MM
    provider_id: str
    text: str


@dataclass
class KpiValue:
    """A row of Nyckeltal: one Kolada indicator value of a unit, beside the municipality's and the country's."""

    kpi: str
    title: str
    kolada_id: str
    provider_id: str
    year: int
    gender: str  # T (total), K (kvinnor), M (män)
    value: float | None = None
    municipality: float | None = None
    country: float | None = None
    row: int = 0


@dataclass
class Meeting:
    """A row of Sammanträden: a meeting of a nämnd and the report it asks for ("" for none)."""

    namnd: str
    day: date
    deadline: date | None = None  # Sista dag för ärenden
    report: str = ""  # T1, T2, år or ""
    row: int = 0


@dataclass
class MonthlyResult:
    """A row of Månadsuppföljning: one provider's registered time in one month (aggregates only)."""

    month: str  # YYYY-MM
    provider_id: str
    provider_name: str = ""
    visits: int = 0
    performed_hours: float = 0.0
    granted_hours: float | None = None
    performed_share: float | None = None  # performed / granted
    manual_share: float = 0.0
    late_share: float = 0.0
    duplicates: int = 0
    short: int = 0
    close: int = 0
    continuity: float | None = None  # median number of staff a customer met in 14 days
    deviations: str = ""  # Avvikelser: "; "-separated, each kind with its figure and threshold
    row: int = 0


@dataclass
class Register:
    """Everything one workbook holds, typed. Built by `uppf_xl.validate.build_register`."""

    settings: Settings
    providers: list[Provider]
    types: list[FollowUpType]
    plan: list[PlanEntry]
    focus: list[FocusArea]
    events: list[Event]
    findings: list[Finding]
    schedule: list[ScheduleRow]
    lists: dict[str, list[str]]
    questions: list[Question] = field(default_factory=list)
    answers: list[Answer] = field(default_factory=list)
    handlers: list[Handler] = field(default_factory=list)  # Handläggare
    risk_model: list[RiskSignal] | None = None  # None: no sheet Riskmodell, the default model applies
    history: list[HistoryRow] = field(default_factory=list)  # Utförarhistorik
    archived: list[ArchivedPair] = field(default_factory=list)  # Arkiv
    monthly_deviations: list[MonthlyDeviation] = field(default_factory=list)
    info_requests: list[InfoRequest] = field(default_factory=list)
    kpis: list[KpiValue] = field(default_factory=list)
    meetings: list[Meeting] = field(default_factory=list)
    import_format: list[ImportField] = field(default_factory=list)
    monthly: list[MonthlyResult] = field(default_factory=list)
    # What is computed once per register and day (see uppf_xl.statuses); not part of the data.
    memo: dict[object, object] = field(default_factory=dict, init=False, repr=False, compare=False)

    def provider(self, provider_id: str) -> Provider | None:
        return self._providers.get(provider_id)

    def type(self, type_id: str) -> FollowUpType | None:
        return self._types.get(type_id)

    @cached_property
    def _providers(self) -> dict[str, Provider]:
        return {p.id: p for p in self.providers}

    @cached_property
    def _types(self) -> dict[str, FollowUpType]:
        return {t.id: t for t in self.types}

    def plan_year(self, year: int | None, today: date) -> int:
        """The plan year: --year, else Planår when not earlier than today's year, else today's year."""
        if year:
            return year
        planar = self.settings.planar
        return planar if planar is not None and planar >= today.year else today.year
