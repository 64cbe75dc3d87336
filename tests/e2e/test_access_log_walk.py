"""The audit administrator searches the personal-data access log by keyboard alone, and the page passes axe-core;
a typed resident ID finds the citizen's reads and is never shown back (issue 16, hole 3)."""

import pytest

from onevisit.web import demo
from tests.conftest import load_seed_catalog
from tests.e2e.conftest import key_type, login, needs_chromium, new_page, tab_to

pytestmark = [pytest.mark.django_db(transaction=True), needs_chromium]


def test_the_auditor_finds_who_read_a_citizen_by_keyboard(live_server, browser, axe):
    from onevisit.cases import services as cases
    from tests.conftest import _actor
    from tests.factories import resident_id
    from tests.journey import prereview

    load_seed_catalog()
    hall = demo.load()
    base = live_server.url
    rid = resident_id()
    window = hall.windows.get(code="w1")
    pr = prereview(_actor("daoban"), "cbdj", rid=rid)
    from onevisit.queueing import services as queueing

    queueing.call_next(window=window, actor=_actor("chuangkou1"))
    case = cases.accept(actor=_actor("chuangkou1"), window=window, code=pr.ticket.token)

    clerk = new_page(browser)
    clerk.goto(f"{base}/login/")
    clerk.fill("input[name=username]", "chuangkou2")
    clerk.fill("input[name=password]", demo.DEMO_PASSWORD)
    clerk.keyboard.press("Enter")
    clerk.wait_for_url(lambda url: "/login/" not in url)
    clerk.goto(f"{base}/window/w2/cases/{case.pk}/")
    clerk.wait_for_selector("#reason")
    axe(clerk, "another window's case asking for a reason")
    clerk.keyboard.type("群众来电查询进度")  # the reason field has focus
    clerk.keyboard.press("Enter")
    clerk.wait_for_selector("#foreign-case")

    # the widest row a window writes: the full number seen, on the case's own page, for a reason
    cases.full_resident_id(
        actor=_actor("chuangkou1"),
        case_id=case.pk,
        where=f"/window/w1/cases/{case.pk}/full-id/",
        reason="核对证件原件与系统记录是否一致",
    )

    auditor = login(browser, base, "shenji")  # the demo's audit administrator, past the one-time code
    assert "/audit/access/" in auditor.url  # the auditor's home
    axe(auditor, "access log")
    key_type(auditor, "办事人公民身份号码", rid)
    tab_to(auditor, "查询", kind="button")
    with auditor.expect_navigation():
        auditor.keyboard.press("Enter")
    table = auditor.locator("#access-records").inner_text()
    assert "chuangkou2" in table and "群众来电查询进度" in table
    assert rid not in auditor.content()
    # the whole row in view at 1280 px, the reason an auditor reads included (the walk found it cut off)
    region = auditor.locator("#access-records").locator("xpath=..")
    assert region.evaluate("e => e.scrollWidth <= e.clientWidth"), region.evaluate(
        "e => [e.scrollWidth, e.clientWidth]"
    )
    axe(auditor, "access log filtered by a citizen")
    axe.assert_clean()


def test_a_date_that_does_not_exist_stops_the_search_with_a_word_beside_the_field(live_server, browser):
    """The walk found 2月30日 sent as nothing: the access log then searched without it and listed everything."""
    load_seed_catalog()
    demo.load()
    auditor = login(browser, live_server.url, "shenji")
    start = auditor.locator("input[name=start]")
    start.focus()
    auditor.keyboard.type("02302026")  # the browser's mm/dd/yyyy: February the 30th
    assert auditor.evaluate("document.querySelector('input[name=start]').validity.badInput")
    sent = []
    auditor.on(
        "request", lambda request: sent.append(request.method) if "/audit/access/" in request.url else None
    )
    auditor.keyboard.press("Enter")
    note = auditor.locator("[id$='start-unreadable']")
    note.wait_for()
    assert "日期不存在" in note.inner_text()
    assert start.get_attribute("aria-invalid") == "true"
    assert auditor.evaluate("document.activeElement.name") == "start"
    auditor.wait_for_timeout(500)
    assert sent == [], "nothing is sent while the date cannot be read"
