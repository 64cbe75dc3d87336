"""The kiosk in a real browser (Debian's Chromium): two citizens in a row, idle reset, the back button, touch sizes."""

import pytest

from onevisit.web import demo
from tests.conftest import load_seed_catalog
from tests.e2e.conftest import ARGS, CHROMIUM, needs_chromium
from tests.factories import resident_id

pytestmark = [pytest.mark.django_db(transaction=True), needs_chromium]

# Every control a finger can reach, with its size; hidden ones (the staff panel) are left out.
SMALL_TARGETS = """() => Array.from(document.querySelectorAll('a[href], button, input:not([type=hidden]), select'))
  .filter(e => e.offsetParent !== null)
  .map(e => [e.textContent.trim() || e.name || e.id, e.getBoundingClientRect()])
  .filter(([, r]) => r.width < 44 || r.height < 44)
  .map(([name, r]) => name + ' ' + Math.round(r.width) + 'x' + Math.round(r.height))"""


@pytest.fixture
def kiosk(live_server, settings, monkeypatch):
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    load_seed_catalog()
    demo.load()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_context(viewport={"width": 1080, "height": 1920}, has_touch=True).new_page()
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", "zizhu")
        page.fill("input[name=password]", demo.DEMO_PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url("**/guide/kiosk/")
        yield page
        browser.close()


def _take_ticket(page, rid: str) -> str:
    page.click("a.matter-card:has-text('缴费核定')")
    page.wait_for_selector("#kiosk-id")
    for digit in rid:
        page.click(f"[data-keypad=kiosk-id] [data-key='{digit}']")
    assert page.input_value("#kiosk-id") == rid
    page.click("button:has-text('取号')")
    page.wait_for_selector(".ticket-number")
    return page.inner_text(".ticket-number").strip()


def test_two_citizens_in_a_row_leave_nothing_behind(kiosk, settings):
    page = kiosk
    assert page.evaluate(SMALL_TARGETS) == []
    assert not page.is_visible("text=退出") and not page.is_visible("text=办事指南")

    first = _take_ticket(page, resident_id())
    assert first == "C001" and page.evaluate(SMALL_TARGETS) == []
    page.click("text=完成")
    page.wait_for_selector("a.matter-card")
    assert "C001" not in page.content()
    home = page.url
    page.go_back()  # the browser's back button never shows the previous citizen's ticket or ID
    page.wait_for_load_state()
    assert "C001" not in page.content() and "/kiosk/" not in page.url  # back leaves the kiosk: the login page

    page.goto(home)
    second = _take_ticket(page, resident_id())
    assert second == "C002"
    assert "C001" not in page.content()


def test_kiosk_goes_back_to_its_start_after_a_ticket_and_when_left_idle(kiosk, settings):
    settings.ONEVISIT_KIOSK_TICKET_SECONDS = 2
    settings.ONEVISIT_KIOSK_IDLE_SECONDS = 2
    page = kiosk
    page.reload()
    _take_ticket(page, resident_id())
    page.wait_for_url("**/guide/kiosk/", timeout=6_000)  # the ticket page returns by itself
    assert "C001" not in page.content()

    page.click("a.matter-card:has-text('缴费核定')")
    page.wait_for_selector("#kiosk-id")
    page.click("[data-keypad=kiosk-id] [data-key='1']")
    page.click("[data-keypad=kiosk-id] [data-key='1']")
    page.wait_for_url("**/guide/kiosk/", timeout=6_000)  # idle: back to the start, typed digits gone
    page.wait_for_selector("a.matter-card")
    assert page.input_value("#appointment-code") == ""


def test_staff_reach_sign_out_only_by_holding_the_title(kiosk):
    page = kiosk
    assert not page.is_visible("text=退出自助机登录")
    page.click(".kiosk-bar .brand")  # a short tap does nothing
    assert not page.is_visible("text=退出自助机登录")
    box = page.locator(".kiosk-bar .brand").bounding_box()
    page.mouse.move(box["x"] + 5, box["y"] + 5)
    page.mouse.down()
    page.wait_for_timeout(3_300)
    page.mouse.up()
    assert page.is_visible("text=退出自助机登录")
    page.click("text=退出自助机登录")
    page.wait_for_url("**/login/")
