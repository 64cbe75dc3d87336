"""Charts for the review and the plan, drawn once with reportlab's graphics: SVG for the pages, the same drawing in
the PDF.

Readable at their natural size (a page at 1366 px shows them 1:1): no text under `MIN_FONT` px, titles and
legends wrapped to the drawing's width rather than cut off, category labels thinned rather than overlapping,
and the drawing as tall as its legend and rows need. Each drawing keeps the figures it shows (`Figure`), so a page
gives every chart its text alternative (the SVG's title and description) and a table of the same data."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from reportlab.graphics import renderSVG
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.charts.textlabels import NA_Label
from reportlab.graphics.shapes import Drawing, Line, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors
from reportlab.pdfbase import pdfmetrics

BRAND = colors.HexColor("#b3202a")
INK = colors.HexColor("#1a1a1a")
BASELINE = colors.HexColor("#555555")
PALETTE = (
    BRAND,
    colors.HexColor("#1f5fa8"),
    colors.HexColor("#2e8540"),
    colors.HexColor("#e08a00"),
    colors.HexColor("#6b4fa0"),
    colors.HexColor("#555555"),
    colors.HexColor("#00838f"),
    colors.HexColor("#8d6e63"),
)
MIN_FONT = 11  # the smallest text on a chart, in px at its natural size
TITLE_FONT = 14
WIDTH = 500  # two charts side by side on a page at 1366 px; fits an A4 portrait frame in the PDF
PLOT_HEIGHT = 150
PAD = 8
NO_DATA = "无数据"  # what a chart with no known value shows instead of made-up zeros
NO_DATA_FONT = 13
NO_DATA_HEIGHT = 48
UNNAMED = "（未指定）"  # a category without a name: a bar is never drawn without one


@dataclass(frozen=True)
class Figure:
    """What a chart shows, in words and numbers: its title, kind, category axis and series as drawn."""

    title: str
    kind: str
    axis: str
    labels: list[str]
    series: list[tuple[str, list[float | None]]]


def _keep(
    d: Drawing,
    title: str,
    kind: str,
    axis: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    percent: bool = False,
) -> None:
    scale = 100 if percent else 1
    d._figure = Figure(
        title,
        kind,
        axis or "类别",
        [str(x) for x in labels],
        [(name, [None if _missing(v) else v * scale for v in values]) for name, values in series],
    )


def _missing(v: float | None) -> bool:
    return v is None or v != v


# ---- text measure and layout ------------------------------------------------------------------------------------


def text_width(text: str, font: str, size: float) -> float:
    """The width of `text`, a wide (Chinese) character counted as a full em whatever the font's metrics say:
    Helvetica knows no Chinese, and a page draws it in the browser's CJK face."""
    width = 0.0
    for ch in text:
        if unicodedata.east_asian_width(ch) in ("W", "F"):
            width += size
        else:
            width += pdfmetrics.stringWidth(ch, font, size)
    return width


def wrap(text: str, width: float, font: str, size: float) -> list[str]:
    """`text` in lines no wider than `width` (broken between characters; a Latin word longer than a line too)."""
    lines, line = [], ""
    for ch in text:
        if line and text_width(line + ch, font, size) > width:
            lines.append(line.rstrip())
            line = ch.lstrip()
        else:
            line += ch
    return [*lines, line] if line else lines or [""]


def _frame(title: str, width: float, font: str) -> tuple[list[str], float]:
    lines = wrap(title, width - 2 * PAD, font, TITLE_FONT)
    return lines, PAD + len(lines) * (TITLE_FONT + 4)


def _put_title(d: Drawing, lines: list[str], font: str) -> None:
    y = d.height - PAD - TITLE_FONT
    for line in lines:
        d.add(String(PAD, y, line, fontName=font, fontSize=TITLE_FONT, fillColor=INK))
        y -= TITLE_FONT + 4


SWATCH = 22  # the legend's sample of a line


def _legend_rows(names: Sequence[str], width: float, font: str) -> list[list[tuple[int, list[str]]]]:
    """Legend items flowed into rows across `width`: (series index, its text in lines)."""
    room = width - 2 * PAD - SWATCH - 6
    rows: list[list[tuple[int, list[str]]]] = [[]]
    used = 0.0
    for i, name in enumerate(names):
        lines = wrap(name, room, font, MIN_FONT)
        item = SWATCH + 6 + max(text_width(x, font, MIN_FONT) for x in lines) + 18
        if rows[-1] and (used + item > width - 2 * PAD or len(lines) > 1):
            rows.append([])
            used = 0.0
        rows[-1].append((i, lines))
        used += item
        if len(lines) > 1:  # a wrapped name has its own row
            rows.append([])
            used = 0.0
    return [r for r in rows if r]


