"""Tests of uppf_xl.findings: status from dates, transitions, date order, escalation, linking."""

from __future__ import annotations

from datetime import date

import pytest

from uppf_xl import findings as fnd
from uppf_xl.findings import (
    TRANSITIONS,
    Flow,
    date_order_problems,
    deadline,
    escalate,
    finding_status,
    request_missing,
    tool_column_warnings,
    tool_columns,
    verify_at,
)
from uppf_xl.model import FollowUpType, Finding, Provider, Register, ScheduleRow, Settings
from uppf_xl.vocab import ALLA, Avtalsform, Category, FindingStatus, Interval, Regi

D = date
S = FindingStatus
COLUMNS = {
    "Datum": "B",
    "Åtgärdsplan begärd": "I",
    "Åtgärdsplan senast": "J",
    "Åtgärdsplan inkommen": "K",
    "Åtgärdsplan godkänd": "L",
    "Åtgärd verifierad": "M",
    "Rapporterad till nämnd": "N",
    "Status": "O",
    "Eskalera": "P",
    "Verifieras vid": "Q",
}


def cell(row: int, header: str) -> str:
    return f"{COLUMNS[header]}{row}"


def finding(category: Category = Category.AVVIKELSE, **dates: date | str) -> Finding:
    return Finding("I1", D(2025, 3, 1), "U001", category, row=7, **dates)  # type: ignore[arg-type]


def texts(f: Finding) -> list[str]:
    return [p.text for p in date_order_problems(f, cell)]


# --- status -------------------------------------------------------------------------------

PLAN_CASES = [
    ("nothing", {}, D(2025, 3, 10), S.NY),
    ("requested", {"requested": D(2025, 3, 2)}, D(2025, 3, 10), S.BEGARD),
    ("deadline day", {"requested": D(2025, 3, 2), "deadline": D(2025, 3, 20)}, D(2025, 3, 20), S.BEGARD),
    ("explicit deadline passed", {"requested": D(2025, 3, 2), "deadline": D(2025, 3, 20)}, D(2025, 3, 21), S.FORSENAD),
    # default deadline: 2025-03-02 + 30 days = 2025-04-01
    ("default deadline day", {"requested": D(2025, 3, 2)}, D(2025, 4, 1), S.BEGARD),
    ("default deadline passed", {"requested": D(2025, 3, 2)}, D(2025, 4, 2), S.FORSENAD),
    (
        "received late",
        {"requested": D(2025, 3, 2), "deadline": D(2025, 3, 20), "received": D(2025, 3, 25)},
        D(2025, 4, 1),
        S.INKOMMEN,
    ),
    (
        "approved",
        {"requested": D(2025, 3, 2), "received": D(2025, 3, 15), "approved": D(2025, 3, 18)},
        D(2025, 6, 1),
        S.GODKAND,
    ),
    (
        "verified",
        {"requested": D(2025, 3, 2), "received": D(2025, 3, 15), "approved": D(2025, 3, 18), "verified": D(2025, 5, 5)},
        D(2025, 6, 1),
        S.VERIFIERAD,
    ),
    (
        "reported after verification",
        {
            "requested": D(2025, 3, 2),
            "received": D(2025, 3, 15),
            "approved": D(2025, 3, 18),
            "verified": D(2025, 5, 5),
            "reported": D(2025, 5, 20),
        },
        D(2025, 6, 1),
        S.RAPPORTERAD,
    ),
    (
        "reported before verification does not close",
        {
            "requested": D(2025, 3, 2),
            "received": D(2025, 3, 15),
            "approved": D(2025, 3, 18),
            "verified": D(2025, 5, 5),
            "reported": D(2025, 4, 20),
        },
        D(2025, 6, 1),
        S.VERIFIERAD,
    ),
    # Reporting closes nothing: the status stays what the other dates make it.
    ("reported without a plan", {"reported": D(2025, 4, 20)}, D(2025, 6, 1), S.NY),
    (
        "reported while the plan is late",
        {"requested": D(2025, 3, 2), "deadline": D(2025, 3, 20), "reported": D(2025, 4, 20)},
        D(2025, 6, 1),
        S.FORSENAD,
    ),
    # a later stage filled while an earlier is empty: the later date counts
    ("approved without received", {"requested": D(2025, 3, 2), "approved": D(2025, 3, 18)}, D(2025, 6, 1), S.GODKAND),
    ("verified alone", {"verified": D(2025, 5, 5)}, D(2025, 6, 1), S.VERIFIERAD),
    ("deadline without request", {"deadline": D(2025, 3, 20)}, D(2025, 6, 1), S.FORSENAD),
]


