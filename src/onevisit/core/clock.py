"""The one clock: aware UTC now, and the local service day of a hall."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.utils import timezone


def now() -> datetime:
    now: datetime = timezone.now()
    return now


def local_date(tz_name: str | None = None, at: datetime | None = None) -> date:
    """The calendar day in the given zone (default: settings.TIME_ZONE) at `at` (default: now)."""
    tz = ZoneInfo(tz_name) if tz_name else timezone.get_default_timezone()
    local: datetime = timezone.localtime(at or now(), tz)
    return local.date()


def localtime(at: datetime, tz_name: str | None = None) -> datetime:
    local: datetime = timezone.localtime(at, ZoneInfo(tz_name) if tz_name else None)
    return local
