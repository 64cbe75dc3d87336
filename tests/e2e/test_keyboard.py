"""Keys in a real browser across htmx navigation: each key types once, the scanner capture takes only keys
typed with nothing focused, and focus lands on the changed region instead of the page body."""

import os

import pytest

from onevisit.web import demo
from tests.conftest import load_seed_catalog
from tests.e2e.test_browser_journey import CHROMIUM, browser  # noqa: F401 (fixture)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed"),
]


@pytest.fixture
def base(live_server, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    load_seed_catalog()
    demo.load()
    return live_server.url


def _signed_in(browser, base: str, username: str):  # noqa: F811
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", demo.DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/login/" not in url)
    page.wait_for_load_state()
    page.evaluate("window.sameDocument = true")  # gone after a full reload: proves navigation stayed in-app
    return page


def _boosted_click(page, selector: str) -> None:
    """Follow a link through htmx (hx-boost) and wait until the new page is swapped in and settled."""
    page.evaluate(
        """() => { window.settled = false;
           document.addEventListener('htmx:afterSettle', () => { window.settled = true; }, {once: true}); }"""
    )
    page.click(selector)
    page.wait_for_function("window.settled === true")
    assert page.evaluate("window.sameDocument === true"), "the link reloaded the page instead of an htmx swap"


def _active(page) -> str:
    """The focused element as 'tag#id.text', for readable failures."""
    return page.evaluate(
        """() => { const a = document.activeElement;
           return a ? a.tagName.toLowerCase() + '#' + (a.id || '') + '.' + (a.textContent || '').trim().slice(0, 20) : 'null'; }"""
    )


def test_kiosk_keypad_types_one_character_per_press_after_boosted_navigation(base, browser):  # noqa: F811
    kiosk = _signed_in(browser, base, "zizhu")
    for _ in range(2):
        _boosted_click(kiosk, "a.matter-card >> nth=0")
        _boosted_click(kiosk, "a[href$='/guide/kiosk/']")
    pad = "[data-keypad=appointment-code]"
    for key in "AB12":
        kiosk.click(f"{pad} [data-key='{key}']")
    assert kiosk.input_value("#appointment-code") == "AB12"


def test_scan_typed_with_focus_on_the_body_lands_once_after_boosted_navigation(base, browser):  # noqa: F811
    window = _signed_in(browser, base, "chuangkou1")
    _boosted_click(window, "header nav a[href$='/window/']")
    _boosted_click(window, "header nav a[href$='/notice/']")
    _boosted_click(window, "header nav a[href$='/window/']")
    window.evaluate("document.activeElement.blur()")
    window.keyboard.type("A001", delay=5)  # a scanner types fast, without focusing the field first
    assert window.input_value("input[data-scanner]") == "A001"
