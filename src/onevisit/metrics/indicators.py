"""The indicator registry: every indicator declared once — its code, Chinese name, the words that define it, its
unit and display format, the pilot's target and which way is better, and how it is computed from the facts of
the event log (its reference implementation, and the column the engine computes it as).

The engine (its output columns), reference.py (its values), the review and day pages, the report files (xlsx,
pdf, csv), the API and the benchmark's pandas peer all read it, and docs/metrics.md's indicator table is
generated from it. Pure: no Django.

Adding an indicator:

1. declare it here (`INDICATORS`, in the order the review lists it);
2. if it needs a fact the log does not give yet: compute the fact in engine.py's SQL under the indicator's code
   (and list it in `engine._FACTS`);
3. and the same fact, independently, in reference.py.

An indicator made of facts already there (a share of two counts, a count under another name) is step 1 only.
The benchmark's pandas peer cross-checks every indicator whose facts it computes and names any other.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from onevisit.core import known
from onevisit.core.durations import human_duration

# ---- units ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    """How an indicator's value reads: the engine's number ÷ `scale` is the value in the unit `name` that files
    name in their columns; `excel` is its number format there; `show` writes it on a page."""

    kind: str
    name: str
    scale: float
    excel: str
    show: Callable[[float], str] = field(compare=False)

    @property
    def is_rate(self) -> bool:
        return self.kind == "rate"

    @property
    def is_duration(self) -> bool:
        return self.kind == "duration"


def _count(v: float) -> str:
    return f"{int(v):,}" if float(v).is_integer() else f"{v:.2f}"


def _percent(v: float) -> str:
    return f"{v * 100:.1f}%"


COUNT = Unit("count", "", 1, "#,##0", _count)
RATE = Unit("rate", "%", 1, "0.0%", _percent)  # a fraction: 0.5 is 50%
MINUTES = Unit("duration", "分钟", 60, "0.0", human_duration)  # the engine's seconds, filed as minutes
HOURS = Unit("duration", "小时", 3600, "0.00", human_duration)  # the engine's seconds, filed as hours


def decimal(places: int) -> Unit:
    """A number with `places` decimals (round trips, cases per window-hour, staffed hours)."""
    return Unit("decimal", "", 1, "0." + "0" * places, lambda v: f"{v:.{places}f}")


# ---- targets ----------------------------------------------------------------------------------------------------

HIGHER, LOWER = "higher", "lower"


@dataclass(frozen=True)
class Target:
    """The pilot's target: kind change_at_most (relative to the baseline) | points_at_least | below | between."""

    kind: str
    value: Any
    text: str

    @property
    def absolute(self) -> bool:
        """Whether the period alone says if it is met (no baseline needed)."""
        return self.kind in ("below", "between")


# ---- formulas: how an indicator comes from the facts -------------------------------------------------------------


class Facts(Protocol):
    """One group's facts as reference.py collects them."""

    def count(self, name: str) -> int: ...

    def values(self, name: str) -> list[float]: ...

    def value(self, name: str) -> Any:
        """An indicator already computed for the group, else the count of the fact."""


def ratio(part: float | None, whole: float | None) -> float | None:
    return part / whole if part is not None and whole else None


