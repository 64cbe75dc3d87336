"""Load events from the log for the engine, and the periods the pages and reports ask for. Reads core.Event only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa

from onevisit.core.errors import Invalid
from onevisit.core.models import Event
from onevisit.metrics import engine


@dataclass(frozen=True)
class DaySummary:
    """The day page's figures: the hall, each window, each matter and each window × matter (rows of
    engine.METRICS), and the materials marked not applicable per matter (engine.not_applicable)."""

    total: dict[str, Any]
    by_window: dict[str, dict[str, Any]]
    by_matter: dict[str, dict[str, Any]]
    by_window_matter: list[dict[str, Any]] = field(default_factory=list)
    not_applicable: list[dict[str, Any]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (
            self.total.get("accepted")
            or self.total.get("completed_at_window")
            or self.total.get("completed_with_visits")
            or self.total.get("outliers")
            or self.total.get("prereviews")
            or self.total.get("window_hours")
        )


def day_summary(*, hall: str, day: date, tz_name: str) -> DaySummary:
    """Today's figures from the same engine and definitions as the weekly review (the hall's configured outlier
    rule), by window, by matter and by window × matter."""
    table = period_table(hall=hall, start=day, end=day, tz_name=tz_name)
    rule_ = rule()
    (total,) = engine.compute(table, (), rule_).to_pylist()
    by = {
        d: {r[d]: r for r in engine.compute(table, [d], rule_).to_pylist() if r[d]}
        for d in ("window", "matter")
    }
    pairs = [
        r
        for r in engine.compute(table, ["window", "matter"], rule_).to_pylist()
        if r["window"] and r["matter"]
    ]
    return DaySummary(total, by["window"], by["matter"], pairs, engine.not_applicable(table))


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


def rule(percentile: str | float | None = None) -> engine.OutlierRule:
    """The outlier rule: the settings' unless a percentile is given (a number like 0.95 or 95, or "0"/"off"
    for staff-flagged cases only). Out of range → Invalid naming the field."""
    from django.conf import settings

    if percentile is None or (isinstance(percentile, str) and not percentile.strip()):
        percentile = settings.ONEVISIT_OUTLIER_PERCENTILE
    if isinstance(percentile, str):
        text = percentile.strip().rstrip("%")
        if text.lower() in ("off", "0"):
            percentile = 0.0
        else:
            try:
                percentile = float(text)
            except ValueError:
                raise Invalid(
                    f"极端值分位数应为数字，如 0.99 或 99：{percentile[:20]}", field="outlier"
                ) from None
    value = float(percentile)
    value = value / 100 if value > 1 else value
    try:
        return engine.OutlierRule(value or None, settings.ONEVISIT_OUTLIER_MIN_CASES)
    except engine.BadRule as exc:
        raise Invalid(str(exc), field="outlier") from None


# No hall's event log lies outside these years; a date outside them (year 1, year 9999) would overflow when turned
# into an instant of the hall's time zone.
EARLIEST, LATEST = date(1970, 1, 1), date(2100, 12, 31)


def bounds(
    start: date, end: date, tz_name: str, fields: tuple[str, str] = ("from", "to")
) -> tuple[datetime, datetime]:
    """The instants that bound the local days start..end (inclusive); bad periods are refused with the field
    (`fields`: the names of the inputs start and end came from — a baseline's are not the period's)."""
    first, last = fields
    for day, name in ((start, first), (end, last)):
        if not EARLIEST <= day <= LATEST:
            raise Invalid(
                f"日期须在 {EARLIEST.year} 年至 {LATEST.year} 年之间，收到 {day.isoformat()}", field=name
            )
    if end < start:
        raise Invalid("结束日期不能早于开始日期", field=last)
    if (end - start).days >= MAX_PERIOD_DAYS:
        raise Invalid(f"时段不能超过 {MAX_PERIOD_DAYS} 天", field=last)
    tz = ZoneInfo(tz_name)
    return datetime.combine(start, time.min, tzinfo=tz), datetime.combine(
        end + timedelta(days=1), time.min, tzinfo=tz
    )


def period_table(
    *, hall: str, start: date, end: date, tz_name: str, fields: tuple[str, str] = ("from", "to")
) -> pa.Table:
    """The events of the hall's local days start..end (inclusive); bad periods are refused with the field."""
    begin, finish = bounds(start, end, tz_name, fields)
    return events_table(start=begin, end=finish, tz_name=tz_name, halls=[hall])


def check_names(dims, metrics=None) -> None:
    try:
        engine.check_names(dims, metrics)
    except engine.UnknownName as exc:
        raise Invalid(str(exc), field="metrics" if "指标" in str(exc) else "dims") from None


def period(
    *,
    hall: str,
    start: date,
    end: date,
    tz_name: str,
    dims: list[str] | tuple[str, ...] = (),
    outliers: engine.OutlierRule | None = None,
) -> list[dict]:
    """Every indicator for the local days start..end (inclusive), grouped by dims. Bad periods and names are
    refused with the field named; a period without events gives an empty list (or one all-empty total row)."""
    check_names(dims)
    table = period_table(hall=hall, start=start, end=end, tz_name=tz_name)
    return engine.compute(table, list(dims), outliers or rule()).to_pylist()
