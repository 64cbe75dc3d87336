"""The hall's calendar: its working days (no weekend, no public holiday) and its lunch break.

Appointments are taken on working days only, never over lunch; a due date in working days ("5个工作日内补交")
counts the same days. Pure rules, no Django: the services pass in the hall's holiday list and lunch break
(settings ONEVISIT_HOLIDAYS and ONEVISIT_LUNCH_BREAK), defaulting to the constants below.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date, datetime, time, timedelta


def _span(first: str, last: str) -> list[date]:
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


# Public holidays (法定节假日) of the State Council's 2026 schedule, and New Year's Day 2027. Illustrative: a hall
# sets its own list (ONEVISIT_HOLIDAYS, comma-separated YYYY-MM-DD) when the next year's schedule is published.
# Make-up working days (调休上班) that fall on a weekend are not offered: the hall decides those per day.
HOLIDAYS: frozenset[date] = frozenset(
    _span("2026-01-01", "2026-01-03")
    + _span("2026-02-15", "2026-02-23")
    + _span("2026-04-04", "2026-04-06")
    + _span("2026-05-01", "2026-05-05")
    + _span("2026-06-19", "2026-06-21")
    + _span("2026-09-25", "2026-09-27")
    + _span("2026-10-01", "2026-10-07")
    + [date(2027, 1, 1)]
)

LUNCH_BREAK: tuple[time, time] = (time(12, 0), time(13, 0))

WEEKDAYS = "一二三四五六日"


def parse_holidays(text: str | Iterable[str] | None) -> frozenset[date]:
    """'2026-10-01,2026-10-02' (or a list of such strings) → dates; blank → the built-in list."""
    if not text:
        return HOLIDAYS
    parts = text.split(",") if isinstance(text, str) else list(text)
    return frozenset(date.fromisoformat(p.strip()) for p in parts if p.strip())


def parse_lunch(text: str | None) -> tuple[time, time]:
    """'12:00-13:30' → (12:00, 13:30); blank → the default break."""
    if not text:
        return LUNCH_BREAK
    start, _, end = text.partition("-")
    return time.fromisoformat(start.strip()), time.fromisoformat(end.strip())


def is_working_day(day: date, holidays: Collection[date] = HOLIDAYS) -> bool:
    return day.weekday() < 5 and day not in holidays


def add_working_days(start: date, days: int, holidays: Collection[date] = HOLIDAYS) -> date:
    """The date (or moment) `days` working days after `start`: weekends and the given public holidays do not count.

    A moment keeps its time of day and is judged by its own calendar date: pass it in the hall's local time."""
    day, left = start, days
    while left > 0:
        day += timedelta(days=1)
        left -= is_working_day(day.date() if isinstance(day, datetime) else day, holidays)
    return day


def over_lunch(start: time, end: time, lunch: tuple[time, time] = LUNCH_BREAK) -> bool:
    """Whether a period [start, end) overlaps the lunch break."""
    return start < lunch[1] and lunch[0] < end


def bookable(
    day: date,
    start: time,
    end: time,
    *,
    holidays: frozenset[date] = HOLIDAYS,
    lunch: tuple[time, time] = LUNCH_BREAK,
) -> bool:
    return is_working_day(day, holidays) and not over_lunch(start, end, lunch)


def weekday_name(day: date) -> str:
    return "周" + WEEKDAYS[day.weekday()]
