"""Load events from the log for the formulas. Reads core.Event only."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from onevisit.core.models import Event
from onevisit.metrics.formulas import EventRecord, Summary, summarize

METRIC_EVENT_TYPES = ("ticket.called", "case.accepted", "case.completed", "field.entered")


def day_summary(*, hall: str, day: date, tz_name: str) -> Summary:
    tz = ZoneInfo(tz_name)
    start = datetime.combine(day, time.min, tzinfo=tz)
    rows = (
        Event.objects.filter(
            hall=hall, type__in=METRIC_EVENT_TYPES, at__gte=start, at__lt=start + timedelta(days=1)
        )
        .order_by("at", "id")
        .values_list("type", "at", "window", "matter", "case", "ticket", "visit", "data")
    )
    records = (
        EventRecord(
            *row[:7],
            at_window=(row[7] or {}).get("at_window", True),
            duplicate=bool((row[7] or {}).get("duplicate")),
            visits=int((row[7] or {}).get("visits") or 0),
        )
        for row in rows
    )
    return summarize(records, tz)
