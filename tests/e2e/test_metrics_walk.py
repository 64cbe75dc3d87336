"""The analyst's morning in Chromium: after a clerk has signed in, served and handed over, and the desk has marked
a material not applicable, 今日指标 shows the hall, window × matter, round trips, throughput per staffed hour and
each definition; by in-app links and the keyboard the review page takes a percentile as a what-if beside the
official verdict. axe-core audits each state; screenshots go to var/e2e/."""

import pytest

from onevisit.web import demo
from tests.conftest import load_seed_catalog
from tests.e2e.conftest import SHOTS, assert_in_app, login, needs_chromium

pytestmark = [pytest.mark.django_db(transaction=True), needs_chromium]


def _boosted(page, selector: str) -> None:
    page.evaluate(
        """() => { window.settled = false;
           document.addEventListener('htmx:afterSettle', () => { window.settled = true; }, {once: true}); }"""
    )
    page.click(selector)
    page.wait_for_function("window.settled === true")


def test_the_analyst_reads_the_day_and_tries_a_percentile_without_changing_the_verdict(
    live_server, browser, axe
):
    from onevisit.cases import services as cases
    from onevisit.catalog import services as catalog
    from tests.conftest import _actor
    from tests.journey import called, fill_form, handed_over, prereview

    load_seed_catalog()
    hall = demo.load()
    base = live_server.url
    clerk_page = login(browser, base, "chuangkou1")  # the clerk signs in: 1号窗口 is staffed from now
    guide, clerk = _actor("daoban"), _actor("chuangkou1")
    window = hall.windows.get(code="w1")
    ticket = called(guide, clerk, window)
    case = cases.accept(actor=clerk, window=window, code=ticket.token)
    fill_form(clerk, case)
    cases.complete(actor=clerk, case_id=case.pk)
    ticket = called(guide, clerk, window, "gxzy")
    handed_over(clerk, cases.accept(actor=clerk, window=window, code=ticket.token))
    every = [m.code for m in catalog.checklist_for_matter("cbdj").materials]
    prereview(
        guide,
        "cbdj",
        present=[c for c in every if c != "ldht"],
        not_applicable={"ldht": "灵活就业人员"},
        channel="online_assisted",
    )
    clerk_page.close()

    analyst = login(browser, base, "fenxi")
    assert analyst.url.endswith("/metrics/")
    hall_table = analyst.locator("#hall")
    assert "办件 2 件" in hall_table.locator("tr[data-metric=throughput_per_window_hour]").inner_text()
    assert "1.00" in hall_table.locator("tr[data-metric=mean_round_trips]").inner_text()
    pairs = analyst.locator("#by-window-matter tbody tr")
    assert pairs.count() == 2 and "参保登记" in pairs.nth(0).inner_text() + pairs.nth(1).inner_text()
    assert "劳动合同或用工证明" in analyst.locator("#not-applicable").inner_text()
    assert analyst.locator("#definitions dt").count() >= 7
    SHOTS.mkdir(parents=True, exist_ok=True)
    analyst.screenshot(path=str(SHOTS / "metrics-today.png"), full_page=True)
    axe(analyst, "metrics today after a morning")

    _boosted(analyst, "main a[href$='/metrics/review/']")
    analyst.fill("input[name=outlier]", "")
    analyst.focus("input[name=outlier]")
    analyst.keyboard.type("0.9")
    with analyst.expect_response(lambda r: "outlier=0.9" in r.url):
        analyst.keyboard.press("Enter")
    analyst.wait_for_selector("#what-if")
    assert_in_app(analyst)
    row = analyst.locator("tr[data-metric=mean_handling_seconds]")
    assert row.locator("td.what-if").count() == 3
    assert "第 90 百分位" in analyst.locator("#what-if").inner_text()
    assert "第 99 百分位" in analyst.locator("#official-rule").inner_text()
    analyst.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    analyst.screenshot(path=str(SHOTS / "metrics-review-what-if.png"), full_page=True)
    axe(analyst, "metrics review with a what-if percentile")
    axe.assert_clean()
