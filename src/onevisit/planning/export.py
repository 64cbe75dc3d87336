"""The window plan as tables and charts: the page, an Excel workbook (native charts) and a PDF (the same
drawings as the page). Reads a services.Outcome; no queries."""

from __future__ import annotations

import io
import math

from onevisit.metrics import charts
from onevisit.planning.calibrate import WEEKDAYS
from onevisit.planning.services import Outcome


def _minutes(x: float) -> str:
    return "—" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.1f}"


def _pct(x: float) -> str:
    return "—" if x is None or math.isnan(x) else f"{x * 100:.1f}%"


def title(o: Outcome) -> str:
    days = "、".join(WEEKDAYS[d] for d in o.day.weekdays)
    return (
        f"{o.hall_name or o.hall} 窗口规划（{o.request.start:%Y-%m-%d} 至 {o.request.end:%Y-%m-%d} 的{days}）"
    )


def summary(o: Outcome) -> list[tuple[str, str]]:
    p, t = o.plan, o.plan.today
    rows = [
        ("服务目标", f"{p.target.text}（按 95% 置信下界判定）"),
        ("取号记录", f"{o.calibration.tickets:,} 张"),
        ("现有窗口", f"{o.day.windows} 个（高峰同时在岗 {p.today_peak} 个）"),
    ]
    if o.measured:
        rows.append(
            ("现状（实测）", f"平均等待 {_minutes(o.measured[0])} 分钟，P90 {_minutes(o.measured[1])} 分钟")
        )
    if o.replayed and o.measured:
        gap = (o.replayed[0] / o.measured[0] - 1) * 100 if o.measured[0] else math.nan
        rows.append(
            (
                "模型校验（回放实际取号）",
                f"按本厅 {o.days} 天的实际取号回放：平均等待 {_minutes(o.replayed[0])} 分钟"
                f"（与实测相差 {gap:+.1f}%），P90 {_minutes(o.replayed[1])} 分钟",
            )
        )
    rows.append(
        (
            "现状（模拟）",
            f"{_pct(t.share.mean)} 的人 {p.target.within:g} 分钟内被叫号，平均等待 "
            f"{_minutes(t.mean_wait.mean)} 分钟，P90 {_minutes(t.p90_wait.mean)} 分钟",
        )
    )
    if o.reductions:
        best = o.reductions[0]
        rows.append(({"减窗": "减窗方案", "增窗": "增窗需求"}.get(best.verdict, "窗口数"), best.text))
        rows += [("其他布局", r.text) for r in o.reductions[1:]]
    else:
        rows.append(("窗口数", "现有窗口数在任何布局下都达不到目标：见下方按队列的窗口需求"))
    rows.append(("按队列专窗（每队列独立窗口）", p.text))
    c = o.calibration
    rows.append(
        (
            "窗口时长口径",
            f"叫号到窗口再次可叫号：含两位办事人之间的收尾 {c.wrapup:.1f} 分钟；"
            f"过号占用窗口约 {_minutes(_mean(c.no_show_minutes.values()))} 分钟",
        )
    )
    return rows


def _mean(xs) -> float:
    xs = list(xs)
    return sum(xs) / len(xs) if xs else math.nan


def plan_rows(o: Outcome) -> tuple[list[str], list[list[str]]]:
    """Windows per queue per half hour: today's groups, Erlang's answer and the plan."""
    d = o.day
    header = ["", *[d.label(k) for k in range(d.slots)]]
    rows = []
    for g in d.groups:
        queues = "、".join(o.queue(q) for q in g.queues)  # type: ignore[union-attr]
        rows.append([f"现状 {o.window(g.code)}（{queues}）", *[str(x) for x in g.open]])  # type: ignore[union-attr]
    for q in o.plan.queues:
        rows.append([f"理论测算（Erlang）{o.queue(q.queue)}", *[str(x) for x in q.erlang]])
        rows.append([f"方案 {o.queue(q.queue)}", *[str(x) for x in q.windows]])
    rows.append(["方案合计", *[str(x) for x in o.plan.per_slot]])
    rows.append(["方案按时叫号比例", *[_pct(x) for x in o.plan.slot_share]])
    return header, rows


