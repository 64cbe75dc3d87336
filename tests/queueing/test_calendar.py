"""The hall's one working-day calendar: appointments and due dates count the same days."""

from datetime import date, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onevisit.intake import rules
from onevisit.queueing import hours, services

FRIDAY = date(2026, 12, 4)
MONDAY = date(2026, 12, 7)  # not in the built-in schedule: a hall adds it (a local holiday)


def test_working_days_skip_the_weekend_and_the_given_holidays():
    assert hours.add_working_days(FRIDAY, 1) == MONDAY
    assert hours.add_working_days(FRIDAY, 1, holidays={MONDAY}) == date(2026, 12, 8)
    assert hours.add_working_days(FRIDAY, 5, holidays={MONDAY}) == date(2026, 12, 14)
    assert hours.add_working_days(FRIDAY, 0) == FRIDAY


def test_without_a_list_the_built_in_public_holidays_count():
    """国庆 2026 (10月1日–7日) and the weekend 10–11: five working days from 9月30日 end on 10月14日."""
    assert hours.add_working_days(date(2026, 9, 30), 5) == date(2026, 10, 14)


@given(st.dates(date(2026, 1, 1), date(2026, 12, 31)), st.integers(0, 30))
def test_a_due_date_is_a_working_day_with_exactly_that_many_working_days_before_it(start, days):
    due = hours.add_working_days(start, days)
    between = [start + timedelta(days=n) for n in range(1, (due - start).days + 1)]
    assert sum(hours.is_working_day(d) for d in between) == days
    assert days == 0 or hours.is_working_day(due)


def test_the_desk_counts_due_dates_on_the_same_calendar():
    assert rules.add_working_days is hours.add_working_days


def test_a_due_date_skips_a_configured_holiday_and_the_weekend(settings):
    settings.ONEVISIT_HOLIDAYS = MONDAY.isoformat()
    assert services.add_working_days(FRIDAY, 1) == date(2026, 12, 8)
    assert services.add_working_days(FRIDAY, 5) == date(2026, 12, 14)
    assert not services.is_bookable(MONDAY, time(9), time(10))  # and no appointment that day
    settings.ONEVISIT_HOLIDAYS = ""
    assert services.add_working_days(FRIDAY, 1) == MONDAY


@pytest.mark.parametrize("start", [date(2026, 9, 30), date(2026, 12, 31), FRIDAY])
def test_the_next_working_day_is_the_next_day_the_hall_takes_appointments(settings, start):
    settings.ONEVISIT_HOLIDAYS = ",".join(d.isoformat() for d in sorted(hours.HOLIDAYS | {MONDAY}))
    day = start + timedelta(days=1)
    while not services.is_bookable(day, time(9), time(10)):
        day += timedelta(days=1)
    assert services.add_working_days(start, 1) == day


def test_a_moment_counts_by_the_halls_calendar_date_and_keeps_its_time(settings):
    """Back-office time limits and the receipt's promise count the same days (they skipped no holiday before): a
    task started Friday 17:30 in Shanghai (09:30 UTC) with Monday a holiday is due Tuesday 17:30 there."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    settings.ONEVISIT_HOLIDAYS = "2026-12-07"
    started = datetime(2026, 12, 4, 9, 30, tzinfo=ZoneInfo("UTC"))
    due = services.add_working_days(started, 1, "Asia/Shanghai")
    assert due == datetime(2026, 12, 8, 17, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    late = datetime(2026, 12, 4, 17, 0, tzinfo=ZoneInfo("UTC"))  # already Saturday 01:00 in Shanghai
    assert services.add_working_days(late, 1, "Asia/Shanghai").date() == date(2026, 12, 8)
