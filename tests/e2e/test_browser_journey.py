"""A real browser (Debian's Chromium driven by Playwright): guide desk → ticket → window calls → board shows it."""

import re

import pytest

from onevisit.web import demo
from tests.conftest import load_seed_catalog
from tests.e2e.conftest import CHROMIUM, browser, login, needs_chromium  # noqa: F401 (others import them from here)
from tests.factories import resident_id

pytestmark = [pytest.mark.django_db(transaction=True), needs_chromium]


def test_guide_desk_to_window_to_display_board(live_server, browser):  # noqa: F811
    load_seed_catalog()
    demo.load()
    base = live_server.url

    board = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()
    board.goto(f"{base}/board/demo/")
    board.wait_for_selector("text=暂无叫号")

    guide = login(browser, base, "daoban")
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

    window = login(browser, base, "chuangkou1")
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
