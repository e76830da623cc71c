"""Findings (Iakttagelser) and their action plans: status, date order, escalation, linking.

A finding's Status is never typed: it follows from its date columns through the one table
`TRANSITIONS`, which also gives the date order that `date_order_problems` checks.

Example:
    >>> f = Finding("I1", date(2025, 3, 1), "U001", Category.AVVIKELSE,
    ...             requested=date(2025, 3, 3), deadline=date(2025, 4, 2))
    >>> finding_status(f, date(2025, 3, 10)).value
    'Åtgärdsplan begärd'
    >>> finding_status(f, date(2025, 4, 3)).value
    'Åtgärdsplan försenad'
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum

from uppf_xl.contract import FINDINGS
from uppf_xl.dates import is_working_day, next_working_day
from uppf_xl.errors import ERROR, WARNING, Problem
from uppf_xl.model import Finding, FollowUpType, Register, ScheduleRow, Settings
from uppf_xl.vocab import Category, FindingStatus, RowStatus
from uppf_xl.workbook.content import CellPatch, Value

S = FindingStatus

# The Iakttagelser columns the workflow reads, and the Finding attribute behind each.
DATUM = "Datum"
REQUESTED = "Åtgärdsplan begärd"
DEADLINE = "Åtgärdsplan senast"
RECEIVED = "Åtgärdsplan inkommen"
APPROVED = "Åtgärdsplan godkänd"
VERIFIED = "Åtgärd verifierad"
REPORTED = "Rapporterad till nämnd"
STATUS = "Status"
ESCALATE = "Eskalera"
VERIFY_AT = "Verifieras vid"
ANSWER_BY = "Svar senast"
NEW_DEADLINE = "Ny svarstid"

FIELDS: dict[str, str] = {
    DATUM: "day",
    REQUESTED: "requested",
    DEADLINE: "deadline",
    RECEIVED: "received",
    APPROVED: "approved",
    VERIFIED: "verified",
    REPORTED: "reported",
}


class Flow(str, Enum):
    """The path a finding's category follows through the table."""

    PLAN = "åtgärdsplan"
    CLARIFICATION = "förtydligande"
    EXAMPLE = "gott exempel"


class Kind(str, Enum):
    DATE = "date"  # the column's date being set takes the step
    OVERDUE = "overdue"  # the deadline (Åtgärdsplan senast or its default) having passed
    REPORT = "report"  # reporting to the nämnd: needs no earlier stage and implies none


@dataclass(frozen=True)
class Step:
    column: str
    to: FindingStatus
    kind: Kind = Kind.DATE


FLOWS: dict[Category, Flow] = {
    Category.AVVIKELSE: Flow.PLAN,
    Category.ALLVARLIG: Flow.PLAN,
    Category.FORBATTRING: Flow.PLAN,
    Category.FORTYDLIGANDE: Flow.CLARIFICATION,
    Category.GOTT_EXEMPEL: Flow.EXAMPLE,
}
START: dict[Flow, FindingStatus] = {Flow.PLAN: S.NY, Flow.CLARIFICATION: S.NY, Flow.EXAMPLE: S.GOTT_EXEMPEL}

# The allowed transitions: (flow, status) -> the steps out of it, tried in this order.
# A step of kind DATE is taken when its column has a date, or when a later column of the
# same chain has one (the gap is then a warning, and the later date still counts).
TRANSITIONS: dict[tuple[Flow, FindingStatus], tuple[Step, ...]] = {
    # Reporting to the nämnd closes nothing: only a verified plan can become Rapporterad.
    (Flow.PLAN, S.NY): (Step(REQUESTED, S.BEGARD),),
    (Flow.PLAN, S.BEGARD): (Step(RECEIVED, S.INKOMMEN), Step(DEADLINE, S.FORSENAD, Kind.OVERDUE)),
    (Flow.PLAN, S.FORSENAD): (Step(RECEIVED, S.INKOMMEN),),
    (Flow.PLAN, S.INKOMMEN): (Step(APPROVED, S.GODKAND),),
    (Flow.PLAN, S.GODKAND): (Step(VERIFIED, S.VERIFIERAD),),
    (Flow.PLAN, S.VERIFIERAD): (Step(REPORTED, S.RAPPORTERAD, Kind.REPORT),),
    (Flow.PLAN, S.RAPPORTERAD): (),
    (Flow.CLARIFICATION, S.NY): (Step(REQUESTED, S.FORTYDLIGANDE_BEGART),),
    (Flow.CLARIFICATION, S.FORTYDLIGANDE_BEGART): (Step(RECEIVED, S.FORTYDLIGANDE_INKOMMET),),
    (Flow.CLARIFICATION, S.FORTYDLIGANDE_INKOMMET): (Step(APPROVED, S.STANGD),),
    (Flow.CLARIFICATION, S.STANGD): (),
    (Flow.EXAMPLE, S.GOTT_EXEMPEL): (),
}

