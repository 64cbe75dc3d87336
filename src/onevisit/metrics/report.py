"""The Friday review's report: the same figures as the review page, as an Excel workbook, a PDF (the target table
and the charts) or CSV (long format, the period's and the baseline's figures).

Every file reads the engine's rows by metric name and writes each value in the unit its label names
(`review.unit`: seconds as minutes or hours); names of halls, windows, matters and bundles replace their codes
wherever the hall knows them. The workbook stores numbers as numbers with Excel number formats (rates as %), has
the target table, one sheet per indicator, the figures by day, window and matter with native Excel charts, the
relative volumes, the outliers and the definitions."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, timedelta

from onevisit.accounts.models import Hall, Window
from onevisit.catalog.services import bundle_names, list_bundles, matter_names, matter_specs
from onevisit.metrics import charts, engine, queries, review
from onevisit.metrics.indicators import INDICATORS, Codes

DEFINITIONS = review.DEFINITIONS  # one set of words for the pages, the report and the docs: the registry's
LABELS = review.LABELS


@dataclass
class Report:
    hall: str
    start: date
    end: date
    base_hall: str
    base_start: date
    base_end: date
    total: dict
    by_day: list[dict]
    by_window: list[dict]
    by_matter: list[dict]
    comparisons: list[review.Comparison]
    outliers: list[dict] = field(default_factory=list)
    volumes: list[dict] = field(default_factory=list)
    rule: engine.OutlierRule = engine.DEFAULT_RULE
    window_names: dict[str, str] = field(
        default_factory=dict
    )  # the hall's windows, matters and bundles by code
    matter_names: dict[str, str] = field(default_factory=dict)
    bundle_names: dict[str, str] = field(default_factory=dict)
    base_total: dict = field(default_factory=dict)
    base_by_day: list[dict] = field(default_factory=list)
    hall_names: dict[str, str] = field(default_factory=dict)
    # A percentile asked for by hand (the page's URL, the command's --outlier): shown beside the official verdict,
    # which always uses the hall's configured rule (`rule`), never instead of it.
    what_if: engine.OutlierRule | None = None
    what_if_comparisons: list[review.Comparison] = field(default_factory=list)
    what_if_outliers: int = 0
    not_applicable: list[dict] = field(default_factory=list)  # per matter and material
    material_names: dict[tuple[str, str], str] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not any(
            self.total.get(m) for m in ("accepted", "waited", "triaged", "consultations", "no_shows")
        )

    @property
    def rule_text(self) -> str:
        return describe_rule(self.rule)

    def name(self, how: str, code) -> str:
        """What a reader calls a group: a window's, matter's or bundle's name (its code where unknown), a day as
        YYYY-MM-DD, the rows no window or matter owns as （未指定）."""
        if how == "day":
            return f"{code:%Y-%m-%d}"
        if not code:
            return UNOWNED.get(how, "（未指定）")
        names = {
            "window": self.window_names,
            "matter": self.matter_names,
            "bundle": self.bundle_names,
            "hall": self.hall_names,
        }[how]
        return names.get(code, code)

    @property
    def base_daily_accepted(self) -> float | None:
        """The baseline's mean accepted cases per day with events (the level the daily trend is read against)."""
        days = [x["accepted"] for x in self.base_by_day if x.get("accepted") is not None]
        return sum(days) / len(days) if days else None


def describe_rule(rule: engine.OutlierRule) -> str:
    """The outlier rule in words, as the pages and the report state it."""
    by_time = (
        f"办理时长超过该事项第 {rule.percentile * 100:g} 百分位（该事项至少 {rule.min_cases} 件计时办结）"
        if rule.percentile
        else ""
    )
    return (
        "、".join(x for x in (by_time, "窗口人员标记") if x)
        + "的办件为极端案例，不计入平均办理时长与往返次数"
    )


def key_matters() -> dict[str, str]:
    """Each bundle's declared key matter (主事项) from the catalog: what its relative volume is measured against."""
    return {b.code: b.key_matter.code for b in list_bundles()}