def _legend_height(rows: list[list[tuple[int, list[str]]]]) -> float:
    return sum(max(len(lines) for _, lines in row) * (MIN_FONT + 3) + 5 for row in rows)


def _put_legend(
    d: Drawing, rows, styles: Sequence[tuple[colors.Color, list[float] | None]], top: float, font: str
) -> None:
    y = top
    for row in rows:
        x = PAD
        height = max(len(lines) for _, lines in row) * (MIN_FONT + 3) + 5
        for i, lines in row:
            color, dash = styles[i]
            mid = y - MIN_FONT / 2 - 1
            d.add(Line(x, mid, x + SWATCH, mid, strokeColor=color, strokeWidth=2.5, strokeDashArray=dash))
            ty = y - MIN_FONT
            for line in lines:
                d.add(String(x + SWATCH + 6, ty, line, fontName=font, fontSize=MIN_FONT, fillColor=INK))
                ty -= MIN_FONT + 3
            x += SWATCH + 6 + max(text_width(t, font, MIN_FONT) for t in lines) + 18
        y -= height


def _number(v: float | None) -> str:
    return "—" if v is None else f"{v:,.1f}".rstrip("0").rstrip(".")


def _tick_format(percent: bool):
    return (lambda v: f"{v:g}%") if percent else (lambda v: f"{v:,g}")


SMALL_COUNT = 5  # a count axis whose values all stay below this is drawn 0-5 in whole steps


def _value_axis(axis, font: str, percent: bool, values: Sequence[float | None] = ()) -> None:
    """The value axis from 0; a share runs 0-100%. Counts that are all zero, missing or small get whole-number
    ticks to 5 (left to itself the axis draws 0-0.01 in steps of 0.002 for a period with nothing in it)."""
    axis.valueMin = 0
    axis.labels.fontName = font
    axis.labels.fontSize = MIN_FONT
    axis.labels.fillColor = INK
    axis.labelTextFormat = _tick_format(percent)
    axis.rangeRound = "ceiling"  # the top at a labelled tick, above the highest value
    known = [v for v in values if not _missing(v)]
    if percent:  # a share: the whole scale, 0-100%
        axis.valueMax, axis.valueStep = 100, 20
    elif all(float(v).is_integer() for v in known) and max(known, default=0) < SMALL_COUNT:
        axis.valueMax, axis.valueStep = SMALL_COUNT, 1
    axis.visibleGrid = True
    axis.gridStrokeColor = colors.HexColor("#dddddd")


def _thinned(labels: Sequence[str], slot: float, font: str) -> list[str]:
    """Every k-th category label, k as small as keeps them from overlapping at `slot` px per category."""
    widest = max((text_width(x, font, MIN_FONT) for x in labels), default=0)
    step = max(1, math.ceil((widest + 8) / max(slot, 1)))
    return [x if i % step == 0 else "" for i, x in enumerate(labels)]


def _widest_tick(values: Sequence[float | None], percent: bool, font: str) -> float:
    known = [v for v in values if not _missing(v)]
    top = 100 if percent else max(known, default=1) * 1.25
    return max(text_width(_tick_format(percent)(round(top)), font, MIN_FONT), text_width("0", font, MIN_FONT))


# ---- the charts ------------------------------------------------------------------------------------------------


def _no_data(title: str, width: int, font: str) -> Drawing:
    """A chart with nothing known to draw: its title and 无数据 in the middle, no axis, no bar, no point — a
    period without figures is empty, not zero."""
    title_lines, title_h = _frame(title, width, font)
    d = Drawing(width, title_h + NO_DATA_HEIGHT + PAD)
    _put_title(d, title_lines, font)
    # centred by our own measure (the SVG renderer would centre with Helvetica's metrics, which know no Chinese)
    x = (width - text_width(NO_DATA, font, NO_DATA_FONT)) / 2
    y = PAD + (NO_DATA_HEIGHT - NO_DATA_FONT) / 2
    d.add(String(x, y, NO_DATA, fontName=font, fontSize=NO_DATA_FONT, fillColor=BASELINE))
    return d


