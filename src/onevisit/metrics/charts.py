"""Charts for the review, drawn once with reportlab's graphics: SVG for the pages, the same drawing in the PDF.

Each drawing keeps the figures it shows (`Figure`), so a page gives every chart its text alternative (the SVG's
title and description) and a table of the same data."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from reportlab.graphics import renderSVG
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors

BRAND = colors.HexColor("#b3202a")


@dataclass(frozen=True)
class Figure:
    """What a chart shows, in words and numbers: its title, kind, category axis and series as drawn."""

    title: str
    kind: str
    axis: str
    labels: list[str]
    series: list[tuple[str, list[float | None]]]


def _keep(d: Drawing, title: str, kind: str, axis: str, labels: Sequence[str],
          series: Sequence[tuple[str, Sequence[float | None]]], percent: bool = False) -> None:  # fmt: skip
    scale = 100 if percent else 1
    d._figure = Figure(title, kind, axis or "类别", [str(x) for x in labels],
                       [(name, [None if v is None or v != v else v * scale for v in values])
                        for name, values in series])  # fmt: skip


def _frame(title: str, width: int, height: int, font: str) -> Drawing:
    d = Drawing(width, height)
    d.add(String(8, height - 16, title, fontName=font, fontSize=12))
    return d


def _axes(chart, labels: Sequence[str], font: str, *, size: int, angle: int) -> None:
    """Category labels in the chart's font (tilted when there are many), values from zero."""
    chart.categoryAxis.categoryNames = list(labels) or [""]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = size
    chart.categoryAxis.labels.angle = angle
    chart.categoryAxis.labels.boxAnchor = "ne" if angle else "n"
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontSize = 8


def _values(values: Sequence[float | None], percent: bool = False) -> list[float]:
    """A series to draw: a missing value (None or NaN) as 0, a share as a percentage."""
    return [0 if v is None or v != v else v * (100 if percent else 1) for v in values] or [0]


def bars(title: str, labels: Sequence[str], values: Sequence[float | None], *, font: str = "Helvetica",
         width: int = 520, height: int = 220, percent: bool = False, axis: str = "") -> Drawing:  # fmt: skip
    d = _frame(title, width, height, font)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 40, 40, width - 60, height - 75
    chart.data = [_values(values, percent)]
    _axes(chart, labels, font, size=8, angle=30 if len(labels) > 8 else 0)
    chart.bars[0].fillColor = BRAND
    d.add(chart)
    _keep(d, title, "柱状图", axis, labels, [(title, values)], percent)
    return d


def trend(title: str, labels: Sequence[str], values: Sequence[float | None], *, font: str = "Helvetica",
          width: int = 520, height: int = 220, percent: bool = False, axis: str = "") -> Drawing:  # fmt: skip
    d = _frame(title, width, height, font)
    chart = HorizontalLineChart()
    chart.x, chart.y, chart.width, chart.height = 40, 40, width - 60, height - 75
    chart.data = [_values(values, percent)]
    _axes(chart, labels, font, size=7, angle=45)
    chart.lines[0].strokeColor = BRAND
    chart.lines[0].strokeWidth = 2
    d.add(chart)
    _keep(d, title, "折线图", axis, labels, [(title, values)], percent)
    return d


PALETTE = (BRAND, colors.HexColor("#1f5fa8"), colors.HexColor("#2e8540"), colors.HexColor("#e08a00"),
           colors.HexColor("#6b4fa0"), colors.HexColor("#555555"))  # fmt: skip


def lines(title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]], *,
          font: str = "Helvetica", width: int = 520, height: int = 240, axis: str = "") -> Drawing:  # fmt: skip
    """Several series over the same labels, with a legend (a missing value is drawn as 0)."""
    from reportlab.graphics.charts.legends import Legend

    d = _frame(title, width, height, font)
    chart = HorizontalLineChart()
    chart.x, chart.y, chart.width, chart.height = 40, 70, width - 60, height - 110
    chart.data = [_values(values) for _, values in series] or [[0]]
    _axes(chart, labels, font, size=7, angle=45 if len(labels) > 10 else 0)
    for i in range(len(series)):
        chart.lines[i].strokeColor = PALETTE[i % len(PALETTE)]
        chart.lines[i].strokeWidth = 2
    d.add(chart)
    legend = Legend()
    legend.x, legend.y = 40, 30
    legend.fontName, legend.fontSize = font, 8
    legend.alignment = "right"
    legend.columnMaximum = 2
    legend.deltax = 230
    legend.dy = 8
    legend.colorNamePairs = [(PALETTE[i % len(PALETTE)], name) for i, (name, _) in enumerate(series)]
    d.add(legend)
    _keep(d, title, "折线图", axis, labels, series)
    return d


def _number(v: float | None) -> str:
    return "—" if v is None else f"{v:,.1f}".rstrip("0").rstrip(".")


def describe(f: Figure) -> str:
    """The chart in one sentence for a screen reader: its span and each series' highest and lowest point."""
    if not f.labels or not any(v is not None for _, values in f.series for v in values):
        return f"{f.kind}：没有数据。"
    parts = [f"{f.kind}，{f.axis}从 {f.labels[0]} 到 {f.labels[-1]}，共 {len(f.labels)} 项"]
    for name, values in f.series:
        known = [(v, label) for v, label in zip(values, f.labels, strict=False) if v is not None]
        if known:
            hi, lo = max(known, key=lambda x: x[0]), min(known, key=lambda x: x[0])
            who = f"{name}：" if len(f.series) > 1 else ""
            parts.append(f"{who}最高 {_number(hi[0])}（{hi[1]}），最低 {_number(lo[0])}（{lo[1]}）")
    return "；".join(parts) + "。各项数值见图下的数据表。"


def table(f: Figure) -> tuple[list[str], list[list[str]]]:
    """The chart's data as a table: one row per category, one column per series (a missing value is —)."""
    header = [f.axis, *(name for name, _ in f.series)]
    rows = [[label, *(_number(values[i] if i < len(values) else None) for _, values in f.series)]
            for i, label in enumerate(f.labels)]  # fmt: skip
    return header, rows


def svg(drawing: Drawing, ident: str = "chart") -> str:
    """The drawing as inline SVG: an image named by its title and described in words, its ids prefixed with
    `ident` so that several charts on one page never share an id."""
    figure: Figure | None = getattr(drawing, "_figure", None)
    text = renderSVG.drawToString(
        drawing, svgAttrs={"role": "img", "aria-labelledby": f"{ident}-title {ident}-desc"}
    )
    text = text[text.index("<svg") :]  # no XML declaration inside an HTML page
    title = escape(figure.title if figure else "图表")
    desc = escape(describe(figure) if figure else "")
    text = text.replace("<title>...</title>", f'<title id="{ident}-title">{title}</title>', 1)
    text = text.replace("<desc>...</desc>", f'<desc id="{ident}-desc">{desc}</desc>', 1)
    for name in ("clip", "group"):
        text = text.replace(f'id="{name}"', f'id="{ident}-{name}"').replace(
            f"url(#{name})", f"url(#{ident}-{name})"
        )
    return text


def for_page(drawings: Sequence[Drawing], prefix: str = "chart") -> list[dict]:
    """What a page shows for each chart: the SVG (trusted: the renderer escapes every label), its title and
    the table of its data."""
    out = []
    for i, d in enumerate(drawings, 1):
        ident = f"{prefix}-{i}"
        figure = d._figure
        header, rows = table(figure)
        out.append(
            {"ident": ident, "title": figure.title, "svg": svg(d, ident), "header": header, "rows": rows}
        )
    return out
