"""The Friday review's report: the same figures as the review page, as an Excel workbook (one sheet per
indicator and a definitions sheet), a PDF (the target table and the charts) or CSV (long format)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta

from onevisit.metrics import charts, review
from onevisit.metrics.queries import views

DEFINITIONS = {
    "one_visit_rate": "首次受理的办件中，在同一次到访、同一天当场办结的比例（按首次受理的窗口、事项、日期归属）。",
    "mean_handling_seconds": "从叫号到窗口办结的平均时长；后台办结的不计入，跨部门核验时长单列。",
    "duplicate_entries": "窗口录入的字段中，系统已知其值（导引台、历史办件、数据摆渡）仍被重复录入的条次。",
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
}


@dataclass
class Report:
    hall: str
    start: date
    end: date
    base_start: date
    base_end: date
    total: dict
    by_day: list[dict]
    by_window: list[dict]
    by_matter: list[dict]
    comparisons: list[review.Comparison]

    @property
    def empty(self) -> bool:
        return not any(
            self.total.get(m) for m in ("accepted", "waited", "triaged", "consultations", "no_shows")
        )


def build(*, hall: str, tz_name: str, start: date, end: date, base_start: date | None = None,
          base_end: date | None = None, matter: str = "") -> Report:  # fmt: skip
    """The period's figures and the baseline comparison (by default the period of equal length before it);
    with a matter, the windows are that matter's windows (the page's drill-down)."""
    base_end = base_end or start - timedelta(days=1)
    base_start = base_start or base_end - timedelta(days=(end - start).days)
    dims = {"total": (), "by_day": ("day",), "by_matter": ("matter",),
            "by_window": ("matter", "window") if matter else ("window",)}  # fmt: skip
    now = views(hall=hall, start=start, end=end, tz_name=tz_name, dims=dims)
    base = views(hall=hall, start=base_start, end=base_end, tz_name=tz_name, dims={"total": ()})
    by_window = [r for r in now["by_window"] if r["matter"] == matter] if matter else now["by_window"]
    total = now["total"][0] if now["total"] else {}
    return Report(hall, start, end, base_start, base_end, total, now["by_day"], by_window, now["by_matter"],
                  review.compare(base["total"][0] if base["total"] else {}, total))  # fmt: skip


def drawings(r: Report, *, font: str = "Helvetica", window_names: dict[str, str] | None = None) -> list:
    """The review's three charts, drawn once for the page (as SVG) and the PDF."""
    names = window_names or {}
    labels = [f"{x['day']:%m-%d}" for x in r.by_day]
    return [
        charts.trend("每日受理件数", labels, [x["accepted"] for x in r.by_day], font=font),
        charts.trend("每日一次性办成率(%)", labels, [x["one_visit_rate"] for x in r.by_day], font=font, percent=True),
        charts.bars("各窗口平均办理时长(秒)", [names.get(x["window"], x["window"]) for x in r.by_window],
                    [x["mean_handling_seconds"] for x in r.by_window], font=font),
    ]  # fmt: skip


def _title(r: Report) -> str:
    return f"{r.hall} 指标复盘 {r.start:%Y-%m-%d} 至 {r.end:%Y-%m-%d}（基期 {r.base_start:%Y-%m-%d} 至 {r.base_end:%Y-%m-%d}）"


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
    defs = wb.create_sheet("口径说明")
    defs.append(["指标", "代码", "口径"])
    for m in review.HEADLINE:
        defs.append([review.LABELS[m], m, DEFINITIONS.get(m, "")])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def to_pdf(r: Report) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

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
    table = Table(rows, repeatRows=1)
    table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), font, 9), ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee"))]))  # fmt: skip
    story += [table, Spacer(1, 6 * mm)]
    story.extend(drawings(r, font=font))
    doc.build(story)
    return buf.getvalue()


FORMATS = {"csv": to_csv, "xlsx": to_xlsx, "pdf": to_pdf}
