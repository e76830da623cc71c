"""Risk-based planning: a proposed risk level per provider, organisational changes, contracts.

The assessment adds up points per signal, with the weights of the sheet Riskmodell (a new
workbook gets `DEFAULT_MODEL`; a workbook without the sheet uses it too). Points at or above
"Gräns för Hög" propose Hög, at or below "Gräns för Låg" propose Låg, otherwise Normal. The
result goes into Utförare's tool-owned columns Föreslagen risknivå and Riskskäl; Risknivå stays
the user's decision, and the plan follows Risknivå only.

Rules the contract leaves open, and what this module does:

- "The last 12 months" is the 12 months up to `today`. Events count whether handled or not
  (they happened); findings count only when confirmed (Bekräftad is not Nej).
- A counted signal (per report, per finding, per month) counts at most `MAX_COUNT` times.
- Open findings are Avvikelse and Förbättringsområde whose plan is neither approved nor
  verified; open Allvarlig brist counts under its own signal. A finding recurs when a
  confirmed Avvikelse, Allvarlig brist or Förbättringsområde of the same Område was found
  within 24 months before it.
- Questionnaires: the deviating answers of the provider's latest answered year, if that year
  is this year or last year. Monthly check: months of the last 12 with Avvikelser filled in.
- Volume: a provider with at least "Stor andel från (%)" of the Antal brukare of the active
  providers of its Verksamhetsområde, when at least three of them have Antal brukare.
- IVO permit: IVO-tillstånd Nej for a provider that is not in Egen regi (a municipality's own
  units register with IVO but need no permit); Ej krav and empty count nothing.
- Economic check: a confirmed Avvikelse or Allvarlig brist of the last 12 months found by a
  type named "Ekonomisk ..." (its Nyckel), or with Område "Avtal och ekonomi".
- Utförarhistorik holds one row per state a provider was seen in: `plan` adds a row when the
  Organisationsnummer, Verksamhetschef, Adress or Namn differs from the last row, with Sedd
  the day of the run. A change is a new non-empty value where an earlier non-empty one stood
  (filling in an empty cell is not a change; case and spaces do not count). Each day with
  changes proposes a row of the fördjupad type (the active type with Intervall Vid start) in
  the plan of that day's year: Period the day, Senast "Fördjupad uppföljning inom (månader)"
  later, Orsak naming the changes without personal names. A changed Organisationsnummer also
  proposes a Förtydligande (Bekräftad Nej) to check the IVO permit and the contract, once,
  when the change is first seen.
- Contracts: a provider with Förlängning beslut senast gets a row of the avtalsuppföljning
  type (the active type named "Avtalsuppföljning", else TypID AVT) with Senast "Avtalsuppföljning
  före förlängningsbeslut (månader)" before the decision, moved back to a working day, and the
  months before it as its window; it belongs to the plan of Senast's year.

Example:
    >>> a = assess(register, date(2026, 3, 1))["U017"]          # doctest: +SKIP
    >>> a.level, a.points                                         # doctest: +SKIP
    (<Risk.HOG: 'Hög'>, 7.0)
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from uppf_xl import contract
from uppf_xl.dates import add_months, previous_working_day
from uppf_xl.model import Finding, FollowUpType, HistoryRow, Provider, Register, ScheduleRow, Settings
from uppf_xl.period import Period
from uppf_xl.vocab import Category, EventType, FindingStatus, Interval, Regi, Risk, RowStatus
from uppf_xl.workbook.content import CellPatch, Changes, RowAppend, SheetContent, TableBlock, Value

if TYPE_CHECKING:
    from uppf_xl.dashboard import DashTable
    from uppf_xl.report_model import Table

# Signal names: the texts of Riskmodell's column Signal.
NEW_PROVIDER = "Ny utförare"
NEW_ORGNR = "Nytt organisationsnummer"
NEW_CHEF = "Ny verksamhetschef"
NEW_ADDRESS = "Ny adress"
NEW_NAME = "Nytt namn"
LEX_SARAH = "Lex Sarah"
LEX_MARIA = "Lex Maria"
SERIOUS_EVENT = "Allvarlig händelse"
COMPLAINT = "Klagomål"
OPEN_FINDING = "Öppen iakttagelse"
SERIOUS_DEFICIENCY = "Allvarlig brist"
LATE_PLAN = "Försenad åtgärdsplan"
RECURRING = "Återkommande iakttagelse"
SURVEY = "Avvikande enkätsvar"
MONTHLY = "Avvikelse i månadsuppföljning"
VOLUME = "Stor andel av områdets brukare"
IVO = "IVO-tillstånd saknas"
ECONOMY = "Avvikelse i ekonomisk kontroll"
# Parameters of the model, in the same sheet.
HIGH_FROM = "Gräns för Hög"
LOW_UP_TO = "Gräns för Låg"
SHARE_FROM = "Stor andel från (%)"

RISK_REASONS = ("Organisationsförändring", "Förlängning av avtalet")  # how Orsak starts on rows asked for here
MIN_AREA_PROVIDERS = 3  # the volume signal needs this many providers with Antal brukare in the area
CHECK_LISTED = 12  # check names this many differing providers; Översikt lists them all
MAX_COUNT = 3  # a counted signal counts at most this many times
MONTHS_BACK = 12
RECUR_MONTHS = 24

# (Signal, default points, Förklaring) in the order a new workbook lists them.
DEFAULT_MODEL: tuple[tuple[str, float, str], ...] = (
    (NEW_PROVIDER, 2, "Startdatum inom de senaste 12 månaderna"),
    (NEW_ORGNR, 3, "organisationsnumret har ändrats de senaste 12 månaderna (ny juridisk person)"),
    (NEW_CHEF, 3, "ny verksamhetschef de senaste 12 månaderna"),
    (NEW_ADDRESS, 2, "ny adress (nya lokaler) de senaste 12 månaderna"),
    (NEW_NAME, 1, "nytt namn de senaste 12 månaderna"),
    (LEX_SARAH, 2, "per rapport enligt lex Sarah de senaste 12 månaderna (högst 3 räknas)"),
    (LEX_MARIA, 2, "per anmälan enligt lex Maria de senaste 12 månaderna (högst 3 räknas)"),
    (SERIOUS_EVENT, 2, "per annan händelse markerad Allvarlig de senaste 12 månaderna (högst 3 räknas)"),
    (COMPLAINT, 1, "per klagomål de senaste 12 månaderna (högst 3 räknas)"),
    (OPEN_FINDING, 1, "per öppen avvikelse eller öppet förbättringsområde (högst 3 räknas)"),
    (SERIOUS_DEFICIENCY, 3, "per öppen allvarlig brist (högst 3 räknas)"),
    (LATE_PLAN, 2, "per försenad åtgärdsplan (högst 3 räknas)"),
    (RECURRING, 2, "per iakttagelse inom samma område som en tidigare inom 24 månader (högst 3 räknas)"),
    (SURVEY, 1, "per avvikande svar i senaste enkäten (högst 3 räknas)"),
    (MONTHLY, 1, "per månad med avvikelser i månadsuppföljningen de senaste 12 månaderna (högst 3 räknas)"),
    (VOLUME, 2, "utföraren har en stor andel av verksamhetsområdets brukare (se Stor andel från)"),
    (IVO, 4, "IVO-tillstånd Nej för en utförare som inte är egen regi"),
    (ECONOMY, 3, "avvikelse i en ekonomisk kontroll de senaste 12 månaderna"),
    (HIGH_FROM, 5, "så här många poäng eller fler ger föreslagen risknivå Hög"),
    (LOW_UP_TO, 0, "så här många poäng eller färre ger föreslagen risknivå Låg"),
    (SHARE_FROM, 30, "procent av områdets Antal brukare som räknas som stor andel (när området har minst tre utförare)"),
)
KNOWN = {name for name, _, _ in DEFAULT_MODEL}
PARAMETERS = {HIGH_FROM, LOW_UP_TO, SHARE_FROM}
COUNTED = {LEX_SARAH, LEX_MARIA, SERIOUS_EVENT, COMPLAINT, OPEN_FINDING, SERIOUS_DEFICIENCY, LATE_PLAN, RECURRING,
           SURVEY, MONTHLY}

PROPOSED = "Föreslagen risknivå"
REASONS = "Riskskäl"
FIELD_SIGNALS = {"orgnr": NEW_ORGNR, "chef": NEW_CHEF, "address": NEW_ADDRESS, "name": NEW_NAME}
FIELD_WORDS = {"orgnr": "organisationsnummer", "chef": "verksamhetschef", "address": "adress", "name": "namn"}
FIELD_ORDER = ("orgnr", "chef", "address", "name")


def default_rows() -> list[list[object]]:
    """Riskmodell's rows in a new workbook: Signal, Poäng, Förklaring."""
    return [[name, int(points) if float(points).is_integer() else points, text] for name, points, text in DEFAULT_MODEL]


