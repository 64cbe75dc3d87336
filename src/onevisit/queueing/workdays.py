"""The hall's working days: public holidays, the lunch break, due dates counted in working days."""

from __future__ import annotations

from datetime import date, datetime, time

from django.conf import settings

from onevisit.core import clock
from onevisit.queueing import hours


def holidays() -> frozenset[date]:
    """The hall's public holidays (ONEVISIT_HOLIDAYS, else the built-in schedule): appointments and due dates."""
    return hours.parse_holidays(getattr(settings, "ONEVISIT_HOLIDAYS", None))


def add_working_days(start: date, days: int, tz_name: str | None = None) -> date:
    """`days` of the hall's working days after `start` (a due date such as "5个工作日内补交"); a moment (a task's
    time limit, a promised date) counts by its calendar date in the hall's zone and keeps its time of day."""
    if isinstance(start, datetime):
        start = clock.localtime(start, tz_name)
    return hours.add_working_days(start, days, holidays())


def _lunch() -> tuple[time, time]:
    return hours.parse_lunch(getattr(settings, "ONEVISIT_LUNCH_BREAK", None))


def is_bookable(day: date, start: time, end: time) -> bool:
    """A working day (no weekend, no public holiday) and not over the lunch break."""
    return hours.bookable(day, start, end, holidays=holidays(), lunch=_lunch())