@pytest.mark.parametrize("name,dates,today,expected", PLAN_CASES, ids=[c[0] for c in PLAN_CASES])
@pytest.mark.parametrize("category", [Category.AVVIKELSE, Category.ALLVARLIG, Category.FORBATTRING])
def test_plan_status(name: str, dates: dict, today: date, expected: FindingStatus, category: Category) -> None:
    assert finding_status(finding(category, **dates), today) is expected


def test_default_deadline_follows_the_setting() -> None:
    f = finding(requested=D(2025, 3, 2))
    assert deadline(f, Settings(svarstid_atgardsplan=10)) == D(2025, 3, 12)
    assert finding_status(f, D(2025, 3, 13), Settings(svarstid_atgardsplan=10)) is S.FORSENAD
    assert finding_status(f, D(2025, 3, 13)) is S.BEGARD
    assert deadline(finding(), Settings()) is None
    assert deadline(finding(requested=D(2025, 3, 2), deadline=D(2025, 3, 5)), Settings()) == D(2025, 3, 5)


CLARIFICATION_CASES = [
    ({}, S.NY),
    ({"requested": D(2025, 3, 2)}, S.FORTYDLIGANDE_BEGART),
    # no "late" state for a clarification, even long after the default deadline
    ({"requested": D(2025, 3, 2), "deadline": D(2025, 3, 10)}, S.FORTYDLIGANDE_BEGART),
    ({"requested": D(2025, 3, 2), "received": D(2025, 3, 9)}, S.FORTYDLIGANDE_INKOMMET),
    ({"requested": D(2025, 3, 2), "received": D(2025, 3, 9), "approved": D(2025, 3, 12)}, S.STANGD),
    ({"requested": D(2025, 3, 2), "received": D(2025, 3, 9), "approved": D(2025, 3, 12), "reported": D(2025, 4, 1)}, S.STANGD),
]


@pytest.mark.parametrize("dates,expected", CLARIFICATION_CASES)
def test_clarification_status(dates: dict, expected: FindingStatus) -> None:
    assert finding_status(finding(Category.FORTYDLIGANDE, **dates), D(2025, 12, 1)) is expected


@pytest.mark.parametrize("dates", [{}, {"requested": D(2025, 3, 2)}, {"reported": D(2025, 4, 1)}])
def test_good_example_status(dates: dict) -> None:
    assert finding_status(finding(Category.GOTT_EXEMPEL, **dates), D(2025, 12, 1)) is S.GOTT_EXEMPEL


def test_transition_table_is_complete() -> None:
    targets = {step.to for steps in TRANSITIONS.values() for step in steps}
    states = {state for _, state in TRANSITIONS}
    # every label is a state of the table, and every step leads to a state the table knows
    assert states == set(FindingStatus)
    assert targets <= states
    for (flow, _), steps in TRANSITIONS.items():
        for step in steps:
            assert (flow, step.to) in TRANSITIONS
    assert {f for f, _ in TRANSITIONS} == set(Flow)


def test_the_table_decides_the_status() -> None:
    """Removing a step from the table changes the computed status: no rule lives elsewhere."""
    f = finding(requested=D(2025, 3, 2), deadline=D(2025, 3, 20))
    saved = TRANSITIONS[(Flow.PLAN, S.BEGARD)]
    try:
        TRANSITIONS[(Flow.PLAN, S.BEGARD)] = saved[:1]  # no overdue step
        assert finding_status(f, D(2025, 4, 1)) is S.BEGARD
    finally:
        TRANSITIONS[(Flow.PLAN, S.BEGARD)] = saved
    assert finding_status(f, D(2025, 4, 1)) is S.FORSENAD


# --- date order ---------------------------------------------------------------------------


def test_dates_in_order_give_no_problem() -> None:
    f = finding(
        requested=D(2025, 3, 1),
        deadline=D(2025, 3, 31),
        received=D(2025, 3, 20),
        approved=D(2025, 3, 20),
        verified=D(2025, 5, 5),
        reported=D(2025, 4, 1),
    )
    assert texts(f) == []


