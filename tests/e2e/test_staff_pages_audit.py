"""axe-core (WCAG 2.0/2.1 A and AA) over the shared staff pages in the states people meet them: the analyst's
review and plan with their charts and tables opened, the legal section's review with a refused publication, the
back office with a refused return, the information centre's console, the login refused and the error page."""

import io

import pytest
from django.core.management import call_command

from onevisit.accounts.models import Hall, Staff
from onevisit.web import demo
from tests.conftest import load_seed_catalog
from tests.e2e.conftest import login, needs_chromium, new_page

pytestmark = [pytest.mark.django_db(transaction=True), needs_chromium]


def _open_every_data_table(page) -> None:
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")


def test_the_shared_staff_pages_pass_axe_core(live_server, browser, axe):
    from onevisit.cases import services as cases
    from onevisit.catalog import services as catalog
    from onevisit.catalog.models import Matter
    from tests.conftest import _actor
    from tests.factories import UserFactory
    from tests.journey import called, handed_over

    load_seed_catalog()
    hall = demo.load()
    base = live_server.url
    call_command(
        "history",
        "generate",
        "--days",
        "7",
        "--halls",
        "1",
        "--start",
        "2026-09-07",
        stdout=io.StringIO(),
        verbosity=0,
    )
    Staff.objects.get(user__username="fenxi").compare_halls.add(Hall.objects.get(code="hist01"))
    editor = UserFactory(username="it-editor")
    draft = catalog.open_draft(matter=Matter.objects.get(code="cbdj"), user=editor)
    catalog.submit(version=draft, user=editor)
    window = hall.windows.get(code="w1")
    ticket = called(_actor("daoban"), _actor("chuangkou1"), window, "gxzy")
    task = handed_over(
        _actor("chuangkou1"), cases.accept(actor=_actor("chuangkou1"), window=window, code=ticket.token)
    ).tasks.get()

    anon = new_page(browser)
    anon.goto(f"{base}/login/")
    anon.fill("input[name=username]", "daoban")
    anon.fill("input[name=password]", "wrong")
    with anon.expect_navigation():
        anon.keyboard.press("Enter")
    axe(anon, "login refused")

    analyst = login(browser, base, "fenxi")
    axe(analyst, "metrics today")
    period = "hall=hist01&from=2026-09-07&to=2026-09-13"
    analyst.goto(f"{base}/metrics/review/?{period}")
    _open_every_data_table(analyst)
    axe(analyst, "metrics review with its charts' data tables open")
    analyst.goto(f"{base}/planning/?{period}&planned=1&scenario=backoffice&replications=10")
    _open_every_data_table(analyst)
    axe(analyst, "window plan with its charts' data tables open")
    analyst.goto(f"{base}/metrics/review/?from=2026-13-01")
    axe(analyst, "metrics review refusing a date")

    legal = login(browser, base, "fazhi")
    axe(legal, "legal review")
    legal.check("input[name=temporary]")
    legal.click("button:has-text('审核通过并发布')")
    legal.wait_for_selector("[aria-invalid=true]")
    axe(legal, "legal review refusing a publication")
    legal.goto(f"{base}/notice/review/matters/cbdj/versions/?a=1&b=2")
    axe(legal, "checklist versions")

    office = login(browser, base, "houtai1")
    axe(office, "back office")
    office.click(f"a[href$='/office/tasks/{task.pk}/']")
    office.wait_for_selector("text=本环节")
    axe(office, "back office task with its case file")
    form = office.locator(f"form[action$='/tasks/{task.pk}/return/']")
    form.locator("input[name=reasons]").evaluate("el => el.removeAttribute('required')")
    form.locator("input[name=reasons]").fill(" ")
    form.locator("button").click()
    office.wait_for_selector("[aria-invalid=true]")
    axe(office, "back office refusing a return")
    office.goto(f"{base}/window/")
    axe(office, "error page (no window role)")

    it = login(browser, base, "xinxi")
    axe(it, "data ferry console")

    axe.assert_clean()