def lines(
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    font: str = "Helvetica",
    width: int = WIDTH,
    height: int = PLOT_HEIGHT,
    axis: str = "",
    percent: bool = False,
    dashed: Sequence[int] = (),
) -> Drawing:
    """Series over the same categories, one colour each (those in `dashed` drawn dashed), a legend below when
    there is more than one; `height` is the plot's. A missing value is left out (the line joins its neighbours)
    and every value is marked, so a single day still shows. With no known value at all, no line: 无数据."""
    scale = 100 if percent else 1
    data = [[None if _missing(v) else v * scale for v in values] for _, values in series]
    if not labels or not any(v is not None for row in data for v in row):
        d = _no_data(title, width, font)
        _keep(d, title, "折线图", axis, labels, series, percent)
        return d
    title_lines, title_h = _frame(title, width, font)
    names = [name for name, _ in series]
    styles = [
        (BASELINE if i in dashed else PALETTE[i % len(PALETTE)], [5, 3] if i in dashed else None)
        for i in range(len(series))
    ]
    legend = _legend_rows(names, width, font) if len(series) > 1 else []
    legend_h = _legend_height(legend) + (6 if legend else 0)
    axis_h = MIN_FONT + 16
    d = Drawing(width, title_h + 10 + height + axis_h + legend_h + PAD)
    _put_title(d, title_lines, font)
    every = [v for _, values in series for v in values]
    chart = HorizontalLineChart()
    chart.x = PAD + _widest_tick(every, percent, font) + 8
    chart.y = PAD + legend_h + axis_h
    chart.width, chart.height = width - chart.x - PAD - 4, height
    chart.data = data
    chart.joinedLines = 1
    chart.categoryAxis.categoryNames = _thinned(
        [str(x) for x in labels], chart.width / max(len(labels), 1), font
    )
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = MIN_FONT
    chart.categoryAxis.labels.fillColor = INK
    chart.categoryAxis.labels.boxAnchor = "n"
    chart.categoryAxis.labels.dy = -8  # clear of the value axis's 0
    _value_axis(chart.valueAxis, font, percent, [v for row in data for v in row])
    for i, (color, dash) in enumerate(styles):
        chart.lines[i].strokeColor = color
        chart.lines[i].strokeWidth = 2
        chart.lines[i].strokeDashArray = dash
        if dash is None:
            chart.lines[i].symbol = makeMarker("FilledCircle", size=4, fillColor=color, strokeColor=color)
    d.add(chart)
    _put_legend(d, legend, styles, PAD + legend_h - 6, font)
    _keep(d, title, "折线图", axis, labels, series, percent)
    return d


def trend(
    title: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    font: str = "Helvetica",
    width: int = WIDTH,
    height: int = PLOT_HEIGHT,
    percent: bool = False,
    axis: str = "",
    baseline: float | None = None,
    baseline_label: str = "基期",
) -> Drawing:
    """One series by day; with a baseline, a dashed line at its level and a legend naming it."""
    series: list[tuple[str, Sequence[float | None]]] = [("本期" if baseline is not None else title, values)]
    if baseline is not None and not _missing(baseline):
        series.append((baseline_label, [baseline] * len(labels)))
    return lines(
        title, labels, series, font=font, width=width, height=height, axis=axis, percent=percent, dashed=(1,)
    )


