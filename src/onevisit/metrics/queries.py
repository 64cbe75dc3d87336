"""Load events from the log for the formulas. Reads core.Event only."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pyarrow as pa

from onevisit.core.errors import Invalid
from onevisit.core.models import Event
from onevisit.metrics import engine
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


def events_table(*, start: datetime, end: datetime, tz_name: str, halls: list[str] | None = None) -> pa.Table:
    """The events the indicators need, in log order, as Arrow for the engine."""
    qs = Event.objects.filter(type__in=engine.EVENT_TYPES, at__gte=start, at__lt=end)
    if halls:
        qs = qs.filter(hall__in=halls)
    rows = qs.order_by("at", "id").values_list(
        "at", "type", "hall", "window", "matter", "bundle", "case", "ticket", "visit", "data"
    )
    return engine.events_table(rows.iterator(chunk_size=5000), ZoneInfo(tz_name))


MAX_PERIOD_DAYS = 400


def period(
    *, hall: str, start: date, end: date, tz_name: str, dims: list[str] | tuple[str, ...] = ()
) -> list[dict]:
    """Every indicator for the local days start..end (inclusive), grouped by dims. Bad periods and names are
    refused with the field named; a period without events gives an empty list (or one all-empty total row)."""
    return views(hall=hall, start=start, end=end, tz_name=tz_name, dims={"rows": tuple(dims)})["rows"]


def views(
    *, hall: str, start: date, end: date, tz_name: str, dims: dict[str, tuple[str, ...]]
) -> dict[str, list[dict]]:
    """Several groupings of one period from one read of the log: {name: rows} for {name: dims}."""
    if end < start:
        raise Invalid("结束日期不能早于开始日期", field="to")
    if (end - start).days >= MAX_PERIOD_DAYS:
        raise Invalid(f"时段不能超过 {MAX_PERIOD_DAYS} 天", field="to")
    try:
        for wanted in dims.values():
            engine.check_names(wanted)
    except engine.UnknownName as exc:
        raise Invalid(str(exc), field="dims") from None
    tz = ZoneInfo(tz_name)
    begin = datetime.combine(start, time.min, tzinfo=tz)
    finish = datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz)
    table = events_table(start=begin, end=finish, tz_name=tz_name, halls=[hall])
    return {name: engine.compute(table, list(wanted)).to_pylist() for name, wanted in dims.items()}
