"""A hall day in a real browser: citizens, the guide desk, the kiosk, the window, the board and the status page.

Debian's Chromium driven by Playwright, by keyboard and scanner-style typing, navigating in-app between the steps
of a role (only a role's first page, and the public pages a citizen opens from a QR code or a link, are opened by
address). axe-core audits every page state on the way (WCAG 2.0/2.1 A and AA) and every PDF is checked for its
numbers in its text. See tests/e2e/conftest.py for the fixtures.

Each test is one part of the day, on its own data (the demo hall on a weekday morning, the product's clock set
there), so a broken part does not hide the others. Each step is named; var/e2e/steps.jsonl logs every step's
outcome and time, and a failed step leaves a screenshot of every open page and the PDFs in var/e2e/. To see
everything that fails rather than the first failure: ONEVISIT_E2E_KEEP_GOING=1 pytest tests/e2e/test_hall_day.py
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from onevisit.queueing import services as queueing
from tests.e2e.conftest import (
    AXE_JS,
    NO_AXE,
    REQUIRE_AXE,
    Audit,
    assert_in_app,
    assert_pdf_has,
    blur,
    date_forms,
    fetch_pdf,
    focused,
    key_check,
    key_choose,
    key_type,
    login,
    needs_chromium,
    new_page,
    scan,
    tab_to,
)
from tests.factories import resident_id


def test_axe_core_is_installed():
    """Says, as a skip, when the walk's accessibility audit cannot run (no npm); in CI it must."""
    if not AXE_JS.is_file():
        if REQUIRE_AXE:
            pytest.fail(NO_AXE)
        pytest.skip(NO_AXE)


@needs_chromium
def test_the_audit_names_each_violation_with_its_rule_target_and_summary(_chromium):
    if not AXE_JS.is_file():
        pytest.skip(NO_AXE)
    page = _chromium.new_page()
    try:
        page.set_content(
            '<html lang="zh-CN"><head><title>t</title></head><body><main>'
            '<img src="data:," id="no-alt"><label>姓名 <input id="named"></label><input id="unnamed">'
            "</main></body></html>"
        )
        audit = Audit()
        audit(page, "a page with two faults")
    finally:
        page.close()
    rules = {line.split("] ", 1)[1].split(" ", 1)[0]: line for line in audit.violations}
    assert set(rules) == {"image-alt", "label"}, audit.report()
    assert "#no-alt" in rules["image-alt"] and "(critical)" in rules["image-alt"]
    assert "#unnamed" in rules["label"] and "#named" not in audit.report()
    with pytest.raises(AssertionError, match="2 accessibility violation"):
        audit.assert_clean()


# -- the day ---------------------------------------------------------------------------------------------------


def flash(page) -> str:
    """The messages the last action left on the page (success, warnings, errors and alerts)."""
    return " ".join(page.locator(".messages, [role=alert], .error").all_inner_texts())


TECHNICAL = re.compile(r"[A-Za-z]*(Error|Exception)\b|Traceback|Errno|\(hall\)|\bgxzy\b|\bimport\b")


def assert_plain_chinese(page, where: str) -> None:
    """No exception names, error numbers or internal codes shown to people (issue 13 item 10)."""
    text = page.inner_text("body")
    found = TECHNICAL.search(text)
    assert found is None, f"{where} shows technical text {found.group(0)!r}: {text[:600]}"


def ticket_token(page) -> str:
    """The ticket's token, from the link to its PDF."""
    href = page.get_by_role("link", name=re.compile("小票")).first.get_attribute("href")
    return re.search(r"tickets/([0-9A-Z]+)(?:\.pdf|/)", href).group(1)


def check_ticket_pdf(page, number: str, today: date, label: str) -> str:
    """The ticket's PDF, reached from its link, carries its number and the day."""
    href = page.get_by_role("link", name=re.compile("小票")).first.get_attribute("href")
    return assert_pdf_has(fetch_pdf(page, href), number, date_forms(today), label=label)