def curve_rows(o: Outcome) -> tuple[list[str], list[list[str]]]:
    header = ["窗口数", "按时叫号比例", "平均等待(分钟)", "P90 等待(分钟)", "达标(95% 下界)"]
    return header, [
        [
            str(pt.windows),
            _pct(pt.level.share.mean),
            _minutes(pt.level.mean_wait.mean),
            _minutes(pt.level.p90_wait.mean),
            "是" if pt.level.meets(o.plan.target) else "否",
        ]
        for pt in o.curve
    ]


def scenario_rows(o: Outcome) -> tuple[list[str], list[list[str]]]:
    header = [
        "情景",
        "现状平均等待",
        "情景平均等待",
        "现状按时叫号",
        "情景按时叫号",
        "达标最少窗口(综合窗口)",
        "窗口需求(Erlang 高峰)",
    ]
    return header, [
        [
            s.scenario.label,
            _minutes(s.today.mean_wait.mean),
            _minutes(s.then.mean_wait.mean),
            _pct(s.today.share.mean),
            _pct(s.then.share.mean),
            _fewest(s.fewest),
            str(s.windows_needed),
        ]
        for s in o.scenarios
    ]


def _fewest(r) -> str:
    if r is None:
        return "达不到目标"
    change = {"减窗": f"减窗 {r.before - r.windows} 个", "增窗": f"增窗 {r.windows - r.before} 个"}.get(
        r.verdict, "不变"
    )
    return f"{r.windows}（{change}）"


def hourly_rows(o: Outcome) -> tuple[list[str], list[list[str]]]:
    if not o.scenarios:
        return [], []
    hours = [h for h, _, _ in o.scenarios[0].hours]
    header = ["时段", "现状", *[s.scenario.label for s in o.scenarios]]
    rows = []
    for i, h in enumerate(hours):
        rows.append(
            [h, _minutes(o.scenarios[0].hours[i][1]), *[_minutes(s.hours[i][2]) for s in o.scenarios]]
        )
    return header, rows


def calibration_rows(o: Outcome) -> tuple[list[str], list[list[str]]]:
    c = o.calibration
    header = ["事项", "样本", "平均(分钟)", "变异系数", "对数正态均值", "KS 距离", "说明"]
    return header, [
        [
            m,
            str(f.n),
            _minutes(f.mean),
            f"{f.cv:.2f}",
            _minutes(f.fitted_mean),
            f"{f.ks:.3f}",
            f"借用队列 {f.pooled_from} 的样本" if f.pooled_from else "",
        ]
        for m, f in c.services.items()
    ]


def drawings(o: Outcome, *, font: str = "Helvetica") -> list:
    d = o.day
    labels = [d.label(k)[:5] for k in range(d.slots)]
    today = [sum(g.open[k] for g in d.groups) for k in range(d.slots)]  # type: ignore[index]
    out = [
        charts.lines(
            "每半小时在岗窗口：现状与按队列专窗方案",
            labels,
            [("现状", today), ("按队列专窗", o.plan.per_slot)],
            font=font,
            axis="时段",
        ),
        charts.lines(
            "等待时间与窗口数（综合窗口）",
            [str(p.windows) for p in o.curve],
            [
                ("平均等待(分钟)", [p.level.mean_wait.mean for p in o.curve]),
                ("P90 等待(分钟)", [p.level.p90_wait.mean for p in o.curve]),
            ],
            font=font,
            axis="窗口数",
        ),
    ]
    if o.scenarios:
        hours = [h for h, _, _ in o.scenarios[0].hours]
        series = [("现状", [a for _, a, _ in o.scenarios[0].hours])]
        series += [(s.scenario.label, [b for _, _, b in s.hours]) for s in o.scenarios]  # the legend wraps
        out.append(charts.lines("各小时平均等待：现状与情景(分钟)", hours, series, font=font, axis="时"))
    return out