def build(
    *,
    hall: str,
    tz_name: str,
    start: date,
    end: date,
    base_start: date | None = None,
    base_end: date | None = None,
    matter: str = "",
    base_hall: str = "",
    base_tz_name: str = "",
    outliers: engine.OutlierRule | None = None,
) -> Report:
    """The period's figures and the baseline comparison — by default the period of equal length before it in the
    same hall; with another hall and no baseline dates, that hall over the same period. With a matter, the
    windows are that matter's windows (the page's drill-down).

    Figures and the target verdict use the hall's configured outlier rule; `outliers`, when it is another rule,
    is a what-if: its comparison is given beside the official one."""
    base_hall = base_hall or hall
    if base_hall != hall and not (base_start or base_end):
        base_start, base_end = start, end
    base_end = base_end or start - timedelta(days=1)
    base_start = base_start or base_end - timedelta(days=(end - start).days)
    rule = queries.rule()
    what_if = outliers if outliers is not None and outliers != rule else None
    table = queries.period_table(hall=hall, start=start, end=end, tz_name=tz_name)
    base_table = queries.period_table(
        hall=base_hall,
        start=base_start,
        end=base_end,
        tz_name=base_tz_name or tz_name,
        fields=("base_from", "base_to"),
    )

    def rows(dims: tuple[str, ...], of=table, by=rule) -> list[dict]:
        return engine.compute(of, list(dims), by).to_pylist()

    by_window = (
        [r for r in rows(("matter", "window")) if r["matter"] == matter] if matter else rows(("window",))
    )
    (total,) = rows(()) or [{}]
    (base,) = rows((), base_table) or [{}]
    report = Report(
        hall,
        start,
        end,
        base_hall,
        base_start,
        base_end,
        total,
        rows(("day",)),
        by_window,
        rows(("matter",)),
        review.compare(base, total),
        engine.outlier_list(table, rule),
        engine.relative_volume(table, key_matters=key_matters()),
        rule,
        dict(Window.objects.filter(hall__code=hall).values_list("code", "name")),
        matter_names(),
        bundle_names(),
        base,
        rows(("day",), base_table),
        dict(Hall.objects.filter(code__in={hall, base_hall}).values_list("code", "name")),
    )
    if what_if is not None:
        (total_if,) = rows((), by=what_if) or [{}]
        (base_if,) = rows((), base_table, what_if) or [{}]
        report.what_if, report.what_if_comparisons = what_if, review.compare(base_if, total_if)
        report.what_if_outliers = int(total_if.get("outliers") or 0)
    report.not_applicable = engine.not_applicable(table)
    report.material_names = material_names(report.not_applicable)
    return report


def material_names(rows: list[dict]) -> dict[tuple[str, str], str]:
    """(matter, material) → the material's name, for rows naming both. A bundle's mark is recorded under its key
    matter while the material may be another matter's of the bundle (退休's 获奖证书 is 一次性退休补贴's): a code
    the matter's checklist lacks is named from any checklist that has it — one code is one document."""
    if not rows:
        return {}
    specs = matter_specs()
    own = {(code, m.code): m.name for code, spec in specs.items() for m in spec.materials}
    anywhere: dict[str, str] = {}
    for spec in specs.values():
        for m in spec.materials:
            anywhere.setdefault(m.code, m.name)
    return {
        (r["matter"], r["material"]): own.get((r["matter"], r["material"]))
        or anywhere.get(r["material"], r["material"])
        for r in rows
        if r.get("material")
    }


def _minutes_text(minutes: float | None) -> str:
    return "—" if minutes is None else f"{minutes:.1f}"


