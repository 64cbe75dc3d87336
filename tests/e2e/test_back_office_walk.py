"""The back office in a real browser: a bundle goes through verification, a return with reasons, 补正 at the
window without a new ticket, approval and delivery — and at each step the window, the citizen's status page and,
at the end, the day's metrics show what happened. Screenshots of each state go to var/e2e/back-office-*.png.

In-app navigation (links, keys) within a role; a role's first page and the citizen's QR page are opened by
address. See tests/e2e/conftest.py for the fixtures and tests/e2e/test_hall_day.py for the style.
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import hall_supervisor
from tests.e2e.conftest import SHOTS, blur, login, needs_chromium, new_page, scan, tab_to
from tests.e2e.test_hall_day import assert_plain_chinese
from tests.factories import resident_id

pytestmark = [pytest.mark.django_db(transaction=True), needs_chromium]

HR = "区人力资源和社会保障局"
QUESTION = "核实申请人与原单位的劳动关系"
MISMATCH = "原单位无该职工劳动合同备案"
REASONS = "请补充原单位出具的解除劳动合同证明"


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"back-office-{name}.png"), full_page=True)


def status_text(phone, token: str, base: str) -> str:
    phone.goto(f"{base}/t/{token}/")
    return phone.inner_text("main")


def open_task(office, role: str) -> None:
    """From the work list, the task's page by its link (keyboard: Tab to it, Enter)."""
    tab_to(office, role, kind="a")
    office.keyboard.press("Enter")
    office.get_by_role("heading", name=re.compile("本环节")).wait_for()


