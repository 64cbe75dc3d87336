"""The weekly review's target table: a baseline period against a pilot period, each indicator's change, and
the pilot document's targets marked met or not. Pure: no Django.

Targets (DESIGN.md §5): completeness at first visit +20 percentage points, second visits below 10%, handling
time −20%, round trips −30%, 10–12 cases per window-hour.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from onevisit.core import known
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
    "prereviews": "预审件数",
    "not_applicable_prereviews": "有材料标为不适用的预审件数",
    "not_applicable_share": "材料不适用标记率",
    "triaged": "分流件数",
    "online_share": "网办辅导占比",
    "self_service_share": "自助办理占比",
    "consultations": "咨询量",
    "verifications": "跨部门核验次数",
    "mean_verification_seconds": "平均核验时长",
    "completed_at_window": "窗口办结件数",
    "served_to_end": "窗口办件数",
    "window_hours": "窗口在岗小时",
    "throughput_per_window_hour": "窗口每小时办件量",
    "relative_volume": "相对办件量",
}
RATES = {
    "one_visit_rate",
    "second_visit_ratio",
    "return_rate",
    "completeness_at_first_visit",
    "online_share",
    "self_service_share",
    "not_applicable_share",
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
    "not_applicable_share",
    "joint_2",
    "joint_3",
    "joint_4_plus",
    "mean_verification_seconds",
)


# Each indicator as implemented (engine.py), in the words the pages, the report and docs/metrics.md use.
DEFINITIONS = {
    "one_visit_rate": "以事项为单位，当日首次受理的办件中当场办结的比例。当场办结：在首次受理的那次窗口服务中"
    "（该窗口叫下一个号之前）、同一天由窗口办结；后台审批办结的，即使在当天，也不算当场办结。"
    "按首次受理的窗口、事项、日期归属。",
    "mean_handling_seconds": "从叫号到窗口办结的平均时长；后台办结的不计入，跨部门核验时长单列。",
    "duplicate_entries": f"窗口录入的字段中，系统已知其值（{'、'.join(known.SOURCES)}）仍被重复录入的条次；"
    "未改动的预填值不算录入。",
    "mean_round_trips": "已办结办件从受理到完成的平均到访次数（含首次）。同一天内，前一张号仍在等候或正在办理时"
    "又取的号，算同一次到访；网上或邮寄补交材料不算到访。",
    "completeness_at_first_visit": "首次到访的预审中，材料一次备齐（结论为“齐全”）的比例。",
    "second_visit_ratio": "受理的办件中，到访两次及以上的比例（到访的口径同群众往返次数）。",
    "return_rate": "受理的办件中，被后台退件过的比例。",
    "mean_wait_seconds": "从取号到首次叫号的平均等候时长。",
    "p90_wait_seconds": "取号到首次叫号等候时长的第90百分位（线性插值）。",
    "no_shows": "叫号后未到、被记为过号的次数。",
    "throughput_per_window_hour": "窗口办件数 ÷ 窗口在岗小时（目标每小时 10–12 件）。窗口办件数：窗口叫号服务、"
    "并在该次服务内（叫下一个号之前、当天）办结或移交后台的号；在岗小时：窗口人员登录且未暂停的时长——"
    "未登录就在办件的从当天第一项操作算起，未退出的算到当天最后一项操作。在岗时长属于窗口，不分事项。",
    "online_share": "分流决定中，转网办辅导的比例。",
    "self_service_share": "分流决定中，转自助办理的比例。",
    "consultations": "导引台登记的咨询次数。",
    "not_applicable_share": "预审中，工作人员把至少一项材料标为“本次不适用”的预审所占比例（按事项、材料另表列出）。",
    "joint_2": "首次受理时同时办理 2 个事项的办件数（两联办）。",
    "joint_3": "首次受理时同时办理 3 个事项的办件数（三联办）。",
    "joint_4_plus": "首次受理时同时办理 4 个及以上事项的办件数。",
    "mean_verification_seconds": "跨部门核验从发起到回复的平均时长，单列，不计入办理时长。",
    "outliers": "极端案例的办结次数：办理时长超过该事项设定分位数或被窗口人员标记的办件，不计入平均办理时长与"
    "往返次数，另表列出。",
    "relative_volume": "相对办件量：一件事的受理件数 ÷ 其主事项（目录中声明的关键单事项）的全部受理件数，"
    "经一件事办理的也计入主事项。越接近 1，说明主事项的办件越多经由一件事办理；目录未声明主事项的无法计算。"
    "接续受理转为一件事的计入一件事。",
}


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