def drawings(r: Report, *, font: str = "Helvetica") -> list:
    """The review's charts — trends by day against the baseline's level, handling time by window, one-visit rate
    by matter — drawn once for the page (as SVG) and the PDF. Bars only for groups that have the figure."""
    labels = [f"{x['day']:%m-%d}" for x in r.by_day]
    accepted, rate, handling = (
        INDICATORS[m] for m in ("accepted", "one_visit_rate", "mean_handling_seconds")
    )
    base_rate = r.base_total.get("one_visit_rate")
    windows = [x for x in r.by_window if x["mean_handling_seconds"] is not None]
    matters = [x for x in r.by_matter if x["matter"] and x["one_visit_rate"] is not None]
    daily = r.base_daily_accepted
    return [
        charts.trend(
            f"每日{accepted.name}",
            labels,
            [x["accepted"] for x in r.by_day],
            font=font,
            axis="日期",
            baseline=daily,
            baseline_label=f"基期日均 {_number_text(daily)} 件",
        ),
        charts.trend(
            f"每日{rate.name}(%)",
            labels,
            [x["one_visit_rate"] for x in r.by_day],
            font=font,
            percent=True,
            axis="日期",
            baseline=base_rate,
            baseline_label=f"基期 {rate.display(base_rate)}",
        ),
        charts.bars(
            f"各窗口{handling.labelled}",
            [r.name("window", x["window"]) for x in windows],
            [handling.in_unit(x["mean_handling_seconds"]) for x in windows],
            font=font,
            axis="窗口",
        ),
        charts.bars(
            f"各事项{rate.name}(%)",
            [r.name("matter", x["matter"]) for x in matters],
            [x["one_visit_rate"] for x in matters],
            font=font,
            percent=True,
            axis="事项",
        ),
    ]


def _number_text(v: float | None) -> str:
    return "—" if v is None else f"{v:,.1f}"


def _title(r: Report) -> str:
    hall = r.name("hall", r.hall)
    base = f"{r.name('hall', r.base_hall)} " if r.base_hall != r.hall else ""
    return (
        f"{hall} 指标复盘 {r.start:%Y-%m-%d} 至 {r.end:%Y-%m-%d}"
        f"（基期 {base}{r.base_start:%Y-%m-%d} 至 {r.base_end:%Y-%m-%d}）"
    )


OUTLIER_HEADER = ["办件", "事项", "窗口", "日期", "办理时长(分钟)", "限值(分钟)", "说明"]
VOLUME_HEADER = [
    "一件事",
    "主事项",
    "一件事受理件数",
    "主事项受理件数(含一件事)",
    LABELS["relative_volume"],
    "说明",
]
NO_KEY_MATTER = "目录中未声明该一件事的主事项，无法计算"


def outlier_records(r: Report) -> list[list]:
    """The outliers as typed values, names for codes, one row per case: the rule's reason and any staff member's
    notes together (a case over the percentile that a clerk also flagged was listed twice)."""
    by_case: dict[str, list] = {}
    for o in r.outliers:
        flagged = o["limit_seconds"] is None  # the staff member's note; else the rule's own reason
        note = o["note"] if flagged else f"超过该事项第 {(r.rule.percentile or 0) * 100:g} 百分位"
        row = by_case.get(o["case"])
        if row is None:
            by_case[o["case"]] = [
                o["case"],
                r.name("matter", o["matter"]),
                r.name("window", o["window"]),
                o["day"],
                review.in_unit("mean_handling_seconds", o["seconds"]),
                review.in_unit("mean_handling_seconds", o["limit_seconds"]),
                note,
            ]
            continue
        if row[5] is None and o["limit_seconds"] is not None:
            row[5] = review.in_unit("mean_handling_seconds", o["limit_seconds"])
        if note and note not in row[6].split("；"):
            row[6] = f"{row[6]}；{note}" if row[6] else note
    return list(by_case.values())


def outlier_rows(r: Report) -> list[list[str]]:
    """The outliers as the page and the PDF list them."""
    return [
        [case, matter, window, f"{day:%Y-%m-%d}", _minutes_text(seconds), _minutes_text(limit), note]
        for case, matter, window, day, seconds, limit, note in outlier_records(r)
    ]


def volume_records(r: Report) -> list[list]:
    """The relative volumes as typed values, names for codes; where undefined, the reason."""
    return [
        [
            r.name("bundle", v["bundle"]),
            r.name("matter", v["key_matter"]) if v["key_matter"] else "—",
            v["bundle_cases"],
            v["key_matter_cases"],
            v["relative_volume"],
            NO_KEY_MATTER if v["key_matter"] is None else "",
        ]
        for v in r.volumes
    ]


def volume_rows(r: Report) -> list[list[str]]:
    """The relative volumes as the page and the report list them; where undefined, the reason."""
    return [
        [
            bundle,
            key,
            str(n),
            "—" if of_key is None else str(of_key),
            "—" if ratio is None else f"{ratio:.2f}",
            why,
        ]
        for bundle, key, n, of_key, ratio, why in volume_records(r)
    ]


