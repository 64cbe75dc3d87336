"""The kiosk in a real browser (issue 13 item 8): a citizen whose ticket still waits is told its number instead
of getting a second one, may reprint that same ticket, and the next citizen sees nothing of it."""

from __future__ import annotations

import re

import pytest

from onevisit.queueing.models import Ticket
from onevisit.web import demo
from tests.conftest import load_seed_catalog
from tests.e2e.conftest import SHOTS, login, needs_chromium
from tests.factories import resident_id

pytestmark = [pytest.mark.django_db(transaction=True), needs_chromium]


@pytest.fixture
def base(live_server, browser):
    load_seed_catalog()
    demo.load()
    return live_server.url


def _take(kiosk, matter: str, rid: str) -> None:
    """Tap a matter, the ID on the screen keypad, then 取号, as a citizen does."""
    kiosk.get_by_role("link", name=re.compile(matter)).first.click()
    kiosk.get_by_role("heading", name=matter).wait_for()
    pad = kiosk.get_by_role("group", name="屏幕键盘")
    for key in rid:
        pad.get_by_role("button", name=key, exact=True).click()
    kiosk.get_by_role("button", name="取号").click()


def test_a_second_ticket_at_the_kiosk_shows_the_waiting_number_and_reprints_it(base, browser, axe):
    kiosk = login(browser, base, "zizhu", width=1080, height=1920)
    rid = resident_id()
    _take(kiosk, "参保登记", rid)
    kiosk.locator(".ticket-number").wait_for()
    number = kiosk.locator(".ticket-number").inner_text().strip()
    kiosk.get_by_role("link", name="完成").click()
    kiosk.get_by_role("heading", name=re.compile("请选择要办理的事项")).wait_for()

    _take(kiosk, "养老保险关系转移接续", rid)
    kiosk.get_by_role("heading", name="您已取过号").wait_for()
    SHOTS.mkdir(parents=True, exist_ok=True)
    kiosk.screenshot(path=str(SHOTS / "kiosk-already-waiting.png"), full_page=True)
    main = kiosk.inner_text("main")
    assert number in main and "不用再取号" in main and "参保登记" not in main
    assert rid not in kiosk.content() and Ticket.objects.count() == 1
    axe(kiosk, "kiosk: already waiting")

    with kiosk.expect_response(lambda r: r.url.endswith(".pdf")) as pdf:
        kiosk.get_by_role("link", name=f"重新打印小票 {number}").click()
    assert pdf.value.ok and pdf.value.headers["content-type"] == "application/pdf"
    assert kiosk.locator("[data-kiosk-print-error]").is_hidden()

    kiosk.get_by_role("link", name="回到首页").click()
    kiosk.get_by_role("heading", name=re.compile("请选择要办理的事项")).wait_for()
    assert number not in kiosk.inner_text("body")
    assert Ticket.objects.count() == 1
    axe.assert_clean()


def test_a_citizen_whose_ticket_the_desk_printed_is_sent_to_the_desk(base, browser, axe):
    from django.contrib.auth import get_user_model

    from onevisit.accounts.services import actor_for
    from tests.journey import prereview

    rid = resident_id()
    number = prereview(
        actor_for(get_user_model().objects.get(username="daoban")), "cbdj", rid=rid
    ).ticket.number
    kiosk = login(browser, base, "zizhu", width=1080, height=1920)
    _take(kiosk, "参保登记", rid)
    kiosk.get_by_role("heading", name="您已取过号").wait_for()
    kiosk.screenshot(path=str(SHOTS / "kiosk-already-waiting-desk-ticket.png"), full_page=True)
    main = kiosk.inner_text("main")
    assert number in main and "导引台" in main and "张" not in main
    assert kiosk.get_by_role("link", name=re.compile("重新打印")).count() == 0
    axe(kiosk, "kiosk: already waiting, printed at the desk")
    axe.assert_clean()
