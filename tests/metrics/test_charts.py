"""The review's and the plan's charts are readable at their natural size (a page at 1366 px shows them 1:1): no
text under 11 px, nothing drawn outside the drawing (the SVG would clip it), category labels that do not overlap,
the title and every legend entry kept with six series, and the trends drawn against their baseline."""

from __future__ import annotations

import io

import pytest
from reportlab.graphics.shapes import Group, Line, String, UserNode

from onevisit.metrics import charts

SIX = [
    "现状",
    "导引台预审：材料一次备齐率 +20 个百分点",
    "核验移至后台：全部事项窗口时长压减 20%",
    "日均少于 40 人的队列合并为综合窗口",
    "关闭 1 个窗口",
    "事项 cbdj 的 87.88% 转网上办理",
]
HOURS = [f"{h:02d}:00" for h in range(9, 18)]
DAYS = [f"{m:02d}-{d:02d}" for m, d in [(10, x) for x in range(20, 32)] + [(11, x) for x in range(1, 31)]]
MATTERS = ["参保登记", "生育保险待遇申领（生育医疗费用、生育津贴）", "缴费核定", "职工基本养老保险待遇申领"]


def _mul(a, b):
    """reportlab's affine (a, b, c, d, e, f) matrices: a applied after b."""
    return (
        a[0] * b[0] + a[2] * b[1],
        a[1] * b[0] + a[3] * b[1],
        a[0] * b[2] + a[2] * b[3],
        a[1] * b[2] + a[3] * b[3],
        a[0] * b[4] + a[2] * b[5] + a[4],
        a[1] * b[4] + a[3] * b[5] + a[5],
    )


def _apply(m, x, y):
    return m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]


def texts(drawing):
    """Every non-empty string drawn, with its font size as shown and its box (x0, y0, x1, y1) in the drawing."""
    out = []

    def walk(node, m):
        if isinstance(node, UserNode):  # a chart or legend: the shapes it draws, as a renderer sees them
            node = node.provideNode()
        if isinstance(node, Group):
            m = _mul(m, tuple(node.transform))
            for child in node.contents:
                walk(child, m)
        elif isinstance(node, String) and node.text.strip():
            w = charts.text_width(node.text, node.fontName, node.fontSize)
            shift = {"start": 0, "middle": -w / 2, "end": -w}[node.textAnchor]
            corners = [
                _apply(m, node.x + shift + dx, node.y + dy)
                for dx in (0, w)
                for dy in (-0.25 * node.fontSize, node.fontSize)
            ]
            xs, ys = [c[0] for c in corners], [c[1] for c in corners]
            scale = (abs(m[0] * m[3] - m[1] * m[2])) ** 0.5
            out.append((node.text, node.fontSize * scale, (min(xs), min(ys), max(xs), max(ys))))

    walk(drawing, (1, 0, 0, 1, 0, 0))
    return out


def lines_drawn(drawing):
    found = []

    def walk(node):
        if isinstance(node, UserNode):
            node = node.provideNode()
        if isinstance(node, Group):
            for child in node.contents:
                walk(child)
        elif isinstance(node, Line):
            found.append(node)

    walk(drawing)
    return found


