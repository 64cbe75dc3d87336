"""Enrolling the authenticator in a real browser (issue 16, browser walk): the cursor is in the code field, the
key reads in blocks of four yet copies whole, and an empty code is answered by the server in Chinese, not by the
browser's own bubble."""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from onevisit.web import demo
from tests.e2e.conftest import needs_chromium, new_page

pytestmark = [pytest.mark.django_db(transaction=True), needs_chromium, pytest.mark.browser]


def test_the_enrolment_page_focuses_the_code_groups_the_key_and_answers_in_chinese(base, browser):
    TOTPDevice.objects.filter(user__username="fazhi").delete()  # a reviewer's first sign-in
    page = new_page(browser)
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", "fazhi")
    page.fill("input[name=password]", demo.DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/login/otp/enrol/" in url)
    assert page.evaluate("document.activeElement.id") == "otp-code"
    key = page.locator("#otp-secret")
    blocks = key.locator("span").all_inner_texts()
    assert len(blocks) > 1 and all(len(b) == 4 for b in blocks[:-1])
    copied = page.evaluate(
        """() => { const range = document.createRange(); range.selectNodeContents(document.getElementById('otp-secret'));
           const s = getSelection(); s.removeAllRanges(); s.addRange(range); return s.toString(); }"""
    )
    assert copied == "".join(blocks)  # what a copy gives: the bare key
    box = [key.locator("span").nth(i).bounding_box() for i in (0, 1)]
    assert box[1]["x"] - (box[0]["x"] + box[0]["width"]) > 4  # yet the blocks stand apart
    page.focus("#otp-code")
    page.keyboard.press("Enter")  # nothing typed: the server answers
    page.wait_for_selector("#code-error")
    assert "请输入动态口令" in page.inner_text("#code-error")


def test_on_a_phone_the_key_wraps_between_whole_blocks_each_line_flush(base, browser):
    """The walk found the key's second line indented (the space before a block) and a block split across lines."""
    TOTPDevice.objects.filter(user__username="fazhi").delete()
    page = new_page(browser, width=360, height=800)
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", "fazhi")
    page.fill("input[name=password]", demo.DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/login/otp/enrol/" in url)
    lines = page.evaluate(
        """() => { const spans = [...document.querySelectorAll('#otp-secret span')];
           return spans.map(s => ({rects: s.getClientRects().length, top: Math.round(s.getBoundingClientRect().top),
                                   left: s.getBoundingClientRect().left})); }"""
    )
    assert all(s["rects"] == 1 for s in lines), "a block is split across lines"
    starts = [s["left"] for i, s in enumerate(lines) if i and s["top"] > lines[i - 1]["top"]]
    assert starts, "the key fits one line at 360 px: nothing to check"
    owner = page.evaluate("document.getElementById('otp-secret').parentElement.getBoundingClientRect().left")
    assert all(abs(left - owner) < 1 for left in starts), (starts, owner)


def test_on_the_code_page_the_way_out_is_at_the_top_right_as_its_note_says(base, browser):
    """The walk found 退出 right after the name, mid-bar, on the one page whose note points to the top right."""
    page = new_page(browser, width=1280, height=800)
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", "fazhi")
    page.fill("input[name=password]", demo.DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_selector("#otp-code")
    assert "右上角" in page.locator("main").inner_text()
    leave = page.locator("header").get_by_role("button", name="退出").bounding_box()
    assert leave["x"] + leave["width"] > 1280 - 60, leave