# Statuses after which nothing is left to do.
CLOSED = frozenset({S.VERIFIERAD, S.RAPPORTERAD, S.GOTT_EXEMPEL, S.STANGD})
# Statuses of an action plan that is requested and not yet verified.
OPEN_PLAN = frozenset({S.BEGARD, S.FORSENAD, S.INKOMMEN, S.GODKAND})


def _date(f: Finding, column: str) -> date | None:
    day: date | None = getattr(f, FIELDS[column])
    return day


def flow(f: Finding) -> Flow:
    return FLOWS[f.category]


def _anchors(fl: Flow) -> dict[FindingStatus, str]:
    """The date column that marks the entry into each status of a flow (Datum for the start)."""
    anchors = {START[fl]: DATUM}
    pending = [START[fl]]
    while pending:
        state = pending.pop()
        for step in TRANSITIONS[(fl, state)]:
            if step.to in anchors:
                continue
            # An overdue plan is still dated by its request.
            anchors[step.to] = anchors[state] if step.kind is Kind.OVERDUE else step.column
            pending.append(step.to)
    return anchors


def _chain_after(fl: Flow, state: FindingStatus) -> set[str]:
    """Date columns of the steps reachable from `state` (reports aside): a date in one implies `state`."""
    seen: set[FindingStatus] = set()
    cols: set[str] = set()
    pending = [state]
    while pending:
        s = pending.pop()
        if s in seen:
            continue
        seen.add(s)
        for step in TRANSITIONS[(fl, s)]:
            if step.kind is not Kind.REPORT:
                cols.add(step.column)
                pending.append(step.to)
    return cols


def _flow_columns(fl: Flow) -> set[str]:
    return {step.column for (f_, _), steps in TRANSITIONS.items() if f_ is fl for step in steps}


def deadline(f: Finding, settings: Settings) -> date | None:
    """The deadline in force (Svar senast): Ny svarstid, else Åtgärdsplan senast, else
    Åtgärdsplan begärd plus "Svarstid åtgärdsplan (dagar)" moved to the next working day."""
    if f.new_deadline is not None:
        return f.new_deadline
    if f.deadline is not None:
        return f.deadline
    if f.requested is not None:
        return next_working_day(f.requested + timedelta(days=settings.svarstid_atgardsplan))
    return None


def _path(f: Finding, today: date, settings: Settings) -> list[FindingStatus]:
    """The statuses the finding passes through on `today`, from its start to its status."""
    fl = flow(f)
    anchors = _anchors(fl)
    path = [START[fl]]
    while True:
        state = path[-1]
        taken = None
        for step in TRANSITIONS[(fl, state)]:
            if step.kind is Kind.OVERDUE:
                due = deadline(f, settings)
                if due is not None and today > due:
                    taken = step
            elif step.kind is Kind.REPORT:
                # A report made before the current stage was reached does not report it.
                value, since = _date(f, step.column), _date(f, anchors[state])
                if value is not None and (since is None or value >= since):
                    taken = step
            elif _date(f, step.column) is not None or any(
                _date(f, c) is not None for c in _chain_after(fl, step.to)
            ):
                taken = step
            if taken:
                break
        if taken is None:
            return path
        path.append(taken.to)


def finding_status(f: Finding, today: date, settings: Settings | None = None) -> FindingStatus:
    """The status the dates give on `today`, following `TRANSITIONS` from the category's start.

    `settings` gives the default deadline when Åtgärdsplan senast is empty (default settings
    when omitted).
    """
    return _path(f, today, settings or Settings())[-1]


def _earlier_statuses(f: Finding, today: date, settings: Settings) -> set[str]:
    """Statuses the tool may have written before: those on the way to today's, late ones included."""
    path = _path(f, today, settings)
    fl = flow(f)
    out = {s.value for s in path}
    for state in path:
        out.update(st.to.value for st in TRANSITIONS[(fl, state)] if st.kind is Kind.OVERDUE)
    return out


def _predecessors(fl: Flow) -> dict[str, tuple[str, Kind]]:
    """For each column of a flow, the column it must not precede, and the step kind."""
    anchors = _anchors(fl)
    out: dict[str, tuple[str, Kind]] = {}
    for (f_, state), steps in TRANSITIONS.items():
        if f_ is not fl:
            continue
        for step in steps:
            # A report may come at any stage, so it is only held against the finding's date.
            before = DATUM if step.kind is Kind.REPORT else anchors[state]
            out.setdefault(step.column, (before, step.kind))
    return out