ORDER_CASES = [
    (
        {"requested": D(2025, 3, 2), "received": D(2025, 3, 5), "approved": D(2025, 3, 4)},
        ['Fel: Iakttagelser!L7: "Åtgärdsplan godkänd" (2025-03-04) är före "Åtgärdsplan inkommen" (2025-03-05)'],
    ),
    (
        {"requested": D(2025, 3, 2), "received": D(2025, 3, 5), "approved": D(2025, 3, 8), "verified": D(2025, 3, 7)},
        ['Fel: Iakttagelser!M7: "Åtgärd verifierad" (2025-03-07) är före "Åtgärdsplan godkänd" (2025-03-08)'],
    ),
    (
        {"requested": D(2025, 3, 6), "received": D(2025, 3, 5)},
        ['Fel: Iakttagelser!K7: "Åtgärdsplan inkommen" (2025-03-05) är före "Åtgärdsplan begärd" (2025-03-06)'],
    ),
    (
        {"requested": D(2025, 3, 6), "deadline": D(2025, 3, 5)},
        ['Fel: Iakttagelser!J7: "Åtgärdsplan senast" (2025-03-05) är före "Åtgärdsplan begärd" (2025-03-06)'],
    ),
    (
        {"requested": D(2025, 2, 27)},
        ['Fel: Iakttagelser!I7: "Åtgärdsplan begärd" (2025-02-27) är före "Datum" (2025-03-01)'],
    ),
    (
        {"reported": D(2025, 2, 27)},
        ['Fel: Iakttagelser!N7: "Rapporterad till nämnd" (2025-02-27) är före "Datum" (2025-03-01)'],
    ),
    (
        {"deadline": D(2025, 3, 20)},
        ['Varning: Iakttagelser!J7: "Åtgärdsplan senast" är ifylld men "Åtgärdsplan begärd" är tom'],
    ),
    (
        {"requested": D(2025, 3, 2), "approved": D(2025, 3, 18)},
        ['Varning: Iakttagelser!L7: "Åtgärdsplan godkänd" är ifylld men "Åtgärdsplan inkommen" är tom'],
    ),
    (
        {"verified": D(2025, 5, 5)},
        ['Varning: Iakttagelser!M7: "Åtgärd verifierad" är ifylld men "Åtgärdsplan godkänd" är tom'],
    ),
    # with a gap, the date is held against the nearest earlier date that is filled in
    (
        {"requested": D(2025, 3, 10), "approved": D(2025, 3, 5)},
        [
            'Varning: Iakttagelser!L7: "Åtgärdsplan godkänd" är ifylld men "Åtgärdsplan inkommen" är tom',
            'Fel: Iakttagelser!L7: "Åtgärdsplan godkänd" (2025-03-05) är före "Åtgärdsplan begärd" (2025-03-10)',
        ],
    ),
    # a report may come at any stage; it is only held against the finding's date
    ({"requested": D(2025, 3, 10), "reported": D(2025, 3, 5)}, []),
]


@pytest.mark.parametrize("dates,expected", ORDER_CASES)
def test_date_order(dates: dict, expected: list[str]) -> None:
    assert texts(finding(**dates)) == expected


def test_columns_a_category_does_not_use() -> None:
    f = finding(Category.FORTYDLIGANDE, requested=D(2025, 3, 2), received=D(2025, 3, 1), verified=D(2025, 3, 9))
    assert texts(f) == [
        'Fel: Iakttagelser!K7: "Åtgärdsplan inkommen" (2025-03-01) är före "Åtgärdsplan begärd" (2025-03-02)',
        'Varning: Iakttagelser!M7: "Åtgärd verifierad" används inte för kategorin "Förtydligande"',
    ]
    h = finding(Category.FORTYDLIGANDE, requested=D(2025, 3, 2), deadline=D(2025, 3, 1))
    assert texts(h) == [
        'Fel: Iakttagelser!J7: "Åtgärdsplan senast" (2025-03-01) är före "Åtgärdsplan begärd" (2025-03-02)'
    ]
    g = finding(Category.GOTT_EXEMPEL, requested=D(2025, 3, 2), reported=D(2025, 4, 1))
    assert texts(g) == ['Varning: Iakttagelser!I7: "Åtgärdsplan begärd" används inte för kategorin "Gott exempel"']


# --- escalation ---------------------------------------------------------------------------


