"""The window's merged form in a real browser (issue 13, item 4): 参保险种 ticked by keyboard, a draft that saves
what is valid and marks the rest, and a data-ferry reply ticking the kinds while the form is open."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from onevisit.cases import services as cases
from onevisit.cases.models import FieldEntry
from onevisit.core.models import Event
from onevisit.queueing import services as queueing
from onevisit.web import demo
from tests.conftest import _actor, load_seed_catalog
from tests.e2e.conftest import Audit, focused, key_check, key_type, login, needs_chromium
from tests.journey import prereview

pytestmark = [pytest.mark.django_db(transaction=True), needs_chromium]

SHOTS = Path(settings.ONEVISIT_SHOTS)
INSURANCE = ["养老", "医疗", "失业", "工伤", "生育"]


@pytest.fixture
def base(live_server):
    load_seed_catalog()
    demo.load()
    return live_server.url


def _accepted_case():
    """A cbdj case accepted at 1号窗口 (the guide desk and the call done by the services)."""
    from onevisit.accounts.models import Window

    guide, clerk = _actor("daoban"), _actor("chuangkou1")
    window = Window.objects.get(hall=clerk.hall, code="w1")
    ticket = prereview(guide, "cbdj").ticket
    assert queueing.call_next(window=window, actor=clerk) == ticket
    return cases.accept(actor=clerk, window=window, code=ticket.token)


def _open_case(browser, base, case):
    """Sign in at 1号窗口 and open the case from the window's list of open cases, by keyboard."""
    page = login(browser, base, "chuangkou1")
    page.get_by_role("link", name=case.number).focus()
    page.keyboard.press("Enter")
    page.get_by_text("一表申请").wait_for()
    return page


def _ticked(page) -> list[str]:
    return page.evaluate(
        "() => Array.from(document.querySelectorAll('input[name=insurance_types][type=checkbox]:checked'))"
        ".map(b => b.value)"
    )


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_kinds_ticked_with_space_save_in_a_draft_beside_a_wrong_value_that_is_marked_and_focused(
    base, browser
):
    case = _accepted_case()
    page = _open_case(browser, base, case)
    legend = page.locator("fieldset[data-multiple] legend").inner_text()
    assert "参保险种" in legend and "可多选" in legend
    key_type(page, "居住地址", "杭州市西湖区文三路1号")
    key_type(page, "统一社会信用代码", "91330106MA2CDE12")  # two characters short
    key_check(page, "失业", within="参保险种")
    key_check(page, "养老", within="参保险种", back=True)  # Shift+Tab back to it: order is the clerk's
    assert _ticked(page) == ["养老", "失业"]
    page.keyboard.press("F8")
    page.locator(".error-summary").wait_for()
    summary = page.locator(".error-summary").inner_text()
    assert "统一社会信用代码" in summary and "其余已保存" in summary, summary
    # The wrong value is where the keyboard is, marked, with its reason; the rest is saved and shown.
    now = focused(page)
    assert now["id"] == "f-employer_credit_code" and now["value"] == "91330106MA2CDE12", now
    assert page.evaluate("document.activeElement.getAttribute('aria-invalid')") == "true"
    assert "格式不正确" in page.locator("#err-employer_credit_code").inner_text()
    assert _ticked(page) == ["养老", "失业"]
    assert page.locator("#f-address").input_value() == "杭州市西湖区文三路1号"
    form = cases.case_form(case)
    assert form.entered == {"address": "杭州市西湖区文三路1号", "insurance_types": "养老、失业"}
    fields = {e.data["field"] for e in Event.objects.filter(type="field.entered", case=str(case.pk))}
    assert fields == {"address", "insurance_types"}
    _shot(page, "merged-form-draft-with-an-error")
    audit = Audit()
    if audit.available:
        audit(page, "case: draft saved with a wrong value marked")
        audit.assert_clean()
    # Unticking one and saving again by keyboard: stored as what is ticked.
    key_check(page, "养老", on=False, within="参保险种")
    key_type(page, "统一社会信用代码", "91330106MA2CDE1234")
    page.keyboard.press("F8")
    page.get_by_text("表单已保存").wait_for()
    assert _ticked(page) == ["失业"] and cases.case_form(case).entered["insurance_types"] == "失业"


def test_a_ferry_reply_arriving_while_the_form_is_open_ticks_the_kinds_and_is_no_entry(
    base, browser, monkeypatch, settings, tmp_path
):
    from onevisit.ferry import services as ferry

    settings.ONEVISIT_AUDIT_DIR, settings.ONEVISIT_EXCHANGE_DIR = tmp_path / "audit", tmp_path / "exchange"
    ferry.load(Path(__file__).resolve().parents[2] / "data" / "ferry")  # lookups stay pending: no worker runs
    replies: dict[str, str] = {}
    monkeypatch.setattr(ferry, "known_for_case", lambda case: dict(replies))
    case = _accepted_case()
    page = _open_case(browser, base, case)
    assert _ticked(page) == [] and page.locator("#ferry-panel").count() == 1
    replies["insurance_types"] = "医疗,养老"  # the back end's own spelling arrives
    page.wait_for_function(
        "() => document.querySelectorAll('input[name=insurance_types][type=checkbox]:checked').length === 2",
        timeout=5_000,
    )
    assert _ticked(page) == ["养老", "医疗"]
    group = page.locator("fieldset[data-multiple]").inner_text()
    assert "已由数据摆渡带出" in group, group
    _shot(page, "merged-form-ferry-ticked")
    page.keyboard.press("F8")
    page.get_by_text("表单已保存").wait_for()
    kept = FieldEntry.objects.get(case=case, field="insurance_types")
    assert kept.source == "known" and kept.value == "养老、医疗"
    assert not Event.objects.filter(type="field.entered", case=str(case.pk)).exists()
