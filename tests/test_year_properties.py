"""Property tests for the year: proposals hold, computed deadlines fall on working days.

- Adding, removing or re-risking one random provider and planning again never moves another
  provider's Föreslaget datum (when the first plan placed every visit by the rules: a visit
  placed over the weekly cap may move into room that a removed provider left).
- Every deadline the tool computes is a working day: Vid behov Senast, the material
  deadline of a kallelse (never before the letter date plus Minsta varsel).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from hypothesis import assume, given
from hypothesis import strategies as st

import factories as f
from test_schedule_properties import AREAS, PEOPLE, PROPS, registers
from uppf_xl import annual
from uppf_xl.dates import add_working_days, is_working_day
from uppf_xl.model import Register
from uppf_xl.schedule import plan
from uppf_xl.vocab import Risk


def _proposals(rows, skip: str) -> dict[str, date | None]:
    return {r.key: r.proposed for r in rows if r.provider_id != skip}


def _replanned(reg: Register, year: int, today: date) -> Register:
    first = plan(reg, year, today)
    assume(not first.unplaced)
    return f.with_schedule(reg, first.rows)


@PROPS
@given(registers(), st.data())
def test_adding_a_provider_moves_no_other_proposal(case, data) -> None:
    reg, year, today = case
    reg = _replanned(reg, year, today)
    start = data.draw(st.dates(date(year - 2, 1, 1), date(year, 12, 31)))
    new = f.provider("U999", area=data.draw(st.sampled_from(AREAS)), start=start,
                     risk=data.draw(st.sampled_from(list(Risk))), responsible=data.draw(st.sampled_from(PEOPLE)))
    before = _proposals(reg.schedule, "U999")
    after = plan(replace(reg, providers=[*reg.providers, new]), year, today)
    assert _proposals(after.rows, "U999") == before


@PROPS
@given(registers(), st.data())
def test_removing_or_rerisking_a_provider_moves_no_other_proposal(case, data) -> None:
    reg, year, today = case
    reg = _replanned(reg, year, today)
    victim = data.draw(st.sampled_from(reg.providers))
    if data.draw(st.booleans()):
        providers = [p for p in reg.providers if p.id != victim.id]
    else:
        risk = data.draw(st.sampled_from([r for r in Risk if r is not victim.risk]))
        providers = [replace(p, risk=risk) if p.id == victim.id else p for p in reg.providers]
    before = _proposals(reg.schedule, victim.id)
    after = plan(replace(reg, providers=providers), year, today)
    assert _proposals(after.rows, victim.id) == {k: v for k, v in before.items()
                                                  if k in {r.key for r in after.rows}}
    # Every kept row of another provider is still there.
    assert set(before) <= {r.key for r in after.rows}


@PROPS
@given(registers())
def test_vid_behov_deadlines_are_working_days(case) -> None:
    reg, year, today = case
    for row in plan(reg, year, today).rows:
        if row.period.count("-") == 2:  # Vid behov: the period is the event's date
            assert row.due is not None and is_working_day(row.due), row.key


@PROPS
@given(st.dates(date(2024, 1, 1), date(2027, 12, 31)), st.integers(0, 120), st.integers(0, 60), st.integers(0, 10))
def test_material_deadline_is_a_working_day_after_the_minimum_notice(today, ahead, days_before, minimum) -> None:
    settings = f.settings(minsta_varsel=minimum)
    visit = add_working_days(today, max(minimum, 1)) + timedelta(days=ahead)
    due = annual.material_due(visit, days_before, today, settings)
    assert is_working_day(due)
    assert due <= visit
    if minimum > 0 and add_working_days(today, minimum) <= visit:
        assert due >= min(add_working_days(today, minimum), visit)