@needs_chromium
def test_window_calls_scans_accepts_saves_a_draft_refuses_an_incomplete_form_and_completes(
    day, browser, axe, step
):
    """Keyboard only at the window: F2, a scan typed with nothing focused, the typed number, Enter, F8, F10."""
    from tests.conftest import _actor
    from tests.journey import ticket

    guide = _actor("daoban")
    first, second = ticket(guide, "cbdj", name="林一"), ticket(guide, "cbdj", name="林二")
    base, today = day.base, day.clock.today

    with step("board: opened on the hall's screen, nothing called yet"):
        board = new_page(browser, width=1920, height=1080)
        board.goto(f"{base}/board/demo/")
        board.get_by_text("暂无叫号").wait_for()
        axe(board, "board: empty")

    with step("board: 开启语音 once, by keyboard, and it is remembered"):
        tab_to(board, "开启语音")
        board.keyboard.press("Enter")
        board.get_by_role("button", name="开启语音").wait_for(state="hidden")
        assert board.evaluate("localStorage.getItem('onevisit.board.voice')") == "on"

    with step("window: signed in, the window page"):
        window = login(browser, base, "chuangkou1")
        window.get_by_role("heading", name="1号窗口").wait_for()
        axe(window, "window: idle")

    with step("window: F2 calls the first ticket"):
        window.keyboard.press("F2")
        window.get_by_text(f"请 {first.number} 号到1号窗口").first.wait_for()
        axe(window, "window: called")

    with step("board: shows and speaks the call"):
        latest = board.locator("tr.latest")
        latest.filter(has_text=first.number).wait_for(timeout=10_000)
        assert "1号窗口" in latest.inner_text()
        words = f"请 {' '.join(first.number)} 号到1号窗口"
        assert latest.get_attribute("data-speech") == words
        board.wait_for_function("(w) => window.lastSpoken === w", arg=words)
        assert board.locator("[aria-live]").inner_text() == words  # announced once, in one stable live region
        axe(board, "board: one call")

    with step("window: a scan typed with nothing focused finds the ticket"):
        blur(window)
        scan(window, first.token)
        window.get_by_text("预审结论").wait_for()
        assert first.number in window.inner_text("main")
        axe(window, "window: scanned")

    with step("window: Enter accepts, the case page opens"):
        window.wait_for_function(
            "document.activeElement && document.activeElement.innerText.includes('受理')"
        )
        window.keyboard.press("Enter")
        window.get_by_text("已受理，办件号").wait_for()
        case_number = re.search(r"已受理，办件号\s*(\S+)", flash(window)).group(1)
        window.get_by_text("一表申请").wait_for()
        axe(window, "case: accepted, form prefilled")

    with step("window: the messages after accepting are plain Chinese"):
        assert_plain_chinese(window, "the case page after accepting")

    with step("receipt: its PDF, offered on the case page, carries the case number and the day"):
        link = window.get_by_role("link", name=re.compile("回执"))
        assert link.count(), f"the case page offers no receipt PDF (回执); messages: {flash(window)}"
        receipt = fetch_pdf(window, link.first.get_attribute("href"))
        assert_pdf_has(receipt, case_number, date_forms(today), label="receipt")

    with step("case: F8 saves a draft with required fields still empty"):
        key_type(window, "居住地址", "杭州市西湖区文三路1号")
        window.keyboard.press("F8")
        window.get_by_text("已保存").wait_for()
        assert window.locator("[aria-invalid=true]").count() == 0, flash(window)
        axe(window, "case: draft saved")

    with step("case: F10 is refused while required fields are empty, naming them"):
        window.keyboard.press("F10")
        alert = window.get_by_role("alert").filter(has_text="用人单位名称")
        alert.wait_for()
        for label in ("用人单位名称", "统一社会信用代码", "参保险种"):
            assert label in alert.inner_text(), alert.inner_text()
        assert "已办结" not in flash(window)
        assert window.locator("[aria-invalid=true]").count() >= 3
        assert window.evaluate("document.activeElement.getAttribute('aria-invalid')") == "true"
        axe(window, "case: completion refused")

    with step("case: filled by keyboard, F10 completes"):
        key_type(window, "用人单位名称", "杭州示范科技有限公司")
        key_type(window, "统一社会信用代码", "91330106MA2CDE1234")
        _key_date(window, "用工起始日期", today - timedelta(days=30))
        # 参保险种 is a group of checkboxes: Tab to each kind, Space ticks it.
        key_check(window, "养老", within="参保险种")
        key_check(window, "医疗", within="参保险种")
        window.keyboard.press("F10")
        window.get_by_text(f"办件 {case_number} 已办结").wait_for()
        axe(window, "window: case completed")

    with step("window: the completed case, opened from 待出件, shows the kinds that were ticked"):
        tab_to(window, case_number)
        window.keyboard.press("Enter")
        window.get_by_text("一表申请").wait_for()
        kinds = window.locator("fieldset[data-multiple]").filter(has_text="参保险种")
        ticked = kinds.locator("input[type=checkbox]:checked")
        assert [ticked.nth(i).get_attribute("value") for i in range(ticked.count())] == ["养老", "医疗"]
        assert_in_app(window)
        tab_to(window, "返回1号窗口")
        window.keyboard.press("Enter")
        window.get_by_role("heading", name="待出件").wait_for()

    with step(
        "window: Space on the focused 叫号 button calls the next, the typed number finds it, Enter accepts"
    ):
        tab_to(window, "叫号")
        window.keyboard.press("Space")
        window.get_by_text(f"请 {second.number} 号到1号窗口").first.wait_for()
        key_type(window, "扫描小票条码", second.number)
        window.keyboard.press("Enter")
        window.get_by_text("预审结论").wait_for()
        window.wait_for_function(
            "document.activeElement && document.activeElement.innerText.includes('受理')"
        )
        window.keyboard.press("Enter")
        window.get_by_text("已受理，办件号").wait_for()
        axe(window, "case: second accepted")
        assert_in_app(window)

    with step("board: the latest call is the second ticket"):
        board.locator("tr.latest").filter(has_text=second.number).wait_for(timeout=10_000)
        axe(board, "board: two calls")

    with step("status page: behind the first ticket's QR, the case is completed"):
        phone = new_page(browser, width=390, height=844)
        phone.goto(f"{base}/t/{first.token}/")
        text = phone.inner_text("main")
        assert first.number in text and case_number in text and "已办结" in text, text
        assert "林一" not in text  # masked
        assert_plain_chinese(phone, "the status page")
        axe(phone, "status page: completed")

    axe.assert_clean()


