"""Tests for uppf_xl.schedule and uppf_xl.schedule_sheet: the årshjul rules, table-driven."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import replace
from datetime import date, timedelta

import pytest

import factories as f
from uppf_xl.contract import SCHEDULE
from uppf_xl.dates import is_working_day
from uppf_xl.model import ScheduleRow
from uppf_xl.schedule import PlanResult, event_triggers, plan, refresh_statuses, row_status
from uppf_xl.schedule_sheet import SCHEDULE_FIELDS, schedule_sheet
from uppf_xl.vocab import ALLA, EventType, Interval, Regi, Risk, RowStatus

EARLY = date(2020, 1, 1)  # a "today" before every plan year: no proposal is held back by today


def run(reg, year=2025, today=EARLY) -> PlanResult:
    return plan(reg, year, today)


def of_type(result: PlanResult, type_id: str) -> list[ScheduleRow]:
    return [r for r in result.rows if r.type_id == type_id]


def by_key(result: PlanResult) -> dict[str, ScheduleRow]:
    return {r.key: r for r in result.rows}


def one_type(interval: Interval, **kw) -> list:
    return [f.ftype("T", interval=interval, **kw)]


# ---------------------------------------------------------------- intervals and anchors

INTERVAL_CASES = [
    # (interval, month, year, expected (period, Senast) pairs)
    (Interval.MONTH, None, 2025, [("2025-01", "2025-01-31"), ("2025-02", "2025-02-28"), ("2025-03", "2025-03-31"),
                                  ("2025-04", "2025-04-30"), ("2025-05", "2025-05-31"), ("2025-06", "2025-06-30"),
                                  ("2025-07", "2025-07-31"), ("2025-08", "2025-08-31"), ("2025-09", "2025-09-30"),
                                  ("2025-10", "2025-10-31"), ("2025-11", "2025-11-30"), ("2025-12", "2025-12-31")]),
    (Interval.QUARTER, None, 2025, [("2025-Q1", "2025-03-31"), ("2025-Q2", "2025-06-30"),
                                    ("2025-Q3", "2025-09-30"), ("2025-Q4", "2025-12-31")]),
    (Interval.TERTIAL, None, 2025, [("2025-T1", "2025-04-30"), ("2025-T2", "2025-08-31"), ("2025-T3", "2025-12-31")]),
    (Interval.HALF_YEAR, None, 2025, [("2025-H1", "2025-06-30"), ("2025-H2", "2025-12-31")]),
    (Interval.YEAR, None, 2025, [("2025", "2025-12-31")]),
    (Interval.YEAR, 11, 2025, [("2025", "2025-11-30")]),
    (Interval.YEAR, 2, 2025, [("2025", "2025-02-28")]),
    (Interval.YEAR, 2, 2024, [("2024", "2024-02-29")]),  # leap year
    (Interval.TWO_YEARS, None, 2025, [("2025", "2025-12-31")]),  # start 2020: 2021, 2023, 2025
    (Interval.TWO_YEARS, None, 2026, []),
    (Interval.TWO_YEARS, 9, 2027, [("2027", "2027-09-30")]),
    (Interval.ON_DEMAND, None, 2025, []),  # only from events
]


@pytest.mark.parametrize("interval,month,year,expected", INTERVAL_CASES)
def test_interval_periods_and_due_dates(interval, month, year, expected):
    result = run(f.register([f.provider("U001")], one_type(interval, month=month)), year)
    got = [(r.period, r.due.isoformat()) for r in result.rows]
    assert sorted(got) == sorted(expected)
    for r in result.rows:
        assert r.key == f"U001|T|{r.period}"
        assert is_working_day(r.proposed) and r.proposed <= r.due
        assert r.proposed.year == year


def test_month_periods_leap_february():
    result = run(f.register([f.provider()], one_type(Interval.MONTH)), 2024)
    assert by_key(result)["U001|T|2024-02"].due == date(2024, 2, 29)


def test_anchored_yearly_item_is_proposed_in_its_month():
    reg = f.register(f.providers(30), one_type(Interval.YEAR, month=11))
    result = run(reg)
    assert {r.proposed.month for r in result.rows} == {11}


def test_anchored_yearly_visits_spread_over_the_year_up_to_their_month():
    reg = f.register(f.providers(40, responsible=""), one_type(Interval.YEAR, month=10, visit=True))
    rows = run(reg).rows
    assert {r.due for r in rows} == {date(2025, 10, 31)}
    months = {r.proposed.month for r in rows}
    assert months == {1, 2, 3, 4, 5, 6, 8, 9, 10}  # July is semester


def test_unanchored_yearly_items_spread_over_the_year():
    reg = f.register(f.providers(48), one_type(Interval.YEAR))
    months = Counter(r.proposed.month for r in run(reg).rows)
    assert set(months) == set(range(1, 13))
    assert max(months.values()) <= 6


@pytest.mark.parametrize(
    "t1,t2,expected",
    [
        ((4, 30), (8, 31), [("2025-T1", date(2025, 1, 1), date(2025, 4, 30)),
                            ("2025-T2", date(2025, 5, 1), date(2025, 8, 31)),
                            ("2025-T3", date(2025, 9, 1), date(2025, 12, 31))]),
        ((5, 15), (9, 15), [("2025-T1", date(2025, 1, 1), date(2025, 5, 15)),
                            ("2025-T2", date(2025, 5, 16), date(2025, 9, 15)),
                            ("2025-T3", date(2025, 9, 16), date(2025, 12, 31))]),
    ],
)
def test_tertial_boundaries_follow_settings(t1, t2, expected):
    reg = f.register(f.providers(90), one_type(Interval.TERTIAL), tertial1_slut=t1, tertial2_slut=t2)
    result = run(reg)
    for period, first, last in expected:
        rows = [r for r in result.rows if r.period == period]
        assert len(rows) == 90
        assert {r.due for r in rows} == {last}
        assert min(r.proposed for r in rows) >= first
        assert max(r.proposed for r in rows) <= last
        # spread: both ends of the tertial are used
        assert min(r.proposed for r in rows) - first < timedelta(days=7)
        assert last - max(r.proposed for r in rows) < timedelta(days=7)


def test_tertial_end_on_29_february_in_a_leap_year():
    reg = f.register([f.provider()], one_type(Interval.TERTIAL), tertial1_slut=(2, 29))
    assert by_key(run(reg, 2024))["U001|T|2024-T1"].due == date(2024, 2, 29)
    assert by_key(run(reg, 2025))["U001|T|2025-T1"].due == date(2025, 2, 28)


# ---------------------------------------------------------------- Vartannat år


@pytest.mark.parametrize(
    "start,history,planned_years",
    [
        (date(2020, 5, 1), None, {2025, 2027}),  # no history: the year after the start, every other year
        (date(2021, 5, 1), None, {2024, 2026}),
        (date(2020, 5, 1), 2024, {2024, 2026}),  # done in 2024: next in 2026, whatever the start says
        (date(2020, 5, 1), 2023, {2025, 2027}),
    ],
)
def test_two_year_parity(start, history, planned_years):
    p = f.provider(start=start)
    schedule = []
    if history is not None:
        schedule.append(f.schedule_row(f"U001|T|{history}", due=date(history, 12, 31), done=date(history, 6, 1)))
    reg = f.register([p], one_type(Interval.TWO_YEARS), schedule=schedule)
    got = {y for y in range(2024, 2028) if any(r.period == str(y) for r in run(reg, y).rows)}
    assert got == planned_years


def test_two_year_history_counts_only_done_rows_of_the_same_type():
    schedule = [
        f.schedule_row("U001|T|2024", due=date(2024, 12, 31)),  # not done
        f.schedule_row("U001|X|2024", due=date(2024, 12, 31), done=date(2024, 5, 2)),  # other type
    ]
    reg = f.register([f.provider(start=date(2020, 5, 1))], one_type(Interval.TWO_YEARS), schedule=schedule)
    assert [r.key for r in run(reg, 2025).rows if r.year == 2025] == ["U001|T|2025"]


# ---------------------------------------------------------------- Vid start


@pytest.mark.parametrize(
    "start,year,due",
    [
        (date(2025, 3, 1), 2025, date(2025, 9, 1)),
        (date(2024, 9, 15), 2025, date(2025, 3, 15)),  # started late the year before
        (date(2024, 3, 1), 2025, None),  # due in 2024: nothing in 2025
        (date(2025, 8, 1), 2025, None),  # due in 2026: planned with 2026
        (date(2025, 8, 1), 2026, date(2026, 2, 1)),
        (date(2023, 8, 31), 2024, date(2024, 2, 29)),  # clipped to the leap day
    ],
)
def test_at_start(start, year, due):
    reg = f.register([f.provider(start=start)], one_type(Interval.AT_START, visit=True))
    rows = run(reg, year).rows
    if due is None:
        assert rows == []
        return
    (row,) = rows
    assert (row.key, row.due) == (f"U001|T|{year}", due)
    assert max(start, date(year, 1, 1)) <= row.proposed <= due
    assert row.reason == (
        f"Ny utförare: start {start.isoformat()}, fördjupad uppföljning inom 6 månader"
    )


def test_at_start_months_from_settings():
    reg = f.register([f.provider(start=date(2025, 2, 10))], one_type(Interval.AT_START), fordjupad_inom_manader=3)
    assert run(reg).rows[0].due == date(2025, 5, 10)


# ---------------------------------------------------------------- providers starting and ending mid-year


def test_provider_starting_mid_year_gets_periods_from_its_start():
    reg = f.register([f.provider(start=date(2025, 4, 15))], one_type(Interval.MONTH))
    rows = run(reg).rows
    assert [r.period for r in rows] == [f"2025-{m:02d}" for m in range(4, 13)]
    april = rows[0]
    assert date(2025, 4, 15) <= april.proposed <= date(2025, 4, 30)


def test_provider_ending_mid_year_gets_periods_up_to_its_end():
    reg = f.register([f.provider(end=date(2025, 5, 20))], one_type(Interval.QUARTER))
    rows = run(reg).rows
    assert [r.period for r in rows] == ["2025-Q1", "2025-Q2"]
    assert rows[1].proposed <= date(2025, 5, 20)


@pytest.mark.parametrize(
    "month,start,end,expected",
    [
        (2, date(2025, 6, 1), None, False),  # no Verksamhetsberättelse in February for a June start
        (11, date(2020, 1, 1), date(2025, 5, 31), False),  # no Verksamhetsplan in November after the end
        (11, date(2025, 6, 1), None, True),
        (2, date(2020, 1, 1), date(2025, 2, 10), True),
    ],
)
def test_anchored_items_need_the_provider_active_in_their_month(month, start, end, expected):
    reg = f.register([f.provider(start=start, end=end)], one_type(Interval.YEAR, month=month))
    assert bool(run(reg).rows) is expected


def test_provider_outside_the_year_gets_nothing():
    reg = f.register(
        [f.provider("U001", end=date(2024, 12, 31)), f.provider("U002", start=date(2026, 1, 1))],
        one_type(Interval.MONTH),
    )
    assert run(reg).rows == []


# ---------------------------------------------------------------- filters, risk


def test_inactive_type_is_skipped():
    reg = f.register([f.provider()], [f.ftype("T", active=False)])
    assert run(reg).rows == []


@pytest.mark.parametrize(
    "areas,regi,provider_kw,expected",
    [
        ((ALLA,), ALLA, {}, True),
        (("Hemtjänst", "Dagverksamhet"), ALLA, {}, True),
        (("Dagverksamhet",), ALLA, {}, False),
        ((ALLA,), "Egen regi", {}, False),
        ((ALLA,), "Egen regi", {"regi": Regi.EGEN}, True),
        (("Daglig verksamhet",), "Privat", {"area": "Daglig verksamhet"}, True),
    ],
)
def test_area_and_regi_filters(areas, regi, provider_kw, expected):
    reg = f.register([f.provider(**provider_kw)], [f.ftype("T", areas=areas, regi=regi)])
    assert bool(run(reg).rows) is expected


@pytest.mark.parametrize(
    "risk,periods",
    [
        (Risk.HOG, ["2025-T1", "2025-T2", "2025-T3"]),
        (Risk.NORMAL, ["2025"]),
        (Risk.LAG, ["2025"]),  # Låg follows the normal interval
    ],
)
def test_risk_level_chooses_the_interval(risk, periods):
    reg = f.register([f.provider(risk=risk)], one_type(Interval.YEAR, interval_high_risk=Interval.TERTIAL))
    assert [r.period for r in run(reg).rows] == periods


def test_high_risk_without_a_high_risk_interval_uses_the_normal_one():
    reg = f.register([f.provider(risk=Risk.HOG)], one_type(Interval.YEAR))
    assert [r.period for r in run(reg).rows] == ["2025"]


# ---------------------------------------------------------------- Årsplan: DOMAIN.md's rolling plan

AO = "Äldreomsorgsnämnden"
ON = "Omsorgsnämnden"


def rolling_plan_register():
    areas = {
        AO: ["Hemtjänst", "Dagverksamhet", "Särskilt boende för äldre", "Öppna mötesplatser"],
        ON: ["Daglig verksamhet", "Bostad med särskild service", "Hemtjänst"],
    }
    providers = []
    for namnd, names in areas.items():
        for area in names:
            pid = f"{'A' if namnd == AO else 'O'}-{area[:3]}"
            providers.append(f.provider(pid, namnd=namnd, area=area))
    plan_rows = [
        f.plan_entry(2025, AO, "Hemtjänst"),
        f.plan_entry(2025, AO, "Dagverksamhet"),
        f.plan_entry(2025, ON, "Daglig verksamhet"),
        f.plan_entry(2026, AO, "Hemtjänst"),
        f.plan_entry(2026, AO, "Särskilt boende för äldre"),
        f.plan_entry(2026, AO, "Öppna mötesplatser"),
        f.plan_entry(2026, ON, "Bostad med särskild service"),
    ]
    types = [
        f.ftype("KVAL", interval=Interval.YEAR, visit=True),
        f.ftype("AVT", interval=Interval.YEAR),  # not in Årsplan: follows its own rules
        f.ftype("DV", areas=("Daglig verksamhet", "Hemtjänst"), interval=Interval.YEAR),
    ]
    plan_rows.append(f.plan_entry(2025, ON, "Hemtjänst", "DV"))
    plan_rows.append(f.plan_entry(2025, AO, "Hemtjänst", "DV"))
    return f.register(providers, types, plan=plan_rows)


@pytest.mark.parametrize(
    "year,type_id,expected",
    [
        (2025, "KVAL", {(AO, "Hemtjänst"), (AO, "Dagverksamhet"), (ON, "Daglig verksamhet")}),
        (2026, "KVAL", {(AO, "Hemtjänst"), (AO, "Särskilt boende för äldre"), (AO, "Öppna mötesplatser"),
                        (ON, "Bostad med särskild service")}),
        (2025, "AVT", {(n, a) for n, names in [(AO, ["Hemtjänst", "Dagverksamhet", "Särskilt boende för äldre",
                                                     "Öppna mötesplatser"]),
                                                (ON, ["Daglig verksamhet", "Bostad med särskild service",
                                                      "Hemtjänst"])] for a in names}),
        # the type's own areas still apply within the listed pairs
        (2025, "DV", {(ON, "Hemtjänst"), (AO, "Hemtjänst")}),
        (2026, "DV", {(ON, "Hemtjänst"), (AO, "Hemtjänst"), (ON, "Daglig verksamhet")}),  # not listed for 2026
        (2027, "KVAL", {(n, a) for n, names in [(AO, ["Hemtjänst", "Dagverksamhet", "Särskilt boende för äldre",
                                                      "Öppna mötesplatser"]),
                                                 (ON, ["Daglig verksamhet", "Bostad med särskild service",
                                                       "Hemtjänst"])] for a in names}),
    ],
)
def test_rolling_plan(year, type_id, expected):
    result = run(rolling_plan_register(), year)
    assert {(r.namnd, r.area) for r in of_type(result, type_id)} == expected


def test_rolling_plan_two_years_in_one_schedule():
    reg = rolling_plan_register()
    first = run(reg, 2025)
    second = run(f.with_schedule(reg, first.rows), 2026)
    kval = {(r.year, r.area) for r in of_type(second, "KVAL")}
    assert (2025, "Dagverksamhet") in kval and (2026, "Dagverksamhet") not in kval
    assert (2026, "Öppna mötesplatser") in kval and (2025, "Öppna mötesplatser") not in kval
    assert [r for r in second.rows if r.year == 2025] == [r for r in first.rows]


# ---------------------------------------------------------------- events -> HAND

HAND = [f.ftype("HAND", name="Händelsestyrd uppföljning", interval=Interval.ON_DEMAND, visit=True, notice_days=10)]


def test_serious_event_proposes_a_hand_row():
    events = [f.event(date(2025, 3, 14), kind=EventType.LEX_SARAH, serious=True)]
    (row,) = run(f.register([f.provider()], HAND, events=events)).rows
    assert row.key == "U001|HAND|2025-03-14"
    assert row.period == "2025-03-14"
    assert row.due == date(2025, 4, 14)  # 30 days is Sunday 13 April: the next working day
    assert row.reason == "Allvarlig händelse 2025-03-14: Lex Sarah"
    assert date(2025, 3, 14) <= row.proposed <= row.due
    assert row.notify_by is not None


def test_repeated_events_within_the_window_propose_one_hand_row():
    events = [
        f.event(date(2025, 1, 10), kind=EventType.KLAGOMAL),
        f.event(date(2025, 2, 1), kind=EventType.AVVIKELSE),
        f.event(date(2025, 3, 2), kind=EventType.KLAGOMAL),
        f.event(date(2025, 3, 20), kind=EventType.KLAGOMAL),  # fourth: already counted window, starts anew
    ]
    rows = run(f.register([f.provider()], HAND, events=events)).rows
    assert [(r.key, r.reason) for r in rows] == [
        ("U001|HAND|2025-03-02",
         "3 händelser inom 90 dagar: 2 klagomål och 1 avvikelse (2025-01-10–2025-03-02)"),
    ]


@pytest.mark.parametrize(
    "days,count,within,expected",
    [
        ([date(2025, 1, 1), date(2025, 2, 1), date(2025, 4, 1)], 3, 90, ["2025-04-01"]),  # exactly 90 days
        ([date(2025, 1, 1), date(2025, 2, 1), date(2025, 4, 2)], 3, 90, []),  # 91 days
        ([date(2025, 1, 1), date(2025, 2, 1)], 2, 30, []),
        ([date(2025, 1, 1), date(2025, 1, 20), date(2025, 2, 5), date(2025, 2, 6)], 2, 30,
         ["2025-01-20", "2025-02-06"]),
        ([date(2024, 11, 20), date(2024, 12, 10), date(2025, 1, 5)], 3, 90, ["2025-01-05"]),  # across years
        ([date(2024, 11, 20), date(2024, 12, 10), date(2024, 12, 20)], 3, 90, []),  # belongs to 2024
    ],
)
def test_event_count_window(days, count, within, expected):
    events = [f.event(d) for d in days]
    reg = f.register([f.provider()], HAND, events=events, handelser_antal=count, handelser_inom_dagar=within)
    assert [r.period for r in run(reg).rows] == expected


def test_handled_events_propose_nothing():
    events = [f.event(date(2025, 3, 14), serious=True, handled=True)] + [
        f.event(date(2025, 3, d), handled=True) for d in (1, 2, 3)
    ]
    assert run(f.register([f.provider()], HAND, events=events)).rows == []


def test_serious_event_completing_a_series_gives_one_row_with_both_reasons():
    events = [f.event(date(2025, 3, 1)), f.event(date(2025, 3, 5)),
              f.event(date(2025, 3, 9), kind=EventType.LEX_MARIA, serious=True)]
    (row,) = run(f.register([f.provider()], HAND, events=events)).rows
    assert row.reason == ("Allvarlig händelse 2025-03-09: Lex Maria; "
                          "3 händelser inom 90 dagar: 2 klagomål och 1 lex Maria-anmälan (2025-03-01–2025-03-09)")


def test_events_of_another_provider_or_an_ended_provider_give_nothing():
    events = [f.event(date(2025, 3, 14), "U999", serious=True), f.event(date(2025, 6, 1), "U002", serious=True)]
    reg = f.register([f.provider("U001"), f.provider("U002", end=date(2025, 5, 31))], HAND, events=events)
    assert run(reg).rows == []


def test_event_triggers_per_year():
    events = [f.event(date(2024, 12, 30), serious=True), f.event(date(2025, 1, 2), serious=True)]
    assert event_triggers(events, f.settings(), 2025) == {
        "U001": [(date(2025, 1, 2), "Allvarlig händelse 2025-01-02: Klagomål")]
    }


def test_handled_event_keeps_a_written_row_as_utgar():
    events = [f.event(date(2025, 3, 14), serious=True)]
    reg = f.register([f.provider()], HAND, events=events)
    first = run(reg)
    first.rows[0].comment = "Besök bokat"
    reg2 = f.with_schedule(replace(reg, events=[replace(events[0], handled=True)]), first.rows)
    (row,) = run(reg2).rows
    assert (row.status, row.comment) == ("Utgår", "Besök bokat")


# ---------------------------------------------------------------- dates: working days, Easter, midsommar, July


@pytest.mark.parametrize(
    "year,month,working,holiday",
    [
        (2025, 4, date(2025, 4, 3), [date(2025, 4, 18), date(2025, 4, 21)]),  # Easter 2025
        (2026, 4, date(2026, 4, 2), [date(2026, 4, 3), date(2026, 4, 6)]),  # Easter 2026
        (2025, 6, date(2025, 6, 19), [date(2025, 6, 6), date(2025, 6, 20)]),  # midsommarafton 2025
        (2026, 6, date(2026, 6, 18), [date(2026, 6, 19)]),  # midsommarafton 2026
        (2025, 12, date(2025, 12, 23), [date(2025, 12, 24), date(2025, 12, 25), date(2025, 12, 26),
                                        date(2025, 12, 31)]),
    ],
)
def test_holidays_moving_between_years(year, month, working, holiday):
    # more providers than working days: every working day of the month is used once at least
    reg = f.register(f.providers(40), one_type(Interval.MONTH))
    days = {r.proposed for r in run(reg, year).rows if r.period == f"{year}-{month:02d}"}
    assert working in days
    assert not days & set(holiday)
    assert all(is_working_day(d) for d in days)


def test_visits_avoid_the_semester_window():
    reg = f.register(f.providers(60, responsible=""), one_type(Interval.HALF_YEAR, visit=True))
    h2 = [r.proposed for r in run(reg).rows if r.period == "2025-H2"]
    assert min(h2) == date(2025, 8, 11)
    assert not [d for d in h2 if date(2025, 7, 1) <= d <= date(2025, 8, 10)]


def test_semester_window_comes_from_settings():
    reg = f.register(f.providers(60, responsible=""), one_type(Interval.HALF_YEAR, visit=True),
                     semester_fran=(6, 16), semester_till=(8, 20))
    days = [r.proposed for r in run(reg).rows]
    assert not [d for d in days if date(2025, 6, 16) <= d <= date(2025, 8, 20)]
    assert max(d for d in days if d.month <= 6) == date(2025, 6, 13)


def test_document_checks_may_fall_in_july():
    reg = f.register(f.providers(30), one_type(Interval.MONTH))
    july = [r for r in run(reg).rows if r.period == "2025-07"]
    assert len(july) == 30 and all(r.proposed.month == 7 for r in july)
    assert all(r.notify_by is None for r in july)


def test_a_visit_that_cannot_leave_the_semester_is_reported():
    reg = f.register([f.provider()], one_type(Interval.MONTH, visit=True))
    result = run(reg)
    july = by_key(result)["U001|T|2025-07"]
    assert july.proposed.month == 7
    assert result.unplaced == [
        f"U001|T|2025-07: ingen arbetsdag utanför semesterperioden (2025-07-01–2025-08-10) före Senast "
        f"2025-07-31; föreslaget {july.proposed.isoformat()} ändå."
    ]


def test_proposals_are_not_put_before_today_nor_before_the_notice_period():
    today = date(2025, 3, 3)
    reg = f.register(f.providers(20, responsible=""),
                     [f.ftype("DOC", interval=Interval.YEAR), f.ftype("VIS", interval=Interval.YEAR, visit=True,
                                                                       notice_days=30)])
    result = plan(reg, 2025, today)
    assert min(r.proposed for r in of_type(result, "DOC")) >= today
    assert min(r.proposed for r in of_type(result, "VIS")) >= today + timedelta(days=30)


def test_a_past_window_keeps_its_proposal_in_the_period():
    reg = f.register([f.provider()], one_type(Interval.MONTH))
    reg.schedule = plan(reg, 2025, date(2025, 1, 2)).rows
    result = plan(reg, 2025, date(2025, 6, 15))
    jan = by_key(result)["U001|T|2025-01"]
    assert jan.proposed.month == 1 and jan.status == "Försenad"


def test_no_row_is_late_on_the_day_it_is_created():
    result = plan(f.register([f.provider()], one_type(Interval.MONTH)), 2025, date(2025, 6, 15))
    assert "U001|T|2025-01" not in by_key(result)
    assert result.not_created == 5
    assert all(r.status != "Försenad" for r in result.rows)


# ---------------------------------------------------------------- load levelling


def visits_per_week(rows):
    return Counter((r.responsible, r.visit_date.isocalendar()[:2]) for r in rows if r.notify_by is not None)


def test_weekly_cap_per_person():
    reg = f.register(f.providers(40), one_type(Interval.YEAR, visit=True), max_besok_per_vecka=1)  # 46 weeks
    result = run(reg)
    assert result.unplaced == []
    assert max(visits_per_week(result.rows).values()) == 1


def test_cap_is_per_person_not_per_role():
    ps = f.providers(8, responsible="Anna") + f.providers(8, prefix="B", responsible="Bo")
    reg = f.register(ps, one_type(Interval.MONTH, visit=True), max_besok_per_vecka=2)
    result = plan(reg, 2025, EARLY)
    load = visits_per_week(r for r in result.rows if r.period == "2025-03")
    assert max(load.values()) <= 2
    assert {p for p, _ in load} == {"Anna", "Bo"}


def test_over_the_cap_is_placed_anyway_and_reported():
    # 8 visits in March for one person with one visit a week: 5 fit (weeks 10-14 touch March)
    ps = f.providers(8, start=date(2025, 3, 1), end=date(2025, 3, 31))
    reg = f.register(ps, one_type(Interval.MONTH, visit=True), max_besok_per_vecka=1)
    result = run(reg)
    march = result.rows
    assert len(march) == 8 and all(r.proposed.month == 3 for r in march)
    assert sorted({r.proposed.isocalendar()[1] for r in march}) == [10, 11, 12, 13, 14]
    assert len(result.unplaced) == 3
    assert all(s.startswith("U00") and "|T|2025-03: Anna har redan 1 besök eller fler varje vecka mellan 2025-03-03 "
               "och 2025-03-31; föreslaget 2025-03-" in s for s in result.unplaced)
    assert result.unplaced[0].endswith(", 2 besök) ändå.")


def test_user_planned_dates_count_as_load():
    reg = f.register(f.providers(3), one_type(Interval.MONTH, visit=True), max_besok_per_vecka=1)
    first = run(reg)
    # the user books U001 in week 11: with one visit a week, no other March proposal may use week 11
    rows = [replace(r, planned=date(2025, 3, 12)) if r.key == "U001|T|2025-03" else r for r in first.rows]
    second = run(f.with_schedule(reg, rows))
    march = {r.key: r for r in second.rows if r.period == "2025-03"}
    assert march["U001|T|2025-03"].visit_date == date(2025, 3, 12)
    assert [r.visit_date.isocalendar()[1] for k, r in march.items() if k != "U001|T|2025-03"].count(11) == 0


def test_rows_without_ansvarig_are_not_levelled():
    reg = f.register(f.providers(30, responsible=""), one_type(Interval.MONTH, visit=True), max_besok_per_vecka=1)
    assert [s for s in run(reg).unplaced if "besök eller fler" in s] == []


def test_kallas_senast_from_the_visit_date():
    reg = f.register([f.provider()], [f.ftype("V", interval=Interval.YEAR, month=10, visit=True, notice_days=30),
                                      f.ftype("S", interval=Interval.YEAR, month=10, visit=True),
                                      f.ftype("D", interval=Interval.YEAR, month=10)])
    rows = by_key(run(reg))
    v = rows["U001|V|2025"]
    expected = v.proposed - timedelta(days=30)
    while not is_working_day(expected):
        expected -= timedelta(days=1)
    assert v.notify_by == expected
    s = rows["U001|S|2025"]
    assert s.notify_by <= s.proposed - timedelta(days=45) and is_working_day(s.notify_by)
    assert rows["U001|D|2025"].notify_by is None
    # a Planerat datum moves it: 2025-10-13 minus 30 days is Sunday 2025-09-13 -> Friday 2025-09-12
    planned = replace(v, planned=date(2025, 10, 13))
    again = by_key(run(f.with_schedule(reg, [planned])))
    assert again["U001|V|2025"].notify_by == date(2025, 9, 12)


# ---------------------------------------------------------------- status

S = f.settings()


@pytest.mark.parametrize(
    "fields,today,expected",
    [
        ({}, date(2025, 1, 1), RowStatus.PLANERAD),
        ({"notify_by": date(2025, 5, 1)}, date(2025, 4, 16), RowStatus.PLANERAD),
        ({"notify_by": date(2025, 5, 1)}, date(2025, 4, 17), RowStatus.ATT_KALLA),  # 14 days before
        ({"notify_by": date(2025, 5, 1)}, date(2025, 5, 20), RowStatus.ATT_KALLA),  # late, not sent
        ({"notify_by": date(2025, 5, 1), "notified": date(2025, 4, 20)}, date(2025, 5, 20), RowStatus.KALLAD),
        ({"notified": date(2025, 4, 20)}, date(2025, 7, 1), RowStatus.FORSENAD),  # past Senast
        ({"done": date(2025, 7, 5)}, date(2025, 8, 1), RowStatus.GENOMFORD),
        ({"status": "Utgår"}, date(2025, 6, 1), RowStatus.UTGAR),
        ({"status": "Utgår"}, date(2025, 8, 1), RowStatus.FORSENAD),  # past Senast: late whatever else
        ({"status": "Utgår", "done": date(2025, 6, 1)}, date(2025, 8, 1), RowStatus.GENOMFORD),
        ({"status": "Försenad"}, date(2025, 1, 1), RowStatus.PLANERAD),  # recomputed, not kept
        ({}, date(2025, 6, 30), RowStatus.PLANERAD),  # Senast itself is not late
        ({}, date(2025, 7, 1), RowStatus.FORSENAD),
    ],
)
def test_row_status(fields, today, expected):
    row = f.schedule_row("U001|T|2025-Q2", due=date(2025, 6, 30), **fields)
    assert row_status(row, S, today) is expected


def test_att_kalla_follows_the_setting():
    row = f.schedule_row("U001|T|2025", due=date(2025, 12, 31), notify_by=date(2025, 5, 1))
    assert row_status(row, f.settings(kallelse_varsel_dagar=30), date(2025, 4, 1)) is RowStatus.ATT_KALLA


def test_refresh_statuses_changes_only_status():
    rows = [f.schedule_row("U001|T|2025-Q1", due=date(2025, 3, 31), status="Planerad", comment="x"),
            f.schedule_row("U001|T|2024-Q1", due=date(2024, 3, 31), status="Planerad")]
    out = refresh_statuses(rows, S, date(2025, 4, 1))
    assert [r.status for r in out] == ["Försenad", "Försenad"]
    assert [replace(r, status="Planerad") for r in out] == rows
    assert rows[0].status == "Planerad"  # inputs untouched


def test_refresh_statuses_copies_only_the_rows_it_changes():
    late = f.schedule_row("U001|T|2025-Q1", due=date(2025, 3, 31), status="Planerad")
    held = f.schedule_row("U001|T|2025-Q3", due=date(2025, 9, 30), status="Planerad")
    out = refresh_statuses([late, held], S, date(2025, 4, 1))
    assert out[0] is not late and out[0].status is RowStatus.FORSENAD and late.status is RowStatus.PLANERAD
    assert out[1] is held  # nothing to change: no copy of a row whose Status already holds


# ---------------------------------------------------------------- keep, Utgår, remove, idempotence


def test_user_cells_are_kept_and_tool_cells_recomputed():
    reg = f.register(f.providers(2), one_type(Interval.YEAR, visit=True))
    first = run(reg)
    edited = []
    for r in first.rows:
        if r.key == "U001|T|2025":
            r = replace(r, planned=date(2025, 5, 6), time="09:00", place="Solrosen", notified=date(2025, 3, 20),
                        done=date(2025, 5, 6), responsible="Bo", comment="Bra", dnr="VON 2025/12",
                        extra={"Egen kolumn": "ja"}, status="Planerad", provider_name="fel namn")
        edited.append(r)
    second = run(f.with_schedule(reg, edited))
    row = by_key(second)["U001|T|2025"]
    assert (row.planned, row.time, row.place, row.notified, row.done, row.responsible, row.comment, row.dnr,
            row.extra) == (date(2025, 5, 6), "09:00", "Solrosen", date(2025, 3, 20), date(2025, 5, 6), "Bo",
                           "Bra", "VON 2025/12", {"Egen kolumn": "ja"})
    assert (row.status, row.provider_name) == ("Genomförd", "Utförare U001")
    assert (second.added, second.kept, second.removed, second.expired) == (0, 2, 0, 0)


def test_ansvarig_default_is_the_providers():
    reg = f.register([f.provider(responsible="Anna")], one_type(Interval.QUARTER))
    first = run(reg)
    assert {r.responsible for r in first.rows} == {"Anna"}
    # The provider gets a new Ansvarig: "Anna" now differs from the default, so rows that
    # exist keep her (WORKBOOK.md: written = differs from the default); an emptied cell and
    # new rows take the new default.
    rows = [replace(r, responsible="") if r.period == "2025-Q2" else r for r in first.rows if r.period != "2025-Q4"]
    reg2 = f.with_schedule(replace(reg, providers=[f.provider(responsible="Bo")]), rows)
    got = {r.period: r.responsible for r in run(reg2).rows}
    assert got == {"2025-Q1": "Anna", "2025-Q2": "Bo", "2025-Q3": "Anna", "2025-Q4": "Bo"}


def test_rows_no_longer_produced():
    reg = f.register(f.providers(4), one_type(Interval.YEAR))
    first = run(reg)
    rows = {r.key: r for r in first.rows}
    rows["U001|T|2025"] = replace(rows["U001|T|2025"], comment="Viktig")
    rows["U002|T|2025"] = replace(rows["U002|T|2025"], done=date(2025, 4, 1))
    rows["U003|T|2025"] = replace(rows["U003|T|2025"], extra={"Egen": "x"})
    reg2 = f.with_schedule(replace(reg, types=[f.ftype("T", active=False)]), list(rows.values()))
    second = run(reg2)
    got = {r.key: r.status for r in second.rows}
    assert got == {"U001|T|2025": "Utgår", "U002|T|2025": "Genomförd", "U003|T|2025": "Utgår"}
    assert (second.added, second.kept, second.removed, second.expired) == (0, 1, 1, 2)
    # an Utgår row keeps its tool cells as they were
    assert by_key(second)["U001|T|2025"].proposed == rows["U001|T|2025"].proposed


def test_ansvarig_equal_to_the_default_is_not_a_user_edit():
    reg = f.register([f.provider()], one_type(Interval.YEAR))
    first = run(reg)
    second = run(f.with_schedule(replace(reg, types=[]), first.rows))
    assert second.rows == [] and second.removed == 1


def test_utgar_row_produced_again_comes_back():
    reg = f.register([f.provider()], one_type(Interval.YEAR))
    row = replace(run(reg).rows[0], status="Utgår", comment="x")
    (back,) = run(f.with_schedule(reg, [row])).rows
    assert (back.status, back.comment) == ("Planerad", "x")


def test_duplicate_keys_are_cleaned_up():
    reg = f.register([f.provider()], one_type(Interval.YEAR))
    row = run(reg).rows[0]
    result = run(f.with_schedule(reg, [row, replace(row, comment="kopia"), replace(row)]))
    assert [(r.key, r.status, r.comment) for r in result.rows] == [
        ("U001|T|2025", "Planerad", ""), ("U001|T|2025", "Utgår", "kopia")]


def test_other_years_are_returned_untouched():
    old = f.schedule_row("U001|T|2024", due=date(2024, 12, 31), status="Planerad", proposed=date(2024, 5, 5))
    result = run(f.register([f.provider()], one_type(Interval.YEAR), schedule=[old]))
    assert old in result.rows and any(r is old for r in result.rows)
    assert [r.year for r in result.rows] == [2024, 2025]


def test_plan_twice_is_idempotent_on_the_municipality_types():
    ps = f.providers(30) + [f.provider("U100", start=date(2025, 2, 1), risk=Risk.HOG),
                            f.provider("U101", end=date(2025, 6, 30), risk=Risk.LAG, area="Dagverksamhet")]
    events = [f.event(date(2025, 2, d), "U002") for d in (1, 2, 3)] + [f.event(date(2025, 7, 3), "U003", serious=True)]
    reg = f.register(ps, events=events, max_besok_per_vecka=2)
    first = plan(reg, 2025, date(2025, 1, 10))
    second = plan(f.with_schedule(reg, first.rows), 2025, date(2025, 1, 10))
    assert second.rows == first.rows
    assert second.unplaced == first.unplaced
    assert (second.added, second.removed, second.expired) == (0, 0, 0)
    assert second.kept == len(first.rows)


def test_rows_are_sorted_by_year_due_date_then_provider():
    result = run(f.register(f.providers(3), one_type(Interval.QUARTER)))
    keys = [(r.year, r.due, r.provider_id) for r in result.rows]
    assert keys == sorted(keys)


def test_plan_is_fast_enough_for_2000_providers():
    ps = [f.provider(f"U{i:04d}", responsible=f"H{i % 20}", area=("Hemtjänst", "Dagverksamhet")[i % 2])
          for i in range(2000)]
    reg = f.register(ps)
    t = time.perf_counter()
    result = plan(reg, 2025, date(2025, 1, 10))
    elapsed = time.perf_counter() - t
    assert len(result.rows) > 15000
    assert elapsed < 5.0


# ---------------------------------------------------------------- summary


def test_summary_tables():
    reg = f.register(f.providers(6), one_type(Interval.QUARTER, visit=True, name="Besök"), max_besok_per_vecka=1)
    result = run(reg)
    tables = result.summary_tables()
    titles = [t[0] for t in tables]
    assert titles[:2] == ["Rader per uppföljning och månad 2025", "Besök per handläggare 2025 (max 1 per vecka)"]
    _, header, rows = tables[0]
    assert header[0] == "TypID" and header[-1] == "Summa" and len(header) == 14
    assert rows[0][0] == "T" and rows[0][-1] == 24 and rows[-1][0] == "Summa"
    _, header, rows = tables[1]
    assert rows == [["Anna", 24, 24, rows[0][3], 1, 24]]
    assert result.summary_lines()[0] == "Årshjul 2025: 24 rader (24 nya, 0 behållna, 0 utgår, 0 borttagna)."


def test_summary_lists_unplaced():
    reg = f.register(f.providers(8), one_type(Interval.MONTH, visit=True), max_besok_per_vecka=1)
    result = run(reg)
    title, header, rows = result.summary_tables()[-1]
    assert (title, header) == ("Kunde inte placeras", ["Beskrivning"])
    assert [r[0] for r in rows] == result.unplaced


# ---------------------------------------------------------------- the sheet


def test_schedule_sheet():
    reg = f.register(f.providers(2), one_type(Interval.YEAR, visit=True))
    rows = run(reg).rows
    rows[0].extra = {"Egen kolumn": "a", "Annan": 3}
    rows[1].extra = {"Tredje": None, "Egen kolumn": "b"}
    rows[1].comment = ""
    content = schedule_sheet(rows)
    assert content.name == "Årshjul" and content.freeze == "A2"
    (table,) = content.tables
    assert (table.name, table.row, table.col) == ("tblArshjul", 1, 1)
    assert table.header == [*SCHEDULE.headers, "Egen kolumn", "Annan", "Tredje"]
    assert table.rows[0][0] == rows[0].key and table.rows[0][-3:] == ["a", 3, None]
    assert table.rows[1][-3:] == ["b", None, None]
    assert table.rows[1][SCHEDULE.headers.index("Kommentar")] is None
    assert table.rows[0][SCHEDULE.headers.index("Senast")] == date(2025, 12, 31)
    assert table.styles == {h: "date" for h in ("Senast", "Föreslaget datum", "Planerat datum", "Kallas senast",
                                                  "Kallelse skickad", "Genomförd", "Kallat datum", "Fastställd")}
    assert content.widths[1] == 22 and content.widths[9] == 12 and content.widths[24] == 16
    assert content.widths[10] == len("Föreslaget datum") + 3
    assert [(c.ref, c.kind, c.value, c.style) for c in content.conditional] == [
        ("Q2:Q3", "equals", "Försenad", "red"), ("Q2:Q3", "equals", "Att kalla", "amber"),
        ("Q2:Q3", "equals", "Genomförd", "green")]


def test_schedule_sheet_without_rows():
    content = schedule_sheet([])
    assert content.tables[0].rows == [] and content.conditional[0].ref == "Q2:Q2"


def test_schedule_fields_cover_the_contract():
    assert list(SCHEDULE_FIELDS) == SCHEDULE.headers
    assert set(SCHEDULE_FIELDS.values()) <= set(ScheduleRow.__dataclass_fields__)


def test_domain_modules_import_no_excel_library():
    # The package's __init__ may pull in the workbook layer; these modules themselves must not.
    import ast
    from pathlib import Path

    import uppf_xl

    src = Path(uppf_xl.__file__).parent
    for name in ("schedule.py", "schedule_sheet.py"):
        tree = ast.parse((src / name).read_text(encoding="utf-8"))
        imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        imported |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert not {m for m in imported if m.split(".")[0] in ("openpyxl", "xlwings", "pandas")}, name
        assert not {m for m in imported if m.startswith("uppf_xl.workbook") and m != "uppf_xl.workbook.content"}


def test_planned_arshjul_opens_in_libreoffice_with_dates(demo_book, tmp_path):
    """The real path: plan on the demo workbook, render with LibreOffice, look for ###."""
    import subprocess

    import openpyxl
    from conftest import DEMO_TODAY, soffice_convert

    from uppf_xl import actions
    from uppf_xl.workbook import open_workbook

    actions.plan(open_workbook(demo_book), 2025, DEMO_TODAY)
    ws = openpyxl.load_workbook(demo_book)["Årshjul"]
    header = [c.value for c in ws[1]]
    assert header[: len(SCHEDULE.headers)] == SCHEDULE.headers
    senast = header.index("Senast") + 1
    assert ws.cell(2, senast).number_format == "yyyy-mm-dd"
    first_2025 = next(r for r in ws.iter_rows(min_row=2, values_only=True) if r[0].endswith("|2025") and r[9])
    soffice_convert([demo_book], "pdf", tmp_path)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "uppfoljning.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert "###" not in text
    assert first_2025[0] in text
    assert first_2025[9].date().isoformat() in text  # Föreslaget datum shown as a date