def weights(register: Register) -> dict[str, float]:
    """Signal -> points: the sheet's rows, or the default model when the sheet is missing.

    A signal the sheet does not list gives no points; a missing parameter takes its default.
    """
    defaults = {name: float(points) for name, points, _ in DEFAULT_MODEL}
    if register.risk_model is None:
        return defaults
    out = {name: defaults[name] for name in PARAMETERS}
    for s in register.risk_model:
        if s.signal in KNOWN:
            out[s.signal] = s.points
    return out


# ---------------------------------------------------------------- organisational changes


@dataclass(frozen=True)
class Change:
    provider_id: str
    seen: date
    field: str  # orgnr, chef, address, name
    old: str
    new: str

    @property
    def words(self) -> str:
        """The change in words, without the values (a verksamhetschef's name is personal data)."""
        what = FIELD_WORDS[self.field]
        if self.field == "name":
            return f'ändrat namn (tidigare "{self.old}")'
        return f"{'ändrat' if self.field in ('orgnr', 'name') else 'ändrad'} {what}"


def _norm(field_name: str, value: str) -> str:
    if field_name == "orgnr":
        return re.sub(r"\D", "", value)
    return " ".join(value.split()).casefold()


def _state(p: Provider) -> dict[str, str]:
    return {"orgnr": p.orgnr, "chef": p.chef, "address": p.address, "name": p.name}