def test_escalate_serious_deficiency_after_deadline() -> None:
    s = Settings()
    f = finding(Category.ALLVARLIG, requested=D(2025, 3, 2), deadline=D(2025, 3, 20))
    assert not escalate(f, s, D(2025, 3, 20))
    assert escalate(f, s, D(2025, 3, 21))
    # an approved plan whose measures are not yet verified is still escalated
    f.received, f.approved = D(2025, 3, 15), D(2025, 3, 18)
    assert escalate(f, s, D(2025, 3, 21))
    f.verified = D(2025, 4, 2)
    assert not escalate(f, s, D(2025, 4, 3))
    # other categories are never escalated
    assert not escalate(finding(Category.AVVIKELSE, requested=D(2025, 3, 2), deadline=D(2025, 3, 20)), s, D(2025, 6, 1))


def test_serious_deficiency_without_request() -> None:
    s = Settings()  # Allvarlig brist begäran inom (dagar) = 3; Datum is 2025-03-01
    f = finding(Category.ALLVARLIG)
    assert not request_missing(f, s, D(2025, 3, 4))
    assert not escalate(f, s, D(2025, 3, 4))
    assert request_missing(f, s, D(2025, 3, 5))
    assert escalate(f, s, D(2025, 3, 5))
    assert not request_missing(f, Settings(allvarlig_brist_inom=5), D(2025, 3, 5))
    f.requested = D(2025, 3, 5)
    assert not request_missing(f, s, D(2025, 3, 6))
    assert not request_missing(finding(Category.AVVIKELSE), s, D(2025, 6, 1))


# --- verification link --------------------------------------------------------------------

KVAL = FollowUpType("KVAL", "Kvalitetsuppföljning", (ALLA,), ALLA, Interval.YEAR, visit=True)
AVT = FollowUpType("AVT", "Avtalsuppföljning", (ALLA,), ALLA, Interval.YEAR, visit=True)
VP = FollowUpType("VP", "Verksamhetsplan", (ALLA,), ALLA, Interval.YEAR, month=11, visit=False)


def srow(key: str, provider: str = "U001", **kw: object) -> ScheduleRow:
    pid, type_id, period = key.split("|")
    return ScheduleRow(key, pid, "Solrosen", "Hemtjänst", "VON", type_id, type_id, period, None, **kw)  # type: ignore[arg-type]


ROWS = [
    srow("U001|KVAL|2025", proposed=D(2025, 3, 1), done=D(2025, 3, 1)),  # the visit that found it
    srow("U001|VP|2025", proposed=D(2025, 4, 1)),  # no visit
    srow("U001|AVT|2025", proposed=D(2025, 9, 15), planned=D(2025, 10, 2)),
    srow("U001|KVAL|2026", proposed=D(2026, 3, 3)),
    srow("U002|KVAL|2025", proposed=D(2025, 4, 1)),  # another provider
    srow("U001|AVT|2025-H1", proposed=D(2025, 5, 1), status="Utgår"),
    srow("U001|KVAL|2025-06-01", proposed=D(2025, 6, 1), done=D(2025, 9, 20)),  # done later than proposed
]


def test_verify_at_picks_the_next_visit_after_approval() -> None:
    f = finding(key="U001|KVAL|2025", requested=D(2025, 3, 2), received=D(2025, 3, 10), approved=D(2025, 3, 20))
    # VP has no visit; the Utgår row does not count; the 2025-06-01 row was done on 2025-09-20;
    # AVT is planned 2025-10-02 (Planerat datum wins over the proposal).
    assert verify_at(f, ROWS, [KVAL, AVT, VP]) == "U001|KVAL|2025-06-01"
    f.approved = D(2025, 9, 21)
    assert verify_at(f, ROWS, [KVAL, AVT, VP]) == "U001|AVT|2025"
    f.approved = D(2025, 10, 3)
    assert verify_at(f, ROWS, [KVAL, AVT, VP]) == "U001|KVAL|2026"
    f.approved = D(2026, 3, 4)
    assert verify_at(f, ROWS, [KVAL, AVT, VP]) == ""
    # without types every row counts
    f.approved = D(2025, 3, 20)
    assert verify_at(f, ROWS) == "U001|VP|2025"
    assert verify_at(finding(requested=D(2025, 3, 2)), ROWS, [KVAL, AVT, VP]) == ""


