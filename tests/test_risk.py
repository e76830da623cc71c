"""Risk-based planning: each signal's points, the tiers, organisational changes, contracts, and
the scenario of a provider with a new verksamhetschef and two lex Sarah reports, end to end."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from python_calamine import CalamineWorkbook

from conftest import DEMO_TODAY
from factories import ftype, provider, register, schedule_row
from uppf_xl import contract, risk, schedule
from uppf_xl.cli import main
from uppf_xl.model import Answer, Finding, HistoryRow, MonthlyDeviation, Register, RiskSignal
from uppf_xl.vocab import Category, EventType, Interval, Regi, Risk
from uppf_xl.workbook import open_workbook
from uppf_xl.workbook.content import CellPatch, Changes, RowAppend

TODAY = date(2026, 6, 1)
DEFAULT = {name: float(points) for name, points, _ in risk.DEFAULT_MODEL}


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def base() -> Register:
    """Three providers of one area with no signal at all; U001 is the one a case changes."""
    people = [provider(f"U00{i}", area="Hemtjänst", start=date(2015, 1, 1), clients=10, orgnr="556000-0001",
                       chef="Anna Chef", address="Storgatan 1") for i in (1, 2, 3, 4)]
    reg = register(people)
    reg.history = [HistoryRow(p.id, p.orgnr, p.chef, p.address, p.name, date(2025, 1, 10)) for p in people]
    return reg


def finding(fid: str, day: date, category: Category = Category.AVVIKELSE, **kw: object) -> Finding:
    return Finding(id=fid, day=day, provider_id=kw.pop("pid", "U001"), category=category, **kw)  # type: ignore[arg-type]


def with_event(kind: EventType, serious: bool = False, n: int = 1) -> Callable[[Register], None]:
    def f(reg: Register) -> None:
        from uppf_xl.model import Event

        reg.events.extend(Event(ago(20 + 10 * i), "U001", kind, serious=serious) for i in range(n))
    return f


def changed(attr: str, value: str) -> Callable[[Register], None]:
    def f(reg: Register) -> None:
        reg.providers[0] = replace(reg.providers[0], **{attr: value})
    return f


def add_findings(*items: Finding) -> Callable[[Register], None]:
    def f(reg: Register) -> None:
        reg.findings.extend(items)
    return f


def volume(reg: Register) -> None:
    reg.providers[0] = replace(reg.providers[0], clients=80)


def ivo(reg: Register) -> None:
    reg.providers[0] = replace(reg.providers[0], ivo_permit="Nej")


def new_provider(reg: Register) -> None:
    reg.providers[0] = replace(reg.providers[0], start=ago(100))


def survey(reg: Register) -> None:
    reg.answers.append(Answer("U001", "AVT", TODAY.year, "F1", "Nej", deviates=True))


def monthly(reg: Register) -> None:
    reg.monthly_deviations.append(MonthlyDeviation(f"{ago(40):%Y-%m}", "U001", "Andel manuellt registrerade 40 %"))


CLOSED = dict(requested=ago(290), deadline=ago(260), received=ago(270), approved=ago(265))
# (case, change to the base register, the signals and their points)
CASES: list[tuple[str, Callable[[Register], None], dict[str, float]]] = [
    ("ny utförare", new_provider, {risk.NEW_PROVIDER: 2}),
    ("nytt organisationsnummer", changed("orgnr", "559000-0003"), {risk.NEW_ORGNR: 3}),
    ("ny verksamhetschef", changed("chef", "Berit Ny"), {risk.NEW_CHEF: 3}),
    ("ny adress", changed("address", "Nygatan 7"), {risk.NEW_ADDRESS: 2}),
    ("nytt namn", changed("name", "Nya Omsorg AB"), {risk.NEW_NAME: 1}),
    ("lex Sarah", with_event(EventType.LEX_SARAH), {risk.LEX_SARAH: 2}),
    ("två lex Sarah", with_event(EventType.LEX_SARAH, n=2), {risk.LEX_SARAH: 4}),
    ("fem lex Sarah räknas tre gånger", with_event(EventType.LEX_SARAH, n=5), {risk.LEX_SARAH: 6}),
    ("lex Maria", with_event(EventType.LEX_MARIA, serious=True), {risk.LEX_MARIA: 2}),
    ("allvarlig händelse", with_event(EventType.AVVIKELSE, serious=True), {risk.SERIOUS_EVENT: 2}),
    ("klagomål", with_event(EventType.KLAGOMAL), {risk.COMPLAINT: 1}),
    ("öppen avvikelse", add_findings(finding("I1", ago(10))), {risk.OPEN_FINDING: 1}),
    ("öppen allvarlig brist", add_findings(finding("I1", ago(1), Category.ALLVARLIG)), {risk.SERIOUS_DEFICIENCY: 3}),
    ("försenad åtgärdsplan", add_findings(finding("I1", ago(60), requested=ago(58), deadline=ago(28))),
     {risk.OPEN_FINDING: 1, risk.LATE_PLAN: 2}),
    ("återkommande iakttagelse",
     add_findings(finding("I1", ago(300), area="Dokumentation", **CLOSED),
                  finding("I2", ago(30), area="Dokumentation", requested=ago(29), deadline=ago(1), received=ago(20),
                          approved=ago(15))),
     {risk.RECURRING: 2}),
    ("avvikande enkätsvar", survey, {risk.SURVEY: 1}),
    ("avvikelse i månadsuppföljningen", monthly, {risk.MONTHLY: 1}),
    ("stor andel av områdets brukare", volume, {risk.VOLUME: 2}),
    ("IVO-tillstånd saknas", ivo, {risk.IVO: 4}),
    ("avvikelse i ekonomisk kontroll", add_findings(finding("I1", ago(60), area="Avtal och ekonomi", **CLOSED)),
     {risk.ECONOMY: 3}),
    ("en bekräftad Nej räknas inte", add_findings(finding("I1", ago(10), Category.ALLVARLIG, confirmed=False)), {}),
    ("en händelse för 13 månader sedan räknas inte",
     lambda reg: reg.events.append(replace(_event(EventType.LEX_SARAH), day=ago(400))), {}),
    ("IVO Nej i egen regi räknas inte",
     lambda reg: reg.providers.__setitem__(0, replace(reg.providers[0], ivo_permit="Nej", regi=Regi.EGEN)), {}),
]


def _event(kind: EventType):  # type: ignore[no-untyped-def]
    from uppf_xl.model import Event

    return Event(ago(10), "U001", kind)


def test_the_base_provider_has_no_signal() -> None:
    a = risk.assess(base(), TODAY)["U001"]
    assert (a.points, a.level, a.reasons) == (0, Risk.LAG, [])
    assert a.text == "Inga risksignaler (0 p)"


@pytest.mark.parametrize(("change", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_signal_alone_moves_the_points_as_the_model_says(change: Callable[[Register], None],
                                                            expected: dict[str, float]) -> None:
    reg = base()
    change(reg)
    a = risk.assess(reg, TODAY)["U001"]
    assert {r.signal: r.points for r in a.reasons} == expected
    assert a.points == sum(expected.values())
    for other in ("U002", "U003", "U004"):  # nothing leaks to the providers that did not change
        assert risk.assess(reg, TODAY)[other].points == 0


@pytest.mark.parametrize(("change", "expected"), [c[1:] for c in CASES if c[2]], ids=[c[0] for c in CASES if c[2]])
def test_the_sheet_riskmodell_sets_the_points(change: Callable[[Register], None], expected: dict[str, float]) -> None:
    reg = base()
    change(reg)
    # Every signal worth 10 points: a case's points scale by 10 / its default.
    reg.risk_model = [RiskSignal(name, 10) for name in risk.KNOWN if name not in risk.PARAMETERS]
    a = risk.assess(reg, TODAY)["U001"]
    assert {r.signal: r.points for r in a.reasons} == {s: p / DEFAULT[s] * 10 for s, p in expected.items()}
    # A signal the sheet leaves out gives no points.
    reg.risk_model = []
    assert risk.assess(reg, TODAY)["U001"].points == 0


@pytest.mark.parametrize(("points", "level"), [(0, Risk.LAG), (1, Risk.NORMAL), (4, Risk.NORMAL), (5, Risk.HOG)])
def test_thresholds(points: int, level: Risk) -> None:
    reg = base()
    reg.risk_model = [RiskSignal(risk.COMPLAINT, 1)]
    reg.events.extend(_event(EventType.KLAGOMAL) for _ in range(points))
    # counted signals stop at MAX_COUNT: raise the weight instead of the count above it
    if points > risk.MAX_COUNT:
        reg.risk_model = [RiskSignal(risk.COMPLAINT, points)]
        reg.events = [_event(EventType.KLAGOMAL)]
    assert risk.assess(reg, TODAY)["U001"].level is level


def test_an_ended_provider_gets_no_proposal() -> None:
    reg = base()
    reg.providers[0] = replace(reg.providers[0], end=ago(30))
    a = risk.assess(reg, TODAY)["U001"]
    assert a.level is None and a.text == ""


def test_low_risk_uses_intervall_vid_lag_risk_and_high_risk_its_own() -> None:
    kval = ftype("KVAL", interval=Interval.YEAR, interval_high_risk=Interval.TERTIAL,
                 interval_low_risk=Interval.TWO_YEARS)
    people = [provider("U001", risk=Risk.LAG, start=date(2020, 3, 1)), provider("U002", risk=Risk.NORMAL),
              provider("U003", risk=Risk.HOG)]
    for year in (2025, 2026):
        rows = schedule.plan(register(people, types=[kval]), year, date(year, 1, 5)).rows
        keys = {r.key for r in rows}
        assert (f"U001|KVAL|{year}" in keys) is (year % 2 == 1)  # start 2020: 2021, 2023, 2025, ...
        assert f"U002|KVAL|{year}" in keys
        assert {f"U003|KVAL|{year}-T{t}" for t in (1, 2, 3)} <= keys


def test_organisational_change_asks_for_a_fordjupad_row_and_a_contract_decision_an_avt_row() -> None:
    reg = base()
    reg.providers[0] = replace(reg.providers[0], chef="Berit Ny", address="Nygatan 7")
    reg.providers[1] = replace(reg.providers[1], extension_decision=date(2026, 9, 30))
    changes = risk.observe(reg, TODAY).all_changes(reg)
    rows = schedule.plan(reg, 2026, TODAY, extra_slots=risk.extra_slots(reg, changes, 2026)).rows
    ford = next(r for r in rows if r.key == "U001|FORD|2026-06-01")
    assert ford.due == date(2026, 12, 1)
    assert "ändrad verksamhetschef, ändrad adress" in ford.reason and "2026-06-01" in ford.reason
    assert "Berit" not in ford.reason  # a name is personal data
    avt = next(r for r in rows if r.key == "U002|AVT|2026-06-30")
    assert avt.due == date(2026, 6, 30) and avt.proposed is not None and avt.proposed <= avt.due
    assert "2026-09-30" in avt.reason
    # A plan of another year does not get them.
    other = schedule.plan(reg, 2027, TODAY, extra_slots=risk.extra_slots(reg, changes, 2027)).rows
    assert not any(r.key in ("U001|FORD|2026-06-01", "U002|AVT|2026-06-30") for r in other)


def test_filling_in_an_empty_cell_is_not_a_change() -> None:
    reg = base()
    reg.history[0] = replace(reg.history[0], chef="")
    reg.providers[0] = replace(reg.providers[0], chef="  ANNA   chef ")
    reg.providers[1] = replace(reg.providers[1], chef="Anna Chef ")
    obs = risk.observe(reg, TODAY)
    assert obs.new_changes == []
    assert [h.provider_id for h in obs.new_rows] == ["U001"]  # the filled-in value is remembered


def test_report_tables_show_tiers_reasons_and_rows_risk_added_after_adoption() -> None:
    reg = base()
    reg.providers[0] = replace(reg.providers[0], risk=Risk.HOG)
    with_event(EventType.LEX_SARAH, n=3)(reg)
    kval = ftype("KVAL", name="Kvalitetsuppföljning", interval=Interval.YEAR, interval_high_risk=Interval.TERTIAL)
    reg.types = [kval, ftype("FORD", name="Fördjupad uppföljning", interval=Interval.AT_START)]
    rows = [
        schedule_row("U002|KVAL|2026", type_name="Kvalitetsuppföljning", adopted=date(2026, 1, 15)),
        schedule_row("U001|KVAL|2026-T2", type_name="Kvalitetsuppföljning", due=date(2026, 8, 31)),
        schedule_row("U001|FORD|2026-05-02", type_name="Fördjupad uppföljning", due=date(2026, 11, 2),
                     reason="Organisationsförändring sedd 2026-05-02: ändrad verksamhetschef"),
    ]
    tiers, reasons, changes = risk.report_tables(reg, rows, 2026, TODAY, reg.providers[0].namnd)
    assert tiers.rows == [["Hemtjänst", 1, 0, 3, 4], ["Summa", 1, 0, 3, 4]]
    assert reasons.rows == [["Lex Sarah", 1]]
    assert [r[:3] for r in changes.rows] == [
        ["U001", "Kvalitetsuppföljning", "Kortare intervall vid hög risk: År blev Tertial"],
        ["U001", "Fördjupad uppföljning", "Tillagd: organisationsförändring"],
    ]


# ---------------------------------------------------------------- the split on whole municipalities


def _split(reg: Register, today: date) -> dict[Risk, float]:
    count = risk.tiers(reg, risk.assess(reg, today))
    n = sum(count.values())
    return {level: count[level] / n for level in Risk}


def test_the_default_model_gives_a_plausible_split_on_the_demo(demo_master: Path) -> None:
    reg = open_workbook(demo_master).register(DEMO_TODAY)
    split = _split(reg, DEMO_TODAY)
    assert 0.05 <= split[Risk.HOG] <= 0.2
    assert 0.15 <= split[Risk.NORMAL] <= 0.4
    assert 0.5 <= split[Risk.LAG] <= 0.75


def test_the_default_model_gives_a_plausible_split_on_the_bench_municipality(tmp_path: Path) -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).parents[1] / "bench"))
    from make_municipality import make_municipality

    path = tmp_path / "bench.xlsx"
    make_municipality(path, n=300, today=date(2025, 1, 10))
    reg = open_workbook(path).register(date(2025, 1, 10))
    split = _split(reg, date(2025, 1, 10))
    assert 0.06 <= split[Risk.HOG] <= 0.15
    assert 0.2 <= split[Risk.NORMAL] <= 0.4
    assert 0.5 <= split[Risk.LAG] <= 0.75


# ---------------------------------------------------------------- end to end on the demo workbook


def run(*args: str, today: date = DEMO_TODAY) -> str:
    result = CliRunner().invoke(main, [*args, "--today", today.isoformat()])
    assert "Traceback" not in result.output
    assert result.exit_code == 0, result.output
    return result.output


TOOL_CELLS = {
    contract.PROVIDERS.name: set(contract.PROVIDERS.tool_columns),
    contract.FINDINGS.name: set(contract.FINDINGS.tool_columns),
}


def snapshot(path: Path) -> dict[str, list[list[object]]]:
    wb = CalamineWorkbook.from_path(str(path))
    return {name: wb.get_sheet_by_name(name).to_python() for name in wb.sheet_names}


def user_cells(sheets: dict[str, list[list[object]]]) -> dict[tuple[str, int, str], object]:
    """Every cell of the sheets a user owns, by (sheet, row, header), tool-owned columns left out."""
    out: dict[tuple[str, int, str], object] = {}
    for name, rows in sheets.items():
        if name in contract.TOOL_SHEETS or not rows:
            continue
        header = [str(h) for h in rows[0]]
        for r, row in enumerate(rows[1:], start=2):
            for h, v in zip(header, row):
                if h not in TOOL_CELLS.get(name, set()):
                    out[(name, r, h)] = v
    return out


@pytest.fixture
def planned(demo_book: Path) -> Path:
    run("plan", str(demo_book))
    return demo_book


def _edit(path: Path, changes: Changes) -> None:
    open_workbook(path).apply(changes, "test", "en användare skriver")


def test_scenario_new_verksamhetschef_and_two_lex_sarah(planned: Path) -> None:
    reg = open_workbook(planned).register(DEMO_TODAY)
    target = reg.provider("U007")
    assert target is not None and target.chef
    assert risk.assess(reg, DEMO_TODAY)["U007"].level is Risk.LAG
    _edit(planned, Changes(
        patches=[CellPatch("Utförare", {(target.row, "Verksamhetschef"): "Ny Chefsson"})],
        appends=[RowAppend("Händelser", [
            {"Datum": DEMO_TODAY - timedelta(days=40), "UtförarID": "U007", "Typ": "Lex Sarah",
             "Beskrivning": "Rapport om bristande tillsyn", "Allvarlig": "Nej", "Hanterad": "Ja"},
            {"Datum": DEMO_TODAY - timedelta(days=9), "UtförarID": "U007", "Typ": "Lex Sarah",
             "Beskrivning": "Rapport om fel vid läkemedel", "Allvarlig": "Nej", "Hanterad": "Nej"},
        ])],
    ))
    before = snapshot(planned)
    output = run("plan", str(planned))
    after = snapshot(planned)

    assert "U007: ändrad verksamhetschef sedd 2025-11-22" in output
    # The proposal: Hög, with both reasons.
    header = [str(h) for h in after["Utförare"][0]]
    row = next(r for r in after["Utförare"][1:] if r[0] == "U007")
    values = dict(zip(header, row))
    assert values["Föreslagen risknivå"] == "Hög"
    assert "Ny verksamhetschef sedd 2025-11-22 (3 p)" in values["Riskskäl"]
    assert "Lex Sarah 2 st (4 p)" in values["Riskskäl"]
    assert values["Risknivå"] == target.risk.value  # the user's decision is left alone
    assert "Ny Chefsson" not in values["Riskskäl"]
    # A fördjupad uppföljning is planned, the change and the date in Orsak.
    sheader = [str(h) for h in after["Årshjul"][0]]
    ford = [dict(zip(sheader, r)) for r in after["Årshjul"][1:] if r[0] == "U007|FORD|2025-11-22"]
    assert len(ford) == 1
    assert "ändrad verksamhetschef" in ford[0]["Orsak"] and "2025-11-22" in ford[0]["Orsak"]
    # Nothing else changed beyond the tool-owned cells and sheets.
    assert user_cells(after) == user_cells(before)
    changed_tool_cells = {
        (name, r, h)
        for name in TOOL_CELLS
        for r, (old, new) in enumerate(zip(before[name][1:], after[name][1:]), start=2)
        for h, o, n in zip(before[name][0], old, new) if o != n
    }
    assert {(s, h) for s, _, h in changed_tool_cells} <= {("Utförare", "Föreslagen risknivå"), ("Utförare", "Riskskäl")}
    assert {r for _, r, _ in changed_tool_cells} == {target.row}
    assert set(after) == set(before)
    # The same, read with openpyxl: formats of the user's cells, the hidden history sheet.
    ob, oa = openpyxl.load_workbook(planned), openpyxl.load_workbook(planned)
    assert oa["Utförarhistorik"].sheet_state == "hidden"
    ws = oa["Utförare"]
    start_col = header.index("Startdatum") + 1
    assert ws.cell(target.row, start_col).number_format == ob["Utförare"].cell(target.row, start_col).number_format
    # The history now holds the old and the new verksamhetschef.
    hist = [r for r in after["Utförarhistorik"][1:] if r[0] == "U007"]
    assert [r[2] for r in hist] == [target.chef, "Ny Chefsson"]
    # check agrees with plan on the row's Senast (six months after the change, not the on-demand 30 days).
    assert ford[0]["Senast"] == date(2026, 5, 22)
    assert "U007|FORD" not in run("check", str(planned))
    # Planning again sees no new change and proposes the same row.
    again = run("plan", str(planned))
    assert "ändrad verksamhetschef sedd" not in again
    assert [r for r in snapshot(planned)["Årshjul"][1:] if r[0] == "U007|FORD|2025-11-22"]


def test_a_new_organisationsnummer_proposes_one_finding_to_confirm(planned: Path) -> None:
    reg = open_workbook(planned).register(DEMO_TODAY)
    target = reg.provider("U001")
    assert target is not None and target.orgnr
    _edit(planned, Changes(patches=[CellPatch("Utförare", {(target.row, "Organisationsnummer"): "559012-3450"})]))
    output = run("plan", str(planned))
    assert "föreslagna iakttagelser (Bekräftad Nej)" in output
    reg = open_workbook(planned).register(DEMO_TODAY)
    found = [f for f in reg.findings if f.id == "ORG-U001-20251122"]
    assert len(found) == 1 and found[0].confirmed is False
    assert "IVO-tillstånd" in found[0].description and found[0].category is Category.FORTYDLIGANDE
    run("plan", str(planned))
    assert len([f for f in open_workbook(planned).register(DEMO_TODAY).findings if f.id.startswith("ORG-")]) == 1


def test_status_writes_the_proposal_and_oversikt_lists_differences_and_contracts(planned: Path) -> None:
    run("status", str(planned), today=DEMO_TODAY + timedelta(days=3))
    sheets = snapshot(planned)
    texts = {str(v) for row in sheets["Översikt"] for v in row}
    assert "Föreslagen risknivå skiljer sig från Risknivå" in texts
    assert "Avtal som löper ut eller ska beslutas om inom sex månader" in texts
    header = [str(h) for h in sheets["Utförare"][0]]
    proposals = {r[0]: dict(zip(header, r))["Föreslagen risknivå"] for r in sheets["Utförare"][1:]}
    assert set(proposals.values()) <= {"Hög", "Normal", "Låg", ""}
    assert "Hög" in proposals.values()


def test_check_names_a_providers_points(planned: Path) -> None:
    out = run("check", str(planned), "--utförare", "U013")
    assert "U013 Minnescentrum Dagvård AB: föreslagen risknivå" in out
    assert "Gränser: Hög från 5 poäng" in out
    assert "Allvarlig brist" in out
    listing = run("check", str(planned))
    assert "skiljer sig från Risknivå" in listing
    result = CliRunner().invoke(main, ["check", str(planned), "--utforare", "U999", "--today", DEMO_TODAY.isoformat()])
    assert result.exit_code == 2 and 'UtförarID "U999" finns inte' in result.output


def test_check_computes_the_proposal_now_and_says_when_utforare_is_out_of_date(planned: Path) -> None:
    before = run("check", str(planned))
    assert "inaktuell" not in before
    _edit(planned, Changes(appends=[RowAppend("Händelser", [
        {"Datum": DEMO_TODAY - timedelta(days=d), "UtförarID": "U007", "Typ": "Lex Sarah",
         "Beskrivning": "Rapport", "Allvarlig": "Nej", "Hanterad": "Nej"} for d in (30, 12, 5)])]))
    now = run("check", str(planned))
    assert "Föreslagen risknivå i Utförare är inaktuell för U007; uppf-xl status skriver in dagens förslag." in now
    assert re.search(r"U007 (Normal|Låg) → Hög", now), now
    run("status", str(planned))
    assert "inaktuell" not in run("check", str(planned))


def test_plan_of_a_workbook_without_riskmodell_uses_the_default_model(planned: Path, tmp_path: Path) -> None:
    reg = open_workbook(planned).register(DEMO_TODAY)
    assert reg.risk_model is not None and len(reg.risk_model) == len(risk.DEFAULT_MODEL)
    assert risk.weights(reg) == DEFAULT
    reg.risk_model = None
    assert risk.weights(reg) == DEFAULT


def test_unknown_signal_in_riskmodell_is_a_warning(demo_book: Path) -> None:
    reg = open_workbook(demo_book).register(DEMO_TODAY)
    row = reg.risk_model[0].row if reg.risk_model else 2
    _edit(demo_book, Changes(patches=[CellPatch("Riskmodell", {(row, "Signal"): "Ny verksamhetchef"})]))
    problems = open_workbook(demo_book).check(DEMO_TODAY)
    assert any(p.sheet == "Riskmodell" and "okänd signal" in p.message and 'menade du "Ny verksamhetschef"' in p.message
               for p in problems)
    shutil.rmtree(demo_book.parent / "Utskick", ignore_errors=True)


def test_a_change_counts_for_twelve_months_and_its_row_stays_in_its_year() -> None:
    reg = base()
    reg.history.append(replace(reg.history[0], chef="Berit Ny", seen=date(2025, 3, 1)))
    reg.providers[0] = replace(reg.providers[0], chef="Berit Ny")
    assert risk.observe(reg, date(2025, 6, 1)).new_rows == []  # plan already saw it
    signals = {day: [r.signal for r in risk.assess(reg, day)["U001"].reasons]
               for day in (date(2025, 2, 28), date(2025, 6, 1), date(2026, 2, 28), date(2026, 3, 2))}
    assert signals == {date(2025, 2, 28): [], date(2025, 6, 1): [risk.NEW_CHEF], date(2026, 2, 28): [risk.NEW_CHEF],
                       date(2026, 3, 2): []}
    changes = risk.recorded_changes(reg.history)
    assert [(c.field, c.old, c.new, c.seen) for c in changes] == [("chef", "Anna Chef", "Berit Ny", date(2025, 3, 1))]
    first = schedule.plan(reg, 2025, date(2025, 3, 1), extra_slots=risk.extra_slots(reg, changes, 2025)).rows
    assert "U001|FORD|2025-03-01" in {r.key for r in first}
    # The next year's plan keeps last year's row as history and asks for no new one.
    later = replace(reg, schedule=first)
    rows = schedule.plan(later, 2026, date(2026, 1, 10), extra_slots=risk.extra_slots(later, changes, 2026)).rows
    # The change's follow-up was not done in 2025: the backlog rule plans it again, with its reason.
    assert [r.key for r in rows if r.type_id == "FORD"] == ["U001|FORD|2025-03-01", "U001|FORD|2026"]


def test_a_decision_early_next_year_gets_its_avtalsuppfoljning_this_year_on_a_working_day() -> None:
    reg = base()
    reg.providers[0] = replace(reg.providers[0], extension_decision=date(2027, 2, 15))
    slots = risk.extra_slots(reg, [], 2026)
    (period, first, due, reason), = slots[("U001", "AVT")]
    assert (period, first, due) == ("2026-11-13", date(2026, 8, 13), date(2026, 11, 13))  # 15 Nov is a Sunday
    assert risk.extra_slots(reg, [], 2027) == {}
    reg.settings.avtalsuppfoljning_fore_manader = 6
    assert risk.extra_slots(reg, [], 2026)[("U001", "AVT")][0][2] == date(2026, 8, 14)


def test_oversikt_lists_contracts_ending_or_to_decide_within_six_months() -> None:
    reg = base()
    reg.providers[0] = replace(reg.providers[0], contract_end=date(2026, 11, 30))
    reg.providers[1] = replace(reg.providers[1], extension_decision=date(2026, 8, 1))
    reg.providers[2] = replace(reg.providers[2], contract_end=date(2027, 6, 30))  # beyond six months
    reg.providers[3] = replace(reg.providers[3], contract_end=date(2026, 5, 31))  # already past
    rows = [schedule_row("U002|AVT|2026-05-02", type_name="Avtalsuppföljning", due=date(2026, 5, 1),
                         proposed=date(2026, 4, 20), status="Försenad")]
    diff, contracts = risk.dashboard_tables(reg, rows, TODAY)
    assert [r[:5] for r in contracts.rows] == [
        ["U001", "Utförare U001", date(2026, 11, 30), None, "Saknas"],
        ["U002", "Utförare U002", None, date(2026, 8, 1), "Försenad"],
    ]
    assert [r[:4] for r in diff.rows][0] == ["U001", "Utförare U001", "Normal", "Låg"]  # nothing: Låg proposed


def test_check_warns_when_a_user_typed_into_the_risk_columns(planned: Path) -> None:
    reg = open_workbook(planned).register(DEMO_TODAY)
    row = reg.providers[0].row
    assert not [p for p in open_workbook(planned).check(DEMO_TODAY) if p.sheet == "Utförare"]  # the tool's own text
    _edit(planned, Changes(patches=[CellPatch("Utförare", {(row, "Föreslagen risknivå"): "Mycket hög",
                                                           (row, "Riskskäl"): "Se mejl från MAS"})]))
    warnings = [p.text for p in open_workbook(planned).check(DEMO_TODAY) if p.sheet == "Utförare"]
    assert len(warnings) == 2 and all(w.startswith("Varning: Utförare!") for w in warnings)
    assert '"Mycket hög" skrivs över' in warnings[0] or '"Mycket hög" skrivs över' in warnings[1]
