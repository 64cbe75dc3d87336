"""The display board in a real browser (1920×1080): 开启语音 once and remembered, each call spoken once."""

import pytest
from django.contrib.auth import get_user_model

from onevisit.accounts.models import Window
from onevisit.accounts.services import actor_for
from onevisit.queueing import services
from onevisit.web import demo
from tests.conftest import load_seed_catalog
from tests.e2e.conftest import ARGS, CHROMIUM, needs_chromium
from tests.journey import ticket

pytestmark = [pytest.mark.django_db(transaction=True), needs_chromium]

# Chromium without a speech engine: record what the board asks to speak instead.
RECORD_SPEECH = """
window.__said = [];
window.speechSynthesis.speak = function (u) { window.__said.push(u.text); };
"""


def _actor(username):
    return actor_for(get_user_model().objects.get(username=username))


def test_board_speaks_each_call_once_after_voice_is_switched_on(live_server, settings, monkeypatch):
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    load_seed_catalog()
    hall = demo.load()
    guide, clerk = _actor("daoban"), _actor("chuangkou1")
    window = Window.objects.get(hall=hall, code="w1")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        # Playwright's wait_for_function evaluates strings, which the page's CSP refuses (tests/e2e/test_csp.py
        # walks the board with the policy on)
        page = browser.new_context(viewport={"width": 1920, "height": 1080}, bypass_csp=True).new_page()
        page.add_init_script(RECORD_SPEECH)
        page.goto(f"{live_server.url}/board/demo/")
        assert page.is_visible("text=开启语音")
        page.click("text=开启语音")
        assert not page.is_visible("text=开启语音")
        page.reload()
        assert not page.is_visible("text=开启语音")  # remembered

        ticket(guide, "cbdj")
        services.call_next(window=window, actor=clerk)
        page.wait_for_selector("tr.latest >> text=A001", timeout=10_000)
        page.wait_for_timeout(4_500)  # two more polls: the call must not be spoken again
        assert page.evaluate("window.__said") == ["请 A 0 0 1 号到1号窗口"]
        assert page.inner_text("#board-announce") == "请 A 0 0 1 号到1号窗口"

        t = services.called_at_window(window)[0]
        services.recall(window=window, ticket_id=t.pk, actor=clerk)  # 重呼 is spoken again, once
        page.wait_for_function("window.__said.length === 2", timeout=10_000)
        services.mark_no_show(window=window, ticket_id=t.pk, actor=clerk)
        page.wait_for_selector(".board-no-shows >> text=A001", timeout=10_000)
        page.wait_for_timeout(2_500)
        assert len(page.evaluate("window.__said")) == 2
        browser.close()
