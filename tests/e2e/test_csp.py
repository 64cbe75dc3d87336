"""Issue 16, hole 12: every page sends a Content-Security-Policy, and the main pages (guide desk, window, board,
booking, status, metrics, the error page) work under it in Chromium: no violation reported, inline scripts run on
a full load and after an htmx-boosted navigation alike."""

import pytest

from onevisit.accounts.models import Window
from onevisit.cases import services as cases
from tests.conftest import _actor
from tests.e2e.conftest import login, needs_chromium, new_page
from tests.journey import called

pytestmark = [pytest.mark.django_db(transaction=True), needs_chromium, pytest.mark.browser]

WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + e.sourceFile + ":" + e.lineNumber);
});
"""


def _watched(page) -> list[str]:
    """Every CSP complaint the page makes, from the console and from securitypolicyviolation events."""
    seen: list[str] = []
    page.on("console", lambda m: seen.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: seen.append(f"page error: {e}"))
    page.context.add_init_script(WATCH)
    return seen


def _violations(page, seen: list[str]) -> list[str]:
    return seen + [f"{page.url}: {v}" for v in page.evaluate("window.__csp || []")]


def test_the_main_pages_work_under_the_content_security_policy(base, browser):
    hall_window = Window.objects.get(hall__code="demo", code="w1")
    ticket = called(_actor("daoban"), _actor("chuangkou1"), hall_window, "gxzy")
    case = cases.accept(actor=_actor("chuangkou1"), window=hall_window, code=ticket.token)
    problems: list[str] = []

    citizen = new_page(browser, width=390, height=844, csp=True)
    seen = _watched(citizen)
    for path in (
        "/book/demo/",
        "/book/demo/?matter=gxzy",
        f"/t/{ticket.token}/",
        "/t/no-such-ticket/",
        "/board/demo/",
    ):
        answer = citizen.goto(f"{base}{path}")
        assert "default-src 'self'" in answer.headers["content-security-policy"], path
        citizen.wait_for_timeout(300)
        problems += _violations(citizen, seen)
    citizen.wait_for_timeout(2500)  # the board's feed polls every 2 s: an htmx swap under the policy
    problems += _violations(citizen, seen)

    desk = login(browser, base, "daoban", csp=True)
    seen = _watched(desk)
    desk.goto(f"{base}/guide/")
    problems += _violations(desk, seen)

    window = login(browser, base, "chuangkou1", csp=True)
    seen = _watched(window)
    window.goto(f"{base}/window/w1/")
    link = window.locator(f"a[href$='/cases/{case.pk}/']").first
    with window.expect_response(lambda r: f"/cases/{case.pk}/" in r.url):
        link.click()  # hx-boost: the case page, with its inline script, arrives by an htmx swap
    window.wait_for_selector("#merged-form")
    field = window.locator("#merged-form input[type=text]").first
    field.fill("张三")
    touched = field.evaluate("el => el.dataset.touched")
    assert touched == "1", "the case page's inline script ran after a boosted navigation"
    problems += _violations(window, seen)

    analyst = login(browser, base, "fenxi", csp=True)
    seen = _watched(analyst)
    for path in ("/metrics/", "/metrics/review/"):  # the review's charts: SVG drawn without inline styles
        analyst.goto(f"{base}{path}")
        analyst.wait_for_timeout(500)
        problems += _violations(analyst, seen)

    admin = login(browser, base, "admin", csp=True)
    seen = _watched(admin)
    for path in ("/admin/", "/admin/catalog/checklistversion/", "/api/docs"):
        admin.goto(f"{base}{path}")
        admin.wait_for_timeout(800)
        problems += _violations(admin, seen)
    assert admin.locator(".swagger-ui").count() == 1, "the API's map draws under the policy"

    assert not problems, "\n".join(problems)