NOT_APPLICABLE_HEADER = ["事项", "材料", "标为不适用的预审件数", "该事项预审件数", "占比"]


def not_applicable_rows(
    rows: list[dict], matters: dict[str, str], materials: dict[tuple[str, str], str]
) -> list[list[str]]:
    """Materials staff marked not applicable at the desk (engine.not_applicable rows), named: how often, and the
    share of the matter's pre-reviews."""
    return [
        [
            matters.get(x["matter"], x["matter"] or UNOWNED["matter"]),
            materials.get((x["matter"], x["material"]), x["material"]),
            str(x["marks"]),
            str(x["prereviews"]),
            review.display("not_applicable_share", x["share"]),
        ]
        for x in rows
    ]


# The rows no window (or matter) owns, named for what they hold: the guide desk's pre-reviews, consultations and
# triage, and the back office's verifications, happen at no window; staffed time and triage belong to no matter.
UNOWNED = {
    "window": "（不在窗口：导引台、后台）",
    "matter": "（不分事项：在岗时长、分流等）",
    "bundle": "（单个事项）",
}

EMPTY_NOTE = "所选时段没有事件记录：各项指标为空。"
CSV_HEADER = ["时段", "起", "止", "大厅", "分组方式", "分组", "名称", "指标", "代码", "单位", "值"]
GROUPS = (("日期", "day"), ("窗口", "window"), ("事项", "matter"))


def _csv_value(metric: str, value) -> float | str:
    """A CSV value in its label's unit; a rate as a percentage (the unit column says %)."""
    v = review.in_unit(metric, value)
    if v is None:
        return ""
    return v * 100 if metric in review.RATES else v


