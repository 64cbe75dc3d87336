"""The one-time-code pages as a browser meets them (issue 16, browser walk): the server checks the code and says
what is wrong in Chinese, naming the field (no browser bubble in English), and the enrolment page is easy to use:
the cursor in the code field, the key readable in blocks of four and copied whole."""

from __future__ import annotations

import lxml.html
import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from onevisit.accounts import twofactor
from onevisit.web import demo
from tests.conftest import code_given, nothing_written
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


def _signed_in(username: str) -> Client:
    client = Client()
    assert client.post("/login/", {"username": username, "password": demo.DEMO_PASSWORD}).status_code == 302
    return client


def _devices() -> list[tuple]:
    return list(TOTPDevice.objects.order_by("pk").values_list("pk", "confirmed", "throttling_failure_count"))


@pytest.fixture
def enrolling(db) -> Client:
    client = Client()
    client.force_login(StaffFactory(legal=True).user)
    assert client.get("/login/otp/enrol/?next=/notice/review/").status_code == 200  # the pending device
    return client


def _code_input(html: str):
    doc = lxml.html.fromstring(html)
    (field,) = doc.xpath("//input[@name='code']")
    return field


@pytest.mark.parametrize("address", ["/login/otp/", "/login/otp/enrol/"])
def test_the_code_pages_are_checked_by_the_server_not_the_browser(hall, enrolling, address):
    client = _signed_in("fazhi") if address == "/login/otp/" else enrolling
    field = _code_input(client.get(address).content.decode())
    assert "novalidate" in field.getparent().getparent().attrib  # the <form> around the field's <label>


@pytest.mark.parametrize("address", ["/login/otp/", "/login/otp/enrol/"])
@pytest.mark.parametrize(
    ("typed", "said"),
    [("", "请输入动态口令"), ("12ab", "动态口令应为 6 位数字"), ("1234567", "动态口令应为 6 位数字")],
)
def test_a_missing_or_malformed_code_is_refused_in_chinese_naming_the_field_and_writes_nothing(
    hall, enrolling, address, typed, said
):
    client = _signed_in("fazhi") if address == "/login/otp/" else enrolling
    before = _devices()
    with nothing_written():
        refused = client.post(address, {"code": typed, "next": "/notice/review/"})
    html = refused.content.decode()
    assert refused.status_code == 422 and said in html
    field = _code_input(html)
    assert field.get("aria-invalid") == "true" and field.get("aria-describedby") == "code-error"
    assert _devices() == before  # no device confirmed, no failure counted
    assert "_otp_device_id" not in client.session


def test_the_enrolment_page_puts_the_cursor_in_the_code_field(enrolling):
    field = _code_input(enrolling.get("/login/otp/enrol/").content.decode())
    assert "autofocus" in field.attrib


def test_the_enrolment_key_reads_in_blocks_of_four_and_copies_whole(enrolling):
    user = get_user_model().objects.get(pk=enrolling.session["_auth_user_id"])
    secret = twofactor.secret_of(twofactor.pending_device(user))
    key = lxml.html.fromstring(enrolling.get("/login/otp/enrol/").content.decode()).get_element_by_id(
        "otp-secret"
    )
    blocks = [span.text_content() for span in key.findall("span")]
    assert blocks == [secret[i : i + 4] for i in range(0, len(secret), 4)] and len(blocks) > 1
    assert key.text_content() == secret  # no space between the blocks: what a copy of it gives


def test_the_key_is_grouped_in_fours_with_the_last_block_shorter():
    assert twofactor.grouped("ABCDEFGHIJ") == ["ABCD", "EFGH", "IJ"]
    assert twofactor.grouped("") == []


@pytest.mark.parametrize("address", ["/login/otp/", "/login/otp/enrol/"])
def test_before_the_code_the_page_offers_one_way_out_and_no_links_to_pages_not_yet_open(
    hall, enrolling, address
):
    """The walk found 管理后台 and 法制审核 in the top bar of the code step (each sends back to it), and two
    logout buttons on the code page."""
    client = _signed_in("fazhi") if address == "/login/otp/" else enrolling
    doc = lxml.html.fromstring(client.get(address).content.decode())
    assert not doc.xpath("//header//nav"), "links to pages the code step still closes"
    assert [b.text_content().strip() for b in doc.xpath("//form[contains(@action,'logout')]//button")] == [
        "退出"
    ]


def test_after_the_code_the_top_bar_links_the_work_pages(hall):
    client = Client()
    staff = StaffFactory(legal=True)
    client.force_login(staff.user)
    code_given(client, staff.user)
    doc = lxml.html.fromstring(client.get("/notice/review/").content.decode())
    assert [a.text_content() for a in doc.xpath("//header//nav//a[@href='/notice/review/']")] == ["法制审核"]