def _key_date(page, name: str, value: date, *, focused_already: bool = False) -> None:
    """A date typed by keyboard: into a date input its segments follow the browser's locale (month/day/year
    in Debian's headless Chromium, year/month/day in others), so the other order is tried if the first fails."""
    el = focused(page) if focused_already else tab_to(page, name)
    if el["type"] != "date":
        page.keyboard.press("Control+A")
        page.keyboard.type(value.isoformat())
        return
    for order in ("%m%d%Y", "%Y%m%d", "%d%m%Y"):
        page.keyboard.type(value.strftime(order))
        if page.evaluate("() => document.activeElement.value") == value.isoformat():
            return
        page.evaluate("() => { const el = document.activeElement; el.value = ''; el.blur(); el.focus(); }")
    raise AssertionError(f"could not type {value} into the date field {name!r}")


def _booked_now(day, name: str) -> str:
    """An appointment for 参保登记 in the first slot still open today, booked online beforehand; the walk's
    clock is moved into its check-in window. Returns the appointment code."""
    from onevisit.accounts.models import Hall
    from onevisit.catalog import services as catalog
    from onevisit.core import people

    hall = Hall.objects.get(code="demo")
    slot = next(s for s, free in queueing.open_slots(hall, matter=catalog.get_matter("cbdj")) if free > 0)
    identity = people.check_identity(name=name, resident_id=resident_id(), phone="13812345678")
    appointment = queueing.book_for(slot_id=slot.pk, matter=catalog.get_matter("cbdj"), identity=identity)
    starts = datetime.combine(slot.day, slot.start, tzinfo=ZoneInfo(settings.TIME_ZONE))
    if day.clock.now() < starts - timedelta(minutes=10):
        day.clock.set(starts - timedelta(minutes=10))
    return appointment.code


def _focus_search(desk) -> None:
    """The desk's matter search, which has focus when the page opens (else Tab to it)."""
    el = focused(desk)
    if el is None or "查找" not in el["name"]:
        tab_to(desk, "查找")


def _identity(page, name: str, rid: str) -> None:
    key_type(page, "姓名", name)
    key_type(page, "公民身份号码", rid)
    key_type(page, "联系电话", "13812345678")
    tab_to(page, "姓名", back=True)  # Shift+Tab back: what was typed is still there
    assert focused(page)["value"] == name


def _open_matter(desk, query: str, heading: str) -> None:
    _focus_search(desk)
    desk.keyboard.type(query)
    desk.keyboard.press("Enter")
    desk.get_by_role("heading", name=heading).wait_for()