def _row_state(h: HistoryRow) -> dict[str, str]:
    return {"orgnr": h.orgnr, "chef": h.chef, "address": h.address, "name": h.name}


def _changes_between(pid: str, before: dict[str, str], after: dict[str, str], seen: date) -> list[Change]:
    out = []
    for f in FIELD_ORDER:
        old, new = before.get(f, ""), after.get(f, "")
        if old and new and _norm(f, old) != _norm(f, new):
            out.append(Change(pid, seen, f, old, new))
    return out


def _by_provider(history: list[HistoryRow]) -> dict[str, list[HistoryRow]]:
    out: dict[str, list[HistoryRow]] = defaultdict(list)
    for h in history:
        out[h.provider_id].append(h)
    for rows in out.values():
        rows.sort(key=lambda h: (h.seen or date.min, h.row))
    return out


def _last_known(rows: list[HistoryRow]) -> dict[str, str]:
    """Per field, the last non-empty value the history holds."""
    known: dict[str, str] = {}
    for h in rows:
        for f, v in _row_state(h).items():
            if v:
                known[f] = v
    return known


def recorded_changes(history: list[HistoryRow]) -> list[Change]:
    """Every change the history records, oldest first."""
    out: list[Change] = []
    for pid, rows in _by_provider(history).items():
        known: dict[str, str] = {}
        for h in rows:
            state = _row_state(h)
            if h.seen is not None:
                out.extend(_changes_between(pid, known, state, h.seen))
            for f, v in state.items():
                if v:
                    known[f] = v
    return sorted(out, key=lambda c: (c.seen, c.provider_id, FIELD_ORDER.index(c.field)))


@dataclass
class Observation:
    """What a run sees: the history rows to add and the changes they record."""

    new_rows: list[HistoryRow] = field(default_factory=list)
    new_changes: list[Change] = field(default_factory=list)

    def all_changes(self, register: Register) -> list[Change]:
        return recorded_changes(register.history) + self.new_changes


def observe(register: Register, today: date) -> Observation:
    """Compare Utförare with the last row of Utförarhistorik per provider."""
    obs = Observation()
    rows = _by_provider(register.history)
    for p in register.providers:
        mine = rows.get(p.id, [])
        state = _state(p)
        last = _row_state(mine[-1]) if mine else None
        if last is not None and all(_norm(f, last[f]) == _norm(f, state[f]) for f in FIELD_ORDER):
            continue
        obs.new_rows.append(HistoryRow(p.id, p.orgnr, p.chef, p.address, p.name, today))
        if mine:
            obs.new_changes.extend(_changes_between(p.id, _last_known(mine), state, today))
    return obs


def history_sheet(register: Register, obs: Observation) -> SheetContent:
    """The whole hidden sheet Utförarhistorik: the rows read plus the new ones."""
    sheet = contract.PROVIDER_HISTORY
    rows: list[list[Value]] = [[h.provider_id, h.orgnr, h.chef, h.address, h.name, h.seen]
                               for h in [*register.history, *obs.new_rows]]
    block = TableBlock(sheet.table, 1, 1, sheet.headers, rows,
                       styles={"Sedd": "date", "Organisationsnummer": "text", "Adress": "text", "Namn": "text"})
    widths = sheet.widths
    return SheetContent(sheet.name, tables=[block], widths=widths, freeze="A2")