def to_csv(r: Report) -> bytes:
    """Long format: one row per period (本期 / 基期), group and indicator, each value in the unit named beside
    it; then the relative volumes and the outliers of the period."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(CSV_HEADER)
    period = ["本期", f"{r.start:%Y-%m-%d}", f"{r.end:%Y-%m-%d}", r.name("hall", r.hall)]
    base = ["基期", f"{r.base_start:%Y-%m-%d}", f"{r.base_end:%Y-%m-%d}", r.name("hall", r.base_hall)]
    if r.empty:
        w.writerow([*period, "说明", "", "", EMPTY_NOTE, "", "", ""])
    blocks = [(period, "全部", "", "", r.total)] if r.total else []
    for how, key in GROUPS:
        blocks += [(period, how, str(x[key] or ""), r.name(key, x[key]), x) for x in getattr(r, f"by_{key}")]
    if r.base_total:
        blocks.append((base, "全部", "", "", r.base_total))
    blocks += [(base, "日期", str(x["day"]), r.name("day", x["day"]), x) for x in r.base_by_day]
    for which, how, key, name, row in blocks:
        for m in review.HEADLINE:
            w.writerow(
                [*which, how, key, name, review.labelled(m), m, review.unit(m), _csv_value(m, row.get(m))]
            )
    for v, (bundle, key_matter, _n, _of_key, ratio, _why) in zip(r.volumes, volume_records(r), strict=True):
        w.writerow(
            [
                *period,
                "一件事",
                v["bundle"],
                bundle,
                f"{LABELS['relative_volume']}（主事项 {key_matter}）",
                "relative_volume",
                "",
                "" if ratio is None else ratio,
            ]
        )
    for case, _matter, _window, _day, minutes, _limit, note in outlier_records(r):
        w.writerow(
            [
                *period,
                "极端案例",
                case,
                note,
                "办理时长(分钟)",
                "outlier",
                "分钟",
                "" if minutes is None else minutes,
            ]
        )
    return ("\ufeff" + out.getvalue()).encode()  # BOM: Excel opens UTF-8 CSV with Chinese correctly


# ---- the workbook -----------------------------------------------------------------------------------------------

POINTS_FORMAT = '+0.0" 个百分点";-0.0" 个百分点";0.0" 个百分点"'
CHANGE_FORMAT = "+0.0%;-0.0%;0.0%"
DATE_FORMAT = "yyyy-mm-dd"


def number_format(metric: str) -> str:
    """The Excel number format of a metric in its label's unit (the registry's)."""
    ind = INDICATORS.get(metric)
    return ind.unit.excel if ind is not None else "0.00"


# the columns of the by-day, by-window and by-matter sheets
WIDE = Codes(INDICATORS, lambda i: i.code == "accepted" or i.headline)


def _cell(ws, row: int, col: int, value, fmt: str | None = None):
    c = ws.cell(row=row, column=col, value=value)
    if fmt and value is not None:
        c.number_format = fmt
    return c


def _widths(ws, widths: dict[str, float]) -> None:
    for col, w in widths.items():
        ws.column_dimensions[col].width = w


def _targets_sheet(ws, r: Report) -> None:
    from openpyxl.styles import Font

    ws.title = "目标对照"
    ws.append([_title(r)])
    ws["A1"].font = Font(bold=True)
    if r.empty:
        ws.append([EMPTY_NOTE])
    ws.append(["指标", "单位", "基期", "本期", "变化", "试点目标", "达成"])
    for c in r.comparisons:
        n = ws.max_row + 1
        fmt = number_format(c.metric)
        _cell(ws, n, 1, review.labelled(c.metric))
        _cell(ws, n, 2, review.unit(c.metric) or None)
        _cell(ws, n, 3, review.in_unit(c.metric, c.baseline), fmt)
        _cell(ws, n, 4, review.in_unit(c.metric, c.pilot), fmt)
        points = c.metric in review.RATES
        change = None if c.delta is None else c.delta * 100 if points else c.delta
        _cell(ws, n, 5, change, POINTS_FORMAT if points else CHANGE_FORMAT)
        _cell(ws, n, 6, c.target or "—")
        _cell(ws, n, 7, {True: "达成", False: "未达成"}.get(c.met, "—"))
    _widths(ws, {"A": 24, "B": 8, "C": 12, "D": 12, "E": 16, "F": 18, "G": 8})


def _indicator_sheets(wb, r: Report) -> None:
    for m in review.HEADLINE:
        sheet = wb.create_sheet(review.labelled(m)[:31].replace("/", "／"))
        fmt = number_format(m)
        sheet.append([review.labelled(m), DEFINITIONS.get(m, "")])
        sheet.append(["分组方式", "分组", "值", "代码"])
        sheet.append(["全部", "", None, ""])
        _cell(sheet, 3, 3, review.in_unit(m, r.total.get(m)) if r.total else None, fmt)
        for how, key in GROUPS:
            for row in getattr(r, f"by_{key}"):
                n = sheet.max_row + 1
                _cell(sheet, n, 1, how)
                if key == "day":
                    _cell(sheet, n, 2, row["day"], DATE_FORMAT)
                else:
                    _cell(sheet, n, 2, r.name(key, row[key]))
                _cell(sheet, n, 3, review.in_unit(m, row[m]), fmt)
                _cell(sheet, n, 4, "" if key == "day" else row[key] or "")
        _widths(sheet, {"A": 10, "B": 28, "C": 12, "D": 22})


NO_DATA_NOTE = f"{charts.NO_DATA}：所选时段没有事件记录。"  # the charts' own words for the same


def _wide_sheet(wb, r: Report, title: str, key: str, rows: list[dict], extra: dict[str, float | None]):
    """The figures of one grouping, a column per indicator in its unit, then constant baseline columns.

    Without rows the table stays its header alone — a 无数据 row would be read as a window or matter of that
    name by whoever sorts, filters or loads the sheet — and the header's first cell carries the 无数据 note as a
    comment, which no reader of the cells sees as data."""
    from openpyxl.comments import Comment

    ws = wb.create_sheet(title)
    header = [
        {"day": "日期", "window": "窗口", "matter": "事项"}[key],
        "代码",
        *(review.labelled(m) for m in WIDE),
        *extra,
    ]
    ws.append(header)
    if not rows:
        ws["A1"].comment = Comment(NO_DATA_NOTE, "onevisit")
    for i, row in enumerate(rows, start=2):
        if key == "day":
            _cell(ws, i, 1, row["day"], DATE_FORMAT)
        else:
            _cell(ws, i, 1, r.name(key, row[key]))
        _cell(ws, i, 2, "" if key == "day" else row[key] or "")
        for j, m in enumerate(WIDE, start=3):
            _cell(ws, i, j, review.in_unit(m, row[m]), number_format(m))
        for j, (name, value) in enumerate(extra.items(), start=3 + len(WIDE)):
            _cell(ws, i, j, value, "0.0%" if "率" in name else "0.0")
    _widths(ws, {"A": 26, "B": 14})
    return ws


def _column(metric: str) -> int:
    return 3 + WIDE.index(metric)


def _chart(kind: str, title: str, y_title: str, *, percent: bool = False, horizontal: bool = False):
    from openpyxl.chart import BarChart, LineChart

    chart = LineChart() if kind == "line" else BarChart()
    if horizontal:
        chart.type = "bar"  # bars across: long matter names stay readable
    chart.title, chart.y_axis.title = title, y_title
    chart.x_axis.delete = chart.y_axis.delete = False  # openpyxl 3.1 hides the axes unless told
    chart.y_axis.number_format = "0%" if percent else "General"
    chart.width, chart.height = 22, 10
    return chart


def _charts(wb, r: Report) -> None:
    """按日期, 按窗口, 按事项: the figures and native Excel charts of them, the trends with the baseline's level."""
    from openpyxl.chart import Reference

    n_days = len(r.by_day)
    accepted, rate, handling = (
        INDICATORS[m] for m in ("accepted", "one_visit_rate", "mean_handling_seconds")
    )
    base_rate = r.base_total.get("one_visit_rate")
    by_day = _wide_sheet(
        wb,
        r,
        "按日期",
        "day",
        r.by_day,
        {f"基期日均{accepted.name}": r.base_daily_accepted, f"基期{rate.name}": base_rate},
    )
    first_extra = 3 + len(WIDE)
    trends = (
        ("accepted", first_extra, f"每日{accepted.name}", "件", False, "A"),
        ("one_visit_rate", first_extra + 1, f"每日{rate.name}", rate.name, True, "N"),
    )
    # No rows, no chart: an empty frame over an empty range of cells reads as a broken file, not as 无数据.
    for metric, extra_col, title, y_title, percent, anchor in trends if n_days else ():
        chart = _chart("line", title, y_title, percent=percent)
        for col in (_column(metric), extra_col):
            chart.add_data(
                Reference(by_day, min_col=col, min_row=1, max_row=1 + n_days), titles_from_data=True
            )
        chart.set_categories(Reference(by_day, min_col=1, min_row=2, max_row=1 + n_days))
        chart.x_axis.number_format = "mm-dd"
        base_line = chart.series[1].graphicalProperties.line
        base_line.dashStyle, base_line.solidFill = "dash", "555555"
        by_day.add_chart(chart, f"{anchor}{n_days + 4}")
    for title, key, rows, metric, chart_title, y_title, percent in (
        ("按窗口", "window", r.by_window, handling.code, f"各窗口{handling.name}", handling.unit.name, False),
        ("按事项", "matter", r.by_matter, rate.code, f"各事项{rate.name}", rate.name, True),
    ):
        ws = _wide_sheet(wb, r, title, key, rows, {})
        if not rows:
            continue
        chart = _chart("bar", chart_title, y_title, percent=percent, horizontal=True)
        chart.add_data(
            Reference(ws, min_col=_column(metric), min_row=1, max_row=1 + len(rows)), titles_from_data=True
        )
        chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=1 + len(rows)))
        chart.x_axis.scaling.orientation = "maxMin"  # the first row at the top, as in the table
        chart.legend = None
        chart.height = max(8, 0.6 * len(rows) + 3)
        ws.add_chart(chart, f"A{len(rows) + 4}")