def test_verify_at_after_verification_names_the_visit_that_verified() -> None:
    f = finding(key="U001|KVAL|2025", requested=D(2025, 3, 2), received=D(2025, 3, 10), approved=D(2025, 3, 20),
                verified=D(2025, 9, 25))  # fmt: skip
    assert verify_at(f, ROWS, [KVAL, AVT, VP]) == "U001|KVAL|2025-06-01"  # done 2025-09-20
    f.verified = D(2025, 9, 19)  # verified without a visit in the Årshjul
    assert verify_at(f, ROWS, [KVAL, AVT, VP]) == ""


# --- tool-owned columns -------------------------------------------------------------------


def register(findings: list[Finding]) -> Register:
    p = Provider("U001", "Solrosen", Regi.PRIVAT, Avtalsform.LOV, "Hemtjänst", "VON", D(2020, 1, 1))
    return Register(Settings(), [p], [KVAL, AVT, VP], [], [], [], findings, ROWS, {})


def test_tool_columns_patch() -> None:
    a = Finding("I1", D(2025, 3, 1), "U001", Category.ALLVARLIG, requested=D(2025, 3, 2), deadline=D(2025, 3, 20), row=5)
    b = Finding(
        "I2", D(2025, 3, 1), "U001", Category.AVVIKELSE, requested=D(2025, 3, 2), received=D(2025, 3, 5),
        approved=D(2025, 3, 20), row=6,
    )  # fmt: skip
    patch = tool_columns(register([a, b]), ROWS, D(2025, 4, 1))
    assert patch.sheet == "Iakttagelser"
    assert patch.values == {
        (5, "Status"): "Åtgärdsplan försenad",
        (5, "Eskalera"): "Ja",
        (5, "Verifieras vid"): "",
        (6, "Status"): "Åtgärdsplan godkänd",
        (6, "Eskalera"): "",
        (6, "Verifieras vid"): "U001|KVAL|2025-06-01",
        (5, "Svar senast"): D(2025, 3, 20),
        (6, "Svar senast"): D(2025, 4, 1),  # 2 March + 30 days
    }


def test_tool_column_warnings() -> None:
    f = Finding(
        "I1", D(2025, 3, 1), "U001", Category.AVVIKELSE, requested=D(2025, 3, 2), received=D(2025, 3, 5),
        approved=D(2025, 3, 20), status="Klar", escalate="Nej", verify_at="nästa besök", row=5,
    )  # fmt: skip
    g = Finding(
        "I2", D(2025, 3, 1), "U001", Category.AVVIKELSE, requested=D(2025, 3, 2), status="Åtgärd verifierad", row=6
    )
    assert [p.text for p in tool_column_warnings(register([f, g]), ROWS, D(2025, 4, 1), cell)] == [
        'Varning: Iakttagelser!O5: kolumnen "Status" fylls i av verktyget; "Klar" skrivs över med "Åtgärdsplan godkänd"',
        'Varning: Iakttagelser!P5: kolumnen "Eskalera" fylls i av verktyget; "Nej" töms',
        'Varning: Iakttagelser!Q5: kolumnen "Verifieras vid" fylls i av verktyget; "nästa besök" skrivs över med '
        '"U001|KVAL|2025-06-01"',
        'Varning: Iakttagelser!O6: kolumnen "Status" fylls i av verktyget; "Åtgärd verifierad" skrivs över med '
        '"Åtgärdsplan begärd"',
    ]


@pytest.mark.parametrize(
    "stored", ["Ny", "Åtgärdsplan begärd", "Åtgärdsplan försenad", "Åtgärdsplan inkommen", "Åtgärdsplan godkänd"]
)
def test_values_an_earlier_run_wrote_are_not_reported(stored: str) -> None:
    """Dates filled in or a deadline passed since the last run: the tool wrote the old value."""
    f = Finding(
        "I1", D(2025, 3, 1), "U001", Category.ALLVARLIG, requested=D(2025, 3, 2), received=D(2025, 4, 5),
        approved=D(2025, 4, 20), status=stored, escalate="Ja", verify_at="U001|AVT|2025", row=5,
    )  # fmt: skip
    assert tool_column_warnings(register([f]), ROWS, D(2025, 4, 21), cell) == []


def test_no_excel_library_in_domain_modules() -> None:
    import uppf_xl.dashboard
    import uppf_xl.dashboard_sheet

    for module in (fnd, uppf_xl.dashboard, uppf_xl.dashboard_sheet):
        source = open(module.__file__, encoding="utf-8").read()
        assert "openpyxl" not in source and "xlwings" not in source
