"""The Friday review's report: the same figures as the review page, as an Excel workbook (one sheet per
indicator and a definitions sheet), a PDF (the target table and the charts) or CSV (long format)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, timedelta

from onevisit.accounts.models import Window
from onevisit.catalog.services import bundle_names, list_bundles, matter_names, matter_specs
from onevisit.metrics import charts, engine, queries, review

DEFINITIONS = review.DEFINITIONS  # one set of words for the pages, the report and the docs


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


def describe_rule(rule: engine.OutlierRule) -> str:
    """The outlier rule in words, as the pages and the report state it."""
    by_time = (
        f"办理时长超过该事项第 {rule.percentile * 100:g} 百分位（该事项至少 {rule.min_cases} 件计时办结）"
        if rule.percentile else ""
    )  # fmt: skip
    return (
        "、".join(x for x in (by_time, "窗口人员标记") if x)
        + "的办件为极端案例，不计入平均办理时长与往返次数"
    )


def key_matters() -> dict[str, str]:
    """Each bundle's declared key matter (主事项) from the catalog: what its relative volume is measured against."""
    return {b.code: b.key_matter.code for b in list_bundles()}


def build(*, hall: str, tz_name: str, start: date, end: date, base_start: date | None = None,
          base_end: date | None = None, matter: str = "", base_hall: str = "",
          base_tz_name: str = "", outliers: engine.OutlierRule | None = None) -> Report:  # fmt: skip
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
        hall=base_hall, start=base_start, end=base_end, tz_name=base_tz_name or tz_name
    )

    def rows(dims: tuple[str, ...], of=table, by=rule) -> list[dict]:
        return engine.compute(of, list(dims), by).to_pylist()

    by_window = (
        [r for r in rows(("matter", "window")) if r["matter"] == matter] if matter else rows(("window",))
    )
    (total,) = rows(()) or [{}]
    (base,) = rows((), base_table) or [{}]
    report = Report(hall, start, end, base_hall, base_start, base_end, total, rows(("day",)), by_window,
                    rows(("matter",)), review.compare(base, total), engine.outlier_list(table, rule),
                    engine.relative_volume(table, key_matters=key_matters()), rule,
                    dict(Window.objects.filter(hall__code=hall).values_list("code", "name")), matter_names(),
                    bundle_names())  # fmt: skip
    if what_if is not None:
        (total_if,) = rows((), by=what_if) or [{}]
        (base_if,) = rows((), base_table, what_if) or [{}]
        report.what_if, report.what_if_comparisons = what_if, review.compare(base_if, total_if)
        report.what_if_outliers = int(total_if.get("outliers") or 0)
    report.not_applicable = engine.not_applicable(table)
    report.material_names = material_names(report.not_applicable)
    return report


def material_names(rows: list[dict]) -> dict[tuple[str, str], str]:
    """(matter, material) → the material's name in the matter's published checklist, for rows naming both."""
    specs = matter_specs(sorted({r["matter"] for r in rows if r["matter"]}))
    return {(code, m.code): m.name for code, spec in specs.items() for m in spec.materials}


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
VOLUME_HEADER = ["一件事", "主事项", "一件事受理件数", "主事项受理件数(含一件事)", "相对办件量", "说明"]
NO_KEY_MATTER = "目录中未声明该一件事的主事项，无法计算"


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
    """The relative volumes as the page and the report list them; where undefined, the reason."""
    return [[v["bundle"], v["key_matter"] or "—", str(v["bundle_cases"]),
             "—" if v["key_matter_cases"] is None else str(v["key_matter_cases"]),
             "—" if v["relative_volume"] is None else f"{v['relative_volume']:.2f}",
             NO_KEY_MATTER if v["key_matter"] is None else ""] for v in r.volumes]  # fmt: skip


NOT_APPLICABLE_HEADER = ["事项", "材料", "标为不适用的预审件数", "该事项预审件数", "占比"]


def not_applicable_rows(rows: list[dict], matters: dict[str, str],
                        materials: dict[tuple[str, str], str]) -> list[list[str]]:  # fmt: skip
    """Materials staff marked not applicable at the desk (engine.not_applicable rows), named: how often, and the
    share of the matter's pre-reviews."""
    return [[matters.get(x["matter"], x["matter"] or "（未指定）"), materials.get((x["matter"], x["material"]),
             x["material"]), str(x["marks"]), str(x["prereviews"]), review.display("not_applicable_share", x["share"])]
            for x in rows]  # fmt: skip


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
