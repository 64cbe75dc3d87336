"""Public pages on narrow phones (320, 360 and 390 px wide): nothing runs over its card or scrolls sideways."""

import pytest

from onevisit.catalog.models import Matter
from onevisit.core import clock, people
from onevisit.queueing.models import Appointment, AppointmentSlot
from tests.e2e.conftest import needs_chromium, new_page
from tests.factories import resident_id

pytestmark = [pytest.mark.django_db(transaction=True), needs_chromium]

WIDTHS = (320, 360, 390)


def _fits(page, selector: str) -> dict:
    """The page's width against the window's, and the element's box against its card's."""
    return page.evaluate(
        """(selector) => {
          const element = document.querySelector(selector), card = element.closest('.panel');
          const e = element.getBoundingClientRect(), c = card.getBoundingClientRect();
          return {page: document.documentElement.scrollWidth, window: window.innerWidth,
                  inside: e.left >= c.left && e.right <= c.right,
                  px: parseFloat(getComputedStyle(element).fontSize)};
        }""",
        selector,
    )


def test_the_booking_code_fits_the_card_on_a_320_px_phone_and_stays_large(base, browser):
    slot = AppointmentSlot.objects.filter(queue__hall__code="demo", day__gt=clock.local_date()).first()
    person = people.register(
        people.check_identity(name="赵六", resident_id=resident_id(), phone="13600001111")
    )
    Appointment.objects.create(
        slot=slot,
        matter=Matter.objects.get(code="gxzy"),
        person=person,
        code="0V7P8CQY",
        booked_at=clock.now(),
    )
    for width in WIDTHS:
        page = new_page(browser, width=width, height=800)
        page.goto(f"{base}/book/demo/0V7P8CQY/")
        fits = _fits(page, ".ticket-number")
        assert fits["page"] <= fits["window"] and fits["inside"], (width, fits)
        assert fits["px"] >= 32, (width, fits)  # still the largest thing on the page
        assert page.locator(".ticket-number").inner_text() == "0V7P8CQY"
        page.context.close()


def test_a_slots_time_and_places_left_each_stay_on_one_line(base, browser):
    """The walk found "余 4 个" split at 360 px, leaving 个 alone on a line."""
    slot = AppointmentSlot.objects.filter(queue__hall__code="demo", day__gt=clock.local_date()).first()
    matter = slot.queue.matters.order_by("code").first()
    for width in WIDTHS:
        page = new_page(browser, width=width, height=800)
        page.goto(f"{base}/book/demo/?matter={matter.code}&day={slot.day.isoformat()}")
        counts = page.locator("fieldset .slot-free")
        assert counts.count() > 0
        lines = counts.evaluate_all("els => els.map(e => e.getClientRects().length)")
        assert set(lines) == {1}, (width, lines)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), width
        page.context.close()
