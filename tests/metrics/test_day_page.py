"""The day page (今日指标) as the analyst reads it after a real morning: the hall, window × matter, the round
trips, the materials marked not applicable and each indicator's definition."""

from __future__ import annotations

import re

import pytest

from onevisit.cases import services as cases
from onevisit.catalog import services as catalog
from tests.journey import called, fill_form, prereview


def _cell_after(html: str, anchor: str) -> str:
    """The text of the table row holding `anchor` (the first after it when it opens the body)."""
    at = html.index(anchor)
    start = html.index("<tr", at) if anchor == "<tbody>" else html.rindex("<tr", 0, at)
    row = html[start:].split("</tr>")[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()


@pytest.mark.django_db
def test_the_day_page_adds_window_by_matter_round_trips_not_applicable_and_definitions(
    guide, clerk, clerk2, window1, window2, analyst_client
):
    # 1号窗口: 参保登记 completed on the spot. 2号窗口: 缴费核定 accepted and left open.
    ticket = called(guide, clerk, window1)
    case = cases.accept(actor=clerk, window=window1, code=ticket.token)
    fill_form(clerk, case)
    cases.complete(actor=clerk, case_id=case.pk)
    ticket = called(guide, clerk2, window2, "jfhd")
    cases.accept(actor=clerk2, window=window2, code=ticket.token)
    # The desk marks 劳动合同 not applicable for a 灵活就业 citizen in one of three 参保登记 pre-reviews.
    every = [m.code for m in catalog.checklist_for_matter("cbdj").materials]
    prereview(
        guide,
        "cbdj",
        present=[c for c in every if c != "ldht"],
        not_applicable={"ldht": "灵活就业人员"},
        channel="online_assisted",
    )

    page = analyst_client.get("/metrics/").content.decode()
    hall = page[page.index('id="hall"') :].split("</table>")[0]
    assert "群众往返次数" in hall and _cell_after(hall, 'data-metric="mean_round_trips"').startswith(
        "群众往返次数 1.00 办结 1 件"
    )
    assert (
        _cell_after(hall, 'data-metric="not_applicable_share"')
        == "材料不适用标记率 33.3% 预审 3 件，其中 1 件有材料标为不适用"
    )
    pairs = page[page.index('id="by-window-matter"') :].split("</table>")[0]
    assert _cell_after(pairs, "1号窗口").startswith("1号窗口 参保登记 1 1 100.0%")
    assert _cell_after(pairs, "2号窗口").startswith("2号窗口 缴费核定 1 0 0.0%")
    na = page[page.index('id="not-applicable"') :].split("</section>")[0]
    assert _cell_after(na, "<tbody>") == "参保登记 劳动合同或用工证明 1 2 50.0%"  # of 2 参保登记 pre-reviews
    definitions = page[page.index('id="definitions"') :].split("</section>")[0]
    for label in ("一次性办成率", "群众往返次数", "窗口每小时办件量", "材料不适用标记率"):
        assert f"<dt>{label}</dt>" in definitions
    assert "叫下一个号之前" in definitions and "前一张号仍在等候或正在办理时" in definitions
    assert "登录且未暂停" in definitions


@pytest.mark.django_db
def test_the_review_page_lists_the_not_applicable_marks_and_the_definitions(guide, analyst_client):
    every = [m.code for m in catalog.checklist_for_matter("cbdj").materials]
    prereview(
        guide,
        "cbdj",
        present=[c for c in every if c != "ldht"],
        not_applicable={"ldht": "灵活就业人员"},
        channel="online_assisted",
    )
    page = analyst_client.get("/metrics/review/").content.decode()
    na = page[page.index('id="not-applicable"') :].split("</section>")[0]
    assert _cell_after(na, "<tbody>") == "参保登记 劳动合同或用工证明 1 1 100.0%"
    definitions = page[page.index('id="definitions"') :].split("</section>")[0]
    assert "<dt>相对办件量</dt>" in definitions and "<dt>材料不适用标记率</dt>" in definitions


@pytest.mark.django_db
def test_a_material_marked_in_a_bundle_is_named_even_when_another_matter_of_the_bundle_lists_it(catalog):
    """The mark is recorded under the bundle's key matter (退休审批) while 缴费年限核定表 is the medical-insurance
    matter's: the table showed the code ybtx-hdb."""
    from onevisit.metrics import report

    rows = [
        {"matter": "retire-approval", "material": "ybtx-hdb"},
        {"matter": "cbdj", "material": "ldht"},
        {"matter": "cbdj", "material": "gone-from-catalog"},
    ]
    names = report.material_names(rows)
    assert names[("retire-approval", "ybtx-hdb")] == "职工医保退休人员缴费年限核定表"
    assert names[("cbdj", "ldht")] == "劳动合同或用工证明"
    assert names[("cbdj", "gone-from-catalog")] == "gone-from-catalog"  # nothing to name it by: its code


def test_a_case_over_the_percentile_that_a_clerk_also_flagged_is_listed_once():
    """The walk saw h01-c002405 twice in the outlier list: once over the percentile, once flagged."""
    from datetime import date
    from types import SimpleNamespace

    from onevisit.metrics import engine, report

    listed = [
        {
            "case": "c1",
            "matter": "cbdj",
            "window": "w1",
            "day": date(2026, 11, 16),
            "seconds": 5400.0,
            "limit_seconds": 1800.0,
            "note": "",
        },
        {
            "case": "c1",
            "matter": "cbdj",
            "window": "w1",
            "day": date(2026, 11, 16),
            "seconds": 5400.0,
            "limit_seconds": None,
            "note": "系统故障",
        },
        {
            "case": "c2",
            "matter": "cbdj",
            "window": "w2",
            "day": date(2026, 11, 17),
            "seconds": None,
            "limit_seconds": None,
            "note": "办事人中途离开",
        },
    ]
    r = SimpleNamespace(
        outliers=listed,
        rule=engine.OutlierRule(0.99, 20),
        name=lambda how, code: {"cbdj": "参保登记", "w1": "1号窗口", "w2": "2号窗口"}[code],
    )
    rows = report.outlier_records(r)
    assert [row[0] for row in rows] == ["c1", "c2"]
    assert rows[0][5] == 30.0 and rows[0][6] == "超过该事项第 99 百分位；系统故障"
    assert rows[1][5] is None and rows[1][6] == "办事人中途离开"