def to_xlsx(o: Outcome) -> bytes:
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, LineChart, Reference
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "方案摘要"
    ws.append([title(o)])
    ws["A1"].font = Font(bold=True)
    for row in summary(o):
        ws.append(list(row))
    for note in o.calibration.notes:
        ws.append(["说明", note])

    def sheet(name: str, table: tuple[list[str], list[list[str]]]):
        s = wb.create_sheet(name)
        header, rows = table
        s.append(header)
        for r in rows:
            s.append([_number(x) for x in r])
        return s

    plan_sheet = sheet("窗口方案", plan_rows(o))
    total_row = 1 + len(o.day.groups) + 2 * len(o.plan.queues) + 1
    chart = BarChart()
    chart.title, chart.y_axis.title = "方案：每半小时窗口数", "窗口"
    chart.add_data(
        Reference(plan_sheet, min_col=2, max_col=1 + o.day.slots, min_row=total_row), from_rows=True
    )
    chart.set_categories(Reference(plan_sheet, min_col=2, max_col=1 + o.day.slots, min_row=1))
    plan_sheet.add_chart(chart, f"A{total_row + 3}")
    curve = sheet("等待曲线", curve_rows(o))
    line = LineChart()
    line.title, line.x_axis.title, line.y_axis.title = "等待时间与窗口数", "窗口数", "分钟"
    line.add_data(
        Reference(curve, min_col=3, max_col=4, min_row=1, max_row=1 + len(o.curve)), titles_from_data=True
    )
    line.set_categories(Reference(curve, min_col=1, min_row=2, max_row=1 + len(o.curve)))
    curve.add_chart(line, "G2")
    sheet("情景对比", scenario_rows(o))
    hourly = sheet("各小时等待", hourly_rows(o))
    if o.scenarios:
        n = len(o.scenarios[0].hours)
        by_hour = LineChart()
        by_hour.title, by_hour.y_axis.title = "各小时平均等待：现状与情景", "分钟"
        by_hour.add_data(
            Reference(hourly, min_col=2, max_col=2 + len(o.scenarios), min_row=1, max_row=1 + n),
            titles_from_data=True,
        )
        by_hour.set_categories(Reference(hourly, min_col=1, min_row=2, max_row=1 + n))
        hourly.add_chart(by_hour, f"A{n + 4}")
    sheet("办理时长校准", calibration_rows(o))
    arrivals = wb.create_sheet("到达率")
    arrivals.append(["队列（人/小时）", *[o.day.label(k) for k in range(o.day.slots)]])
    for q in o.day.queues:
        arrivals.append([q.code, *[round(r, 2) for r in q.per_hour]])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _number(x: str):
    """Cells that are numbers stay numbers in Excel."""
    try:
        return int(x)
    except ValueError:
        try:
            return float(x)
        except ValueError:
            return x


def to_pdf(o: Outcome) -> bytes:
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table

    from onevisit.core import pdf
    from onevisit.core.pdf import cjk_font, style

    font = cjk_font()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf, pagesize=landscape(A4), leftMargin=12 * mm, rightMargin=12 * mm, title="窗口规划"
    )
    grid = pdf.grid(7)
    story = [Paragraph(title(o), style("title", size=14)), Spacer(1, 3 * mm)]
    story.append(Table([[k, v] for k, v in summary(o)], style=grid, colWidths=[45 * mm, 220 * mm]))
    width = landscape(A4)[0] - 24 * mm
    header, rows = plan_rows(o)
    header = ["", *[h[:5] for h in header[1:]]]  # the half hour's start: the full span does not fit the page
    first = 48 * mm
    story += [
        Spacer(1, 4 * mm),
        Paragraph("窗口方案（每半小时，列为起始时间）", style("title", size=11)),
        Table(
            [header, *rows],
            repeatRows=1,
            style=grid,
            colWidths=[first, *[(width - first) / (len(header) - 1)] * (len(header) - 1)],
        ),
    ]
    for heading, (header, rows) in (("情景对比", scenario_rows(o)), ("等待曲线（综合窗口）", curve_rows(o))):
        story += [
            Spacer(1, 4 * mm),
            KeepTogether(
                [
                    Paragraph(heading, style("title", size=11)),
                    Table([header, *rows], repeatRows=1, style=grid),
                ]
            ),
        ]
    story += [
        Spacer(1, 4 * mm),
        *(charts.fit(d, doc.width, doc.height * 0.9) for d in drawings(o, font=font)),
    ]
    doc.build(story)
    return buf.getvalue()


FORMATS = {"xlsx": to_xlsx, "pdf": to_pdf}
