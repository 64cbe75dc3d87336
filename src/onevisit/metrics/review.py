"""The weekly review's target table: a baseline period against a pilot period, each indicator's change, and
the pilot document's targets marked met or not. Pure: no Django.

Targets (DESIGN.md §5): completeness at first visit +20 percentage points, second visits below 10%, handling
time −20%, round trips −30%, 10–12 cases per window-hour.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from onevisit.core.durations import human_duration

LABELS = {
    "accepted": "受理件数",
    "completed_on_the_spot": "当场办结件数",
    "one_visit_rate": "一次性办成率",
    "handled": "窗口办结件数(计时)",
    "mean_handling_seconds": "平均办理时长",
    "outliers": "极端案例(不计入均值)",
    "duplicate_entries": "重复录入条次",
    "completed_with_visits": "办结件数(计往返)",
    "mean_round_trips": "群众往返次数",
    "waited": "取号叫号件数",
    "mean_wait_seconds": "平均等候时长",
    "p90_wait_seconds": "等候时长P90",
    "no_shows": "过号件数",
    "second_visit_cases": "二次到访件数",
    "second_visit_ratio": "二次到访率",
    "returned_cases": "退件件数",
    "return_rate": "退件率",
    "joint_2": "两联办",
    "joint_3": "三联办",
    "joint_4_plus": "四联办及以上",
    "first_visit_prereviews": "首次预审件数",
    "complete_at_first_visit": "首次材料齐全件数",
    "completeness_at_first_visit": "材料一次性备齐率",
    "triaged": "分流件数",
    "online_share": "网办辅导占比",
    "self_service_share": "自助办理占比",
    "consultations": "咨询量",
    "verifications": "跨部门核验次数",
    "mean_verification_seconds": "平均核验时长",
    "completed_at_window": "窗口办结件数",
    "window_hours": "窗口工作小时",
    "throughput_per_window_hour": "窗口每小时办件量",
}
RATES = {
    "one_visit_rate",
    "second_visit_ratio",
    "return_rate",
    "completeness_at_first_visit",
    "online_share",
    "self_service_share",
}
MINUTES = {"mean_handling_seconds", "mean_wait_seconds", "p90_wait_seconds"}
HOURS = {"mean_verification_seconds"}
HEADLINE = (
    "one_visit_rate",
    "mean_handling_seconds",
    "outliers",
    "duplicate_entries",
    "mean_round_trips",
    "completeness_at_first_visit",
    "second_visit_ratio",
    "return_rate",
    "mean_wait_seconds",
    "p90_wait_seconds",
    "no_shows",
    "throughput_per_window_hour",
    "online_share",
    "self_service_share",
    "consultations",
    "joint_2",
    "joint_3",
    "joint_4_plus",
    "mean_verification_seconds",
)


@dataclass(frozen=True)
class Target:
    metric: str
    kind: str  # change_at_most (relative) | points_at_least | below | between
    value: Any
    text: str


TARGETS = {
    t.metric: t
    for t in (
        Target("mean_handling_seconds", "change_at_most", -0.20, "压减 20%"),
        Target("mean_round_trips", "change_at_most", -0.30, "减少 30%"),
        Target("second_visit_ratio", "below", 0.10, "低于 10%"),
        Target("completeness_at_first_visit", "points_at_least", 0.20, "提升 20 个百分点"),
        Target("throughput_per_window_hour", "between", (10.0, 12.0), "每小时 10–12 件"),
    )
}


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
    """The unit a metric is shown in, the one its label names: the engine gives durations in seconds (every
    `*_seconds` metric), the review shows them in minutes, verification in hours; rates in %."""
    if metric in RATES:
        return "%"
    if metric in HOURS:
        return "小时"
    if metric in MINUTES or metric.endswith("_seconds"):
        return "分钟"
    return ""


def labelled(metric: str) -> str:
    """A metric's name as a file's column names it, with the unit of its numbers: 平均办理时长(分钟). (The pages
    write durations out in words and name them without a unit.)"""
    u = unit(metric)
    return f"{LABELS[metric]}({u})" if u in ("分钟", "小时") else LABELS[metric]


def in_unit(metric: str, value: float | None) -> float | None:
    """The engine's value in the unit its label names: seconds as minutes or hours; a rate stays a fraction
    (a spreadsheet's % format and `display` show it ×100)."""
    if value is None or value != value:
        return None
    u = unit(metric)
    if u == "小时":
        return value / 3600
    if u == "分钟":
        return value / 60
    return value


def display(metric: str, value: float | None) -> str:
    """A value as the review shows it: rates in %, durations in words ("38 秒", "9 分 25 秒"), counts as integers.
    (The files carry durations as numbers in the unit their column names: `in_unit`.)"""
    if value is None or value != value:
        return "—"
    if metric in RATES:
        return f"{value * 100:.1f}%"
    if unit(metric) in ("分钟", "小时"):
        return human_duration(value)
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:.2f}"


def _change(metric: str, base: float | None, pilot: float | None) -> tuple[str, float | None]:
    if base is None or pilot is None:
        return "—", None
    if metric in RATES:
        points = pilot - base
        return f"{points * 100:+.1f} 个百分点", points
    if base == 0:
        return "—", None
    rel = pilot / base - 1
    return f"{rel * 100:+.1f}%", rel


def _met(target: Target, change: float | None, pilot: float | None) -> bool | None:
    if target.kind == "change_at_most":
        return None if change is None else change <= target.value
    if target.kind == "points_at_least":
        return None if change is None else change >= target.value
    if pilot is None:
        return None
    if target.kind == "below":
        return pilot < target.value
    low, high = target.value
    return low <= pilot <= high


def compare(baseline: Mapping[str, Any], pilot: Mapping[str, Any], metrics=HEADLINE) -> list[Comparison]:
    rows = []
    for metric in metrics:
        base, now = baseline.get(metric), pilot.get(metric)
        text, change = _change(metric, base, now)
        target = TARGETS.get(metric)
        rows.append(
            Comparison(
                metric=metric,
                label=LABELS[metric],
                baseline=base,
                pilot=now,
                change=text,
                target=target.text if target else "",
                met=_met(target, change, now) if target else None,
                delta=change,
            )
        )
    return rows