def test_a_bundle_through_verification_return_correction_approval_and_delivery(day, browser, axe, step):
    from django.contrib.auth import get_user_model

    from onevisit.accounts.services import actor_for
    from onevisit.cases.models import Case
    from onevisit.intake import services as intake
    from tests.journey import everything_for, fill_form

    base = day.base
    answers = {"transferred": True}
    pr = intake.submit_prereview(
        actor=actor_for(get_user_model().objects.get(username="daoban")),
        bundle_code="retirement",
        answers=answers,
        present=everything_for("retirement", answers),
        name="周建国",
        resident_id=resident_id(),
        phone="13812345678",
    )
    token, number = pr.ticket.token, pr.ticket.number
    phone = new_page(browser, width=390, height=844)

    with step("window: F2 calls, the scan finds the ticket, Enter accepts the bundle"):
        window = login(browser, base, "chuangkou1")
        window.keyboard.press("F2")
        window.get_by_text(f"请 {number} 号到1号窗口").first.wait_for()
        blur(window)
        scan(window, token)
        window.get_by_text("预审结论").wait_for()
        window.wait_for_function(
            "document.activeElement && document.activeElement.innerText.includes('受理')"
        )
        window.keyboard.press("Enter")
        window.get_by_text("一表申请").wait_for()
        case = Case.objects.get()

    with step("window: the form completed (as the hall-day walk types it), F10 hands the case over"):
        fill_form(actor_for(get_user_model().objects.get(username="chuangkou1")), case)
        window.reload()
        window.get_by_text("一表申请").wait_for()
        window.keyboard.press("F10")
        window.get_by_text("已移交后台").wait_for()

    with step("status page: the case is with the back office"):
        text = status_text(phone, token, base)
        assert case.number in text and "后台办理中" in text and "关系转入核验" in text, text
        assert "周建国" not in text

    with step("social insurance: the task's page shows the case file, masked"):
        social = login(browser, base, "houtai1")
        social.get_by_role("heading", name=re.compile("工作清单")).wait_for()
        axe(social, "back office: work list")
        open_task(social, "关系转入核验")
        main = social.inner_text("main")
        assert "周**" in main and "周建国" not in main and "138****5678" in main, main[:800]
        for part in ("预审结论", "材料齐全", "职工退休申请表", "一表（合并申请表）", "办理经过"):
            assert part in main, part
        axe(social, "back office: task with its case file")
        shot(social, "1-task-case-file")

    with step("social insurance: asks 人社 to verify, with a deadline"):
        social.select_option("#verify-department", HR)
        social.fill("#verify-question", QUESTION)
        social.select_option("#verify-due", "2")
        social.get_by_role("button", name="发起核验").click()
        social.get_by_text("已发起核验").wait_for()
        listed = social.locator(".review-item").filter(has_text="关系转入核验").inner_text()
        assert QUESTION in listed and "待答复" in listed, listed

    with step("人社: the request is in its inbox with its deadline; it answers 不符 with the reason"):
        hr = login(browser, base, "houtai2")
        request = hr.locator("form.review-item").filter(has_text=QUESTION)
        assert "期限" in request.inner_text() and "已超期" not in request.inner_text()
        shot(hr, "2a-inbox")
        request.locator("input[name=answer]").fill(MISMATCH)
        request.get_by_role("button", name="核验不符").click()
        hr.get_by_text("已答复核验").wait_for()
        axe(hr, "back office: verification answered")

    with step("social insurance: the answer reached the task; it returns the case with reasons"):
        social.goto(f"{base}/office/")
        listed = social.locator(".review-item").filter(has_text="关系转入核验").inner_text()
        assert "不符" in listed and MISMATCH in listed, listed
        shot(social, "2b-work-list-answered")
        open_task(social, "关系转入核验")
        answer = social.locator(".verification-answer").inner_text()
        assert "核验不符" in answer and MISMATCH in answer and "用时" in answer and "0.0" not in answer, (
            answer
        )
        shot(social, "2-verification-answer")
        social.fill("#return-reasons", REASONS)
        social.select_option("#return-to", "citizen")
        social.get_by_role("button", name="退件").click()
        social.get_by_text("已退件").first.wait_for()

    with step("window: the return is on its list as work to do, with the reasons"):
        window.goto(f"{base}/window/w1/")
        todo = window.locator("ul.returned").inner_text()
        assert case.number in todo and REASONS in todo, todo
        axe(window, "window: 退回待补正")
        shot(window, "3-window-list-returned")

    with step("status page: the reasons and how to correct, no personal data"):
        text = status_text(phone, token, base)
        assert "退回待补正" in text and REASONS in text and "无需重新取号" in text, text
        assert "补正期间办理时限暂停计算" in text and "周建国" not in text
        assert_plain_chinese(phone, "the status page of a returned case")
        axe(phone, "status page: returned")
        shot(phone, "4-status-returned")

    with step("window: the case page shows the reasons and the verification; 补正 at the window, no ticket"):
        window.get_by_role("link", name=case.number).click()
        window.get_by_role("heading", name="退件与补正").wait_for()
        main = window.inner_text("main")
        assert REASONS in main and f"核验不符：{MISMATCH}" in main, main[:1500]
        axe(window, "case: returned, with reasons")
        shot(window, "5-case-returned")
        window.select_option("#correct-via", "hall")
        window.get_by_role("button", name="登记补正").click()
        window.get_by_text(f"办件 {case.number} 已补正（到大厅窗口补正）").wait_for()
        assert "到大厅窗口补正" in window.inner_text("main")

    with step("status page: back with the back office"):
        text = status_text(phone, token, base)
        assert "后台办理中" in text and "退回待补正" not in text, text

    with step("back office: every step approved on its task page, the case completes"):
        social.goto(f"{base}/office/")
        open_task(social, "关系转入核验")
        assert "已补正" in social.inner_text("main")
        social.get_by_role("button", name="审批通过").click()
        social.get_by_text("已审批通过").wait_for()
        hall_supervisor()  # the hall admin with the back-office role sees every department's list
        admin = login(browser, base, "admin")
        for _ in range(8):
            admin.goto(f"{base}/office/")
            link = admin.locator(".review-item h2 a")
            if not link.count():
                break
            link.first.click()
            admin.get_by_role("heading", name=re.compile("本环节")).wait_for()
            admin.get_by_role("button", name="审批通过").click()
            admin.get_by_text("已审批通过").wait_for()
        case.refresh_from_db()
        assert case.status == "completed"

    with step("window: delivery at the pickup point; the status page says so"):
        window.goto(f"{base}/window/w1/")
        row = window.locator("form.deliver-row").filter(has_text=case.number)
        row.locator("select[name=method]").select_option("pickup")
        row.get_by_role("button", name="出件").click()
        window.get_by_text(f"办件 {case.number} 已出件").wait_for()
        text = status_text(phone, token, base)
        assert "已出件" in text and "请到大厅出件窗口领取" in text, text
        shot(phone, "6-status-delivered")

    with step("metrics: the correction at the window counts as the case's second visit"):
        analyst = login(browser, base, "fenxi")
        row = analyst.locator("tr").filter(has_text="1号窗口").first.inner_text()
        assert "2.00" in row, row  # mean round trips of the window's completed cases
        axe(analyst, "metrics: the day")

    axe.assert_clean()