def orgnr_findings(register: Register, changes: list[Change]) -> list[dict[str, Value]]:
    """Proposed findings (Bekräftad Nej) for each newly seen change of Organisationsnummer."""
    known = {f.id for f in register.findings}
    out: list[dict[str, Value]] = []
    for c in changes:
        if c.field != "orgnr":
            continue
        fid = f"ORG-{c.provider_id}-{c.seen:%Y%m%d}"
        if fid in known:
            continue
        known.add(fid)
        out.append({
            "IakttagelseID": fid,
            "Datum": c.seen,
            "UtförarID": c.provider_id,
            "Kategori": Category.FORTYDLIGANDE.value,
            "Område": "Avtal och ekonomi",
            "Beskrivning": (f"Förslag: organisationsnumret ändrades från {c.old} till {c.new} (sett {c.seen.isoformat()}). "
                            "Kontrollera att den nya juridiska personen har IVO-tillstånd och att avtalet har "
                            "överlåtits eller tecknats på nytt. Skriv Ja i Bekräftad eller ta bort raden."),
            "Sammanfattning för nämnd": "Utföraren har bytt organisationsnummer; IVO-tillstånd och avtal kontrolleras.",
            "Bekräftad": "Nej",
        })
    return out


# ---------------------------------------------------------------- extra rows for the plan


def fordjupad_type(register: Register) -> FollowUpType | None:
    """The active type of in-depth follow-up: Intervall Vid start (FORD in a new workbook)."""
    return next((t for t in register.types if t.active and t.interval is Interval.AT_START), None)


def contract_type(register: Register) -> FollowUpType | None:
    """The active avtalsuppföljning type: named Avtalsuppföljning, else TypID AVT."""
    active = [t for t in register.types if t.active]
    return (next((t for t in active if t.name.strip().casefold().startswith("avtalsuppföljning")), None)
            or next((t for t in active if t.id == "AVT"), None))


def change_due(seen: date, settings: Settings) -> date:
    """Senast of the in-depth follow-up an organisational change seen on `seen` asks for."""
    return add_months(seen, settings.fordjupad_inom_manader)


def contract_due(decision: date, settings: Settings) -> date:
    """Senast of the avtalsuppföljning before a contract decision on `decision`."""
    return previous_working_day(add_months(decision, -settings.avtalsuppfoljning_fore_manader))


def extra_slots(register: Register, changes: list[Change], year: int) -> dict[tuple[str, str], list[tuple[Period, date, date, str]]]:
    """(UtförarID, TypID) -> (Period, first, Senast, Orsak) rows of `year` asked for by risk.
    Their Period is the day they arose: the change seen, or Senast before a contract decision."""
    out: dict[tuple[str, str], list[tuple[Period, date, date, str]]] = defaultdict(list)
    s = register.settings
    ford = fordjupad_type(register)
    if ford is not None:
        by_day: dict[tuple[str, date], list[Change]] = defaultdict(list)
        for c in changes:
            if c.seen.year == year:
                by_day[(c.provider_id, c.seen)].append(c)
        for (pid, seen), cs in sorted(by_day.items()):
            due = change_due(seen, s)
            what = ", ".join(c.words for c in cs)
            reason = (f"Organisationsförändring sedd {seen.isoformat()}: {what}; fördjupad uppföljning inom "
                      f"{s.fordjupad_inom_manader} månader")
            out[(pid, ford.id)].append((Period.event(seen), seen, due, reason))
    avt = contract_type(register)
    months = s.avtalsuppfoljning_fore_manader
    if avt is not None:
        for p in register.providers:
            if p.extension_decision is None:
                continue
            due = contract_due(p.extension_decision, s)
            if due.year != year:
                continue
            first = max(date(year, 1, 1), add_months(due, -max(months, 1)))
            reason = (f"Förlängning av avtalet beslutas senast {p.extension_decision.isoformat()}: "
                      f"avtalsuppföljning senast {due.isoformat()} ({months} månader före)")
            out[(p.id, avt.id)].append((Period.event(due), first, due, reason))
    return dict(out)


# ---------------------------------------------------------------- the assessment


@dataclass
class Reason:
    signal: str
    points: float
    detail: str = ""

    @property
    def text(self) -> str:
        return f"{self.signal}{' ' + self.detail if self.detail else ''} ({_p(self.points)} p)"


@dataclass
class Assessment:
    provider_id: str
    points: float
    level: Risk | None  # None: the provider has ended, no proposal
    reasons: list[Reason] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.level.value if self.level is not None else ""

    @property
    def text(self) -> str:
        """Riskskäl: the signals with their points, in words."""
        if self.level is None:
            return ""
        if not self.reasons:
            return "Inga risksignaler (0 p)"
        return "; ".join(r.text for r in self.reasons) + f". Summa {_p(self.points)} p"