def bars(
    title: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    font: str = "Helvetica",
    width: int = WIDTH,
    percent: bool = False,
    axis: str = "",
) -> Drawing:
    """Horizontal bars, one row per category from the top, the name on the left (wrapped when long) and the value
    at the bar's end; a missing value shows as —, not as a bar of zero, and a chart with no known value shows
    无数据, no bar. A category without a name is drawn as （未指定）."""
    scale = 100 if percent else 1
    data = [None if _missing(v) else v * scale for v in values]
    if not any(v is not None for v in data):
        d = _no_data(title, width, font)
        _keep(d, title, "条形图", axis, labels, [(title, values)], percent)
        return d
    title_lines, title_h = _frame(title, width, font)
    names = [str(x).strip() or UNNAMED for x in labels]
    name_room = width * 0.4
    wrapped = [wrap(n, name_room, font, MIN_FONT) for n in names]
    name_w = max(text_width(line, font, MIN_FONT) for w in wrapped for line in w)
    row = max(24, max(len(w) for w in wrapped) * (MIN_FONT + 3) + 10)
    fmt = (lambda v: f"{v:.1f}%") if percent else _number
    value_w = max((text_width(fmt(v), font, MIN_FONT) for v in data if v is not None), default=0)
    axis_h = MIN_FONT + 12
    plot_h = row * len(names)
    d = Drawing(width, title_h + 8 + plot_h + axis_h + PAD)
    _put_title(d, title_lines, font)
    chart = HorizontalBarChart()
    chart.x = PAD + name_w + 8
    chart.y = PAD + axis_h
    chart.width = width - chart.x - value_w - 12 - PAD
    chart.height = plot_h
    chart.data = [list(reversed(data))]
    chart.categoryAxis.categoryNames = [""] * len(names)  # the names are drawn below, right-aligned
    chart.categoryAxis.visibleLabels = False
    chart.categoryAxis.visibleTicks = False
    _value_axis(chart.valueAxis, font, percent, data)
    chart.bars[0].fillColor = BRAND
    chart.bars[0].strokeColor = None
    chart.barWidth = 10
    chart.groupSpacing = 6
    chart.barLabelFormat = fmt
    chart.barLabels.fontName = font
    chart.barLabels.fontSize = MIN_FONT
    chart.barLabels.fillColor = INK
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 4
    chart.naLabel = NA_Label()
    chart.naLabel.text = "—"
    chart.naLabel.fontName = font
    chart.naLabel.fontSize = MIN_FONT
    chart.naLabel.boxAnchor = "w"
    chart.naLabel.dx = 4
    d.add(chart)
    for i, name_lines in enumerate(wrapped):
        # right-aligned by our own measure: reportlab's SVG renderer would right-align with Helvetica's metrics,
        # which know no Chinese, and the name would run into its bar
        middle = chart.y + plot_h - (i + 0.5) * row
        y = middle + (len(name_lines) - 1) * (MIN_FONT + 3) / 2 - MIN_FONT * 0.35
        for line in name_lines:
            x = chart.x - 6 - text_width(line, font, MIN_FONT)
            d.add(String(x, y, line, fontName=font, fontSize=MIN_FONT, fillColor=INK))
            y -= MIN_FONT + 3
    _keep(d, title, "条形图", axis, names, [(title, values)], percent)
    return d


def fit(drawing: Drawing, width: float, height: float) -> Drawing:
    """The drawing scaled down, if need be, to fit a `width` × `height` frame (a PDF page: a bar chart of many
    windows can be taller than the page; on a page it scrolls)."""
    k = min(1.0, width / drawing.width, height / drawing.height)
    if k < 1:
        drawing.scale(k, k)
        drawing.width, drawing.height = drawing.width * k, drawing.height * k
    return drawing


# ---- words and tables ------------------------------------------------------------------------------------------


def describe(f: Figure) -> str:
    """The chart in one sentence for a screen reader: its span and each series' highest and lowest point (a
    constant series, like a baseline, by its one value)."""
    if not f.labels or not any(v is not None for _, values in f.series for v in values):
        return f"{f.kind}：没有数据。"
    parts = [f"{f.kind}，{f.axis}从 {f.labels[0]} 到 {f.labels[-1]}，共 {len(f.labels)} 项"]
    for name, values in f.series:
        known = [(v, label) for v, label in zip(values, f.labels, strict=False) if v is not None]
        who = f"{name}：" if len(f.series) > 1 else ""
        if known and len({v for v, _ in known}) == 1 and len(known) > 1:
            parts.append(f"{who}{_number(known[0][0])}")
        elif known:
            hi, lo = max(known, key=lambda x: x[0]), min(known, key=lambda x: x[0])
            parts.append(f"{who}最高 {_number(hi[0])}（{hi[1]}），最低 {_number(lo[0])}（{lo[1]}）")
    return "；".join(parts) + "。各项数值见图下的数据表。"


def table(f: Figure) -> tuple[list[str], list[list[str]]]:
    """The chart's data as a table: one row per category, one column per series (a missing value is —)."""
    header = [f.axis, *(name for name, _ in f.series)]
    rows = [
        [label, *(_number(values[i] if i < len(values) else None) for _, values in f.series)]
        for i, label in enumerate(f.labels)
    ]
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
    return _STYLE.sub(_presentation_attributes, text)


_STYLE = re.compile(r'\sstyle="([^"]*)"')


def _presentation_attributes(match: re.Match[str]) -> str:
    """reportlab's style="fill: …; stroke: …" as SVG's own attributes (fill="…" stroke="…"): the pages'
    Content-Security-Policy (style-src 'self') blocks every inline style, which drew the charts black and
    unclipped; presentation attributes are not styles. The value is kept as the renderer escaped it."""
    attributes = []
    for declaration in match.group(1).split(";"):
        name, colon, value = (part.strip() for part in declaration.partition(":"))
        if colon and name and value:
            attributes.append(f' {name}="{value}"')
    return "".join(attributes)


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
