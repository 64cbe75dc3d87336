"""The booking's result by SMS through the `gateway` notifier, to the stand-in gateway the demo runs: started as its
own process by the product's command (`onevisit sms-gateway`), as `onevisit serve --with-sms` starts it."""

import re

import httpx
import pytest

from onevisit.core import notify
from onevisit.queueing.models import Appointment, AppointmentSlot
from tests.conftest import product_service
from tests.queueing.test_booking import _form, _working_day


@pytest.fixture(scope="module")
def gateway():
    """The gateway's address; the process is stopped after the module."""
    with product_service("sms-gateway", "--port", "0", banner="SMS gateway at ") as address:
        yield address


@pytest.mark.django_db
def test_a_booking_reaches_the_phone_through_the_gateway_and_its_page_shows_it(
    client, hall, settings, gateway
):
    settings.ONEVISIT_NOTIFIER, settings.ONEVISIT_SMS_GATEWAY_URL = "gateway", gateway
    slot = AppointmentSlot.objects.filter(queue__prefix="B", day=_working_day()).first()
    sent = client.post("/book/demo/", _form(slot, phone="13512340001"), follow=True).content.decode()
    assert "短信暂时没有发出" not in sent
    code = Appointment.objects.get().code
    [message] = httpx.get(f"{gateway}/messages", params={"phone": "13512340001"}, timeout=10).json()
    assert f"预约码 {code}" in message["text"]
    inbox = httpx.get(f"{gateway}/", params={"phone": "13512340001"}, timeout=10).text
    assert f'<a href="http://testserver/book/demo/{code}/">' in inbox, "the phone shows the link to open"
    other = httpx.get(f"{gateway}/", params={"phone": "13512340002"}, timeout=10).text
    assert code not in other and "这个号码还没有收到短信" in other
    assert "手机号码应为" in httpx.get(f"{gateway}/", params={"phone": "123"}, timeout=10).text


def test_the_gateway_refuses_what_is_not_a_message(gateway):
    assert httpx.post(f"{gateway}/messages", json={"phone": "12", "text": "x"}, timeout=10).status_code == 422
    assert (
        httpx.post(f"{gateway}/messages", json={"phone": "13512340003", "text": ""}, timeout=10).status_code
        == 422
    )
    assert httpx.post(f"{gateway}/messages", content=b"{not json", timeout=10).status_code == 400
    assert httpx.get(f"{gateway}/messages", params={"phone": "x"}, timeout=10).status_code == 422
    assert httpx.get(f"{gateway}/messages", params={"phone": "13512340003"}, timeout=10).json() == []


def test_a_gateway_that_does_not_answer_is_a_message_not_sent_and_the_error_names_no_phone(settings):
    settings.ONEVISIT_NOTIFIER, settings.ONEVISIT_SMS_GATEWAY_URL = "gateway", "http://127.0.0.1:9"
    with pytest.raises(notify.NotifierUnavailable) as refused:
        notify.notifier().send(notify.Message(phone="13512340004", text="测试"))
    assert "短信网关无法连接" in str(refused.value) and "13512340004" not in str(refused.value)


def test_the_gateway_notifier_needs_an_address(settings):
    settings.ONEVISIT_SMS_GATEWAY_URL = ""
    assert "ONEVISIT_SMS_GATEWAY_URL" in notify.GatewayNotifier().check_config()[0]
    settings.ONEVISIT_SMS_GATEWAY_URL = "http://127.0.0.1:8025"
    assert notify.GatewayNotifier().check_config() == []


def test_the_gateway_page_wraps_a_long_link_and_answers_the_icon_with_nothing(gateway):
    """The walk found the message's link running off its card at 390 px, and /favicon.ico answered 404."""
    link = "http://127.0.0.1:8000/book/demo/0V7P8CQY/?from=sms&hall=demo&something=long-enough-to-overflow"
    assert httpx.post(
        f"{gateway}/messages", json={"phone": "13512340005", "text": f"预约成功 {link}"}
    ).is_success
    page = httpx.get(f"{gateway}/", params={"phone": "13512340005"}, timeout=10).text
    assert f'<a href="{link.replace("&", "&amp;")}">' in page
    assert re.search(r"\.inbox li\{\{?[^}]*overflow-wrap:anywhere", page), (
        "a long address wraps inside its card"
    )
    icon = httpx.get(f"{gateway}/favicon.ico", timeout=10)
    assert icon.status_code == 204 and icon.content == b""