def _p(points: float) -> str:
    return str(int(points)) if float(points).is_integer() else f"{points:.1f}".replace(".", ",")


def _deviation(f: Finding) -> bool:
    return f.category in (Category.AVVIKELSE, Category.ALLVARLIG, Category.FORBATTRING)


def _open(f: Finding) -> bool:
    return f.approved is None and f.verified is None


def _economic(f: Finding, register: Register) -> bool:
    if f.area.strip() == "Avtal och ekonomi":
        return True
    t = register.type(f.key.type_id) if f.key.type_id else None
    return t is not None and t.name.strip().casefold().startswith("ekonomisk")


def assess(register: Register, today: date, changes: list[Change] | None = None) -> dict[str, Assessment]:
    """UtförarID -> the assessment on `today`, for every provider of Utförare.

    `changes` are the organisational changes to count (default: the history's and those a
    run would see today).
    """
    from uppf_xl import statuses

    w = weights(register)
    since = add_months(today, -MONTHS_BACK)
    if changes is None:
        changes = observe(register, today).all_changes(register)
    by_pid_changes: dict[str, list[Change]] = defaultdict(list)
    for c in changes:
        if since < c.seen <= today:
            by_pid_changes[c.provider_id].append(c)
    events: dict[str, Counter[str]] = defaultdict(Counter)
    for ev in register.events:
        if not since < ev.day <= today:
            continue
        if ev.type is EventType.LEX_SARAH:
            events[ev.provider_id][LEX_SARAH] += 1
        elif ev.type is EventType.LEX_MARIA:
            events[ev.provider_id][LEX_MARIA] += 1
        elif ev.serious:
            events[ev.provider_id][SERIOUS_EVENT] += 1
        elif ev.type is EventType.KLAGOMAL:
            events[ev.provider_id][COMPLAINT] += 1
    counted: dict[str, Counter[str]] = defaultdict(Counter)
    economic: set[str] = set()
    confirmed = sorted((f for f in register.findings if f.confirmed), key=lambda f: (f.day, f.row))
    earlier: dict[tuple[str, str], list[date]] = defaultdict(list)
    for f in confirmed:
        if f.day > today:
            continue
        pid = f.provider_id
        if _deviation(f):
            theme = f.area.strip().casefold()
            if theme and f.day > since and any(add_months(f.day, -RECUR_MONTHS) <= d < f.day
                                               for d in earlier[(pid, theme)]):
                counted[pid][RECURRING] += 1
            if theme:
                earlier[(pid, theme)].append(f.day)
            if _open(f):
                counted[pid][SERIOUS_DEFICIENCY if f.category is Category.ALLVARLIG else OPEN_FINDING] += 1
            if f.category is not Category.FORBATTRING and f.day > since and _economic(f, register):
                economic.add(pid)
        if statuses.of(register, today).finding(f) is FindingStatus.FORSENAD:
            counted[pid][LATE_PLAN] += 1
    latest_year: dict[str, int] = {}
    for a in register.answers:
        latest_year[a.provider_id] = max(latest_year.get(a.provider_id, 0), a.year)
    for a in register.answers:
        if a.deviates and a.year == latest_year[a.provider_id] and a.year >= today.year - 1:
            counted[a.provider_id][SURVEY] += 1
    first_month = f"{since:%Y-%m}"
    months: dict[str, set[str]] = defaultdict(set)
    for m in register.monthly_deviations:
        if first_month < m.month <= f"{today:%Y-%m}":
            months[m.provider_id].add(m.month)
    for pid, ms in months.items():
        counted[pid][MONTHLY] = len(ms)
    big = _big_shares(register, today, w[SHARE_FROM])

    out: dict[str, Assessment] = {}
    for p in register.providers:
        if p.end is not None and p.end < today:
            out[p.id] = Assessment(p.id, 0.0, None)
            continue
        reasons: list[Reason] = []

        def add(signal: str, count: int = 1, detail: str = "") -> None:
            points = w.get(signal, 0.0)
            if not points or count <= 0:
                return
            n = min(count, MAX_COUNT) if signal in COUNTED else 1
            if signal in COUNTED and count > 1:
                detail = f"{count} st" + (f", {MAX_COUNT} räknas" if count > MAX_COUNT else "") + (f", {detail}" if detail else "")
            reasons.append(Reason(signal, points * n, detail))

        if since < p.start <= today:
            add(NEW_PROVIDER, detail=f"start {p.start.isoformat()}")
        seen_fields: set[str] = set()
        for c in sorted(by_pid_changes.get(p.id, []), key=lambda c: c.seen, reverse=True):
            if c.field not in seen_fields:
                seen_fields.add(c.field)
                add(FIELD_SIGNALS[c.field], detail=f"sedd {c.seen.isoformat()}")
        for signal in (LEX_SARAH, LEX_MARIA, SERIOUS_EVENT, COMPLAINT):
            add(signal, events[p.id][signal])
        for signal in (SERIOUS_DEFICIENCY, OPEN_FINDING, LATE_PLAN, RECURRING, SURVEY, MONTHLY):
            add(signal, counted[p.id][signal])
        if p.id in big:
            add(VOLUME, detail=f"{big[p.id]:.0%} av {p.area}".replace("%", " %"))
        if p.ivo_permit == "Nej" and p.regi is not Regi.EGEN:
            add(IVO)
        if p.id in economic:
            add(ECONOMY)
        points = sum(r.points for r in reasons)
        if points >= w[HIGH_FROM]:
            level = Risk.HOG
        elif points <= w[LOW_UP_TO]:
            level = Risk.LAG
        else:
            level = Risk.NORMAL
        out[p.id] = Assessment(p.id, points, level, reasons)
    return out