def _iso(d: date) -> str:
    return d.isoformat()


def date_order_problems(f: Finding, cell: Callable[[int, str], str]) -> list[Problem]:
    """Dates of a finding that contradict the order of `TRANSITIONS`.

    An earlier stage dated after a later one is an error (Fel); a later stage filled while an
    earlier one is empty, or a column the category does not use, is a warning (Varning).
    `cell(excel_row, header)` names the cell, e.g. "K7".

    Example:
        >>> f = Finding("I1", date(2025, 3, 1), "U001", Category.AVVIKELSE,
        ...     requested=date(2025, 3, 2), received=date(2025, 3, 5), approved=date(2025, 3, 4))
        >>> [p.text for p in date_order_problems(f, lambda r, h: "L7")]
        ['Fel: Iakttagelser!L7: "Åtgärdsplan godkänd" (2025-03-04) är före "Åtgärdsplan inkommen" (2025-03-05)']
    """
    fl = flow(f)
    preds = _predecessors(fl)
    used = _flow_columns(fl) | {REPORTED}  # any finding may be reported to the nämnd
    if REQUESTED in used:
        # Whatever is requested may get a deadline, even where lateness has no status of its own.
        used.add(DEADLINE)
        preds.setdefault(DEADLINE, (REQUESTED, Kind.OVERDUE))
    problems: list[Problem] = []

    def add(severity: str, column: str, message: str) -> None:
        problems.append(Problem(severity, FINDINGS.name, cell(f.row, column), message))

    for column in FIELDS:
        value = _date(f, column)
        if column == DATUM or value is None:
            continue
        if column not in used:
            add(WARNING, column, f'"{column}" används inte för kategorin "{f.category.value}"')
            continue
        before, kind = preds.get(column, (DATUM, Kind.REPORT))
        # Walk back to the nearest earlier column that has a date.
        missing = None
        while before != DATUM and _date(f, before) is None:
            missing = missing or before
            before = preds[before][0]
        if missing is not None and kind is not Kind.REPORT:
            add(WARNING, column, f'"{column}" är ifylld men "{missing}" är tom')
        earlier = _date(f, before)
        if earlier is not None and value < earlier:
            add(ERROR, column, f'"{column}" ({_iso(value)}) är före "{before}" ({_iso(earlier)})')
    return problems


def request_missing(f: Finding, settings: Settings, today: date) -> bool:
    """An Allvarlig brist with no action plan requested within "Allvarlig brist begäran inom (dagar)"."""
    return (
        f.category is Category.ALLVARLIG
        and f.requested is None
        and f.verified is None
        and today > f.day + timedelta(days=settings.allvarlig_brist_inom)
    )


def escalate(f: Finding, settings: Settings, today: date) -> bool:
    """Eskalera Ja: an Allvarlig brist not verified after its deadline, or left without a request.

    Example:
        >>> f = Finding("I1", date(2025, 3, 1), "U001", Category.ALLVARLIG,
        ...             requested=date(2025, 3, 2), deadline=date(2025, 3, 20))
        >>> escalate(f, Settings(), date(2025, 3, 21))
        True
    """
    if f.category is not Category.ALLVARLIG or f.verified is not None:
        return False
    due = deadline(f, settings)
    late = due is not None and today > due
    return late or request_missing(f, settings, today)


def verify_at(f: Finding, rows: Iterable[ScheduleRow], types: Iterable[FollowUpType] | None = None) -> str:
    """The Nyckel of the Årshjul row where the finding's measures are (or were) verified, or "".

    Before verification: the provider's first visit on or after the plan's approval, dated by
    its Genomförd date, else Planerat datum, else Föreslaget datum. Once Åtgärd verifierad is
    filled in: the last visit done between the approval and that date. With `types`, only rows
    of a type with Besök Ja count; rows with Status Utgår never do.
    """
    if f.approved is None:
        return ""
    visits = None if types is None else {t.id for t in types if t.visit}
    candidates: list[tuple[date, str]] = []
    for row in rows:
        if row.provider_id != f.provider_id or row.key == f.key or row.status is RowStatus.UTGAR:
            continue
        if visits is not None and row.type_id not in visits:
            continue
        if f.verified is not None:
            if row.done is not None and f.approved <= row.done <= f.verified:
                candidates.append((row.done, row.key))
            continue
        when = row.done or row.visit_date
        if when is not None and when >= f.approved:
            candidates.append((when, row.key))
    if not candidates:
        return ""
    # The verifying visit is the last one before the verification; a planned one the next.
    return (max(candidates) if f.verified is not None else min(candidates))[1]


