"""管理后台 from a product page opens the admin as a page of its own (the walk found it swapped into the product's
page by hx-boost, with none of the admin's stylesheets, until reloaded)."""

import pytest

from onevisit.web import demo
from tests.conftest import load_seed_catalog
from tests.e2e.conftest import login, needs_chromium

pytestmark = [pytest.mark.django_db(transaction=True), needs_chromium]


def test_the_admin_link_loads_the_admin_with_its_own_styles(live_server, browser):
    load_seed_catalog()
    demo.load()
    page = login(browser, live_server.url, "shenji")  # lands on the access log, a product page
    assert "/audit/access/" in page.url
    page.get_by_role("link", name="管理后台").click()
    page.wait_for_selector("#site-name")
    page.wait_for_load_state()
    assert page.evaluate("window.sameDocument") is None, "the admin was swapped into the product's page"
    assert page.locator("link[href*='admin/css/base']").count() == 1
    assert page.evaluate("getComputedStyle(document.querySelector('#header')).display") == "flex"
