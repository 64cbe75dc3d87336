"""The login page in Chromium: after a wrong password the keyboard is on the password, ready to retype it."""

import pytest

from tests.e2e.conftest import needs_chromium, new_page

pytestmark = [pytest.mark.django_db(transaction=True), needs_chromium]


def test_a_wrong_password_leaves_the_keyboard_on_the_cleared_password(base, browser):
    page = new_page(browser)
    page.goto(f"{base}/login/")
    assert page.evaluate("document.activeElement.name") == "username"
    page.keyboard.type("chuangkou1")
    page.keyboard.press("Tab")
    page.keyboard.type("not-the-password-7Q")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("#login-error").is_visible()
    assert page.evaluate("[document.activeElement.name, document.activeElement.value]") == ["password", ""]
    assert page.input_value("#login-username") == "chuangkou1"
