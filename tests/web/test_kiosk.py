"""The self-service kiosk (自助取号机): nothing for citizens to leave by, nothing of the last citizen left behind."""

import re
from datetime import timedelta
from unittest import mock

import pytest

from onevisit.core import clock
from onevisit.queueing.models import Ticket
from tests.conftest import login
from tests.factories import resident_id
from tests.intake.test_check_in import _at, booking  # noqa: F401  (the booking fixture)

pytestmark = pytest.mark.django_db

TECHNICAL = re.compile(r"Traceback|Exception|Error|Forbidden|[A-Za-z_]+\.[A-Za-z_]+\(|403")


def _kiosk_ticket(kiosk, matter="jfhd", key="k1") -> Ticket:
    response = kiosk.post(
        f"/guide/kiosk/matters/{matter}/", {"resident_id": resident_id(), "idempotency_key": key}
    )
    assert response.status_code == 302, response.content.decode()
    return Ticket.objects.get(token=response["Location"].rstrip("/").rsplit("/", 1)[1])


def _kiosk_pages(kiosk) -> dict[str, str]:
    ticket = _kiosk_ticket(kiosk)
    return {
        url: kiosk.get(url).content.decode()
        for url in ("/guide/kiosk/", "/guide/kiosk/matters/jfhd/", f"/guide/kiosk/tickets/{ticket.token}/")
    }


def test_kiosk_pages_offer_citizens_no_sign_out_and_no_way_off_the_kiosk(hall):
    for url, html in _kiosk_pages(login("zizhu")).items():
        header = html.split("<main", 1)[0]
        assert "退出" not in header, url
        assert "办事指南" not in html, url
        assert 'href="/notice/' not in html and 'href="/"' not in html, url


def test_staff_sign_the_kiosk_out_through_a_hidden_long_press_panel(hall):
    html = login("zizhu").get("/guide/kiosk/").content.decode()
    panel = re.search(r"<div[^>]*data-kiosk-staff[^>]*>.*?</div>", html, re.S)
    assert panel and " hidden" in panel.group(0).split(">", 1)[0]
    assert 'action="/logout/"' in panel.group(0) and "工作人员" in panel.group(0)
    assert "data-kiosk-longpress" in html


def test_kiosk_pages_are_not_cached_and_replace_their_history_entry(hall):
    kiosk = login("zizhu")
    ticket = _kiosk_ticket(kiosk)
    for url in ("/guide/kiosk/", "/guide/kiosk/matters/jfhd/", f"/guide/kiosk/tickets/{ticket.token}/"):
        response = kiosk.get(url)
        assert "no-store" in response["Cache-Control"], url
        html = response.content.decode()
        assert 'hx-history="false"' in html and 'hx-replace-url="true"' in html, url


def test_kiosk_returns_to_its_start_after_idle_time_and_after_each_ticket(hall, settings):
    settings.ONEVISIT_KIOSK_IDLE_SECONDS = 45
    settings.ONEVISIT_KIOSK_TICKET_SECONDS = 15
    kiosk = login("zizhu")
    ticket = _kiosk_ticket(kiosk)
    for url in ("/guide/kiosk/", "/guide/kiosk/matters/jfhd/"):
        html = kiosk.get(url).content.decode()
        assert 'data-kiosk-idle="45"' in html and 'data-kiosk-home="/guide/kiosk/"' in html, url
    page = kiosk.get(f"/guide/kiosk/tickets/{ticket.token}/").content.decode()
    assert 'data-kiosk-idle="15"' in page and "data-kiosk-countdown>15</span> 秒后回到首页" in page
    assert re.search(r"<a[^>]*data-kiosk-reset[^>]*>完成</a>", page)


def test_kiosk_id_field_is_never_filled_back_in(hall):
    kiosk = login("zizhu")
    rid = resident_id()
    bad = kiosk.post("/guide/kiosk/matters/jfhd/", {"resident_id": rid[:17], "idempotency_key": "x"})
    assert bad.status_code == 422
    assert rid[:17] not in bad.content.decode()
    assert 'autocomplete="off"' in bad.content.decode()


def test_kiosk_cannot_fetch_a_ticket_it_did_not_issue(hall, guide):
    from onevisit.intake import services

    other = services.issue_at_kiosk(actor=guide, matter_code="jfhd", resident_id=resident_id())
    kiosk = login("zizhu")
    for url in (
        f"/guide/tickets/{other.token}.pdf",
        f"/guide/kiosk/tickets/{other.token}/",
        f"/guide/tickets/{other.number}.pdf",
    ):
        response = kiosk.get(url)
        html = response.content.decode()
        assert response.status_code == 403, url
        assert "只能打印本机刚取的号" in html and not TECHNICAL.search(html.split("<main", 1)[1]), url
        assert "退出" not in html.split("<main", 1)[0]


def test_kiosk_can_fetch_its_own_ticket_only_for_a_short_time(hall, settings, daytime):
    settings.ONEVISIT_KIOSK_TICKET_MINUTES = 10
    kiosk = login("zizhu")
    ticket = _kiosk_ticket(kiosk)
    pdf = kiosk.get(f"/guide/tickets/{ticket.token}.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    later = clock.now() + timedelta(minutes=11)
    with mock.patch("onevisit.core.clock.now", return_value=later):
        for url in (f"/guide/tickets/{ticket.token}.pdf", f"/guide/kiosk/tickets/{ticket.token}/"):
            response = kiosk.get(url)
            html = response.content.decode()
            assert response.status_code == 403, url
            assert "已超过打印时间" in html and not TECHNICAL.search(html.split("<main", 1)[1]), url


def test_guide_desk_still_prints_any_ticket_of_its_hall(hall, guide_client, daytime):
    kiosk = login("zizhu")
    ticket = _kiosk_ticket(kiosk)
    later = clock.now() + timedelta(minutes=30)
    with mock.patch("onevisit.core.clock.now", return_value=later):
        assert guide_client.get(f"/guide/tickets/{ticket.token}.pdf").status_code == 200


def test_a_guide_checking_in_an_appointment_is_sent_back_to_the_desk_not_to_the_kiosk(
    hall, guide, guide_client
):
    from onevisit.intake import services

    ticket = services.issue_at_kiosk(actor=guide, matter_code="jfhd", resident_id=resident_id())
    page = guide_client.get(f"/guide/kiosk/tickets/{ticket.token}/").content.decode()
    assert 'data-kiosk-home="/guide/"' in page and re.search(r'<a[^>]*href="/guide/"[^>]*>完成</a>', page)


def test_kiosk_check_in_confirmation_shows_no_staff_bar(booking):  # noqa: F811
    kiosk = login("zizhu")
    with _at(booking, 17, 45):
        html = kiosk.post("/guide/check-in/", {"code": booking.code, "back": "intake:kiosk"}).content.decode()
    assert "请确认已带齐材料" in html
    assert "退出" not in html.split("<main", 1)[0] and "办事指南" not in html
    assert 'hx-history="false"' in html and 'data-kiosk-home="/guide/kiosk/"' in html


def test_the_appointment_keypad_has_each_key_once(hall):
    """A code with an X was typed by a key that stood twice on the screen (digits' X and letters' X)."""
    import re as _re

    html = login("zizhu").get("/guide/kiosk/").content.decode()
    keys = _re.findall(r'data-key="([^"]+)"', html)
    assert "X" in keys and "A" in keys
    assert len(keys) == len(set(keys)), sorted(k for k in set(keys) if keys.count(k) > 1)