def to_xlsx(r: Report) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    _targets_sheet(wb.active, r)
    _charts(wb, r)
    _indicator_sheets(wb, r)
    relative = INDICATORS["relative_volume"]
    volumes = wb.create_sheet(relative.name)
    volumes.append([relative.name, relative.definition])
    volumes.append(VOLUME_HEADER)
    for row in volume_records(r):
        volumes.append(row)
        volumes.cell(row=volumes.max_row, column=5).number_format = "0.00"
    _widths(volumes, {"A": 24, "B": 24, "C": 14, "D": 14, "E": 12})
    extreme = wb.create_sheet("极端案例")
    extreme.append(["极端案例（不计入平均值）", r.rule_text])
    extreme.append(OUTLIER_HEADER)
    for row in outlier_records(r):
        extreme.append(row)
        n = extreme.max_row
        extreme.cell(row=n, column=4).number_format = DATE_FORMAT
        for col in (5, 6):
            extreme.cell(row=n, column=col).number_format = "0.0"
    _widths(extreme, {"A": 16, "B": 24, "C": 12, "D": 12, "E": 14, "F": 12, "G": 36})
    defs = wb.create_sheet("口径说明")
    defs.append(["指标", "代码", "单位", "口径"])
    for m in (*review.HEADLINE, *(i.code for i in INDICATORS if i.formula is None)):
        defs.append([review.labelled(m), m, review.unit(m), DEFINITIONS.get(m, "")])
    _widths(defs, {"A": 24, "B": 28, "C": 8, "D": 90})
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def to_pdf(r: Report) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table

    from onevisit.core import pdf
    from onevisit.core.pdf import cjk_font, style

    font = cjk_font()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, title="指标复盘")
    story = [Paragraph(_title(r), style("title", size=14)), Spacer(1, 4 * mm)]
    if r.empty:
        story += [Paragraph(EMPTY_NOTE, style()), Spacer(1, 4 * mm)]
    rows = [["指标", "基期", "本期", "变化", "试点目标", "达成"]]
    for c in r.comparisons:
        rows.append(
            [
                c.label,
                review.display(c.metric, c.baseline),
                review.display(c.metric, c.pilot),
                c.change,
                c.target or "—",
                {True: "达成", False: "未达成"}.get(c.met, "—"),
            ]
        )
    story += [Table(rows, repeatRows=1, style=pdf.grid(9)), Spacer(1, 6 * mm)]
    for d in drawings(r, font=font):
        story += [KeepTogether([charts.fit(d, doc.width, doc.height * 0.9)]), Spacer(1, 4 * mm)]
    if r.volumes:
        story += [
            Spacer(1, 4 * mm),
            Paragraph(LABELS["relative_volume"], style("title", size=11)),
            _fitted(VOLUME_HEADER, volume_rows(r), VOLUME_WIDTHS, doc.width),
        ]
    outliers = outlier_rows(r)  # one row per case, as the page and the workbook count them
    story += [
        Spacer(1, 4 * mm),
        Paragraph(f"极端案例（{len(outliers)} 件）", style("title", size=11)),
        Paragraph(r.rule_text, style()),
    ]
    if outliers:
        story.append(_fitted(OUTLIER_HEADER, outliers, OUTLIER_WIDTHS, doc.width))
    doc.build(story)
    return buf.getvalue()