def _big_shares(register: Register, today: date, percent: float) -> dict[str, float]:
    """UtförarID -> its share of the area's Antal brukare, for the shares at or above `percent`."""
    by_area: dict[str, list[Provider]] = defaultdict(list)
    for p in register.providers:
        if p.active_on(today) and p.clients:
            by_area[p.area].append(p)
    out: dict[str, float] = {}
    for ps in by_area.values():
        total = sum(p.clients or 0 for p in ps)
        if len(ps) < MIN_AREA_PROVIDERS or total <= 0:
            continue
        for p in ps:
            share = (p.clients or 0) / total
            if share * 100 >= percent:
                out[p.id] = share
    return out


def provider_patch(register: Register, assessments: dict[str, Assessment]) -> CellPatch:
    """Föreslagen risknivå and Riskskäl of every provider row, as a patch of Utförare; only cells that change."""
    values: dict[tuple[int, str], Value] = {}
    for p in register.providers:
        a = assessments.get(p.id)
        if a is None or p.row <= 0:
            continue
        if p.proposed_risk != a.label or p.risk_reasons != a.text:
            values[(p.row, PROPOSED)] = a.label or None
            values[(p.row, REASONS)] = a.text or None
    return CellPatch(contract.PROVIDERS.name, values)


_TOOL_TEXT = re.compile(r"(Summa -?\d+(,\d)? p|Inga risksignaler \(0 p\))$")


def typed_over(p: Provider) -> list[tuple[str, str]]:
    """(header, value) of Utförare's risk columns holding what the tool never writes."""
    out = []
    if p.proposed_risk and p.proposed_risk not in Risk.labels():
        out.append((PROPOSED, p.proposed_risk))
    if p.risk_reasons and not _TOOL_TEXT.search(p.risk_reasons):
        out.append((REASONS, p.risk_reasons if len(p.risk_reasons) <= 40 else p.risk_reasons[:37] + "..."))
    return out


def differing(register: Register, assessments: dict[str, Assessment]) -> list[tuple[Provider, Assessment]]:
    """Active providers whose proposal differs from their Risknivå, highest proposal first."""
    order = {Risk.HOG: 0, Risk.NORMAL: 1, Risk.LAG: 2}
    out = [(p, a) for p in register.providers if (a := assessments.get(p.id)) is not None
           and a.level is not None and a.level is not p.risk]
    out.sort(key=lambda pa: (order[pa[1].level] if pa[1].level else 3, -pa[1].points, pa[0].id))
    return out


def tiers(register: Register, assessments: dict[str, Assessment]) -> Counter[Risk]:
    return Counter(a.level for a in assessments.values() if a.level is not None)


# ---------------------------------------------------------------- what plan and status write


def add_changes(changes: Changes, register: Register, today: date, obs: Observation | None = None) -> list[str]:
    """Add the risk columns of Utförare to `changes` and, for `plan` (`obs` given), the new
    rows of Utförarhistorik and the proposed findings; returns Swedish lines for the user."""
    all_changes = obs.all_changes(register) if obs is not None else None
    assessments = assess(register, today, all_changes)
    patch = provider_patch(register, assessments)
    if patch.values:
        changes.patches.append(patch)
    count = tiers(register, assessments)
    diff = differing(register, assessments)
    lines = [f"Riskbedömning: {count[Risk.HOG]} Hög, {count[Risk.NORMAL]} Normal, {count[Risk.LAG]} Låg föreslagna; "
             f"{len(diff)} skiljer sig från Risknivå (se Översikt)."]
    if obs is None:
        return lines
    if obs.new_rows:
        changes.sheets.append(history_sheet(register, obs))
    for c in obs.new_changes:
        lines.append(f"{c.provider_id}: {c.words} sedd {c.seen.isoformat()}; en fördjupad uppföljning föreslås.")
    proposals = orgnr_findings(register, obs.new_changes)
    if proposals:
        changes.appends.append(RowAppend(contract.FINDINGS.name, proposals))
        lines.append(f"{len(proposals)} föreslagna iakttagelser (Bekräftad Nej) om nytt organisationsnummer lades till "
                     "i Iakttagelser: kontrollera IVO-tillstånd och avtal.")
    return lines


