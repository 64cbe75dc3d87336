"""A bundle in a real browser, from the guide desk and the window's scan to the back office and delivery."""

import re

import pytest

from onevisit.cases.models import Case
from onevisit.web import demo
from tests.conftest import hall_supervisor, load_seed_catalog
from tests.e2e.conftest import login, needs_chromium
from tests.factories import resident_id

pytestmark = [pytest.mark.django_db(transaction=True), needs_chromium]


def test_retirement_bundle_from_scan_to_delivery(live_server, browser):
    load_seed_catalog()
    demo.load()
    base = live_server.url

    guide = login(browser, base, "daoban")
    guide.goto(f"{base}/guide/bundles/retirement/?q-transferred=true")
    guide.wait_for_selector("input[name=materials]")
    for box in guide.query_selector_all("input[name=materials]"):
        box.check()
    guide.fill("input[name=name]", "退休人")
    guide.fill("input[name=resident_id]", resident_id())
    guide.fill("input[name=phone]", "13812345678")
    guide.click("button.primary.big")
    guide.wait_for_selector(".ticket-slip")
    token = re.search(r"<code>([0-9A-Z]{12})</code>", guide.content()).group(1)

    window = login(browser, base, "chuangkou1")
    window.keyboard.press("F2")
    window.wait_for_selector("text=已叫号")
    window.keyboard.type(token)
    window.keyboard.press("Enter")
    window.wait_for_selector("text=预审结论")
    # The page gives the accept button focus once it has loaded; a scanner's Enter goes there.
    window.wait_for_function(
        "document.activeElement && document.activeElement.textContent.trim().startsWith('受理')"
    )
    window.keyboard.press("Enter")
    window.wait_for_selector("text=一表申请")
    assert "后台进度" in window.content()
    # The clerk completes the form (typed here through the service: the walk of the form is tests/e2e's hall
    # day), then F10 hands the case to the back office.
    from django.contrib.auth import get_user_model

    from onevisit.accounts.services import actor_for
    from tests.journey import fill_form

    fill_form(actor_for(get_user_model().objects.get(username="chuangkou1")), Case.objects.get())
    window.reload()
    window.wait_for_selector("text=移交后台")
    window.keyboard.press("F10")
    window.wait_for_selector("text=已移交后台")

    hall_supervisor()  # the hall admin with the back-office role: every department's list
    office = login(browser, base, "admin")
    for _ in range(10):
        office.goto(f"{base}/office/")
        task = office.locator(".review-item h2 a")
        if task.count() == 0:
            break
        task.first.click()  # the task's page: its case file, then the decision
        office.wait_for_selector("text=办理经过")
        with office.expect_response(lambda r: "/approve/" in r.url):
            office.click("button:has-text('审批通过')")
    case = Case.objects.get()
    assert case.status == "completed"

    window.goto(f"{base}/window/w1/")
    window.wait_for_selector("text=待出件")
    window.select_option("select[name=method]", "mail")
    window.fill("input[name=tracking_number]", "SF1234567890")
    window.click("button:has-text('出件')")
    window.wait_for_selector("text=已出件")

    citizen = browser.new_context(viewport={"width": 390, "height": 844}).new_page()  # a phone, no login
    citizen.goto(f"{base}/t/{token}/")
    assert "已出件" in citizen.content() and "SF1234567890" in citizen.content()
