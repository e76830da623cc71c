"""Swedish calendar facts: the holidays that move, working days, Swedish date text."""

from __future__ import annotations

from datetime import date

import pytest

from uppf_xl import dates


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2025, 4, 18), False),  # långfredagen
        (date(2025, 4, 21), False),  # annandag påsk
        (date(2026, 4, 3), False),  # långfredagen moves
        (date(2025, 6, 6), False),  # nationaldagen
        (date(2025, 6, 20), False),  # midsommarafton (de facto)
        (date(2026, 6, 19), False),
        (date(2025, 12, 24), False),  # julafton (de facto)
        (date(2025, 12, 31), False),  # nyårsafton (de facto)
        (date(2025, 6, 23), True),
        (date(2025, 11, 22), False),  # a Saturday
        (date(2025, 11, 24), True),
    ],
)
def test_working_days(day: date, working: bool) -> None:
    assert dates.is_working_day(day) is working


def test_moving_to_working_days() -> None:
    assert dates.previous_working_day(date(2025, 6, 21)) == date(2025, 6, 19)
    assert dates.next_working_day(date(2025, 12, 24)) == date(2025, 12, 29)
    assert dates.add_working_days(date(2025, 12, 23), 1) == date(2025, 12, 29)
    assert dates.add_working_days(date(2025, 12, 29), -1) == date(2025, 12, 23)
    assert len(dates.working_days(date(2025, 12, 22), date(2025, 12, 31))) == 4


def test_months_and_swedish_text() -> None:
    assert dates.add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert dates.month_end(2025, 2) == date(2025, 2, 28)
    assert dates.swedish_date_with_week(date(2025, 3, 11)) == "tisdag 11 mars 2025, vecka 11"
    assert dates.iso_week(date(2026, 1, 1)) == 1
    assert dates.tertial_of(date(2025, 5, 1), date(2025, 4, 30), date(2025, 8, 31)) == 2
