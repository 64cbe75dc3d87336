"""Issue 13 item 6 in a real browser: a change of situation at the guide desk keeps what was typed, and an
unticked option on the public notice stays unticked with one parameter per answer in the address."""

from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.e2e.conftest import login, needs_chromium, new_page, settled

pytestmark = [pytest.mark.django_db(transaction=True), needs_chromium]


def test_answering_a_question_at_the_desk_keeps_name_id_and_ticks(base, browser):
    desk = login(browser, base, "daoban")
    desk.keyboard.type("tuixiu")  # 退休一件事 by pinyin
    desk.keyboard.press("Enter")
    desk.wait_for_selector("#name")
    desk.fill("#name", "赵六")
    desk.fill("#resident_id", "110105198506151236")
    desk.fill("#phone", "13812345678")
    desk.check("input[name=materials][value=txsqb]")
    settled(desk, lambda: desk.locator("fieldset.question", has_text="跨统筹地区").get_by_label("是").check())
    assert desk.input_value("#name") == "赵六" and desk.input_value("#resident_id") == "110105198506151236"
    assert desk.input_value("#phone") == "13812345678"
    assert desk.is_checked("input[name=materials][value=txsqb]")
    assert desk.locator("input[name=materials][value=jfpz]").count() == 1  # the transfer's material joined
    assert desk.evaluate("document.querySelectorAll('main').length") == 1


def test_an_unticked_option_on_the_notice_stays_unticked(base, browser):
    page = new_page(browser)
    page.goto(f"{base}/notice/bundles/company-change/")
    settled(page, lambda: page.get_by_label("企业名称").check())
    settled(page, lambda: page.get_by_label("法定代表人").check())
    settled(page, lambda: page.get_by_label("企业名称").uncheck())
    assert not page.get_by_label("企业名称").is_checked() and page.get_by_label("法定代表人").is_checked()
    assert parse_qsl(urlsplit(page.url).query) == [("q-change_type", "legal_rep")]
    assert page.evaluate("document.querySelectorAll('main').length") == 1
