"""Charts for the review, drawn once with reportlab's graphics: SVG for the pages, the same drawing in the PDF."""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.graphics import renderSVG
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors

BRAND = colors.HexColor("#b3202a")


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
         width: int = 520, height: int = 220, percent: bool = False) -> Drawing:  # fmt: skip
    d = _frame(title, width, height, font)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 40, 40, width - 60, height - 75
    chart.data = [_values(values, percent)]
    _axes(chart, labels, font, size=8, angle=30 if len(labels) > 8 else 0)
    chart.bars[0].fillColor = BRAND
    d.add(chart)
    return d


def trend(title: str, labels: Sequence[str], values: Sequence[float | None], *, font: str = "Helvetica",
          width: int = 520, height: int = 220, percent: bool = False) -> Drawing:  # fmt: skip
    d = _frame(title, width, height, font)
    chart = HorizontalLineChart()
    chart.x, chart.y, chart.width, chart.height = 40, 40, width - 60, height - 75
    chart.data = [_values(values, percent)]
    _axes(chart, labels, font, size=7, angle=45)
    chart.lines[0].strokeColor = BRAND
    chart.lines[0].strokeWidth = 2
    d.add(chart)
    return d


PALETTE = (BRAND, colors.HexColor("#1f5fa8"), colors.HexColor("#2e8540"), colors.HexColor("#e08a00"),
           colors.HexColor("#6b4fa0"), colors.HexColor("#555555"))  # fmt: skip


def lines(title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]], *,
          font: str = "Helvetica", width: int = 520, height: int = 240) -> Drawing:  # fmt: skip
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
    return d


def svg(drawing: Drawing) -> str:
    text = renderSVG.drawToString(drawing)
    return text[text.index("<svg") :]  # no XML declaration inside an HTML page