# The PDF's lists as shares of the frame's width (each sums to 1): long names and notes wrap within their column.
OUTLIER_WIDTHS = (0.13, 0.19, 0.1, 0.12, 0.09, 0.08, 0.29)
VOLUME_WIDTHS = (0.2, 0.2, 0.12, 0.14, 0.1, 0.24)
CELL_SIZE = 8


def _fitted(header: list[str], rows: list[list[str]], shares: tuple[float, ...], width: float):
    """A list as wide as the page's frame, not wider: each column its share of `width`, every cell a paragraph in
    the CJK font that wraps (a case number, a matter's name and a note ran off both edges of the page)."""
    from html import escape

    from reportlab.platypus import Paragraph, Table

    from onevisit.core import pdf

    cell = pdf.style("cell", size=CELL_SIZE, leading=CELL_SIZE * 1.3)
    table = Table(
        [[Paragraph(escape(str(v)), cell) for v in row] for row in (header, *rows)],
        colWidths=[width * k for k in shares],
        repeatRows=1,
        style=pdf.grid(CELL_SIZE),
    )
    table.setStyle([("VALIGN", (0, 0), (-1, -1), "TOP")])
    return table


FORMATS = {"csv": to_csv, "xlsx": to_xlsx, "pdf": to_pdf}
