"""A real browser (Debian's Chromium driven by Playwright): guide desk → ticket → window calls → board shows it."""

import os
import re
import shutil

import pytest

from onevisit.web import demo
from tests.conftest import load_seed_catalog
from tests.factories import resident_id

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed (.ci/run installs it)"
    ),
]
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


@pytest.fixture
def browser(monkeypatch):
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop here
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def _login(browser, base: str, username: str):
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", demo.DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_selector("header nav")
    return page


def test_guide_desk_to_window_to_display_board(live_server, browser, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    load_seed_catalog()
    demo.load()
    base = live_server.url

    board = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()
    board.goto(f"{base}/board/demo/")
    board.wait_for_selector("text=暂无叫号")

    guide = _login(browser, base, "daoban")
    guide.keyboard.type("cbdj")  # pinyin initials of 参保登记
    guide.keyboard.press("Enter")
    guide.wait_for_selector("input[name=materials]")
    for box in guide.query_selector_all("input[name=materials]"):
        box.check()
    guide.fill("input[name=name]", "张三")
    guide.fill("input[name=resident_id]", resident_id())
    guide.fill("input[name=phone]", "13812345678")
    guide.click("button.primary.big")
    guide.wait_for_selector(".ticket-slip")
    number = guide.inner_text(".ticket-number").strip()
    token = re.search(r"<code>([0-9A-Z]{12})</code>", guide.content()).group(1)
    assert number == "A001"

    window = _login(browser, base, "chuangkou1")
    window.keyboard.press("F2")  # call next
    window.wait_for_selector("text=请 A001 号到1号窗口")
    window.keyboard.type(token)  # a barcode scanner types the token and presses Enter
    window.keyboard.press("Enter")
    window.wait_for_selector("text=预审结论")
    # The page gives the accept button focus once it has loaded; a scanner's Enter goes there.
    window.wait_for_function(
        "document.activeElement && document.activeElement.textContent.trim().startsWith('受理')"
    )
    window.keyboard.press("Enter")
    window.wait_for_selector("text=已受理，办件号")

    board.wait_for_selector("tr.latest >> text=A001", timeout=10_000)
    assert "1号窗口" in board.inner_text("tr.latest")
    assert board.get_attribute("tr.latest", "data-speech") == "请 A 0 0 1 号到1号窗口"