# ---------------------------------------------------------------- check and Översikt


def check_lines(register: Register, today: date, provider_id: str | None = None) -> list[str]:
    """What `check` adds: one provider's points; else the providers whose proposal differs
    from their Risknivå. Both computed now, so a new event counts before the next `status`;
    when the Föreslagen risknivå that plan or status last wrote is out of date, it says so.

    A workbook never planned since it got the column says nothing here.
    """
    if provider_id is not None:
        return _explain(register, today, provider_id)
    labels = set(Risk.labels())
    if not any(p.proposed_risk in labels for p in register.providers):
        return []
    assessments = assess(register, today)
    now = {p.id: (p, assessments[p.id]) for p in register.providers
           if p.id in assessments and assessments[p.id].level is not None}
    count = Counter(a.label for _, a in now.values())
    line = f"Föreslagen risknivå: {count['Hög']} Hög, {count['Normal']} Normal, {count['Låg']} Låg"
    order = {"Hög": 0, "Normal": 1, "Låg": 2}
    diff = sorted(((p, a) for p, a in now.values() if a.label != p.risk.value),
                  key=lambda pa: (order[pa[1].label], pa[0].id))
    stale = sorted(p.id for p, a in now.values() if p.proposed_risk != a.label)
    out = [line + "; alla stämmer med Risknivå."] if not diff else []
    if diff:
        shown = ", ".join(f"{p.id} {p.risk.value} → {a.label}" for p, a in diff[:CHECK_LISTED])
        more = f" och {len(diff) - CHECK_LISTED} till (se Översikt)" if len(diff) > CHECK_LISTED else ""
        out.append(f"{line}; {len(diff)} skiljer sig från Risknivå: {shown}{more}.")
    if stale:
        names = ", ".join(stale[:CHECK_LISTED]) + (f" och {len(stale) - CHECK_LISTED} till" if len(stale) > CHECK_LISTED else "")
        out.append(f"Föreslagen risknivå i Utförare är inaktuell för {names}; uppf-xl status skriver in dagens förslag.")
    if diff:
        out.append("Poängen för en utförare: uppf-xl check FIL --utförare UTFÖRARID.")
    return out


def _explain(register: Register, today: date, provider_id: str) -> list[str]:
    assessments = assess(register, today)
    p = register.provider(provider_id)
    a = assessments.get(provider_id)
    if p is None or a is None:
        return []
    if a.level is None:
        return [f"{p.id} {p.name}: avslutad {p.end.isoformat() if p.end else ''}; ingen riskbedömning."]
    lines = [f"{p.id} {p.name}: föreslagen risknivå {a.label} ({_p(a.points)} poäng); Risknivå {p.risk.value}."]
    w = weights(register)
    lines.append(f"  Gränser: Hög från {_p(w[HIGH_FROM])} poäng, Låg till och med {_p(w[LOW_UP_TO])} poäng.")
    lines.extend(f"  {r.text}" for r in a.reasons)
    if not a.reasons:
        lines.append("  Inga risksignaler.")
    if p.proposed_risk and p.proposed_risk != a.label:
        lines.append(f"  I arbetsboken står {p.proposed_risk}; nästa plan eller status skriver {a.label}.")
    return lines


