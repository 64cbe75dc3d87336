"""The weekly review's target table: a baseline period against a pilot period, each indicator's change, and
the pilot document's targets marked met or not. Pure: no Django.

The targets (DESIGN.md §5: completeness at first visit +20 percentage points, second visits below 10%, handling
time −20%, round trips −30%, 10–12 cases per window-hour), names, units and formats are the registry's
(indicators.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from onevisit.metrics.indicators import INDICATORS, Attribute, Codes, CodeSet, Target

# Views of the registry (indicators.py), read live: names, the rates, the review's indicators in order, the
# definitions and the targets.
LABELS = Attribute(INDICATORS, lambda i: i.name)
RATES = CodeSet(INDICATORS, lambda i: i.unit.is_rate)
HEADLINE = Codes(INDICATORS, lambda i: i.headline)
DEFINITIONS = Attribute(INDICATORS, lambda i: i.definition, lambda i: bool(i.definition))
TARGETS = Attribute(INDICATORS, lambda i: i.target, lambda i: i.target is not None)


@dataclass(frozen=True)
class Comparison:
    metric: str
    label: str
    baseline: float | None
    pilot: float | None
    change: str  # shown: "−23.1%", "+21.0 个百分点", "—"
    target: str
    met: bool | None  # None: no target, or not enough data to say
    delta: float | None = None  # the change as a number: points (a fraction) for rates, else relative


def unit(metric: str) -> str:
    """The unit a metric is shown in, the one its label names: the engine gives durations in seconds, the files
    show them in minutes (verification in hours); rates in %. A `*_seconds` name the registry does not know is
    a duration in minutes all the same: never written as raw seconds."""
    ind = INDICATORS.get(metric)
    if ind is not None:
        return ind.unit.name
    return "分钟" if metric.endswith("_seconds") else ""


def labelled(metric: str) -> str:
    """A metric's name as a file's column names it, with the unit of its numbers: 平均办理时长(分钟). (The pages
    write durations out in words and name them without a unit.)"""
    return INDICATORS[metric].labelled


def in_unit(metric: str, value: float | None) -> float | None:
    """The engine's value in the unit its label names: seconds as minutes or hours; a rate stays a fraction
    (a spreadsheet's % format and `display` show it ×100)."""
    ind = INDICATORS.get(metric)
    if ind is not None:
        return ind.in_unit(value)
    if value is None or value != value:
        return None
    return value / 60 if unit(metric) == "分钟" else value


def display(metric: str, value: float | None) -> str:
    """A value as the pages show it (the registry's format): rates in %, durations in words ("38 秒",
    "9 分 25 秒"), counts as integers. (The files carry durations as numbers in the unit their column names:
    `in_unit`.)"""
    return INDICATORS[metric].display(value)


def _change(metric: str, base: float | None, pilot: float | None) -> tuple[str, float | None]:
    if base is None or pilot is None:
        return "—", None
    if INDICATORS[metric].unit.is_rate:
        points = pilot - base
        return f"{points * 100:+.1f} 个百分点", points
    if base == 0:
        return "—", None
    rel = pilot / base - 1
    return f"{rel * 100:+.1f}%", rel


def _met(target: Target, change: float | None, pilot: float | None) -> bool | None:
    if target.kind == "change_at_most":
        return None if change is None else bool(change <= target.value)
    if target.kind == "points_at_least":
        return None if change is None else bool(change >= target.value)
    if pilot is None:
        return None
    if target.kind == "below":
        return bool(pilot < target.value)
    low, high = target.value
    return bool(low <= pilot <= high)


def compare(
    baseline: Mapping[str, Any], pilot: Mapping[str, Any], metrics: Sequence[str] = HEADLINE
) -> list[Comparison]:
    """Each indicator (by default the review's) of the baseline against the pilot period, with its target."""
    rows = []
    for metric in metrics:
        base, now = baseline.get(metric), pilot.get(metric)
        text, change = _change(metric, base, now)
        ind = INDICATORS[metric]
        target = ind.target
        rows.append(
            Comparison(
                metric=metric,
                label=ind.name,
                baseline=base,
                pilot=now,
                change=text,
                target=target.text if target else "",
                met=_met(target, change, now) if target else None,
                delta=change,
            )
        )
    return rows


def span(start: date, end: date, today: date) -> str:
    """A period as the page's headings write it: 1月6日–1月12日 in the current year; with the year on each end
    that is in another year, or on both ends when they are in different years (a 2019/2020 period written
    without years read as this winter's)."""
    with_years = start.year != end.year

    def day(d: date) -> str:
        year = f"{d.year}年" if with_years or d.year != today.year else ""
        return f"{year}{d.month}月{d.day}日"

    return f"{day(start)}–{day(end)}"