def _submit_prereview(desk) -> None:
    key_choose(desk, "分流去向", "窗口办理")
    tab_to(desk, "预审并分流")
    desk.keyboard.press("Enter")
    desk.get_by_role("heading", name=re.compile("·")).wait_for()


def _next_citizen(desk) -> None:
    """下一位 on a result page; elsewhere (a step failed with ONEVISIT_E2E_KEEP_GOING) the bar's 导引台 link."""
    tab_to(desk, "下一位" if desk.get_by_role("link", name="下一位").count() else "导引台")
    desk.keyboard.press("Enter")
    desk.get_by_role("heading", name="导引台预审").wait_for()


@needs_chromium
def test_guide_desk_by_keyboard_complete_tolerance_not_applicable_and_incomplete(day, browser, axe, step):
    """Four citizens at the guide desk, by keyboard only (Tab, Shift+Tab, Space, Enter, typing)."""
    base, today = day.base, day.clock.today

    with step("desk: signed in, the search has focus"):
        desk = login(browser, base, "daoban")
        desk.get_by_role("heading", name="导引台预审").wait_for()
        axe(desk, "desk: start")

    with step("desk: the checklist shows each material's note, stamp and copies"):
        _open_matter(desk, "cbdj", "参保登记")
        axe(desk, "desk: checklist")
        main = desk.inner_text("main")
        for shown in ("灵活就业人员无需提供", "用人单位", "2份"):
            assert shown in main, f"the desk's checklist does not show {shown!r}"

    with step("desk: a complete set gives a ticket"):
        for material in ("劳动合同", "户口簿", "免冠照片"):
            key_check(desk, material)
        _identity(desk, "赵一", resident_id())
        _submit_prereview(desk)
        number = desk.locator(".ticket-number").inner_text().strip()
        assert re.fullmatch(r"A\d{3}", number), number
        axe(desk, "desk: ticket")

    with step("desk: the messages after the ticket are plain Chinese"):
        assert_plain_chinese(desk, "the desk's ticket page")

    with step("desk: the ticket PDF carries its number and the day"):
        check_ticket_pdf(desk, number, today, "ticket-complete")

    with step("desk: a tolerable item missing gives a ticket with a commitment and a due date"):
        _next_citizen(desk)
        _open_matter(desk, "cbdj", "参保登记")
        key_check(desk, "劳动合同")
        key_check(desk, "免冠照片")
        _identity(desk, "钱二", resident_id())
        key_check(desk, "容缺承诺")
        due = queueing.add_working_days(today, 5)  # the material says 5个工作日内补交
        el = tab_to(desk, "补交日期")
        if el["value"]:  # proposed by the desk: the material's own rule (item 17), not a flat week
            assert el["value"] == due.isoformat(), f"the desk proposes {el['value']}, the rule says {due}"
        else:
            _key_date(desk, "补交日期", due, focused_already=True)
        _submit_prereview(desk)
        text = desk.inner_text("main")
        tolerance_number = desk.locator(".ticket-number").inner_text().strip()
        assert "户口簿" in text and any(form in text for form in date_forms(due)), text
        axe(desk, "desk: tolerance ticket")
        check_ticket_pdf(desk, tolerance_number, today, "ticket-tolerance")

    with step("desk: a material marked not applicable, with its reason, does not block"):
        _next_citizen(desk)
        _open_matter(desk, "cbdj", "参保登记")
        el = tab_to(desk, "不适用", within="劳动合同")
        if el["tag"] == "summary":  # a disclosure: Enter opens it
            desk.keyboard.press("Enter")
            el = tab_to(desk, "不适用", within="劳动合同", kind="checkbox")
        if el["type"] == "checkbox":
            desk.keyboard.press("Space")
        key_type(desk, "原因", "灵活就业人员", within="劳动合同")
        key_check(desk, "户口簿")
        key_check(desk, "免冠照片")
        _identity(desk, "孙三", resident_id())
        _submit_prereview(desk)
        na_number = desk.locator(".ticket-number").inner_text().strip()
        assert "不适用" in desk.inner_text("main")
        axe(desk, "desk: not-applicable ticket")
        check_ticket_pdf(desk, na_number, today, "ticket-not-applicable")

    with step("desk: an essential item missing gives the one-time notice and no ticket"):
        _next_citizen(desk)
        _open_matter(desk, "关系转移", "养老保险关系转移接续")
        key_check(desk, "申请表")
        _identity(desk, "李四", resident_id())
        _submit_prereview(desk)
        text = desk.inner_text("main")
        assert "缴费凭证" in text and desk.locator(".ticket-number").count() == 0, text
        axe(desk, "desk: missing-materials notice")

    with step("desk: the missing-materials notice PDF names the material and the day"):
        href = desk.get_by_role("link", name=re.compile("告知书")).first.get_attribute("href")
        assert_pdf_has(fetch_pdf(desk, href), "缴费凭证", date_forms(today), label="missing-notice")
        _next_citizen(desk)

    with step("desk: a visitor who only asks is recorded by keyboard (Space on 记录咨询)"):
        key_choose(desk, "咨询内容", "退休")
        tab_to(desk, "记录咨询")
        desk.keyboard.press("Space")
        desk.get_by_text("已记录一次咨询").wait_for()
        axe(desk, "desk: consultation recorded")
        assert_in_app(desk)

    axe.assert_clean()