CASES = {
    "six scenarios by hour": lambda: charts.lines(
        "各小时平均等待：现状与情景(分钟)",
        HOURS,
        [(n, [i * 3 + j for j in range(9)]) for i, n in enumerate(SIX)],
        axis="时",
    ),
    "six weeks by day": lambda: charts.trend(
        "每日受理件数",
        DAYS,
        [150 + i % 7 for i in range(len(DAYS))],
        axis="日期",
        baseline=148.2,
        baseline_label="基期日均 148.2 件",
    ),
    "a rate by day": lambda: charts.trend(
        "每日一次性办成率(%)",
        DAYS[:5],
        [0.5, None, 0.61, 0.55, 0.6],
        percent=True,
        axis="日期",
        baseline=0.542,
        baseline_label="基期 54.2%",
    ),
    "long matter names": lambda: charts.bars(
        "各事项一次性办成率(%)", MATTERS, [0.996, 0.3, None, 0.0], percent=True, axis="事项"
    ),
    "a legend name wider than the chart": lambda: charts.lines(
        "各小时平均等待",
        HOURS[:3],
        [
            ("现状", [1, 2, 3]),
            (
                "事项 cbdj 的 87.88% 转网上办理，导引台预审材料一次备齐率提升 20 个百分点，核验移至后台，关闭 1 个窗口",
                [2, 3, 4],
            ),
        ],
    ),
    "a period with no days": lambda: charts.trend(
        "每日受理件数", [], [], axis="日期", baseline=None, baseline_label="基期日均 — 件"
    ),
    "no window with the figure": lambda: charts.bars("各窗口平均办理时长(分钟)", [], [], axis="窗口"),
    "a very long title": lambda: charts.bars(
        "各窗口平均办理时长(分钟)，不含后台办结的办件，按首次受理的窗口归属，极端案例另列",
        ["1号窗口", "2号窗口"],
        [7.25, 11.0],
        axis="窗口",
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_every_text_is_at_least_11_px_and_inside_the_drawing(case):
    d = CASES[case]()
    found = texts(d)
    assert found
    for text, size, (x0, y0, x1, y1) in found:
        assert size >= charts.MIN_FONT, (text, size)
        assert x0 >= -0.5 and y0 >= -0.5 and x1 <= d.width + 0.5 and y1 <= d.height + 0.5, (
            text,
            (x0, y0, x1, y1),
        )


@pytest.mark.parametrize("case", CASES)
def test_no_two_texts_overlap(case):
    boxes = [b for _, _, b in texts(CASES[case]())]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            apart = a[2] <= b[0] + 0.5 or b[2] <= a[0] + 0.5 or a[3] <= b[1] + 0.5 or b[3] <= a[1] + 0.5
            assert apart, (a, b)


def test_six_series_keep_the_title_and_every_legend_entry():
    d = CASES["six scenarios by hour"]()
    inside = [
        t for t, _, (x0, y0, x1, y1) in texts(d) if x0 >= 0 and y0 >= 0 and x1 <= d.width and y1 <= d.height
    ]
    drawn = "".join(inside)  # a legend entry past the drawing's edge is cut off by the SVG's viewport
    assert "各小时平均等待：现状与情景(分钟)" in drawn
    for name in SIX:
        assert name in drawn, name
    assert [n for n, _ in d._figure.series] == SIX


def test_a_long_title_wraps_instead_of_running_off():
    title = "各窗口平均办理时长(分钟)，不含后台办结的办件，按首次受理的窗口归属，极端案例另列"
    d = CASES["a very long title"]()
    heads = [t for t, size, _ in texts(d) if size == charts.TITLE_FONT]
    assert len(heads) > 1 and "".join(heads) == title


def test_long_periods_thin_their_day_labels_rather_than_overlap():
    d = CASES["six weeks by day"]()
    shown = [t for t, _, _ in texts(d) if t in DAYS]
    assert shown[0] == DAYS[0] and 5 <= len(shown) < len(DAYS)
    step = DAYS.index(shown[1]) - DAYS.index(shown[0])
    assert shown == DAYS[::step]


def test_a_trend_draws_its_baseline_as_a_dashed_line_the_legend_names():
    d = CASES["six weeks by day"]()
    assert "基期日均 148.2 件" in [t for t, _, _ in texts(d)]
    assert any(line.strokeDashArray for line in lines_drawn(d))  # the baseline and its legend sample
    header, rows = charts.table(d._figure)
    assert header == ["日期", "本期", "基期日均 148.2 件"] and rows[0][2] == "148.2"
    assert "基期日均 148.2 件：148.2" in charts.describe(d._figure)


def test_a_missing_value_is_shown_as_missing_not_as_zero():
    bars = CASES["long matter names"]()
    assert "—" in [t for t, _, _ in texts(bars)]
    assert charts.table(bars._figure)[1][2] == ["缴费核定", "—"]
    trend = CASES["a rate by day"]()
    chart = next(c for c in trend.contents if hasattr(c, "data"))
    assert chart.data[0] == pytest.approx(
        [50, None, 61, 55, 60]
    )  # reportlab leaves the missing day out: no point at 0


def test_a_chart_taller_than_a_pdf_page_is_scaled_to_fit_it():
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import SimpleDocTemplate

    many = charts.bars("各事项一次性办成率(%)", [f"事项{n}" for n in range(60)], [0.5] * 60, percent=True)
    assert many.height > A4[1]
    doc = SimpleDocTemplate(io.BytesIO(), pagesize=A4)
    fitted = charts.fit(many, doc.width, doc.height * 0.9)
    assert fitted.height <= doc.height * 0.9 and fitted.width <= doc.width
    doc.build([fitted])  # reportlab refuses a flowable taller than its frame


@pytest.mark.parametrize(
    "drawing",
    [
        lambda: charts.lines("每日受理件数", DAYS[:5], [("受理件数", [0, 0, 0, 0, 0])], axis="日期"),
        lambda: charts.bars("各窗口受理件数", ["1号窗口", "2号窗口"], [1, 3], axis="窗口"),
    ],
    ids=["a period with nothing", "small counts"],
)
def test_counts_that_are_nothing_or_few_have_whole_number_ticks(drawing):
    """The review of an empty period drew its count axis 0-0.01 in steps of 0.002."""
    numbers = [t for t, _, _ in texts(drawing()) if t.replace(",", "").replace(".", "").isdigit()]
    assert numbers and all("." not in n for n in numbers), numbers
    assert {"0", "5"} <= set(numbers), numbers


def _charts_in(drawing) -> list:
    return [c for c in drawing.contents if hasattr(c, "data")]


@pytest.mark.parametrize(
    "drawing",
    [
        lambda: charts.trend("每日受理件数", [], [], axis="日期", baseline=None),
        lambda: charts.trend("每日一次性办成率(%)", [], [], percent=True, axis="日期", baseline=None),
        lambda: charts.trend("每日一次性办成率(%)", DAYS[:3], [None] * 3, percent=True, axis="日期"),
        lambda: charts.lines("各小时平均等待", HOURS[:3], [("现状", [None] * 3), ("情景", [None] * 3)]),
        lambda: charts.bars("各窗口平均办理时长(分钟)", [], [], axis="窗口"),
        lambda: charts.bars("各事项一次性办成率(%)", [], [], percent=True, axis="事项"),
        lambda: charts.bars("各事项一次性办成率(%)", MATTERS[:2], [None, None], percent=True, axis="事项"),
    ],
    ids=[
        "counts, no day",
        "a rate, no day",
        "a rate, days without it",
        "two series without values",
        "durations, no window",
        "a rate, no matter",
        "a rate, matters without it",
    ],
)
def test_a_chart_with_no_known_value_says_so_rather_than_drawing_zeros(drawing):
    """A period with no data drew a lone dot at 0 / 0% with no date, and unnamed 0 and 0.0% bars, beside a page
    saying the figures are empty, not zero."""
    d = drawing()
    shown = texts(d)
    assert charts.NO_DATA in [t for t, _, _ in shown]
    assert not _charts_in(d)  # no axis, no point, no bar
    assert not [t for t, _, _ in shown if t.rstrip("%").replace(".", "").replace("0", "") == ""], shown
    for text, size, (x0, y0, x1, y1) in shown:
        assert size >= charts.MIN_FONT, text
        assert x0 >= 0 and y0 >= 0 and x1 <= d.width and y1 <= d.height, text
    note = next(box for t, _, box in shown if t == charts.NO_DATA)
    assert abs((note[0] + note[2]) / 2 - d.width / 2) < 1  # centred
    assert charts.describe(d._figure).endswith("没有数据。")


def test_a_missing_value_beside_known_ones_is_still_a_dash():
    d = charts.bars("各窗口平均办理时长(分钟)", ["1号窗口", "2号窗口"], [None, 12.5], axis="窗口")
    shown = [t for t, _, _ in texts(d)]
    assert "—" in shown and "12.5" in shown and charts.NO_DATA not in shown
    assert "0" not in shown[shown.index("2号窗口") :]  # the value axis's ticks come before the names


def test_no_bar_is_drawn_without_a_name():
    """The demo's week drew a bar named nothing with the value 0."""
    d = charts.bars("各窗口平均办理时长(分钟)", ["", "2号窗口"], [3.0, 4.0], axis="窗口")
    (chart,) = _charts_in(d)
    names = [t for t, _, _ in texts(d) if t in (charts.UNNAMED, "2号窗口")]
    assert len(chart.data[0]) == len(names) == 2
    assert charts.table(d._figure)[1][0] == [charts.UNNAMED, "3"]
