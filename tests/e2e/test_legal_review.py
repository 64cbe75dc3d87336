"""The legal section's review walked in Chromium (issue 14): the IT centre drafts a checklist change in the admin
(adding a material, once a 500), the legal section returns it with a reason, the drafter reads why and submits
again, the legal section publishes it as a temporary change with an end date and the page flags it."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings

from onevisit.catalog.models import ChecklistVersion
from onevisit.core import clock
from onevisit.web import demo
from tests.conftest import load_seed_catalog
from tests.e2e.conftest import login, needs_chromium

pytestmark = [pytest.mark.django_db(transaction=True), needs_chromium]
SHOTS = Path(settings.ONEVISIT_SHOTS)


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"legal-{name}.png"), full_page=True)


def _select_and_run(page, row: str, action_label: str) -> None:
    """Tick the changelist row of `row` (its name as the row's checkbox reads it), choose the action and run it."""
    page.check(f"input.action-select[aria-label^='选择此对象执行操作 - {row}']")
    page.select_option("select[name=action]", label=action_label)
    page.click("button[name=index]")


def test_a_checklist_change_goes_from_the_admin_through_a_return_to_a_temporary_publication(
    live_server, browser, axe
):
    load_seed_catalog()
    demo.load()
    base = live_server.url

    # the IT centre opens a draft of 参保登记 and adds a material in the admin
    it = login(browser, base, "admin")
    it.goto(f"{base}/admin/")
    it.click(".app-catalog th a:text-is('事项')")
    _select_and_run(it, "参保登记", "新建材料清单草稿（从现行版本复制）")
    it.wait_for_selector("text=草稿 第2版 可编辑")
    it.click("a:text-is('首页')")
    it.click(".app-catalog th a:text-is('材料清单版本')")
    it.click("#result_list a:has-text('参保登记')")  # the newest version first: the draft
    it.click("text=添加另一个 材料")
    row = it.locator("tr.dynamic-materials").last
    row.locator("input[name$='-code']").fill("jzz")
    row.locator("input[name$='-name']").fill("居住证")
    row.locator("input[name$='-position']").fill("9")
    it.click("input[name=_save]")
    it.wait_for_selector(".messagelist")
    assert "居住证" in ChecklistVersion.objects.get(matter__code="cbdj", number=2).materials.values_list(
        "name", flat=True
    )
    _shot(it, "1-admin-draft-saved")
    _select_and_run(it, "参保登记 第2版", "提交法制审核")
    it.wait_for_selector("text=已提交，等待法制科发布")

    # the legal section reads the change and returns it with a reason, by keyboard
    legal = login(browser, base, "fazhi")
    legal.click("nav >> text=法制审核")
    legal.wait_for_selector("text=与现行第1版相比")
    assert "新增材料「居住证」" in legal.content()
    axe(legal, "legal review with a submitted version")
    _shot(legal, "2-review")
    legal.fill("textarea[name=rejection_reason]", "居住证须写明在有效期内")
    legal.click("button:has-text('退回')")
    legal.wait_for_selector("text=已退回、等待起草人修改")
    _shot(legal, "3-returned")

    # the drafter reads why in the admin and submits again
    it.goto(f"{base}/admin/catalog/checklistversion/")
    assert "居住证须写明在有效期内" in it.content()
    _shot(it, "4-admin-reads-the-reason")
    _select_and_run(it, "参保登记 第2版", "提交法制审核")
    it.wait_for_selector("text=已提交，等待法制科发布")

    # the legal section publishes it as a temporary change until an end date
    ends = clock.local_date() + timedelta(days=20)
    legal.click("nav >> text=法制审核")
    legal.check("input[name=temporary]")
    legal.click("button:has-text('审核通过并发布')")
    legal.wait_for_selector("[aria-invalid=true]")  # the filing number, reason and end date are asked for
    axe(legal, "legal review refusing a temporary publication without its end date")
    _shot(legal, "5-temporary-refused")
    legal.fill("input[name=filing_number]", "备2026-118")
    legal.fill("input[name=reason]", "试点期间居住证可容缺")
    legal.fill("input[name=ends_on]", ends.isoformat())
    legal.click("button:has-text('审核通过并发布')")
    legal.wait_for_selector("text=施行中，还有 20 天")
    assert f"{ends:%Y-%m-%d}" in legal.content() and "恢复第1版" in legal.content()
    axe(legal, "legal review flagging a temporary change")
    _shot(legal, "6-temporary-flagged")
    legal.click("table a:has-text('参保登记')")
    legal.wait_for_selector("text=版本历史")
    assert f"至 {ends:%Y-%m-%d} 止" in legal.content()
    _shot(legal, "7-history")
    assert ChecklistVersion.objects.get(matter__code="cbdj", number=2).status == "temporary"
    axe.assert_clean()