@needs_chromium
def test_citizen_reads_the_notice_books_a_slot_and_checks_in_at_the_desk(day, browser, axe, step, sms):
    from onevisit.queueing.models import Appointment

    base, rid = day.base, resident_id()

    with step("notice: a bundle's public notice, answered, its PDF"):
        phone = new_page(browser, width=390, height=844)
        phone.goto(f"{base}/notice/bundles/retirement/")  # from a link or the QR on a notice-board card
        axe(phone, "notice: questions")
        phone.get_by_role("radio", name="是").first.check()
        phone.get_by_text("退休审批表").first.wait_for()
        axe(phone, "notice: answered")
        href = phone.get_by_role("link", name=re.compile("告知书")).first.get_attribute("href")
        assert_pdf_has(fetch_pdf(phone, href), "退休", date_forms(day.clock.today), label="bundle-notice")

    with step("booking: matter, then day, then slot"):
        phone.goto(f"{base}/book/demo/")  # the hall's booking link
        axe(phone, "booking: matters")
        phone.get_by_role("link", name=re.compile("参保登记")).first.click()
        phone.get_by_role("heading", name="请选择日期").wait_for()
        axe(phone, "booking: days")
        phone.get_by_role("link", name=re.compile(r"余 \d+ 个")).first.click()
        phone.get_by_role("heading", name=re.compile("请选择时段")).wait_for()
        axe(phone, "booking: slots")
        phone.locator("input[name=slot]:enabled").first.check()
        phone.get_by_label("姓名").fill("周五")
        phone.get_by_label("公民身份号码").fill(rid)
        phone.get_by_label("联系电话").fill("13812345678")
        phone.get_by_role("button", name=re.compile("预约")).click()
        phone.get_by_role("heading", name="预约申请已提交").wait_for()
        assert "劳动合同" in phone.inner_text("main"), "the page after booking lists what to bring"
        axe(phone, "booking: request sent")
        phone.goto(base + sms.link("13812345678"))  # the result comes by SMS; its link opens the booking
        phone.get_by_role("heading", name="预约成功").wait_for()
        code = phone.locator(".ticket-number").inner_text().strip()
        assert f"预约码 {code}" in sms.to("13812345678")[-1]
        text = phone.inner_text("main")
        assert "地点" in text and "劳动合同" in text, "the confirmation lacks the address or what to bring"
        assert phone.get_by_role("img", name=re.compile("二维码")).count() == 1
        axe(phone, "booking: confirmation")

    with step("desk: check-in by the appointment code runs the pre-review and gives a ticket"):
        slot = Appointment.objects.select_related("slot").get(code=code).slot
        day.clock.set(
            datetime.combine(slot.day, slot.start, tzinfo=ZoneInfo(settings.TIME_ZONE))
            - timedelta(minutes=10)
        )
        desk = login(browser, base, "daoban")
        key_type(desk, "预约码", code)
        desk.keyboard.press("Enter")
        desk.locator(".ticket-number, input[name=materials]").first.wait_for()
        if desk.locator(".ticket-number").count() == 0:  # the pre-review: materials, then the ticket
            axe(desk, "desk: check-in pre-review")
            assert code in flash(desk), flash(desk)
            for material in ("劳动合同", "户口簿", "免冠照片"):
                key_check(desk, material)
            if not desk.get_by_label("姓名").input_value():  # the desk types it from the ID card
                _identity(desk, "周五", rid)
            tab_to(desk, "预审并分流")
            desk.keyboard.press("Enter")
        desk.locator(".ticket-number").wait_for()
        number = desk.locator(".ticket-number").inner_text().strip()
        assert Appointment.objects.get(code=code).ticket.number == number
        axe(desk, "desk: check-in ticket")
        check_ticket_pdf(desk, number, slot.day, "ticket-appointment")

    with step("desk: after the check-in ticket, the desk goes on to the next citizen (no 403)"):
        tab_to(desk, "下一位" if desk.get_by_role("link", name="下一位").count() else "完成")
        desk.keyboard.press("Enter")
        desk.get_by_role("heading", name="导引台预审").wait_for()
        assert_in_app(desk)

    axe.assert_clean()