def dashboard_tables(register: Register, rows: list[ScheduleRow], today: date) -> list[DashTable]:
    """Översikt's risk sections: proposals that differ, and contracts ending or to decide on."""
    from uppf_xl.dashboard import DashTable

    assessments = assess(register, today)
    diff = differing(register, assessments)
    horizon = add_months(today, 6)
    avt = contract_type(register)
    avt_rows: dict[str, list[ScheduleRow]] = defaultdict(list)
    for r in rows:
        if avt is not None and r.type_id == avt.id:
            avt_rows[r.provider_id].append(r)
    contracts: list[list[Value]] = []
    for p in sorted(register.providers, key=lambda p: p.id):
        if p.end is not None and p.end < today:
            continue
        dates = [d for d in (p.contract_end, p.extension_decision) if d is not None and today <= d <= horizon]
        if not dates:
            continue
        follow = [r for r in avt_rows.get(p.id, []) if r.status is not RowStatus.UTGAR
                  and (r.done is None or r.done >= add_months(min(dates), -12))]
        follow.sort(key=lambda r: (r.done or r.visit_date or r.due or date.max))
        state, when = "Saknas", None
        if follow:
            r = follow[-1] if any(f.done for f in follow) else follow[0]
            state, when = ((RowStatus.GENOMFORD.value, r.done) if r.done
                           else (r.status or RowStatus.PLANERAD.value, r.visit_date or r.due))
        contracts.append([p.id, p.name, p.contract_end, p.extension_decision, state, when])
    return [
        DashTable(
            "tblOversiktRisk",
            "Föreslagen risknivå skiljer sig från Risknivå",
            ["UtförarID", "Utförare", "Risknivå", "Föreslagen risknivå", "Poäng", "Riskskäl"],
            [[p.id, p.name, p.risk.value, a.label, int(a.points) if float(a.points).is_integer() else _p(a.points), a.text]
             for p, a in diff],
        ),
        DashTable(
            "tblOversiktAvtal",
            "Avtal som löper ut eller ska beslutas om inom sex månader",
            ["UtförarID", "Utförare", "Avtal till", "Förlängning beslut senast", "Avtalsuppföljning", "Datum"],
            contracts,
        ),
    ]


# ---------------------------------------------------------------- the nämnd report


def report_tables(register: Register, rows: list[ScheduleRow], year: int, today: date, namnd: str) -> list[Table]:
    """The risk section of a nämnd report: proposed tiers per area, the commonest reasons, and
    the rows of `year` that risk added after the plan was adopted (Fastställd).

    Only counts, signal names and the tool's own Orsak texts: no personal names.
    """
    from uppf_xl.report_model import Table

    providers = [p for p in register.providers if p.namnd == namnd]
    ids = {p.id for p in providers}
    assessments = assess(register, today)
    per_area: dict[str, Counter[str]] = defaultdict(Counter)
    reason_count: Counter[str] = Counter()
    for p in providers:
        a = assessments.get(p.id)
        if a is None or a.level is None:
            continue
        per_area[p.area][a.level.value] += 1
        for reason in a.reasons:
            reason_count[reason.signal] += 1
    tier_rows: list[list[str | int]] = [[area, c["Hög"], c["Normal"], c["Låg"], c["Hög"] + c["Normal"] + c["Låg"]]
                                        for area, c in sorted(per_area.items())]
    if tier_rows:
        tier_rows.append(["Summa", *(sum(int(r[k]) for r in tier_rows) for k in (1, 2, 3, 4))])
    reason_rows: list[list[str | int]] = [[signal, n] for signal, n in reason_count.most_common(5)]
    mine = [r for r in rows if r.provider_id in ids and r.year == year and r.status is not RowStatus.UTGAR]
    changed: list[list[str | int]] = []
    if any(r.adopted is not None for r in mine):
        for r in sorted(mine, key=lambda r: (r.due or date.max, r.key)):
            if r.adopted is not None:
                continue
            prov = register.provider(r.provider_id)
            t = register.type(r.type_id)
            when = r.due.isoformat() if r.due else ""
            if r.reason.startswith(RISK_REASONS):
                what = "Tillagd: " + ("organisationsförändring" if r.reason.startswith(RISK_REASONS[0]) else
                                      "inför beslut om förlängning")
                changed.append([r.provider_id, r.type_name, what, when])
            elif (prov is not None and t is not None and prov.risk is Risk.HOG and t.interval_high_risk is not None
                  and t.interval_high_risk is not t.interval and r.period.interval is t.interval_high_risk):
                changed.append([r.provider_id, r.type_name,
                                f"Kortare intervall vid hög risk: {t.interval.value} blev {t.interval_high_risk.value}", when])
    return [
        Table("risk_tiers", "Föreslagen risknivå per område", ["Verksamhetsområde", "Hög", "Normal", "Låg", "Utförare"],
              tier_rows),
        Table("risk_reasons", "Vanligaste riskskälen", ["Riskskäl", "Utförare"], reason_rows),
        Table("risk_changes", "Ändringar efter fastställd plan", ["UtförarID", "Uppföljning", "Ändring", "Senast"],
              changed, numeric=False),
    ]


__all__ = [
    "Assessment",
    "Change",
    "DEFAULT_MODEL",
    "KNOWN",
    "add_changes",
    "assess",
    "check_lines",
    "dashboard_tables",
    "default_rows",
    "extra_slots",
    "history_sheet",
    "observe",
    "orgnr_findings",
    "provider_patch",
    "report_tables",
    "weights",
]