def computed_columns(register: Register, rows: list[ScheduleRow], today: date) -> dict[str, dict[str, Value]]:
    """IakttagelseID -> {"Status", "Eskalera", "Verifieras vid", "Svar senast"}: the tool-owned values."""
    from uppf_xl import statuses  # statuses applies this module's rules

    s = register.settings
    status = statuses.of(register, today)
    by_provider: dict[str, list[ScheduleRow]] = {}
    for row in rows:  # grouped once: each finding looks only at its own provider's rows
        by_provider.setdefault(row.provider_id, []).append(row)
    return {
        f.id: {
            STATUS: status.finding(f).value,
            ESCALATE: "Ja" if escalate(f, s, today) else "",
            VERIFY_AT: verify_at(f, by_provider.get(f.provider_id, []), register.types),
            ANSWER_BY: deadline(f, s) if flow(f) is not Flow.EXAMPLE else None,
        }
        for f in register.findings
    }


def tool_columns(register: Register, rows: list[ScheduleRow], today: date) -> CellPatch:
    """Status, Eskalera, Verifieras vid and Svar senast of every finding, as a patch of sheet Iakttagelser."""
    values: dict[tuple[int, str], Value] = {}
    computed = computed_columns(register, rows, today)
    for f in register.findings:
        if f.row <= 0:
            continue
        for header, value in computed[f.id].items():
            values[(f.row, header)] = value
    return CellPatch(FINDINGS.name, values)


def tool_column_warnings(
    register: Register, rows: list[ScheduleRow], today: date, cell: Callable[[int, str], str]
) -> list[Problem]:
    """A warning for each tool-owned cell of Iakttagelser that holds what the user typed.

    Example message: `kolumnen "Status" fylls i av verktyget; "Klar" skrivs över med
    "Åtgärdsplan godkänd"`. A value the tool itself wrote on an earlier run is not reported,
    though it differs from today's: a status on the way to today's (dates filled in or a
    deadline passed since), "Ja" in Eskalera, an Årshjul Nyckel in Verifieras vid. Empty cells
    are not reported either (the tool fills them).
    """
    problems = []
    computed = computed_columns(register, rows, today)
    keys: set[str] = {r.key for r in rows} | {r.key for r in register.schedule}
    for f in register.findings:
        stored = {STATUS: f.status, ESCALATE: f.escalate, VERIFY_AT: f.verify_at}
        earlier = {
            STATUS: _earlier_statuses(f, today, register.settings),
            ESCALATE: {"Ja"},
            VERIFY_AT: keys,
        }
        typed = f.answer_by
        if typed is not None and typed not in {f.new_deadline, f.deadline, computed[f.id][ANSWER_BY]} and (
            f.requested is None or typed != next_working_day(f.requested + timedelta(days=register.settings.svarstid_atgardsplan))
        ):
            problems.append(
                Problem(
                    WARNING,
                    FINDINGS.name,
                    cell(f.row, ANSWER_BY),
                    f'kolumnen "{ANSWER_BY}" fylls i av verktyget; {typed.isoformat()} skrivs över '
                    f'(skriv en förlängd svarstid i "{NEW_DEADLINE}")',
                )
            )
        for header, value in computed[f.id].items():
            if header not in stored:
                continue  # Svar senast: checked above
            old = (stored[header] or "").strip()
            if not old or old == value or old in earlier[header]:
                continue
            then = f'skrivs över med "{value}"' if value else "töms"
            problems.append(
                Problem(
                    WARNING,
                    FINDINGS.name,
                    cell(f.row, header),
                    f'kolumnen "{header}" fylls i av verktyget; "{old}" {then}',
                )
            )
    return problems


def deadline_day_problems(f: Finding, cell: Callable[[int, str], str]) -> list[Problem]:
    """A warning for a typed deadline (Åtgärdsplan senast, Ny svarstid) on a non-working day.

    Example message: `"Ny svarstid" 2025-06-20 är ingen arbetsdag (lördag, söndag eller
    helgdag); närmaste arbetsdag efter är 2025-06-23`.
    """
    problems = []
    for column, value in ((DEADLINE, f.deadline), (NEW_DEADLINE, f.new_deadline)):
        if value is not None and not is_working_day(value):
            problems.append(
                Problem(
                    WARNING,
                    FINDINGS.name,
                    cell(f.row, column),
                    f'"{column}" {value.isoformat()} är ingen arbetsdag (lördag, söndag eller helgdag); '
                    f"närmaste arbetsdag efter är {next_working_day(value).isoformat()}",
                )
            )
    return problems