@needs_chromium
def test_kiosk_serves_two_citizens_in_a_row_leaving_nothing_of_the_first(day, browser, axe, step):
    base, today = day.base, day.clock.today
    kiosk = login(browser, base, "zizhu", width=1080, height=1920)
    seen = []

    for who, rid in (("first", resident_id()), ("second", resident_id())):
        with step(f"kiosk: the {who} citizen's start screen shows nothing of anyone before"):
            kiosk.get_by_role("heading", name=re.compile("请选择要办理的事项")).wait_for()
            text = kiosk.inner_text("body")
            for number, earlier_rid in seen:
                assert number not in text and earlier_rid not in text, text
                assert earlier_rid not in kiosk.evaluate(
                    "() => Array.from(document.querySelectorAll('input')).map(i => i.value).join(' ')"
                )
            assert kiosk.get_by_role("button", name="退出").count() == 0
            assert kiosk.get_by_role("link", name="办事指南").count() == 0
            axe(kiosk, f"kiosk: start ({who})")

        with step(f"kiosk: the {who} citizen taps a matter, then the ID on the keypad, once per key"):
            kiosk.get_by_role("link", name=re.compile("参保登记")).first.click()
            kiosk.get_by_role("heading", name="参保登记").wait_for()
            pad = kiosk.get_by_role("group", name="屏幕键盘")
            for key in rid:
                pad.get_by_role("button", name=key, exact=True).click()
            assert kiosk.locator("input[name=resident_id]").input_value() == rid
            axe(kiosk, f"kiosk: ID typed ({who})")
            kiosk.get_by_role("button", name="取号").click()
            kiosk.locator(".ticket-number").wait_for()
            number = kiosk.locator(".ticket-number").inner_text().strip()
            axe(kiosk, f"kiosk: ticket ({who})")
            check_ticket_pdf(kiosk, number, today, f"ticket-kiosk-{who}")
            seen.append((number, rid))

        with step(f"kiosk: 完成 returns the {who} citizen's screen to the start"):
            kiosk.get_by_role("link", name="完成").click()

    with step("kiosk: the second citizen got the next number"):
        assert seen[0][0] != seen[1][0]
        kiosk.get_by_role("heading", name=re.compile("请选择要办理的事项")).wait_for()

    with step(
        "kiosk: a third citizen checks in by the appointment code on the keypad, confirming the materials"
    ):
        code = _booked_now(day, "郑七")
        pad = kiosk.get_by_role("group", name="屏幕键盘")
        for key in code:
            pad.get_by_role("button", name=key, exact=True).click()
        assert kiosk.locator("input[name=code]").input_value() == code
        kiosk.get_by_role("button", name="签到取号").click()
        kiosk.get_by_role("heading", name=re.compile("请确认已带齐材料")).wait_for()
        assert "劳动合同" in kiosk.inner_text("main")
        axe(kiosk, "kiosk: check-in, confirm the materials")
        kiosk.get_by_role("button", name=re.compile("材料已带齐")).click()
        kiosk.locator(".ticket-number").wait_for()
        number = kiosk.locator(".ticket-number").inner_text().strip()
        assert number not in [n for n, _ in seen]
        check_ticket_pdf(kiosk, number, day.clock.today, "ticket-kiosk-appointment")
        kiosk.get_by_role("link", name="完成").click()
        kiosk.get_by_role("heading", name=re.compile("请选择要办理的事项")).wait_for()
        assert number not in kiosk.inner_text("body") and code not in kiosk.inner_text("body")

    axe.assert_clean()
