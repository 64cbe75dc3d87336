"""The analyst's charts in Chromium at 1366 px, reached by the page's own links and forms: every text on a chart at
least 11 px as drawn, nothing outside its chart, the titles kept, the trends against their baseline, the plan's
six series each in the legend; the review's Excel file downloaded from the page holds its native charts."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from onevisit.accounts.models import Hall, Staff
from onevisit.web import demo
from tests.conftest import load_seed_catalog
from tests.e2e.conftest import SHOTS, assert_in_app, login, needs_chromium

pytestmark = [pytest.mark.django_db(transaction=True), needs_chromium]

MEASURE = """() => [...document.querySelectorAll('figure.chart svg')].map(svg => {
  const box = svg.getBoundingClientRect();
  const k = box.width / svg.viewBox.baseVal.width;
  const texts = [...svg.querySelectorAll('text')].filter(t => t.textContent.trim()).map(t => {
    const r = t.getBoundingClientRect();
    return {text: t.textContent, px: parseFloat(getComputedStyle(t).fontSize) * k,
            inside: r.left >= box.left - 1 && r.right <= box.right + 1 && r.top >= box.top - 1
                    && r.bottom <= box.bottom + 1};
  });
  return {title: svg.querySelector('title').textContent, width: box.width, texts};
})"""


def _charts(page) -> dict[str, list[dict]]:
    charts = page.evaluate(MEASURE)
    for chart in charts:
        assert chart["width"] >= 480, chart["title"]  # shown at its natural size, not shrunk
        small = [(t["text"], round(t["px"], 1)) for t in chart["texts"] if t["px"] < 11 - 0.01]
        outside = [t["text"] for t in chart["texts"] if not t["inside"]]
        assert not small and not outside, (chart["title"], small, outside)
        assert chart["title"] in "".join(t["text"] for t in chart["texts"])  # the title is drawn, whole
    return {c["title"]: [t["text"] for t in c["texts"]] for c in charts}


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_the_analysts_charts_are_readable_at_1366_px(live_server, browser):
    load_seed_catalog()
    demo.load()
    call_command(
        "history",
        "generate",
        "--days",
        "12",
        "--halls",
        "1",
        "--start",
        "2026-09-07",
        stdout=io.StringIO(),
        verbosity=0,
    )
    hist = Hall.objects.get(code="hist01")
    Staff.objects.get(user__username="fenxi").compare_halls.add(hist)

    page = login(browser, live_server.url, "fenxi", width=1366, height=900)
    page.wait_for_selector("h1:has-text('今日指标')")  # the analyst's home
    page.click("a:has-text('周例会指标复盘')")
    page.wait_for_url("**/metrics/review/")
    page.select_option("select[name=hall]", "hist01")
    page.select_option("select[name=base_hall]", "hist01")
    for name, day in (
        ("from", "2026-09-14"),
        ("to", "2026-09-18"),
        ("base_from", "2026-09-07"),
        ("base_to", "2026-09-11"),
    ):
        page.fill(f"input[name={name}]", day)
    page.keyboard.press("Enter")  # htmx swaps the page in (hx-boost), no reload
    page.wait_for_url("**/metrics/review/?*from=2026-09-14*")
    page.wait_for_selector("figure.chart svg")
    review = _charts(page)
    _shot(page, "review-charts-1366")
    assert set(review) == {
        "每日受理件数",
        "每日一次性办成率(%)",
        "各窗口平均办理时长(分钟)",
        "各事项一次性办成率(%)",
    }
    assert any(t.startswith("基期日均") for t in review["每日受理件数"])  # the baseline, named in the legend
    assert any(t.startswith("基期 ") and t.endswith("%") for t in review["每日一次性办成率(%)"])
    assert "参保登记" in review["各事项一次性办成率(%)"]

    with page.expect_download() as info:
        page.click("text=导出 Excel")
    assert info.value.suggested_filename == "review-hist01-20260914-20260918.xlsx"
    wb = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()))
    assert [len(wb[s]._charts) for s in ("按日期", "按窗口", "按事项")] == [2, 1, 1]

    page.click("nav >> text=窗口规划")
    page.wait_for_url("**/planning/**", timeout=120_000)
    page.wait_for_selector("select[name=hall]")
    page.select_option("select[name=hall]", "hist01")
    page.fill("input[name=from]", "2026-09-07")
    page.fill("input[name=to]", "2026-09-18")
    for box in page.locator("input[name=scenario]").all():
        box.check()
    page.fill("input[name=other]", "online:cbdj:0.8788")
    page.click("button:has-text('计算')")
    page.wait_for_url("**/planning/?*other=online*", timeout=120_000)
    page.wait_for_selector("figure.chart svg", timeout=120_000)
    assert_in_app(page)  # every step by the pages' own links and forms
    plan = _charts(page)
    _shot(page, "plan-charts-1366")
    hourly = "".join(plan["各小时平均等待：现状与情景(分钟)"])
    legend = [
        "现状",
        "导引台预审",
        "核验移至后台",
        "日均少于 40 人的队列合并为综合窗口",
        "关闭 1 个窗口",
        "87.88% 转网上办理",
    ]
    assert all(name in hourly for name in legend), hourly