def _quantile(xs: list[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (what DuckDB's quantile_cont computes)."""
    if not xs:
        return None
    xs = sorted(xs)
    pos = q * (len(xs) - 1)
    low = int(pos)
    high = min(low + 1, len(xs) - 1)
    return xs[low] + (xs[high] - xs[low]) * (pos - low)


@dataclass(frozen=True)
class Count:
    """The number of a fact: the engine computes it under the indicator's code; reference.py collects `fact`."""

    fact: str = ""

    def reference(self, code: str, facts: Facts) -> int:
        return facts.count(self.fact or code)

    def sql(self, code: str) -> str:
        return f"coalesce({code}, 0)"

    def needs(self, code: str) -> tuple[str, ...]:
        return (code,)

    def frame(self, code: str, df: Any) -> Any:
        return df[code].fillna(0).astype("int64")


@dataclass(frozen=True)
class Mean:
    """The mean of a fact's values (empty without any)."""

    fact: str

    def reference(self, code: str, facts: Facts) -> float | None:
        xs = facts.values(self.fact)
        return sum(xs) / len(xs) if xs else None

    def sql(self, code: str) -> str:
        return code

    def needs(self, code: str) -> tuple[str, ...]:
        return (code,)

    def frame(self, code: str, df: Any) -> Any:
        return df[code]


@dataclass(frozen=True)
class Quantile(Mean):
    """A quantile of a fact's values, interpolated linearly."""

    q: float = 0.9

    def reference(self, code: str, facts: Facts) -> float | None:
        return _quantile(facts.values(self.fact), self.q)


@dataclass(frozen=True)
class Hours:
    """A fact's seconds summed, as hours (0 without any)."""

    fact: str

    def reference(self, code: str, facts: Facts) -> float:
        return sum(facts.values(self.fact)) / 3600

    def sql(self, code: str) -> str:
        return f"coalesce({code}, 0.0)"

    def needs(self, code: str) -> tuple[str, ...]:
        return (code,)

    def frame(self, code: str, df: Any) -> Any:
        return df[code].fillna(0.0)


@dataclass(frozen=True)
class Share:
    """part ÷ whole, empty where the whole is none — or less than `at_least`, for a rate that means nothing over
    too little (a window staffed for seconds). Each names a fact of the engine or an indicator before it."""

    part: str
    whole: str
    at_least: float = 0.0

    def _enough(self, whole: float | None) -> bool:
        return bool(whole) and whole > 0 and whole >= self.at_least  # type: ignore[operator]

    def reference(self, code: str, facts: Facts) -> float | None:
        whole = facts.value(self.whole)
        return facts.value(self.part) / whole if self._enough(whole) else None

    def sql(self, code: str) -> str:
        floor = f" AND {self.whole} >= {self.at_least!r}" if self.at_least else ""
        return (
            f"CASE WHEN coalesce({self.whole}, 0) > 0{floor} THEN coalesce({self.part}, 0) / {self.whole} END"
        )

    def needs(self, code: str) -> tuple[str, ...]:
        return (self.part, self.whole)

    def frame(self, code: str, df: Any) -> Any:
        return (df[self.part].fillna(0) / df[self.whole]).where(
            (df[self.whole] > 0) & (df[self.whole] >= self.at_least)
        )


@dataclass(frozen=True)
class Custom:
    """Any other formula: a reference callable over the group's facts and the engine's SQL over its facts."""

    compute: Callable[[Facts], Any] = field(compare=False)
    expression: str
    uses: tuple[str, ...] = ()

    def reference(self, code: str, facts: Facts) -> Any:
        return self.compute(facts)

    def sql(self, code: str) -> str:
        return self.expression

    def needs(self, code: str) -> tuple[str, ...]:
        return self.uses

    def frame(self, code: str, df: Any) -> Any:
        raise NotImplementedError(f"{code}: the pandas peer has no formula for it")


Formula = Count | Mean | Hours | Share | Custom

MIN_STAFFED_HOURS = (
    0.5  # a throughput over less staffed time than this is not shown: 2 cases in 45 s is no rate
)


# ---- the indicator ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Indicator:
    """One indicator, declared once. `formula` None: computed by a function of its own (engine.relative_volume)
    rather than as a column of engine.compute."""

    code: str
    name: str  # as the pages, files and charts name it
    formula: Formula | None
    unit: Unit = COUNT
    definition: str = ""  # as implemented, in the words the pages, the report and docs/metrics.md use
    words: str = ""  # the source document's own words
    target: Target | None = None
    better: str | None = None  # HIGHER or LOWER
    headline: bool = False  # on the review's target table, in the report files
    short: str = ""  # a narrow table's column header (default: the name)
    basis: str = ""  # what the figure rests on, the day page's sample column: "{accepted}" is that indicator
    # Dimensions a grouping by which leaves the indicator empty in every group: what it divides by belongs to no
    # such group (staffed time has no matter or bundle), so a group's quotient would be an artefact, not a figure.
    not_by: tuple[str, ...] = ()

    @property
    def header(self) -> str:
        return self.short or self.name

    def defined_by(self, dims: Sequence[str]) -> bool:
        """Whether a grouping by `dims` gives the indicator a meaning (see `not_by`)."""
        return not set(self.not_by) & set(dims)

    @property
    def labelled(self) -> str:
        """The name as a file's column names it, with the unit of its numbers: 平均办理时长(分钟)."""
        return f"{self.name}({self.unit.name})" if self.unit.is_duration else self.name

    def in_unit(self, value: float | None) -> float | None:
        """The engine's value in the unit the file names (a rate stays a fraction)."""
        if value is None or value != value:
            return None
        return value / self.unit.scale if self.unit.scale != 1 else value

    def display(self, value: float | None) -> str:
        """The value as a page shows it: rates in %, durations in words, counts as integers; none is —."""
        if value is None or value != value:
            return "—"
        return self.unit.show(value)

    def reference(self, facts: Facts) -> Any:
        """Its value from one group's facts, in plain Python (reference.py)."""
        if self.formula is None:
            raise TypeError(f"{self.code} is computed by a function of its own")
        return self.formula.reference(self.code, facts)

    @property
    def column(self) -> str:
        """Its column in the engine, as SQL over the engine's facts."""
        if self.formula is None:
            raise TypeError(f"{self.code} is computed by a function of its own")
        return self.formula.sql(self.code)

    def explain(self, row: Mapping[str, Any]) -> str:
        """The basis filled in from a row, each figure as its indicator shows it."""
        return re.sub(r"\{(\w+)\}", lambda m: INDICATORS[m.group(1)].display(row.get(m.group(1))), self.basis)


class UnknownIndicator(KeyError):
    """An indicator code the registry does not declare: the message names it."""

    def __str__(self) -> str:
        return str(self.args[0])


_CODE = re.compile(r"[a-z][a-z0-9_]*\Z")


class Registry:
    """The indicators in their order. Read live: what is registered is what every reader sees."""

    def __init__(self, entries: Sequence[Indicator] = ()) -> None:
        self._entries: dict[str, Indicator] = {}
        for entry in entries:
            self.register(entry)

    def register(self, ind: Indicator) -> Indicator:
        """Add an indicator; a bad or taken code, a taken name, or a formula using an indicator declared after
        it is refused."""
        if not _CODE.match(ind.code):
            raise ValueError(f"指标代码应为小写字母、数字与下划线：{ind.code!r}")
        if ind.code in self._entries:
            raise ValueError(f"指标代码重复：{ind.code}")
        if any(e.name == ind.name for e in self._entries.values()):
            raise ValueError(f"指标名称重复：{ind.name}")
        if ind.target is not None and ind.better is None:
            raise ValueError(f"{ind.code}：有目标的指标须说明越高越好还是越低越好")
        self._entries[ind.code] = ind
        return ind

    def unregister(self, code: str) -> None:
        del self._entries[code]

    @contextmanager
    def added(self, *inds: Indicator) -> Iterator[None]:
        """The indicators registered for the duration of a block (tests)."""
        for ind in inds:
            self.register(ind)
        try:
            yield
        finally:
            for ind in inds:
                self._entries.pop(ind.code, None)

    def __getitem__(self, code: str) -> Indicator:
        try:
            return self._entries[code]
        except KeyError:
            raise UnknownIndicator(f"未知指标 {code!r}") from None

    def get(self, code: str) -> Indicator | None:
        return self._entries.get(code)

    def __contains__(self, code: object) -> bool:
        return code in self._entries

    def __iter__(self) -> Iterator[Indicator]:
        return iter(list(self._entries.values()))

    def __len__(self) -> int:
        return len(self._entries)

    def computed(self) -> list[Indicator]:
        """The indicators engine.compute gives as columns, in order."""
        return [i for i in self if i.formula is not None]

    def codes(self) -> tuple[str, ...]:
        return tuple(i.code for i in self.computed())

    def headline(self) -> tuple[str, ...]:
        return tuple(i.code for i in self if i.headline)


class Codes(Sequence[str]):
    """A live tuple of codes: the registry's indicators that `keep` selects, in order."""

    def __init__(self, registry: Registry, keep: Callable[[Indicator], bool]) -> None:
        self._registry, self._keep = registry, keep

    def _codes(self) -> tuple[str, ...]:
        return tuple(i.code for i in self._registry if self._keep(i))

    def __getitem__(self, i: Any) -> Any:
        return self._codes()[i]

    def __len__(self) -> int:
        return len(self._codes())

    def __iter__(self) -> Iterator[str]:
        return iter(self._codes())

    def __contains__(self, code: object) -> bool:
        return code in self._codes()

    def __eq__(self, other: object) -> bool:
        return tuple(self) == tuple(other) if isinstance(other, Sequence) else NotImplemented

    def __hash__(self) -> int:
        return hash(self._codes())

    def __repr__(self) -> str:
        return repr(self._codes())


class CodeSet(Codes, AbstractSet[str]):
    """A live set of codes."""


class Attribute(Mapping[str, Any]):
    """A live {code: attribute} of the registry's indicators where `keep` selects them."""

    def __init__(
        self,
        registry: Registry,
        get: Callable[[Indicator], Any],
        keep: Callable[[Indicator], bool] = lambda i: True,
    ) -> None:
        self._registry, self._get, self._keep = registry, get, keep

    def __getitem__(self, code: str) -> Any:
        ind = self._registry.get(code)
        if ind is None or not self._keep(ind):
            raise KeyError(code)
        return self._get(ind)

    def __iter__(self) -> Iterator[str]:
        return iter([i.code for i in self._registry if self._keep(i)])

    def __len__(self) -> int:
        return sum(1 for i in self._registry if self._keep(i))


# ---- the indicators ---------------------------------------------------------------------------------------------

INDICATORS = Registry(
    [
        Indicator("accepted", "受理件数", Count(), short="首次受理"),
        Indicator("completed_on_the_spot", "当场办结件数", Count(), short="当场办结"),
        Indicator(
            "one_visit_rate",
            "一次性办成率",
            Share("completed_on_the_spot", "accepted"),
            RATE,
            headline=True,
            words="以事项为单位统计当日首次受理是否当场办结",
            better=HIGHER,
            definition="以事项为单位，当日首次受理的办件中当场办结的比例。当场办结：在首次受理的那次窗口服务中"
            "（该窗口叫下一个号之前）、同一天由窗口办结；后台审批办结的，即使在当天，也不算当场办结。"
            "按首次受理的窗口、事项、日期归属。",
            basis="当日首次受理 {accepted} 件，当场办结 {completed_on_the_spot} 件",
        ),
        Indicator("handled", "窗口办结件数(计时)", Count("handling"), short="样本"),
        Indicator(
            "mean_handling_seconds",
            "平均办理时长",
            Mean("handling"),
            MINUTES,
            headline=True,
            better=LOWER,
            words="从叫号到窗口办结的时段，跨系统核验时间单列",
            definition="从叫号到窗口办结的平均时长；后台办结的不计入，跨部门核验时长单列。",
            target=Target("change_at_most", -0.20, "压减 20%"),
            basis="窗口办结计时 {handled} 件",
        ),
        Indicator(
            "outliers",
            "极端案例(不计入均值)",
            Count(),
            headline=True,
            words="样本外的极端案例单独备注，不进入平均值计算",
            definition="极端案例的办结次数：办理时长超过该事项设定分位数或被窗口人员标记的办件，不计入平均办理时长与"
            "往返次数，另表列出。",
        ),
        Indicator(
            "duplicate_entries",
            "重复录入条次",
            Count(),
            headline=True,
            better=LOWER,
            short="重复录入",
            words="窗口端重复录入相同字段的次数",
            definition=f"窗口录入的字段中，系统已知其值（{'、'.join(known.SOURCES)}）仍被重复录入的条次；"
            "未改动的预填值不算录入。",
        ),
        Indicator("completed_with_visits", "办结件数(计往返)", Count("trips")),
        Indicator(
            "mean_round_trips",
            "群众往返次数",
            Mean("trips"),
            decimal(2),
            headline=True,
            better=LOWER,
            short="平均往返",
            words="按事项统计从受理到完成的到访次数",
            definition="已办结办件从受理到完成的平均到访次数（含首次）。同一天内，前一张号仍在等候或正在办理时"
            "又取的号，算同一次到访；网上或邮寄补交材料不算到访。",
            target=Target("change_at_most", -0.30, "减少 30%"),
            basis="办结 {completed_with_visits} 件；二次到访率 {second_visit_ratio}",
        ),
        Indicator("first_visit_prereviews", "首次预审件数", Count()),
        Indicator("complete_at_first_visit", "首次材料齐全件数", Count()),
        Indicator(
            "completeness_at_first_visit",
            "材料一次性备齐率",
            Share("complete_at_first_visit", "first_visit_prereviews"),
            RATE,
            headline=True,
            better=HIGHER,
            words="材料的一次性备齐率（试点：材料完整率预计提高二十个百分点）",
            definition="首次到访的预审中，材料一次备齐（结论为“齐全”）的比例。",
            target=Target("points_at_least", 0.20, "提升 20 个百分点"),
        ),
        Indicator("second_visit_cases", "二次到访件数", Count()),
        Indicator(
            "second_visit_ratio",
            "二次到访率",
            Share("second_visit_cases", "accepted"),
            RATE,
            headline=True,
            better=LOWER,
            words="同一事项的二次到访比例下降到一成以内",
            definition="受理的办件中，到访两次及以上的比例（到访的口径同群众往返次数）。",
            target=Target("below", 0.10, "低于 10%"),
        ),
        Indicator("returned_cases", "退件件数", Count()),
        Indicator(
            "return_rate",
            "退件率",
            Share("returned_cases", "accepted"),
            RATE,
            headline=True,
            better=LOWER,
            words="退件率",
            definition="受理的办件中，被后台退件过的比例。",
        ),
        Indicator("waited", "取号叫号件数", Count("wait")),
        Indicator(
            "mean_wait_seconds",
            "平均等候时长",
            Mean("wait"),
            MINUTES,
            headline=True,
            better=LOWER,
            definition="从取号到首次叫号的平均等候时长。",
        ),
        Indicator(
            "p90_wait_seconds",
            "等候时长P90",
            Quantile("wait", 0.9),
            MINUTES,
            headline=True,
            better=LOWER,
            definition="取号到首次叫号等候时长的第90百分位（线性插值）。",
        ),
        Indicator(
            "no_shows",
            "过号件数",
            Count(),
            headline=True,
            definition="叫号后未到、被记为过号的次数。",
        ),
        Indicator("completed_at_window", "窗口办结件数", Count()),
        Indicator("served_to_end", "窗口办件数", Count(), short="办件数"),
        Indicator("window_hours", "窗口在岗小时", Hours("staffed"), decimal(2), short="在岗小时"),
        Indicator(
            "throughput_per_window_hour",
            "窗口每小时办件量",
            Share("served_to_end", "window_hours", at_least=MIN_STAFFED_HOURS),
            decimal(1),
            headline=True,
            better=HIGHER,
            short="每小时办件量",
            words="窗口吞吐按每小时十到十二件为目标",
            definition="窗口办件数 ÷ 窗口在岗小时（目标每小时 10–12 件）。窗口办件数：窗口叫号服务、"
            "并在该次服务内（叫下一个号之前、当天）办结或移交后台的号；在岗小时：窗口人员登录且未暂停的时长——"
            "未登录就在办件的从当天第一项操作算起，未退出的算到当天最后一项操作。在岗时长属于窗口，不分事项。"
            "在岗不足半小时的不计算（显示“—”）：几分钟里办一两件，折成每小时是几百件，不是速率。"
            "按事项或一件事分组时不计算（显示“—”）：在岗时长不分事项。",
            target=Target("between", (10.0, 12.0), "每小时 10–12 件"),
            basis="办件 {served_to_end} 件 ÷ 在岗 {window_hours} 小时",
            # The not-per-matter row holds all staffed time and, by construction, no service: 0 件 ÷ its hours read
            # as a window serving nobody. A matter's rows have no staffed time: empty already.
            not_by=("matter", "bundle"),
        ),
        Indicator("triaged", "分流件数", Count()),
        Indicator(
            "online_share",
            "网办辅导占比",
            Share("routed_online", "triaged"),
            RATE,
            headline=True,
            words="线上受理率（滨江）",
            definition="分流决定中，转网办辅导的比例。",
        ),
        Indicator(
            "self_service_share",
            "自助办理占比",
            Share("routed_self_service", "triaged"),
            RATE,
            headline=True,
            definition="分流决定中，转自助办理的比例。",
        ),
        Indicator(
            "consultations",
            "咨询量",
            Count(),
            headline=True,
            words="咨询量",
            definition="导引台登记的咨询次数。",
        ),
        Indicator("prereviews", "预审件数", Count()),
        Indicator("not_applicable_prereviews", "有材料标为不适用的预审件数", Count()),
        Indicator(
            "not_applicable_share",
            "材料不适用标记率",
            Share("not_applicable_prereviews", "prereviews"),
            RATE,
            headline=True,
            definition="预审中，工作人员把至少一项材料标为“本次不适用”的预审所占比例（按事项、材料另表列出）。",
            basis="预审 {prereviews} 件，其中 {not_applicable_prereviews} 件有材料标为不适用",
        ),
        Indicator(
            "joint_2",
            "两联办",
            Count(),
            headline=True,
            words="两联办、三联办、四联办等联办的一件事办理数据",
            definition="首次受理时同时办理 2 个事项的办件数（两联办）。",
        ),
        Indicator(
            "joint_3",
            "三联办",
            Count(),
            headline=True,
            definition="首次受理时同时办理 3 个事项的办件数（三联办）。",
        ),
        Indicator(
            "joint_4_plus",
            "四联办及以上",
            Count(),
            headline=True,
            definition="首次受理时同时办理 4 个及以上事项的办件数。",
        ),
        Indicator("verifications", "跨部门核验次数", Count("verification")),
        Indicator(
            "mean_verification_seconds",
            "平均核验时长",
            Mean("verification"),
            HOURS,
            headline=True,
            better=LOWER,
            words="跨系统核验时间单列",
            definition="跨部门核验从发起到回复的平均时长，单列，不计入办理时长。",
        ),
        Indicator(
            "relative_volume",
            "相对办件量",
            None,
            decimal(2),
            better=HIGHER,
            words="餐饮店开办一件事的办件量与餐饮店开办营业执照的数量对比，这个比值越接近一，说明…成效越高",
            definition="相对办件量：一件事的受理件数 ÷ 其主事项（目录中声明的关键单事项）的全部受理件数，"
            "经一件事办理的也计入主事项。越接近 1，说明主事项的办件越多经由一件事办理；目录未声明主事项的无法计算。"
            "接续受理转为一件事的计入一件事。",
        ),
    ]
)


# ---- docs/metrics.md's table ------------------------------------------------------------------------------------

DOCS_BEGIN = "<!-- indicators: generated from src/onevisit/metrics/indicators.py; do not edit by hand -->"
DOCS_END = "<!-- /indicators -->"


def _target_text(ind: Indicator) -> str:
    return ind.target.text if ind.target else ""


def markdown(registry: Registry = INDICATORS) -> str:
    """The registry as docs/metrics.md's indicator table (headline indicators, then the others)."""
    better = {HIGHER: "越高越好", LOWER: "越低越好", None: ""}
    lines = [
        DOCS_BEGIN,
        "| code | 名称 | 单位 | 目标 | 方向 | 原文 | 口径（页面与报表所用） |",
        "|---|---|---|---|---|---|---|",
    ]
    for ind in sorted(registry, key=lambda i: not i.headline and i.formula is not None):
        unit = ind.unit.name or {"count": "件/次", "decimal": "数值"}.get(ind.unit.kind, "")
        cells = [
            f"`{ind.code}`",
            ind.name,
            unit,
            _target_text(ind),
            better[ind.better],
            ind.words,
            ind.definition or "（辅助计数）",
        ]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    lines.append(DOCS_END)
    return "\n".join(lines)


def with_table(text: str, registry: Registry = INDICATORS) -> str:
    """`text` (docs/metrics.md) with its generated table replaced by the registry's."""
    start, end = text.index(DOCS_BEGIN), text.index(DOCS_END) + len(DOCS_END)
    return text[:start] + markdown(registry) + text[end:]


# python -m onevisit.metrics.indicators docs/metrics.md: rewrite the generated table
if __name__ == "__main__":
    for name in sys.argv[1:]:
        path = Path(name)
        path.write_text(with_table(path.read_text(encoding="utf-8")), encoding="utf-8")
