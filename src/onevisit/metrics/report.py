"""The Friday review's report: the same figures as the review page, as an Excel workbook (one sheet per
indicator and a definitions sheet), a PDF (the target table and the charts) or CSV (long format)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, timedelta

from onevisit.accounts.models import Window
from onevisit.catalog.services import bundle_names, matter_names
from onevisit.core import known as sources
from onevisit.metrics import charts, engine, queries, review

DEFINITIONS = {
    "one_visit_rate": "首次受理的办件中，在同一次到访、同一天当场办结的比例（按首次受理的窗口、事项、日期归属）。",
    "mean_handling_seconds": "从叫号到窗口办结的平均时长；后台办结的不计入，跨部门核验时长单列。",
    "duplicate_entries": f"窗口录入的字段中，系统已知其值（{'、'.join(sources.SOURCES)}）仍被重复录入的条次。",
    "mean_round_trips": "已办结办件的平均到访次数（含首次）。",
    "completeness_at_first_visit": "首次到访的预审中，材料一次备齐（结论为“齐全”）的比例。",
    "second_visit_ratio": "受理的办件中，需要第二次及以上到访的比例。",
    "return_rate": "受理的办件中，被后台退件过的比例。",
    "mean_wait_seconds": "从取号到首次叫号的平均等候时长。",
    "p90_wait_seconds": "取号到首次叫号等候时长的第90百分位（线性插值）。",
    "no_shows": "叫号后未到、被记为过号的次数。",
    "throughput_per_window_hour": "窗口办结件数 ÷ 窗口工作小时（某窗口在某小时内叫过号即计一个工作小时）。",
    "online_share": "分流决定中，转网办辅导的比例。",
    "self_service_share": "分流决定中，转自助办理的比例。",
    "consultations": "导引台登记的咨询次数。",
    "joint_2": "首次受理时同时办理 2 个事项的办件数（两联办）。",
    "joint_3": "首次受理时同时办理 3 个事项的办件数（三联办）。",
    "joint_4_plus": "首次受理时同时办理 4 个及以上事项的办件数。",
    "mean_verification_seconds": "跨部门核验从发起到回复的平均时长，单列，不计入办理时长。",
    "outliers": "极端案例的办结次数：办理时长超过该事项设定分位数或被窗口人员标记的办件，不计入平均办理时长与往返次数，另表列出。",
    "relative_volume": "相对办件量：一件事的受理件数 ÷ 其主事项单独受理的件数（接续受理转为一件事的计入一件事）。",
}


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

    @property
    def empty(self) -> bool:
        return not any(
            self.total.get(m) for m in ("accepted", "waited", "triaged", "consultations", "no_shows")
        )

    @property
    def rule_text(self) -> str:
        by_time = (
            f"办理时长超过该事项第 {self.rule.percentile * 100:g} 百分位（该事项至少 {self.rule.min_cases} 件计时办结）"
            if self.rule.percentile else ""
        )  # fmt: skip
        return (
            "、".join(x for x in (by_time, "窗口人员标记") if x)
            + "的办件为极端案例，不计入平均办理时长与往返次数"
        )


def build(*, hall: str, tz_name: str, start: date, end: date, base_start: date | None = None,
          base_end: date | None = None, matter: str = "", base_hall: str = "",
          base_tz_name: str = "", outliers: engine.OutlierRule | None = None) -> Report:  # fmt: skip
    """The period's figures and the baseline comparison — by default the period of equal length before it in the
    same hall; with another hall and no baseline dates, that hall over the same period. With a matter, the
    windows are that matter's windows (the page's drill-down)."""
    base_hall = base_hall or hall
    if base_hall != hall and not (base_start or base_end):
        base_start, base_end = start, end
    base_end = base_end or start - timedelta(days=1)
    base_start = base_start or base_end - timedelta(days=(end - start).days)
    rule = outliers or queries.rule()
    table = queries.period_table(hall=hall, start=start, end=end, tz_name=tz_name)
    base_table = queries.period_table(
        hall=base_hall, start=base_start, end=base_end, tz_name=base_tz_name or tz_name
    )

    def rows(dims: tuple[str, ...], of=table) -> list[dict]:
        return engine.compute(of, list(dims), rule).to_pylist()

    by_window = (
        [r for r in rows(("matter", "window")) if r["matter"] == matter] if matter else rows(("window",))
    )
    (total,) = rows(()) or [{}]
    (base,) = rows((), base_table) or [{}]
    return Report(hall, start, end, base_hall, base_start, base_end, total, rows(("day",)), by_window,
                  rows(("matter",)), review.compare(base, total), engine.outlier_list(table, rule),
                  engine.relative_volume(table), rule,
                  dict(Window.objects.filter(hall__code=hall).values_list("code", "name")), matter_names(),
                  bundle_names())  # fmt: skip


def drawings(r: Report, *, font: str = "Helvetica") -> list:
    """The review's charts — trends by day, handling time by window, one-visit rate by matter — drawn once for
    the page (as SVG) and the PDF."""
    names, matters = r.window_names, r.matter_names
    labels = [f"{x['day']:%m-%d}" for x in r.by_day]

    def minutes(v: float | None) -> float | None:
        return None if v is None else v / 60

    return [
        charts.trend("每日受理件数", labels, [x["accepted"] for x in r.by_day], font=font, axis="日期"),
        charts.trend("每日一次性办成率(%)", labels, [x["one_visit_rate"] for x in r.by_day], font=font, percent=True, axis="日期"),
        charts.bars("各窗口平均办理时长(分钟)", [names.get(x["window"], x["window"] or "（未指定）") for x in r.by_window],
                    [minutes(x["mean_handling_seconds"]) for x in r.by_window], font=font, axis="窗口"),
        charts.bars("各事项一次性办成率(%)", [matters.get(x["matter"], x["matter"]) for x in r.by_matter if x["matter"]],
                    [x["one_visit_rate"] for x in r.by_matter if x["matter"]], font=font, percent=True, axis="事项"),
    ]  # fmt: skip


def _title(r: Report) -> str:
    base = f"{r.base_hall} " if r.base_hall != r.hall else ""
    return (f"{r.hall} 指标复盘 {r.start:%Y-%m-%d} 至 {r.end:%Y-%m-%d}"
            f"（基期 {base}{r.base_start:%Y-%m-%d} 至 {r.base_end:%Y-%m-%d}）")  # fmt: skip


def _minutes(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds / 60:.1f}"


OUTLIER_HEADER = ["办件", "事项", "窗口", "日期", "办理时长(分钟)", "限值(分钟)", "说明"]
VOLUME_HEADER = ["一件事", "主事项", "一件事受理件数", "主事项单办件数", "相对办件量"]


def outlier_rows(r: Report) -> list[list[str]]:
    """The outliers as the report and the page list them: the rule's reason or the staff member's note."""
    rows = []
    for o in r.outliers:
        flagged = o["limit_seconds"] is None  # the staff member's note; else the rule's own reason
        note = o["note"] if flagged else f"超过该事项第 {(r.rule.percentile or 0) * 100:g} 百分位"
        rows.append([o["case"], o["matter"], o["window"] or "—", str(o["day"]), _minutes(o["seconds"]),
                     _minutes(o["limit_seconds"]), note])  # fmt: skip
    return rows


def volume_rows(r: Report) -> list[list[str]]:
    return [[v["bundle"], v["key_matter"], str(v["bundle_cases"]), str(v["single_cases"]),
             "—" if v["relative_volume"] is None else f"{v['relative_volume']:.2f}"] for v in r.volumes]  # fmt: skip


EMPTY_NOTE = "所选时段没有事件记录：各项指标为空。"


def to_csv(r: Report) -> bytes:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["分组方式", "分组", "指标", "代码", "值"])
    if r.empty:
        w.writerow(["说明", "", EMPTY_NOTE, "", ""])
    groups = [("全部", [("", r.total)] if r.total else [])]
    groups += [("日期", [(str(x["day"]), x) for x in r.by_day]), ("窗口", [(x["window"], x) for x in r.by_window]),
               ("事项", [(x["matter"], x) for x in r.by_matter])]  # fmt: skip
    for how, rows in groups:
        for key, row in rows:
            for m in review.HEADLINE:
                w.writerow([how, key, review.LABELS[m], m, "" if row[m] is None else row[m]])
    for v in r.volumes:
        w.writerow(["一件事", v["bundle"], "相对办件量", "relative_volume",
                    "" if v["relative_volume"] is None else v["relative_volume"]])  # fmt: skip
    for o in outlier_rows(r):
        w.writerow(["极端案例", o[0], o[-1], "outlier", o[4]])
    return ("\ufeff" + out.getvalue()).encode()  # BOM: Excel opens UTF-8 CSV with Chinese correctly


def to_xlsx(r: Report) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "目标对照"
    ws.append([_title(r)])
    ws["A1"].font = Font(bold=True)
    if r.empty:
        ws.append([EMPTY_NOTE])
    ws.append(["指标", "基期", "本期", "变化", "试点目标", "达成"])
    for c in r.comparisons:
        met = {True: "达成", False: "未达成"}.get(c.met, "—")
        ws.append([c.label, review.display(c.metric, c.baseline), review.display(c.metric, c.pilot), c.change,
                   c.target or "—", met])  # fmt: skip
    for m in review.HEADLINE:
        sheet = wb.create_sheet(review.LABELS[m][:31].replace("/", "／"))
        sheet.append([review.LABELS[m], DEFINITIONS.get(m, "")])
        sheet.append(["分组方式", "分组", "值"])
        sheet.append(["全部", "", r.total.get(m) if r.total else None])
        for how, key, rows in (
            ("日期", "day", r.by_day),
            ("窗口", "window", r.by_window),
            ("事项", "matter", r.by_matter),
        ):
            for row in rows:
                sheet.append([how, str(row[key]), row[m]])
    volumes = wb.create_sheet("相对办件量")
    volumes.append(["相对办件量", DEFINITIONS["relative_volume"]])
    for row in [VOLUME_HEADER, *volume_rows(r)]:
        volumes.append(row)
    extreme = wb.create_sheet("极端案例")
    extreme.append(["极端案例（不计入平均值）", r.rule_text])
    for row in [OUTLIER_HEADER, *outlier_rows(r)]:
        extreme.append(row)
    defs = wb.create_sheet("口径说明")
    defs.append(["指标", "代码", "口径"])
    for m in review.HEADLINE:
        defs.append([review.LABELS[m], m, DEFINITIONS.get(m, "")])
    defs.append(["相对办件量", "relative_volume", DEFINITIONS["relative_volume"]])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def to_pdf(r: Report) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table

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
        rows.append([c.label, review.display(c.metric, c.baseline), review.display(c.metric, c.pilot), c.change,
                     c.target or "—", {True: "达成", False: "未达成"}.get(c.met, "—")])  # fmt: skip
    story += [Table(rows, repeatRows=1, style=pdf.grid(9)), Spacer(1, 6 * mm)]
    story.extend(drawings(r, font=font))
    grid = pdf.grid(8)
    if r.volumes:
        story += [Spacer(1, 4 * mm), Paragraph("相对办件量", style("title", size=11)),
                  Table([VOLUME_HEADER, *volume_rows(r)], repeatRows=1, style=grid)]  # fmt: skip
    story += [Spacer(1, 4 * mm), Paragraph(f"极端案例（{len(r.outliers)} 件）", style("title", size=11)),
              Paragraph(r.rule_text, style())]  # fmt: skip
    if r.outliers:
        story.append(Table([OUTLIER_HEADER, *outlier_rows(r)], repeatRows=1, style=grid))
    doc.build(story)
    return buf.getvalue()


FORMATS = {"csv": to_csv, "xlsx": to_xlsx, "pdf": to_pdf}
